"""Loading a region pack's divisions into the Area table, idempotently."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from tongxing.areas.models import CODE_LENGTH, Area, AreaLevel


class RegionPackError(Exception):
    """A region pack file is missing or malformed; the message names the file and row."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    synthetic_villages: int = 0
    removed_synthetic: int = 0
    kept_synthetic_in_use: int = 0


def region_dir(slug: str) -> Path:
    path = Path(settings.TONGXING_REGIONS_DIR) / slug
    if not (path / "region.yaml").is_file():
        raise RegionPackError(f"{path / 'region.yaml'}: region pack not found")
    return path


def _read_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise RegionPackError(f"{path.name}: missing column(s) {', '.join(missing)}")
            return [dict(row, _line=str(n)) for n, row in enumerate(reader, start=2)]
    except FileNotFoundError:
        raise RegionPackError(f"{path}: file not found") from None


def _scoping_code(row: dict[str, str], city_statistical: str, city_code: str) -> str:
    code = row["code"].strip()
    return city_code if code == city_statistical else code


def _synthetic_villages(township: Area, low: int, high: int) -> list[Area]:
    # Deterministic per township so re-running gives the same villages.
    digest = int(hashlib.sha256(township.code.encode()).hexdigest(), 16)
    count = low + digest % (high - low + 1)
    is_street = township.name.endswith("街道")
    villages = []
    for n in range(1, count + 1):
        suffix = f"{n:03d}"
        label = f"第{n}社区" if is_street else f"第{n}村"
        villages.append(
            Area(
                code=township.code + suffix,
                name=f"{township.name}{label}",
                level=AreaLevel.VILLAGE,
                parent_id=township.code,
                statistical_code=township.code + suffix,
                synthetic=True,
                source="synthetic (demo)",
            )
        )
    return villages


@transaction.atomic
def load_region(slug: str, villages_file: Path | None = None) -> LoadReport:
    base = region_dir(slug)
    meta = yaml.safe_load((base / "region.yaml").read_text(encoding="utf-8"))
    city_code = str(meta["city_code"])
    city_statistical = str(meta["city_statistical_code"])
    source = " ".join(str(meta["areas"]["source"]).split())
    rows = _read_rows(base / meta["areas"]["file"], ("code", "name", "level", "parent_code"))

    areas: list[Area] = []
    known = {city_code}
    for row in sorted(rows, key=lambda r: len(r["code"])):
        level = row["level"].strip()
        code = _scoping_code(row, city_statistical, city_code)
        if level not in AreaLevel.values:
            raise RegionPackError(f"areas.csv line {row['_line']}: unknown level {level!r}")
        if len(code) != CODE_LENGTH[AreaLevel(level)]:
            raise RegionPackError(
                f"areas.csv line {row['_line']}: code {code!r} has the wrong length for {level}"
            )
        parent = (
            None
            if level == AreaLevel.CITY
            else _scoping_code({"code": row["parent_code"]}, city_statistical, city_code)
        )
        if parent is not None and (parent not in known or not code.startswith(parent)):
            raise RegionPackError(
                f"areas.csv line {row['_line']}: parent {row['parent_code']!r} of {code} is unknown"
            )
        known.add(code)
        areas.append(
            Area(
                code=code,
                name=row["name"].strip(),
                level=level,
                parent_id=parent,
                statistical_code=row["code"].strip(),
                synthetic=False,
                source=source,
            )
        )

    report = LoadReport()
    existing = set(Area.objects.values_list("code", flat=True))
    report.created = sum(1 for a in areas if a.code not in existing)
    report.updated = len(areas) - report.created
    _upsert(areas)

    townships = [a for a in areas if a.level == AreaLevel.TOWNSHIP]
    if villages_file is not None:
        real = _read_villages(villages_file, {t.code for t in townships})
        real_codes = {v.code for v in real}
        report.created += sum(1 for v in real if v.code not in existing)
        _upsert(real)
        stale = Area.objects.filter(synthetic=True, level=AreaLevel.VILLAGE).exclude(
            code__in=real_codes
        )
        in_use = set(_codes_in_use(stale))
        report.kept_synthetic_in_use = len(in_use)
        report.removed_synthetic, _ = stale.exclude(code__in=in_use).delete()
    elif not Area.objects.filter(level=AreaLevel.VILLAGE, synthetic=False).exists():
        low, high = meta["villages"]["synthetic_per_township"]
        villages = [v for t in townships for v in _synthetic_villages(t, int(low), int(high))]
        report.synthetic_villages = len(villages)
        report.created += sum(1 for v in villages if v.code not in existing)
        _upsert(villages)
    return report


def _codes_in_use(areas: object) -> list[str]:
    # Imported here: registry depends on areas, not the other way round.
    from django.apps import apps

    person = apps.get_model("registry", "Person")
    return list(person.objects.filter(area__in=areas).values_list("area_id", flat=True).distinct())


def _read_villages(path: Path, townships: set[str]) -> list[Area]:
    villages = []
    for row in _read_rows(path, ("code", "name", "parent_code")):
        code, parent = row["code"].strip(), row["parent_code"].strip()
        if len(code) != 12 or not code.isdigit():
            raise RegionPackError(f"{path.name} line {row['_line']}: code must be 12 digits")
        if parent not in townships or not code.startswith(parent):
            raise RegionPackError(
                f"{path.name} line {row['_line']}: parent {parent!r} is not a township here"
            )
        villages.append(
            Area(
                code=code,
                name=row["name"].strip(),
                level=AreaLevel.VILLAGE,
                parent_id=parent,
                statistical_code=code,
                synthetic=False,
                source=path.name,
            )
        )
    return villages


def _upsert(areas: list[Area]) -> None:
    Area.objects.bulk_create(
        areas,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "level", "parent", "statistical_code", "synthetic", "source"],
        batch_size=1000,
    )
