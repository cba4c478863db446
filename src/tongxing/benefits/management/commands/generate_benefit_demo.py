from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxing.benefits.demo import generate_benefit_demo


class Command(BaseCommand):
    help = "Demo facts, applications, bank accounts and last month's locked payroll (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        report = generate_benefit_demo(seed=seed)
        if not report.created:
            self.stdout.write("demo benefits: already present")
            return
        batch = report.batch
        self.stdout.write(
            f"demo benefits: {report.facts} facts, {report.claims} applications, "
            f"{report.accounts} bank accounts"
            + (f"; payroll {batch.county_id} {batch.month:%Y-%m} {batch.status}" if batch else "")
        )
