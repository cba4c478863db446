"""The citizen portal in real Chromium: every page passes axe-core in Chinese, in large
text + high contrast and in English, and reflows at 200 % text; a citizen signs in with
their mobile number, applies for a service and rates another by keyboard only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests import factories
from tests.browser.conftest import CHROMIUM, PASSWORD, REGION, Session
from tests.browser.test_accessibility import (
    Case,
    check_in_every_mode,
    submit,
)
from tests.browser.test_keyboard import enter_and_wait, has_focus, press_tab, tab_to
from tests.services.conftest import DAY
from tongxing.benefits.parameters import load_parameters
from tongxing.portal import actions as portal_actions
from tongxing.portal.models import ActingAs, ServiceRating
from tongxing.services import actions as service_actions
from tongxing.services.calendar import load_holidays
from tongxing.services.definitions import load_services
from tongxing.services.models import Application

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

CITIZEN_PHONE = "13900000001"


@dataclass
class World:
    me: int  # the citizen's own person
    child: int
    refused: int  # an ended application, not yet rated


def make_world(village, county, citizen, settings, tmp_path) -> World:
    settings.TONGXING_DOCUMENTS_DIR = tmp_path / "documents"
    load_parameters(REGION)
    load_holidays(REGION)
    load_services(REGION)
    me = factories.make_person(village, name="张三", certificate={"category": 4, "grade": 1})
    child = factories.make_person(
        village,
        name="张小明",
        id_number=factories.new_id_number(dt.date(2021, 4, 2)),
        certificate={"category": 5, "grade": 2, "issue_date": dt.date(2024, 1, 10)},
    )
    portal_actions.link_citizen(village, citizen, me, ActingAs.SELF, phone=CITIZEN_PHONE)
    portal_actions.link_citizen(village, citizen, child, ActingAs.PARENT_OF_CHILD, relation="父亲")
    service_actions.upload_document(village, me, "id_card", "身份证.pdf", b"%PDF-1.4 card")
    application = service_actions.submit_application(
        citizen,
        me,
        "legal_aid",
        {"matter": "labour", "description": "拖欠工资", "urgent": "no"},
        day=DAY,
    )
    service_actions.complete_step(county, application, "intake", {"intake_note": "已受理"}, day=DAY)
    service_actions.refuse_application(
        county, application, "decision", reason="不属于法律援助范围", day=DAY
    )
    return World(me.pk, child.pk, application.pk)


@pytest.fixture
def open_session(open_session):
    """The shared fixture with a longer timeout: the first person page of a run compiles the
    benefit engine's queries, which takes seconds on a busy machine."""

    def open_(*args, **kwargs) -> Session:
        session = open_session(*args, **kwargs)
        session.context.set_default_timeout(45_000)
        return session

    return open_


@pytest.fixture
def world(village, county, citizen, settings, tmp_path) -> World:
    return make_world(village, county, citizen, settings, tmp_path)


def reveal(session: Session) -> None:
    submit(session, "main form[action$='certificate-number/'] button")


def empty_answer(session: Session) -> None:
    submit(session)


def rated(session: Session) -> None:
    session.page.check("#id_stars_1")
    submit(session)


APPLY = "/portal/person/{me}/apply/home_renovation/"
CASES = [
    Case("portal-home", "citizen", "/portal/"),
    Case("portal-person", "citizen", "/portal/person/{me}/"),
    Case("portal-person-revealed", "citizen", "/portal/person/{me}/", then=reveal),
    Case("portal-ward", "citizen", "/portal/person/{child}/"),
    Case("portal-services", "citizen", "/portal/person/{me}/services/"),
    Case("portal-apply-start", "citizen", APPLY),
    Case("portal-question-error", "citizen", APPLY + "question/1/", then=empty_answer),
    Case("portal-question-choice", "citizen", APPLY + "question/2/"),
    Case("portal-documents", "citizen", APPLY + "documents/"),
    Case("portal-check", "citizen", APPLY + "check/"),
    Case("portal-application-to-rate", "citizen", "/portal/application/{refused}/"),
    Case("portal-application-rated", "citizen", "/portal/application/{refused}/", then=rated),
    Case("portal-ratings", "county", "/portal/ratings/"),
    Case("portal-not-for-staff", "village", "/portal/", status=403),
    Case("portal-staff-links", "village", "/portal/staff/person/{child}/"),
    Case("portal-staff-links-error", "village", "/portal/staff/person/{me}/", then=empty_answer),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_portal_page_is_accessible(case: Case, request, open_session, world):
    user = request.getfixturevalue(case.role)
    path = case.path.format(me=world.me, child=world.child, refused=world.refused)
    if case.name == "portal-ratings":
        portal_actions.rate_service(request.getfixturevalue("citizen"), world.refused, 4, "还行")
    session = open_session(user)
    # Rated in the first mode: from then on the page shows the rating, not the form.
    rated = (
        Case(case.name, case.role, case.path) if case.name == "portal-application-rated" else None
    )
    check_in_every_mode(session, case, path, later_case=rated)


def test_the_portal_reflows_on_a_narrow_phone_screen(open_session, world, citizen):
    from tests.browser.test_accessibility import assert_reflows

    session = open_session(citizen, width=320, height=640)
    for path in (f"/portal/person/{world.me}/", f"/portal/application/{world.refused}/"):
        session.goto(path)
        assert_reflows(session.page, f"320 px {path}")


# --- keyboard only -----------------------------------------------------------------------


def here(page) -> str:
    """The page's URL without the fragment the browser keeps from an error summary link."""
    return page.url.split("#")[0]


def follow_link(page, selector: str) -> None:
    tab_to(page, selector)
    enter_and_wait(page)


def test_a_citizen_signs_in_applies_and_rates_by_keyboard_only(open_session, world, citizen):
    session = open_session()
    page = session.page
    session.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(CITIZEN_PHONE)
    press_tab(page, "#id_password")
    page.keyboard.type(PASSWORD)
    enter_and_wait(page)
    assert page.url == session.url("/portal/"), page.url

    follow_link(page, f"main a[href='/portal/person/{world.me}/']")
    follow_link(page, f"main a[href='/portal/person/{world.me}/services/']")
    apply = f"/portal/person/{world.me}/apply/home_renovation/"
    follow_link(page, f"main a[href='{apply}']")
    follow_link(page, f"main a[href='{apply}question/1/']")

    # Question 1: sending it empty puts focus on the error summary, whose link leads back.
    tab_to(page, "#id_needs")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    assert has_focus(page, "#error-summary")
    press_tab(page, "#error-summary a[href='#id_needs']")
    page.keyboard.press("Enter")
    assert has_focus(page, "#id_needs")
    page.keyboard.type("门口台阶太高")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)

    # Question 2, a yes/no choice: arrows move within the group, Space picks.
    assert here(page) == session.url(apply + "question/2/")
    tab_to(page, "#id_owner_consent_0")
    page.keyboard.press("Space")
    assert page.is_checked("#id_owner_consent_0")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)

    # Documents: the ID card given before is offered and already chosen; the photo may wait.
    assert here(page) == session.url(apply + "documents/")
    assert page.is_checked("#id_doc_id_card_0")
    assert page.is_checked("#id_doc_home_photo_1")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)

    assert here(page) == session.url(apply + "check/")
    assert "门口台阶太高" in page.inner_text("main dl")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    application = Application.objects.get(person_id=world.me, service_type__code="home_renovation")
    assert here(page) == session.url(f"/portal/application/{application.pk}/")
    assert application.answers == {"needs": "门口台阶太高", "owner_consent": True}
    assert application.submitted_by == citizen

    # Rating the refused legal aid application, reached from the person's page.
    follow_link(page, f"main a[href='/portal/person/{world.me}/']")
    follow_link(page, f"main a[href='/portal/application/{world.refused}/']")
    tab_to(page, "#id_stars_0")
    page.keyboard.press("ArrowDown")  # 5 stars -> 4 stars
    assert page.is_checked("#id_stars_1")
    tab_to(page, "#id_comment")
    page.keyboard.type("办事员很耐心")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    rating = ServiceRating.objects.get()
    assert (rating.application_id, rating.stars, rating.comment) == (
        world.refused,
        4,
        "办事员很耐心",
    )
    assert "4" in page.inner_text("main")
