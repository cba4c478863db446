"""Fixtures for the services tests: the parameters, service types and holiday tables
loaded; facilities in 巴州区 with the provider linked to them; a date inside 2025."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tongxing.areas.models import Area
from tongxing.benefits.parameters import load_parameters
from tongxing.registry.models import PersonFact, PersonFactKind
from tongxing.services import actions
from tongxing.services.calendar import load_holidays
from tongxing.services.definitions import load_services
from tongxing.services.models import Facility, FacilityKind, FacilityMember

REGION = "sichuan-bazhong"
DAY = dt.date(2025, 11, 3)  # a Monday


@pytest.fixture
def services(db):
    load_parameters(REGION)
    load_holidays(REGION)
    load_services(REGION)


def facility(kind: str, name: str, area_code: str | None = "511902", **values) -> Facility:
    area = Area.objects.get(code=area_code) if area_code else None
    return Facility.objects.create(name=name, kind=kind, area=area, **values)


@pytest.fixture
def care_home(services, provider):
    home = facility(FacilityKind.CARE_INSTITUTION, "巴州区阳光家园", capacity=2)
    FacilityMember.objects.create(facility=home, user=provider)
    return home


@pytest.fixture
def legal_station(services, provider):
    station = facility(FacilityKind.LEGAL_AID_STATION, "巴州区法律援助工作站")
    FacilityMember.objects.create(facility=station, user=provider)
    return station


@pytest.fixture
def contractor(services):
    return facility(FacilityKind.CONTRACTOR, "巴州区安居装饰有限公司")


def applicant(actor, born=dt.date(1990, 5, 1), area_code=factories.VILLAGE, **certificate):
    return factories.make_person(
        actor,
        id_number=factories.new_id_number(born),
        area_code=area_code,
        certificate={"issue_date": dt.date(2022, 3, 1), **certificate},
    )


def document(actor, person, kind="id_card", name="id.pdf", body=b"%PDF-1.4 test"):
    return actions.upload_document(actor, person, kind, name, body)


@pytest.fixture
def documents_dir(settings, tmp_path):
    settings.TONGXING_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.TONGXING_DOCUMENTS_DIR


def enrol(person, level: str = "junior", since: dt.date = dt.date(2024, 9, 1)) -> None:
    """The school fact the education department reports (what the benefit rule reads)."""
    PersonFact.objects.create(
        person=person, kind=PersonFactKind.SCHOOL, level=level, start_date=since, source="test"
    )
