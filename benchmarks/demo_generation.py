"""Demo-population generation: seconds, persons per second and peak memory.

Why: ``prepare_demo`` generates 114,000 persons on every fresh install, and a 1,000,000-person
population is what the population-wide jobs are benchmarked against; targets on a 2-core
machine with SQLite are 60 s and 6 minutes.

Each run is a child process with a fresh database: a temporary SQLite file (a temporary
``TONGXING_VAR_DIR``), and, when PostgreSQL answers at postgres://postgres@127.0.0.1:5432,
a temporary PostgreSQL database created and dropped with psycopg. The child migrates,
loads the region pack, then times ``generate_population`` alone; its peak RSS covers the
whole child. Medians over ``--repeat`` runs.

    .venv/bin/python benchmarks/demo_generation.py                      # 114,000, both
    .venv/bin/python benchmarks/demo_generation.py --persons 1000000 --no-pg
    .venv/bin/python benchmarks/demo_generation.py --repeat 3

Wall time and CPU time are both printed: they differ when other jobs share the cores, and
the load average is printed for the same reason.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


def child(persons: int, seed: int) -> None:
    """Runs in the child process, with TONGXING_VAR_DIR / DATABASE_URL already set."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tongxing.registry.demo import generate_population

    call_command("migrate", verbosity=0)
    call_command("load_region", verbosity=0)
    wall, cpu = time.perf_counter(), time.process_time()
    report = generate_population(persons, seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {"persons": report.persons, "seconds": wall, "cpu": cpu, "peak_mib": peak_kib / 1024}
        )
    )


def run_once(backend: str, persons: int, seed: int) -> dict[str, float]:
    var_dir = tempfile.mkdtemp(prefix="tongxing-bench-")
    env = dict(os.environ, TONGXING_VAR_DIR=var_dir)
    env.pop("DATABASE_URL", None)
    # Builds that require a master key get a throwaway one; the data is thrown away too.
    env.setdefault("TONGXING_MASTER_KEY", secrets.token_hex(32))
    database = None
    try:
        if backend == "postgresql":
            database = f"tongxing_bench_{os.getpid()}_{secrets.token_hex(4)}"
            _pg_admin(f'CREATE DATABASE "{database}"')
            env["DATABASE_URL"] = f"{PG_SERVER}/{database}"
        result = subprocess.run(
            [sys.executable, __file__, "--child", "--persons", str(persons), "--seed", str(seed)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            sys.stderr.write(result.stderr)
            raise SystemExit(f"{backend} run failed (exit {result.returncode})")
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        if database:
            _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(var_dir, ignore_errors=True)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql)


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=114_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pg", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.persons, args.seed)
        return

    backends = ["sqlite"]
    if args.pg:
        if pg_reachable():
            backends.append("postgresql")
        else:
            print(f"PostgreSQL not reachable at {PG_SERVER}: skipped")
    print(f"{os.cpu_count()} CPUs, load average before: {os.getloadavg()[0]:.1f}")
    header = ("backend", "persons", "wall s", "CPU s", "persons/s", "peak MiB")
    print("{:<11} {:>9} {:>8} {:>7} {:>10} {:>9}".format(*header))
    for backend in backends:
        runs = [run_once(backend, args.persons, args.seed) for _ in range(args.repeat)]
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = statistics.median(r["peak_mib"] for r in runs)
        print(
            f"{backend:<11} {args.persons:>9,} {seconds:>8.1f} {cpu:>7.1f} "
            f"{args.persons / seconds:>10,.0f} {peak:>9.0f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
