"""Fixtures for the device and child rehabilitation tests: the catalogue and parameters
loaded, a device centre in 巴州区 whose fitter is the cast's provider, a Chengdu
institution recognised mutually, and persons to serve."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tongxing.areas.models import Area
from tongxing.benefits.models import Origin, Parameter, ParameterValue, ValueStatus
from tongxing.benefits.parameters import load_parameters
from tongxing.devices.catalogue import load_catalogue
from tongxing.devices.models import CatalogueItem
from tongxing.rehab import actions as rehab
from tongxing.services.actions import FacilityData, add_facility_member, create_facility
from tongxing.services.models import FacilityKind

REGION = "sichuan-bazhong"
DAY = dt.date(2025, 6, 2)


@pytest.fixture
def catalogue(db):
    load_catalogue(REGION)
    return {item.code: item for item in CatalogueItem.objects.all()}


@pytest.fixture
def parameters(db):
    load_parameters(REGION)


def set_value(key: str, value: str | int, start: dt.date = dt.date(2018, 10, 1)) -> None:
    """An approved value for a parameter the region pack declares not_found or sets
    nationally (a test's stand-in for a value a city officer proposes with its notice)."""
    parameter = Parameter.objects.get(key=key)
    ParameterValue.objects.create(
        parameter=parameter,
        effective_from=start,
        value=value,
        source="test",
        verified=False,
        status=ValueStatus.APPROVED,
        origin=Origin.PROPOSAL,
    )


@pytest.fixture
def centre(county, provider, catalogue):
    centre = create_facility(
        county,
        FacilityData(
            name="巴州区辅具服务中心",
            kind=FacilityKind.DEVICE_CENTRE,
            area=Area.objects.get(code="511902"),
        ),
    )
    add_facility_member(county, centre, provider)
    return centre


@pytest.fixture
def other_provider(db):
    from tests.conftest import cast_member
    from tongxing.accounts.roles import Role

    return cast_member("other_provider", Role.PROVIDER, "511921")


@pytest.fixture
def other_centre(other_county, other_provider, catalogue):
    centre = create_facility(
        other_county,
        FacilityData(
            name="通江县辅具服务中心",
            kind=FacilityKind.DEVICE_CENTRE,
            area=Area.objects.get(code="511921"),
        ),
    )
    add_facility_member(other_county, centre, other_provider)
    return centre


@pytest.fixture
def wheelchair_user(village):
    return factories.make_person(village, name="李四", certificate={"category": 4, "grade": 1})


@pytest.fixture
def deaf_person(village):
    return factories.make_person(village, name="王聋", certificate={"category": 2, "grade": 2})


def child(actor, name="小明", born=dt.date(2021, 3, 15), area_code=factories.VILLAGE):
    return factories.make_person(
        actor,
        name=name,
        id_number=factories.new_id_number(born),
        area_code=area_code,
        certificate={"category": 5, "grade": 2, "issue_date": dt.date(2024, 1, 10)},
    )


def make_chengdu(city, provider, *, designated_until: dt.date | None = dt.date(2026, 12, 31)):
    """The Chengdu institution, recognised mutually, where ``provider`` works."""
    institution = create_facility(
        city,
        FacilityData(
            name="成都市儿童康复中心",
            kind=FacilityKind.REHAB_INSTITUTION,
            region="四川省成都市",
            designated=True,
            designated_from=dt.date(2023, 1, 1),
            designated_until=designated_until,
            mutual_recognition=True,
        ),
    )
    add_facility_member(city, institution, provider)
    return institution


@pytest.fixture
def chengdu(city, provider, parameters):
    return make_chengdu(city, provider)


@pytest.fixture
def local_institution(county, parameters):
    return create_facility(
        county,
        FacilityData(
            name="巴州区残疾儿童康复中心",
            kind=FacilityKind.REHAB_INSTITUTION,
            area=Area.objects.get(code="511902"),
            designated=True,
            designated_from=dt.date(2020, 1, 1),
        ),
    )


def placed_child(county, institution, *, name="小明", born=dt.date(2021, 3, 15), start=DAY):
    kid = child(county, name=name, born=born)
    case = rehab.record_screening(
        county, kid, on=start - dt.timedelta(days=30), result="语言发育迟缓"
    )
    rehab.record_diagnosis(
        county,
        case,
        on=start - dt.timedelta(days=20),
        diagnosis="智力障碍",
        diagnosed_by="巴中市中心医院",
    )
    rehab.record_application(county, case, on=start - dt.timedelta(days=10))
    return rehab.place_child(county, case, institution, start=start)


def yuan(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def documents_dir(settings, tmp_path):
    settings.TONGXING_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.TONGXING_DOCUMENTS_DIR
