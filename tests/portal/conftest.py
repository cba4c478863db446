"""Portal cast: the citizen linked to themselves (张三 in the village), a guardian linked
to a child in the same village, and a second citizen linked to nobody."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.conftest import cast_member
from tongxing.accounts.roles import Role
from tongxing.portal import actions
from tongxing.portal.models import ActingAs

CITIZEN_PHONE = "13900000001"
GUARDIAN_PHONE = "13900000002"


@pytest.fixture
def self_person(village):
    return factories.make_person(village, name="张三", certificate={"category": 4, "grade": 1})


@pytest.fixture
def child(village):
    return factories.make_person(
        village,
        name="王小明",
        id_number=factories.new_id_number(dt.date(2021, 4, 2)),
        certificate={"category": 5, "grade": 2, "issue_date": dt.date(2024, 1, 10)},
    )


@pytest.fixture
def linked_citizen(citizen, self_person, village):
    actions.link_citizen(village, citizen, self_person, ActingAs.SELF, phone=CITIZEN_PHONE)
    return citizen


@pytest.fixture
def guardian(child, village):
    user = cast_member("guardian", Role.CITIZEN, None)
    actions.link_citizen(
        village, user, child, ActingAs.PARENT_OF_CHILD, relation="母亲", phone=GUARDIAN_PHONE
    )
    return user


@pytest.fixture
def as_role(request, client):
    """as_role(name) -> the test client signed in as that fixture (or anonymous), in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


@pytest.fixture
def stranger(db):
    """A citizen account linked to nobody."""
    return cast_member("stranger", Role.CITIZEN, None)


# The engine's fixtures: parameters, holidays and service types loaded; documents kept in
# a temporary directory; a legal aid station the provider works for.
from tests.services.conftest import documents_dir, legal_station, services  # noqa: E402, F401
