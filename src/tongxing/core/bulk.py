"""Fast inserts of many plain rows, for loaders and batch jobs (never per-row ``save``).

Moved here from the demo generator so imports, payroll and the audit trail share one
bulk writer: multi-row ``executemany`` on SQLite, ``COPY`` on PostgreSQL, with every value
still converted by its model field (encryption, blind indexes, dates, JSON).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import io
import itertools
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Max
from psycopg.copy import Copy, FileWriter

_PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.SmallIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveIntegerField,
    models.BigIntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.OneToOneField,
)


_UNSET = object()
# Seconds a thread may hold the GIL while another waits, inside background_writes().
WRITER_SWITCH_INTERVAL = 0.0005


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for building and writing rows by the hundred
    thousand, which are long-lived and acyclic, so the collector finds nothing to free but
    rescans them over and over. Measured on a 20,000-row registry import, it spent a fifth
    of the check and a quarter of the apply collecting. Cycles made meanwhile are freed by
    the first collection after the block.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class BackgroundWriter:
    """Runs bulk writes on a second thread, on the same connection and so inside the same
    transaction, while the calling thread converts the next rows.

    SQLite does its work (B-tree and index updates) with the GIL released, and a
    PostgreSQL server works in its own process while this thread waits for the end of a
    COPY, so either way the machine's second core works while the caller encrypts and
    converts. The caller must not touch the database itself between :meth:`submit` and
    :meth:`drain`; only this thread does. A failed statement is raised in the caller at
    its next submit or drain, and the rows already written go with the transaction's
    rollback, so nothing is half-applied.
    """

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[Callable[[list], None], list] | None] = queue.Queue(2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bulk-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                if self.error is None:
                    write, rows = job
                    write(rows)
            except BaseException as error:  # raised in the caller's thread
                self.error = error
            finally:
                self.jobs.task_done()
        self.jobs.task_done()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def submit(self, write: Callable[[list], None], rows: list[tuple[Any, ...]]) -> None:
        """Call ``write(rows)`` on the writer's thread."""
        self._raise()
        self.jobs.put((write, rows))  # blocks while two wait: memory stays bounded

    def drain(self) -> None:
        """Wait until everything submitted is written; then the caller may query again."""
        self.jobs.join()
        self._raise()

    def wait(self) -> None:
        """Wait until the thread is idle, keeping any error: for a caller already failing,
        which must not roll back while the thread still writes."""
        self.jobs.join()

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()


class _ShortGilTurns:
    """The GIL switch interval at :data:`WRITER_SWITCH_INTERVAL` while any block holds it.

    Each time a :class:`BackgroundWriter`'s thread wakes (a COPY answered, a socket ready
    to send) it needs the GIL, which the converting thread otherwise keeps for up to
    5 ms, the server idle meanwhile. A 300,000-row import applied on PostgreSQL in
    22.3-22.7 s at 0.5 ms against 25.7 s at 5 ms (benchmarks/import.py); on SQLite, no
    change. The interval is the whole process's: the first block to enter sets it and
    the last to leave restores it, so concurrent imports on two threads leave it as found.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.restore_to = 0.0

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if self.holders == 0:
                self.restore_to = sys.getswitchinterval()
                sys.setswitchinterval(WRITER_SWITCH_INTERVAL)
            self.holders += 1
        try:
            yield
        finally:
            with self.lock:
                self.holders -= 1
                if self.holders == 0:
                    sys.setswitchinterval(self.restore_to)


short_gil_turns = _ShortGilTurns()


@contextlib.contextmanager
def background_writes(using: str = DEFAULT_DB_ALIAS) -> Iterator[BackgroundWriter]:
    """A :class:`BackgroundWriter` for the bulk writes inside the block, drained when the
    block ends. On SQLite the connection's page cache is enlarged for the block."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("background_writes() needs a transaction: open one first.")
    cache_size = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            (cache_size,) = cursor.fetchone()
            # SQLite's default 2 MB page cache spills a large transaction's dirty index
            # pages to the WAL again and again: writing 300,000 imported persons took 28 s
            # with it and 17 s with a cache big enough to keep them (taken only as used).
            megabytes = settings.TONGXING_SQLITE_BULK_CACHE_MB
            cursor.execute(f"PRAGMA cache_size = {-1024 * megabytes}")
    writer = BackgroundWriter()
    try:
        with short_gil_turns():
            yield writer
            writer.drain()
    finally:
        writer.close()
        if cache_size is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


@contextlib.contextmanager
def foreign_keys_checked_per_statement(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """On PostgreSQL, check the foreign keys of rows written inside the block at the end
    of each statement, not all at commit.

    Django declares every foreign key DEFERRABLE INITIALLY DEFERRED, so the checks of a
    bulk load (five per imported person) queue up and run one after another at COMMIT,
    after the last row is written, while the importing process waits. Checked at the end
    of each COPY, the server does them while the converting thread prepares the next
    rows. Inside the block a row must therefore be written after the rows it refers to.
    Elsewhere (SQLite) nothing changes.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("foreign_keys_checked_per_statement() needs a transaction.")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    # Not on an error: the transaction is then rolled back, and the setting with it.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class _Row:
    """Stands in for a model instance when a field computes its value in ``pre_save``."""


class BulkInserter:
    """Plain tuples written in bulk: multi-row INSERTs on SQLite, COPY on PostgreSQL,
    in the caller's thread or a :class:`BackgroundWriter`'s.

    Measured here on SQLite (20,000 persons): ``bulk_create`` costs about 130 µs of CPU per
    person row (model instances, then per-value compilation into 45-row statements, as
    Django 5.2 caps SQLite at 999 parameters), ``executemany`` of prepared tuples about
    40 µs; at a million persons that is the difference between missing and meeting the
    6-minute target.

    Values still go through the model's fields wherever that matters, so the loader keeps
    up with the models: a field of a type outside ``_PLAIN_FIELDS`` (dates, an encrypted
    field) converts each value with its own ``get_db_prep_save``; a field the generator
    does not give but that computes itself in ``pre_save`` (a blind index) is computed per
    row; ``auto_now``/``auto_now_add`` get the run's timestamp and any other missing field
    its default.
    """

    def __init__(
        self,
        model: type[models.Model],
        given: Sequence[str],
        now: dt.datetime,
        ready: Sequence[str] = (),
        writer: BackgroundWriter | None = None,
    ):
        """``ready`` names given fields whose values come already as the database takes
        them (the audit trail's changes, encoded once as JSON text for its hash);
        ``writer`` takes the statements to run on its own thread."""
        meta = model._meta
        self.writer = writer
        # The connection itself, not the ``django.db.connection`` proxy: every attribute
        # read through the proxy is a thread-local lookup, a million times per column.
        self.connection = conn = connections[DEFAULT_DB_ALIAS]
        quote = conn.ops.quote_name
        fields = [meta.get_field(name) for name in given]
        self.names = [f.attname for f in fields]
        self.converters: list[tuple[int, Callable[[Any], Any]]] = [
            (i, self._converter(f))
            for i, f in enumerate(fields)
            if type(f) not in _PLAIN_FIELDS and f.name not in ready
        ]
        self.computed: list[models.Field] = []
        columns = [f.column for f in fields]
        fixed: list[Any] = []
        for model_field in meta.concrete_fields:
            if model_field.column in columns or model_field.primary_key:
                continue
            auto = getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            )
            if auto:
                fixed.append(model_field.get_db_prep_save(now, conn))
            elif type(model_field).pre_save is not models.Field.pre_save and not isinstance(
                model_field, models.DateField
            ):  # date fields override pre_save only for auto_now, handled above
                self.computed.append(model_field)
                continue
            else:
                fixed.append(model_field.get_db_prep_save(model_field.get_default(), conn))
            columns.append(model_field.column)
        # Computed columns follow the given ones, the fixed ones come last.
        columns = [
            *columns[: len(fields)],
            *(f.column for f in self.computed),
            *columns[len(fields) :],
        ]
        self.fixed = tuple(fixed)
        # Names come from the model's metadata; every value is a query parameter.
        target = f"{quote(meta.db_table)} ({', '.join(quote(c) for c in columns)})"
        self.copy_sql = f"COPY {target} FROM STDIN" if conn.vendor == "postgresql" else ""
        self.formatting_cursor: Any = None
        self.insert_target = f"INSERT INTO {target} VALUES"
        self.width = len(columns)
        self.statements: dict[int, str] = {}  # SQLite: multi-row INSERTs by row count
        self.max_parameters = 999
        if conn.vendor == "sqlite":
            conn.ensure_connection()
            limit = conn.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            self.max_parameters = min(limit, 32_766)

    def _converter(self, model_field: models.Field) -> Callable[[Any], Any]:
        kind = type(model_field)
        if kind is models.DateField:
            # What DateField.get_db_prep_save does for a date or None, minus two calls.
            return self.connection.ops.adapt_datefield_value
        if (
            kind.get_db_prep_save is models.Field.get_db_prep_save
            and kind.get_db_prep_value is models.Field.get_db_prep_value
        ):
            # Field's own two methods only call get_prep_value for a plain value (rows here
            # hold no SQL expressions): an encrypted field's seven values per imported
            # person skip two calls each.
            return model_field.get_prep_value
        convert = functools.partial(model_field.get_db_prep_save, connection=self.connection)
        if kind is models.DateTimeField:
            # Rows written together mostly share one timestamp (an audit batch's ``at``).
            last: list[Any] = [_UNSET, None]

            def convert_datetime(value: Any) -> Any:
                if value is not last[0]:
                    last[0], last[1] = value, convert(value)
                return last[1]

            return convert_datetime
        return convert

    def _convert(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i, convert in self.converters:
            values[i] = convert(row[i])
        if self.computed:
            instance = _Row()
            instance.__dict__.update(zip(self.names, row, strict=True))
            conn = self.connection
            values.extend(
                f.get_db_prep_save(f.pre_save(instance, True), conn) for f in self.computed
            )
        return tuple(values)

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        if self.converters or self.computed:
            rows = [self._convert(row) for row in rows]
        fixed = self.fixed
        rows = [row + fixed for row in rows]
        batch: list[tuple[Any, ...]] | bytes = self._copy_data(rows) if self.copy_sql else rows
        if self.writer is not None:
            self.writer.submit(self._write, batch)
        else:
            self._write(batch)

    def _copy_data(self, rows: list[tuple[Any, ...]]) -> bytes:
        """PostgreSQL: the rows as COPY text, formatted here, in the caller's thread.

        Formatted on a :class:`BackgroundWriter`'s thread instead, row by row, each row
        waited for the GIL that the converting thread held: the server, fed in spurts,
        sat idle a third of the time (a 300,000-row import, sampled with py-spy). The
        writer now only sends bytes, with the GIL released."""
        if self.formatting_cursor is None:
            # Made in the caller's thread and never executed: it only lends the
            # connection's adapters to the formatting.
            self.connection.ensure_connection()
            self.formatting_cursor = self.connection.connection.cursor()
        buffer = io.BytesIO()
        # psycopg's documented way to format COPY data without a COPY on the server.
        with Copy(self.formatting_cursor, writer=FileWriter(buffer)) as copy:
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()

    def _write(self, batch: list[tuple[Any, ...]] | bytes) -> None:
        """Through the DB-API connection, so that a :class:`BackgroundWriter`'s thread may
        call it too; its errors are Django's, as through a cursor."""
        connection = self.connection
        connection.ensure_connection()
        with connection.wrap_database_errors:
            if isinstance(batch, bytes):
                # PostgreSQL: COPY, measured about three times faster here than
                # executemany's one INSERT per row.
                with (
                    connection.connection.cursor() as cursor,
                    cursor.copy(self.copy_sql) as copy,
                ):
                    copy.write(batch)
            else:
                self._write_sqlite(connection.connection, batch)

    def _write_sqlite(self, database: Any, rows: list[tuple[Any, ...]]) -> None:
        """Many rows per INSERT, not ``executemany``'s one per row: each statement gives
        up the GIL once while SQLite works, instead of once per row, so a writer's thread
        does not wait for the converting thread a thousand times a batch."""
        width = self.width
        per_statement = max(1, self.max_parameters // width)
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = self.statements.get(len(chunk))
            if sql is None:
                values = "(" + ",".join("?" * width) + ")"
                sql = f"{self.insert_target} {','.join([values] * len(chunk))}"
                self.statements[len(chunk)] = sql
            database.execute(sql, list(itertools.chain.from_iterable(chunk)))


def insert_arrow(
    model: type[models.Model], table: pa.Table, now: dt.datetime, chunk: int = 5000
) -> int:
    """Insert an Arrow table whose columns are named as ``model``'s database columns:
    :func:`copy_arrow` on PostgreSQL (so the table must give every NOT NULL column),
    :class:`BulkInserter` elsewhere (which fills the rest with defaults). Plain values
    only, as for ``copy_arrow``. Returns the number of rows."""
    if not table.num_rows:
        return 0
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        copy_arrow(model._meta.db_table, table)
        return table.num_rows
    # get_field finds a foreign key by its column name ("person_id") as well.
    inserter = BulkInserter(model, table.column_names, now)
    for batch in table.to_batches(chunk):
        inserter.insert(list(zip(*(column.to_pylist() for column in batch.columns), strict=True)))
    return table.num_rows


class PrimaryKeys:
    """Primary keys handed out before the rows are written, so households, persons and
    the rows pointing at them go in without reading keys back (the demo generator and the
    registry import share it).

    PostgreSQL: drawn from the table's own sequence, so concurrent writers never collide.
    SQLite: the run holds the write lock (BEGIN IMMEDIATE), so the keys above both the
    largest id and ``sqlite_sequence`` (which remembers deleted ids) are free; SQLite then
    advances ``sqlite_sequence`` itself.
    """

    def __init__(self, model: type[models.Model]):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.table = model._meta.db_table
        self.column = model._meta.pk.column
        self.next = 0
        if self.connection.vendor != "postgresql":
            largest = model.objects.aggregate(largest=Max("pk"))["largest"] or 0
            if self.connection.vendor == "sqlite":
                with self.connection.cursor() as cursor:
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                    row = cursor.fetchone()
                largest = max(largest, row[0] if row else 0)
            self.next = largest + 1

    def take(self, count: int) -> list[int]:
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                # The sequence is looked up once: pg_get_serial_sequence() in the select
                # list ran per key, 0.6 s per 300,000 keys against 0.07 s for nextval().
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [self.table, self.column])
                (sequence,) = cursor.fetchone()
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
                )
                return [row[0] for row in cursor.fetchall()]
        first, self.next = self.next, self.next + count
        return list(range(first, self.next))


def copy_arrow(db_table: str, table: pa.Table) -> None:
    """PostgreSQL only: COPY an Arrow table whose columns are named as ``db_table``'s.

    For rows computed as Arrow (the reconciliation's findings) nothing is converted per
    value in Python: Arrow writes the CSV (strings quoted, so "" stays empty and only
    nulls become NULL) and the server parses it. At 100,000 rows this is seconds faster
    than :class:`BulkInserter`'s ``write_row``. The caller supplies database-ready values:
    no encrypted or computed fields.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        raise ValueError("copy_arrow needs PostgreSQL; use BulkInserter elsewhere.")
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in table.column_names)
    sql = f"COPY {quote(db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        view = buffer.getbuffer()
        for start in range(0, len(view), 1 << 24):
            copy.write(view[start : start + (1 << 24)])
