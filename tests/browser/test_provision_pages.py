"""The device and child-rehabilitation pages pass axe-core in real Chromium in Chinese
(and at 200 % text), in large text + high contrast and in English, with an error summary
shown after a failed post where the page has a form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from tests.browser.conftest import CHROMIUM, REGION
from tests.browser.test_accessibility import Case, check_in_every_mode
from tongxing.areas.models import Area
from tongxing.benefits.parameters import load_parameters
from tongxing.devices import actions as devices
from tongxing.devices.catalogue import load_catalogue
from tongxing.devices.models import CatalogueItem
from tongxing.rehab import actions as rehab
from tongxing.services.actions import FacilityData, add_facility_member, create_facility
from tongxing.services.models import FacilityKind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]
DAY = dt.date(2025, 6, 2)


def build_world(village, county, city, provider) -> dict[str, int]:
    load_parameters(REGION)
    load_catalogue(REGION)
    centre = create_facility(
        county,
        FacilityData(
            name="巴州区辅具服务中心",
            kind=FacilityKind.DEVICE_CENTRE,
            area=Area.objects.get(code="511902"),
        ),
    )
    add_facility_member(county, centre, provider)
    chair = CatalogueItem.objects.get(code="wheelchair_manual")
    loans = devices.add_loan_items(provider, centre, chair, ["LW-01", "LW-02"], on=DAY)
    person = factories.make_person(village, name="张轮椅", certificate={"category": 4, "grade": 1})
    devices.lend_item(provider, loans[1], person, on=DAY)
    case = devices.open_case(county, person, chair)
    devices.record_assessment(county, case, on=DAY, notes="需要轮椅", centre=centre)
    devices.record_fitting(provider, case, on=DAY, item=chair, price=Decimal("1180.00"))
    devices.hand_over(provider, case, on=DAY)
    chengdu = create_facility(
        city,
        FacilityData(
            name="成都市儿童康复中心",
            kind=FacilityKind.REHAB_INSTITUTION,
            region="四川省成都市",
            designated=True,
            designated_from=dt.date(2023, 1, 1),
            designated_until=dt.date(2026, 12, 31),
            mutual_recognition=True,
        ),
    )
    add_facility_member(city, chengdu, provider)
    kid = factories.make_person(
        village,
        name="李小宝",
        id_number=factories.new_id_number(dt.date(2021, 3, 15)),
        certificate={"category": 5, "grade": 2, "issue_date": dt.date(2024, 1, 10)},
    )
    rehab_case = rehab.record_screening(county, kid, on=dt.date(2025, 5, 1), result="语言发育迟缓")
    rehab.record_diagnosis(
        county, rehab_case, on=dt.date(2025, 5, 10), diagnosis="智力障碍", diagnosed_by="医院"
    )
    rehab.record_application(county, rehab_case, on=dt.date(2025, 5, 20))
    placement = rehab.place_child(county, rehab_case, chengdu, start=DAY)
    rehab.record_service(
        provider, placement, month=dt.date(2025, 6, 1), sessions=8, amount=Decimal("1200.00")
    )
    settlement = rehab.settle_month(city, chengdu, dt.date(2025, 6, 1))
    return {
        "centre": centre.pk,
        "loan": loans[0].pk,
        "case": case.pk,
        "institution": chengdu.pk,
        "rehab_case": rehab_case.pk,
        "settlement": settlement.pk,
    }


def fail_lend(session) -> None:
    session.page.click("form:has(input[value=lend]) button[type=submit]")
    session.page.wait_for_selector("#error-summary")


def fail_settle(session) -> None:
    session.page.fill("#id_settle-month", "2025-06")
    session.page.click("form:has(input[value=settle]) button[type=submit]")
    session.page.wait_for_selector("#error-summary")


CASES = [
    Case("devices home", "county", "/devices/"),
    Case("device centre", "provider", "/devices/centres/{centre}/"),
    Case("loan item", "provider", "/devices/loan-items/{loan}/"),
    Case("loan item with errors", "provider", "/devices/loan-items/{loan}/", then=fail_lend),
    Case("device case", "county", "/devices/cases/{case}/"),
    Case("rehab home", "county", "/rehab/"),
    Case("rehab institution (provider)", "provider", "/rehab/institutions/{institution}/"),
    Case("rehab institution (city)", "city", "/rehab/institutions/{institution}/"),
    Case("rehab settle error", "city", "/rehab/institutions/{institution}/", then=fail_settle),
    Case("rehab case", "county", "/rehab/cases/{rehab_case}/"),
    Case("settlement statement", "city", "/rehab/settlements/{settlement}/"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_provision_page_is_accessible(case: Case, request, open_session):
    village, county, city = (request.getfixturevalue(r) for r in ("village", "county", "city"))
    provider = request.getfixturevalue("provider")
    path = case.path.format(**build_world(village, county, city, provider))
    user = request.getfixturevalue(case.role)
    session = open_session(user)
    check_in_every_mode(session, case, path)
