"""Creating and revoking tokens: city officers only, through the actions, with history
and audit; refusals change nothing. And the token page's access matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from tests import factories
from tests.api.conftest import holder_of
from tongxing.accounts.roles import Role
from tongxing.api import actions
from tongxing.api.models import ApiToken, ApiTokenEvent
from tongxing.core.models import AuditEvent

ROLES = (
    "village",
    "township",
    "county",
    "city",
    "department",
    "provider",
    "auditor",
    "citizen",
)


def create(actor, account, **overrides):
    today = timezone.localdate()
    arguments = {
        "name": "巴中公交",
        "account": account,
        "purpose": "certificate.bus_ride",
        "area_code": "5119",
        "expires_on": today + dt.timedelta(days=365),
        "rate_per_minute": 60,
        "today": today,
    } | overrides
    return actions.create_token(actor, **arguments)


def nothing_made() -> tuple[int, int, int]:
    return (
        ApiToken.objects.count(),
        ApiTokenEvent.objects.count(),
        AuditEvent.objects.filter(object_type="api.token").count(),
    )


def test_a_city_officer_creates_a_token_whose_raw_value_is_not_stored(city, department):
    token, raw = create(city, department)
    assert raw.startswith("txk_") and len(raw) > 40
    assert token.prefix == raw[:12]
    assert token.key_hash == actions.hash_token(raw)
    assert raw not in repr(list(ApiToken.objects.values()))
    assert raw not in repr(list(AuditEvent.objects.values()))
    assert [(e.kind, e.actor) for e in token.events.all()] == [("created", city)]
    assert nothing_made() == (1, 1, 1)


@pytest.mark.parametrize("role", ["village", "county", "department", "auditor"])
def test_only_city_officers_create_tokens(request, department, role):
    with pytest.raises(PermissionDenied):
        create(request.getfixturevalue(role), department)
    assert nothing_made() == (0, 0, 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purpose": "certificate.everything"}, "purpose"),
        ({"area_code": "9999"}, "area"),
        ({"area_code": "4401"}, "area"),
        ({"expires_on": dt.date(2000, 1, 1)}, "expires_on"),
        ({"rate_per_minute": 0}, "rate_per_minute"),
        ({"name": "  "}, "name"),
    ],
)
def test_a_bad_token_request_names_the_field_and_creates_nothing(
    city, department, overrides, field
):
    with pytest.raises(ValidationError) as refused:
        create(city, department, **overrides)
    assert field in refused.value.message_dict
    assert nothing_made() == (0, 0, 0)


def test_a_token_is_only_for_a_department_account(city, county):
    with pytest.raises(ValidationError) as refused:
        create(city, county)
    assert "account" in refused.value.message_dict
    assert nothing_made() == (0, 0, 0)


def test_a_token_cannot_reach_beyond_its_department_accounts_area(city, db):
    county_department = factories.make_user("dept2", Role.DEPARTMENT, "511921")
    with pytest.raises(ValidationError) as refused:
        create(city, county_department, area_code="511902")
    assert refused.value.message_dict["area"] == [
        "The area is outside the department account's area."
    ]


def test_revoking_needs_a_reason_and_happens_once(city, department):
    token, _raw = create(city, department)
    with pytest.raises(ValidationError):
        actions.revoke_token(city, token, " ")
    actions.revoke_token(city, token, "contract ended")
    with pytest.raises(ValidationError):
        actions.revoke_token(city, token, "again")
    token.refresh_from_db()
    assert (token.revoke_reason, token.revoked_by) == ("contract ended", city)
    assert [e.kind for e in token.events.order_by("id")] == ["created", "revoked"]
    assert nothing_made() == (1, 2, 2)


def test_a_county_officer_cannot_revoke(city, county, department):
    token, _raw = create(city, department)
    with pytest.raises(PermissionDenied):
        actions.revoke_token(county, token, "no")
    token.refresh_from_db()
    assert token.revoked_at is None


def login(client, request, role):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(request.getfixturevalue(role))
    return client


@pytest.mark.parametrize("role", ROLES)
def test_the_token_page_opens_only_for_city_officers(client, request, role):
    response = login(client, request, role).get(reverse("api_clients:index"))
    assert response.status_code == (200 if role == "city" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_a_token_detail_page_opens_only_for_city_officers(client, request, city, department, role):
    token, _raw = create(city, department)
    response = login(client, request, role).get(reverse("api_clients:detail", args=[token.pk]))
    assert response.status_code == (200 if role == "city" else 403)


def test_the_page_creates_a_token_and_shows_it_once(client, request, city, department):
    login(client, request, "city")
    response = client.post(
        reverse("api_clients:index"),
        {
            "name": "巴中公交",
            "account": department.pk,
            "purpose": "certificate.bus_ride",
            "area": "5119",
            "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "rate_per_minute": "60",
        },
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = response.context["created"]["raw"]
    assert actions.hash_token(shown) == token.key_hash
    assert shown in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    again = client.get(reverse("api_clients:index"))
    assert shown not in again.content.decode()


def test_the_page_shows_a_refusal_next_to_its_field(client, request, city, department):
    login(client, request, "city")
    response = client.post(
        reverse("api_clients:index"),
        {
            "name": "x",
            "account": department.pk,
            "purpose": "certificate.bus_ride",
            "area": "4401",
            "expires_on": "2000-01-01",
            "rate_per_minute": "60",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"area", "expires_on"}
    assert nothing_made() == (0, 0, 0)


def test_the_page_revokes_a_token(client, request, city, department):
    token, _raw = create(city, department)
    login(client, request, "city")
    url = reverse("api_clients:detail", args=[token.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(url, {"reason": "leaked"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoke_reason == "leaked"


REVEALS = "This purpose reveals names and full ID numbers."


def test_issuing_a_token_that_reveals_names_is_recorded_as_such_in_its_history(city, department):
    with translation.override("en"):
        named, _raw = create(
            city, holder_of("findings.pension", department), purpose="findings.pension"
        )
        plain, _raw = create(city, department)
    assert [(e.kind, e.actor, e.note) for e in named.events.all()] == [
        ("created", city, "Issued to read names and full ID numbers.")
    ]
    assert [(e.kind, e.actor, e.note) for e in plain.events.all()] == [("created", city, "")]
    summaries = AuditEvent.objects.filter(object_type="api.token").order_by("id")
    assert [s.summary.endswith(", reveals names and ID numbers") for s in summaries] == [
        True,
        False,
    ]


def test_the_token_form_marks_the_purposes_that_reveal_names(client, request, city):
    page = login(client, request, "city").get(reverse("api_clients:index")).content.decode()
    assert "Findings about pension insurance enrolment — reveals names and full ID numbers" in page
    assert "Findings about school enrolment — reveals names and full ID numbers" in page
    assert page.count("— reveals names and full ID numbers") == 2


def test_the_page_that_issues_a_named_findings_token_says_it_reveals_names(
    client, request, city, department
):
    account = holder_of("findings.pension", department)
    login(client, request, "city")
    response = client.post(
        reverse("api_clients:index"),
        {
            "name": "人社 enrolment system",
            "account": account.pk,
            "purpose": "findings.pension",
            "area": "5119",
            "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "rate_per_minute": "60",
        },
    )
    page = response.content.decode()
    assert response.context["created"]["token"].purpose == "findings.pension"
    assert REVEALS in page
    assert "Findings about pension insurance enrolment <strong>(reveals names" in page


def test_a_token_page_says_whether_its_purpose_reveals_names(client, request, city, department):
    named, _raw = create(city, holder_of("findings.school", department), purpose="findings.school")
    plain, _raw = create(city, department, purpose="findings.deaths")
    login(client, request, "city")
    named_page = client.get(reverse("api_clients:detail", args=[named.pk])).content.decode()
    plain_page = client.get(reverse("api_clients:detail", args=[plain.pk])).content.decode()
    assert REVEALS in named_page
    assert REVEALS not in plain_page
