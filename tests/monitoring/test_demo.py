"""The monitoring demo: hardships drawn once, the city screened for November and
December 2025, and a township officer finds explained cases; a second run changes nothing."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tests import factories
from tongxing.monitoring.demo import generate_monitoring_demo
from tongxing.monitoring.models import Circumstance, RiskCase, Screening, ScreeningResult


def test_the_demo_screens_the_demo_months_and_a_second_run_changes_nothing(
    loaded, village, township, client
):
    persons = [factories.make_person(village, name=f"演示{n}") for n in range(300)]
    report = generate_monitoring_demo("sichuan-bazhong", seed=7)
    assert report.hardships == Circumstance.objects.count() > 0
    assert [(s.month, s.area_id) for s in Screening.objects.order_by("month")] == [
        (dt.date(2025, 11, 1), "5119"),
        (dt.date(2025, 12, 1), "5119"),
    ]
    cases = RiskCase.objects.count()
    at_risk = ScreeningResult.objects.filter(month=dt.date(2025, 12, 1)).count()
    assert 0 < at_risk <= cases <= len(persons)
    again = generate_monitoring_demo("sichuan-bazhong", seed=7)
    assert again.hardships == 0
    assert (Circumstance.objects.count(), RiskCase.objects.count()) == (report.hardships, cases)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(township)
    case = RiskCase.objects.order_by("id").first()
    page = client.get(reverse("monitoring:person", args=[case.person_id])).content.decode()
    assert "Why: the screening of 2025-12" in page
    assert "risk found" in page
