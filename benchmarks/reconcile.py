"""The reconciliation end to end on PostgreSQL: 1,000,000 registry persons against
5,000,000 department records (deaths, the 低保 roll, pension enrolment).

Setup (untimed, kept between runs in the database named by --database): the persons with
certificates, households with 低保/特困 statuses, living-subsidy claims, a locked payroll
month, and the three department lists, generated as Arrow tables in this script and
loaded with COPY. Identifiers are synthetic blind indexes: the reconciliation joins on the
index and never decrypts, so the encrypted columns hold a placeholder.

Timed, as ``reconcile.actions.run_reconciliation`` does it (its phases separately, then
the action itself): the lists and the registry read into Arrow, the findings computed by
DuckDB, the worklist rows written. Printed with the process's peak memory, and the ratio
to the bare floor of the same run: the same persons and rows read into Arrow and one
DuckDB join of rows to persons on the index (and that join alone, in memory).

Targets (issue #4): ≤ 5 s end to end, ≤ 4 GB peak, ≤ 3× the bare DuckDB join.

    .venv/bin/python benchmarks/reconcile.py [--persons 1000000] [--records 5000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
ON = dt.date(2025, 6, 15)
PAID_MONTH = dt.date(2025, 5, 1)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def configure(database: str) -> None:
    import psycopg

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if not found.fetchone():
            admin.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ["TONGXING_LIST_ROWS_DIR"] = str(ROOT / "var" / "bench" / f"lists-{database}")
    os.environ.setdefault("TONGXING_MASTER_KEY", "5a" * 32)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")


def copy_table(table_name: str, table) -> None:
    """COPY an Arrow table (columns named as the database's), then move the id sequence."""
    from django.db import connection

    from tongxing.core.bulk import copy_arrow

    copy_arrow(table_name, table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table_name}))"
        )


def generate(persons: int, records: int, seed: int = 4) -> None:
    """The population and the lists, as Arrow, loaded with COPY."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tongxing.areas.models import Area, AreaLevel

    call_command("load_region", "sichuan-bazhong", verbosity=0)
    rng = np.random.default_rng(seed)
    now = timezone.now()
    user, _ = get_user_model().objects.get_or_create(
        username="bench_city", defaults={"role": "city_officer", "area_id": "5119"}
    )
    villages = np.array(
        list(Area.objects.filter(level=AreaLevel.VILLAGE).values_list("code", flat=True))
    )

    def hexes(count: int):
        raw = rng.bytes(32 * count)
        return pa.array([raw[i : i + 32].hex() for i in range(0, 32 * count, 32)])

    ids = np.arange(1, persons + 1)
    area = villages[rng.integers(0, len(villages), persons)]
    index = hexes(persons)
    births = np.datetime64("1940-01-01") + rng.integers(0, 80 * 365, persons).astype(
        "timedelta64[D]"
    )
    households = persons // 3
    household_of = np.where(ids % 3 == 0, ids // 3, 0)
    placeholder = pa.array(["x"] * persons)
    print(f"  loading {persons:,} persons…", flush=True)
    copy_table(
        "registry_household",
        pa.table(
            {
                "id": np.arange(1, households + 1),
                "area_id": area[2::3][:households],
                "address": ["x"] * households,
                "created_at": pa.array([now] * households),
            }
        ),
    )
    copy_table(
        "registry_person",
        pa.table(
            {
                "id": ids,
                "id_number": placeholder,
                "id_number_index": index,
                "name": placeholder,
                "name_pinyin": placeholder,
                "name_initials": placeholder,
                "sex": pa.array(["M"] * persons),
                "birth_date": births,
                "ethnicity": pa.array(["汉族"] * persons),
                "hukou_type": pa.array(["rural"] * persons),
                "area_id": area,
                "address": placeholder,
                "phone": placeholder,
                "household_id": pa.array(household_of, mask=household_of == 0),
                "relation_to_head": pa.array(["head"] * persons),
                "guardian_name": placeholder,
                "guardian_id_number": placeholder,
                "guardian_phone": placeholder,
                "guardian_relation": placeholder,
                "status": pa.array(["active"] * persons),
                "date_of_death": pa.nulls(persons, pa.date32()),
                "created_at": pa.array([now] * persons),
                "updated_at": pa.array([now] * persons),
            }
        ),
    )
    grades = rng.integers(1, 5, persons)
    copy_table(
        "registry_disabilitycertificate",
        pa.table(
            {
                "id": ids,
                "person_id": ids,
                "number": placeholder,
                "number_index": hexes(persons),
                "category": rng.integers(1, 8, persons),
                "multiple_detail": placeholder,
                "grade": grades,
                "issue_date": pa.array([dt.date(2020, 1, 1)] * persons),
                "valid_until": pa.array([dt.date(2030, 1, 1)] * persons),
                "status": pa.array(["valid"] * persons),
                "reissue_count": np.zeros(persons, dtype=np.int64),
            }
        ),
    )
    # A tenth of the households hold 低保, a fiftieth 特困.
    dibao = np.arange(1, households + 1, 10)
    tekun = np.arange(5, households + 1, 50)
    statuses = np.concatenate([dibao, tekun])
    copy_table(
        "registry_householdstatus",
        pa.table(
            {
                "household_id": statuses,
                "kind": ["dibao"] * len(dibao) + ["tekun"] * len(tekun),
                "start_date": pa.array([dt.date(2023, 1, 1)] * len(statuses)),
                "end_date": pa.nulls(len(statuses), pa.date32()),
                "source": ["bench"] * len(statuses),
                "recorded_at": pa.array([now] * len(statuses)),
            }
        ),
    )
    # Most 低保 members get the living subsidy; every seventh does not.
    members = dibao * 3
    claimed = members[members % 7 != 0]
    copy_table(
        "benefits_benefitclaim",
        pa.table(
            {
                "person_id": claimed,
                "benefit": ["living_subsidy"] * len(claimed),
                "applied_on": pa.array([dt.date(2024, 1, 10)] * len(claimed)),
                "status": ["approved"] * len(claimed),
                "reason": ["x"] * len(claimed),
                "created_by_id": [user.pk] * len(claimed),
                "created_at": pa.array([now] * len(claimed)),
            }
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO benefits_payrollbatch (county_id, month, status, prepared_by_id, "
            "returned_reason, unverified_parameters, unverified_acknowledged, summary, error) "
            "VALUES ('511902', %s, 'locked', %s, '', '[]', '', '{}', '') RETURNING id",
            [PAID_MONTH, user.pk],
        )
        batch = cursor.fetchone()[0]
    paid = ids[grades <= 2]
    copy_table(
        "benefits_payrollline",
        pa.table(
            {
                "batch_id": [batch] * len(paid),
                "person_id": paid,
                "benefit": ["nursing_subsidy"] * len(paid),
                "kind": ["regular"] * len(paid),
                "for_month": pa.array([PAID_MONTH] * len(paid)),
                "amount": pa.array(["80.00"] * len(paid)),
                "township": pc.utf8_slice_codeunits(pa.array(area[paid - 1]), 0, 9),
                "village": pa.array(area[paid - 1]),
                "name": ["x"] * len(paid),
                "bank": ["x"] * len(paid),
            }
        ),
    )
    # The three lists: deaths (2 %), the 低保 roll (18 %) and pension enrolment (80 %).
    # Each mixes persons of the registry with people who are not in it.
    shares = {"civil_deaths": 0.02, "assistance": 0.18, "pension_enrolment": 0.80}
    next_id = 1
    for number, (kind, share) in enumerate(shares.items(), start=1):
        count = int(records * share)
        department = {"civil_deaths": "civil_affairs", "assistance": "civil_affairs"}.get(
            kind, "hrss"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO reconcile_departmentlist (kind, department, list_date, area_id, "
                "uploaded_by_id, uploaded_at, original_name, sha256, size, rows_total) "
                "VALUES (%s, %s, %s, '5119', %s, %s, %s, %s, 0, %s) RETURNING id",
                [kind, department, ON, user.pk, now, f"{kind}.csv", f"{number:064d}", count],
            )
            list_id = cursor.fetchone()[0]
        if kind == "assistance":
            known = members[: count // 2]
        elif kind == "civil_deaths":
            known = rng.choice(ids, min(count // 2, persons), replace=False)
        else:
            eligible = ids[(grades <= 2)]
            known = eligible[eligible % 7 != 0][:count]
        strangers = count - len(known)
        index_column = pa.concat_arrays([index.take(pa.array(known - 1)), hexes(strangers)])
        print(f"  loading {count:,} rows of {kind}…", flush=True)
        copy_table(
            "reconcile_departmentrow",
            pa.table(
                {
                    "id": np.arange(next_id, next_id + count),
                    "department_list_id": [list_id] * count,
                    "row": np.arange(2, count + 2),
                    "id_number": pa.array([placeholder_token()] * count),
                    "id_number_index": index_column,
                    "name": pa.array(["x"] * count),
                    "event_date": pa.array(
                        [dt.date(2025, 3, 20) if kind == "civil_deaths" else None] * count,
                        pa.date32(),
                    ),
                    "status": pa.array(["dibao" if kind == "assistance" else "x"] * count),
                    "reference": pa.array(["x"] * count),
                }
            ),
        )
        next_id += count
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def placeholder_token() -> str:
    """A value shaped as a token under the active key version, so the rows count as
    indexed under it (``reconcile.store`` writes a list's file only then); never
    decrypted, as the reconciliation joins on the index."""
    from tongxing.core.keys import keyring

    return f"sm4g1:{keyring().active_version}:x"


def bare(scope: str) -> tuple[float, float, float]:
    """The floor: the same persons and rows read into Arrow, one DuckDB join on the index."""
    import duckdb
    import pyarrow as pa

    from tongxing.core.arrowio import fetch_arrow_many

    started = time.perf_counter()
    # From the database, as a list with no columnar file would be read: the floor does
    # not get the files' advantage.
    tables = fetch_arrow_many(
        {
            "persons": (
                "SELECT p.id, p.id_number_index FROM registry_person p WHERE p.area_id LIKE %s",
                [scope + "%"],
                pa.schema([("person_id", pa.int64()), ("id_index", pa.string())]),
            ),
            "rows": (
                "SELECT r.department_list_id, r.id_number_index FROM reconcile_departmentrow r",
                [],
                pa.schema([("list_id", pa.int64()), ("id_index", pa.string())]),
            ),
        }
    )
    persons, rows = tables["persons"], tables["rows"]
    read = time.perf_counter() - started
    con = duckdb.connect()
    con.register("persons", persons)
    con.register("rows", rows)
    joined_at = time.perf_counter()
    con.execute(
        "SELECT r.list_id, count(*) FROM rows r JOIN persons p ON p.id_index = r.id_index "
        "GROUP BY r.list_id"
    ).fetchall()
    done = time.perf_counter()
    return read, done - joined_at, done - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--database", default="tongxing_reconcile")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure(args.database)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from tongxing.reconcile import actions, engine
    from tongxing.reconcile.models import DepartmentRow, Finding
    from tongxing.registry.models import Person

    call_command("migrate", verbosity=0)
    if Person.objects.count() != args.persons or DepartmentRow.objects.count() != args.records:
        print("Generating the population and the lists (once per database)…", flush=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE reconcile_finding, reconcile_departmentrow, reconcile_departmentlist, "
                "benefits_payrollline, benefits_payrollbatch, benefits_benefitclaim, "
                "registry_householdstatus, registry_disabilitycertificate, registry_lifeevent, "
                "registry_person, registry_household CASCADE"
            )
        started = time.perf_counter()
        generate(args.persons, args.records)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        # Databases generated before the rows carried a token-shaped placeholder.
        cursor.execute(
            "UPDATE reconcile_departmentrow SET id_number = %s WHERE id_number = 'x'",
            [placeholder_token()],
        )
    user = get_user_model().objects.get(username="bench_city")
    scope = user.area_id
    print(
        f"{args.persons:,} persons, {args.records:,} department rows, PostgreSQL "
        f"{connection.pg_version}, {os.cpu_count()} CPUs, "
        f"load average before: {os.getloadavg()[0]:.1f}"
    )

    # The lists were loaded with COPY, so they have no columnar files yet (a list stored
    # through upload_list has one from the start): the first read fetches the rows from
    # the database and writes the files. Timed once, on its own.
    shutil.rmtree(settings.TONGXING_LIST_ROWS_DIR, ignore_errors=True)
    started = time.perf_counter()
    engine.read_inputs(scope)
    cold_read = time.perf_counter() - started
    phases: dict[str, list[float]] = {"read": [], "find": [], "write": [], "action": []}
    bare_runs: list[tuple[float, float, float]] = []
    findings = 0
    for _ in range(args.repeat):
        Finding.objects.all().delete()
        started = time.perf_counter()
        inputs = engine.read_inputs(scope)
        read = time.perf_counter()
        found = engine.find(inputs, ON)
        computed = time.perf_counter()
        with transaction.atomic():
            findings = actions.write_findings(found, timezone.now())
        written = time.perf_counter()
        phases["read"].append(read - started)
        phases["find"].append(computed - read)
        phases["write"].append(written - computed)
        del inputs, found
        Finding.objects.all().delete()
        started = time.perf_counter()
        actions.run_reconciliation(user, ON)
        phases["action"].append(time.perf_counter() - started)
        bare_runs.append(bare(scope))

    def median(values: list[float]) -> float:
        return statistics.median(values)

    counts = dict(Finding.objects.values_list("rule").annotate(n=Count("id")))
    print(f"findings written: {findings:,} {counts}")
    print(f"  read   {cold_read:6.2f} s once, the lists' files absent (rows from the database)")
    for name in ("read", "find", "write"):
        print(f"  {name:<6} {median(phases[name]):6.2f} s (median of {args.repeat})")
    action = median(phases["action"])
    bare_read = median([b[0] for b in bare_runs])
    bare_join = median([b[1] for b in bare_runs])
    bare_total = median([b[2] for b in bare_runs])
    print(f"end to end (run_reconciliation): {action:6.2f} s   target ≤ 5 s")
    print(f"peak memory: {peak_mib():,.0f} MiB   target ≤ 4096 MiB")
    print(
        f"bare DuckDB join of the same data: {bare_total:.2f} s "
        f"(read {bare_read:.2f} s + join {bare_join:.2f} s)"
    )
    print(f"ratio end to end / bare read+join: {action / bare_total:.2f}×   target ≤ 3×")
    cold = action - median(phases["read"]) + cold_read
    print(f"end to end with the lists' files absent (estimated): {cold:6.2f} s")
    print(f"ratio end to end / bare join alone (in memory): {action / bare_join:.1f}×")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
