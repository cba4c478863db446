"""The access matrix: every registry URL × every role × a person inside or outside the area.

The person lives in 东城街道第1社区 (巴州区). "neighbour" works in the next community and
"other_county" in 通江县: for them the person does not exist (404). Roles without
registry access get 403. Every refusal of a change leaves the database as it was.
"""

import datetime as dt

import pytest

from tongxing.core.models import AuditAction, AuditEvent
from tongxing.registry.models import LifeEvent, LifeEventKind, Person

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
    "auditor",
    "citizen",
)
IN_AREA_STAFF = {"village", "township", "county", "city"}
OUT_OF_AREA_STAFF = {"neighbour", "other_county"}
NO_REGISTRY = {"department", "provider", "auditor", "citizen"}
CERTIFICATE_MANAGERS = {"county", "city"}

EDIT_KINDS = [LifeEventKind.DEATH, LifeEventKind.MOVE, LifeEventKind.MOVE_OUT]
CERTIFICATE_KINDS = [
    LifeEventKind.REASSESSMENT,
    LifeEventKind.RENEWAL,
    LifeEventKind.REISSUE,
    LifeEventKind.FREEZE,
    LifeEventKind.UNFREEZE,
    LifeEventKind.CANCEL,
]


def person_page_status(role):
    if role == "anonymous":
        return 302
    if role in IN_AREA_STAFF:
        return 200
    if role in OUT_OF_AREA_STAFF:
        return 404
    return 403


def certificate_event_status(role):
    if role == "anonymous":
        return 302
    if role in CERTIFICATE_MANAGERS:
        return 200
    if role == "other_county":
        return 404
    return 403


@pytest.fixture
def as_role(request, client, db):
    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


def state(person):
    person = Person.objects.select_related("certificate").get(pk=person.pk)
    return (
        person.name,
        person.status,
        person.area_id,
        person.certificate.number,
        person.certificate.status,
        LifeEvent.objects.count(),
        AuditEvent.objects.exclude(action__in=[AuditAction.VIEW, AuditAction.REFUSED]).count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_person_page_is_shown_only_inside_the_area(as_role, person, role):
    response = as_role(role).get(f"/persons/{person.pk}/")
    assert response.status_code == person_page_status(role)


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_and_reveal_pages_follow_the_same_rule(as_role, person, role):
    client = as_role(role)
    assert client.get(f"/persons/{person.pk}/edit/").status_code == person_page_status(role)
    assert client.get(f"/persons/{person.pk}/reveal/").status_code == person_page_status(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", EDIT_KINDS)
def test_death_and_move_forms_open_for_staff_of_the_area(as_role, person, role, kind):
    response = as_role(role).get(f"/persons/{person.pk}/events/{kind.value}/")
    assert response.status_code == person_page_status(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", CERTIFICATE_KINDS)
def test_certificate_forms_open_only_for_county_and_city_officers_of_the_area(
    as_role, person, role, kind
):
    response = as_role(role).get(f"/persons/{person.pk}/events/{kind.value}/")
    assert response.status_code == certificate_event_status(role)


@pytest.mark.parametrize("role", ROLES)
def test_the_search_page_lists_the_person_only_inside_the_area(as_role, person, role):
    response = as_role(role).get("/persons/", {"q": "张三"})
    if role == "anonymous":
        assert response.status_code == 302
    elif role in NO_REGISTRY:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert (f"/persons/{person.pk}/" in response.content.decode()) == (role in IN_AREA_STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_the_overview_counts_only_the_area(as_role, person, role):
    response = as_role(role).get("/")
    # Accounts without the registry are sent to their own start page.
    expected = {
        "anonymous": 302,
        "auditor": 302,
        "department": 302,
        "provider": 302,
        "citizen": 302,
    }
    assert response.status_code == expected.get(role, 200)
    if response.status_code == 200:
        assert response.context["summary"]["total"] == (1 if role in IN_AREA_STAFF else 0)


@pytest.mark.parametrize("role", ROLES)
def test_the_register_page_is_for_registry_staff(as_role, role):
    response = as_role(role).get("/persons/new/")
    expected = 302 if role == "anonymous" else 403 if role in NO_REGISTRY else 200
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_the_audit_log_is_for_auditors(as_role, role):
    response = as_role(role).get("/audit/")
    expected = 302 if role == "anonymous" else 200 if role == "auditor" else 403
    assert response.status_code == expected


@pytest.mark.parametrize("role", sorted(OUT_OF_AREA_STAFF | NO_REGISTRY | {"anonymous"}))
def test_a_refused_edit_changes_nothing(as_role, person, role):
    before = state(person)
    response = as_role(role).post(
        f"/persons/{person.pk}/edit/",
        {
            "name": "改名",
            "id_number": person.id_number,
            "ethnicity": "汉族",
            "hukou_type": "rural",
            "area": person.area_id,
        },
    )
    assert response.status_code in (302, 403, 404)
    assert state(person) == before


@pytest.mark.parametrize("role", sorted(OUT_OF_AREA_STAFF | NO_REGISTRY | {"anonymous"}))
def test_a_refused_death_record_changes_nothing(as_role, person, role):
    before = state(person)
    response = as_role(role).post(
        f"/persons/{person.pk}/events/death/", {"effective_date": "2024-05-06"}
    )
    assert response.status_code in (302, 403, 404)
    assert state(person) == before


@pytest.mark.parametrize("role", ["village", "township", "neighbour", "other_county"])
def test_a_refused_certificate_cancellation_changes_nothing(as_role, person, role):
    before = state(person)
    response = as_role(role).post(
        f"/persons/{person.pk}/events/cancel/", {"effective_date": "2024-05-06", "note": "x"}
    )
    assert response.status_code in (403, 404)
    assert state(person) == before


def test_an_out_of_area_attempt_is_logged_as_refused(client, neighbour, person):
    client.force_login(neighbour)
    client.get(f"/persons/{person.pk}/")
    refused = AuditEvent.objects.get(action=AuditAction.REFUSED)
    assert (refused.actor, refused.person_id, refused.area_code) == (
        neighbour,
        person.pk,
        person.area_id,
    )


def test_a_missing_person_gives_404_without_a_refusal_row(client, village):
    client.force_login(village)
    assert client.get("/persons/999999/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.REFUSED).exists()


def test_a_county_officer_records_a_death_through_the_page(client, county, person):
    client.force_login(county)
    response = client.post(f"/persons/{person.pk}/events/death/", {"effective_date": "2024-05-06"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.status, person.date_of_death) == ("deceased", dt.date(2024, 5, 6))


def test_an_unknown_event_kind_is_404(client, county, person):
    client.force_login(county)
    assert client.get(f"/persons/{person.pk}/events/marriage/").status_code == 404
