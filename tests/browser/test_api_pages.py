"""The department API token pages pass axe-core and reflow, in Chinese (and at 200 %
text), in large text + high contrast and in English: the list with its form, the form's
error summary, the new token shown once, a token's page with its revoke form and its
summary of calls, and the call log with its filters (and their error summary)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.conftest import make_token
from tests.browser.conftest import CHROMIUM, Session
from tests.browser.test_accessibility import Case, check_in_every_mode, submit
from tongxing.api.models import ApiCall, ApiToken

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


def fail_create(session: Session) -> None:
    session.page.fill("#id_area", "4401")
    submit(session)
    session.page.wait_for_selector("#error-summary")


def create(session: Session) -> None:
    page = session.page
    page.fill("#id_name", "巴中公交 gate readers")
    page.select_option("#id_account", index=1)
    page.select_option("#id_purpose", "certificate.bus_ride")
    page.fill("#id_expires_on", (timezone.localdate() + dt.timedelta(days=90)).isoformat())
    submit(session)
    page.wait_for_selector("#new-token")


def fail_filter(session: Session) -> None:
    session.page.fill("#id_date_from", "2026-11-04")
    session.page.fill("#id_date_to", "2026-11-01")
    submit(session)
    session.page.wait_for_selector("#error-summary")


def fail_revoke(session: Session) -> None:
    submit(session)
    session.page.wait_for_selector("#error-summary")


CASES = [
    Case("API tokens", "city", "/api-clients/"),
    Case("API tokens: refused form", "city", "/api-clients/", then=fail_create),
    Case("API tokens: new token shown once", "city", "/api-clients/", then=create),
    Case("API token", "city", "/api-clients/{token}/"),
    Case("API token: refused revoke", "city", "/api-clients/{token}/", then=fail_revoke),
    Case("API call log", "auditor", "/api-clients/calls/"),
    Case("API call log: refused filter", "auditor", "/api-clients/calls/", then=fail_filter),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_api_token_page_is_accessible(case: Case, request, city, department, open_session):
    make_token(city, department, "findings.deaths")
    token = ApiToken.objects.get()
    for status, minute in ((200, 1), (403, 2), (None, 3)):
        ApiCall.objects.create(
            token=token if status else None,
            purpose=token.purpose if status else "",
            endpoint="read_findings",
            method="GET",
            status=status or 401,
            outcome="ok" if status == 200 else "refused",
            at=timezone.now() - dt.timedelta(minutes=minute),
        )
    path = case.path.format(token=token.pk)
    session = open_session(request.getfixturevalue(case.role))
    check_in_every_mode(session, case, path)
