"""The staff page that links citizen accounts to a person: who may open it, linking,
refusals shown on the form, and ending a link."""

from __future__ import annotations

import pytest

from tongxing.core.models import AuditAction, AuditEvent
from tongxing.portal.models import CitizenLink, CitizenPhone

EXPECTED = {
    "anonymous": 302,
    "village": 200,
    "township": 200,
    "county": 200,
    "neighbour": 404,
    "other_county": 404,
    "city": 403,
    "provider": 403,
    "auditor": 403,
    "citizen": 403,
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_link_page_opens_for_staff_of_the_persons_area_who_link_accounts(
    as_role, role, self_person, citizen
):
    client = as_role(role)
    path = f"/portal/staff/person/{self_person.pk}/"
    refused_before = AuditEvent.objects.filter(action=AuditAction.REFUSED).count()
    assert client.get(path).status_code == EXPECTED[role]
    response = client.post(
        path, {"account": "citizen", "acting_as": "self", "phone": "", "checked": "on"}
    )
    assert response.status_code == (
        302 if role in ("anonymous", "village", "township", "county") else EXPECTED[role]
    )
    linked = CitizenLink.objects.filter(person=self_person).exists()
    assert linked == (role in ("village", "township", "county"))
    if EXPECTED[role] == 404:
        assert AuditEvent.objects.filter(action=AuditAction.REFUSED).count() == refused_before + 2


def test_a_worker_links_a_guardian_with_a_phone_and_ends_the_link(as_role, child, citizen):
    client = as_role("village")
    path = f"/portal/staff/person/{child.pk}/"
    response = client.post(
        path,
        {
            "account": "citizen",
            "acting_as": "parent_of_child",
            "relation": "母亲",
            "phone": "139 0000 0003",
            "checked": "on",
        },
    )
    assert response.url == path
    link = CitizenLink.objects.get(person=child)
    assert (link.user, link.acting_as, link.relation) == (citizen, "parent_of_child", "母亲")
    assert CitizenPhone.objects.get(user=citizen).phone == "13900000003"
    page = client.get(path).content.decode()
    assert "母亲" in page
    client.post(f"/portal/staff/person/{child.pk}/end/{link.pk}/")
    link.refresh_from_db()
    assert link.ended_at is not None


def test_refusals_are_shown_on_the_form_and_nothing_is_linked(as_role, self_person, citizen):
    client = as_role("village")
    path = f"/portal/staff/person/{self_person.pk}/"
    unknown = client.post(path, {"account": "nobody", "acting_as": "self", "checked": "on"})
    assert unknown.context["form"].errors["account"] == [
        "There is no active citizen account with this username."
    ]
    unchecked = client.post(path, {"account": "citizen", "acting_as": "self"})
    assert list(unchecked.context["form"].errors) == ["checked"]
    adult = client.post(
        path,
        {"account": "citizen", "acting_as": "parent_of_child", "relation": "父亲", "checked": "on"},
    )
    assert adult.context["form"].errors["acting_as"] == [
        "The person is an adult: a parent acts for a child only."
    ]
    assert not CitizenLink.objects.exists()


def test_a_link_of_another_person_cannot_be_ended_through_this_person(
    as_role, self_person, child, guardian
):
    link = CitizenLink.objects.get(person=child)
    response = as_role("village").post(f"/portal/staff/person/{self_person.pk}/end/{link.pk}/")
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.ended_at is None


def test_the_person_page_offers_the_link_page_only_to_those_who_link(as_role, self_person):
    page = as_role("village").get(f"/persons/{self_person.pk}/").content.decode()
    assert f'href="/portal/staff/person/{self_person.pk}/"' in page
