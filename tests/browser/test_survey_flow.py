"""A village worker fills in a needs survey on a phone (390 × 844), by keyboard only.

Tab / Shift+Tab, arrow keys for a radio group, Space for a checkbox, Enter to submit; no
clicks. An answer that contradicts the certificate is flagged on the screen and confirmed;
the page is reloaded mid-survey (as after a dropped connection) and the survey resumes on
the screen it stopped at; every screen passes axe-core; the review completes it and the
stated needs are open.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests import factories
from tests.browser.conftest import CHROMIUM, Session
from tests.browser.test_accessibility import assert_ids_resolve, assert_no_axe_violations
from tests.browser.test_keyboard import enter_and_wait, has_focus, tab_to
from tongxing.surveys.definitions import load_surveys
from tongxing.surveys.models import Need, Survey, SurveyStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

PHONE = {"width": 390, "height": 844}


def choose(page, name: str, value: str) -> None:
    """Tab into a radio group, then arrow to ``value`` (arrows also select)."""
    tab_to(page, f"input[name={name}]")
    for _ in range(10):
        if has_focus(page, f"input[name={name}][value='{value}']"):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.is_checked(f"input[name={name}][value='{value}']"), name


def tick(page, selector: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Space")
    assert page.is_checked(selector), selector


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def save_screen(session: Session, expected_next: str) -> None:
    page = session.page
    tab_to(page, "form.survey-step button[type=submit]")
    enter_and_wait(page)
    assert page.url.endswith(expected_next), page.url


def check_screen(session: Session, title: str) -> None:
    page = session.page
    assert page.inner_text("h1").strip() == title
    assert_no_axe_violations(page, title)
    assert_ids_resolve(page, title)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"{title} scrolls sideways on a phone: {width}"


def test_a_village_worker_surveys_a_person_on_a_phone_by_keyboard(village, open_session):
    load_surveys("sichuan-bazhong")
    person = factories.make_person(village, name="王小二", certificate={"category": 4, "grade": 2})
    age = str(person.age_on(timezone.localdate()))
    session = open_session(village, **PHONE)
    page = session.page
    base = f"/surveys/2025/persons/{person.pk}/"

    session.goto(base)
    assert_no_axe_violations(page, "survey start")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    assert page.url.endswith(base + "screens/basic/"), page.url

    # Screen 1: the category answered differently from the certificate.
    check_screen(session, "基本情况")
    type_into(page, "#id_age", age)
    choose(page, "disability_category", "2")
    choose(page, "mobility", "wheelchair")
    choose(page, "lives_alone", "yes")
    choose(page, "has_caregiver", "no")
    choose(page, "power_dependent_device", "yes")
    save_screen(session, base + "screens/basic/")
    assert "与登记信息不符" in page.inner_text("#flag-disability_category")
    check_screen(session, "基本情况")
    survey = Survey.objects.get()
    assert survey.flags["disability_category"] == {
        "registry": "4",
        "answer": "2",
        "confirmed": False,
    }
    tick(page, "#id_confirm_disability_category")
    save_screen(session, base + "screens/rehabilitation/")

    check_screen(session, "康复需求")
    choose(page, "rehabilitation_need", "yes")
    save_screen(session, base + "screens/assistive_devices/")

    # The connection drops: the screen is reloaded, then the survey is opened again.
    page.reload()
    check_screen(session, "辅助器具需求")
    session.goto(base + "?resume=1")
    assert page.url.endswith(base + "screens/assistive_devices/"), page.url
    assert Survey.objects.get().saved_groups == ["basic", "rehabilitation"]

    tick(page, "#id_device_need_0")
    save_screen(session, base + "screens/education_employment/")

    check_screen(session, "教育和就业")
    choose(page, "education_need", "no")
    choose(page, "employment_status", "farming")
    choose(page, "employment_need", "no")
    save_screen(session, base + "screens/care_home/")

    check_screen(session, "照护和无障碍改造")
    choose(page, "care_need", "yes")
    choose(page, "home_renovation_need", "no")
    save_screen(session, base + "screens/subsidies_legal/")

    check_screen(session, "补贴和法律援助")
    choose(page, "subsidy_need", "no")
    choose(page, "legal_aid_need", "no")
    save_screen(session, base + "screens/culture_sports/")

    check_screen(session, "文化体育")
    save_screen(session, base + "screens/income_insurance/")

    check_screen(session, "收入和保险")
    type_into(page, "#id_household_income", "6000")
    choose(page, "medical_insurance", "yes")
    choose(page, "pension_insurance", "yes")
    save_screen(session, base + "review/")

    # Not yet done until completed on the review screen.
    assert Survey.objects.get().status == SurveyStatus.IN_PROGRESS
    assert_no_axe_violations(page, "review")
    assert "已核对" in page.inner_text("main")
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)
    assert page.url.endswith(base), page.url
    assert_no_axe_violations(page, "completed survey")

    survey = Survey.objects.get()
    assert survey.status == SurveyStatus.COMPLETED
    assert survey.flags["disability_category"]["confirmed"] is True
    assert sorted(Need.objects.values_list("kind", flat=True)) == [
        "assistive_device",
        "care",
        "rehabilitation",
    ]
