"""The indicators computed from the one-stop services, on hand-built records.

Persons (巴州区 township 东城街道 511902001 unless said; certificates from 2020 or 2023):

- A village 1: device need stated 2025-03-01, device application 2025-03-05, device handed
  over 2025-04-10; renovation completed 2025-08-01.
- A2 in A's household: renovation completed 2025-09-01 (same household: counted once).
- B village 1: device application 2025-05-01 still in progress; rehabilitation need stated
  2025-04-15, open; renovation application in progress.
- C village 2: device need stated 2025-01-15 and declined 2025-02-01, a device application
  withdrawn; rehabilitation need stated 2025-01-15, met 2025-06-01; no household,
  renovation completed 2025-12-31.
- D 通江县: device application 2024-12-10, handed over 2025-02-20; renovation submitted
  2024-10-01 and completed 2024-11-01.
- E (born 2021) village 1 and F (born 2020) village 2: child rehabilitation records for
  2025-01, 2025-02, 2025-07 (E) and 2025-02 (F).

Facilities: 残疾人之家 in village 1 designated from 2024-01-01, one at county level (511902)
from 2025-07-01, one in 通江县 2023-01-01 to 2025-03-31, one never designated; a
rehabilitation station designated without a start date; no legal aid station.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tests.indicators.test_computations import CITY, COUNTY, OTHER, TOWNSHIP, _at, _person, figure
from tongxing.accounts.models import User
from tongxing.devices.models import CatalogueItem, DeviceCase, Handover
from tongxing.indicators.engine import compute_snapshots
from tongxing.registry.models import Person
from tongxing.rehab.models import Placement, RehabCase, ServiceRecord
from tongxing.services.models import Application, Facility, ServiceType
from tongxing.surveys.models import Need, Survey, SurveyDefinition

SERVICE_INDICATORS = [
    "device_fitting_rate",
    "child_rehabilitation",
    "home_renovations",
    "rehab_coverage",
    "disabled_persons_homes",
    "rehab_stations",
    "legal_aid_stations",
]


def _application(person, code, submitted, status="in_progress", closed=None):
    service_type, _ = ServiceType.objects.get_or_create(code=code, defaults={"name": code})
    return Application.objects.create(
        service_type=service_type,
        person=person,
        area_id=person.area_id,
        status=status,
        submitted_by=User.objects.get(username="village"),
        submitted_on=submitted,
        submitted_at=_at(submitted),
        closed_on=closed,
    )


def _facility(kind, area, designated_from=None, designated_until=None, designated=True):
    return Facility.objects.create(
        name=f"{kind} {area}",
        kind=kind,
        area_id=area,
        designated=designated,
        designated_from=designated_from,
        designated_until=designated_until,
    )


class Needs:
    """One 2025 survey per person, to hang needs on."""

    def __init__(self) -> None:
        self.definition = SurveyDefinition.objects.create(
            year=2025, title="2025", reference="test", groups=[], file_path="test.yaml"
        )

    def add(self, person, kind, stated, status="open", closed=None):
        survey, _ = Survey.objects.get_or_create(
            person=person,
            year=2025,
            defaults={
                "definition": self.definition,
                "started_at": _at(stated),
                "updated_at": _at(stated),
            },
        )
        Need.objects.create(
            person=person,
            kind=kind,
            year=2025,
            survey=survey,
            status=status,
            opened_at=_at(stated),
            closed_at=_at(closed) if closed else None,
        )


def _handover(person, centre, item, applied, handed, actor):
    application = _application(person, "assistive_device", applied, "completed", handed)
    case = DeviceCase.objects.create(
        person=person, item=item, application=application, status="handed_over"
    )
    Handover.objects.create(
        case=case,
        centre=centre,
        person=person,
        item=item,
        replacement_group=item.replacement_group,
        handed_over_on=handed,
        price=Decimal("800.00"),
        cap=Decimal("600.00"),
        cap_verified=False,
        subsidy=Decimal("600.00"),
        person_pays=Decimal("200.00"),
        actor=actor,
    )


def _rehab(child, institution, months, actor):
    case = RehabCase.objects.create(
        child=child, screened_on=dt.date(2024, 12, 1), screening_result="发育迟缓"
    )
    placement = Placement.objects.create(
        case=case, child=child, institution=institution, start=dt.date(2025, 1, 1)
    )
    for month in months:
        ServiceRecord.objects.create(
            placement=placement,
            child=child,
            institution=institution,
            month=month,
            sessions=8,
            amount=Decimal("1600.00"),
            recorded_by=actor,
        )


@pytest.fixture
def services_population(catalogue, village, county, other_county):
    issued = dt.date(2020, 3, 1)
    a = _person(village, dt.date(1980, 1, 1), issued)
    a2 = _person(village, dt.date(1982, 1, 1), issued)
    Person.objects.filter(pk=a2.pk).update(household=a.household)
    b = _person(village, dt.date(1970, 1, 1), issued)
    c = _person(county, dt.date(1975, 1, 1), issued, factories.NEXT_VILLAGE)
    Person.objects.filter(pk=c.pk).update(household=None)
    d = _person(other_county, dt.date(1960, 1, 1), issued, factories.OTHER_COUNTY_VILLAGE)
    e = _person(village, dt.date(2021, 5, 1), dt.date(2023, 1, 1))
    f = _person(county, dt.date(2020, 5, 1), dt.date(2023, 1, 1), factories.NEXT_VILLAGE)

    needs = Needs()
    needs.add(a, "assistive_device", dt.date(2025, 3, 1))
    needs.add(b, "rehabilitation", dt.date(2025, 4, 15))
    needs.add(c, "assistive_device", dt.date(2025, 1, 15), "declined", dt.date(2025, 2, 1))
    needs.add(c, "rehabilitation", dt.date(2025, 1, 15), "met", dt.date(2025, 6, 1))

    item = CatalogueItem.objects.create(
        code="wheelchair",
        category="mobility",
        name="轮椅",
        replacement_group="wheelchair",
        subsidy_cap=Decimal("600.00"),
        replacement_years=5,
        source="test",
    )
    centre = _facility("device_centre", COUNTY)
    _handover(a, centre, item, dt.date(2025, 3, 5), dt.date(2025, 4, 10), county)
    _application(b, "assistive_device", dt.date(2025, 5, 1))
    _application(c, "assistive_device", dt.date(2025, 1, 20), "withdrawn", dt.date(2025, 1, 25))
    _handover(d, centre, item, dt.date(2024, 12, 10), dt.date(2025, 2, 20), other_county)

    _application(a, "home_renovation", dt.date(2025, 5, 1), "completed", dt.date(2025, 8, 1))
    _application(a2, "home_renovation", dt.date(2025, 5, 1), "completed", dt.date(2025, 9, 1))
    _application(b, "home_renovation", dt.date(2025, 5, 1))
    _application(c, "home_renovation", dt.date(2025, 5, 1), "completed", dt.date(2025, 12, 31))
    _application(d, "home_renovation", dt.date(2024, 10, 1), "completed", dt.date(2024, 11, 1))

    institution = _facility("rehab_institution", COUNTY)
    _rehab(e, institution, [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 7, 1)], county)
    _rehab(f, institution, [dt.date(2025, 2, 1)], county)

    _facility("disabled_home", factories.VILLAGE, dt.date(2024, 1, 1))
    _facility("disabled_home", COUNTY, dt.date(2025, 7, 1))
    _facility("disabled_home", OTHER, dt.date(2023, 1, 1), dt.date(2025, 3, 31))
    _facility("disabled_home", factories.VILLAGE, designated=False)
    _facility("rehab_station", factories.NEXT_VILLAGE)
    compute_snapshots([2021, 2022, 2023, 2024, 2025], codes=SERVICE_INDICATORS)


def test_the_device_fitting_rate_is_persons_fitted_of_persons_known_to_need_a_device(
    services_population,
):
    # Needing in 2025: A (need, application, handover), B (application), D (handover of a
    # 2024 application); C's need was declined and its application withdrawn. Fitted: A, D.
    assert figure("device_fitting_rate", CITY, 2025) == (2, 3, Decimal("66.67"))
    assert figure("device_fitting_rate", COUNTY, 2025) == (1, 2, Decimal("50.00"))
    assert figure("device_fitting_rate", OTHER, 2025) == (1, 1, Decimal("100.00"))
    # First quarter: A's need and application (handover in April), D's handover.
    assert figure("device_fitting_rate", CITY, 2025, 1) == (1, 2, Decimal("50.00"))
    # Second quarter: A (need of the year, handed over) and B (applied).
    assert figure("device_fitting_rate", CITY, 2025, 2) == (1, 2, Decimal("50.00"))
    assert figure("device_fitting_rate", CITY, 2024) == (0, 1, Decimal("0.00"))
    # No device application or handover by the end of 2023: no figure rather than 0 of 0.
    assert figure("device_fitting_rate", CITY, 2023) == (None, None, None)


def test_children_rehabilitated_are_distinct_children_with_a_service_record_in_the_period(
    services_population,
):
    assert figure("child_rehabilitation", CITY, 2025) == (2, None, Decimal("2.00"))
    assert figure("child_rehabilitation", TOWNSHIP, 2025) == (2, None, Decimal("2.00"))
    assert figure("child_rehabilitation", OTHER, 2025) == (0, None, Decimal("0.00"))
    assert figure("child_rehabilitation", CITY, 2025, 1) == (2, None, Decimal("2.00"))
    assert figure("child_rehabilitation", CITY, 2025, 2) == (0, None, Decimal("0.00"))
    assert figure("child_rehabilitation", CITY, 2025, 3) == (1, None, Decimal("1.00"))
    assert figure("child_rehabilitation", CITY, 2024) == (None, None, None)


def test_renovations_count_households_whose_renovation_was_completed_in_the_period(
    services_population,
):
    # A and A2 share a household; C has none and counts alone; B's is still in progress.
    assert figure("home_renovations", CITY, 2025) == (2, None, Decimal("2.00"))
    assert figure("home_renovations", TOWNSHIP, 2025) == (2, None, Decimal("2.00"))
    assert figure("home_renovations", CITY, 2025, 3) == (1, None, Decimal("1.00"))
    assert figure("home_renovations", CITY, 2025, 4) == (1, None, Decimal("1.00"))
    assert figure("home_renovations", OTHER, 2025) == (0, None, Decimal("0.00"))
    assert figure("home_renovations", OTHER, 2024) == (1, None, Decimal("1.00"))
    assert figure("home_renovations", OTHER, 2024, 4) == (1, None, Decimal("1.00"))
    # D's application was submitted in October 2024: nothing recorded by the third quarter.
    assert figure("home_renovations", CITY, 2024, 3) == (None, None, None)
    # Nothing submitted by the end of 2023.
    assert figure("home_renovations", CITY, 2023) == (None, None, None)


def test_rehabilitation_coverage_is_holders_served_of_holders_in_need(services_population):
    # In need in 2025: A (device need), B (rehabilitation need), C (rehabilitation need),
    # and the served D, E, F; A2 has no need. Served: A, C (need met), D, E, F.
    assert figure("rehab_coverage", CITY, 2025) == (5, 6, Decimal("83.33"))
    assert figure("rehab_coverage", COUNTY, 2025) == (4, 5, Decimal("80.00"))
    assert figure("rehab_coverage", OTHER, 2025) == (1, 1, Decimal("100.00"))
    # First quarter: A and C stated needs, B not yet; served D, E and F.
    assert figure("rehab_coverage", CITY, 2025, 1) == (3, 5, Decimal("60.00"))
    # Applications existed in 2024, but no service was recorded by its end.
    assert figure("rehab_coverage", CITY, 2024) == (None, None, None)


def test_facilities_are_those_designated_on_the_last_day_in_their_area(services_population):
    assert figure("disabled_persons_homes", CITY, 2025) == (2, None, Decimal("2.00"))
    assert figure("disabled_persons_homes", COUNTY, 2025) == (2, None, Decimal("2.00"))
    # The county-level one lies in no township.
    assert figure("disabled_persons_homes", TOWNSHIP, 2025) == (1, None, Decimal("1.00"))
    assert figure("disabled_persons_homes", OTHER, 2025) == (0, None, Decimal("0.00"))
    assert figure("disabled_persons_homes", OTHER, 2025, 1) == (1, None, Decimal("1.00"))
    assert figure("disabled_persons_homes", CITY, 2025, 1) == (2, None, Decimal("2.00"))
    assert figure("disabled_persons_homes", CITY, 2023) == (1, None, Decimal("1.00"))
    assert figure("disabled_persons_homes", CITY, 2022) == (None, None, None)
    # Designated without a start date: counted from the start.
    assert figure("rehab_stations", CITY, 2021) == (1, None, Decimal("1.00"))
    assert figure("legal_aid_stations", CITY, 2025) == (None, None, None)
