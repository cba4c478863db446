"""Working days: deadlines count Monday to Friday, minus public holidays, plus the
weekend days worked to make up for them (调休), as the region pack's
``holidays/<year>.yaml`` lists them (loaded into :class:`CalendarDay`).

A year without a loaded table counts weekends only; :meth:`WorkingCalendar.covers` says
so, and pages show the deadline as approximate rather than silently as fact.
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
from tongxing.services.models import CalendarDay, CalendarYear, DayKind


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    years: frozenset[int] = field(default_factory=frozenset)
    unverified_years: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def load(cls) -> WorkingCalendar:
        holidays, workdays = set(), set()
        for day, kind in CalendarDay.objects.values_list("date", "kind"):
            (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
        years = dict(CalendarYear.objects.values_list("year", "verified"))
        return cls(
            frozenset(holidays),
            frozenset(workdays),
            frozenset(years),
            frozenset(year for year, verified in years.items() if not verified),
        )

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The day by which something started on ``start`` is due after ``days`` working
        days: the ``days``-th working day after ``start`` (``start`` itself not counted,
        as a deadline of 1 working day is "by the next working day"). ``days=0`` is
        ``start``, or the next working day if ``start`` is not one."""
        if days < 0:
            raise ValueError("a deadline cannot be a negative number of days")
        day = start
        if days == 0:
            while not self.is_working_day(day):
                day += dt.timedelta(days=1)
            return day
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is
        before ``start``): how late something due on ``start`` is on ``end``."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


# --- loading the region pack's holiday tables ---------------------------------------------

HOLIDAYS_DIR = "holidays"


def _read_holiday_file(path: Path, pack: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    file = str(path.relative_to(pack.parent))
    try:
        loader = LineTrackingLoader(path.read_text(encoding="utf-8"))
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return None, [Problem(file, path.stem, "not valid YAML", mark.line + 1 if mark else None)]
    problems: list[Problem] = []

    def problem(key: str, reason: str, mapping: Any = None, name: str | None = None) -> None:
        lines = loader.lines.get(id(mapping), {}) if isinstance(mapping, dict) else {}
        line = lines.get(name) if name else min(lines.values(), default=None)
        problems.append(Problem(file, key, reason, line))

    def date(key: str, mapping: dict, name: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(mapping.get(name)))
        except ValueError:
            problem(f"{key}.{name}", "must be a date like 2026-01-01", mapping, name)
            return None

    if not isinstance(data, dict):
        return None, [Problem(file, path.stem, "must be a mapping with year and holidays")]
    for extra in sorted(set(data) - {"year", "source", "verified", "holidays", "workdays"}):
        problem(extra, "unknown key", data, extra)
    year = data.get("year")
    if not path.stem.isdigit() or year != int(path.stem):
        problem("year", "must be the year the file is named after", data, "year")
        return None, problems
    if not isinstance(data.get("verified", False), bool):
        problem("verified", "must be true or false", data, "verified")
    days: dict[dt.date, tuple[str, str]] = {}
    for section, kind in (("holidays", DayKind.HOLIDAY), ("workdays", DayKind.WORKDAY)):
        entries = data.get(section) or []
        if not isinstance(entries, list):
            problem(section, "must be a list", data, section)
            continue
        for i, entry in enumerate(entries):
            key = f"{section}[{i}]"
            if not isinstance(entry, dict) or not entry.get("name"):
                problem(key, "needs a name", entry if isinstance(entry, dict) else data, None)
                continue
            if kind == DayKind.HOLIDAY:
                start, end = date(key, entry, "from"), date(key, entry, "to")
                if start is None or end is None:
                    continue
                if end < start or (end - start).days > 15:
                    problem(key, "to must be 0-15 days after from", entry, "to")
                    continue
                span = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
            else:
                one = date(key, entry, "date")
                if one is None:
                    continue
                if one.weekday() < 5:
                    problem(
                        f"{key}.date", "a make-up working day falls on a weekend", entry, "date"
                    )
                span = [one]
            for day in span:
                if day.year != year:
                    problem(key, f"{day} is not in {year}", entry, None)
                elif day in days:
                    problem(key, f"{day} is listed twice", entry, None)
                else:
                    days[day] = (kind, str(entry["name"]))
    if problems:
        return None, problems
    return {
        "year": year,
        "source": " ".join(str(data.get("source", "")).split()),
        "verified": bool(data.get("verified", False)),
        "days": days,
    }, []


def load_holidays(slug: str) -> int:
    """Replace the stored days of every year the pack has a file for; returns how many
    days changed. Checks every file first; raises :class:`HolidayFileError`."""
    pack = region_dir(slug)
    problems: list[Problem] = []
    tables = []
    for path in sorted((pack / HOLIDAYS_DIR).glob("*.yaml")):
        table, found = _read_holiday_file(path, pack)
        problems.extend(found)
        if table:
            tables.append(table)
    if problems:
        raise HolidayFileError(problems)
    changed = 0
    with transaction.atomic():
        for table in tables:
            year = table["year"]
            stored = {
                d.date: (d.kind, d.name, d.source, d.verified)
                for d in CalendarDay.objects.filter(date__year=year)
            }
            wanted = {
                day: (kind, name, table["source"][:300], table["verified"])
                for day, (kind, name) in table["days"].items()
            }
            if stored == wanted:
                continue
            CalendarDay.objects.filter(date__year=year).delete()
            CalendarDay.objects.bulk_create(
                CalendarDay(date=day, kind=k, name=n, source=s, verified=v)
                for day, (k, n, s, v) in sorted(wanted.items())
            )
            CalendarYear.objects.update_or_create(
                year=year, defaults={"source": table["source"][:300], "verified": table["verified"]}
            )
            changed += len(set(stored.items()) ^ set(wanted.items()))
            audit.record(
                None,
                AuditAction.UPDATE,
                object_type="services.calendarday",
                object_id=year,
                summary=f"holiday table {year} loaded ({len(wanted)} days)",
                source="load_services",
            )
    return changed


class HolidayFileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) in the holiday files; nothing loaded:\n{lines}"
        )
