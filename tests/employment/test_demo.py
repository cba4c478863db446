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
