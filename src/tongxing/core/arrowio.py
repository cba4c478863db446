"""Arrow tables out of the database, for population-wide work in DuckDB.

Reads go through Django's own connection, so a job sees exactly what its transaction sees
(and tests see their uncommitted fixtures). Rows are fetched in batches and turned into
columns without a Python object per person beyond the driver's tuple.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from django.db import connection

FETCH_BATCH = 100_000


def _column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    # Both backends hand back date and datetime objects (Django registers SQLite's
    # converters); naive datetimes from SQLite are UTC, which is what Arrow assumes.
    return pa.array(values, kind)


def fetch_arrow(sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
    """Run ``sql`` and return its rows as a table of ``schema`` (columns in select order)."""
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
