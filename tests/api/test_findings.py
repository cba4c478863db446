"""GET /api/v1/findings: the token's purpose's findings in its area, paginated, masked;
named in full, and each person revealed audited, for purposes whose department acts on
the person."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.reconcile.helpers import ON, upload
from tongxing.api import actions
from tongxing.api.models import ApiToken
from tongxing.core.models import AuditEvent
from tongxing.core.scoping import prefix_q
from tongxing.reconcile import actions as reconcile_actions
from tongxing.reconcile.models import Finding
from tongxing.registry.models import Person

URL = "/api/v1/findings"
DEATHS = ["身份证号", "姓名", "死亡日期"]
ENROLMENT = ["身份证号", "姓名"]
# What every findings purpose answers with; purposes that identify persons add two fields.
MASKED_FIELDS = {
    "id",
    "rule",
    "status",
    "area_code",
    "id_number_masked",
    "found_at",
    "closed_at",
    "list_id",
    "list_date",
    "event_date",
}


@pytest.fixture
def found(village, county, other_county):
    """Two persons in 巴州区 and one in 通江县 reported dead while alive in the registry."""
    here = [factories.make_person(village, name=name) for name in ("甲", "乙")]
    there = factories.make_person(other_county, name="丙", area_code=factories.OTHER_COUNTY_VILLAGE)
    upload(county, "civil_deaths", DEATHS, [[p.id_number, p.name, "2025-03-20"] for p in here])
    upload(other_county, "civil_deaths", DEATHS, [[there.id_number, "丙", "2025-03-20"]])
    reconcile_actions.run_reconciliation(county, ON)
    reconcile_actions.run_reconciliation(other_county, ON)
    return here, there


def test_a_death_findings_token_reads_its_area_masked_and_paginated(api_client, token_for, found):

    client = api_client(token_for("findings.deaths", area="511902"))
    response = client.get(URL, page_size=1)
    assert response.status_code == 200
    message = response.json()["message"]
    assert message["pagination"] == {"page_number": 1, "page_size": 1, "total_count": 2}
    [item] = message["findings"]
    newest = Finding.objects.filter(prefix_q("area_id", "511902")).order_by("-found_at", "-id")[0]
    assert item["id"] == newest.pk
    assert (item["rule"], item["status"], item["area_code"]) == (
        "deceased_alive",
        "open",
        newest.area_id,
    )
    assert item["id_number_masked"][:6] == newest.person.id_number[:6]
    assert set(item) == MASKED_FIELDS
    assert newest.person.id_number not in response.content.decode()
    assert newest.person.name not in response.content.decode()
    second = client.get(URL, page_size=1, page=2).json()["message"]["findings"]
    assert [f["id"] for f in second] != [item["id"]] and len(second) == 1
    assert AuditEvent.objects.filter(source__startswith="api:", action="view").count() == 2
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_a_city_token_may_narrow_to_a_county(api_client, token_for, found):
    client = api_client(token_for("findings.deaths"))
    assert client.get(URL).json()["message"]["pagination"]["total_count"] == 3
    narrowed = client.get(URL, area="511921").json()["message"]
    assert narrowed["pagination"]["total_count"] == 1


def test_a_county_token_cannot_ask_for_another_county(api_client, token_for, found):
    client = api_client(token_for("findings.deaths", area="511902"))
    response = client.get(URL, area="511921")
    assert response.status_code == 403
    assert response.json()["header"]["status_reason_code"] == "wrong_area"
    assert not AuditEvent.objects.filter(source__startswith="api:").exists()


def test_a_token_sees_only_the_findings_its_purpose_covers(api_client, token_for, found):
    client = api_client(token_for("findings.pension"))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["message"]["pagination"]["total_count"] == 0


@pytest.mark.parametrize("purpose", ["certificate.bus_ride", "list.civil_deaths"])
def test_a_token_for_another_purpose_cannot_read_findings(api_client, token_for, found, purpose):
    response = api_client(token_for(purpose)).get(URL)
    assert response.status_code == 403
    assert response.json()["header"]["status_reason_code"] == "wrong_purpose"


@pytest.mark.parametrize(
    "params",
    [{"page": 0}, {"page_size": 101}, {"area": "51x"}, {"status": "closed"}],
    ids=["page-0", "page-too-big", "bad-area", "bad-status"],
)
def test_bad_query_parameters_are_a_clear_422(api_client, token_for, found, params):
    response = api_client(token_for("findings.deaths")).get(URL, **params)
    assert response.status_code == 422
    assert response.json()["header"]["status_reason_code"] == "invalid"


def severe(actor, name: str, **overrides):
    """A grade-1 person of working age on the day the tests reconcile."""
    return factories.make_person(
        actor,
        name=name,
        id_number=factories.new_id_number(dt.date(1985, 1, 1)),
        certificate={"grade": 1},
        **overrides,
    )


@pytest.fixture
def unenrolled(village, county, other_county):
    """Two severely disabled persons in 巴州区 missing from its pension list, one in 通江县
    missing from its own, and a 巴州区 person reported dead (another rule's finding)."""
    here = [severe(village, name) for name in ("甲", "乙")]
    there = severe(other_county, "丙", area_code=factories.OTHER_COUNTY_VILLAGE)
    enrolled = severe(village, "丁")
    dead = factories.make_person(village, name="戊")
    upload(county, "pension_enrolment", ENROLMENT, [[enrolled.id_number, "丁"]])
    upload(county, "civil_deaths", DEATHS, [[dead.id_number, "戊", "2025-03-20"]])
    upload(other_county, "pension_enrolment", ENROLMENT, [[factories.new_id_number(), "己"]])
    reconcile_actions.run_reconciliation(county, ON)
    reconcile_actions.run_reconciliation(other_county, ON)
    return here, there


def test_a_pension_enrolment_token_sees_full_numbers_and_names_and_each_reveal_is_audited(
    api_client, token_for, unenrolled
):
    here, _there = unenrolled
    raw = token_for("findings.pension", area="511902")
    response = api_client(raw).get(URL)
    assert response.status_code == 200
    found = response.json()["message"]["findings"]
    assert {(f["rule"], f["id_number"], f["name"]) for f in found} == {
        ("severe_no_pension", person.id_number, person.name) for person in here
    }
    assert all(set(f) == MASKED_FIELDS | {"id_number", "name"} for f in found)
    assert {f["id_number_masked"] for f in found} == {
        person.id_number[:6] + "********" + person.id_number[-4:] for person in here
    }
    reveals = AuditEvent.objects.filter(action="reveal")
    account = ApiToken.objects.get(key_hash=actions.hash_token(raw)).account
    assert sorted(
        reveals.values_list(
            "person_id", "object_type", "object_id", "purpose", "actor", "source", "area_code"
        )
    ) == sorted(
        (
            person.pk,
            "registry.person",
            str(person.pk),
            "findings.pension",
            account.pk,
            f"api:{raw[:12]}",
            person.area_id,
        )
        for person in here
    )
    assert AuditEvent.objects.filter(action="view", purpose="findings.pension").count() == 1


def test_every_page_of_named_findings_is_audited_and_only_its_persons(
    api_client, token_for, unenrolled
):
    client = api_client(token_for("findings.pension", area="511902"))
    first = client.get(URL, page_size=1).json()["message"]["findings"]
    second = client.get(URL, page_size=1, page=2).json()["message"]["findings"]
    shown = [f["id_number"] for f in first + second]
    revealed = AuditEvent.objects.filter(action="reveal").order_by("id")
    assert [Person.objects.get(pk=event.person_id).id_number for event in revealed] == shown


def test_a_named_findings_token_reveals_no_one_outside_its_area_or_its_rules(
    api_client, token_for, unenrolled
):
    here, there = unenrolled
    client = api_client(token_for("findings.pension", area="511902"))
    response = client.get(URL)
    message = response.json()["message"]
    assert message["pagination"]["total_count"] == 2
    assert {f["name"] for f in message["findings"]} == {"甲", "乙"}
    assert there.id_number not in response.content.decode()
    assert "戊" not in response.content.decode()
    refused = client.get(URL, area="511921")
    assert refused.status_code == 403
    assert refused.json()["header"]["status_reason_code"] == "wrong_area"
    assert there.id_number not in refused.content.decode()
    assert set(AuditEvent.objects.filter(action="reveal").values_list("person_id", flat=True)) == {
        person.pk for person in here
    }


def test_an_empty_page_of_named_findings_reveals_no_one(api_client, token_for, unenrolled):
    response = api_client(token_for("findings.pension", area="511902")).get(URL, page=2)
    assert response.json()["message"]["findings"] == []
    assert not AuditEvent.objects.filter(action="reveal").exists()
