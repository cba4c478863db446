"""A stored list's rows are kept as a columnar file, read back instead of the database when
the file is good, and read from the database (and written again) when it is not."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.feather as feather
from django.db import connection

from tests import factories
from tests.reconcile.helpers import csv_file
from tongxing.core.rotation import start_new_version
from tongxing.reconcile import actions, engine, store

ON = dt.date(2025, 6, 15)
DEATHS = ["身份证号", "姓名", "死亡日期"]


def _deaths_list(county, persons, day=dt.date(2025, 4, 1)):
    rows = [[p.id_number, p.name, "2025-03-20"] for p in persons]
    return actions.upload_list(county, "civil_deaths", day, csv_file([DEATHS, *rows]), ON)


def _from_database(stored) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT department_list_id, id_number_index, event_date, status "
            "FROM reconcile_departmentrow WHERE department_list_id = %s ORDER BY row",
            [stored.pk],
        )
        return cursor.fetchall()


def _rows(table: pa.Table) -> list[tuple]:
    return [tuple(row.values()) for row in table.to_pylist()]


def test_storing_a_list_writes_its_rows_file_with_the_databases_values(
    village, county, list_rows_dir
):
    persons = [factories.make_person(village, name=name) for name in ("甲", "乙")]

    stored = _deaths_list(county, persons)

    files = sorted(p.name for p in list_rows_dir.iterdir())
    assert files == [f"{stored.pk}.v1.arrow"]
    assert _rows(feather.read_table(list_rows_dir / files[0])) == _from_database(stored)
    assert _rows(store.list_rows([stored])) == [
        (stored.pk, p.id_number_index, dt.date(2025, 3, 20), "") for p in persons
    ]


def test_a_missing_or_foreign_file_is_rebuilt_from_the_database(village, county, list_rows_dir):
    person = factories.make_person(village, name="甲")
    stored = _deaths_list(county, [person])
    path = list_rows_dir / f"{stored.pk}.v1.arrow"

    path.unlink()
    assert _rows(store.list_rows([stored])) == _from_database(stored)
    assert path.exists()

    # A file left by another list under the same key (a rolled-back upload) is not used.
    other = store.ROWS.empty_table().replace_schema_metadata(
        {b"list_id": str(stored.pk).encode(), b"sha256": b"0" * 64, b"index_key_version": b"1"}
    )
    feather.write_feather(other, path)
    assert _rows(store.list_rows([stored])) == _from_database(stored)
    assert _rows(feather.read_table(path)) == _from_database(stored)

    path.write_bytes(b"not an arrow file")
    assert _rows(store.list_rows([stored])) == _from_database(stored)


def test_during_a_key_rotation_rows_come_from_the_database_and_no_file_is_written(
    village, county, list_rows_dir
):
    person = factories.make_person(village, name="甲")
    stored = _deaths_list(county, [person])

    start_new_version()  # the list's rows are still indexed under version 1

    assert _rows(store.list_rows([stored])) == _from_database(stored)
    assert sorted(p.name for p in list_rows_dir.iterdir()) == [f"{stored.pk}.v1.arrow"]


def test_the_reconciliation_finds_the_same_with_or_without_the_files(
    village, county, list_rows_dir
):
    alive = factories.make_person(village, name="甲")
    stored = _deaths_list(county, [alive])

    with_files = engine.find(engine.read_inputs("511902"), ON)
    for path in list_rows_dir.iterdir():
        path.unlink()
    without_files = engine.find(engine.read_inputs("511902"), ON)

    assert with_files.equals(without_files)
    assert with_files.select(["rule", "person_id", "list_id"]).to_pylist() == [
        {"rule": "deceased_alive", "person_id": alive.pk, "list_id": stored.pk}
    ]
