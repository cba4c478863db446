"""Loading service types from the region pack: idempotent, and a bad file is named with
its line and reason while nothing is loaded."""

from __future__ import annotations

import shutil

import pytest

from tongxing.services.calendar import HolidayFileError, load_holidays
from tongxing.services.definitions import ServiceFileError, load_services
from tongxing.services.models import ServiceType

GENERIC = {"care_services", "certificate_home", "education_aid", "home_renovation", "legal_aid"}


@pytest.fixture
def pack(settings, tmp_path):
    source = settings.TONGXING_REGIONS_DIR / "sichuan-bazhong"
    copy = tmp_path / "sichuan-bazhong"
    copy.mkdir()
    shutil.copy(source / "region.yaml", copy / "region.yaml")
    shutil.copytree(source / "services", copy / "services")
    shutil.copytree(source / "holidays", copy / "holidays")
    settings.TONGXING_REGIONS_DIR = tmp_path
    return copy


def test_the_generic_service_types_load_and_a_second_load_changes_nothing(db):
    first = load_services("sichuan-bazhong")
    assert set(ServiceType.objects.values_list("code", flat=True)) >= GENERIC
    assert first.created >= len(GENERIC)
    again = load_services("sichuan-bazhong")
    assert (again.created, again.updated) == (0, 0)


def test_a_step_with_an_unknown_role_is_named_with_its_line_and_nothing_loads(db, pack):
    path = pack / "services" / "legal_aid.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("role: county_officer", "role: mayor", 1), encoding="utf-8")
    line = next(
        n
        for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "mayor" in row
    )
    with pytest.raises(ServiceFileError) as error:
        load_services("sichuan-bazhong")
    assert [str(p) for p in error.value.problems] == [
        f"sichuan-bazhong/services/legal_aid.yaml line {line}: steps[0].role: must be one of "
        "village_worker, township_officer, county_officer, city_officer, provider"
    ]
    assert ServiceType.objects.count() == 0


def test_a_provider_step_before_any_facility_is_picked_is_refused(db, pack):
    path = pack / "services" / "legal_aid.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    facility_kind: legal_aid_station\n", ""), encoding="utf-8")
    with pytest.raises(ServiceFileError) as error:
        load_services("sichuan-bazhong")
    assert "a provider step needs an earlier step that picks the facility" in str(error.value)


def test_a_make_up_day_on_a_weekday_is_refused_with_its_line(db, pack):
    path = pack / "holidays" / "2026.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("date: 2026-01-04", "date: 2026-01-05"), encoding="utf-8")
    with pytest.raises(HolidayFileError) as error:
        load_holidays("sichuan-bazhong")
    (problem,) = error.value.problems
    assert (problem.key, problem.reason) == (
        "workdays[0].date",
        "a make-up working day falls on a weekend",
    )
    assert problem.line is not None
