"""Citizens sign in with their mobile number; staff with their usernames; axes locks both."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from tests import factories
from tests.portal.conftest import CITIZEN_PHONE
from tongxing.accounts.roles import Role
from tongxing.portal.backends import normalise_phone
from tongxing.portal.models import CitizenPhone

PASSWORD = "test-pass-12345"


def test_a_citizen_signs_in_with_their_mobile_number_and_lands_in_the_portal(
    client, linked_citizen, self_person
):
    response = client.post(
        "/accounts/login/", {"username": CITIZEN_PHONE, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[0][0] == "/portal/"
    assert response.redirect_chain[-1][0] == f"/portal/person/{self_person.pk}/"
    assert client.session["_auth_user_id"] == str(linked_citizen.pk)


def test_the_number_may_be_typed_with_spaces_or_the_country_code(client, linked_citizen):
    response = client.post(
        "/accounts/login/", {"username": "+86 139 0000 0001", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(linked_citizen.pk)


def test_a_wrong_password_with_the_right_number_does_not_sign_in(client, linked_citizen):
    response = client.post("/accounts/login/", {"username": CITIZEN_PHONE, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_citizen_still_signs_in_with_their_username(client, linked_citizen):
    client.post("/accounts/login/", {"username": "citizen", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(linked_citizen.pk)


def test_staff_keep_signing_in_with_their_username(client, village):
    response = client.post("/accounts/login/", {"username": "village", "password": PASSWORD})
    assert response.url == "/"
    assert client.session["_auth_user_id"] == str(village.pk)


def test_a_provider_lands_on_the_services_of_their_facility_not_the_registry(client, provider):
    response = client.post("/accounts/login/", {"username": "provider", "password": PASSWORD})
    assert response.url == "/services/"
    assert client.session["_auth_user_id"] == str(provider.pk)


def test_a_staff_account_cannot_sign_in_with_a_phone_number(client, village):
    """Only citizen accounts have sign-in numbers; a number entry on staff is ignored."""
    CitizenPhone.objects.create(user=village, phone="13900000009")
    client.post("/accounts/login/", {"username": "13900000009", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_five_failed_attempts_on_a_number_lock_it_even_with_the_right_password(
    client, linked_citizen
):
    for _ in range(5):
        client.post("/accounts/login/", {"username": CITIZEN_PHONE, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": CITIZEN_PHONE, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username=CITIZEN_PHONE).failures_since_start == 6


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13900000001", "13900000001"),
        ("139-0000-0001", "13900000001"),
        ("0086 13900000001", "13900000001"),
        ("23900000001", ""),
        ("1390000000", ""),
        ("village", ""),
        ("", ""),
    ],
)
def test_only_mainland_mobile_numbers_are_read_as_numbers(typed, expected):
    assert normalise_phone(typed) == expected


def test_an_unknown_number_does_not_sign_in(client, db):
    factories.make_user("someone", Role.CITIZEN, None)
    client.post("/accounts/login/", {"username": "13911112222", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
