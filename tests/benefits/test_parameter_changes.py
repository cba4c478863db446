"""Changing a policy parameter in the app: propose, a second city officer approves or
rejects, confirm an unverified value; the pages and who may open them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests import factories
from tongxing.accounts.roles import Role
from tongxing.benefits import actions
from tongxing.benefits.models import Parameter, ParameterValue, ValueStatus
from tongxing.benefits.parameters import ParameterLookupError, load_parameters, value_on
from tongxing.core.models import AuditEvent

KEY = "subsidies.living.amount"  # 100 yuan from 2024-07-01, unverified
NEW_DAY = dt.date(2026, 1, 1)


@pytest.fixture
def parameter(db):
    load_parameters("sichuan-bazhong")
    return Parameter.objects.get(key=KEY)


@pytest.fixture
def city2(db):
    return factories.make_user("city2", Role.CITY_OFFICER, "5119")


@pytest.fixture
def proposed(parameter, city):
    return actions.propose_value(city, parameter, NEW_DAY, Decimal("120"), "巴中市文件", True, "")


def snapshot():
    return (
        list(ParameterValue.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def test_propose_keeps_value_out_of_force_until_approved(proposed, city, city2):
    assert proposed.status == ValueStatus.PROPOSED
    assert proposed.proposed_by == city
    assert proposed.value == "120.00"
    assert value_on(KEY, NEW_DAY).value == Decimal("100.00")
    actions.approve_value(city2, proposed)
    proposed.refresh_from_db()
    assert proposed.status == ValueStatus.APPROVED
    assert proposed.decided_by == city2 and proposed.decided_at is not None
    assert value_on(KEY, NEW_DAY).value == Decimal("120.00")
    assert value_on(KEY, NEW_DAY - dt.timedelta(days=1)).value == Decimal("100.00")


def test_self_approval_refused(proposed, city):
    before = snapshot()
    with pytest.raises(ValidationError, match="second officer"):
        actions.approve_value(city, proposed)
    assert snapshot() == before


@pytest.mark.parametrize("act", ["propose", "approve", "reject", "confirm"])
def test_county_officer_refused(parameter, proposed, county, act):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        if act == "propose":
            actions.propose_value(county, parameter, NEW_DAY, 130, "文件", True, "")
        elif act == "approve":
            actions.approve_value(county, proposed)
        elif act == "reject":
            actions.reject_value(county, proposed, "不对")
        else:
            actions.confirm_verified(county, proposed, "文件")
    assert snapshot() == before


@pytest.mark.parametrize("bad", ["abc", Decimal("-5"), Decimal("1.234"), True])
def test_bad_value_names_the_field(parameter, city, bad):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        actions.propose_value(city, parameter, NEW_DAY, bad, "文件", True, "")
    assert "value" in caught.value.message_dict
    assert snapshot() == before


def test_date_clash_with_approved_value_refused(parameter, city):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        actions.propose_value(city, parameter, dt.date(2024, 7, 1), 130, "文件", True, "")
    assert "effective_from" in caught.value.message_dict
    assert snapshot() == before


def test_double_approval_second_is_refused(proposed, city2, db):
    city3 = factories.make_user("city3", Role.CITY_OFFICER, "5119")
    stale = ParameterValue.objects.get(pk=proposed.pk)  # read before the first approval
    actions.approve_value(city2, proposed)
    before = snapshot()
    with pytest.raises(ValidationError, match="no longer awaiting"):
        actions.approve_value(city3, stale)
    assert snapshot() == before
    proposed.refresh_from_db()
    assert proposed.decided_by == city2


def test_reject_keeps_history_and_value_out_of_force(proposed, city2):
    actions.reject_value(city2, proposed, "文号有误")
    proposed.refresh_from_db()
    assert proposed.status == ValueStatus.REJECTED
    assert proposed.decision_reason == "文号有误"
    assert value_on(KEY, NEW_DAY).value == Decimal("100.00")
    with pytest.raises(ValidationError):
        actions.approve_value(city2, proposed)


def test_reject_needs_reason(proposed, city2):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        actions.reject_value(city2, proposed, " ")
    assert "reason" in caught.value.message_dict
    assert snapshot() == before


def test_confirm_verified_records_source(parameter, city):
    value = parameter.values.get(effective_from=dt.date(2024, 7, 1))
    assert not value.verified
    actions.confirm_verified(city, value, "川民规〔2024〕1号 第三条")
    value.refresh_from_db()
    assert value.verified and value.source == "川民规〔2024〕1号 第三条"
    event = AuditEvent.objects.filter(object_id=str(value.pk)).latest("id")
    assert event.changes["verified"] == [False, True]
    assert value_on(KEY, NEW_DAY).verified


def test_reloading_the_region_pack_keeps_a_confirmation_made_in_the_app(parameter, city):
    value = parameter.values.get(effective_from=dt.date(2024, 7, 1))
    actions.confirm_verified(city, value, "川民规〔2024〕1号 第三条")
    load_parameters("sichuan-bazhong")
    value.refresh_from_db()
    assert (value.verified, value.source) == (True, "川民规〔2024〕1号 第三条")


def test_value_on_before_first_value_still_fails(proposed, city2):
    actions.approve_value(city2, proposed)
    with pytest.raises(ParameterLookupError):
        value_on(KEY, dt.date(2020, 1, 1))


# --- pages ------------------------------------------------------------------------------

ROLES = ("anonymous", "village", "county", "city", "auditor")
VIEWERS = {"county", "city"}


@pytest.fixture
def as_role(request, client, db):
    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


def expected(role, allowed):
    if role == "anonymous":
        return 302
    return 200 if role in allowed else 403


@pytest.mark.parametrize("role", ROLES)
def test_view_pages_access(as_role, role, parameter):
    client = as_role(role)
    for url in (
        reverse("benefits:parameter_list"),
        reverse("benefits:parameter_detail", args=[parameter.pk]),
    ):
        assert client.get(url).status_code == expected(role, VIEWERS), url


@pytest.mark.parametrize("role", ROLES)
def test_change_pages_access(as_role, role, proposed, city2):
    # city2 did not propose the value, so the city officer in the matrix is "city2" for
    # approve/reject; "city" (the proposer) may open them but is refused on POST below.
    client = as_role(role)
    urls = [
        reverse("benefits:propose", args=[proposed.parameter_id]),
        *(reverse(f"benefits:{n}", args=[proposed.pk]) for n in ("approve", "reject", "confirm")),
    ]
    for url in urls:
        assert client.get(url).status_code == expected(role, {"city"}), url


@pytest.mark.parametrize("role", ROLES)
def test_refused_posts_change_nothing(as_role, role, proposed):
    client = as_role(role)
    before = snapshot()
    posts = {
        reverse("benefits:propose", args=[proposed.parameter_id]): {
            "effective_from": "2027-01-01",
            "value": "150",
            "source": "文件",
        },
        reverse("benefits:approve", args=[proposed.pk]): {},
        reverse("benefits:reject", args=[proposed.pk]): {"reason": "不对"},
        reverse("benefits:confirm", args=[proposed.pk]): {"source": "文件"},
    }
    if role == "city":
        return  # the proposer's own POSTs are covered below
    for url, data in posts.items():
        assert client.post(url, data).status_code == expected(role, set()), url
    assert snapshot() == before


def test_proposer_cannot_approve_through_the_page(client, city, proposed):
    client.force_login(city)
    before = snapshot()
    response = client.post(reverse("benefits:approve", args=[proposed.pk]))
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert snapshot() == before


def test_propose_approve_through_the_pages(client, city, city2, parameter):
    client.force_login(city)
    url = reverse("benefits:propose", args=[parameter.pk])
    response = client.post(url, {"effective_from": "2027-01-01", "value": "-1", "source": "x"})
    assert response.status_code == 200 and 'id="error-summary"' in response.content.decode()
    response = client.post(url, {"effective_from": "2027-01-01", "value": "150.5", "source": "x"})
    assert response.status_code == 302
    value = ParameterValue.objects.get(parameter=parameter, effective_from=dt.date(2027, 1, 1))
    assert value.value == "150.50" and value.status == ValueStatus.PROPOSED
    client.force_login(city2)
    detail = client.get(reverse("benefits:parameter_detail", args=[parameter.pk])).content
    assert b"city" in detail and b'class="unverified"' in detail
    assert client.post(reverse("benefits:approve", args=[value.pk])).status_code == 302
    value.refresh_from_db()
    assert value.status == ValueStatus.APPROVED


def test_list_shows_unverified_marker_and_nav_link(client, county, parameter):
    client.force_login(county)
    page = client.get(reverse("benefits:parameter_list")).content.decode()
    assert 'class="unverified"' in page and "100.00" in page
    assert f'href="{reverse("benefits:parameter_list")}"' in page
