"""Needs-survey progress for the whole city: the progress page as a city officer.

Generates (or reuses, with --keep) --persons demo persons, gives --share of them a
completed survey of the year (a tenth of those only started) with one or two needs each,
then times the city progress page through the Django test client and its two GROUP BY
queries on their own. Prints medians and the ratio to the 200 ms target. A script, not a
test: numbers vary with the machine's load.

    .venv/bin/python benchmarks/survey_progress.py --persons 114000 --db both --keep
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET_MS = 200.0


def configure(db: str, persons: int, keep: bool) -> tuple[str, bool]:
    """Point Django at the benchmark database; return (description, needs_population)."""
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TONGXING_VAR_DIR"] = str(bench_dir)
    os.environ.setdefault("TONGXING_MASTER_KEY", "5a" * 32)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-" + "x" * 30)
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    if db == "sqlite":
        path = bench_dir / f"surveys-{persons}.sqlite3"
        if not keep and path.exists():
            path.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return str(path), not path.exists()
    import psycopg

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"tongxing_bench_surveys_{persons}" if keep else f"tongxing_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server + "/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    return name, not exists


def _closed(met: bool, now: object) -> tuple:
    """status, opened_at, closed_at: a quarter of the needs met."""
    return ("met", now, now) if met else ("open", now, None)


def fill_surveys(share: float) -> int:
    """Surveys for ``share`` of the persons (every n-th by id), written in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from tongxing.core.bulk import BulkInserter
    from tongxing.registry.models import Person
    from tongxing.surveys.definitions import current_definition
    from tongxing.surveys.models import Need, Survey

    definition = current_definition()
    now = timezone.now()
    answers = json.dumps({"mobility": "walks", "care_need": True}, ensure_ascii=False)
    step = max(1, round(1 / share))
    ids = list(Person.objects.filter(status="active").order_by("id").values_list("id", flat=True))
    chosen = ids[::step]
    with transaction.atomic():
        survey_rows = [
            (
                pk,
                definition.pk,
                definition.year,
                "in_progress" if n % 10 == 0 else "completed",
                answers,
                "",
                False,
                [],
                now,
                now,
                None if n % 10 == 0 else now,
            )
            for n, pk in enumerate(chosen)
        ]
        BulkInserter(
            Survey,
            (
                "person",
                "definition",
                "year",
                "status",
                "answers_data",
                "flags_data",
                "flagged",
                "saved_groups",
                "started_at",
                "updated_at",
                "completed_at",
            ),
            now,
        ).insert(survey_rows)
        surveys = Survey.objects.filter(status="completed").values_list("id", "person_id")
        kinds = ("care", "subsidy", "rehabilitation")
        need_rows = [
            (person_id, kinds[sid % 3], definition.year, sid, *_closed(sid % 4 == 0, now))
            for sid, person_id in surveys
        ]
        BulkInserter(
            Need, ("person", "kind", "year", "survey", "status", "opened_at", "closed_at"), now
        ).insert(need_rows)
    return len(chosen)


def run(db: str, persons: int, share: float, requests: int, keep: bool) -> None:
    where, fresh = configure(db, persons, keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tongxing.accounts.demo import ensure_demo_accounts
    from tongxing.accounts.models import User
    from tongxing.areas.models import Area
    from tongxing.registry.models import Person
    from tongxing.surveys import queries
    from tongxing.surveys.models import Survey

    call_command("migrate", verbosity=0)
    if fresh or Person.objects.count() != persons:
        started = time.perf_counter()
        call_command("load_region", verbosity=0)
        call_command("generate_demo", persons=persons, seed=2025, replace=True, verbosity=0)
        print(f"[{db}] generated {persons} persons in {time.perf_counter() - started:.1f} s")
    call_command("load_surveys", verbosity=0)
    ensure_demo_accounts()
    if not Survey.objects.exists():
        started = time.perf_counter()
        count = fill_surveys(share)
        print(f"[{db}] wrote {count} surveys in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    city = User.objects.get(username="city")
    area = Area.objects.get(code=city.area_id)
    year = Survey.objects.values_list("year", flat=True).first()
    client = Client()
    client.force_login(city)
    client.get("/surveys/")  # warm caches
    timings: dict[str, list[float]] = {"page": [], "survey_counts": [], "need_counts": []}
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/surveys/")
        timings["page"].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        started = time.perf_counter()
        queries.survey_counts(city, area, year)
        timings["survey_counts"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        queries.need_counts(city, area, year)
        timings["need_counts"].append((time.perf_counter() - started) * 1000)
    total = queries.survey_progress(city, area, year).total
    print(
        f"\n[{db}] {persons} persons in {where}; {total.done} surveys done, "
        f"{total.in_progress} started, {total.needs_total} needs; {requests} runs"
    )
    print(f"  {'what':<28} {'median ms':>10} {'max ms':>8} {'median/target':>14}")
    for label, values in timings.items():
        median = statistics.median(values)
        print(
            f"  {'city ' + label:<28} {median:10.1f} {max(values):8.1f} {median / TARGET_MS:13.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=114_000)
    parser.add_argument("--share", type=float, default=0.6, help="share of persons surveyed")
    parser.add_argument("--requests", type=int, default=21)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    args = parser.parse_args()
    if args.db == "both":
        # Each engine in its own process: Django's settings are fixed once set up.
        for db in ("sqlite", "postgresql"):
            command = [sys.executable, __file__, "--persons", str(args.persons), "--db", db]
            command += ["--share", str(args.share), "--requests", str(args.requests)]
            subprocess.run(command + (["--keep"] if args.keep else []), check=True)
        return
    run(args.db, args.persons, args.share, args.requests, args.keep)


if __name__ == "__main__":
    main()
