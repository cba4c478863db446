"""What the background-job machinery costs a job: a ``ctx.progress`` call (throttled, and
one that writes), and a job that does nothing, queued and run through the database
backend (``run_queued_jobs``), on a fresh SQLite file or on ``--database-url``.

    .venv/bin/python benchmarks/job_overhead.py --calls 1000000 --jobs 200

Use it to decide how often a population-wide job reports progress: per batch, not per row.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="tongxing-jobs-bench-")
    os.environ |= {
        "TONGXING_VAR_DIR": folder,
        "TONGXING_MASTER_KEY": "7e" * 32,
        "DATABASE_URL": args.database_url or f"sqlite:///{folder}/bench.sqlite3",
        "LOG_LEVEL": "WARNING",  # the worker logs every task at INFO
    }
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tongxing.core.jobs import JobContext, register_job, run_queued_jobs, start_job
    from tongxing.core.models import Job, JobStatus

    call_command("migrate", verbosity=0)
    logging.getLogger("django_tasks").setLevel(logging.WARNING)
    print(f"database: {connection.vendor}")

    job = Job.objects.create(
        kind="bench.nothing", label="bench", status=JobStatus.RUNNING, heartbeat_at=timezone.now()
    )
    context = JobContext(job)
    per_call = []
    for _ in range(args.runs):
        began = time.perf_counter()
        for done in range(args.calls):
            context.progress(done, args.calls)
        per_call.append((time.perf_counter() - began) / args.calls)
    print(f"progress(), mostly throttled: median {statistics.median(per_call) * 1e6:.2f} µs a call")

    writes = []
    for done in range(200):
        context._last_write = None  # force the write a call makes every half second
        began = time.perf_counter()
        context.progress(done, 200, "step")
        writes.append(time.perf_counter() - began)
    print(f"progress() that writes: median {statistics.median(writes) * 1e3:.2f} ms")

    @register_job("bench.nothing")
    def nothing(ctx: JobContext) -> None:
        return None

    per_job = []
    for _ in range(args.runs):
        for _ in range(args.jobs):
            start_job("bench.nothing", user=None, params={}, label="bench")
        began = time.perf_counter()
        ran = run_queued_jobs()
        per_job.append((time.perf_counter() - began) / ran)
    print(
        f"queue + claim + run + record an empty job: median {statistics.median(per_job) * 1e3:.2f}"
        f" ms a job ({args.jobs} jobs a run, {args.runs} runs)"
    )


if __name__ == "__main__":
    main()
