"""Linking a citizen account to the persons it acts for: who may, for whom, and how."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.conftest import cast_member
from tongxing.accounts.roles import Role
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.portal import actions
from tongxing.portal.identity import IdentityResult
from tongxing.portal.models import ActingAs, CitizenLink, CitizenPhone


def test_a_village_worker_links_a_citizen_to_themselves_and_it_is_recorded(
    village, citizen, self_person
):
    link = actions.link_citizen(village, citizen, self_person, ActingAs.SELF, phone="13900000001")
    assert (link.user, link.person, link.acting_as, link.verified_by) == (
        citizen,
        self_person,
        "self",
        village,
    )
    assert link.verification_method == "demo-staff-check"
    assert CitizenPhone.objects.get(user=citizen).phone == "13900000001"
    event = AuditEvent.objects.get(object_type="portal.citizenlink", object_id=str(link.pk))
    assert (event.action, event.actor, event.person_id) == (
        AuditAction.CREATE,
        village,
        self_person.pk,
    )


def test_a_worker_of_another_village_cannot_link_a_person_outside_their_area(
    neighbour, citizen, self_person
):
    with pytest.raises(PermissionDenied):
        actions.link_citizen(neighbour, citizen, self_person, ActingAs.SELF)
    assert CitizenLink.objects.count() == 0


def test_a_citizen_cannot_link_themselves(citizen, self_person):
    with pytest.raises(PermissionDenied):
        actions.link_citizen(citizen, citizen, self_person, ActingAs.SELF)
    assert CitizenLink.objects.count() == 0


def test_only_citizen_accounts_are_linked(village, township, self_person):
    with pytest.raises(ValidationError) as error:
        actions.link_citizen(village, township, self_person, ActingAs.SELF)
    assert error.value.message_dict == {
        "account": ["Only a citizen account can be linked to persons."]
    }
    assert CitizenLink.objects.count() == 0


def test_a_parent_acts_for_a_child_but_not_for_an_adult(village, citizen, child, self_person):
    link = actions.link_citizen(village, citizen, child, ActingAs.PARENT_OF_CHILD, relation="父亲")
    assert link.relation == "父亲"
    with pytest.raises(ValidationError) as error:
        actions.link_citizen(
            village, citizen, self_person, ActingAs.PARENT_OF_CHILD, relation="父亲"
        )
    assert error.value.message_dict == {
        "acting_as": ["The person is an adult: a parent acts for a child only."]
    }
    assert CitizenLink.objects.count() == 1


def test_a_guardian_acts_for_an_adult_only_with_an_intellectual_or_mental_disability(
    village, citizen, self_person
):
    adult = factories.make_person(village, name="赵大", certificate={"category": 6, "grade": 3})
    assert actions.link_citizen(village, citizen, adult, ActingAs.GUARDIAN, relation="姐姐")
    with pytest.raises(ValidationError) as error:
        actions.link_citizen(village, citizen, self_person, ActingAs.GUARDIAN, relation="姐姐")
    assert "no intellectual or mental disability" in error.value.message_dict["acting_as"][0]
    assert CitizenLink.objects.count() == 1


def test_a_guardian_link_names_the_relation(village, citizen, child):
    with pytest.raises(ValidationError) as error:
        actions.link_citizen(village, citizen, child, ActingAs.PARENT_OF_CHILD)
    assert list(error.value.message_dict) == ["relation"]
    assert CitizenLink.objects.count() == 0


def test_a_second_link_to_the_same_person_is_refused(village, citizen, self_person):
    actions.link_citizen(village, citizen, self_person, ActingAs.SELF)
    with pytest.raises(ValidationError):
        actions.link_citizen(village, citizen, self_person, ActingAs.SELF)
    assert CitizenLink.objects.count() == 1


def test_an_account_is_the_holder_of_only_one_person(village, citizen, self_person):
    actions.link_citizen(village, citizen, self_person, ActingAs.SELF)
    other = factories.make_person(village, name="李四")
    with pytest.raises(ValidationError) as error:
        actions.link_citizen(village, citizen, other, ActingAs.SELF)
    assert error.value.message_dict == {
        "acting_as": ["This account is already linked to its holder."]
    }
    assert CitizenLink.objects.count() == 1


def test_a_number_already_used_by_another_account_is_refused_and_nothing_is_linked(
    village, citizen, self_person, child
):
    actions.link_citizen(village, citizen, self_person, ActingAs.SELF, phone="13900000001")
    other = cast_member("other", Role.CITIZEN, None)
    with pytest.raises(ValidationError) as error:
        actions.link_citizen(
            village, other, child, ActingAs.PARENT_OF_CHILD, relation="母亲", phone="13900000001"
        )
    assert error.value.message_dict == {"phone": ["This number already signs in another account."]}
    assert not CitizenLink.objects.filter(user=other).exists()


def test_an_identity_check_that_does_not_confirm_stops_the_link(
    village, citizen, self_person, settings
):
    settings.TONGXING_IDENTITY_CHECK = "tests.portal.test_links.RefusingCheck"
    with pytest.raises(ValidationError) as error:
        actions.link_citizen(village, citizen, self_person, ActingAs.SELF, phone="13900000001")
    assert error.value.messages == [
        "The identity check did not confirm the account holder: name does not match"
    ]
    assert CitizenLink.objects.count() == 0
    assert CitizenPhone.objects.count() == 0


class RefusingCheck:
    def confirm(self, account, person, acting_as):
        return IdentityResult(confirmed=False, method="test", note="name does not match")


def test_an_ended_link_no_longer_opens_the_person(client, village, linked_citizen, self_person):
    link = CitizenLink.objects.get(user=linked_citizen)
    actions.end_citizen_link(village, link)
    client.force_login(linked_citizen)
    assert client.get(f"/portal/person/{self_person.pk}/").status_code == 404
    link.refresh_from_db()
    assert link.ended_by == village
    with pytest.raises(ValidationError):
        actions.end_citizen_link(village, link)


def test_a_person_who_has_died_cannot_be_linked(village, citizen, self_person):
    from tongxing.registry import actions as registry_actions

    registry_actions.record_death(village, self_person, dt.date(2025, 1, 5))
    self_person.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.link_citizen(village, citizen, self_person, ActingAs.SELF)
    assert CitizenLink.objects.count() == 0
