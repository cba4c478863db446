"""The facilities directory's management pages: adding and changing a facility, and
linking or unlinking provider accounts. County officers manage the facilities of their
county, city officers every one (those outside the region too); anyone else is refused,
and a facility outside the officer's area is a 404 with the refusal audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests import factories
from tests.services.conftest import facility
from tests.services.test_access import ROLES, as_role  # noqa: F401 (fixture)
from tongxing.accounts.roles import Role
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.services.models import Facility, FacilityKind, FacilityMember

MANAGERS = {"county", "city"}

FORM = {
    "name": "巴州区康复中心",
    "kind": FacilityKind.REHAB_INSTITUTION,
    "area": "511902",
    "region": "",
    "address": "江北大道1号",
    "capacity": "30",
    "contact_name": "李医生",
    "contact_phone": "0827-5555555",
    "designated": "on",
    "designated_from": "2025-01-01",
    "designated_until": "2027-12-31",
    "mutual_recognition": "on",
}


def snapshot(home: Facility) -> tuple:
    home.refresh_from_db()
    return (
        home.name,
        home.kind,
        home.area_id,
        home.region,
        home.capacity,
        home.designated_from,
        home.designated_until,
        sorted(home.members.values_list("username", flat=True)),
    )


def page_status(role: str, allowed: set[str], *, outside: set[str] = frozenset()) -> int:
    if role == "anonymous":
        return 302
    if role not in allowed:
        return 403
    return 404 if role in outside else 200


@pytest.mark.parametrize("role", ROLES)
def test_only_county_and_city_officers_may_open_the_add_page(as_role, role, services):  # noqa: F811
    response = as_role(role).get(reverse("services:facility_create"))
    assert response.status_code == page_status(role, MANAGERS | {"other_county"})


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_and_members_pages_are_for_officers_of_the_facilitys_county(
    as_role,  # noqa: F811
    role,
    care_home,
):
    refused_before = AuditEvent.objects.filter(action=AuditAction.REFUSED).count()
    client = as_role(role)
    for name in ("facility_edit", "facility_members"):
        response = client.get(reverse(f"services:{name}", args=[care_home.pk]))
        assert response.status_code == page_status(
            role, MANAGERS | {"other_county"}, outside={"other_county"}
        )
    refused = AuditEvent.objects.filter(action=AuditAction.REFUSED).count() - refused_before
    assert refused == (2 if role == "other_county" else 0)


@pytest.mark.parametrize("role", ["village", "provider", "citizen", "other_county"])
def test_a_refused_role_posting_an_edit_or_a_link_changes_nothing(
    as_role,  # noqa: F811
    role,
    care_home,
    city,
):
    before = snapshot(care_home)
    client = as_role(role)
    edit = client.post(reverse("services:facility_edit", args=[care_home.pk]), FORM)
    link = client.post(
        reverse("services:facility_members", args=[care_home.pk]), {"username": "city"}
    )
    unlink = client.post(
        reverse("services:facility_members", args=[care_home.pk]),
        {"remove": str(care_home.members.get().pk)},
    )
    expected = 404 if role == "other_county" else 403
    assert (edit.status_code, link.status_code, unlink.status_code) == (expected,) * 3
    assert snapshot(care_home) == before
    assert Facility.objects.count() == 1


def test_a_county_officer_adds_a_facility_with_exactly_what_was_entered(as_role, services):  # noqa: F811
    response = as_role("county").post(reverse("services:facility_create"), FORM)
    home = Facility.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("services:facility_detail", args=[home.pk])
    assert (
        home.name,
        home.kind,
        home.area_id,
        home.region,
        home.address,
        home.capacity,
        home.contact_name,
        home.contact_phone,
        home.designated,
        home.designated_from,
        home.designated_until,
        home.mutual_recognition,
    ) == (
        "巴州区康复中心",
        "rehab_institution",
        "511902",
        "",
        "江北大道1号",
        30,
        "李医生",
        "0827-5555555",
        True,
        dt.date(2025, 1, 1),
        dt.date(2027, 12, 31),
        True,
    )
    event = AuditEvent.objects.get(object_type="services.facility", action=AuditAction.CREATE)
    assert event.object_id == str(home.pk)


def test_a_county_officer_cannot_add_a_facility_outside_the_region(as_role, services):  # noqa: F811
    response = as_role("county").post(
        reverse("services:facility_create"), FORM | {"area": "", "region": "成都市"}
    )
    assert response.status_code == 200
    assert "Area: This field is required." in response.content.decode()
    assert not Facility.objects.exists()


def test_a_city_officer_adds_and_changes_a_facility_outside_the_region(as_role, services):  # noqa: F811
    client = as_role("city")
    client.post(
        reverse("services:facility_create"),
        FORM | {"name": "成都市康复医院", "area": "", "region": "成都市"},
    )
    home = Facility.objects.get()
    assert (home.area_id, home.region) == (None, "成都市")
    response = client.post(
        reverse("services:facility_edit", args=[home.pk]),
        FORM | {"name": "成都市第二康复医院", "area": "", "region": "成都市", "capacity": "12"},
    )
    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.name, home.capacity, home.region) == ("成都市第二康复医院", 12, "成都市")
    change = AuditEvent.objects.get(object_type="services.facility", action=AuditAction.UPDATE)
    assert change.changes["name"] == ["成都市康复医院", "成都市第二康复医院"]
    assert change.changes["capacity"] == [30, 12]


def test_a_county_officer_cannot_open_a_facility_outside_the_region(as_role, services):  # noqa: F811
    outside = facility(FacilityKind.REHAB_INSTITUTION, "重庆康复医院", None, region="重庆市")
    response = as_role("county").get(reverse("services:facility_edit", args=[outside.pk]))
    assert response.status_code == 404


def test_another_countys_officer_cannot_edit_a_bazhou_facility(as_role, care_home):  # noqa: F811
    before = snapshot(care_home)
    response = as_role("other_county").post(
        reverse("services:facility_edit", args=[care_home.pk]), FORM | {"area": "511921"}
    )
    assert response.status_code == 404
    assert snapshot(care_home) == before
    refusal = AuditEvent.objects.get(action=AuditAction.REFUSED)
    assert (refusal.object_type, refusal.object_id, refusal.area_code) == (
        "services.facility",
        str(care_home.pk),
        "511902",
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"capacity": "-1"}, "capacity", "Places cannot be negative."),
        (
            {"designated_from": "2026-01-01", "designated_until": "2025-12-31"},
            "designated_until",
            "A designation cannot end before it starts.",
        ),
        ({"name": "  "}, "name", "This field is required."),
    ],
)
def test_bad_input_is_named_on_its_field_and_changes_nothing(
    as_role,  # noqa: F811
    care_home,
    change,
    field,
    message,
):
    before = snapshot(care_home)
    response = as_role("county").post(
        reverse("services:facility_edit", args=[care_home.pk]), FORM | change
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="#id_{field}"' in page
    assert message in page
    assert snapshot(care_home) == before
    assert not AuditEvent.objects.filter(object_type="services.facility").exists()


def test_a_county_officer_links_and_unlinks_a_provider_account(as_role, care_home, provider):  # noqa: F811
    other = factories.make_user("provider2", Role.PROVIDER, "511902")
    client = as_role("county")
    url = reverse("services:facility_members", args=[care_home.pk])
    response = client.post(url, {"username": "provider2", "since": "2025-10-01"})
    assert response.status_code == 302
    member = FacilityMember.objects.get(facility=care_home, user=other)
    assert member.since == dt.date(2025, 10, 1)
    # A second submit of the same form is harmless.
    client.post(url, {"username": "provider2", "since": "2025-10-01"})
    assert FacilityMember.objects.filter(facility=care_home).count() == 2

    response = client.post(url, {"remove": str(provider.pk)})
    assert response.status_code == 302
    assert list(care_home.members.values_list("username", flat=True)) == ["provider2"]
    unlinked = AuditEvent.objects.get(object_type="services.facility", action=AuditAction.DELETE)
    assert unlinked.summary == f"provider user {provider.pk} unlinked from facility {care_home.pk}"
    # The unlinked provider no longer sees the facility's clients.
    assert provider.facilities.count() == 0


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "No account has that user name."),
        ("village", "Only a provider account works for a facility."),
    ],
)
def test_linking_an_unknown_or_non_provider_account_is_refused(
    as_role,  # noqa: F811
    care_home,
    village,
    username,
    message,
):
    before = snapshot(care_home)
    response = as_role("county").post(
        reverse("services:facility_members", args=[care_home.pk]), {"username": username}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="#id_username"' in page
    assert message in page
    assert snapshot(care_home) == before


def test_unlinking_an_account_that_is_not_a_member_changes_nothing(as_role, care_home, village):  # noqa: F811
    before = snapshot(care_home)
    response = as_role("county").post(
        reverse("services:facility_members", args=[care_home.pk]), {"remove": str(village.pk)}
    )
    assert response.status_code == 302
    assert snapshot(care_home) == before
    assert not AuditEvent.objects.filter(object_type="services.facility").exists()


def test_the_detail_page_offers_the_management_links_only_to_who_may_use_them(
    as_role,  # noqa: F811
    care_home,
):
    edit = reverse("services:facility_edit", args=[care_home.pk])
    detail = reverse("services:facility_detail", args=[care_home.pk])
    assert edit in as_role("county").get(detail).content.decode()
    assert edit not in as_role("provider").get(detail).content.decode()
