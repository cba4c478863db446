#!/usr/bin/env python
"""Run the whole suite in every lane this machine supports, and say which lanes ran.

Lanes: lint (ruff, migrations check), sqlite (always), postgresql (when a server answers
at DATABASE_URL, default postgres://postgres@127.0.0.1:5432/tongxing), chromium (browser
and axe-core tests, when /usr/bin/chromium exists). ``--require-all`` (used by .ci/run)
fails when a lane could not run. Extra arguments go to pytest.

The sqlite and postgresql lanes run at the same time (the PostgreSQL lane's output is
kept in a file and printed when it ends): each leaves a core idle much of the time, the
SQLite lane waiting on nothing but Python and the PostgreSQL lane waiting on its server.
``--one-at-a-time`` runs them one after the other.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/tongxing"
CHROMIUM = Path("/usr/bin/chromium")


def postgres_reachable(url: str) -> bool:
    import psycopg

    try:
        # Connect to the maintenance database: the test database is created by the run.
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


ICU_TEMPLATE = "tongxing_test_template_zh"


def ensure_icu_template(url: str) -> str:
    """A template database with the zh-Hans-CN ICU collation for the PostgreSQL lane."""
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [ICU_TEMPLATE]
        ).fetchone()
        if not exists:
            admin.execute(
                f"CREATE DATABASE {ICU_TEMPLATE} TEMPLATE template0 ENCODING 'UTF8' "
                "LOCALE_PROVIDER icu ICU_LOCALE 'zh-Hans-CN' LOCALE 'C.UTF-8'"
            )
    return ICU_TEMPLATE


def _status(returncode: int) -> str:
    # pytest exits 5 when it collected no test: a lane that tests nothing has not passed.
    return "passed" if returncode == 0 else f"FAILED (exit {returncode})"


def run(name: str, command: list[str], env: dict[str, str]) -> tuple[str, str, float]:
    print(f"\n=== lane {name}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603 - our argv
    return name, _status(result.returncode), time.monotonic() - started


class Beside:
    """A lane run in the background while another runs in the foreground; its output is
    printed in one piece when it has ended, so the two never interleave."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.command = command
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish()
        self.started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - our argv
            command, cwd=ROOT, env=env, stdout=self.output, stderr=subprocess.STDOUT
        )
        print(f"\n=== lane {name} started beside the next: {' '.join(command)}", flush=True)

    def finish(self) -> tuple[str, str, float]:
        returncode = self.process.wait()
        elapsed = time.monotonic() - self.started
        print(f"\n=== lane {self.name}: {' '.join(self.command)}", flush=True)
        self.output.seek(0)
        sys.stdout.buffer.write(self.output.read())
        sys.stdout.flush()
        self.output.close()
        return self.name, _status(returncode), elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--require-all", action="store_true", help="fail if a lane is skipped")
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="run the sqlite and postgresql lanes one after the other",
    )
    args, pytest_args = parser.parse_known_args()

    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base_env["DEBUG"] = "true"
    pytest = [str(BIN / "python"), "-m", "pytest", "-q", *pytest_args]
    results: list[tuple[str, str, float]] = []
    skipped: list[tuple[str, str]] = []

    results.append(
        run("lint", [str(BIN / "ruff"), "check", "src", "tests", "benchmarks", "scripts"], base_env)
    )
    results.append(
        run(
            "format",
            [str(BIN / "ruff"), "format", "--check", "src", "tests", "benchmarks", "scripts"],
            base_env,
        )
    )
    results.append(
        run(
            "migrations",
            [str(BIN / "python"), "manage.py", "makemigrations", "--check", "--dry-run"],
            base_env,
        )
    )
    pg_url = os.environ.get("DATABASE_URL", DEFAULT_PG)
    pg_lane: tuple[str, list[str], dict[str, str]] | None = None
    if pg_url.startswith("postgres") and postgres_reachable(pg_url):
        pg_env = base_env | {
            "DATABASE_URL": pg_url,
            "TONGXING_TEST_DB_TEMPLATE": ensure_icu_template(pg_url),
        }
        pg_lane = ("postgresql", [*pytest, "-m", "not browser"], pg_env)
    else:
        skipped.append(("postgresql", f"no server answers at {pg_url}"))

    beside = Beside(*pg_lane) if pg_lane and not args.one_at_a_time else None
    results.append(run("sqlite", [*pytest, "-m", "not browser"], base_env))
    if beside is not None:
        results.append(beside.finish())
    elif pg_lane is not None:
        results.append(run(*pg_lane))

    if CHROMIUM.exists():
        results.append(run("chromium", [*pytest, "-m", "browser"], base_env))
    else:
        skipped.append(("chromium", f"{CHROMIUM} is missing (apt-get install chromium)"))

    print("\n=== lanes")
    for name, status, elapsed in results:
        print(f"  {name:<11} {status:<22} {elapsed:6.1f} s")
    for name, reason in skipped:
        print(f"  {name:<11} {'SKIPPED':<22} {reason}")
    failed = [r for r in results if r[1] != "passed"]
    if failed:
        return 1
    if skipped and args.require_all:
        print("a lane was skipped and --require-all was given")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
