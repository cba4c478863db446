"""The "Start an application" button on a need, the pre-filled apply form, and the access
matrix of the new page (GET and POST)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.services.conftest import DAY
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.services.models import Application, Document
from tongxing.surveys import actions
from tongxing.surveys.models import NeedApplication

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
APPLIERS = {"village", "township", "county", "city"}  # APPLY_FOR_SERVICE, this area
OUTSIDE = {"neighbour", "other_county"}  # APPLY_FOR_SERVICE, another area


def expected(role: str) -> int:
    if role == "anonymous":
        return 302
    if role in OUTSIDE:
        return 404
    return 200 if role in APPLIERS else 403


@pytest.fixture
def as_role(request, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


def form_data(need, token="page-1"):
    card = Document.objects.get(person=need.person, kind="id_card")
    return {
        "token": token,
        "f_mode": "day",
        "f_situation": "独居",
        "doc_id_card": str(card.pk),
        "note": "",
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_pre_filled_form(role, as_role, care_need):
    response = as_role(role).get(reverse("surveys:need_apply", args=[care_need.pk]))
    assert response.status_code == expected(role)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_start_an_application_from_a_need(role, as_role, care_need):
    response = as_role(role).post(
        reverse("surveys:need_apply", args=[care_need.pk]), form_data(care_need)
    )
    if expected(role) == 200:
        application = Application.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("services:application", args=[application.pk])
        assert NeedApplication.objects.get().need == care_need
    else:
        assert response.status_code == expected(role)
        assert (Application.objects.count(), NeedApplication.objects.count()) == (0, 0)


def test_a_neighbour_is_refused_with_404_and_the_refusal_is_audited(as_role, care_need):
    response = as_role("neighbour").post(
        reverse("surveys:need_apply", args=[care_need.pk]), form_data(care_need)
    )
    assert response.status_code == 404
    assert Application.objects.count() == 0
    assert AuditEvent.objects.filter(
        action=AuditAction.REFUSED, person_id=care_need.person_id
    ).exists()


def test_the_form_opens_pre_filled_with_the_kept_document_offered(as_role, care_need):
    card = Document.objects.get(person=care_need.person)
    page = as_role("village").get(reverse("surveys:need_apply", args=[care_need.pk]))
    html = page.content.decode()
    assert "For the need for Care stated in the 2025 survey" in html
    assert "行动能力：使用轮椅\n是否独居：Yes\n是否有固定的照料人：No</textarea>" in html
    assert f'<option value="{card.pk}" selected>' in html


def test_the_need_list_offers_the_button_then_links_the_application(as_role, care_need):
    client = as_role("village")
    apply_url = reverse("surveys:need_apply", args=[care_need.pk])
    html = client.get(reverse("surveys:need_list")).content.decode()
    assert f'href="{apply_url}">Start an application: Care of {care_need.person.name}' in html
    client.post(apply_url, form_data(care_need))
    application = Application.objects.get()
    for url in (
        reverse("surveys:need_list"),
        reverse("surveys:person", args=[2025, care_need.person_id]),
    ):
        html = client.get(url).content.decode()
        assert apply_url not in html
        assert f"application no. {application.pk}</a>: In progress" in html


def test_a_double_post_of_the_form_makes_one_application(as_role, care_need):
    client = as_role("village")
    url = reverse("surveys:need_apply", args=[care_need.pk])
    first = client.post(url, form_data(care_need, token="same"))
    second = client.post(url, form_data(care_need, token="same"))
    assert first["Location"] == second["Location"]
    assert (Application.objects.count(), NeedApplication.objects.count()) == (1, 1)


def test_opening_the_form_again_goes_to_the_application_under_way(as_role, village, care_need):
    card = Document.objects.get(person=care_need.person)
    application = actions.start_application_for_need(
        village, care_need, {"mode": "day", "situation": "x"}, {"id_card": card}, "k", day=DAY
    )
    response = as_role("village").get(reverse("surveys:need_apply", args=[care_need.pk]))
    assert response["Location"] == reverse("services:application", args=[application.pk])


def test_a_refused_form_shows_the_field_error_and_creates_nothing(as_role, care_need):
    data = {**form_data(care_need), "f_situation": ""}
    page = as_role("village").post(reverse("surveys:need_apply", args=[care_need.pk]), data)
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    assert Application.objects.count() == 0
