"""Two servers at once: the idempotency key and the rate window hold across concurrent
connections (PostgreSQL; SQLite serialises writers, so there is nothing to prove there)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests import factories
from tests.api.conftest import ApiClient, make_token
from tongxing.api.models import ApiCall
from tongxing.reconcile.models import DepartmentList

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True),
]


def at_once(calls: int, call) -> list[int]:
    barrier = threading.Barrier(calls)
    statuses: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            statuses.append(call())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_the_same_submission_sent_twice_at_once_is_stored_once(committed_region, city, department):
    raw = make_token(city, department, "list.civil_deaths")
    body = {
        "kind": "civil_deaths",
        "list_date": "2025-06-15",
        "records": [
            {"id_number": factories.new_id_number(), "name": "甲", "event_date": "2025-03-01"}
        ],
    }
    statuses = at_once(
        2,
        lambda: ApiClient(raw).post("/api/v1/lists", body, **{"Idempotency-Key": "k"}).status_code,
    )
    assert statuses == [201, 201]
    assert DepartmentList.objects.count() == 1
    assert sorted(ApiCall.objects.values_list("outcome", flat=True)) == ["ok", "replayed"]


def test_the_rate_limit_holds_across_concurrent_connections(
    committed_region, city, department, village
):
    holder = factories.make_person(village)
    raw = make_token(city, department, "certificate.bus_ride", rate=3)
    statuses = at_once(
        6,
        lambda: (
            ApiClient(raw)
            .post("/api/v1/certificates/check", {"id_number": holder.id_number})
            .status_code
        ),
    )
    # Six calls within one minute (or, if the minute turns mid-way, two windows of three).
    assert statuses.count(200) in (3, 6) and statuses.count(429) == 6 - statuses.count(200)
