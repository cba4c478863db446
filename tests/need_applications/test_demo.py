"""The demo starts applications from open needs once, and carries some to the end."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.services.conftest import applicant
from tests.surveys.conftest import fill_survey
from tongxing.accounts.demo import ensure_demo_accounts
from tongxing.services.demo import generate_services_demo
from tongxing.surveys.demo import NEED_DEMO_KEY, generate_need_applications_demo
from tongxing.surveys.models import NeedApplication, NeedStatus, Survey


@pytest.mark.usefixtures("documents_dir")
def test_the_demo_starts_applications_from_needs_once(definition):
    users = {u.username: u for u in ensure_demo_accounts()}
    assert generate_need_applications_demo(seed=3).created is False  # services demo not run
    generate_services_demo(seed=7)
    for n in range(16):
        person = applicant(users["village"], born=dt.date(1970 + n, 3, 1), category=5, grade=2)
        fill_survey(users["village"], person, definition, care_need=True, legal_aid_need=True)
    # The survey demo dates surveys in 2025; applications follow them up to 2025-12-31.
    Survey.objects.update(completed_at=dt.datetime(2025, 9, 1, tzinfo=dt.UTC))
    report = generate_need_applications_demo(seed=3)
    links = NeedApplication.objects.select_related("application", "need")
    assert report.created is True
    assert report.met > 0
    assert links.count() == report.started > 0
    assert all(link.application.idempotency_key.startswith(NEED_DEMO_KEY) for link in links)
    met = [link for link in links if link.need.status == NeedStatus.MET]
    assert len(met) == report.met
    assert all(link.application.status == "completed" for link in met)
    again = generate_need_applications_demo(seed=3)
    assert again.created is False
    assert NeedApplication.objects.count() == report.started
