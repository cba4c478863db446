"""Who may call: unknown, revoked and expired tokens are refused, calls are rate limited
per token across processes (the count is in the database), and every call is logged
without the payload's personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tongxing.api import ratelimit
from tongxing.api.actions import hash_token, revoke_token
from tongxing.api.models import ApiCall, ApiToken, RateWindow
from tongxing.core.models import AuditEvent

URL = "/api/v1/certificates/check"


@pytest.fixture
def holder(village):
    return factories.make_person(village, name="王五")


def refused_code(response) -> str:
    return response.json()["header"]["status_reason_code"]


def test_a_call_without_a_token_is_refused_and_logged(api_client, holder):
    response = api_client(None).post(URL, {"id_number": holder.id_number})
    assert (response.status_code, refused_code(response)) == (401, "unauthorized")
    call = ApiCall.objects.get()
    assert (call.token, call.endpoint, call.status, call.outcome) == (
        None,
        "check_certificate",
        401,
        "unauthorized",
    )


def test_an_unknown_token_is_refused(api_client, holder):
    response = api_client("txk_not-a-token").post(URL, {"id_number": holder.id_number})
    assert (response.status_code, refused_code(response)) == (401, "invalid_token")


def test_a_revoked_token_stops_working(api_client, token_for, city, holder):
    raw = token_for("certificate.bus_ride")
    revoke_token(city, ApiToken.objects.get(key_hash=hash_token(raw)), "contract ended")
    response = api_client(raw).post(URL, {"id_number": holder.id_number})
    assert (response.status_code, refused_code(response)) == (401, "token_revoked")
    assert not AuditEvent.objects.filter(object_type="registry.certificate").exists()


def test_an_expired_token_stops_working(api_client, token_for, holder):
    raw = token_for("certificate.bus_ride")
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = api_client(raw).post(URL, {"id_number": holder.id_number})
    assert (response.status_code, refused_code(response)) == (401, "token_expired")


def test_a_deactivated_department_account_disables_its_tokens(
    api_client, token_for, department, holder
):
    raw = token_for("certificate.bus_ride")
    department.is_active = False
    department.save(update_fields=["is_active"])
    response = api_client(raw).post(URL, {"id_number": holder.id_number})
    assert (response.status_code, refused_code(response)) == (401, "account_not_allowed")


def test_calls_past_the_tokens_rate_get_429_with_retry_after(api_client, token_for, holder):
    client = api_client(token_for("certificate.bus_ride", rate=2))
    statuses = [client.post(URL, {"id_number": holder.id_number}).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200]
    if statuses[2] == 200:  # the minute turned between calls; the window restarts
        statuses.append(client.post(URL, {"id_number": holder.id_number}).status_code)
    refused = client.post(URL, {"id_number": holder.id_number})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused_code(refused) == "rate_limited"
    assert ApiCall.objects.filter(outcome="rate_limited").exists()


def test_the_rate_window_counts_calls_in_the_database(token_for):
    token = ApiToken.objects.get(key_hash=hash_token(token_for("certificate.bus_ride", rate=2)))
    moment = timezone.now().replace(second=30, microsecond=0)
    assert [ratelimit.take(token, moment) for _ in range(3)] == [None, None, 30]
    assert RateWindow.objects.get().calls == 2
    assert ratelimit.take(token, moment + dt.timedelta(seconds=30)) is None


def test_every_call_is_logged_without_personal_data(api_client, token_for, holder):
    client = api_client(token_for("certificate.hospital_fee"))
    client.post(URL, {"id_number": holder.id_number})
    client.post(URL, {"id_number": "123"})
    calls = list(ApiCall.objects.order_by("id").values())
    assert [(c["endpoint"], c["purpose"], c["status"], c["outcome"]) for c in calls] == [
        ("check_certificate", "certificate.hospital_fee", 200, "ok"),
        ("check_certificate", "certificate.hospital_fee", 422, "invalid"),
    ]
    assert AuditEvent.objects.filter(source__startswith="api:").count() == 1
    logged = repr(calls) + repr(list(AuditEvent.objects.filter(source__startswith="api:").values()))
    assert holder.id_number not in logged
    assert holder.name not in logged


def test_the_outcome_header_for_the_log_does_not_leave_the_server(api_client, token_for, db):
    response = api_client(token_for("certificate.bus_ride")).post(URL, {"id_number": "1"})
    assert response.status_code == 422
    assert "X-Tongxing-Outcome" not in response.headers


def test_the_openapi_document_and_the_docs_page_are_published(client, db):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/lists",
        "/api/v1/certificates/check",
        "/api/v1/findings",
    }
    assert client.get("/api/docs").status_code == 200


def test_the_openapi_document_describes_the_full_number_and_name_of_named_findings(client, db):
    item = client.get("/api/openapi.json").json()["components"]["schemas"]["FindingItem"]
    assert {"id_number", "name", "id_number_masked"} <= set(item["properties"])
    assert "id_number" not in item["required"] and "name" not in item["required"]
    assert "id_number_masked" in item["required"]
    described = item["properties"]["id_number"]["description"]
    assert "(findings.pension, findings.school)" in described
    assert "audit trail" in described
    assert item["properties"]["name"]["description"] == (
        "The person's name, on the same terms as id_number."
    )
