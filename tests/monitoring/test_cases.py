"""The list over the months: a case opened once, help recorded, closed with who and why,
reopened by a later month that finds the risk again, and a re-run of a month harmless."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tongxing.core.jobs import run_queued_jobs
from tongxing.core.models import Job, JobStatus
from tongxing.monitoring import actions
from tongxing.monitoring.models import (
    CaseEvent,
    CaseStatus,
    CircumstanceKind,
    Measure,
    OpenCount,
    RiskCase,
    Screening,
    ScreeningResult,
)

TODAY = dt.date(2026, 1, 15)
OCT, NOV, DEC = dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)
JAN = dt.date(2026, 1, 1)
TOWNSHIP = "511902001"


@pytest.fixture
def flooded(loaded, village):
    """A person whose home was flooded on 2025-11-20: at risk from November 2025 to
    October 2026 with the 12-month window."""
    person = factories.make_person(village, name="水")
    actions.report_circumstance(
        village, person, CircumstanceKind.DISASTER, dt.date(2025, 11, 20), None, "", TODAY
    )
    return person


def events(case: RiskCase) -> list[tuple[str, str]]:
    return [(e.kind, f"{e.month:%Y-%m}" if e.month else "") for e in case.events.all()]


def test_a_person_at_risk_is_put_on_the_list_once(flooded, township):
    actions.screen_month(TOWNSHIP, OCT)
    assert not RiskCase.objects.exists()
    actions.screen_month(TOWNSHIP, NOV)
    actions.screen_month(TOWNSHIP, DEC)
    case = RiskCase.objects.get()
    assert (case.person_id, case.status, case.level, case.rules) == (
        flooded.pk,
        CaseStatus.OPEN,
        "low",
        "disaster",
    )
    assert (case.opened_month, case.last_flagged_month) == (NOV, DEC)
    assert events(case) == [("opened", "2025-11")]
    assert list(
        ScreeningResult.objects.order_by("month").values_list("month", "person_id", "score")
    ) == [(NOV, flooded.pk, 2), (DEC, flooded.pk, 2)]


def test_running_a_month_again_changes_nothing(flooded, township):
    actions.screen_month(TOWNSHIP, NOV)
    first = (
        list(ScreeningResult.objects.values_list("month", "person_id", "level", "rules")),
        list(RiskCase.objects.values_list("id", "status", "last_flagged_month")),
        list(OpenCount.objects.values_list("month", "area_id", "open_cases")),
        CaseEvent.objects.count(),
    )
    actions.screen_month(TOWNSHIP, NOV)
    again = (
        list(ScreeningResult.objects.values_list("month", "person_id", "level", "rules")),
        list(RiskCase.objects.values_list("id", "status", "last_flagged_month")),
        list(OpenCount.objects.values_list("month", "area_id", "open_cases")),
        CaseEvent.objects.count(),
    )
    assert again == first
    assert first[2] == [(NOV, factories.VILLAGE, 1)]
    assert Screening.objects.get().summary["opened"] == 0


def test_closing_records_who_and_why(flooded, township):
    actions.screen_month(TOWNSHIP, NOV)
    case = actions.close_case(township, RiskCase.objects.get(), "  Rebuilt with relief funds. ")
    case.refresh_from_db()
    assert (case.status, case.closed_by, case.close_reason) == (
        CaseStatus.CLOSED,
        township,
        "Rebuilt with relief funds.",
    )
    assert events(case) == [("opened", "2025-11"), ("closed", "2025-11")]
    # Re-running the month it was closed in does not reopen it.
    actions.screen_month(TOWNSHIP, NOV)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_a_case_closed_but_still_at_risk_next_month_reopens_with_a_note(flooded, township):
    actions.screen_month(TOWNSHIP, NOV)
    actions.close_case(township, RiskCase.objects.get(), "Rebuilt.")
    actions.screen_month(TOWNSHIP, DEC)
    case = RiskCase.objects.get()
    assert (case.status, case.last_flagged_month, case.closed_by) == (CaseStatus.OPEN, DEC, None)
    reopened = case.events.get(kind="reopened")
    assert reopened.month == DEC
    assert "but still at risk in 2025-12" in reopened.note
    assert "(Rebuilt.)" in reopened.note
    assert list(OpenCount.objects.order_by("month").values_list("month", "open_cases")) == [
        (NOV, 1),
        (DEC, 1),
    ]


def test_a_risk_that_recurs_after_a_clear_month_reopens_the_case(flooded, village, township):
    actions.screen_month(TOWNSHIP, NOV)
    actions.close_case(township, RiskCase.objects.get(), "Rebuilt.")
    # The window ends: not at risk in November 2026; a new disaster in December 2026.
    actions.screen_month(TOWNSHIP, dt.date(2026, 11, 1))
    assert RiskCase.objects.get().status == CaseStatus.CLOSED
    assert OpenCount.objects.filter(month=dt.date(2026, 11, 1)).count() == 0
    actions.report_circumstance(
        village,
        flooded,
        CircumstanceKind.DISASTER,
        dt.date(2026, 11, 2),
        None,
        "",
        TODAY.replace(year=2027),
    )
    actions.screen_month(TOWNSHIP, dt.date(2026, 12, 1))
    case = RiskCase.objects.get()
    assert case.status == CaseStatus.OPEN
    assert "At risk again in 2026-12" in case.events.get(kind="reopened").note


def test_help_is_recorded_once_per_action_with_its_history(flooded, village):
    actions.screen_month(TOWNSHIP, NOV)
    case = RiskCase.objects.get()
    actions.record_measure(
        village, case, "temporary_assistance", dt.date(2025, 12, 2), "临时救助 2000元", TODAY
    )
    actions.record_measure(
        village, case, "dibao_application", dt.date(2025, 12, 5), "申请低保", TODAY
    )
    assert list(Measure.objects.order_by("started_on").values_list("kind", "detail")) == [
        ("temporary_assistance", "临时救助 2000元"),
        ("dibao_application", "申请低保"),
    ]
    assert [e.kind for e in case.events.all()] == ["opened", "measure", "measure"]


def test_help_without_a_description_is_refused_and_nothing_is_recorded(flooded, village):
    actions.screen_month(TOWNSHIP, NOV)
    case = RiskCase.objects.get()
    with pytest.raises(ValidationError) as refused:
        actions.record_measure(village, case, "job", dt.date(2026, 2, 1), " ", TODAY)
    assert set(refused.value.message_dict) == {"detail", "started_on"}
    assert not Measure.objects.exists()


def test_a_closed_case_takes_no_more_help_and_cannot_be_closed_twice(flooded, township):
    actions.screen_month(TOWNSHIP, NOV)
    case = actions.close_case(township, RiskCase.objects.get(), "Rebuilt.")
    with pytest.raises(ValidationError):
        actions.close_case(township, case, "Again.")
    with pytest.raises(ValidationError):
        actions.record_measure(township, case, "job", dt.date(2025, 12, 1), "x", TODAY)
    assert case.events.count() == 2


def test_closing_needs_a_reason(flooded, township):
    actions.screen_month(TOWNSHIP, NOV)
    with pytest.raises(ValidationError):
        actions.close_case(township, RiskCase.objects.get(), "  ")
    assert RiskCase.objects.get().status == CaseStatus.OPEN


def test_a_neighbouring_village_worker_cannot_close_the_case(flooded, neighbour, city):
    actions.screen_month(TOWNSHIP, NOV)
    case = RiskCase.objects.get()
    for outsider in (neighbour, city):
        with pytest.raises(PermissionDenied):
            actions.close_case(outsider, case, "Not mine.")
    assert RiskCase.objects.get().status == CaseStatus.OPEN


def test_a_medical_expense_needs_an_amount(loaded, village):
    person = factories.make_person(village)
    with pytest.raises(ValidationError) as refused:
        actions.report_circumstance(
            village, person, CircumstanceKind.MEDICAL_EXPENSE, dt.date(2025, 3, 1), None, "", TODAY
        )
    assert set(refused.value.message_dict) == {"amount"}


def test_the_screening_runs_as_a_background_job(
    flooded, county, django_capture_on_commit_callbacks
):
    from tongxing.areas.models import Area

    with django_capture_on_commit_callbacks(execute=True):
        job = actions.start_screening(county, Area.objects.get(code="511902"), NOV, TODAY)
    run_queued_jobs()
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Screening.objects.get().area_id == "511902"
    assert RiskCase.objects.get().person_id == flooded.pk


def test_a_township_officer_cannot_run_the_screening(loaded, township):
    from tongxing.areas.models import Area

    with pytest.raises(PermissionDenied):
        actions.start_screening(township, Area.objects.get(code=TOWNSHIP), NOV, TODAY)
    assert not Job.objects.exists()


def test_a_future_month_cannot_be_screened(loaded, county):
    from tongxing.areas.models import Area

    with pytest.raises(ValidationError):
        actions.start_screening(county, Area.objects.get(code="511902"), dt.date(2026, 2, 1), TODAY)
    assert not Job.objects.exists()
