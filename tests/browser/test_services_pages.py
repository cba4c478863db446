"""The services pages in real Chromium with axe-core: inbox, an application with its
decision forms (and a refusal's error summary), the apply form, a person's services,
the decision letter, the facilities directory and the provider's clients; in Chinese at
200 % text, in large text + high contrast, and in English."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.browser.conftest import CHROMIUM, REGION
from tests.browser.test_accessibility import Case, check_in_every_mode
from tongxing.benefits.parameters import load_parameters
from tongxing.services import actions
from tongxing.services.calendar import load_holidays
from tongxing.services.definitions import load_services
from tongxing.services.models import Application, Facility, FacilityKind, FacilityMember

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]
DAY = dt.date(2025, 11, 3)


def refuse_without_reason(session) -> None:
    session.page.click("form[action$='/refuse/'] button[type=submit]")
    session.page.wait_for_selector("#error-summary")


CASES = [
    Case("services inbox", "county", "/services/inbox/"),
    Case("application at its decision", "county", "/services/applications/{waiting}/"),
    Case(
        "refusal without a reason",
        "county",
        "/services/applications/{waiting}/",
        then=refuse_without_reason,
    ),
    Case("apply for care", "village", "/services/persons/{person}/apply/care_services/"),
    Case("a person's services", "village", "/services/persons/{person}/"),
    Case("decision letter", "county", "/services/applications/{placed}/letter/"),
    Case("facilities directory", "county", "/services/facilities/?kind=care_institution"),
    Case("facility", "provider", "/services/facilities/{facility}/"),
    Case("provider's clients", "provider", "/services/clients/"),
    Case("provider's step", "provider", "/services/applications/{placed}/"),
]


@pytest.fixture
def records(request, settings, tmp_path):
    settings.TONGXING_DOCUMENTS_DIR = tmp_path / "documents"
    village, county, provider = (
        request.getfixturevalue(r) for r in ("village", "county", "provider")
    )
    load_parameters(REGION)
    load_holidays(REGION)
    load_services(REGION)
    home = Facility.objects.create(
        name="巴州区阳光家园", kind=FacilityKind.CARE_INSTITUTION, area_id="511902", capacity=20
    )
    FacilityMember.objects.create(facility=home, user=provider)
    made = []
    for n in range(2):
        person = factories.make_person(
            village,
            name=f"李{n}",
            id_number=factories.new_id_number(dt.date(1990, 5, 1)),
            certificate={"category": 5, "grade": 2, "issue_date": dt.date(2022, 3, 1)},
        )
        card = actions.upload_document(village, person, "id_card", "id.pdf", b"%PDF-1.4 x")
        app = actions.submit_application(
            village,
            person,
            "care_services",
            {"mode": "day", "situation": "父母年迈"},
            {"id_card": card},
            day=DAY,
        )
        actions.complete_step(village, app, "review", {"opinion": "属实"}, day=DAY)
        made.append((person, app))
    placed = made[1][1]
    actions.approve_application(county, placed, "decision", day=DAY)
    actions.complete_step(county, placed, "placement", facility=home, day=DAY)
    return {
        "waiting": made[0][1].pk,
        "placed": placed.pk,
        "person": made[0][0].pk,
        "facility": home.pk,
    }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_services_page_is_accessible(case: Case, request, open_session, records):
    user = request.getfixturevalue(case.role)
    path = case.path.format(**records)
    session = open_session(user)
    check_in_every_mode(session, case, path)


def test_a_county_officer_approves_with_the_keyboard_only(request, open_session, records):
    county = request.getfixturevalue("county")
    session = open_session(county)
    session.goto(f"/services/applications/{records['waiting']}/")
    page = session.page
    page.focus("form[action$='/step/'] textarea")
    page.keyboard.type("同意")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".messages")
    application = Application.objects.get(pk=records["waiting"])
    assert (application.status, application.current_step) == ("approved", "placement")
    assert application.events.get(kind="approved").note == "同意"
