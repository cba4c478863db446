"""Registry search latency through the Django test client, on SQLite and PostgreSQL.

Generates (or reuses, with --keep) a population of --persons demo persons, then times
search requests the way staff make them: name prefix, pinyin initials, full pinyin, ID
number, certificate number, and filtered lists, as a city officer (whole population in
scope) and a county officer. Prints p50/p95 per query kind and the ratio to the 50 ms
p95 target. A script, not a test: numbers vary with the machine's load.

    .venv/bin/python benchmarks/registry_search.py --persons 1000000 --db both --keep
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET_P95_MS = 50.0
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def configure(db: str, persons: int, keep: bool) -> tuple[str, bool]:
    """Point Django at the benchmark database; return (description, needs_population)."""
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TONGXING_VAR_DIR"] = str(bench_dir)
    os.environ.setdefault("TONGXING_MASTER_KEY", "5a" * 32)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-" + "x" * 30)
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    if db == "sqlite":
        path = bench_dir / f"search-{persons}.sqlite3"
        if not keep and path.exists():
            path.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return str(path), not path.exists()
    import psycopg

    name = f"tongxing_bench_{persons}" if keep else f"tongxing_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER + "/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{SERVER}/{name}"
    return name, not exists


def discard(db: str, where: str) -> None:
    """Remove a database made for one run (without --keep): they are hundreds of MB."""
    from django.db import connections

    connections.close_all()
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(where + suffix).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(SERVER + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{where}" WITH (FORCE)')


def run(db: str, persons: int, requests: int, keep: bool) -> list[tuple[str, float, float]]:
    where, fresh = configure(db, persons, keep)
    try:
        return measure(db, persons, requests, fresh, where)
    finally:
        if not keep:
            discard(db, where)


def measure(
    db: str, persons: int, requests: int, fresh: bool, where: str
) -> list[tuple[str, float, float]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tongxing.accounts.demo import ensure_demo_accounts
    from tongxing.accounts.models import User
    from tongxing.registry.models import Person

    call_command("migrate", verbosity=0)
    if fresh or Person.objects.count() != persons:
        started = time.perf_counter()
        call_command("load_region", verbosity=0)
        call_command("generate_demo", persons=persons, seed=2025, replace=True, verbosity=0)
        print(f"[{db}] generated {persons} persons in {time.perf_counter() - started:.1f} s")
    ensure_demo_accounts()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    sample = list(
        Person.objects.select_related("certificate").order_by("?")[:requests]
        if connection.vendor == "postgresql"
        else Person.objects.select_related("certificate").filter(pk__lte=persons)[
            : requests * 50 : 50
        ]
    )
    cases = {
        "name prefix (张)": [{"q": "张"}],
        "pinyin initials": [{"q": p.name_initials[:2]} for p in sample],
        "full pinyin": [{"q": p.name_pinyin[:8]} for p in sample],
        "ID number": [{"q": p.id_number} for p in sample],
        "certificate number": [{"q": p.certificate.number} for p in sample],
        "filtered list": [{"category": "4", "grade": "1", "age": "60-79"}],
        "list, page 40": [{"page": "40"}],
        "township filter": [{"area": p.area_id[:9]} for p in sample],
    }
    results = []
    for username in ("city", "county"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/persons/", {"q": "王"})  # warm caches and the keyring
        for label, params in cases.items():
            timings = []
            for i in range(requests):
                started = time.perf_counter()
                response = client.get("/persons/", params[i % len(params)])
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            results.append(
                (f"{username:<6} {label}", percentile(timings, 0.5), percentile(timings, 0.95))
            )
    print(f"\n[{db}] {persons} persons in {where}; {requests} requests per row")
    print(f"  {'query':<34} {'p50 ms':>8} {'p95 ms':>8} {'p95/target':>11}")
    for label, p50, p95 in results:
        print(f"  {label:<34} {p50:8.1f} {p95:8.1f} {p95 / TARGET_P95_MS:10.2f}x")
    worst = max(r[2] for r in results)
    middle = statistics.median(r[2] for r in results)
    print(f"  worst p95 {worst:.1f} ms; median of p95s {middle:.1f} ms")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    args = parser.parse_args()
    if args.db == "both":
        # Each engine in its own process: Django's settings are fixed once set up.
        import subprocess

        for db in ("sqlite", "postgresql"):
            command = [
                sys.executable,
                __file__,
                "--persons",
                str(args.persons),
                "--requests",
                str(args.requests),
                "--db",
                db,
            ]
            subprocess.run(command + (["--keep"] if args.keep else []), check=True)
        return
    run(args.db, args.persons, args.requests, args.keep)


if __name__ == "__main__":
    main()
