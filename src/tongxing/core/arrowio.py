"""Arrow tables out of the database, for population-wide work in DuckDB.

Two ways in, one result. Inside a transaction (a test, or a job that must see its own
uncommitted writes), rows come through Django's own connection in batches. Otherwise a
separate ADBC connection to the same database hands back Arrow directly (PostgreSQL's
binary COPY, SQLite's C reader), with no Python object per value: at a million persons
that is the difference between seconds and tens of seconds. Both are converted to the
caller's schema, and a test checks they agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

FETCH_BATCH = 100_000
# Concurrent ADBC reads: the database server produces one result while this process
# decodes another. Measured at 1,000,000 persons on 2 cores (see benchmarks/reconcile.py).
READ_THREADS = 4
_PLACEHOLDER = re.compile(r"%s")

Query = tuple[str, Sequence[Any], pa.Schema]


def _column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    # Both backends hand back date and datetime objects (Django registers SQLite's
    # converters); naive datetimes from SQLite are UTC, which is what Arrow assumes.
    return pa.array(values, kind)


def _through_django(sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_BATCH):
            columns = list(zip(*rows, strict=True))
            batches.append(
                pa.record_batch(
                    [_column(col, f.type) for col, f in zip(columns, schema, strict=True)],
                    schema=schema,
                )
            )
    return pa.Table.from_batches(batches, schema=schema)


def _conform(array: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    """ADBC's column as the schema's type: SQLite gives dates and times as text and an
    all-empty column as integers; PostgreSQL gives int4 where the schema says int64."""
    if array.type == kind:
        return array
    if array.null_count == len(array):
        return pa.chunked_array([pa.nulls(len(array), kind)])
    if pa.types.is_timestamp(kind) and pa.types.is_string(array.type):
        naive = pc.strptime(
            pc.utf8_slice_codeunits(array, 0, 19), format="%Y-%m-%d %H:%M:%S", unit=kind.unit
        )
        return naive.cast(kind)
    return array.cast(kind)


def _adbc_connection() -> Any | None:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi

        user = settings.get("USER") or ""
        password = settings.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings.get("HOST") or "localhost"
        port = settings.get("PORT") or 5432
        return adbc_driver_postgresql.dbapi.connect(
            f"postgresql://{auth}{host}:{port}/{settings['NAME']}"
        )
    name = str(settings.get("NAME") or "")
    if connection.vendor == "sqlite" and name and "memory" not in name:
        import adbc_driver_sqlite.dbapi

        return adbc_driver_sqlite.dbapi.connect(name)
    return None


def _checkpoint() -> None:
    """SQLite: move this process's committed pages into the database file before reading.

    The ADBC driver brings its own copy of SQLite, which does not see the pages this
    process's Django connection committed to the write-ahead log: without this, a page
    showed the state before its own process's last write (a placement did not shrink the
    zero-employment list) until Django's persistent connection was closed. PASSIVE never
    waits for other connections."""
    if connection.vendor == "sqlite" and connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _adbc_sql(sql: str, params: Sequence[Any]) -> str:
    """Django's ``%s`` placeholders in the driver's style."""
    if connection.vendor == "postgresql":
        counter = iter(range(1, len(params) + 1))
        return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)
    return _PLACEHOLDER.sub("?", sql)


def _adbc_fetch(adbc: Any, sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """One query (placeholders already the driver's) on its own ADBC connection, closed
    here. Touches nothing of Django's, so it is safe to run in a thread."""
    try:
        with adbc.cursor() as cursor:
            cursor.execute(sql, list(params))
            table = cursor.fetch_arrow_table()
    finally:
        adbc.close()
    return pa.table(
        [_conform(table.column(i), field.type) for i, field in enumerate(schema)], schema=schema
    )


def fetch_arrow(sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """Run ``sql`` and return its rows as a table of ``schema`` (columns in select order)."""
    return fetch_arrow_many({"result": (sql, params, schema)})["result"]


def fetch_arrow_many(queries: Mapping[str, Query]) -> dict[str, pa.Table]:
    """Run independent SELECTs and return each one's table by name.

    Outside a transaction each query gets its own ADBC connection, and on PostgreSQL they
    run concurrently; inside one they run in turn through Django's connection, so a job sees
    its own uncommitted rows."""
    if connection.in_atomic_block or not queries:
        return {name: _through_django(*query) for name, query in queries.items()}
    connections = {name: _adbc_connection() for name in queries}
    if any(adbc is None for adbc in connections.values()):
        for adbc in connections.values():
            if adbc is not None:
                adbc.close()
        return {name: _through_django(*query) for name, query in queries.items()}
    _checkpoint()
    jobs = {
        name: (connections[name], _adbc_sql(sql, params), params, schema)
        for name, (sql, params, schema) in queries.items()
    }
    if len(jobs) == 1 or connection.vendor != "postgresql":
        # SQLite: in turn. Connections opened at once each try to recover the write-ahead
        # log index and fail with "database is locked" (seen in the demo's first run).
        return {name: _adbc_fetch(*job) for name, job in jobs.items()}
    with ThreadPoolExecutor(min(READ_THREADS, len(jobs))) as pool:
        futures = {name: pool.submit(_adbc_fetch, *job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def left_join(left: pa.Table, right: pa.Table, key: str, schema: pa.Schema) -> pa.Table:
    """``left`` with ``right``'s columns where ``key`` matches (nulls elsewhere), as
    ``schema``. For tables read apart by :func:`fetch_arrow_many` and joined here, in
    threads, instead of by the database server in one query (row order is not kept)."""
    return left.join(right, key, join_type="left outer").select(schema.names).cast(schema)
