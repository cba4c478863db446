"""The screening a scheduler runs each month: `manage.py screen_risk`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tongxing.monitoring import actions
from tongxing.monitoring.management.commands.screen_risk import previous_month
from tongxing.monitoring.models import CaseEvent, CircumstanceKind, RiskCase, Screening


@pytest.fixture
def flooded(loaded, village):
    person = factories.make_person(village, name="水")
    actions.report_circumstance(
        village,
        person,
        CircumstanceKind.DISASTER,
        dt.date(2025, 11, 20),
        None,
        "",
        dt.date(2026, 1, 15),
    )
    return person


def run(*args: str) -> str:
    out = StringIO()
    call_command("screen_risk", *args, stdout=out)
    return out.getvalue().strip()


def test_the_scheduled_run_screens_the_city_for_the_month_and_a_rerun_opens_nothing(flooded):
    first = run("--month", "2025-12")
    again = run("--month", "2025-12")

    assert first == "5119 2025-12: 1 persons screened, 1 at risk, 1 cases opened, 0 reopened"
    assert again == "5119 2025-12: 1 persons screened, 1 at risk, 0 cases opened, 0 reopened"
    case = RiskCase.objects.get()
    assert (case.person_id, case.opened_month) == (flooded.pk, dt.date(2025, 12, 1))
    assert CaseEvent.objects.count() == 1
    screening = Screening.objects.get()
    assert (screening.area_id, screening.ran_by) == ("5119", None)


def test_an_area_can_be_named(flooded):
    assert run("--month", "2025-12", "--area", "511902001").startswith("511902001 2025-12: 1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2025-13"), "--month '2025-13': give the month as YYYY-MM"),
        (("--month", "2999-01"), "--month 2999-01: a month in the future cannot be screened."),
        (("--month", "2025-12", "--area", "999"), "--area '999': no such area."),
    ],
)
def test_bad_arguments_are_refused_naming_them_and_nothing_is_screened(flooded, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run(*args)
    assert not Screening.objects.exists()
    assert not RiskCase.objects.exists()


def test_by_default_the_month_before_today_is_screened():
    assert previous_month(dt.date(2026, 1, 1)) == dt.date(2025, 12, 1)
    assert previous_month(dt.date(2026, 3, 31)) == dt.date(2026, 2, 1)
