from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tongxing.indicators.demo import generate_indicator_demo


class Command(BaseCommand):
    help = (
        "Compute the plan indicators for 2021–2025 from the demo data, confirm three demo "
        "reported values and issue the city's 2025 annual report. Does nothing once issued."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", nargs="?", default=settings.TONGXING_REGION)

    def handle(self, *args: Any, region: str, **options: Any) -> None:
        report = generate_indicator_demo(region)
        if not report.created:
            self.stdout.write("The demo annual report is already issued; nothing changed.")
            return
        self.stdout.write(
            f"Demo indicators: {report.snapshots} snapshots, {report.reported} reported values "
            f"confirmed, annual report {report.report.year} issued for the city."
        )
