"""An Arrow table inserted with insert_arrow reads back the same on both databases (COPY
on PostgreSQL, BulkInserter on SQLite), columns it does not give taking their defaults."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from tests import factories
from tongxing.core.bulk import PrimaryKeys, insert_arrow
from tongxing.monitoring.models import CaseEvent, RiskCase

NOW = dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC)


def test_an_arrow_table_reads_back_with_defaults_for_the_columns_not_given(village):
    person = factories.make_person(village, name="甲")
    (case_id,) = PrimaryKeys(RiskCase).take(1)

    written = insert_arrow(
        RiskCase,
        pa.table(
            {
                "id": pa.array([case_id], pa.int64()),
                "person_id": pa.array([person.pk], pa.int64()),
                "area_id": [person.area_id],
                "status": ["open"],
                "level": ["high"],
                "rules": ["income,no_caregiver"],
                "opened_month": pa.array([dt.date(2025, 12, 1)], pa.date32()),
                "last_flagged_month": pa.array([dt.date(2025, 12, 1)], pa.date32()),
                "close_reason": [""],
            }
        ),
        NOW,
    )
    insert_arrow(
        CaseEvent,
        pa.table(
            {
                "case_id": pa.array([case_id], pa.int64()),
                "kind": ["opened"],
                "month": pa.array([dt.date(2025, 12, 1)], pa.date32()),
                "note": ["income,no_caregiver"],
                "at": pa.array([NOW], pa.timestamp("us", tz="UTC")),
            }
        ),
        NOW,
    )

    assert written == 1
    case = RiskCase.objects.get()
    assert (case.pk, case.person_id, case.area_id, case.status, case.level) == (
        case_id,
        person.pk,
        village.area_id,
        "open",
        "high",
    )
    assert (case.opened_month, case.closed_by_id, case.closed_at, case.close_reason) == (
        dt.date(2025, 12, 1),
        None,
        None,
        "",
    )
    event = CaseEvent.objects.get()
    assert (event.case_id, event.kind, event.note, event.at, event.actor_id) == (
        case_id,
        "opened",
        "income,no_caregiver",
        NOW,
        None,
    )


def test_an_empty_table_writes_nothing(db):
    assert insert_arrow(RiskCase, pa.table({"id": pa.array([], pa.int64())}), NOW) == 0
    assert RiskCase.objects.count() == 0
