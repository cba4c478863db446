from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxing.core.rotation import rotate


class Command(BaseCommand):
    help = (
        "Start a data-key rotation (or continue an interrupted one): re-encrypt and re-index "
        "every sensitive value under the new key, in batches. Safe to kill and re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--max-batches", type=int, default=None)

    def handle(self, *args: Any, batch_size: int, max_batches: int | None, **options: Any) -> None:
        def progress(done: int, total: int) -> None:
            self.stdout.write(f"re-encrypted {done} / {total} rows", ending="\n")
            self.stdout.flush()

        report = rotate(batch_size=batch_size, max_batches=max_batches, progress=progress)
        verb = "started" if report.started_new_version else "continued"
        self.stdout.write(
            f"rotation {verb}: active key version {report.active_version}, "
            f"{report.rows_done} rows re-encrypted, {report.rows_left} left"
        )
