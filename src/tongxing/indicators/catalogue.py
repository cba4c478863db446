"""Loading the indicator catalogue from the region pack (``indicators/indicators.yaml``).

Every problem is collected with its file, line, indicator and reason before anything is
written; the load is one transaction and re-running it with the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from tongxing.areas.loading import region_dir
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.yamlfiles import LineTrackingLoader, Problem
from tongxing.indicators.models import (
    Attribute,
    Direction,
    Indicator,
    Method,
    Report,
    ReportStatus,
    Unit,
)

FILE = "indicators/indicators.yaml"
FIELDS = {
    "code",
    "name",
    "definition",
    "unit",
    "attribute",
    "method",
    "direction",
    "cumulative",
    "plan",
    "baseline",
    "target",
    "source_document",
}
REQUIRED = ("code", "name", "definition", "unit", "attribute", "method", "plan", "source_document")
PLANS = ("national", "bazhong")
# Which fields a change of would alter the meaning of an issued report's figures.
FROZEN_BY_ISSUED = ("target", "baseline", "unit", "direction")


class CatalogueError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        return number if number.is_finite() else None
    return None


def _dated_value(
    raw: Any, name: str, code: str, line: int | None, file: str, problems: list[Problem]
) -> dict[str, Any]:
    """``{value, source, verified}`` or ``{not_found: reason}`` as model fields."""
    where = f"{code}.{name}"
    if not isinstance(raw, dict):
        problems.append(
            Problem(file, where, "must be {value, source, verified} or {not_found}", line)
        )
        return {}
    if "not_found" in raw:
        if set(raw) != {"not_found"} or not str(raw["not_found"]).strip():
            problems.append(Problem(file, where, "not_found takes a reason and nothing else", line))
        return {"value": None, "source": "", "verified": False, "not_found": str(raw["not_found"])}
    unknown = set(raw) - {"value", "source", "verified"}
    if unknown:
        problems.append(Problem(file, where, f"unknown keys: {', '.join(sorted(unknown))}", line))
    number = _number(raw.get("value"))
    if number is None or number < 0:
        problems.append(Problem(file, where, "value must be a number, 0 or more", line))
    if not str(raw.get("source") or "").strip():
        problems.append(Problem(file, where, "a value needs its source", line))
    if not isinstance(raw.get("verified"), bool):
        problems.append(Problem(file, where, "verified must be true or false", line))
    return {
        "value": number,
        "source": str(raw.get("source") or ""),
        "verified": bool(raw.get("verified")),
        "not_found": "",
    }


def read_catalogue(path: Path, file: str = FILE) -> list[dict[str, Any]]:
    """The indicators as model field values, or CatalogueError listing every problem."""
    try:
        loader = LineTrackingLoader(path.read_text(encoding="utf-8"))
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except FileNotFoundError:
        raise CatalogueError([Problem(file, "-", "file not found")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CatalogueError(
            [Problem(file, "-", f"not valid YAML: {error}", mark.line + 1 if mark else None)]
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise CatalogueError([Problem(file, "-", "must have a list under 'indicators'")])
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int | None] = {}
    for order, raw in enumerate(data["indicators"], start=1):
        if not isinstance(raw, dict):
            problems.append(Problem(file, f"indicator {order}", "must be a mapping"))
            continue
        lines = loader.lines.get(id(raw), {})
        line = lines.get("code") or next(iter(lines.values()), None)
        code = str(raw.get("code") or f"indicator {order}")
        for dup, dup_line, first in loader.duplicates.get(id(raw), []):
            problems.append(
                Problem(file, code, f"{dup} given twice (first on line {first})", dup_line)
            )
        unknown = set(raw) - FIELDS
        if unknown:
            problems.append(
                Problem(file, code, f"unknown fields: {', '.join(sorted(unknown))}", line)
            )
        for name in REQUIRED:
            if not str(raw.get(name) or "").strip():
                problems.append(Problem(file, code, f"{name} is missing", lines.get(name, line)))
        if code in seen:
            problems.append(
                Problem(file, code, f"code used twice (first on line {seen[code]})", line)
            )
        seen[code] = line
        choices = {
            "unit": Unit.values,
            "attribute": Attribute.values,
            "method": Method.values,
            "direction": Direction.values,
            "plan": list(PLANS),
        }
        for name, allowed in choices.items():
            value = raw.get(name, Direction.UP if name == "direction" else None)
            if value is not None and value not in allowed:
                problems.append(
                    Problem(
                        file,
                        f"{code}.{name}",
                        f"{value!r} is not one of {', '.join(allowed)}",
                        lines.get(name, line),
                    )
                )
        if not isinstance(raw.get("cumulative", False), bool):
            problems.append(Problem(file, f"{code}.cumulative", "must be true or false", line))
        baseline = _dated_value(
            raw.get("baseline"), "baseline", code, lines.get("baseline", line), file, problems
        )
        target = _dated_value(
            raw.get("target"), "target", code, lines.get("target", line), file, problems
        )
        if raw.get("unit") == Unit.PERCENT:
            for name, values in (("baseline", baseline), ("target", target)):
                if values.get("value") is not None and values["value"] > 100:
                    problems.append(
                        Problem(file, f"{code}.{name}", "a percentage cannot exceed 100", line)
                    )
        rows.append(
            {
                "code": code,
                "name": str(raw.get("name") or ""),
                "definition": str(raw.get("definition") or ""),
                "unit": raw.get("unit"),
                "attribute": raw.get("attribute"),
                "method": raw.get("method"),
                "direction": raw.get("direction", Direction.UP),
                "cumulative": bool(raw.get("cumulative", False)),
                "plan": raw.get("plan"),
                "baseline": baseline.get("value"),
                "baseline_source": baseline.get("source") or baseline.get("not_found", ""),
                "target": target.get("value"),
                "target_source": target.get("source", ""),
                "target_verified": target.get("verified", False),
                "target_not_found": target.get("not_found", ""),
                "source_document": str(raw.get("source_document") or ""),
                "order": order,
                "file_line": f"{file} line {line}" if line else file,
            }
        )
    if problems:
        raise CatalogueError(problems)
    return rows


def _issued_codes() -> set[str]:
    codes: set[str] = set()
    for rows in Report.objects.filter(status=ReportStatus.ISSUED).values_list("rows", flat=True):
        codes.update(row["code"] for row in rows)
    return codes


def load_indicators(slug: str) -> LoadReport:
    """Create or update the catalogue from the region pack; indicators no longer in the
    file are left in place (their snapshots and reports still refer to them)."""
    rows = read_catalogue(region_dir(slug) / FILE)
    report = LoadReport()
    with transaction.atomic():
        existing = {i.code: i for i in Indicator.objects.select_for_update()}
        issued = _issued_codes()
        problems = []
        for row in rows:
            current = existing.get(row["code"])
            if current is None or row["code"] not in issued:
                continue
            for name in FROZEN_BY_ISSUED:
                if getattr(current, name) != row[name]:
                    problems.append(
                        Problem(
                            FILE,
                            f"{row['code']}.{name}",
                            f"cannot change from {getattr(current, name)} to {row[name]}: an "
                            "issued evaluation report already states it",
                            None,
                        )
                    )
        if problems:
            raise CatalogueError(problems)
        for row in rows:
            current = existing.get(row["code"])
            report.codes.append(row["code"])
            if current is None:
                created = Indicator.objects.create(**row)
                report.created += 1
                audit.record(
                    None,
                    AuditAction.CREATE,
                    object_type="indicators.indicator",
                    object_id=created.pk,
                    summary=f"indicator {row['code']} loaded",
                    source="loader",
                )
                continue
            changes = {
                name: [str(getattr(current, name)), str(value)]
                for name, value in row.items()
                if getattr(current, name) != value
            }
            if not changes:
                report.unchanged += 1
                continue
            for name, value in row.items():
                setattr(current, name, value)
            current.save()
            report.updated += 1
            audit.record(
                None,
                AuditAction.UPDATE,
                object_type="indicators.indicator",
                object_id=current.pk,
                summary=f"indicator {row['code']} reloaded",
                changes=changes,
                source="loader",
            )
    return report
