"""Bulk writes: an Arrow table inserted with insert_arrow reads back the same on both
databases (COPY on PostgreSQL, BulkInserter on SQLite), columns it does not give taking
their defaults; rows handed to the background writer land in the caller's transaction and
go with its rollback."""

from __future__ import annotations

import datetime as dt
import sys

import pyarrow as pa
import pytest
from django.db import IntegrityError, connection, transaction

from tests import factories
from tongxing.core.bulk import (
    WRITER_SWITCH_INTERVAL,
    BulkInserter,
    PrimaryKeys,
    background_writes,
    foreign_keys_checked_per_statement,
    insert_arrow,
    short_gil_turns,
)
from tongxing.monitoring.models import CaseEvent, RiskCase
from tongxing.registry.models import Household

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


def _households(count: int, first: int | None = None) -> list[tuple]:
    ids = PrimaryKeys(Household).take(count) if first is None else range(first, first + count)
    return [(pk, factories.VILLAGE, f"{pk}号") for pk in ids]


def test_rows_written_through_the_background_writer_read_back_after_the_block(db):
    rows = _households(3000)
    with transaction.atomic(), background_writes() as writer:
        inserter = BulkInserter(Household, ("id", "area", "address"), NOW, writer=writer)
        inserter.insert(rows[:1000])
        inserter.insert(rows[1000:])
    stored = dict(Household.objects.values_list("id", "address"))
    assert stored == {pk: address for pk, _, address in rows}


def test_a_statement_failing_on_the_writer_thread_raises_and_rolls_everything_back(db):
    rows = _households(10)
    with pytest.raises(IntegrityError), transaction.atomic(), background_writes() as writer:
        inserter = BulkInserter(Household, ("id", "area", "address"), NOW, writer=writer)
        inserter.insert(rows)
        inserter.insert(rows[:1])  # the same key again
    assert Household.objects.count() == 0
    assert list(Household.objects.all()) == []  # the connection still answers


def test_a_failure_in_the_caller_while_rows_are_queued_writes_nothing(db):
    rows = _households(4000)
    with pytest.raises(RuntimeError), transaction.atomic(), background_writes() as writer:
        inserter = BulkInserter(Household, ("id", "area", "address"), NOW, writer=writer)
        for start in range(0, 4000, 500):
            inserter.insert(rows[start : start + 500])
        raise RuntimeError("the next chunk failed its check")
    assert Household.objects.count() == 0


def test_the_background_writer_refuses_to_start_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError, match="needs a transaction"), background_writes():
        pass


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite page cache")
def test_the_bulk_page_cache_is_set_for_the_block_and_restored_after(db, settings):
    settings.TONGXING_SQLITE_BULK_CACHE_MB = 64

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    with transaction.atomic(), background_writes():
        assert cache_size() == -64 * 1024
    assert cache_size() == before != -64 * 1024


def _household_in_an_unknown_area() -> tuple:
    (pk,) = PrimaryKeys(Household).take(1)
    return (pk, "519999999999", "1号")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's SET CONSTRAINTS")
def test_inside_the_block_a_dangling_foreign_key_fails_at_its_own_statement(db):
    inserter = BulkInserter(Household, ("id", "area", "address"), NOW)
    with transaction.atomic(), foreign_keys_checked_per_statement():
        # The inner atomic is a savepoint, so that the test can look after the failure.
        with pytest.raises(IntegrityError, match="areas_area"), transaction.atomic():
            inserter.insert([_household_in_an_unknown_area()])
        assert Household.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's SET CONSTRAINTS")
def test_after_the_block_foreign_keys_are_checked_at_commit_again(db):
    dangling = _household_in_an_unknown_area()
    with transaction.atomic():
        with foreign_keys_checked_per_statement():
            pass
        # Written, not refused: the check waits for the commit, as Django's keys do.
        BulkInserter(Household, ("id", "area", "address"), NOW).insert([dangling])
        assert Household.objects.filter(pk=dangling[0]).count() == 1
        transaction.set_rollback(True)
    assert Household.objects.count() == 0


def test_foreign_keys_checked_per_statement_refuses_to_start_outside_a_transaction(
    transactional_db,
):
    if connection.vendor != "postgresql":
        pytest.skip("does nothing elsewhere")
    with (
        pytest.raises(RuntimeError, match="needs a transaction"),
        foreign_keys_checked_per_statement(),
    ):
        pass


def test_the_gil_switch_interval_is_shortened_for_the_block_and_restored_after(db):
    before = sys.getswitchinterval()
    with transaction.atomic(), background_writes():
        assert sys.getswitchinterval() == WRITER_SWITCH_INTERVAL
    assert sys.getswitchinterval() == before != WRITER_SWITCH_INTERVAL


def test_a_failed_block_restores_the_gil_switch_interval_too(db):
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), transaction.atomic(), background_writes():
        raise RuntimeError("the check failed")
    assert sys.getswitchinterval() == before


def test_overlapping_blocks_restore_the_gil_switch_interval_only_when_the_last_one_ends():
    before = sys.getswitchinterval()
    outer = short_gil_turns()
    outer.__enter__()
    with short_gil_turns():
        assert sys.getswitchinterval() == WRITER_SWITCH_INTERVAL
    assert sys.getswitchinterval() == WRITER_SWITCH_INTERVAL  # the first still runs
    outer.__exit__(None, None, None)
    assert sys.getswitchinterval() == before
