"""POST /api/v1/lists: the same check and store as the upload page, idempotent per key."""

from __future__ import annotations

import pytest

from tests import factories
from tongxing.api.models import ApiCall, IdempotentResult
from tongxing.core.models import AuditEvent
from tongxing.reconcile.models import DepartmentList, DepartmentRow

URL = "/api/v1/lists"


def deaths(*numbers: str, day: str = "2025-03-01") -> dict:
    return {
        "kind": "civil_deaths",
        "list_date": "2025-06-15",
        "records": [{"id_number": number, "name": "甲", "event_date": day} for number in numbers],
    }


def stored() -> tuple[int, int, int]:
    return (
        DepartmentList.objects.count(),
        DepartmentRow.objects.count(),
        IdempotentResult.objects.count(),
    )


@pytest.fixture
def deaths_client(api_client, token_for):
    return api_client(token_for("list.civil_deaths"))


def test_a_department_submits_a_death_list_that_is_stored_like_an_upload(deaths_client, department):
    first, second = factories.new_id_number(), factories.new_id_number()
    response = deaths_client.post(URL, deaths(first, second), **{"Idempotency-Key": "d-1"})
    assert response.status_code == 201
    body = response.json()
    assert body["header"]["status"] == "succ"
    assert body["header"]["action"] == "on-submit-list"
    listed = DepartmentList.objects.get()
    assert body["message"] == {
        "list_id": listed.pk,
        "kind": "civil_deaths",
        "list_date": "2025-06-15",
        "area_code": "5119",
        "rows": 2,
    }
    assert (listed.kind, listed.department, listed.area_id, listed.uploaded_by) == (
        "civil_deaths",
        "civil_affairs",
        "5119",
        department,
    )
    assert sorted(listed.rows.values_list("id_number", flat=True)) == sorted([first, second])
    event = AuditEvent.objects.get(object_type="reconcile.departmentlist")
    assert event.actor == department
    assert "via API token txk_" in event.summary


def test_a_replay_with_the_same_key_and_body_returns_the_first_answer_and_stores_nothing_more(
    deaths_client,
):
    body = deaths(factories.new_id_number())
    first = deaths_client.post(URL, body, **{"Idempotency-Key": "d-1"})
    again = deaths_client.post(URL, body, **{"Idempotency-Key": "d-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["message"] == first.json()["message"]
    assert again["Idempotent-Replayed"] == "true"
    assert stored() == (1, 1, 1)
    assert list(ApiCall.objects.order_by("id").values_list("outcome", flat=True)) == [
        "ok",
        "replayed",
    ]


def test_another_body_under_a_used_key_is_refused_with_409(deaths_client):
    deaths_client.post(URL, deaths(factories.new_id_number()), **{"Idempotency-Key": "d-1"})
    response = deaths_client.post(
        URL, deaths(factories.new_id_number()), **{"Idempotency-Key": "d-1"}
    )
    assert response.status_code == 409
    assert response.json()["header"]["status_reason_code"] == "idempotency_key_reused"
    assert stored() == (1, 1, 1)


def test_the_same_list_under_a_new_key_is_refused_as_already_stored(deaths_client):
    body = deaths(factories.new_id_number())
    deaths_client.post(URL, body, **{"Idempotency-Key": "d-1"})
    response = deaths_client.post(URL, body, **{"Idempotency-Key": "d-2"})
    assert response.status_code == 409
    assert response.json()["header"]["status_reason_code"] == "duplicate_list"
    assert stored() == (1, 1, 1)


def test_a_list_with_a_bad_row_is_refused_whole_naming_the_record_and_field(deaths_client):
    good = factories.new_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = deaths_client.post(URL, deaths(good, bad), **{"Idempotency-Key": "d-1"})
    assert response.status_code == 422
    body = response.json()
    assert body["header"]["status_reason_code"] == "list_refused"
    assert [(e["loc"], e["code"]) for e in body["errors"]] == [
        (["body", "records", 2, "id_number"], "id_check_character")
    ]
    assert stored() == (0, 0, 0)


def test_a_status_may_be_sent_as_the_stored_code(api_client, token_for):
    client = api_client(token_for("list.assistance"))
    number = factories.new_id_number()
    response = client.post(
        URL,
        {
            "kind": "assistance",
            "list_date": "2025-06-15",
            "records": [{"id_number": number, "name": "乙", "status": "dibao"}],
        },
        **{"Idempotency-Key": "a-1"},
    )
    assert response.status_code == 201
    assert DepartmentRow.objects.get().status == "dibao"


def test_a_token_for_a_smaller_area_stores_the_list_for_that_area(api_client, token_for):
    client = api_client(token_for("list.civil_deaths", area="511902"))
    response = client.post(URL, deaths(factories.new_id_number()), **{"Idempotency-Key": "k"})
    assert response.status_code == 201
    assert DepartmentList.objects.get().area_id == "511902"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "malformed_json"),
        ({**deaths("x"), "extra": 1}, 422, "invalid"),
        (
            {**deaths("x"), "records": [{"id_number": "x", "nickname": "甲"}]},
            422,
            "invalid",
        ),
        ({"kind": "civil_deaths", "list_date": "2025-06-15", "records": []}, 422, "invalid"),
        ({**deaths("x"), "kind": "no_such_kind"}, 422, "invalid"),
        ({**deaths("x"), "list_date": "2025-13-01"}, 422, "invalid"),
        (
            {**deaths("x"), "records": [{"id_number": "x", "amount": "12.00"}]},
            422,
            "not_in_kind",
        ),
        ({**deaths("x"), "list_date": "2999-01-01"}, 422, "invalid"),
    ],
    ids=[
        "malformed-json",
        "unknown-field",
        "unknown-record-field",
        "no-records",
        "unknown-kind",
        "impossible-date",
        "field-not-in-kind",
        "future-list-date",
    ],
)
def test_bad_input_is_a_clear_4xx_and_nothing_is_stored(deaths_client, body, status, code):
    response = deaths_client.post(URL, body, **{"Idempotency-Key": "bad"})
    assert response.status_code == status
    assert response.json()["header"]["status_reason_code"] == code
    assert stored() == (0, 0, 0)


def test_a_submission_without_an_idempotency_key_is_refused(deaths_client):
    response = deaths_client.post(URL, deaths(factories.new_id_number()))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert stored() == (0, 0, 0)


def test_an_oversize_body_is_refused_with_413_before_it_is_read(deaths_client, settings):
    settings.TONGXING_API_MAX_BYTES = 1024
    numbers = [factories.new_id_number() for _ in range(30)]
    response = deaths_client.post(URL, deaths(*numbers), **{"Idempotency-Key": "big"})
    assert response.status_code == 413
    assert response.json()["header"]["status_reason_code"] == "payload_too_large"
    assert stored() == (0, 0, 0)
    assert ApiCall.objects.get().outcome == "payload_too_large"


@pytest.mark.parametrize(
    ("purpose", "kind"),
    [("list.police_deaths", "civil_deaths"), ("certificate.bus_ride", "civil_deaths")],
)
def test_a_token_cannot_submit_a_list_its_purpose_does_not_name(
    api_client, token_for, purpose, kind
):
    client = api_client(token_for(purpose))
    body = deaths(factories.new_id_number()) | {"kind": kind}
    response = client.post(URL, body, **{"Idempotency-Key": "k"})
    assert response.status_code == 403
    assert response.json()["header"]["status_reason_code"] == "wrong_purpose"
    assert stored() == (0, 0, 0)
