"""Run every queued background job now, in this process, and exit.

For a machine without a running worker (a one-off import, a script, a test); in
production run ``manage.py db_worker`` as its own service instead.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongxing.core.jobs import run_queued_jobs


class Command(BaseCommand):
    help = "Run every queued background job now, in this process, then exit."

    def handle(self, *args: Any, **options: Any) -> None:
        ran = run_queued_jobs()
        self.stdout.write(f"{ran} queued task(s) run.")
