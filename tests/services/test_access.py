"""The access matrix for every services page: each role of the cast against an
application of a person in 东城街道第1社区 placed at a care home the provider works for.

Roles without the capability get 403; staff outside the area, and roles that cannot see
the application, 404 (and the refusal is audited); anonymous visitors the login page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.services.conftest import DAY, applicant, document
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.services import actions

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
STAFF = {"village", "neighbour", "township", "county", "other_county", "city"}
OUTSIDE = {"neighbour", "other_county"}
SEES_APPLICATION = {"village", "township", "county", "city", "provider"}


def expected(role: str, allowed: set[str], *, scoped: bool = True) -> int:
    if role == "anonymous":
        return 302
    if role not in allowed:
        return 403
    if scoped and role in OUTSIDE:
        return 404
    return 200


def seen(role: str) -> int:
    if role == "anonymous":
        return 302
    return 200 if role in SEES_APPLICATION else 404


@pytest.fixture
def as_role(request, client, db):
    def login(role):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


@pytest.fixture
def placed(village, county, provider, care_home, documents_dir):
    person = applicant(village, born=dt.date(1990, 5, 1), category=5, grade=2)
    card = document(village, person)
    app = actions.submit_application(
        village,
        person,
        "care_services",
        {"mode": "day", "situation": "x"},
        {"id_card": card},
        day=DAY,
    )
    actions.complete_step(village, app, "review", {"opinion": "ok"}, day=DAY)
    actions.approve_application(county, app, "decision", day=DAY)
    actions.complete_step(county, app, "placement", facility=care_home, day=DAY)
    return app, card


@pytest.mark.parametrize("role", ROLES)
def test_the_inbox_is_for_roles_that_process_applications(as_role, role, services):
    response = as_role(role).get(reverse("services:inbox"))
    assert response.status_code == expected(role, STAFF | {"provider"}, scoped=False)


@pytest.mark.parametrize("role", ROLES)
def test_an_application_page_is_seen_in_its_area_and_by_its_facility_only(as_role, role, placed):
    app, _card = placed
    before = AuditEvent.objects.filter(action=AuditAction.REFUSED).count()
    response = as_role(role).get(reverse("services:application", args=[app.pk]))
    assert response.status_code == seen(role)
    refused = AuditEvent.objects.filter(action=AuditAction.REFUSED).count() - before
    assert refused == (1 if seen(role) == 404 else 0)


@pytest.mark.parametrize("role", ROLES)
def test_the_decision_letter_follows_the_application(as_role, role, placed):
    app, _card = placed
    response = as_role(role).get(reverse("services:decision_letter", args=[app.pk]))
    assert response.status_code == seen(role)


@pytest.mark.parametrize("role", ROLES)
def test_a_document_is_served_to_who_may_see_the_person_only(as_role, role, placed):
    _app, card = placed
    response = as_role(role).get(reverse("services:document", args=[card.pk]))
    assert response.status_code == seen(role)
    if response.status_code == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response) == b"%PDF-1.4 test"


@pytest.mark.parametrize("role", ROLES)
def test_a_persons_services_page_is_for_staff_of_the_area(as_role, role, placed):
    app, _card = placed
    response = as_role(role).get(reverse("services:person", args=[app.person_id]))
    assert response.status_code == expected(role, STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_the_apply_page_is_for_staff_of_the_area(as_role, role, placed):
    app, _card = placed
    response = as_role(role).get(reverse("services:apply", args=[app.person_id, "legal_aid"]))
    assert response.status_code == expected(role, STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_the_facilities_directory_is_for_staff_and_providers(as_role, role, care_home):
    client = as_role(role)
    assert client.get(reverse("services:facility_list")).status_code == expected(
        role, STAFF | {"provider"}, scoped=False
    )
    detail = client.get(reverse("services:facility_detail", args=[care_home.pk]))
    assert detail.status_code == expected(role, STAFF | {"provider"}, scoped=False)


@pytest.mark.parametrize("role", ROLES)
def test_the_clients_page_is_for_providers(as_role, role, care_home):
    response = as_role(role).get(reverse("services:provider_clients"))
    assert response.status_code == expected(role, {"provider"}, scoped=False)


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_step_out_of_scope_changes_nothing(as_role, role, placed):
    app, _card = placed
    response = as_role(role).post(
        reverse("services:application_step", args=[app.pk]),
        {"step": "admission", "step-f_start_date": "2025-11-10"},
    )
    app.refresh_from_db()
    if role == "provider":
        assert response.status_code == 302
        assert app.status == "completed"
    else:
        assert response.status_code in (302, 404)
        assert (app.status, app.current_step) == ("approved", "admission")
