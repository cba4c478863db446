"""The plan, welfare post, subsidy and unemployment-warning pages in Chromium: axe-core
clean, ids resolving and reflowing, in Chinese (and at 200 % text), large text with high
contrast, and English; error summaries included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.conftest import CHROMIUM
from tests.browser.test_accessibility import (
    Case,
    Session,
    check_in_every_mode,
    employment_records,
    submit,
)
from tests.conftest import cast_member
from tests.employment.conftest import worker
from tongxing.accounts.models import User
from tongxing.accounts.roles import Role
from tongxing.employment import actions
from tongxing.employment.models import Employer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


def records(request) -> dict[str, int]:
    base = employment_records(request)
    village, county = request.getfixturevalue("village"), request.getfixturevalue("county")
    today = timezone.localdate()
    employer = Employer.objects.get(pk=base["employer"])
    graduate = worker(village, name="毕业生", born=dt.date(2003, 9, 1))
    plan = actions.open_graduate_plan(
        village, graduate, goal="在本地就业", school_level="higher", left_school_on=today
    )
    actions.add_plan_step(village, plan, action="电商培训", owner="王专职", due_date=today)
    home = worker(village, name="零就业")
    actions.open_household_plan(village, home, goal="家庭至少一人就业", today=today)
    employee = worker(village, name="员工")
    actions.record_employment_status(
        county,
        employee,
        status="employed",
        form="quota",
        employer=employer,
        start_date=dt.date(2025, 1, 1),
    )
    subsidy = actions.apply_for_subsidy(
        county,
        employer,
        kind="post",
        person=employee,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 6, 30),
        amount_claimed=Decimal("2400"),
    )
    cast_member("county_reviewer", Role.COUNTY_OFFICER, "511902")
    return base | {"plan": plan.pk, "graduate": graduate.pk, "subsidy": subsidy.pk}


def fail_plan(session: Session) -> None:
    session.page.fill("#id_goal", "")
    submit(session)
    assert session.page.locator("#error-summary").count() == 1


def fail_subsidy(session: Session) -> None:
    session.page.select_option("#id_kind", "facility")
    submit(session)
    assert session.page.locator("#error-summary").count() == 1


def fail_follow_up(session: Session) -> None:
    session.page.check("#id_action_1")  # a referral to training without a course
    submit(session)
    assert session.page.locator("#error-summary").count() == 1


def fail_welfare_post(session: Session) -> None:
    session.page.fill("#id_title", "社区助残员")
    session.page.check("#id_kind_1")
    submit(session)
    assert session.page.locator("#error-summary").count() == 1


CASES = [
    Case("plans-graduate", "township", "/employment/plans/graduate/"),
    Case("plans-household", "village", "/employment/plans/household/"),
    Case("plan-detail", "village", "/employment/plan/{plan}/"),
    Case(
        "plan-form-errors",
        "village",
        "/employment/persons/{worker}/plans/graduate/new/",
        then=fail_plan,
    ),
    Case("zero-employment-with-plans", "village", "/employment/zero-employment/"),
    Case("subsidies", "county", "/employment/subsidies/"),
    Case(
        "subsidy-form-errors",
        "county",
        "/employment/employers/{employer}/subsidies/new/",
        then=fail_subsidy,
    ),
    Case("subsidy-decide", "county_reviewer", "/employment/subsidies/{subsidy}/"),
    Case("warnings", "township", "/employment/warnings/"),
    Case(
        "warning-follow-up-errors", "village", "/employment/warnings/{worker}/", then=fail_follow_up
    ),
    Case(
        "welfare-post-errors",
        "county",
        "/employment/employers/{employer}/posts/new/",
        then=fail_welfare_post,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_employment_page_is_accessible(case: Case, request, open_session):
    path = case.path.format(**records(request))
    user = request.getfixturevalue(case.role) if case.role != "county_reviewer" else None
    if case.role == "county_reviewer":
        user = User.objects.get(username="county_reviewer")
    session = open_session(user)
    check_in_every_mode(session, case, path)
