"""Keyboard only: Tab / Shift+Tab, typing, Space for checkboxes, Enter to submit; no clicks.

A county officer registers a person, recovers from a wrong ID check character through the
error summary, and lands on the person's page; the skip link is the first Tab stop; focus is
always visible; the large-text / high-contrast switch works by keyboard and is remembered.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.browser.conftest import CHROMIUM, PASSWORD, Session
from tongxing.registry.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


# --- helpers -----------------------------------------------------------------------------


def has_focus(page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def describe_focus(page) -> str:
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return e ? e.outerHTML.slice(0, 120) : 'nothing'; }"""
    )


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until ``selector`` has focus; fail if it is never reached."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if has_focus(page, selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} is not reachable with {key}; focus: {describe_focus(page)}")


def press_tab(page, expected: str, key: str = "Tab") -> None:
    """One Tab must land exactly on ``expected`` (checks the focus order)."""
    page.keyboard.press(key)
    assert has_focus(page, expected), f"{key} went to {describe_focus(page)}, not {expected}"


def enter_and_wait(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


_DATE_ORDERS = ("%m%d%Y", "%Y%m%d", "%d%m%Y", "%Y/%m/%d")


def date_keys(session: Session, day: dt.date) -> str:
    """The keys that type ``day`` into this Chromium's date field (its order follows the
    browser's own locale), found on a scratch page so the form is typed into only once."""
    scratch = session.context.new_page()
    try:
        scratch.set_content('<input type="date" id="d" aria-label="d">')
        for order in _DATE_ORDERS:
            scratch.fill("#d", "")
            scratch.focus("#d")
            scratch.keyboard.type(day.strftime(order))
            if scratch.input_value("#d") == day.isoformat():
                return day.strftime(order)
    finally:
        scratch.close()
    raise AssertionError("could not type a date into Chromium's date field")


def log_in_by_keyboard(session: Session, username: str) -> None:
    page = session.page
    session.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    press_tab(page, "#id_password")
    page.keyboard.type(PASSWORD)
    enter_and_wait(page)
    assert page.url == session.url("/"), page.url


def html_classes(page) -> list[str]:
    return page.evaluate("document.documentElement.className").split()


# --- registering a person ------------------------------------------------------------------


def test_county_officer_registers_a_person_by_keyboard(county, open_session):
    session = open_session(county)
    page = session.page
    good_id = factories.new_id_number(dt.date(1975, 3, 9))
    wrong_id = good_id[:-1] + ("1" if good_id[-1] != "1" else "2")
    issue_date_keys = date_keys(session, dt.date(2024, 6, 1))
    session.goto("/persons/new/")

    press_tab(page, ".skip-link")
    tab_to(page, "#id_name")
    page.keyboard.type("王五")
    press_tab(page, "#id_id_number")
    page.keyboard.type(wrong_id)

    tab_to(page, "#id_hukou_type")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # rural, after "— choose —" and urban
    assert page.input_value("#id_hukou_type") == "rural"

    tab_to(page, "#id_area")
    page.keyboard.press("ArrowDown")  # the first village, after "— choose —"
    assert page.input_value("#id_area") == factories.VILLAGE
    press_tab(page, "#id_address")
    page.keyboard.type("东城街道2号")
    press_tab(page, "#id_area", "Shift+Tab")  # back, and forward again
    press_tab(page, "#id_address")

    tab_to(page, "#id_category")
    page.keyboard.press("End")  # the last category: multiple
    assert page.input_value("#id_category") == "7"
    press_tab(page, "#id_multiple_detail_0")
    page.keyboard.press("Space")
    press_tab(page, "#id_multiple_detail_1")
    page.keyboard.press("Space")
    assert page.is_checked("#id_multiple_detail_0") and page.is_checked("#id_multiple_detail_1")
    tab_to(page, "#id_grade")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # grade 2, after "— choose —" and grade 1
    assert page.input_value("#id_grade") == "2"

    tab_to(page, "#id_issue_date")
    page.keyboard.type(issue_date_keys)
    assert page.input_value("#id_issue_date") == "2024-06-01"
    tab_to(page, "main form button[type=submit]")
    enter_and_wait(page)

    # The error summary is announced (role=alert), has focus, and names only the ID number.
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    assert has_focus(page, "#error-summary"), describe_focus(page)
    links = summary.locator("a")
    assert links.count() == 1, summary.inner_text()
    assert links.first.get_attribute("href") == "#id_id_number"
    assert page.get_attribute("#id_id_number", "aria-invalid") == "true"
    described_by = page.get_attribute("#id_id_number", "aria-describedby").split()
    assert "id_id_number_error" in described_by
    assert page.inner_text("#id_id_number_error").strip()

    # Its link moves focus to the field; the values typed before are kept.
    press_tab(page, "#error-summary a[href='#id_id_number']")
    page.keyboard.press("Enter")
    assert has_focus(page, "#id_id_number"), describe_focus(page)
    assert page.input_value("#id_area") == factories.VILLAGE
    assert page.is_checked("#id_multiple_detail_1")

    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(good_id)
    enter_and_wait(page)  # Enter in a text field submits the form

    person = Person.objects.with_id_number(good_id).get()
    # (the browser keeps the #id_id_number fragment across the redirect)
    assert page.url.split("#")[0] == session.url(f"/persons/{person.pk}/")
    assert page.inner_text("h1") == "王五"
    assert "王五" in page.inner_text(".messages[role=status]")
    assert person.certificate.category == 7
    assert person.certificate.multiple_detail == "1,2"
    assert person.certificate.grade == 2


# --- skip link and visible focus ----------------------------------------------------------


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(county, open_session):
    session = open_session(county)
    page = session.page
    session.goto("/persons/")
    press_tab(page, "a.skip-link")
    box = page.locator("a.skip-link").bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0, "skip link not shown on focus"
    page.keyboard.press("Enter")
    assert has_focus(page, "main#main"), describe_focus(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)"), (
        describe_focus(page)
    )


FOCUS_STYLE_JS = """() => {
  const e = document.activeElement, cs = getComputedStyle(e);
  return {html: e.outerHTML.slice(0, 80), style: cs.outlineStyle,
          width: parseFloat(cs.outlineWidth), color: cs.outlineColor};
}"""


@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high-contrast"])
def test_focus_is_visible_on_every_kind_of_control(high_contrast, county, open_session):
    county.high_contrast = high_contrast
    county.save(update_fields=["high_contrast"])
    session = open_session(county)
    page = session.page
    session.goto("/persons/?q=x")
    targets = [
        "a.skip-link",
        ".display-switch input[name=large_text]",
        ".display-switch button",
        "#language-select",
        "nav a",
        "#id_q",
        "#id_category",
        "main form button[type=submit]",
        "main form a",
        ".table-scroll",
    ]
    seen = []
    for selector in targets:
        tab_to(page, selector)
        style = page.evaluate(FOCUS_STYLE_JS)
        seen.append(style)
        assert style["style"] != "none" and style["width"] > 0, f"no visible focus: {style}"
    assert len({s["color"] for s in seen}) == 1, seen


# --- the large-text / high-contrast switch --------------------------------------------------


def toggle_display_by_keyboard(page) -> None:
    tab_to(page, ".display-switch input[name=large_text]")
    page.keyboard.press("Space")
    press_tab(page, ".display-switch input[name=high_contrast]")
    page.keyboard.press("Space")
    press_tab(page, ".display-switch button[type=submit]")
    enter_and_wait(page)


def assert_large_high_contrast(page) -> None:
    assert html_classes(page) == ["large-text", "high-contrast"]
    computed = page.evaluate(
        "[getComputedStyle(document.documentElement).fontSize,"
        " getComputedStyle(document.body).backgroundColor,"
        " getComputedStyle(document.documentElement).colorScheme]"
    )
    # 137.5 % of 16 px; black page; the browser draws its own control parts for a dark page
    assert computed == ["22px", "rgb(0, 0, 0)", "dark"], computed
    assert page.is_checked(".display-switch input[name=large_text]")
    assert page.is_checked(".display-switch input[name=high_contrast]")


def test_display_switch_by_keyboard_is_remembered_after_reload_and_new_login(county, open_session):
    session = open_session()
    page = session.page
    log_in_by_keyboard(session, "county")
    assert html_classes(page) == []

    toggle_display_by_keyboard(page)
    assert page.url == session.url("/")
    assert_large_high_contrast(page)
    page.reload()
    assert_large_high_contrast(page)

    tab_to(page, ".account button[type=submit]")
    enter_and_wait(page)
    assert page.url.startswith(session.url("/accounts/login/")), page.url
    log_in_by_keyboard(session, "county")
    assert_large_high_contrast(page)

    toggle_display_by_keyboard(page)  # and off again
    assert html_classes(page) == []
    county.refresh_from_db()
    assert (county.large_text, county.high_contrast) == (False, False)


def test_display_switch_chosen_before_signing_in_is_kept(county, open_session):
    session = open_session()
    page = session.page
    session.goto("/accounts/login/")
    toggle_display_by_keyboard(page)
    assert page.url == session.url("/accounts/login/"), page.url
    session.goto("/accounts/login/")
    assert_large_high_contrast(page)

    log_in_by_keyboard(session, "county")
    assert_large_high_contrast(page)
