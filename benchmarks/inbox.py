"""Service applications: staff inbox and a person's applications page latency through the
Django test client on PostgreSQL (and SQLite with --db sqlite).

Generates (or reuses, with --keep) --persons demo persons and --applications service
applications written in bulk: a quarter of the persons get two applications each, of two
different services; 30 % are open, waiting at a village, township or county step of their
type with deadlines over 2025, the rest completed, refused or withdrawn. Then times, as
the demo staff (village 511902001001, township 511902001, county 511902, city 5119): the
inbox first page and a later page; and, as the county officer, person pages of persons
with applications. Prints p50/p95 per page and the ratio to the 100 ms p95 target. A
script, not a test: numbers vary with the machine's load.

    .venv/bin/python benchmarks/inbox.py --persons 1000000 --applications 500000 --keep
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

from demo_generation import PG_SERVER, _pg_admin, pg_reachable
from registry_search import percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET_P95_MS = 100.0


def configure(db: str, persons: int, applications: int, keep: bool) -> tuple[str, bool]:
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TONGXING_VAR_DIR"] = str(bench_dir)
    os.environ.setdefault("TONGXING_MASTER_KEY", "5a" * 32)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-" + "x" * 30)
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    suffix = f"{persons}_{applications}"
    if db == "sqlite":
        path = bench_dir / f"inbox-{suffix}.sqlite3"
        if not keep and path.exists():
            path.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return str(path), not path.exists()
    if not pg_reachable():
        raise SystemExit(f"PostgreSQL does not answer at {PG_SERVER}")
    name = f"tongxing_services_bench_{suffix}"
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists and not keep:
        _pg_admin(f'DROP DATABASE "{name}"')
        exists = None
    if not exists:
        _pg_admin(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{name}"
    return name, not exists


def make_applications(count: int, seed: int) -> None:
    """``count`` applications in bulk (no history rows: the pages timed do not read them)."""
    from django.db import transaction
    from django.utils import timezone

    from tongxing.accounts.models import User
    from tongxing.areas.models import CODE_LENGTH
    from tongxing.core.bulk import BulkInserter
    from tongxing.registry.models import Person
    from tongxing.services.definitions import ServiceDefinition
    from tongxing.services.models import Application, ServiceType

    rng = random.Random(seed)
    types = [(t.pk, ServiceDefinition.from_type(t)) for t in ServiceType.objects.order_by("code")]
    staff_steps = [
        [s for s in d.steps if s.area_level is not None and not s.decision] or [d.steps[0]]
        for _pk, d in types
    ]
    quarter = count // 2
    persons = list(Person.objects.order_by("id").values_list("id", "area_id")[:quarter])
    submitter = User.objects.get(username="county").pk
    now = timezone.now()
    fields = (
        "service_type",
        "person",
        "area",
        "status",
        "current_step",
        "step_role",
        "step_area",
        "step_started",
        "due_date",
        "answers",
        "submitted_by",
        "submitted_on",
        "submitted_at",
        "outcome",
        "decided_on",
        "closed_on",
    )
    inserter = BulkInserter(Application, fields, now)
    start = dt.date(2025, 1, 2)
    rows = []
    with transaction.atomic():
        for i in range(count):
            person_id, area = persons[i % len(persons)]
            kind = (i // len(persons) + i) % len(types)
            type_pk, _definition = types[kind]
            submitted = start + dt.timedelta(days=rng.randrange(360))
            if rng.random() < 0.3:
                step = rng.choice(staff_steps[kind])
                status, outcome = "in_progress", ""
                code, role = step.code, step.role
                step_area = area[: CODE_LENGTH[step.area_level]]
                due = submitted + dt.timedelta(days=rng.randint(5, 40))
            else:
                status = rng.choice(["completed", "completed", "refused", "withdrawn"])
                outcome = {"completed": "approved", "refused": "refused"}.get(status, "")
                code = role = step_area = ""
                due = None
            rows.append(
                (
                    type_pk,
                    person_id,
                    area,
                    status,
                    code,
                    role,
                    step_area,
                    submitted if due else None,
                    due,
                    {},
                    submitter,
                    submitted,
                    now,
                    outcome,
                    None if due else submitted,
                    None if due else submitted,
                )
            )
            if len(rows) == 20_000:
                inserter.insert(rows)
                rows = []
        if rows:
            inserter.insert(rows)


def run(db: str, persons: int, applications: int, requests: int, keep: bool) -> None:
    where, fresh = configure(db, persons, applications, keep)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tongxing.accounts.demo import ensure_demo_accounts
    from tongxing.accounts.models import User
    from tongxing.core.scoping import prefix_q
    from tongxing.registry.models import Person
    from tongxing.services.models import Application

    call_command("migrate", verbosity=0)
    if fresh or Person.objects.count() != persons:
        started = time.perf_counter()
        call_command("load_region", verbosity=0)
        call_command("generate_demo", persons=persons, seed=2025, replace=True, verbosity=0)
        print(f"[{db}] generated {persons} persons in {time.perf_counter() - started:.1f} s")
    ensure_demo_accounts()
    call_command("load_parameters", verbosity=0)
    call_command("load_services", verbosity=0)
    if Application.objects.count() != applications:
        Application.objects.all().delete()
        started = time.perf_counter()
        make_applications(applications, 2025)
        print(f"[{db}] wrote {applications} applications in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    with_apps = list(
        Application.objects.filter(prefix_q("area_id", "511902"))
        .values_list("person_id", flat=True)
        .order_by("person_id")[: requests * 20 : 20]
    )
    results = []
    for username in ("village", "township", "county", "city"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/services/inbox/")  # warm caches
        for label, params in (("inbox page 1", {}), ("inbox page 5", {"page": "5"})):
            timings = []
            for _i in range(requests):
                started = time.perf_counter()
                response = client.get("/services/inbox/", params)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            results.append((f"{username:<8} {label}", timings))
    client = Client()
    client.force_login(User.objects.get(username="county"))
    timings = []
    for i in range(requests):
        pk = with_apps[i % len(with_apps)]
        started = time.perf_counter()
        response = client.get(f"/services/persons/{pk}/")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    results.append(("county   person's applications", timings))
    waiting = {
        u: Application.objects.filter(
            step_role=User.objects.get(username=u).role,
            step_area=User.objects.get(username=u).area_id,
            status__in=["in_progress", "approved"],
        ).count()
        for u in ("village", "township", "county")
    }
    print(
        f"\n[{db}] {persons} persons, {applications} applications in {where}; "
        f"{requests} requests per row; waiting: {waiting}"
    )
    print(f"  {'page':<34} {'p50 ms':>8} {'p95 ms':>8} {'p95/target':>11}")
    for label, timings in results:
        p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
        print(f"  {label:<34} {p50:8.1f} {p95:8.1f} {p95 / TARGET_P95_MS:10.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    args = parser.parse_args()
    run(args.db, args.persons, args.applications, args.requests, args.keep)


if __name__ == "__main__":
    main()
