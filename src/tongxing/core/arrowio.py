"""Arrow tables out of the database, for population-wide work in DuckDB.

Two ways in, one result. Inside a transaction (a test, or a job that must see its own
uncommitted writes), rows come through Django's own connection in batches. Otherwise a
separate ADBC connection to the same database hands back Arrow directly (PostgreSQL's
binary COPY, SQLite's C reader), with no Python object per value: at a million persons
that is the difference between seconds and tens of seconds. Both are converted to the
caller's schema, and a test checks they agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

FETCH_BATCH = 100_000
# Connections one fetch_arrow_many opens at once.
MAX_CONNECTIONS = 6
# Rows SQLite's ADBC driver puts in one batch: more than any read here returns.
SQLITE_BATCH_ROWS = 1 << 30
_PLACEHOLDER = re.compile(r"%s")


def _column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    # Both backends hand back date and datetime objects for columns (Django registers
    # SQLite's converters); naive datetimes from SQLite are UTC, which is what Arrow
    # assumes. A computed SQLite value has no declared type and comes as SQLite stores it
    # (a date out of JSON as text, a condition as 0 or 1): converted as ADBC's values are.
    try:
        return pa.array(values, kind)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return _conform(pa.chunked_array([pa.array(values)]), kind).combine_chunks()


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


@dataclass(frozen=True)
class _Adbc:
    connect: Callable[[], Any]
    # PostgreSQL numbers its parameters ($1, $2, ...); SQLite takes "?".
    numbered: bool
    # Several connections may read at once. Not SQLite's: connections opening a WAL
    # database together failed with "database is locked" (the ADBC driver sets no busy
    # timeout), and its reads run in this process anyway.
    concurrent: bool
    # Statement options. SQLite's driver guesses each column's type from its first batch
    # of rows: a column with only NULLs there (no death among a village's first 1,024
    # persons) was taken for integers and the first date after it failed the read
    # ("Type mismatch"). One batch for the whole result lets it see every value.
    options: Mapping[str, str] = field(default_factory=dict)
    # Run first on a connection whose query runs beside others: one server process per
    # query. Left to plan parallel workers as well, PostgreSQL gave each of several queries
    # two more processes, each building its own copy of the same hash table (EXPLAIN at
    # a million persons: the claimants' hash built three times per query), on a server
    # whose cores the other queries were already using.
    side_by_side: str = ""


def _adbc_target() -> _Adbc | None:
    """How to open an ADBC connection to Django's database, read on the calling thread
    (Django's connection is per thread); None when there is no ADBC way in."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi

        user = settings.get("USER") or ""
        password = settings.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings.get("HOST") or "localhost"
        port = settings.get("PORT") or 5432
        uri = f"postgresql://{auth}{host}:{port}/{settings['NAME']}"
        return _Adbc(
            functools.partial(adbc_driver_postgresql.dbapi.connect, uri),
            numbered=True,
            concurrent=True,
            side_by_side="SET max_parallel_workers_per_gather = 0",
        )
    name = str(settings.get("NAME") or "")
    if connection.vendor == "sqlite" and name and "memory" not in name:
        import adbc_driver_sqlite.dbapi

        # The ADBC driver brings its own copy of SQLite, which does not see the pages this
        # process's Django connection committed to the write-ahead log: without moving them
        # into the database file first, a page showed the state before its own process's
        # last write (a placement did not shrink the zero-employment list) until Django's
        # persistent connection was closed. PASSIVE never waits for other connections.
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return _Adbc(
            functools.partial(adbc_driver_sqlite.dbapi.connect, name),
            numbered=False,
            concurrent=False,
            options={adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(SQLITE_BATCH_ROWS)},
        )
    return None


def _adbc_connection() -> Any | None:
    target = _adbc_target()
    return target.connect() if target is not None else None


def _through_adbc(
    target: _Adbc,
    sql: str,
    params: Sequence[Any],
    schema: pa.Schema,
    *,
    side_by_side: bool = False,
) -> pa.Table:
    if target.numbered:
        counter = iter(range(1, len(params) + 1))
        sql = _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)
    else:
        sql = _PLACEHOLDER.sub("?", sql)
    adbc = target.connect()
    try:
        with adbc.cursor() as cursor:
            if side_by_side and target.side_by_side:
                cursor.execute(target.side_by_side)
            if target.options:
                cursor.adbc_statement.set_options(**target.options)
            cursor.execute(sql, list(params))
            table = cursor.fetch_arrow_table()
    finally:
        adbc.close()
    return pa.table(
        [_conform(table.column(i), wanted.type) for i, wanted in enumerate(schema)], schema=schema
    )


def fetch_arrow(sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """Run ``sql`` and return its rows as a table of ``schema`` (columns in select order)."""
    return fetch_arrow_many({"": (sql, params, schema)})[""]


Query = tuple[str, Sequence[Any], pa.Schema]


def fetch_arrow_many(queries: Mapping[str, Query]) -> dict[str, pa.Table]:
    """Several independent queries, by name, as :func:`fetch_arrow` runs each.

    Through ADBC to PostgreSQL they run at once, each on its own connection: the driver
    waits for the server and decodes without holding the GIL, so the database works on one
    query while this process decodes another (measured at 200,000 persons: the payroll's
    six input queries in about half the time of one after another). Inside a transaction
    they run one after another on Django's connection, which alone sees its uncommitted
    rows."""
    if not queries:
        return {}
    target = None if connection.in_atomic_block else _adbc_target()
    if target is None:
        return {name: _through_django(*query) for name, query in queries.items()}
    if len(queries) == 1 or not target.concurrent:
        return {name: _through_adbc(target, *query) for name, query in queries.items()}
    with ThreadPoolExecutor(max_workers=min(len(queries), MAX_CONNECTIONS)) as pool:
        futures = {
            name: pool.submit(_through_adbc, target, *q, side_by_side=True)
            for name, q in queries.items()
        }
        return {name: future.result() for name, future in futures.items()}


def left_join(left: pa.Table, right: pa.Table, key: str, schema: pa.Schema) -> pa.Table:
    """``left`` with ``right``'s columns where ``key`` matches (nulls elsewhere), as
    ``schema``. For tables read apart by :func:`fetch_arrow_many` and joined here, in
    threads, instead of by the database server in one query (row order is not kept)."""
    return left.join(right, key, join_type="left outer").select(schema.names).cast(schema)
