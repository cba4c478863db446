"""Every account signs in to the page its role works from, and "/" takes it there too:
nobody lands on a dead end."""

import pytest

from tongxing.accounts.models import User

PASSWORD = "test-pass-12345"

START_PAGES = {
    "village": "/",
    "county": "/",
    "city": "/",
    "department": "/indicators/",
    "hospital": "/indicators/",
    "provider": "/services/",
    "auditor": "/audit/",
    "citizen": "/portal/",
}


@pytest.mark.parametrize(("member", "page"), START_PAGES.items())
def test_signing_in_lands_on_the_page_the_role_works_from(request, client, member, page):
    request.getfixturevalue(member)
    response = client.post("/accounts/login/", {"username": member, "password": PASSWORD})
    assert (response.status_code, response.url) == (302, page)


@pytest.mark.parametrize(("member", "page"), START_PAGES.items())
def test_the_overview_sends_an_account_without_the_registry_to_its_own_start(
    request, client, member, page
):
    client.force_login(request.getfixturevalue(member))
    response = client.get("/")
    if page == "/":
        assert response.status_code == 200
    else:
        assert (response.status_code, response.url) == (302, page)


def test_a_sign_in_that_asked_for_a_page_still_goes_there(client, department):
    response = client.post(
        "/accounts/login/?next=/open/plan/", {"username": "department", "password": PASSWORD}
    )
    assert response.url == "/open/plan/"


def test_the_superuser_starts_in_the_admin(client, db):
    User.objects.create_superuser("root", password=PASSWORD)
    response = client.post("/accounts/login/", {"username": "root", "password": PASSWORD})
    assert response.url == "/admin/"


def test_an_account_without_a_role_is_told_whom_to_ask_not_sent_in_circles(client, db):
    client.force_login(User.objects.create_user("nobody", password=PASSWORD))
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "can give it the role you need" in response.content.decode()
