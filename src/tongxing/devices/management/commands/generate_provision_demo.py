from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxing.devices.demo import generate_provision_demo


class Command(BaseCommand):
    help = (
        "Device centres with loan pools, rehabilitation institutions (Chengdu and Chongqing "
        "included), a wheelchair application waiting at review, one handed over, and a child "
        "placed in Chengdu with service records and settlements. Runs once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        report = generate_provision_demo(seed)
        if not report.created:
            self.stdout.write("provision demo already present: nothing done")
            return
        self.stdout.write(
            f"provision demo: {report.centres} device centres, {report.loan_items} loan items, "
            f"{report.institutions} rehabilitation institutions, {report.applications} "
            f"applications, {report.settlements} settlements"
        )
