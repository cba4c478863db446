"""The indicator pages in real Chromium: axe-core clean in Chinese (and at 200 % text), in
large text with high contrast and in English; the charts drawn by ECharts with the script,
and the same figures readable as tables without it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.conftest import CHROMIUM
from tests.browser.test_accessibility import Case, check_in_every_mode
from tongxing.areas.models import Area
from tongxing.indicators import actions
from tongxing.indicators.catalogue import load_indicators
from tongxing.indicators.models import Indicator, Origin, Snapshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

VALUES = {
    "resident_pension_rate": {"5119": "91.50", "511902": "88.20", "511921": "93.00"},
    "certified_persons": {"5119": "1234", "511902": "3", "511921": "410"},
    "zero_employment_households": {"5119": "42", "511902": "2", "511921": "11"},
}


@pytest.fixture
def figures(city):
    load_indicators("sichuan-bazhong")
    now = timezone.now()
    for code, by_area in VALUES.items():
        indicator = Indicator.objects.get(code=code)
        for area, value in by_area.items():
            for year in range(2021, 2026):
                Snapshot.objects.create(
                    indicator=indicator,
                    area_id=area,
                    year=year,
                    value=Decimal(value),
                    numerator=int(Decimal(value)) if indicator.is_count else 183,
                    denominator=None if indicator.is_count else 200,
                    origin=Origin.COMPUTED,
                    computed_at=now,
                )
    report = actions.generate_report(city, "annual", 2025, Area.objects.get(code="5119"))
    draft = actions.generate_report(city, "annual", 2024, Area.objects.get(code="5119"))
    actions.issue_report(city, report.pk)
    return {"issued": report.pk, "draft": draft.pk}


CASES = [
    Case("indicator dashboard", "city", "/indicators/?year=2025"),
    Case("indicator dashboard of a county", "county", "/indicators/?area=511902&year=2025"),
    Case("indicator with ranking", "city", "/indicators/resident_pension_rate/?year=2025"),
    Case("indicator in a township", "township", "/indicators/certified_persons/"),
    Case("reported values", "department", "/indicators/reported/"),
    Case("evaluation reports", "city", "/indicators/reports/"),
    Case("draft report with its narrative form", "city", "/indicators/reports/{draft}/"),
    Case("issued report", "city", "/indicators/reports/{issued}/"),
    Case("public plan page", None, "/open/plan/?area=511902&year=2025"),
    Case("public report", None, "/open/plan/reports/{issued}/"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_indicator_page_is_accessible(case: Case, request, open_session, figures):
    user = request.getfixturevalue(case.role) if case.role else None
    path = case.path.format(**figures)
    session = open_session(user)
    check_in_every_mode(session, case, path)


def test_the_charts_are_drawn_with_the_script_and_the_tables_stand_without_it(
    city, figures, browser, live_server, open_session
):
    session = open_session(city)
    session.goto("/indicators/resident_pension_rate/?year=2025")
    session.page.wait_for_selector(".chart svg")
    assert session.page.locator(".chart svg").count() == 2  # trend and ranking

    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/open/plan/?year=2025")
        assert page.locator("#public-caption").is_visible()
        assert "91.5" in page.locator("table").first.inner_text()
        page.goto(live_server.url + f"/open/plan/reports/{figures['issued']}/")
        assert page.locator(".chart").is_hidden()
        assert page.locator("#report-caption").is_visible()
    finally:
        context.close()
