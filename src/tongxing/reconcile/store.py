"""The rows of each department list as a columnar file beside the database.

A stored list never changes, and the reconciliation reads every row of the latest lists
on every run: at 5,000,000 rows, fetching them from PostgreSQL took longer than all the
joins together. So the columns the joins use (list, blind index of the ID number, date,
status) are written once, when the list is stored, as a zstd-compressed Arrow IPC file,
and read back from it (see ``benchmarks/reconcile.py`` for the figures).

The database stays the record. A file is used only if it names the list's key and
SHA-256 and was made under the active index key version; otherwise (deleted, damaged,
written by a transaction that rolled back, or made before a key rotation) the rows are
read from the database and the file is written again — unless some of the list's rows
are still indexed under an older key (a rotation under way), when they are read from
the database without writing a file that would go stale.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
from django.conf import settings

from tongxing.core.arrowio import fetch_arrow_many
from tongxing.core.keys import keyring
from tongxing.reconcile.models import DepartmentList, DepartmentRow

ROWS = pa.schema(
    [
        ("list_id", pa.int64()),
        ("id_index", pa.string()),
        ("event_date", pa.date32()),
        ("status", pa.string()),
    ]
)
_SELECT = (
    "SELECT r.department_list_id, r.id_number_index, r.event_date, r.status "
    "FROM reconcile_departmentrow r WHERE r.department_list_id = %s"
)


def _path(stored: DepartmentList, version: int) -> Path:
    return Path(settings.TONGXING_LIST_ROWS_DIR) / f"{stored.pk}.v{version}.arrow"


def _identity(stored: DepartmentList, version: int) -> dict[bytes, bytes]:
    return {
        b"list_id": str(stored.pk).encode(),
        b"sha256": stored.sha256.encode(),
        b"index_key_version": str(version).encode(),
    }


def write_rows(stored: DepartmentList, rows: pa.Table, version: int | None = None) -> Path:
    """Write ``rows`` (``ROWS``) as the file of ``stored``; atomic, so a reader never sees
    half a file."""
    version = keyring().active_version if version is None else version
    path = _path(stored, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = rows.cast(ROWS).replace_schema_metadata(_identity(stored, version))
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    os.close(handle)
    try:
        feather.write_feather(table, temporary, compression="zstd")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _read_file(stored: DepartmentList, version: int) -> pa.Table | None:
    path = _path(stored, version)
    try:
        table = feather.read_table(path)
    except (OSError, pa.ArrowInvalid):
        return None
    if (
        table.schema.metadata != _identity(stored, version)
        or table.schema.remove_metadata() != ROWS
    ):
        return None
    return table.replace_schema_metadata(None)


def _fully_indexed_under(stored: DepartmentList, version: int) -> bool:
    stale = DepartmentRow.objects.filter(department_list=stored).exclude(
        id_number__encrypted_under=version
    )
    return not stale.exists()


def list_rows(lists: Iterable[DepartmentList]) -> pa.Table:
    """The rows of ``lists`` (``ROWS``), from their files where they are good, otherwise
    from the database (writing the file again when that is safe)."""
    version = keyring().active_version
    lists = list(lists)
    found = {stored.pk: _read_file(stored, version) for stored in lists}
    missing = [stored for stored in lists if found[stored.pk] is None]
    fetched = fetch_arrow_many({str(s.pk): (_SELECT, [s.pk], ROWS) for s in missing})
    for stored in missing:
        table = fetched[str(stored.pk)]
        if _fully_indexed_under(stored, version):
            write_rows(stored, table, version)
        found[stored.pk] = table
    tables = [found[stored.pk] for stored in lists]
    return pa.concat_tables(tables) if tables else ROWS.empty_table()
