"""The facility management pages in real Chromium with axe-core: adding a facility (and
its error summary), changing one, and its provider accounts; in Chinese at 200 % text,
in large text + high contrast, and in English."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM
from tests.browser.test_accessibility import Case, check_in_every_mode
from tongxing.services.models import Facility, FacilityKind, FacilityMember

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


def submit_empty(session) -> None:
    session.page.click("main form button[type=submit]")
    session.page.wait_for_selector("#error-summary")


CASES = [
    Case("add a facility", "city", "/services/facilities/new/"),
    Case(
        "add a facility, nothing entered", "county", "/services/facilities/new/", then=submit_empty
    ),
    Case("change a facility", "county", "/services/facilities/{facility}/edit/"),
    Case("provider accounts", "county", "/services/facilities/{facility}/members/"),
]


@pytest.fixture
def facility(request):
    provider = request.getfixturevalue("provider")
    home = Facility.objects.create(
        name="巴州区阳光家园", kind=FacilityKind.CARE_INSTITUTION, area_id="511902", capacity=20
    )
    FacilityMember.objects.create(facility=home, user=provider)
    return home.pk


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_facility_management_page_is_accessible(case: Case, request, open_session, facility):
    session = open_session(request.getfixturevalue(case.role))
    check_in_every_mode(session, case, case.path.format(facility=facility))
