"""Computing the indicators into snapshots: read once, count per level, write in one go.

Each year's periods (the year and its four quarters) are counted together: for every
computation's rows (numerator, and denominator for a rate) DuckDB takes
``COUNT(DISTINCT key)`` per period and area as stored, and those per-area counts are added
up to township, county and city (a key lies in one area). Distinct
counts are the costly part (DESIGN.md §4), so they run in DuckDB over Arrow, never per
row in Python; what comes back is a few thousand numbers.

Writing is idempotent: a run deletes the computed snapshots of the indicators and years it
computes and inserts the new ones in the same transaction. Reported values are kept: an
indicator reported by a department before it became computed (the ``when_available`` ones
and the facility counts) keeps its confirmed figure for that area and year, and the computed
one is not written over it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import ibis
import ibis.expr.types as ir
from django.db import transaction
from django.utils import timezone

from tongxing.areas.models import CODE_LENGTH, Area, AreaLevel
from tongxing.core.arrowio import fetch_arrow_many
from tongxing.core.bulk import BulkInserter
from tongxing.indicators.computations import (
    COMPUTATIONS,
    INPUTS,
    Measure,
    Period,
    Periods,
    Tables,
)
from tongxing.indicators.models import Indicator, Method, Origin, Snapshot, Unit

LEVELS = (AreaLevel.CITY, AreaLevel.COUNTY, AreaLevel.TOWNSHIP)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

Key = tuple[str, str, int, int]  # indicator code, area code, year, quarter


def computed_indicators(codes: Iterable[str] | None = None) -> list[Indicator]:
    """Catalogue indicators marked computed that have a computation registered."""
    indicators = Indicator.objects.filter(method=Method.COMPUTED, code__in=list(COMPUTATIONS))
    if codes is not None:
        indicators = indicators.filter(code__in=list(codes))
    return list(indicators)


def read_tables(codes: Iterable[str]) -> Tables:
    needed = sorted({name for code in codes for name in COMPUTATIONS[code].inputs})
    return Tables(fetch_arrow_many({name: INPUTS[name] for name in needed}))


def periods_of(year: int) -> list[Period]:
    return [Period(year, quarter) for quarter in range(5)]


def _per_area(table: ir.Table, code: str, part: str) -> ir.Table:
    """Distinct keys per period and area as stored (a village), tagged for the union."""
    return table.group_by(
        year=table.year.cast("int64"), quarter=table.quarter.cast("int64"), area=table.area
    ).aggregate(
        code=ibis.literal(code),
        part=ibis.literal(part),
        n=table.key.nunique(),
    )


def count(tables: Tables, codes: list[str], periods: list[Period]) -> dict[Key, list[int]]:
    """``(code, area, year, quarter) -> [numerator, denominator]`` for the city, counties
    and townships that have any row; the denominator stays 0 for counts."""
    crossed = Periods(periods)
    parts: list[ir.Table] = []
    for code in codes:
        measure: Measure = COMPUTATIONS[code].function(tables, crossed)
        parts.append(_per_area(measure.numerator, code, "n"))
        if measure.denominator is not None:
            parts.append(_per_area(measure.denominator, code, "d"))
    con = ibis.duckdb.connect()
    # Every key (a person, household, need, finding) lies in exactly one area, so the
    # distinct count is taken per area as stored and the levels above add those counts up:
    # one COUNT(DISTINCT) pass instead of one per level, and only the small per-area result
    # is kept. Each indicator is compiled alone: Ibis rewrites one union of every indicator
    # in time that grows faster than its branches.
    con.create_table("counted", schema=parts[0].schema())
    for part in parts:
        con.insert("counted", part)
    per_area = con.to_pyarrow(con.table("counted")).to_pylist()
    counts: dict[Key, list[int]] = {}
    for row in per_area:
        index = 0 if row["part"] == "n" else 1
        for level in LEVELS:
            if len(row["area"]) < CODE_LENGTH[level]:
                continue  # a person registered at county level counts in no township
            sub = row["area"][: CODE_LENGTH[level]]
            cell = counts.setdefault((row["code"], sub, row["year"], row["quarter"]), [0, 0])
            cell[index] += row["n"]
    return counts


def value_of(unit: str, numerator: int, denominator: int | None) -> Decimal | None:
    if unit != Unit.PERCENT:
        return Decimal(numerator)
    if not denominator:
        return None
    return (HUNDRED * numerator / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)


@dataclass
class RunSummary:
    indicators: int
    years: list[int]
    snapshots: int


def compute_snapshots(
    years: list[int],
    codes: Iterable[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> RunSummary:
    """Compute and store the snapshots of ``years`` (each year and its quarters)."""
    indicators = computed_indicators(codes)
    by_code = {i.code: i for i in indicators}
    code_list = sorted(by_code)
    areas = list(Area.objects.filter(level__in=LEVELS).values_list("code", flat=True))
    total = len(years) + 1
    report = progress or (lambda done, total, message: None)
    report(0, total, "reading")
    tables = read_tables(code_list) if code_list else None
    now = timezone.now()
    rows: list[tuple] = []
    for done, year in enumerate(years, start=1):
        periods = periods_of(year)
        counts = count(tables, code_list, periods) if tables else {}
        for code in code_list:
            indicator = by_code[code]
            rate = indicator.unit == Unit.PERCENT
            covers = COMPUTATIONS[code].covers
            for period in periods:
                known = covers is None or covers(tables, period)
                for area in areas:
                    numerator, denominator = counts.get((code, area, year, period.quarter), [0, 0])
                    rows.append(
                        (
                            indicator.pk,
                            area,
                            year,
                            period.quarter,
                            numerator if known else None,
                            denominator if rate and known else None,
                            value_of(indicator.unit, numerator, denominator) if known else None,
                            Origin.COMPUTED,
                            now,
                        )
                    )
        report(done, total, f"{year} counted")
    with transaction.atomic():
        Snapshot.objects.filter(
            indicator__in=indicators, year__in=years, origin=Origin.COMPUTED
        ).delete()
        reported = set(
            Snapshot.objects.filter(indicator__in=indicators, year__in=years).values_list(
                "indicator_id", "area_id", "year", "quarter"
            )
        )
        if reported:
            rows = [row for row in rows if row[:4] not in reported]
        inserter = BulkInserter(
            Snapshot,
            (
                "indicator",
                "area",
                "year",
                "quarter",
                "numerator",
                "denominator",
                "value",
                "origin",
                "computed_at",
            ),
            now,
        )
        for start in range(0, len(rows), 5000):
            inserter.insert(rows[start : start + 5000])
    report(total, total, "written")
    return RunSummary(len(indicators), list(years), len(rows))


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)
