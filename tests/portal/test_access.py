"""Who reaches which portal page: citizens only themselves and their wards; staff never
through the portal; every refusal is a 404 written to the audit log."""

from __future__ import annotations

import pytest

from tongxing.core.models import AuditAction, AuditEvent
from tongxing.portal.queries import persons_for_citizen

ROLES = (
    "anonymous",
    "linked_citizen",
    "guardian",
    "stranger",
    "village",
    "county",
    "city",
    "provider",
    "auditor",
)


def refusals(person):
    return AuditEvent.objects.filter(action=AuditAction.REFUSED, person_id=person.pk).count()


@pytest.mark.parametrize("role", ROLES)
def test_a_person_page_opens_only_for_the_account_that_acts_for_them(
    as_role, role, self_person, child, request
):
    request.getfixturevalue("linked_citizen")
    request.getfixturevalue("guardian")
    client = as_role(role)
    for person, allowed in ((self_person, "linked_citizen"), (child, "guardian")):
        before = refusals(person)
        response = client.get(f"/portal/person/{person.pk}/")
        if role == "anonymous":
            assert response.status_code == 302
        elif role == allowed:
            assert response.status_code == 200
            assert response.context["person"] == person
        else:
            assert response.status_code == 404
            assert refusals(person) == before + 1


@pytest.mark.parametrize("role", ROLES)
def test_the_certificate_number_is_revealed_only_to_the_account_that_acts_for_the_person(
    as_role, role, self_person, request
):
    request.getfixturevalue("linked_citizen")
    request.getfixturevalue("guardian")
    response = as_role(role).post(f"/portal/person/{self_person.pk}/certificate-number/")
    reveals = AuditEvent.objects.filter(action=AuditAction.REVEAL, person_id=self_person.pk)
    if role == "linked_citizen":
        assert response.status_code == 200
        assert self_person.certificate.number in response.content.decode()
        assert reveals.count() == 1
        assert reveals.get().purpose == "citizen: own certificate number"
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert reveals.count() == 0


def test_the_person_page_shows_the_number_masked_until_revealed(as_role, self_person, request):
    request.getfixturevalue("linked_citizen")
    page = as_role("linked_citizen").get(f"/portal/person/{self_person.pk}/").content.decode()
    assert self_person.certificate.number not in page
    assert self_person.certificate.masked_number in page


def test_a_reveal_must_be_posted(as_role, self_person, request):
    request.getfixturevalue("linked_citizen")
    response = as_role("linked_citizen").get(f"/portal/person/{self_person.pk}/certificate-number/")
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("linked_citizen", 302),  # one person: straight to their page
        ("stranger", 200),
        ("village", 403),
        ("county", 403),
        ("auditor", 403),
    ],
)
def test_the_portal_home_is_for_citizens(as_role, role, status):
    assert as_role(role).get("/portal/").status_code == status


def test_a_citizen_with_one_person_lands_on_their_page(as_role, self_person, request):
    request.getfixturevalue("linked_citizen")
    response = as_role("linked_citizen").get("/portal/")
    assert response.url == f"/portal/person/{self_person.pk}/"


def test_persons_for_citizen_holds_only_the_linked_persons(
    linked_citizen, guardian, stranger, village, self_person, child
):
    assert list(persons_for_citizen(linked_citizen)) == [self_person]
    assert list(persons_for_citizen(guardian)) == [child]
    assert list(persons_for_citizen(stranger)) == []
    assert list(persons_for_citizen(village)) == []
