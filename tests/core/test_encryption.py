"""Identifiers are encrypted at rest, searchable by blind index, and keys rotate safely."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from tests import factories
from tongxing.core import keys
from tongxing.core.crypto import FIELD_TOKEN_PREFIX
from tongxing.core.models import DataKeyRecord
from tongxing.core.rotation import rotate, rows_left
from tongxing.registry import actions
from tongxing.registry.models import DisabilityCertificate, Person

ROOT = Path(__file__).resolve().parents[2]
ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9])")
PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
BANK_RE = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
# Columns that hold hashes or indexes: hex digests can contain long digit runs by chance
# (a salted password hash once held eleven digits from 13 on, and the test failed).
HASH_COLUMNS = {
    "id_number_index",
    "number_index",
    "account_number_index",
    "phone_index",
    "prev_hash",
    "row_hash",
    "last_hash",
    "password",
    "sha256",
    "body_sha256",
    "checked_digest",
}


@pytest.fixture(autouse=True)
def fresh_keyring():
    keys.reset_keyring()
    yield
    keys.reset_keyring()


def text_cells():
    """Every value of every text column of every table, as stored."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            description = introspection.get_table_description(cursor, table)
            columns = [
                c.name
                for c in description
                if c.name not in HASH_COLUMNS
                and introspection.get_field_type(c.type_code, c)
                in ("CharField", "TextField", "JSONField")
            ]
            if not columns:
                continue
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        yield table, column, str(value)


def test_no_table_holds_an_id_phone_or_bank_number_in_plaintext(village, county):
    head = factories.make_person(
        village,
        guardian_name="张母",
        guardian_id_number=factories.new_id_number(dt.date(1940, 1, 1)),
        guardian_phone="13700001111",
    )
    actions.register_person(
        village,
        factories.person_data(phone="15900002222"),
        factories.certificate_data(),
        household_head=head,
        relation_to_head="child",
    )
    actions.reissue_certificate(county, head, dt.date(2024, 1, 1))
    actions.record_death(village, head, dt.date(2024, 6, 1))
    leaks = [
        (table, column, value[:40])
        for table, column, value in text_cells()
        if ID_RE.search(value) or PHONE_RE.search(value) or BANK_RE.search(value)
    ]
    assert leaks == []
    stored = Person.objects.values_list("id_number", flat=True)
    assert head.id_number in list(stored)  # the ORM still sees plaintext


def test_after_loading_demo_data_no_text_column_holds_a_plaintext_identifier(db):
    call_command("generate_demo", persons=400, seed=11, verbosity=0)
    assert Person.objects.count() == 400
    assert Person.objects.exclude(guardian_id_number__blank=True).exists()
    leaks = [
        (table, column, value[:40])
        for table, column, value in text_cells()
        if ID_RE.search(value) or PHONE_RE.search(value) or BANK_RE.search(value)
    ]
    assert leaks == []


def test_the_stored_value_is_a_token_and_two_equal_numbers_encrypt_differently(village):
    person = factories.make_person(village, phone="13800001234")
    other = factories.make_person(village, phone="13800001234")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone FROM registry_person WHERE id IN (%s, %s)", [person.pk, other.pk]
        )
        tokens = [row[0] for row in cursor.fetchall()]
    assert all(t.startswith(f"{FIELD_TOKEN_PREFIX}:1:") for t in tokens)
    assert tokens[0] != tokens[1]


def test_filtering_on_an_encrypted_column_is_refused_with_a_pointer_to_the_index(db):
    with pytest.raises(FieldError, match="blind index"):
        Person.objects.filter(id_number="11010519491231002X").exists()


def test_search_by_id_number_goes_through_the_index(village, person):
    assert list(Person.objects.with_id_number(person.id_number.lower())) == [person]
    assert list(Person.objects.with_certificate_number(person.certificate.number)) == [person]


def test_a_corrupted_value_shows_a_marker_and_is_named_by_check_encryption(client, village, person):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM registry_person WHERE id = %s", [person.pk])
        token = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE registry_person SET phone = %s WHERE id = %s", [token[:-4] + "AAAA", person.pk]
        )
    client.force_login(village)
    response = client.get(f"/persons/{person.pk}/")
    assert response.status_code == 200
    assert "⚠" in response.content.decode()
    with pytest.raises(CommandError, match="1 value"):
        call_command("check_encryption")


def test_saving_a_record_with_an_undecryptable_value_keeps_the_stored_token(village, person):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_person SET phone = %s WHERE id = %s", ["sm4g1:9:AAAA", person.pk]
        )
    loaded = Person.objects.get(pk=person.pk)
    loaded.name = "张三改"
    loaded.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM registry_person WHERE id = %s", [person.pk])
        assert cursor.fetchone()[0] == "sm4g1:9:AAAA"


def test_a_wrong_master_key_is_refused_with_a_clear_message(person, monkeypatch):
    monkeypatch.setenv("TONGXING_MASTER_KEY", "cd" * 32)
    keys.reset_keyring()
    with pytest.raises(ImproperlyConfigured, match="master key does not match"):
        keys.keyring()


def test_rotation_re_encrypts_in_batches_and_reads_both_versions_meanwhile(village):
    people = [factories.make_person(village, name=f"人{i}") for i in range(5)]
    first = rotate(batch_size=2, max_batches=1)
    assert (first.active_version, first.started_new_version, first.rows_done) == (2, True, 2)
    assert rows_left() > 0
    # Half-way: every person still reads back, and search matches either key version.
    for original in people:
        loaded = Person.objects.get(pk=original.pk)
        assert (loaded.id_number, loaded.phone) == (original.id_number, original.phone)
        assert Person.objects.with_id_number(original.id_number).get() == loaded
    second = rotate(batch_size=2)
    assert (second.started_new_version, second.rows_left) == (False, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, address FROM registry_person")
        assert all(v.startswith("sm4g1:2:") for row in cursor.fetchall() for v in row if v)
    for original in people:
        loaded = Person.objects.get(pk=original.pk)
        assert (loaded.id_number, loaded.address) == (original.id_number, original.address)
    assert list(DataKeyRecord.objects.values_list("version", "active")) == [(1, False), (2, True)]
    number = people[0].certificate.number
    assert DisabilityCertificate.objects.filter(person=people[0]).get().number == number


def run_manage(*args, env, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def site_env(folder, database_url=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TONGXING_MASTER_KEY")}
    env |= {"TONGXING_VAR_DIR": str(folder), "DEBUG": "true"}
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def populate(env):
    assert run_manage("create_master_key", env=env).returncode == 0
    for args in (("migrate",), ("load_region",), ("generate_demo", "--persons", "600")):
        result = run_manage(*args, env=env, timeout=300)
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory):
    """A separate SQLite site with its own key and a small demo population."""
    tmp_path = tmp_path_factory.mktemp("site")
    env = site_env(tmp_path)
    populate(env)
    return env, tmp_path


def test_the_app_refuses_to_start_without_a_master_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TONGXING_MASTER_KEY"}
    env |= {"TONGXING_VAR_DIR": str(tmp_path)}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "No master key" in result.stderr
    assert "TONGXING_MASTER_KEY" in result.stderr


def test_a_rotation_killed_half_way_finishes_on_the_next_run(sqlite_site):
    env, _ = sqlite_site
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rotate_keys", "--batch-size", "20"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:
        if line.startswith("re-encrypted 100 /"):
            process.kill()
            break
    process.wait(timeout=60)
    assert process.returncode != 0  # it was killed, not finished
    resumed = run_manage("rotate_keys", env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert "rotation continued: active key version 2" in resumed.stdout
    assert run_manage("check_encryption", env=env).returncode == 0
    verify = run_manage("verify_audit", env=env)
    assert verify.returncode == 0, verify.stderr


def test_a_backup_restores_into_a_fresh_database_with_the_same_content(sqlite_site):
    import sqlite3

    from tongxing.core.backup import content_checksum

    env, folder = sqlite_site
    backup = folder / "drill.backup"
    assert run_manage("backup", "--output", str(backup), env=env).returncode == 0
    restored = folder / "restored.sqlite3"
    result = run_manage("restore", str(backup), "--database-url", f"sqlite:///{restored}", env=env)
    assert result.returncode == 0, result.stderr

    def summary(path):
        db = sqlite3.connect(path)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return content_checksum(db.cursor(), tables)

    original_counts, original_digest = summary(folder / "tongxing.sqlite3")
    restored_counts, restored_digest = summary(restored)
    assert restored_counts == original_counts
    assert restored_counts["registry_person"] == 600
    assert restored_digest == original_digest


def test_a_tampered_backup_is_refused_and_the_target_is_not_created(sqlite_site):
    env, folder = sqlite_site
    backup = folder / "tamper.backup"
    assert run_manage("backup", "--output", str(backup), env=env).returncode == 0
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    target = folder / "tampered.sqlite3"
    result = run_manage("restore", str(backup), "--database-url", f"sqlite:///{target}", env=env)
    assert result.returncode != 0
    assert "failed its integrity check" in result.stderr
    assert not target.exists()


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the PostgreSQL drill runs in the PostgreSQL lane",
)
def test_a_postgresql_backup_restores_into_a_fresh_database_with_the_same_content(tmp_path):
    import uuid

    import psycopg

    from tongxing.core.backup import content_checksum

    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    names = [f"tongxing_drill_{uuid.uuid4().hex[:8]}", f"tongxing_restore_{uuid.uuid4().hex[:8]}"]
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = site_env(tmp_path, f"{server}/{names[0]}")
        populate(env)
        backup = tmp_path / "pg.backup"
        result = run_manage("backup", "--output", str(backup), env=env)
        assert result.returncode == 0, result.stderr
        result = run_manage(
            "restore", str(backup), "--database-url", f"{server}/{names[1]}", "--force", env=env
        )
        assert result.returncode == 0, result.stderr

        def summary(name):
            with psycopg.connect(f"{server}/{name}") as db, db.cursor() as cursor:
                cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                return content_checksum(cursor, [r[0] for r in cursor.fetchall()])

        original, restored = summary(names[0]), summary(names[1])
        assert restored == original
        assert restored[0]["registry_person"] == 600
    finally:
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
