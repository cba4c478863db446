"""The region pack's risk weights and levels (``risk/rules.yaml``): checked, loaded, looked up.

:func:`load_risk_rules` checks the whole file first and writes nothing unless it is valid;
every problem names the file, line, key and reason. :func:`ruleset_on` answers "which
weights and levels were in force on day D".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from tongxing.areas.loading import region_dir
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.yamlfiles import LineTrackingLoader, Problem
from tongxing.monitoring.models import RiskLevel, RuleVersion
from tongxing.monitoring.rules import CODES

RULES_FILE = Path("risk") / "rules.yaml"
TOP_KEYS = ("description", "reference", "versions")
VERSION_KEYS = ("source", "verified", "note", "weights", "levels")
LEVELS = tuple(level.value for level in RiskLevel)  # high, medium, low
MAX_WEIGHT = 10


class RuleFileError(Exception):
    """The rule file is invalid; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) in the risk rule file; nothing loaded:\n{lines}"
        )


@dataclass(frozen=True)
class RuleSet:
    effective_from: dt.date
    weights: dict[str, int]
    levels: dict[str, int]
    source: str
    verified: bool
    note: str = ""
    file_path: str = field(default="")

    def level_of(self, score: int) -> str | None:
        for level in LEVELS:
            if score >= self.levels[level]:
                return level
        return None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_rule_file(path: Path, shown: str) -> tuple[list[RuleSet], list[Problem]]:
    """Every version in ``path``, or every problem found (``shown`` names the file)."""
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return [], [Problem(shown, "file", f"cannot be read: {error}")]
    loader = LineTrackingLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return [], [
            Problem(shown, "yaml", f"not valid YAML: {getattr(error, 'problem', error)}", line)
        ]
    finally:
        loader.dispose()
    lines = loader.lines

    def line_of(mapping: Any, key: Any) -> int | None:
        return lines.get(id(mapping), {}).get(key)

    for duplicates in loader.duplicates.values():
        for key, line, first in duplicates:
            problems.append(Problem(shown, key, f"given twice (first on line {first})", line))
    if not isinstance(data, dict):
        return [], [*problems, Problem(shown, "file", "must be a mapping with versions:")]
    for key in data:
        if key not in TOP_KEYS:
            problems.append(Problem(shown, str(key), "unknown key", line_of(data, key)))
    versions = data.get("versions")
    if not isinstance(versions, dict) or not versions:
        problems.append(Problem(shown, "versions", "missing: give at least one dated version"))
        return [], problems
    found: list[RuleSet] = []
    for day, version in versions.items():
        where = f"versions.{day}"
        line = line_of(versions, day)
        try:
            effective = dt.date.fromisoformat(str(day))
        except ValueError:
            problems.append(Problem(shown, where, "is not an ISO date (YYYY-MM-DD)", line))
            continue
        if not isinstance(version, dict):
            problems.append(Problem(shown, where, "must be a mapping", line))
            continue
        count = len(problems)
        for key in version:
            if key not in VERSION_KEYS:
                problems.append(
                    Problem(shown, f"{where}.{key}", "unknown key", line_of(version, key))
                )
        source = version.get("source")
        if not isinstance(source, str) or not source.strip():
            problems.append(
                Problem(shown, f"{where}.source", "missing: say where it comes from", line)
            )
        if not isinstance(version.get("verified"), bool):
            problems.append(Problem(shown, f"{where}.verified", "missing or not true/false", line))
        weights = version.get("weights")
        if not isinstance(weights, dict):
            problems.append(Problem(shown, f"{where}.weights", "missing: a weight per rule", line))
            weights = {}
        for code, weight in weights.items():
            at = line_of(weights, code)
            if code not in CODES:
                problems.append(
                    Problem(
                        shown,
                        f"{where}.weights.{code}",
                        f"unknown rule (known: {', '.join(CODES)})",
                        at,
                    )
                )
            elif not _whole(weight) or not 0 <= weight <= MAX_WEIGHT:
                problems.append(
                    Problem(
                        shown,
                        f"{where}.weights.{code}",
                        f"{weight!r} is not a whole number from 0 to {MAX_WEIGHT}",
                        at,
                    )
                )
        for code in CODES:
            if weights and code not in weights:
                problems.append(
                    Problem(
                        shown,
                        f"{where}.weights.{code}",
                        "missing: give a weight (0 switches it off)",
                        line_of(version, "weights"),
                    )
                )
        levels = version.get("levels")
        if not isinstance(levels, dict):
            problems.append(
                Problem(shown, f"{where}.levels", "missing: high, medium and low", line)
            )
            levels = {}
        for key, value in levels.items():
            at = line_of(levels, key)
            if key not in LEVELS:
                problems.append(Problem(shown, f"{where}.levels.{key}", "unknown level", at))
            elif not _whole(value) or value < 1:
                problems.append(
                    Problem(
                        shown,
                        f"{where}.levels.{key}",
                        f"{value!r} is not a whole number of at least 1",
                        at,
                    )
                )
        if levels and all(_whole(levels.get(k)) for k in LEVELS):
            if not levels["high"] > levels["medium"] > levels["low"]:
                problems.append(
                    Problem(
                        shown,
                        f"{where}.levels",
                        "must rise: high > medium > low",
                        line_of(version, "levels"),
                    )
                )
        elif levels:
            missing = [k for k in LEVELS if k not in levels]
            if missing:
                problems.append(
                    Problem(
                        shown,
                        f"{where}.levels",
                        f"missing: {', '.join(missing)}",
                        line_of(version, "levels"),
                    )
                )
        if len(problems) == count:
            found.append(
                RuleSet(
                    effective_from=effective,
                    weights={code: int(weights[code]) for code in CODES},
                    levels={key: int(levels[key]) for key in LEVELS},
                    source=source.strip(),
                    verified=version["verified"],
                    note=str(version.get("note") or "").strip(),
                    file_path=shown,
                )
            )
    return sorted(found, key=lambda r: r.effective_from), problems


@dataclass
class LoadReport:
    created: list[dt.date] = field(default_factory=list)
    updated: list[dt.date] = field(default_factory=list)
    removed: list[dt.date] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def load_risk_rules(slug: str) -> LoadReport:
    """Check the pack's rule file and bring the database in line with it, or raise
    :class:`RuleFileError` and change nothing."""
    pack = region_dir(slug)
    shown = f"{slug}/{RULES_FILE.as_posix()}"
    versions, problems = check_rule_file(pack / RULES_FILE, shown)
    if problems:
        raise RuleFileError(problems)
    report = LoadReport()
    with transaction.atomic():
        existing = {v.effective_from: v for v in RuleVersion.objects.select_for_update()}
        for version in versions:
            fields = {
                "weights": version.weights,
                "levels": version.levels,
                "source": version.source,
                "verified": version.verified,
                "note": version.note,
                "file_path": version.file_path,
            }
            row = existing.pop(version.effective_from, None)
            if row is None:
                RuleVersion.objects.create(effective_from=version.effective_from, **fields)
                report.created.append(version.effective_from)
            elif any(getattr(row, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(row, k, v)
                row.save()
                report.updated.append(version.effective_from)
        for day, row in existing.items():
            row.delete()
            report.removed.append(day)
        if report.changed:
            audit.record(
                None,
                AuditAction.UPDATE,
                object_type="monitoring.ruleversion",
                summary=(
                    f"risk rules loaded: created {len(report.created)}, updated "
                    f"{len(report.updated)}, removed {len(report.removed)}"
                ),
                source="load_risk_rules",
            )
    return report


class NoRuleSetError(LookupError):
    """No weights are in force on the day asked for."""


def ruleset_on(day: dt.date) -> RuleSet:
    row = RuleVersion.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if row is None:
        raise NoRuleSetError(
            f"no risk rule weights in force on {day} (run manage.py load_risk_rules)"
        )
    return RuleSet(
        effective_from=row.effective_from,
        weights={code: int(row.weights.get(code, 0)) for code in CODES},
        levels={key: int(row.levels[key]) for key in LEVELS},
        source=row.source,
        verified=row.verified,
        note=row.note,
        file_path=row.file_path,
    )
