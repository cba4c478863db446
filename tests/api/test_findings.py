"""GET /api/v1/findings: the token's purpose's findings in its area, paginated, masked."""

from __future__ import annotations

import pytest

from tests import factories
from tests.reconcile.helpers import ON, upload
from tongxing.core.models import AuditEvent
from tongxing.core.scoping import prefix_q
from tongxing.reconcile import actions as reconcile_actions
from tongxing.reconcile.models import Finding

URL = "/api/v1/findings"
DEATHS = ["身份证号", "姓名", "死亡日期"]


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
    assert newest.person.id_number not in response.content.decode()
    assert newest.person.name not in response.content.decode()
    second = client.get(URL, page_size=1, page=2).json()["message"]["findings"]
    assert [f["id"] for f in second] != [item["id"]] and len(second) == 1
    assert AuditEvent.objects.filter(source__startswith="api:", action="view").count() == 2


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
