"""A department account belongs to a department, and a token's purpose must be one that
department may hold (api/purposes.py): refused at issue with nothing written, and again at
every call if the account's department changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.api.test_tokens import create, login, nothing_made
from tongxing.accounts.demo import ensure_demo_accounts
from tongxing.accounts.models import OUTSIDE_BODY, User
from tongxing.accounts.roles import Role
from tongxing.api.purposes import PURPOSES
from tongxing.reconcile.kinds import KINDS


def test_civil_affairs_is_refused_a_police_list_and_nothing_is_written(city, department):
    with pytest.raises(ValidationError) as refused:
        create(city, department, purpose="list.police_deaths")
    assert refused.value.message_dict == {
        "purpose": [
            "Civil affairs (民政) may not hold this purpose; it is for: Public security (公安)."
        ]
    }
    assert nothing_made() == (0, 0, 0)


@pytest.mark.parametrize(
    ("purpose", "allowed"),
    [
        ("list.civil_deaths", False),
        ("findings.deaths", False),
        ("certificate.bus_ride", True),
        ("certificate.hospital_fee", True),
    ],
)
def test_an_outside_body_may_hold_only_certificate_checks(city, hospital, purpose, allowed):
    if allowed:
        token, _raw = create(city, hospital, purpose=purpose)
        assert (token.account, token.purpose) == (hospital, purpose)
        assert nothing_made() == (1, 1, 1)
    else:
        with pytest.raises(ValidationError) as refused:
            create(city, hospital, purpose=purpose)
        assert list(refused.value.message_dict) == ["purpose"]
        assert nothing_made() == (0, 0, 0)


def test_every_list_purpose_is_held_only_by_the_department_sending_that_list():
    for kind in KINDS.values():
        assert PURPOSES[f"list.{kind.key}"].departments == frozenset({str(kind.department)})


def test_a_department_account_whose_department_is_not_recorded_gets_no_token(city, db):
    unrecorded = factories.make_user("dept_unknown", Role.DEPARTMENT, "5119")
    with pytest.raises(ValidationError) as refused:
        create(city, unrecorded)
    assert refused.value.message_dict == {
        "account": [
            "This account's department is not recorded; record it before giving it a token."
        ]
    }
    assert nothing_made() == (0, 0, 0)


def test_the_page_shows_the_refused_purpose_next_to_its_field(client, request, city, department):
    login(client, request, "city")
    response = client.post(
        reverse("api_clients:index"),
        {
            "name": "民政 police feed",
            "account": department.pk,
            "purpose": "list.police_moves",
            "area": "5119",
            "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "rate_per_minute": "60",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "purpose": [
            "Civil affairs (民政) may not hold this purpose; it is for: Public security (公安)."
        ]
    }
    assert response.context["created"] is None
    assert nothing_made() == (0, 0, 0)


def test_the_page_names_each_accounts_department(client, request, city, department, hospital):
    login(client, request, "city")
    response = client.get(reverse("api_clients:index"))
    choices = [label for _value, label in response.context["form"].fields["account"].choices]
    assert choices == [
        "—",
        "department (Civil affairs (民政))",
        "hospital (A body outside government (e.g. a bus company or a hospital))",
    ]


def test_a_token_stops_working_when_its_account_moves_to_another_department(
    city, department, api_client
):
    _token, raw = create(city, department, purpose="findings.deaths")
    department.department = "education"
    department.save(update_fields=["department"])
    response = api_client(raw).get("/api/v1/findings")
    assert response.status_code == 401
    assert response.json()["header"]["status_reason_code"] == "account_not_allowed"


def test_only_department_accounts_have_a_department(county):
    county.department = OUTSIDE_BODY
    with pytest.raises(IntegrityError), transaction.atomic():
        county.save(update_fields=["department"])
    assert User.objects.get(pk=county.pk).department == ""


def test_the_demo_department_accounts_have_departments_that_fit_the_demo_token(db):
    users = {user.username: user for user in ensure_demo_accounts()}
    assert users["department"].department == "civil_affairs"
    assert users["hospital"].department == OUTSIDE_BODY
    assert PURPOSES["certificate.hospital_fee"].allows(users["hospital"].department)
    assert {u.department for name, u in users.items() if u.role != Role.DEPARTMENT} == {""}


def test_only_the_findings_their_department_must_act_on_name_persons():
    assert {
        key: (spec.rules, sorted(spec.departments))
        for key, spec in PURPOSES.items()
        if spec.identifies_persons
    } == {
        "findings.pension": (("severe_no_pension",), ["hrss"]),
        "findings.school": (("child_not_enrolled",), ["education"]),
    }
