"""Working-day deadlines over the 2025 and 2026 holiday tables and their make-up days."""

from __future__ import annotations

import datetime as dt

import pytest

from tongxing.services.calendar import WorkingCalendar, load_holidays
from tongxing.services.models import CalendarDay

D = dt.date


@pytest.fixture
def calendar(services):
    return WorkingCalendar.load()


def test_five_working_days_from_a_plain_monday_is_the_next_monday(calendar):
    assert calendar.add_working_days(D(2025, 11, 3), 5) == D(2025, 11, 10)


def test_the_national_day_week_is_skipped_and_the_make_up_saturday_counts(calendar):
    # 30 September 2025 (Tuesday) + 1: 1-8 October are holidays, 9 October is the next day.
    assert calendar.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    # 9 Oct (Thu) + 2: Friday 10, then Saturday 11 October is a make-up working day.
    assert calendar.add_working_days(D(2025, 10, 9), 2) == D(2025, 10, 11)


def test_a_sunday_worked_before_the_spring_festival_counts(calendar):
    assert calendar.is_working_day(D(2025, 1, 26))
    assert not calendar.is_working_day(D(2025, 1, 28))
    # Friday 24 Jan + 1 = Sunday 26 (worked); + 2 = Monday 27; + 3 = Wednesday 5 Feb.
    assert calendar.add_working_days(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert calendar.add_working_days(D(2025, 1, 24), 3) == D(2025, 2, 5)


def test_the_2026_spring_festival_and_its_two_saturdays(calendar):
    assert calendar.is_working_day(D(2026, 2, 14))
    assert not calendar.is_working_day(D(2026, 2, 23))
    assert calendar.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert calendar.is_working_day(D(2026, 2, 28))


def test_a_deadline_starting_in_a_holiday_counts_the_working_days_after_it(calendar):
    # The start day is not counted (期间开始的当日不计入), holiday or not.
    assert calendar.add_working_days(D(2025, 10, 3), 0) == D(2025, 10, 9)
    assert calendar.add_working_days(D(2025, 10, 3), 1) == D(2025, 10, 9)
    assert calendar.add_working_days(D(2025, 10, 3), 2) == D(2025, 10, 10)


def test_working_days_between_counts_how_late_something_is(calendar):
    assert calendar.working_days_between(D(2025, 9, 30), D(2025, 10, 9)) == 1
    assert calendar.working_days_between(D(2025, 10, 9), D(2025, 9, 30)) == -1


def test_a_year_without_a_table_counts_weekends_only_and_says_so(calendar):
    assert not calendar.covers(2027)
    assert calendar.covers(2025) and calendar.covers(2026)
    assert calendar.add_working_days(D(2027, 1, 1), 1) == D(2027, 1, 4)
    assert 2025 in calendar.unverified_years and 2026 not in calendar.unverified_years


def test_loading_the_tables_again_changes_nothing(services):
    before = list(CalendarDay.objects.values_list("id", "date"))
    assert load_holidays("sichuan-bazhong") == 0
    assert list(CalendarDay.objects.values_list("id", "date")) == before
