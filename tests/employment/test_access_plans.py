"""The access matrix for the plan, welfare post, subsidy and warning pages: each role of
the cast, inside and outside the area; refused changes leave the database as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.employment.conftest import worker
from tests.employment.test_access import EMPLOYER_STAFF, EMPLOYMENT_STAFF, ROLES, expected
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.employment import actions
from tongxing.employment.models import (
    EmploymentPlan,
    PlanStep,
    SubsidyApplication,
    WarningFollowUp,
)

RECORDERS = {"village", "township", "county"}


@pytest.fixture
def records(village, county, employer):
    today = timezone.localdate()
    person = worker(village, name="赵六")
    actions.record_employment_status(
        village, person, status="seeking", start_date=today - dt.timedelta(days=400)
    )
    employee = worker(village, name="钱七")
    actions.record_employment_status(
        county,
        employee,
        status="employed",
        form="quota",
        employer=employer,
        start_date=dt.date(2025, 1, 1),
    )
    plan = actions.open_graduate_plan(
        village, person, goal="就业", school_level="senior", left_school_on=today
    )
    subsidy = actions.apply_for_subsidy(
        county,
        employer,
        kind="post",
        person=employee,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 3, 31),
        amount_claimed=Decimal("900"),
    )
    return {"person": person, "plan": plan, "subsidy": subsidy, "employer": employer}


def state():
    return (
        EmploymentPlan.objects.count(),
        PlanStep.objects.count(),
        SubsidyApplication.objects.filter(status="submitted").count(),
        WarningFollowUp.objects.count(),
        AuditEvent.objects.exclude(action__in=[AuditAction.VIEW, AuditAction.REFUSED]).count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_plans_and_warnings_open_for_employment_staff_of_the_area(as_role, role, records):
    client = as_role(role)
    for kind in ("graduate", "household"):
        assert client.get(f"/employment/plans/{kind}/").status_code == expected(
            role, EMPLOYMENT_STAFF, scoped=False
        )
        assert client.get(
            f"/employment/plans/{kind}/", {"area": "511902001001"}
        ).status_code == expected(role, EMPLOYMENT_STAFF)
    assert client.get(f"/employment/plan/{records['plan'].pk}/").status_code == expected(
        role, EMPLOYMENT_STAFF
    )
    assert client.get("/employment/warnings/").status_code == expected(
        role, EMPLOYMENT_STAFF, scoped=False
    )
    assert client.get("/employment/warnings/", {"area": "511902001001"}).status_code == expected(
        role, EMPLOYMENT_STAFF
    )
    # Opening plans and following up warnings is for those who record employment.
    person = records["person"].pk
    status = (
        302
        if role == "anonymous"
        else 403
        if role not in RECORDERS | {"neighbour", "other_county"}
        else 404
        if role in {"neighbour", "other_county"}
        else 200
    )
    assert client.get(f"/employment/persons/{person}/plans/household/new/").status_code == status
    assert client.get(f"/employment/warnings/{person}/").status_code == status


@pytest.mark.parametrize("role", ROLES)
def test_subsidies_are_for_county_and_city_staff_of_the_area(as_role, role, records):
    client = as_role(role)
    assert client.get("/employment/subsidies/").status_code == expected(
        role, EMPLOYER_STAFF, scoped=False
    )
    assert client.get(f"/employment/subsidies/{records['subsidy'].pk}/").status_code == expected(
        role, EMPLOYER_STAFF
    )
    assert client.get(
        f"/employment/employers/{records['employer'].pk}/subsidies/new/"
    ).status_code == expected(role, EMPLOYER_STAFF)


@pytest.mark.parametrize("role", [r for r in ROLES if r not in RECORDERS])
def test_adding_a_plan_step_is_refused_to_others_and_changes_nothing(as_role, role, records):
    before = state()
    response = as_role(role).post(
        f"/employment/plan/{records['plan'].pk}/",
        {"step-action": "走访", "step-owner": "王", "step-due_date": "2030-01-01"},
    )
    assert response.status_code in {302, 403, 404}
    assert state() == before


@pytest.mark.parametrize("role", [r for r in ROLES if r not in RECORDERS])
def test_following_up_a_warning_is_refused_to_others_and_changes_nothing(as_role, role, records):
    before = state()
    since = (timezone.localdate() - dt.timedelta(days=400)).isoformat()
    response = as_role(role).post(
        f"/employment/warnings/{records['person'].pk}/",
        {"warning": f"long_seeking|{since}", "action": "acknowledged"},
    )
    assert response.status_code in {302, 403, 404}
    assert state() == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "city"])
def test_deciding_a_subsidy_is_refused_to_others_and_changes_nothing(as_role, role, records):
    # The county officer recorded it, so only another officer (here the city) decides.
    before = state()
    response = as_role(role).post(
        f"/employment/subsidies/{records['subsidy'].pk}/",
        {"decision": "refuse", "reason": "x"},
    )
    assert response.status_code in {200, 302, 403, 404}
    assert state() == before
