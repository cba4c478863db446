"""Who may open each risk monitoring page, and what the pages show.

Staff outside the person's area get 404 (refusal audited); roles without the capability
403; anonymous visitors go to the login page. A refused change changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests import factories
from tongxing.core.models import AuditAction, AuditEvent, Job
from tongxing.monitoring import actions
from tongxing.monitoring.models import CaseStatus, Circumstance, CircumstanceKind, Measure, RiskCase

ROLES = (
    "anonymous",
    "village",
    "neighbour",
    "township",
    "county",
    "other_county",
    "city",
    "department",
    "provider",
    "auditor",
    "citizen",
)
VIEWERS = {"village", "neighbour", "township", "county", "other_county", "city"}
IN_AREA = {"village", "township", "county", "city"}
MANAGERS = {"village", "township", "county"}
RUNNERS = {"county", "other_county", "city"}
NOV = dt.date(2025, 11, 1)


@pytest.fixture
def case(loaded, village) -> RiskCase:
    person = factories.make_person(village, name="水灾户")
    actions.report_circumstance(
        village,
        person,
        CircumstanceKind.DISASTER,
        dt.date(2025, 11, 20),
        None,
        "洪水",
        dt.date(2026, 1, 1),
    )
    actions.screen_month("511902001", NOV)
    return RiskCase.objects.get()


def login(client, request, role):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def expected_list(role: str) -> int:
    if role == "anonymous":
        return 302
    return 200 if role in VIEWERS else 403


def expected_person(role: str, ok: int = 200, allowed: set[str] = IN_AREA) -> int:
    if role == "anonymous":
        return 302
    if role not in VIEWERS:
        return 403
    if role not in IN_AREA:
        return 404
    return ok if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_the_list_opens_for_staff_of_every_level(case, client, request, role):
    response = login(client, request, role).get(reverse("monitoring:case_list"))
    assert response.status_code == expected_list(role)
    if response.status_code == 200:
        shown = "水灾户" in response.content.decode()
        assert shown == (role in IN_AREA)


@pytest.mark.parametrize("role", ROLES)
def test_the_counts_over_time_open_for_staff_of_every_level(case, client, request, role):
    response = login(client, request, role).get(reverse("monitoring:counts"))
    assert response.status_code == expected_list(role)


@pytest.mark.parametrize("role", ROLES)
def test_the_export_is_for_staff_and_masks_id_numbers(case, client, request, role):
    response = login(client, request, role).get(reverse("monitoring:export"))
    assert response.status_code == expected_list(role)
    if response.status_code == 200:
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        number = case.person.id_number
        assert number not in body
        assert (case.person.masked_id_number in body) == (role in IN_AREA)
        assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_the_person_page_is_for_staff_of_the_persons_area(case, client, request, role):
    response = login(client, request, role).get(reverse("monitoring:person", args=[case.person_id]))
    assert response.status_code == expected_person(role)
    if role in ("neighbour", "other_county"):
        assert AuditEvent.objects.filter(
            action=AuditAction.REFUSED, person_id=case.person_id
        ).exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_who_meet_the_families_record_help(case, client, request, role):
    response = login(client, request, role).post(
        reverse("monitoring:add_measure", args=[case.person_id]),
        {
            "measure-kind": "temporary_assistance",
            "measure-started_on": "2025-12-02",
            "measure-detail": "临时救助",
        },
    )
    assert response.status_code == expected_person(role, 302, MANAGERS)
    assert Measure.objects.count() == (
        1 if response.status_code == 302 and role != "anonymous" else 0
    )


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_who_meet_the_families_close_a_case(case, client, request, role):
    response = login(client, request, role).post(
        reverse("monitoring:close", args=[case.person_id]), {"close-reason": "Rebuilt."}
    )
    assert response.status_code == expected_person(role, 302, MANAGERS)
    closed = role in MANAGERS
    assert RiskCase.objects.get().status == (CaseStatus.CLOSED if closed else CaseStatus.OPEN)


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_who_meet_the_families_report_a_hardship(case, client, request, role):
    response = login(client, request, role).post(
        reverse("monitoring:add_circumstance", args=[case.person_id]),
        {"hardship-kind": "disaster", "hardship-occurred_on": "2025-12-01", "hardship-note": ""},
    )
    assert response.status_code == expected_person(role, 302, MANAGERS)
    assert Circumstance.objects.count() == (2 if role in MANAGERS else 1)


@pytest.mark.parametrize("role", ROLES)
def test_county_and_city_officers_run_the_screening(loaded, client, request, role):
    response = login(client, request, role).post(reverse("monitoring:run"), {"month": "2025-11"})
    if role == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"]
    elif role in RUNNERS:
        assert response.status_code == 302
        assert Job.objects.get().params == {
            "area": request.getfixturevalue(role).area_id,
            "month": "2025-11-01",
        }
        return
    else:
        assert response.status_code == 403
    assert not Job.objects.exists()


def test_the_person_page_explains_each_rule(case, client, township):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(township)
    page = client.get(reverse("monitoring:person", args=[case.person_id])).content.decode()
    assert "Why: the screening of 2025-11" in page
    assert "damage from a disaster reported within the look-back period" in page
    assert "risk found" in page
    assert "disaster reported on: 2025-11-20" in page
    assert "monitoring.lookback_months</code> = 12" in page
    assert "not checked: a threshold has no value yet" in page
    assert "(unverified)" in page


def test_a_close_without_a_reason_shows_the_error_and_changes_nothing(case, client, township):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(township)
    response = client.post(reverse("monitoring:close", args=[case.person_id]), {"close-reason": ""})
    assert response.status_code == 400
    assert 'href="#id_close-reason"' in response.content.decode()
    assert RiskCase.objects.get().status == CaseStatus.OPEN


def test_the_counts_show_the_open_cases_per_area_and_month(case, client, city):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(city)
    page = client.get(reverse("monitoring:counts")).content.decode()
    assert "2025-11" in page
    assert "巴州区" in page
    township_page = client.get(reverse("monitoring:counts") + "?area=511902001").content.decode()
    assert "东城街道第1社区" in township_page
