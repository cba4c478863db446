"""POST /api/v1/certificates/check: only what the purpose needs, only in the token's area."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.registry.models import CertificateStatus, DisabilityCertificate

URL = "/api/v1/certificates/check"


@pytest.fixture
def holder(village):
    return factories.make_person(village, name="王五", certificate={"category": 4, "grade": 1})


def check(client, number: str, **extra):
    return client.post(URL, {"id_number": number, **extra})


def test_a_hospital_token_learns_validity_category_and_grade_and_nothing_else(
    api_client, token_for, holder
):
    client = api_client(token_for("certificate.hospital_fee"))
    response = check(client, holder.id_number, reference_id="visit-7")
    assert response.status_code == 200
    body = response.json()
    message = dict(body["message"])
    checked_on = message.pop("checked_on")
    assert message == {"reference_id": "visit-7", "valid": True, "category": 4, "grade": 1}
    assert body["header"]["status"] == "succ"
    text = response.content.decode()
    assert holder.name not in text and holder.id_number not in text
    assert holder.id_number[-8:] not in text
    assert checked_on
    event = AuditEvent.objects.get(object_type="registry.certificate")
    assert (event.action, event.person_id, event.purpose) == (
        AuditAction.VIEW,
        holder.pk,
        "certificate.hospital_fee",
    )


def test_a_bus_token_learns_only_whether_the_certificate_is_valid(api_client, token_for, holder):
    client = api_client(token_for("certificate.bus_ride"))
    response = check(client, holder.id_number)
    assert response.status_code == 200
    assert set(response.json()["message"]) == {"valid", "checked_on"}
    assert response.json()["message"]["valid"] is True


@pytest.mark.parametrize("status", [CertificateStatus.CANCELLED, CertificateStatus.FROZEN])
def test_a_cancelled_or_frozen_certificate_is_not_valid_and_shows_no_grade(
    api_client, token_for, holder, status
):
    DisabilityCertificate.objects.filter(person=holder).update(status=status)
    client = api_client(token_for("certificate.hospital_fee"))
    message = check(client, holder.id_number).json()["message"]
    assert (message["valid"], "grade" in message, "category" in message) == (False, False, False)


def test_an_unknown_person_gets_the_same_answer_as_no_valid_certificate(api_client, token_for, db):
    client = api_client(token_for("certificate.hospital_fee"))
    response = check(client, factories.new_id_number())
    assert response.status_code == 200
    assert response.json()["message"]["valid"] is False
    assert not AuditEvent.objects.filter(object_type="registry.certificate").exists()


def test_a_token_cannot_reach_a_person_outside_its_area(api_client, token_for, holder):
    client = api_client(token_for("certificate.hospital_fee", area="511921"))
    response = check(client, holder.id_number)
    assert response.status_code == 200
    assert set(response.json()["message"]) == {"valid", "checked_on"}
    assert response.json()["message"]["valid"] is False
    event = AuditEvent.objects.get(object_type="registry.certificate")
    assert (event.action, event.person_id) == (AuditAction.REFUSED, holder.pk)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"id_number": "51190219600517001"}, 422, "invalid"),
        ({"id_number": "511902196005170010"}, 422, "bad_id_number"),
        ({"id_number": "x", "name": "王五"}, 422, "invalid"),
        ({}, 422, "invalid"),
        ("[1, 2", 400, "malformed_json"),
    ],
    ids=["short", "bad-check-character", "unknown-field", "empty", "malformed-json"],
)
def test_bad_input_is_a_clear_4xx_and_nothing_is_read(
    api_client, token_for, db, body, status, code
):
    client = api_client(token_for("certificate.bus_ride"))
    response = client.post(URL, body if isinstance(body, str) else json.dumps(body))
    assert response.status_code == status
    assert response.json()["header"]["status_reason_code"] == code
    assert not AuditEvent.objects.filter(object_type="registry.certificate").exists()


@pytest.mark.parametrize("purpose", ["list.civil_deaths", "findings.deaths"])
def test_a_token_for_another_purpose_cannot_check_certificates(
    api_client, token_for, holder, purpose
):
    client = api_client(token_for(purpose))
    response = check(client, holder.id_number)
    assert response.status_code == 403
    assert response.json()["header"]["status_reason_code"] == "wrong_purpose"
    assert not AuditEvent.objects.filter(object_type="registry.certificate").exists()
