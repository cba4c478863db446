"""The access matrix for every device and rehabilitation page: each role of the cast
against a device centre in 巴州区 (the cast's provider is its fitter), its loan item and a
case of a person in 东城街道第1社区, and a Chengdu institution (the provider is also its
staff) with a child placed there and a settlement by the city.

Roles without the capability get 403; staff outside the area, and providers of other
facilities, 404 (audited); anonymous visitors the login page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.provision.conftest import DAY, placed_child
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.devices import actions as devices
from tongxing.devices.models import LoanItem
from tongxing.rehab import actions as rehab

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
    "other_provider",
    "auditor",
    "citizen",
)
NO_CAPABILITY = {"department", "auditor", "citizen"}


@pytest.fixture
def world(county, city, provider, centre, chengdu, catalogue, wheelchair_user):
    loan = devices.add_loan_items(provider, centre, catalogue["walker"], ["W-1"], on=DAY)[0]
    case = devices.open_case(county, wheelchair_user, catalogue["wheelchair_manual"])
    devices.record_assessment(county, case, on=DAY, notes="需要轮椅", centre=centre)
    placement = placed_child(county, chengdu)
    rehab.record_service(
        provider, placement, month=dt.date(2025, 6, 1), sessions=8, amount=Decimal("900.00")
    )
    settlement = rehab.settle_month(city, chengdu, dt.date(2025, 6, 1))
    return {
        "centre": centre,
        "loan": loan,
        "case": case,
        "person": wheelchair_user,
        "institution": chengdu,
        "rehab_case": placement.case,
        "child": placement.child,
        "settlement": settlement,
    }


def url(name, world):
    args = {
        "devices:home": [],
        "devices:centre": [world["centre"].pk],
        "devices:loan_item": [world["loan"].pk],
        "devices:case": [world["case"].pk],
        "rehab:home": [],
        "rehab:institution": [world["institution"].pk],
        "rehab:case": [world["rehab_case"].pk],
        "rehab:settlement": [world["settlement"].pk],
        "rehab:settlement_xlsx": [world["settlement"].pk],
    }[name]
    return reverse(name, args=args)


ALL_STAFF = {"village", "neighbour", "township", "county", "other_county", "city"}
OK = 200
EXPECTED = {
    # page: (roles that see it, roles refused with 404); the rest 403
    "devices:home": (ALL_STAFF | {"provider", "other_provider"}, set()),
    "devices:centre": (
        {"county", "city", "provider"},
        {"village", "neighbour", "township", "other_county", "other_provider"},
    ),
    "devices:loan_item": (
        {"county", "city", "provider"},
        {"village", "neighbour", "township", "other_county", "other_provider"},
    ),
    "devices:case": (
        {"village", "township", "county", "city", "provider"},
        {"neighbour", "other_county", "other_provider"},
    ),
    "rehab:home": (ALL_STAFF | {"provider", "other_provider"}, set()),
    "rehab:institution": (ALL_STAFF | {"provider"}, {"other_provider"}),
    "rehab:case": (
        {"village", "township", "county", "city", "provider"},
        {"neighbour", "other_county", "other_provider"},
    ),
    "rehab:settlement": ({"city", "provider"}, ALL_STAFF - {"city"} | {"other_provider"}),
    "rehab:settlement_xlsx": ({"city", "provider"}, ALL_STAFF - {"city"} | {"other_provider"}),
}


def expected(page: str, role: str) -> int:
    if role == "anonymous":
        return 302
    allowed, hidden = EXPECTED[page]
    if role in allowed:
        return OK
    if role in hidden:
        return 404
    return 403


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_every_role_gets_what_the_matrix_says(page, world, client, request):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    got = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        got[role] = client.get(url(page, world)).status_code
    assert got == {role: expected(page, role) for role in ROLES}


def test_a_refused_look_at_another_centre_is_audited(world, client, other_provider):
    client.force_login(other_provider)
    client.get(url("devices:centre", world))
    assert AuditEvent.objects.filter(
        action=AuditAction.REFUSED, object_type="services.facility", actor=other_provider
    ).exists()


def test_another_centres_provider_cannot_lend_through_the_page(world, client, other_provider):
    client.force_login(other_provider)
    response = client.post(
        url("devices:loan_item", world),
        {"action": "lend", "lend-id_number": world["person"].id_number, "lend-on": "2025-06-02"},
    )
    assert response.status_code == 404
    assert LoanItem.objects.get(pk=world["loan"].pk).state == "available"


def test_the_centre_provider_sees_its_client_but_not_other_persons(
    world, client, provider, village
):
    from tests import factories

    stranger = factories.make_person(
        village, name="陌生人", certificate={"category": 4, "grade": 2}
    )
    other_case = devices.open_case(village, stranger, world["case"].item)
    client.force_login(provider)
    assert client.get(url("devices:case", world)).status_code == 200
    assert client.get(reverse("devices:case", args=[other_case.pk])).status_code == 404
    assert client.get(reverse("registry:person_detail", args=[stranger.pk])).status_code in (
        403,
        404,
    )
