"""axe-core, reflow and the three display modes for every risk monitoring page (its own
file, so as not to grow the shared CASES list)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.browser.conftest import CHROMIUM, Session
from tests.browser.test_accessibility import Case, check_in_every_mode, submit
from tongxing.benefits.parameters import load_parameters
from tongxing.monitoring import actions
from tongxing.monitoring.models import CircumstanceKind
from tongxing.monitoring.ruleset import load_risk_rules

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]
REGION = "sichuan-bazhong"


def fail_close(session: Session) -> None:
    submit(session, "form[action$='/close/'] button[type=submit]")


def fail_measure(session: Session) -> None:
    submit(session, "form[action$='/measure/'] button[type=submit]")


CASES = [
    Case("risk list", "township", "/monitoring/"),
    Case("risk list for a runner", "county", "/monitoring/?status=&level=low"),
    Case("open cases over time", "city", "/monitoring/counts/"),
    Case("open cases of a township", "city", "/monitoring/counts/?area=511902001"),
    Case("risk person", "township", "/monitoring/person/{pk}/"),
    Case("risk close refused", "township", "/monitoring/person/{pk}/", then=fail_close),
    Case("risk help refused", "village", "/monitoring/person/{pk}/", then=fail_measure),
]


def risk_case(village) -> int:
    load_parameters(REGION)
    load_risk_rules(REGION)
    person = factories.make_person(village, name="水灾户", certificate={"grade": 1})
    actions.report_circumstance(
        village,
        person,
        CircumstanceKind.DISASTER,
        dt.date(2025, 11, 20),
        None,
        "洪水",
        dt.date(2026, 1, 1),
    )
    actions.screen_month("511902001", dt.date(2025, 11, 1))
    actions.screen_month("511902001", dt.date(2025, 12, 1))
    return person.pk


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_monitoring_page_is_accessible(case: Case, request, open_session):
    user = request.getfixturevalue(case.role)
    path = case.path.format(pk=risk_case(request.getfixturevalue("village")))
    session = open_session(user)
    check_in_every_mode(session, case, path)
