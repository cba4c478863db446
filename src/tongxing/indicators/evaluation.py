"""Reading snapshots for pages and reports, and the evaluation status rule.

The rule (shown on every page that shows a status): the expected value for a year lies on
the straight path from the 2020 baseline to the 2025 target (without a baseline, the
target itself). **On track**: the value has reached that path (or the target).
**At risk**: short of it by no more than the tolerance, a percentage of the target
(parameter ``indicators.at_risk_tolerance``). **Off track**: further behind. Cumulative
indicators are judged on their running total from 2021. No target: no status.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxing.areas.models import Area
from tongxing.benefits.parameters import ParameterLookupError, ParameterSet
from tongxing.indicators.models import COUNT_UNITS, Direction, Indicator, Snapshot, Unit

BASELINE_YEAR, TARGET_YEAR = 2020, 2025
PLAN_YEARS = tuple(range(2021, 2026))
TOLERANCE = "indicators.at_risk_tolerance"
SMALL_CELL = "indicators.small_cell_threshold"
WITHHELD = "withheld"


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_TARGET = "no_target", _("No target")
    NO_DATA = "no_data", _("No data yet")


def parameter(key: str, year: int) -> Decimal:
    """A threshold of the evaluation, from the region pack's parameters."""
    try:
        return Decimal(str(ParameterSet.load([key]).at(key, dt.date(year, 12, 31)).value))
    except ParameterLookupError:
        # Not loaded yet (a fresh install): the published defaults of the region pack.
        return Decimal(5)


def expected(indicator: Indicator, year: int) -> Decimal | None:
    if indicator.target is None:
        return None
    if indicator.baseline is None or indicator.cumulative:
        # A cumulative target is a five-year total: the path runs from zero.
        start = Decimal(0) if indicator.cumulative else indicator.target
    else:
        start = indicator.baseline
    share = Decimal(min(max(year - BASELINE_YEAR, 0), TARGET_YEAR - BASELINE_YEAR)) / Decimal(
        TARGET_YEAR - BASELINE_YEAR
    )
    return (start + (indicator.target - start) * share).quantize(Decimal("0.01"))


def status_of(
    indicator: Indicator, year: int, value: Decimal | None, tolerance_percent: Decimal
) -> Status:
    if indicator.target is None:
        return Status.NO_TARGET
    if value is None:
        return Status.NO_DATA
    path = expected(indicator, year)
    shortfall = path - value if indicator.direction == Direction.UP else value - path
    if shortfall <= 0:
        return Status.ON_TRACK
    tolerance = max(abs(indicator.target) * tolerance_percent / 100, Decimal(1))
    return Status.AT_RISK if shortfall <= tolerance else Status.OFF_TRACK


@dataclass
class Row:
    """One indicator in one area: its yearly values and how it stands in ``year``."""

    indicator: Indicator
    values: dict[int, Decimal | None]  # year -> value (running total if cumulative)
    counts: dict[int, tuple[int | None, int | None]]  # year -> (numerator, denominator)
    year: int
    value: Decimal | None
    expected: Decimal | None
    status: Status

    def as_frozen(self) -> dict[str, Any]:
        """What a report keeps: plain JSON, independent of later snapshots or catalogue."""
        i = self.indicator

        def text(number: Decimal | None) -> str | None:
            return None if number is None else str(number)

        return {
            "code": i.code,
            "name": i.name,
            "unit": i.unit,
            "attribute": i.attribute,
            "method": i.method,
            "cumulative": i.cumulative,
            "baseline": text(i.baseline),
            "target": text(i.target),
            "target_verified": i.target_verified,
            "values": {str(y): text(v) for y, v in sorted(self.values.items())},
            "counts": {str(y): list(c) for y, c in sorted(self.counts.items())},
            "value": text(self.value),
            "expected": text(self.expected),
            "status": self.status.value,
        }


def rows_for(area: Area, year: int, indicators: list[Indicator] | None = None) -> list[Row]:
    """Every indicator for ``area`` up to ``year``, read from the annual snapshots."""
    indicators = indicators if indicators is not None else list(Indicator.objects.all())
    snapshots = Snapshot.objects.filter(
        area=area, quarter=0, year__lte=year, year__gte=PLAN_YEARS[0]
    ).values_list("indicator_id", "year", "value", "numerator", "denominator")
    by_indicator: dict[int, dict[int, tuple]] = defaultdict(dict)
    for indicator_id, y, value, numerator, denominator in snapshots:
        by_indicator[indicator_id][y] = (value, numerator, denominator)
    tolerance = parameter(TOLERANCE, year)
    rows = []
    for indicator in indicators:
        found = by_indicator.get(indicator.pk, {})
        values: dict[int, Decimal | None] = {}
        running = Decimal(0)
        for y in range(PLAN_YEARS[0], year + 1):
            value = found.get(y, (None,))[0]
            if indicator.cumulative and value is not None:
                running += value
                value = running
            values[y] = value
        counts = {y: (n, d) for y, (_v, n, d) in found.items()}
        value = values.get(year)
        rows.append(
            Row(
                indicator,
                values,
                counts,
                year,
                value,
                expected(indicator, year),
                status_of(indicator, year, value, tolerance),
            )
        )
    return rows


def ranking(indicator: Indicator, year: int, parent: Area) -> list[dict[str, Any]]:
    """The areas one level below ``parent``, best first (by the indicator's direction)."""
    children = list(Area.objects.filter(parent=parent).order_by("code"))
    values = dict(
        Snapshot.objects.filter(
            indicator=indicator, year=year, quarter=0, area__in=children
        ).values_list("area_id", "value")
    )
    tolerance = parameter(TOLERANCE, year)
    rows = [
        {
            "area": child,
            "value": values.get(child.code),
            "status": status_of(indicator, year, values.get(child.code), tolerance),
        }
        for child in children
    ]
    known = sorted(
        (r for r in rows if r["value"] is not None),
        key=lambda r: r["value"],
        reverse=indicator.direction == Direction.UP,
    )
    return known + [r for r in rows if r["value"] is None]


def quarters(indicator: Indicator, area: Area, year: int) -> list[tuple[int, Decimal | None]]:
    found = dict(
        Snapshot.objects.filter(
            indicator=indicator, area=area, year=year, quarter__gt=0
        ).values_list("quarter", "value")
    )
    return [(q, found.get(q)) for q in range(1, 5)]


def number_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)


def public_value(
    unit: str, value: Decimal | None, denominator: int | None, threshold: Decimal
) -> str | None:
    """A value as the public may see it. A count of persons or households below the
    threshold becomes "<N"; a rate over fewer persons than the threshold is withheld (None
    with ``withheld``), since "100 % of 2" tells the neighbours about both."""
    if value is None:
        return None
    if unit in COUNT_UNITS and 0 < value < threshold:
        return f"<{threshold.quantize(Decimal(1))}"
    if unit == Unit.PERCENT and denominator is not None and 0 < denominator < threshold:
        return WITHHELD
    return number_text(value)
