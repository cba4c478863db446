"""Encrypted backups: a consistent dump, SM4-GCM encrypted under a fresh file key that is
wrapped by the master key, and the way back.

File layout: one JSON header line (format, engine, time, wrapped file key, nonce), then
the ciphertext, then the 16-byte GCM tag. ``restore`` decrypts to a temporary file and
only touches the target once the tag has verified, so a damaged or tampered backup never
half-restores.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.db import connection
from django.utils import timezone

from tongxing.core.crypto import DataKey, DecryptionError, unwrap_data_key, wrap_data_key
from tongxing.core.keys import master_key

FORMAT = "tongxing-backup-1"
# Backup file keys are wrapped like data keys but never join the keyring; a version far
# above any real data-key version keeps the two apart in the wrapping AAD.
BACKUP_KEY_VERSION = 999_999_999
CHUNK = 1 << 20
TAG_BYTES = 16


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to check."""


@dataclass(frozen=True)
class BackupHeader:
    engine: str
    created: str
    wrapped_key: str
    nonce: str

    def to_line(self) -> bytes:
        body = {"format": FORMAT, **self.__dict__}
        return (json.dumps(body, sort_keys=True) + "\n").encode()


def _file_key() -> DataKey:
    # A DataKey carries an SM4 key; its index half is unused here. Reusing the type reuses
    # the audited wrap/unwrap code instead of a second key-wrapping routine.
    return DataKey(
        version=BACKUP_KEY_VERSION, encryption_key=secrets.token_bytes(16), index_key=bytes(32)
    )


def _copy_stream(source: IO[bytes], sink: IO[bytes], transform: Any) -> None:
    while chunk := source.read(CHUNK):
        sink.write(transform.update(chunk))


@contextmanager
def _plain_dump(engine: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tongxing-backup-") as folder:
        target = Path(folder) / "dump"
        settings = connection.settings_dict
        if engine == "sqlite":
            # The online backup API copies a consistent snapshot while the app keeps running.
            source = sqlite3.connect(settings["NAME"])
            dest = sqlite3.connect(target)
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
        else:
            _run_pg_tool(
                "pg_dump", ["--format=custom", "--no-owner", "--file", str(target)], settings
            )
        yield target


def _run_pg_tool(
    tool: str, options: list[str], settings: dict[str, Any], files: tuple[str, ...] = ()
) -> None:
    """Run pg_dump/pg_restore against the database in ``settings``; BackupError on failure."""
    env = os.environ | ({"PGPASSWORD": settings["PASSWORD"]} if settings.get("PASSWORD") else {})
    command = [tool, *options, *_pg_args(settings), *files]
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip()}")


def _pg_args(settings: dict[str, Any]) -> list[str]:
    args = ["--dbname", settings["NAME"]]
    if settings.get("HOST"):
        args += ["--host", settings["HOST"]]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", settings["USER"]]
    return args


def engine_name() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def write_backup(output: Path) -> Path:
    """Dump the current database and write it encrypted to ``output``."""
    engine = engine_name()
    key = _file_key()
    nonce = secrets.token_bytes(12)
    header = BackupHeader(
        engine=engine,
        created=timezone.now().isoformat(),
        wrapped_key=wrap_data_key(master_key(), key),
        nonce=nonce.hex(),
    )
    encryptor = Cipher(algorithms.SM4(key.encryption_key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(header.to_line())
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(output.suffix + ".partial")
    with _plain_dump(engine) as dump, dump.open("rb") as plain, partial.open("wb") as sink:
        sink.write(header.to_line())
        _copy_stream(plain, sink, encryptor)
        sink.write(encryptor.finalize())
        sink.write(encryptor.tag)
    os.chmod(partial, 0o600)
    partial.replace(output)  # a crash mid-write never leaves a file that looks complete
    return output


def _read_header(handle: IO[bytes]) -> tuple[BackupHeader, bytes]:
    line = handle.readline(4096)
    try:
        body = json.loads(line)
    except ValueError:
        raise BackupError("not a Tongxing backup: the header line is not JSON") from None
    if body.pop("format", None) != FORMAT:
        raise BackupError(f"not a Tongxing backup of format {FORMAT}")
    return BackupHeader(**body), line


@contextmanager
def decrypted(backup: Path) -> Iterator[tuple[BackupHeader, Path]]:
    """The plaintext dump in a temporary file, yielded only after its tag verified."""
    size = backup.stat().st_size
    with (
        backup.open("rb") as handle,
        tempfile.TemporaryDirectory(prefix="tongxing-restore-") as folder,
    ):
        header, line = _read_header(handle)
        try:
            key = unwrap_data_key(master_key(), header.wrapped_key)
        except DecryptionError as error:
            raise BackupError(f"cannot open the backup's key: {error}") from None
        body_length = size - len(line) - TAG_BYTES
        if body_length < 0:
            raise BackupError("the backup is truncated")
        handle.seek(len(line) + body_length)
        tag = handle.read(TAG_BYTES)
        handle.seek(len(line))
        decryptor = Cipher(
            algorithms.SM4(key.encryption_key), modes.GCM(bytes.fromhex(header.nonce), tag)
        ).decryptor()
        decryptor.authenticate_additional_data(line)
        target = Path(folder) / "dump"
        with target.open("wb") as sink:
            remaining = body_length
            while remaining:
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    raise BackupError("the backup is truncated")
                remaining -= len(chunk)
                sink.write(decryptor.update(chunk))
            try:
                sink.write(decryptor.finalize())
            except InvalidTag:
                raise BackupError(
                    "the backup failed its integrity check: it was altered or damaged"
                ) from None
        yield header, target


def restore_sqlite(backup: Path, destination: Path) -> None:
    with decrypted(backup) as (header, dump):
        if header.engine != "sqlite":
            raise BackupError(f"this is a {header.engine} backup, not SQLite")
        destination.parent.mkdir(parents=True, exist_ok=True)
        staged = destination.with_suffix(".restoring")
        shutil.copyfile(dump, staged)
        staged.replace(destination)


def restore_postgresql(backup: Path, settings: dict[str, Any]) -> None:
    """Restore into the (empty or to-be-replaced) database named in ``settings``."""
    with decrypted(backup) as (header, dump):
        if header.engine != "postgresql":
            raise BackupError(f"this is a {header.engine} backup, not PostgreSQL")
        options = [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
        ]
        _run_pg_tool("pg_restore", options, settings, files=(str(dump),))


def content_checksum(cursor: Any, tables: list[str]) -> tuple[dict[str, int], str]:
    """Row counts per table and one SM3-free, order-independent digest of all rows.

    Used by the restore drill to compare a database with its restored copy; SHA-256 is
    enough here (it detects differences, it protects nothing).
    """
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    for table in sorted(tables):
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
        rows = sorted(repr(tuple(str(v) for v in row)) for row in cursor.fetchall())
        counts[table] = len(rows)
        digest.update(table.encode())
        for row in rows:
            digest.update(row.encode())
    return counts, digest.hexdigest()
