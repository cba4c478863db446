"""Arrow tables out of the database, for population-wide work in DuckDB.

Two ways in, one result. Inside a transaction (a test, or a job that must see its own
uncommitted writes), rows come through Django's own connection in batches. Otherwise a
separate ADBC connection to the same database hands back Arrow directly (PostgreSQL's
binary COPY, SQLite's C reader, the latter in a reader process of its own), with no Python
object per value: at a million persons that is the difference between seconds and tens of
seconds. Both are converted to the caller's schema, and a test checks they agree.
"""

from __future__ import annotations

import enum
import functools
import multiprocessing
import re
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
    # timeout), and its reads run in one reader process anyway.
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
    # Read in a reader process: see :func:`_read_in_child`.
    in_child: bool = False


def _adbc_target() -> _Adbc | None:
    """How to open an ADBC connection to Django's database, read on the calling thread
    (Django's connection is per thread), or for SQLite in the reader process; None when
    there is no ADBC way in."""
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
        return _sqlite_target(name)
    return None


def _sqlite_target(path: str) -> _Adbc:
    import adbc_driver_sqlite.dbapi

    return _Adbc(
        functools.partial(adbc_driver_sqlite.dbapi.connect, path),
        numbered=False,
        concurrent=False,
        options={adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(SQLITE_BATCH_ROWS)},
        in_child=True,
    )


def _fetch(connect: Callable[[], Any], sql: str, params: list, setup: str, options: dict) -> Any:
    """Run ``sql`` on a new ADBC connection and return its rows as Arrow."""
    adbc = connect()
    try:
        with adbc.cursor() as cursor:
            if setup:
                cursor.execute(setup)
            if options:
                cursor.adbc_statement.set_options(**options)
            cursor.execute(sql, params)
            return cursor.fetch_arrow_table()
    finally:
        adbc.close()


# The SQLite ADBC driver brings its own copy of SQLite. Two copies in one process must
# not open the same database (https://sqlite.org/howtocorrupt.html, 2.2.1): each keeps its
# own account of the process's locks, so when the driver's connection closed it took
# itself for the last one and deleted the write-ahead log and its index under Django's
# open connection. Django's later writes went to the deleted log, unseen by every other
# connection until it closed; a payroll of a million persons died of SIGBUS when the index
# it had mapped was cut short. In a process of its own the driver's copy is one more
# reader, which SQLite's locking is made for.
_SQLITE_READER: ProcessPoolExecutor | None = None
_SQLITE_READER_LOCK = threading.Lock()


def _leave_interrupts_to_the_parent() -> None:
    # A Ctrl-C reaches the whole process group, the reader with its parent: the reader
    # died of it with a traceback on the terminal (every time `make demo` was stopped
    # after a job had read). The parent decides when its reader stops, and stops it as
    # it exits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _read_in_child(target: _Adbc, sql: str, params: list) -> pa.Table:
    global _SQLITE_READER
    with _SQLITE_READER_LOCK:
        if _SQLITE_READER is None:
            _SQLITE_READER = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_leave_interrupts_to_the_parent,
            )
        reader = _SQLITE_READER
    # As plain values: a Django choice (an enum) would make the reader import its model.
    plain = [value.value if isinstance(value, enum.Enum) else value for value in params]
    try:
        return reader.submit(_fetch, target.connect, sql, plain, "", dict(target.options)).result()
    except BrokenProcessPool:
        # The reader died (killed, out of memory): the next read starts another.
        with _SQLITE_READER_LOCK:
            if _SQLITE_READER is reader:
                _SQLITE_READER = None
        raise


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
    if target.in_child:
        table = _read_in_child(target, sql, list(params))
    else:
        setup = target.side_by_side if side_by_side else ""
        table = _fetch(target.connect, sql, list(params), setup, dict(target.options))
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
