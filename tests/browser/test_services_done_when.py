"""Issue #5's wheelchair story in real Chromium, for the citizen's part: signing in with
the mobile number, applying for a wheelchair and, once the staff have carried it to
handover and follow-up, rating it, by keyboard only; the wheelchair question and the
ended application pass axe-core. (The staff's part through the pages is in
tests/integration/test_services_done_when.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import factories
from tests.browser.conftest import CHROMIUM, PASSWORD, REGION, Session
from tests.browser.test_accessibility import MODES, Case, check_page
from tests.browser.test_keyboard import enter_and_wait, press_tab, tab_to
from tests.browser.test_portal_pages import follow_link, here
from tests.conftest import cast_member
from tests.provision.conftest import catalogue, centre
from tongxing.accounts.roles import Role
from tongxing.benefits.parameters import load_parameters
from tongxing.portal import actions as portal_actions
from tongxing.portal.models import ActingAs, ServiceRating
from tongxing.services import actions as service_actions
from tongxing.services.calendar import load_holidays
from tongxing.services.definitions import load_services
from tongxing.services.models import Application

__all__ = ["catalogue", "centre"]  # fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

PHONE = "13900000021"


@pytest.fixture
def me(village, citizen, settings, tmp_path):
    settings.TONGXING_DOCUMENTS_DIR = tmp_path / "documents"
    load_parameters(REGION)
    load_holidays(REGION)
    load_services(REGION)
    person = factories.make_person(village, name="陈宏", certificate={"category": 4, "grade": 1})
    portal_actions.link_citizen(village, citizen, person, ActingAs.SELF, phone=PHONE)
    service_actions.upload_document(village, person, "id_card", "身份证.pdf", b"%PDF-1.4 card")
    return person


def staff_carry_to_the_end(application: Application, village, county, provider, centre) -> None:
    """The village review, the county's assessment and (another officer's) decision, the
    centre's fitting, handover and follow-up, as their pages would record them."""
    reviewer = cast_member("county_reviewer", Role.COUNTY_OFFICER, "511902")
    service_actions.complete_step(village, application, "review", {"opinion": "情况属实"})
    service_actions.complete_step(
        county,
        application,
        "assessment",
        {"notes": "适配手动轮椅", "remote_guidance": False},
        facility=centre,
    )
    service_actions.approve_application(reviewer, application, "decision")
    service_actions.complete_step(
        provider, application, "fitting", {"fitted_item": "wheelchair_manual", "price": "560.00"}
    )
    service_actions.complete_step(provider, application, "handover", {})
    service_actions.complete_step(provider, application, "follow_up", {"follow_up_notes": "好"})


def test_a_citizen_applies_for_a_wheelchair_and_rates_it_by_keyboard_only(
    open_session, me, citizen, village, county, provider, centre
):
    session: Session = open_session()
    session.context.set_default_timeout(45_000)
    page = session.page
    session.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(PHONE)
    press_tab(page, "#id_password")
    page.keyboard.type(PASSWORD)
    enter_and_wait(page)
    assert page.url == session.url(f"/portal/person/{me.pk}/"), page.url

    follow_link(page, f"main a[href='/portal/person/{me.pk}/services/']")
    apply = f"/portal/person/{me.pk}/apply/assistive_device/"
    follow_link(page, f"main a[href='{apply}']")
    follow_link(page, f"main a[href='{apply}question/1/']")

    # The item: a radio group; the first is the manual wheelchair, Space picks it.
    check_page(session, Case("wheelchair-question", "citizen", ""), apply + "question/1/", MODES[0])
    tab_to(page, "#id_item_0")
    page.keyboard.press("Space")
    assert page.is_checked("#id_item_0")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    assert here(page) == session.url(apply + "question/2/")
    tab_to(page, "#id_need")
    page.keyboard.type("出门需要轮椅")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)

    # The ID card given before is offered and already chosen.
    assert here(page) == session.url(apply + "documents/")
    assert page.is_checked("#id_doc_id_card_0")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    assert here(page) == session.url(apply + "check/")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    application = Application.objects.get(person=me, service_type__code="assistive_device")
    assert application.answers == {"item": "wheelchair_manual", "need": "出门需要轮椅"}
    assert here(page) == session.url(f"/portal/application/{application.pk}/")

    staff_carry_to_the_end(application, village, county, provider, centre)
    application.refresh_from_db()
    assert (application.status, application.amount) == ("completed", Decimal("560.00"))

    # Below the cap the whole price is the subsidy; the citizen rates it from their page.
    follow_link(page, f"main a[href='/portal/person/{me.pk}/']")
    follow_link(page, f"main a[href='/portal/application/{application.pk}/']")
    check_page(
        session,
        Case("wheelchair-to-rate", "citizen", ""),
        f"/portal/application/{application.pk}/",
        MODES[0],
    )
    tab_to(page, "#id_stars_0")
    page.keyboard.press("Space")  # 5 stars
    tab_to(page, "#id_comment")
    page.keyboard.type("适配很耐心")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    rating = ServiceRating.objects.get()
    assert (rating.application_id, rating.stars, rating.comment, rating.facility_id) == (
        application.pk,
        5,
        "适配很耐心",
        centre.pk,
    )
    assert here(page) == session.url(f"/portal/application/{application.pk}/")
    assert page.locator("#id_stars_0").count() == 0  # rated: the form has gone
