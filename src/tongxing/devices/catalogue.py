"""Loading the region pack's assistive-device catalogue (``devices/catalogue.yaml``).

Every problem is reported with file, line, key and reason, and nothing is loaded if any
item fails; re-running with an unchanged file changes nothing, a changed item is updated
and audited. Items are never deleted (cases and handovers point at them).
"""

from __future__ import annotations

import re
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
from tongxing.devices.models import CatalogueItem, DeviceCategory
from tongxing.registry.models import Category

CATALOGUE_FILE = Path("devices") / "catalogue.yaml"
TOP_KEYS = {"description", "reference", "items"}
ITEM_KEYS = {
    "code",
    "category",
    "name",
    "replacement_group",
    "subsidy_cap",
    "replacement_years",
    "eligible_categories",
    "loanable",
    "source",
    "verified",
}
SLUG = re.compile(r"[a-z][a-z0-9_]*")
FIELDS = tuple(sorted(ITEM_KEYS - {"code"}))


class CatalogueFileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class CatalogueReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


def _line(loader: LineTrackingLoader, mapping: Any, key: str | None = None) -> int | None:
    lines = loader.lines.get(id(mapping), {})
    return lines.get(key) if key is not None else min(lines.values(), default=None)


def _check_item(
    raw: Any, n: int, file: str, loader: LineTrackingLoader, seen: set[str]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    where = f"items[{n}]"
    if not isinstance(raw, dict):
        return None, [Problem(file, where, "an item is a mapping of code, category, name…")]
    problems: list[Problem] = []

    def bad(key: str, reason: str) -> None:
        problems.append(Problem(file, f"{where}.{key}", reason, _line(loader, raw, key)))

    for dup, line, first in loader.duplicates.get(id(raw), []):
        problems.append(
            Problem(file, f"{where}.{dup}", f"duplicate key (first at line {first})", line)
        )
    for extra in sorted(set(raw) - ITEM_KEYS, key=str):
        bad(str(extra), "unknown key")
    for missing in sorted(ITEM_KEYS - set(raw)):
        problems.append(Problem(file, f"{where}.{missing}", "missing", _line(loader, raw)))
    if problems:
        return None, problems
    code = raw["code"]
    if not isinstance(code, str) or not SLUG.fullmatch(code):
        bad("code", "lower-case letters, digits and _ only")
    elif code in seen:
        bad("code", f"{code!r} appears twice")
    else:
        seen.add(code)
    if raw["category"] not in DeviceCategory.values:
        bad("category", f"one of {', '.join(DeviceCategory.values)}")
    if not isinstance(raw["name"], str) or not raw["name"].strip():
        bad("name", "give the item's name")
    if not isinstance(raw["replacement_group"], str) or not SLUG.fullmatch(
        raw["replacement_group"]
    ):
        bad("replacement_group", "lower-case letters, digits and _ only")
    cap = raw["subsidy_cap"]
    if isinstance(cap, bool) or not isinstance(cap, int | Decimal):
        bad("subsidy_cap", "a number of yuan")
    elif cap < 0 or Decimal(cap).as_tuple().exponent < -2:  # type: ignore[operator]
        bad("subsidy_cap", "not negative, at most 2 decimal places")
    years = raw["replacement_years"]
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        bad("replacement_years", "a whole number of years, at least 1")
    categories = raw["eligible_categories"]
    if (
        not isinstance(categories, list)
        or not categories
        or any(isinstance(c, bool) or c not in Category.values for c in categories)
    ):
        bad("eligible_categories", "a list of disability categories 1–7")
    for flag in ("loanable", "verified"):
        if not isinstance(raw[flag], bool):
            bad(flag, "true or false")
    if not isinstance(raw["source"], str) or not raw["source"].strip():
        bad("source", "say where the cap comes from, or that it was not found")
    if problems:
        return None, problems
    values = {name: raw[name] for name in FIELDS}
    values["subsidy_cap"] = Decimal(cap).quantize(Decimal("0.01"))
    values["eligible_categories"] = sorted(set(categories))
    values["name"] = raw["name"].strip()
    return {"code": code, **values}, []


def read_catalogue(pack: Path) -> list[dict[str, Any]]:
    path = pack / CATALOGUE_FILE
    file = str(path.relative_to(pack.parent))
    try:
        loader = LineTrackingLoader(path.read_text(encoding="utf-8"))
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except FileNotFoundError:
        raise CatalogueFileError([Problem(file, "", "file not found")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark else None
        raise CatalogueFileError([Problem(file, "", f"not valid YAML: {reason}", line)]) from None
    if not isinstance(data, dict):
        raise CatalogueFileError([Problem(file, "", "must be a mapping with items")])
    problems = [
        Problem(file, str(extra), "unknown key", _line(loader, data, extra))
        for extra in sorted(set(data) - TOP_KEYS, key=str)
    ]
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append(
            Problem(file, "items", "give at least one item", _line(loader, data, "items"))
        )
        raw_items = []
    items, seen = [], set()
    for n, raw in enumerate(raw_items, start=1):
        item, found = _check_item(raw, n, file, loader, seen)
        problems.extend(found)
        if item is not None:
            items.append(item)
    if problems:
        raise CatalogueFileError(problems)
    return items


@transaction.atomic
def load_catalogue(slug: str) -> CatalogueReport:
    """Create or update the catalogue from the region pack ``slug``."""
    items = read_catalogue(region_dir(slug))
    report = CatalogueReport()
    existing = {row.code: row for row in CatalogueItem.objects.select_for_update()}
    for values in items:
        code = values["code"]
        report.codes.append(code)
        row = existing.get(code)
        if row is None:
            row = CatalogueItem.objects.create(**values)
            report.created += 1
            before: dict[str, Any] = {}
            action = AuditAction.CREATE
        else:
            before = {name: getattr(row, name) for name in FIELDS}
            if before == {name: values[name] for name in FIELDS}:
                report.unchanged += 1
                continue
            for name in FIELDS:
                setattr(row, name, values[name])
            row.save()
            report.updated += 1
            action = AuditAction.UPDATE
        audit.record(
            None,
            action,
            object_type="devices.catalogueitem",
            object_id=row.pk,
            summary=f"device catalogue item {code} loaded from {slug}",
            changes=audit.diff(before, {name: values[name] for name in FIELDS}),
            source="region pack",
        )
    return report
