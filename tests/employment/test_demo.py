"""The employment demo: deterministic, shows the flags, and runs once."""

from __future__ import annotations

from decimal import Decimal

from tests.employment.conftest import worker
from tongxing.employment import queries
from tongxing.employment.demo import STAFF_YEAR, generate_employment_demo
from tongxing.employment.models import Declaration, Employer, EmploymentStatus


def test_the_demo_declares_for_the_last_staff_year_and_a_second_run_does_nothing(
    village, county, parameters
):
    for n in range(20):
        worker(village, name=f"演示{n}")
    report = generate_employment_demo(seed=7)
    assert (report.employers, report.declarations) == (6, 6)
    assert Declaration.objects.filter(year=STAFF_YEAR).count() == 6
    statuses = EmploymentStatus.objects.count()
    assert statuses == report.statuses
    year = queries.fund_year(county, STAFF_YEAR)
    assert len(year.lines) == 6
    exempt = next(line for line in year.lines if line.employer.name.startswith("东城街道盲人"))
    assert (exempt.outcome.band, exempt.outcome.levy) == ("exempt", Decimal("0.00"))
    again = generate_employment_demo(seed=7)
    assert again.created is False
    assert (Employer.objects.count(), EmploymentStatus.objects.count()) == (6, statuses)


def test_the_plans_demo_runs_through_the_actions_once_and_placing_a_planned_seeker_shrinks_the_list(
    village, county, parameters
):
    from django.utils import timezone

    from tests.conftest import cast_member
    from tongxing.accounts.roles import Role
    from tongxing.areas.models import Area
    from tongxing.employment import actions
    from tongxing.employment.demo import WELFARE_TITLE, generate_plans_demo
    from tongxing.employment.models import (
        EmploymentPlan,
        JobPost,
        SubsidyApplication,
        WarningFollowUp,
    )

    cast_member("county_reviewer", Role.COUNTY_OFFICER, "511902")
    for n in range(40):
        worker(village, name=f"演示{n}")
    generate_employment_demo(seed=7)
    today = timezone.localdate()
    report = generate_plans_demo(today)
    assert report.created
    assert JobPost.objects.get(title=WELFARE_TITLE).kind == "welfare"
    assert EmploymentPlan.objects.filter(kind="household", status="open").count() == (
        report.household_plans
    )
    assert report.household_plans >= 1
    assert SubsidyApplication.objects.filter(status="submitted").count() == 1
    assert WarningFollowUp.objects.count() == report.follow_ups
    counts = (EmploymentPlan.objects.count(), JobPost.objects.count())
    assert generate_plans_demo(today).created is False
    assert (EmploymentPlan.objects.count(), JobPost.objects.count()) == counts
    # The demo's story: the officer places a planned household's seeker; its plan closes
    # and the zero-employment list of the village shrinks by one.
    area = Area.objects.get(code="511902001001")
    before = queries.zero_employment(village, area, today).total
    plan = EmploymentPlan.objects.filter(kind="household", status="open").first()
    post = JobPost.objects.get(title="包装")
    actions.place_seeker(county, post, plan.person, start_date=today, form="quota")
    plan.refresh_from_db()
    assert (plan.status, plan.outcome) == ("closed", "employed")
    assert queries.zero_employment(village, area, today).total == before - 1
