"""Each computed indicator on a crafted population, numerators and denominators by hand.

Six persons (see ``population``), counted for 2024 (the year and its quarters):

- P1 巴州区 village 1, born 1990, certificate 2020: resident pension since 2019, employed
  from 2024-03-01, 2024 survey completed, one 2024 need met on 2024-06-01, living subsidy
  claim since 2023, paid (locked batches) for January and February 2024.
- P2 巴州区 village 2, born 1985, certificate 2022: pension ended 2023-12-31, nursing claim
  since 2024-02 but only in an unlocked batch, 2024 survey in progress, needs: one declined on
  2024-07-01 and one open, finished a course on 2024-09-30, an open reconciliation finding.
- P3 巴州区, born 2015, certificate 2021: at school since 2021-09, education aid from 2024-09.
- P4 巴州区, born 2012, certificate 2020: not at school.
- P5 巴州区, born 1970, certificate 2020: died 2024-05-01; paid the living subsidy for 2024-01.
- P6 通江县, born 1975, certificate 2020: employed 2020-01-01 to 2024-06-30; pension premium
  claim 2021–2023; a finding closed on 2024-04-01.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tongxing.areas.models import Area
from tongxing.benefits.models import BatchStatus, BenefitClaim, PayrollBatch, PayrollLine
from tongxing.core.jobs import run_queued_jobs
from tongxing.core.models import JobStatus
from tongxing.employment.models import (
    EmploymentForm,
    EmploymentStatus,
    Enrolment,
    EnrolmentStatus,
    TrainingCourse,
)
from tongxing.indicators import actions
from tongxing.indicators.engine import LEVELS, compute_snapshots
from tongxing.indicators.models import Indicator, Origin, Snapshot
from tongxing.reconcile.models import Finding
from tongxing.registry.models import Person, PersonFact
from tongxing.surveys.models import Need, Survey, SurveyDefinition

BEIJING = dt.timezone(dt.timedelta(hours=8))
CITY, COUNTY, TOWNSHIP, OTHER = "5119", "511902", "511902001", "511921"


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), BEIJING)


def _person(actor, born: dt.date, issued: dt.date, area: str = factories.VILLAGE) -> Person:
    return factories.make_person(
        actor,
        id_number=factories.new_id_number(born, area[:6]),
        area_code=area,
        certificate={"issue_date": issued},
    )


def _fact(person, kind, start, end=None, level=""):
    PersonFact.objects.create(person=person, kind=kind, start_date=start, end_date=end, level=level)


def _claim(person, benefit, applied, ended=None):
    BenefitClaim.objects.create(
        person=person,
        benefit=benefit,
        applied_on=applied,
        status="ended" if ended else "approved",
        ended_on=ended,
    )


def _paid(person, benefit, month, status, preparer):
    batch, _ = PayrollBatch.objects.get_or_create(
        county_id=person.area_id[:6],
        month=month,
        defaults={"status": status, "prepared_by": preparer},
    )
    PayrollLine.objects.create(
        batch=batch,
        person=person,
        benefit=benefit,
        kind="regular",
        for_month=month,
        amount=Decimal("110.00"),
        township=person.area_id[:9],
        village=person.area_id,
    )


def _work(person, start, end=None):
    EmploymentStatus.objects.create(
        person=person,
        status="employed",
        form=EmploymentForm.QUOTA,
        start_date=start,
        end_date=end,
        recorded_at=timezone.now(),
    )


@pytest.fixture
def population(catalogue, village, county, other_county):
    p1 = _person(village, dt.date(1990, 6, 1), dt.date(2020, 3, 1))
    p2 = _person(county, dt.date(1985, 1, 1), dt.date(2022, 5, 1), factories.NEXT_VILLAGE)
    p3 = _person(village, dt.date(2015, 3, 1), dt.date(2021, 1, 1))
    _person(village, dt.date(2012, 8, 1), dt.date(2020, 1, 1))
    p5 = _person(village, dt.date(1970, 2, 1), dt.date(2020, 1, 1))
    p6 = _person(
        other_county, dt.date(1975, 4, 1), dt.date(2020, 1, 1), factories.OTHER_COUNTY_VILLAGE
    )
    Person.objects.filter(pk=p5.pk).update(status="deceased", date_of_death=dt.date(2024, 5, 1))

    _fact(p1, "resident_pension", dt.date(2019, 1, 1))
    _fact(p2, "resident_pension", dt.date(2019, 1, 1), dt.date(2023, 12, 31))
    _fact(p3, "school", dt.date(2021, 9, 1), level="primary")

    _claim(p1, "living_subsidy", dt.date(2023, 1, 1))
    _claim(p2, "nursing_subsidy", dt.date(2024, 2, 1))
    _claim(p3, "education_aid", dt.date(2024, 9, 1))
    _claim(p6, "pension_premium", dt.date(2021, 1, 1), dt.date(2023, 12, 31))
    _paid(p1, "living_subsidy", dt.date(2024, 1, 1), BatchStatus.LOCKED, county)
    _paid(p1, "living_subsidy", dt.date(2024, 2, 1), BatchStatus.LOCKED, county)
    _paid(p5, "living_subsidy", dt.date(2024, 1, 1), BatchStatus.LOCKED, county)
    _paid(p2, "nursing_subsidy", dt.date(2024, 3, 1), BatchStatus.PREPARED, county)

    definition = SurveyDefinition.objects.create(
        year=2024, title="2024", reference="test", groups=[], file_path="test.yaml"
    )
    opened = _at(dt.date(2024, 5, 1))
    s1 = Survey.objects.create(
        person=p1,
        definition=definition,
        year=2024,
        status="completed",
        started_at=opened,
        updated_at=opened,
        completed_at=opened,
    )
    s2 = Survey.objects.create(
        person=p2, definition=definition, year=2024, started_at=opened, updated_at=opened
    )
    Need.objects.create(
        person=p1,
        kind="rehabilitation",
        year=2024,
        survey=s1,
        status="met",
        opened_at=opened,
        closed_at=_at(dt.date(2024, 6, 1)),
    )
    Need.objects.create(
        person=p2,
        kind="care",
        year=2024,
        survey=s2,
        status="declined",
        opened_at=opened,
        closed_at=_at(dt.date(2024, 7, 1)),
    )
    Need.objects.create(person=p2, kind="subsidy", year=2024, survey=s2, opened_at=opened)

    _work(p1, dt.date(2024, 3, 1))
    _work(p6, dt.date(2020, 1, 1), dt.date(2024, 6, 30))
    course = TrainingCourse.objects.create(
        title="电商",
        provider="巴中职校",
        skill="ecommerce",
        area_id=COUNTY,
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2024, 9, 30),
        places=20,
        created_at=timezone.now(),
    )
    Enrolment.objects.create(
        course=course, person=p2, status=EnrolmentStatus.COMPLETED, recorded_at=timezone.now()
    )
    Finding.objects.create(
        rule="severe_no_pension", person=p2, area_id=p2.area_id, found_at=_at(dt.date(2024, 3, 1))
    )
    Finding.objects.create(
        rule="deceased_paid",
        person=p6,
        area_id=p6.area_id,
        found_at=_at(dt.date(2024, 2, 1)),
        status="resolved",
        closed_at=_at(dt.date(2024, 4, 1)),
    )
    compute_snapshots([2023, 2024])


def figure(code: str, area: str, year: int = 2024, quarter: int = 0) -> tuple:
    row = Snapshot.objects.get(indicator__code=code, area_id=area, year=year, quarter=quarter)
    return row.numerator, row.denominator, row.value


def test_each_computed_indicator_counts_what_its_definition_says(population):
    # certified persons are the living with a certificate in force at the end
    assert figure("certified_persons", CITY) == (5, None, Decimal("5.00"))
    assert figure("certified_persons", COUNTY) == (4, None, Decimal("4.00"))
    assert figure("certified_persons", TOWNSHIP) == (4, None, Decimal("4.00"))
    assert figure("certified_persons", OTHER) == (1, None, Decimal("1.00"))
    # P5 died in 2024: still counted at the end of 2023.
    assert figure("certified_persons", CITY, 2023) == (6, None, Decimal("6.00"))
    # subsidy recipients count persons paid in locked batches only
    assert figure("living_subsidy_recipients", CITY) == (2, None, Decimal("2.00"))
    assert figure("living_subsidy_recipients", CITY, 2024, 1) == (2, None, Decimal("2.00"))
    # No locked payroll month in the second quarter: no figure, rather than a false 0.
    assert figure("living_subsidy_recipients", CITY, 2024, 2) == (None, None, None)
    assert figure("nursing_subsidy_recipients", CITY) == (0, None, Decimal("0.00"))
    # subsidy coverage is the paid share of approved claims in force
    # P1 (living, paid) and P2 (nursing, only in an unlocked batch): 1 of 2.
    assert figure("subsidy_coverage", CITY) == (1, 2, Decimal("50.00"))
    assert figure("subsidy_coverage", OTHER) == (0, 0, None)
    # resident pension rate is enrolment among working age holders
    # Working age on 2024-12-31: P1 (34), P2 (39), P6 (49); enrolled then: P1 only.
    assert figure("resident_pension_rate", CITY) == (1, 3, Decimal("33.33"))
    # At the end of 2023 P2 was still enrolled, and P5 (53) was alive and not enrolled.
    assert figure("resident_pension_rate", CITY, 2023) == (2, 4, Decimal("50.00"))
    # pension premium and education aid count claims in force
    assert figure("pension_premium_recipients", CITY) == (0, None, Decimal("0.00"))
    assert figure("pension_premium_recipients", OTHER, 2023) == (1, None, Decimal("1.00"))
    assert figure("students_aided", CITY) == (1, None, Decimal("1.00"))
    assert figure("students_aided", CITY, 2024, 2) == (0, None, Decimal("0.00"))
    # compulsory education enrolment is school among holders aged 6 to 15
    assert figure("compulsory_education_enrolment", CITY) == (1, 2, Decimal("50.00"))
    # survey coverage is completed surveys of the year among holders
    assert figure("survey_coverage", CITY) == (1, 5, Decimal("20.00"))
    assert figure("survey_coverage", CITY, 2024, 1) == (0, 6, Decimal("0.00"))
    assert figure("survey_coverage", CITY, 2023) == (None, None, None)  # no 2023 survey
    # needs met rate leaves out needs declined by the end of the period
    assert figure("needs_met_rate", CITY) == (1, 2, Decimal("50.00"))
    assert figure("needs_met_rate", CITY, 2024, 2) == (1, 3, Decimal("33.33"))
    assert figure("needs_met_rate", CITY, 2024, 1) == (0, 0, None)
    # employment counts read the dated statuses
    assert figure("employed_persons", CITY) == (1, None, Decimal("1.00"))
    assert figure("employed_persons", CITY, 2024, 2) == (2, None, Decimal("2.00"))
    assert figure("newly_employed", CITY) == (1, None, Decimal("1.00"))
    assert figure("newly_employed", OTHER) == (0, None, Decimal("0.00"))
    assert figure("trained_persons", COUNTY) == (1, None, Decimal("1.00"))
    # zero employment households have a working age holder and nobody employed
    assert figure("zero_employment_households", CITY) == (2, None, Decimal("2.00"))
    assert figure("zero_employment_households", OTHER) == (1, None, Decimal("1.00"))
    assert figure("zero_employment_households", OTHER, 2024, 2) == (0, None, Decimal("0.00"))
    # open findings are those found and not yet closed at the end
    assert figure("open_findings", CITY) == (1, None, Decimal("1.00"))
    assert figure("open_findings", CITY, 2024, 1) == (2, None, Decimal("2.00"))
    # every city county and township gets a row even without persons
    assert figure("certified_persons", "511923") == (0, None, Decimal("0.00"))


def test_the_job_computes_again_with_the_same_figures_and_keeps_reported_ones(
    population, city, django_capture_on_commit_callbacks
):
    # The station count was reported (and confirmed) before it became computed.
    indicator = Indicator.objects.get(code="rehab_stations")
    Snapshot.objects.filter(indicator=indicator, area_id=COUNTY, year=2024, quarter=0).delete()
    reported = Snapshot.objects.create(
        indicator=indicator,
        area_id=COUNTY,
        year=2024,
        value=Decimal(12),
        origin=Origin.REPORTED,
        computed_at=timezone.now(),
    )

    def computed() -> list[tuple]:
        return sorted(
            Snapshot.objects.filter(origin=Origin.COMPUTED).values_list(
                "indicator__code", "area_id", "year", "quarter", "numerator", "denominator", "value"
            )
        )

    before = computed()
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.start_computation(city, [2023, 2024])
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert computed() == before
    # Every computed indicator, period and area, but the one a department reported (and a
    # second officer confirmed) before the station count became computed: that one is kept.
    computed_codes = Indicator.objects.filter(method="computed").count()
    assert computed_codes == 22
    assert len(before) == computed_codes * 5 * 2 * Area.objects.filter(level__in=LEVELS).count() - 1
    assert Snapshot.objects.get(pk=reported.pk).value == Decimal(12)
    assert Snapshot.objects.get(pk=reported.pk).origin == Origin.REPORTED
