"""Dated policy parameters: reading the region pack's YAML files, loading them, looking up.

One file per parameter under ``regions/<pack>/parameters/``, OpenFisca-style::

    description: 重度残疾人护理补贴 一级 (Sichuan standard)
    metadata:
      unit: CNY_per_month
      reference: 川民规〔2024〕1号 …
    values:
      2024-07-01:
        value: 110
        source: 四川省民政厅 interpretation of 川民规〔2024〕1号 …
        verified: false
        note: optional free text

A value holds from its date until the next date; ``value: null`` ends the parameter.
:func:`load_parameters` checks every file first and writes nothing unless all are valid;
:func:`value_on` answers "what was in force on day D".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from tongxing.areas.loading import region_dir
from tongxing.benefits.models import (
    MONEY_UNITS,
    Origin,
    Parameter,
    ParameterValue,
    Unit,
    ValueStatus,
)
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.yamlfiles import LineTrackingLoader as _Loader
from tongxing.core.yamlfiles import Problem

PARAMETERS_DIR = "parameters"
# ``not_found`` declares a parameter whose value the sources do not give: the file may then
# hold no values, and every rule that needs it reports "no value in force" instead of
# paying a guessed figure; a city officer proposes the first value in the app.
TOP_KEYS = ("description", "metadata", "values", "not_found")
METADATA_KEYS = ("unit", "reference")
VALUE_KEYS = ("value", "source", "verified", "note")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
KEY_SEGMENT = re.compile(r"[a-z][a-z0-9_]*")
CENT = Decimal("0.01")
AUDIT_SOURCE = "load_parameters"

ParameterScalar = Decimal | int | bool | tuple[int, ...]


def read_value_text(unit: str, text: str) -> Any:
    """A value typed into a form, read as the loader reads a file's ``value:`` (so "110"
    is a whole number, "1.6" a decimal, "true" a yes, "[1, 2]" a list), for
    :func:`encode_value` to check against the unit. Grades may also be typed as "1, 2"."""
    text = text.strip()
    if unit == Unit.GRADE_LIST and not text.startswith("["):
        text = f"[{text}]"
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError:
        return text  # not YAML: encode_value names it as not fitting the unit
    finally:
        loader.dispose()


# --- checking -------------------------------------------------------------------------------


class ParameterFileError(Exception):
    """One or more parameter files are invalid; nothing was loaded. ``problems`` lists
    every problem found, each naming its file, key and reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) in the parameter files; nothing loaded:\n{lines}"
        )


@dataclass(frozen=True)
class ValueSpec:
    effective_from: dt.date
    value: Any  # canonical JSON form, see encode_value
    source: str
    verified: bool
    note: str = ""


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    description: str
    unit: str
    reference: str
    file_path: str
    values: tuple[ValueSpec, ...] = field(default=())


def encode_value(unit: str, raw: Any) -> tuple[Any, str | None]:
    """``(canonical JSON value, None)``, or ``(None, reason)`` when ``raw`` does not fit
    ``unit``. Money becomes a 2-place decimal string, rates a normalised decimal string."""
    if unit in MONEY_UNITS or unit in (Unit.PERCENT, Unit.MULTIPLE):
        # bool is an int in Python; "yes" is never an amount.
        if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
            return None, f"{raw!r} is not a number (unit {unit})"
        number = Decimal(raw)
        if not number.is_finite():
            return None, f"{raw!r} is not a finite number"
        if number < 0:
            return None, f"negative amount {number} is not allowed (unit {unit})"
        if unit in MONEY_UNITS:
            if number != number.quantize(CENT):
                return None, f"{number} has more than 2 decimal places (yuan and fen)"
            return str(number.quantize(CENT)), None
        if unit == Unit.PERCENT and number > 100:
            return None, f"{number} is more than 100 percent"
        return format(number.normalize(), "f"), None
    if unit in (Unit.YEARS, Unit.MONTHS, Unit.PERSONS):
        if isinstance(raw, bool) or not isinstance(raw, int):
            return None, f"{raw!r} is not a whole number (unit {unit})"
        if raw < 0:
            return None, f"negative value {raw} is not allowed (unit {unit})"
        return raw, None
    if unit == Unit.MONTH_OF_YEAR:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 12:
            return None, f"{raw!r} is not a month of the year (1–12)"
        return raw, None
    if unit == Unit.BOOLEAN:
        if not isinstance(raw, bool):
            return None, f"{raw!r} is not true or false (unit {unit})"
        return raw, None
    if unit == Unit.GRADE_LIST:
        if (
            not isinstance(raw, list)
            or not raw
            or any(isinstance(g, bool) or g not in (1, 2, 3, 4) for g in raw)
            or len(set(raw)) != len(raw)
        ):
            return None, f"{raw!r} is not a list of distinct disability grades 1–4"
        return sorted(raw), None
    return None, f"unknown unit {unit!r}"


def decode_value(unit: str, stored: Any) -> ParameterScalar:
    """The Python value of a stored (canonical JSON) value: ``Decimal`` for money and rates."""
    if unit in MONEY_UNITS:
        return Decimal(stored).quantize(CENT)
    if unit in (Unit.PERCENT, Unit.MULTIPLE):
        return Decimal(stored)
    if unit == Unit.GRADE_LIST:
        return tuple(stored)
    return stored


def _key_for(path: Path, root: Path) -> tuple[str, str | None]:
    parts = [*path.relative_to(root).parent.parts, path.stem]
    bad = [p for p in parts if not KEY_SEGMENT.fullmatch(p)]
    if bad:
        return ".".join(parts), (
            f"folder and file names must be lower-case letters, digits and _ (not {bad[0]!r})"
        )
    return ".".join(parts), None


def _check_values(
    values: Any,
    unit: str | None,
    file: str,
    lines: dict[int, dict[Any, int]],
    *,
    declared_missing: bool = False,
) -> tuple[list[ValueSpec], list[Problem]]:
    problems: list[Problem] = []
    specs: list[ValueSpec] = []
    if declared_missing and values == {}:
        return [], []
    if not isinstance(values, dict) or not values:
        return [], [
            Problem(
                file,
                "values",
                "missing: give at least one dated value (or say under not_found what is "
                "missing and write values: {})",
            )
        ]
    value_lines = lines.get(id(values), {})
    for date_key, entry in values.items():
        key = f"values.{date_key}"
        line = value_lines.get(date_key)
        text = str(date_key)
        day = None
        if ISO_DATE.fullmatch(text):
            with contextlib.suppress(ValueError):  # 2024-02-30 matches the pattern
                day = dt.date.fromisoformat(text)
        if day is None:
            problems.append(Problem(file, key, "not an ISO date (YYYY-MM-DD)", line))
        if not isinstance(entry, dict):
            problems.append(Problem(file, key, "must hold value, source and verified", line))
            continue
        entry_lines = lines.get(id(entry), {})
        for extra in sorted(set(entry) - set(VALUE_KEYS), key=str):
            problems.append(
                Problem(file, f"{key}.{extra}", "unknown key", entry_lines.get(extra, line))
            )
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            problems.append(Problem(file, f"{key}.source", "missing source document", line))
        verified = entry.get("verified")
        if not isinstance(verified, bool):
            problems.append(Problem(file, f"{key}.verified", "missing: say true or false", line))
        note = entry.get("note", "")
        if not isinstance(note, str):
            problems.append(Problem(file, f"{key}.note", "must be text", line))
        if "value" not in entry:
            problems.append(
                Problem(file, f"{key}.value", "missing (null ends the parameter)", line)
            )
            continue
        canonical = None
        if entry["value"] is not None and unit is not None:
            canonical, reason = encode_value(unit, entry["value"])
            if reason:
                problems.append(
                    Problem(file, f"{key}.value", reason, entry_lines.get("value", line))
                )
        if day is not None and isinstance(source, str) and isinstance(verified, bool):
            specs.append(
                ValueSpec(day, canonical, " ".join(source.split()), verified, str(note).strip())
            )
    specs.sort(key=lambda v: v.effective_from)
    dated = sorted((str(d), e.get("value")) for d, e in values.items() if isinstance(e, dict))
    if dated and dated[0][1] is None:
        # Ending a parameter that never started is a typo, not a policy.
        problems.append(Problem(file, f"values.{dated[0][0]}", "the first value cannot be null"))
    return specs, problems


def _key_prefixes(data: dict[Any, Any]) -> dict[int, str]:
    """How to name a key of each mapping in a file, for duplicate-key messages."""
    prefixes = {id(data): ""}
    for name, child in data.items():
        if isinstance(child, dict):
            prefixes[id(child)] = f"{name}."
    values = data.get("values")
    if isinstance(values, dict):
        for day, entry in values.items():
            if isinstance(entry, dict):
                prefixes[id(entry)] = f"values.{day}."
    return prefixes


def _check_file(path: Path, root: Path, pack: Path) -> tuple[ParameterSpec | None, list[Problem]]:
    file = str(path.relative_to(pack.parent))
    key, bad_name = _key_for(path, root)
    if bad_name:
        return None, [Problem(file, key, bad_name)]
    try:
        loader = _Loader(path.read_text(encoding="utf-8"))
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        return None, [
            Problem(file, key, f"not valid YAML: {reason}", mark.line + 1 if mark else None)
        ]
    except UnicodeDecodeError:
        return None, [Problem(file, key, "not UTF-8 text")]

    if not isinstance(data, dict):
        return None, [Problem(file, key, "must be a mapping with description, metadata, values")]
    problems = [
        Problem(file, f"{prefix}{dup}", f"duplicate key (first at line {first})", line)
        for mapping_id, prefix in _key_prefixes(data).items()
        for dup, line, first in loader.duplicates.get(mapping_id, [])
    ]
    top_lines = loader.lines.get(id(data), {})
    for extra in sorted(set(data) - set(TOP_KEYS), key=str):
        problems.append(Problem(file, str(extra), "unknown key", top_lines.get(extra)))
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append(Problem(file, "description", "missing"))
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
        problems.append(Problem(file, "metadata", "missing: give unit and reference"))
    meta_lines = loader.lines.get(id(metadata), {})
    for extra in sorted(set(metadata) - set(METADATA_KEYS), key=str):
        problems.append(Problem(file, f"metadata.{extra}", "unknown key", meta_lines.get(extra)))
    unit = metadata.get("unit")
    if unit is None:
        problems.append(Problem(file, "metadata.unit", "missing"))
    elif unit not in Unit.values:
        problems.append(
            Problem(
                file,
                "metadata.unit",
                f"unknown unit {unit!r} (one of: {', '.join(Unit.values)})",
                meta_lines.get("unit"),
            )
        )
        unit = None
    reference = metadata.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        problems.append(Problem(file, "metadata.reference", "missing legal reference"))
    not_found = data.get("not_found")
    if not_found is not None and (not isinstance(not_found, str) or not not_found.strip()):
        problems.append(Problem(file, "not_found", "must say what is missing and where to look"))
    values, value_problems = _check_values(
        data.get("values"), unit, file, loader.lines, declared_missing=bool(not_found)
    )
    problems.extend(value_problems)
    if problems:
        return None, problems
    spec = ParameterSpec(
        key=key,
        description=" ".join(str(description).split()),
        unit=str(unit),
        reference=" ".join(str(reference).split()),
        file_path=file,
        values=tuple(values),
    )
    return spec, []


def read_parameter_files(pack: Path) -> list[ParameterSpec]:
    """Every parameter file of a region pack, checked; raises :class:`ParameterFileError`
    listing all problems of all files (not just the first)."""
    root = pack / PARAMETERS_DIR
    if not root.is_dir():
        raise ParameterFileError([Problem(str(root), "parameters", "folder not found")])
    specs: list[ParameterSpec] = []
    problems: list[Problem] = []
    for path in sorted(root.rglob("*.yml")):
        problems.append(Problem(str(path.relative_to(pack.parent)), path.stem, "rename to .yaml"))
    for path in sorted(root.rglob("*.yaml")):
        spec, found = _check_file(path, root, pack)
        problems.extend(found)
        if spec:
            specs.append(spec)
    if problems:
        raise ParameterFileError(problems)
    return specs


# --- loading --------------------------------------------------------------------------------


@dataclass
class LoadReport:
    parameters_created: int = 0
    parameters_updated: int = 0
    parameters_removed: int = 0
    values_created: int = 0
    values_updated: int = 0
    values_removed: int = 0

    @property
    def changed(self) -> bool:
        return any(vars(self).values())


PARAMETER_FIELDS = ("description", "unit", "reference", "file_path")
VALUE_FIELDS = ("value", "source", "verified", "note", "status")


def _fields(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _event(action: AuditAction, obj: Any, key: str, summary: str, changes: dict) -> Any:
    return audit.build_event(
        None,
        action,
        object_type=f"benefits.{type(obj).__name__.lower()}",
        object_id=obj.pk,
        summary=f"{key} {summary}",
        changes=changes,
        source=AUDIT_SOURCE,
    )


@transaction.atomic
def load_parameters(slug: str) -> LoadReport:
    """Make the database's file-origin values match the region pack, writing an audit row
    per change. Re-running with unchanged files writes nothing. Values proposed in the app
    are left alone, but a file date that collides with an approved in-app value is refused."""
    specs = read_parameter_files(region_dir(slug))
    report = LoadReport()
    events = []
    parameters = {p.key: p for p in Parameter.objects.all()}
    file_values: dict[int, dict[dt.date, ParameterValue]] = defaultdict(dict)
    app_dates: set[tuple[int, dt.date]] = set()
    for row in ParameterValue.objects.filter(status=ValueStatus.APPROVED):
        if row.origin == Origin.FILE:
            file_values[row.parameter_id][row.effective_from] = row
        else:
            app_dates.add((row.parameter_id, row.effective_from))

    clashes = [
        Problem(
            spec.file_path,
            f"values.{v.effective_from}",
            "an approved in-app value exists for this date; copy it into the file or withdraw it",
        )
        for spec in specs
        if spec.key in parameters
        for v in spec.values
        if (parameters[spec.key].pk, v.effective_from) in app_dates
    ]
    if clashes:
        raise ParameterFileError(clashes)

    for spec in specs:
        wanted = {name: getattr(spec, name) for name in PARAMETER_FIELDS}
        parameter = parameters.pop(spec.key, None)
        if parameter is None:
            parameter = Parameter.objects.create(key=spec.key, **wanted)
            report.parameters_created += 1
            events.append(
                _event(AuditAction.CREATE, parameter, spec.key, "loaded", audit.diff({}, wanted))
            )
        elif _fields(parameter, PARAMETER_FIELDS) != wanted:
            changes = audit.diff(_fields(parameter, PARAMETER_FIELDS), wanted)
            for name, value in wanted.items():
                setattr(parameter, name, value)
            parameter.save(update_fields=list(PARAMETER_FIELDS))
            report.parameters_updated += 1
            events.append(_event(AuditAction.UPDATE, parameter, spec.key, "changed", changes))

        current = file_values.pop(parameter.pk, {})
        for value in spec.values:
            wanted_value = {
                "value": value.value,
                "source": value.source,
                "verified": value.verified,
                "note": value.note,
                "status": ValueStatus.APPROVED,
            }
            label = f"from {value.effective_from}"
            row = current.pop(value.effective_from, None)
            if row is not None and row.verified and not value.verified and row.value == value.value:
                # Confirmed in the app against the official text (an audited action): the
                # file's older "unverified" must not undo that; the file should catch up.
                wanted_value |= {"verified": True, "source": row.source}
            if row is None:
                row = ParameterValue.objects.create(
                    parameter=parameter,
                    effective_from=value.effective_from,
                    origin=Origin.FILE,
                    **wanted_value,
                )
                report.values_created += 1
                events.append(
                    _event(AuditAction.CREATE, row, spec.key, label, audit.diff({}, wanted_value))
                )
            elif _fields(row, VALUE_FIELDS) != wanted_value:
                changes = audit.diff(_fields(row, VALUE_FIELDS), wanted_value)
                for name, new in wanted_value.items():
                    setattr(row, name, new)
                row.save(update_fields=list(VALUE_FIELDS))
                report.values_updated += 1
                events.append(_event(AuditAction.UPDATE, row, spec.key, label, changes))
        # A date taken out of the file is no longer law here; the audit row keeps it.
        for row in current.values():
            events.append(_removed(row, parameter.key))
            row.delete()
            report.values_removed += 1

    # Parameters whose file was deleted: drop their file values, and the parameter itself
    # unless the app holds values for it.
    for parameter in parameters.values():
        for row in file_values.pop(parameter.pk, {}).values():
            events.append(_removed(row, parameter.key))
            row.delete()
            report.values_removed += 1
        if not parameter.values.exists():
            events.append(
                _event(
                    AuditAction.DELETE,
                    parameter,
                    parameter.key,
                    "file removed",
                    audit.diff(_fields(parameter, PARAMETER_FIELDS), {}),
                )
            )
            parameter.delete()
            report.parameters_removed += 1
    audit.record_many(events)
    return report


def _removed(row: ParameterValue, key: str) -> Any:
    return _event(
        AuditAction.DELETE,
        row,
        key,
        f"from {row.effective_from} removed from the file",
        audit.diff(_fields(row, VALUE_FIELDS), {}),
    )


# --- looking up -----------------------------------------------------------------------------


class ParameterLookupError(LookupError):
    """No usable value: the key is unknown, or nothing is in force on that date."""


@dataclass(frozen=True)
class ParameterAt:
    """A parameter's value on one date, with what a decision must show about it."""

    key: str
    value: ParameterScalar
    unit: str
    effective_from: dt.date
    source: str
    verified: bool
    note: str = ""


class ParameterSet:
    """Every approved value of some (or all) parameters, read in one query, for jobs that
    look up many keys on many dates (a payroll month and its back months)."""

    def __init__(self, rows: dict[str, tuple[str, list[ParameterValue]]]) -> None:
        self._rows = rows  # key -> (unit, approved values by ascending date)

    @classmethod
    def load(cls, keys: Iterable[str] | None = None) -> ParameterSet:
        values = (
            ParameterValue.objects.filter(status=ValueStatus.APPROVED)
            .select_related("parameter")
            .order_by("parameter__key", "effective_from")
        )
        if keys is not None:
            values = values.filter(parameter__key__in=list(keys))
        rows: dict[str, tuple[str, list[ParameterValue]]] = {}
        for row in values:
            rows.setdefault(row.parameter.key, (row.parameter.unit, []))[1].append(row)
        declared = (
            Parameter.objects.all()
            if keys is None
            else Parameter.objects.filter(key__in=list(keys))
        )
        for key, unit in declared.values_list("key", "unit"):
            rows.setdefault(key, (unit, []))
        return cls(rows)

    def at(self, key: str, day: dt.date) -> ParameterAt:
        """The approved value of ``key`` in force on ``day``: the latest value dated on or
        before ``day`` (OpenFisca's ``_get_at_instant``). Raises
        :class:`ParameterLookupError` if the key is unknown or has no value, ``day`` is
        before the first value, or the parameter has ended."""
        # A datetime is a date in Python; refusing it keeps time zones out of legal dates.
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise TypeError(f"a parameter lookup needs a date, not {type(day).__name__}")
        if key not in self._rows:
            raise ParameterLookupError(
                f"no parameter {key!r} (is the region pack loaded? run manage.py load_parameters)"
            )
        unit, values = self._rows[key]
        if not values:
            raise ParameterLookupError(
                f"{key} has no approved value yet: the sources did not give one, so a city "
                "officer must propose it"
            )
        row = next((v for v in reversed(values) if v.effective_from <= day), None)
        if row is None:
            raise ParameterLookupError(
                f"{key} has no value in force on {day}: it starts on {values[0].effective_from}"
            )
        if row.value is None:
            raise ParameterLookupError(
                f"{key} has no value in force on {day}: it ended on {row.effective_from}"
                " (the last day in force was the day before)"
            )
        return ParameterAt(
            key=key,
            value=decode_value(unit, row.value),
            unit=unit,
            effective_from=row.effective_from,
            source=row.source,
            verified=row.verified,
            note=row.note,
        )


def value_on(key: str, day: dt.date) -> ParameterAt:
    """The approved value of ``key`` in force on ``day`` (see :meth:`ParameterSet.at`)."""
    return ParameterSet.load([key]).at(key, day)
