"""Several SELECTs read concurrently over ADBC give the same tables as the same SELECTs
read in turn through Django's connection; a failing one fails the whole read; a read of a
SQLite file leaves the connections open on it intact."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from django.db import connection, transaction

from tests import factories
from tongxing.core import arrowio
from tongxing.registry.models import PersonStatus

PERSONS = pa.schema([("person_id", pa.int64()), ("area_id", pa.string())])
AREAS = pa.schema([("code", pa.string()), ("level", pa.string())])
QUERIES = {
    "persons": (
        "SELECT id, area_id FROM registry_person WHERE area_id LIKE %s ORDER BY id",
        ["5119%"],
        PERSONS,
    ),
    "areas": (
        "SELECT code, level FROM areas_area WHERE code LIKE %s ORDER BY code",
        ["511902001%"],
        AREAS,
    ),
    "nobody": ("SELECT id, area_id FROM registry_person WHERE id < %s", [0], PERSONS),
}


@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_give_the_tables_the_django_connection_gives(committed_region, village):
    if arrowio._adbc_target() is None:
        pytest.skip("the in-memory SQLite test database has no file for ADBC to open")
    first = factories.make_person(village, name="甲")
    second = factories.make_person(village, name="乙")

    concurrent = arrowio.fetch_arrow_many(QUERIES)
    with transaction.atomic():
        in_turn = arrowio.fetch_arrow_many(QUERIES)

    assert set(concurrent) == {"persons", "areas", "nobody"}
    for name, table in in_turn.items():
        assert concurrent[name].equals(table), name
    assert concurrent["persons"].to_pylist() == [
        {"person_id": first.pk, "area_id": village.area_id},
        {"person_id": second.pk, "area_id": village.area_id},
    ]
    assert concurrent["nobody"].num_rows == 0
    assert concurrent["nobody"].schema == PERSONS


@pytest.mark.django_db(transaction=True)
def test_one_failing_query_fails_the_whole_read(committed_region):
    if arrowio._adbc_target() is None:
        pytest.skip("the in-memory SQLite test database has no file for ADBC to open")
    broken = {**QUERIES, "broken": ("SELECT no_such_column FROM areas_area", [], AREAS)}

    with pytest.raises(Exception, match="no_such_column"):
        arrowio.fetch_arrow_many(broken)
    # The connection Django holds is untouched and still answers.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_reading_a_sqlite_file_leaves_the_write_ahead_log_of_an_open_connection_alone(tmp_path):
    # Django's connection stays open beside every read, its last writes in the log.
    path = tmp_path / "tongxing.sqlite3"
    django_like = sqlite3.connect(path, isolation_level=None)
    django_like.execute("PRAGMA journal_mode=WAL")
    django_like.execute("PRAGMA wal_autocheckpoint=0")
    django_like.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    django_like.executemany("INSERT INTO t (v) VALUES (?)", [("a",), ("b",)])
    target = arrowio._sqlite_target(str(path))
    schema = pa.schema([("id", pa.int64()), ("v", pa.string())])
    select = ("SELECT id, v FROM t WHERE id > %s ORDER BY id", [0], schema)

    first = arrowio._through_adbc(target, *select)

    assert first.to_pylist() == [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]
    # The reader did not take itself for the last connection and delete the log.
    assert Path(f"{path}-wal").stat().st_size > 0
    django_like.execute("INSERT INTO t (v) VALUES ('c')")
    assert arrowio._through_adbc(target, *select)["v"].to_pylist() == ["a", "b", "c"]
    # A Django choice as a parameter reaches the reader as its value.
    choice = ("SELECT v FROM t WHERE v <> %s ORDER BY id", [PersonStatus.ACTIVE], schema.remove(0))
    assert arrowio._through_adbc(target, *choice)["v"].to_pylist() == ["a", "b", "c"]
    django_like.close()
    after = sqlite3.connect(path)
    assert after.execute("SELECT v FROM t ORDER BY id").fetchall() == [("a",), ("b",), ("c",)]
    assert after.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    after.close()


# Reads a SQLite file once, then waits to be interrupted, as `make demo`'s job worker does.
READ_THEN_WAIT = """
import sqlite3, sys, time
import pyarrow as pa
from tongxing.core import arrowio

path = sys.argv[1]
sqlite3.connect(path).execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
schema = pa.schema([("id", pa.int64())])
arrowio._through_adbc(arrowio._sqlite_target(path), "SELECT id FROM t", [], schema)
try:
    # Inside the try: the interrupt may come before print returns.
    print("read", flush=True)
    time.sleep(60)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_a_ctrl_c_after_a_sqlite_read_stops_the_process_without_a_traceback_from_its_reader(
    tmp_path,
):
    # In a process group of its own, which a terminal's Ctrl-C reaches as a whole.
    process = subprocess.Popen(
        [sys.executable, "-c", READ_THEN_WAIT, str(tmp_path / "tongxing.sqlite3")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout.readline() == "read\n"
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)

    assert (process.returncode, out, err) == (0, "interrupted\n", "")
