from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.registry.demo import (
    DEFAULT_PERSONS,
    DEFAULT_SEED,
    DemoDataError,
    generate_population,
)


class Command(BaseCommand):
    help = (
        "Generate the deterministic demo population (households, persons, certificates, "
        "life events). Re-running with the same --persons and --seed does nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=DEFAULT_PERSONS)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the existing demo persons first (needed for another size or seed)",
        )

    def handle(
        self, *args: Any, persons: int, seed: int, replace: bool = False, **options: Any
    ) -> None:
        started = time.perf_counter()
        verbosity = int(options.get("verbosity", 1))
        # About twenty lines whatever the size: enough to see it move, not a flood.
        step = max(1, persons // 20)
        shown = 0

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if verbosity >= 1 and (done - shown >= step or done == total):
                shown = done
                elapsed = time.perf_counter() - started
                self.stdout.write(f"  {done:,}/{total:,} persons ({elapsed:.1f} s)")

        try:
            report = generate_population(persons, seed, replace=replace, progress=progress)
        except DemoDataError as error:
            raise CommandError(str(error)) from None
        elapsed = time.perf_counter() - started
        if not report.created:
            self.stdout.write(
                f"Demo population already present: {report.persons:,} persons, seed "
                f"{report.seed}; nothing created ({elapsed:.1f} s)."
            )
            return
        if report.deleted_persons:
            self.stdout.write(f"Deleted {report.deleted_persons:,} previous demo persons.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {report.persons:,} demo persons in {report.households:,} households "
                f"(seed {report.seed}) in {elapsed:.1f} s."
            )
        )
