from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.benefits.parameters import ParameterLookupError
from tongxing.monitoring.demo import generate_monitoring_demo
from tongxing.monitoring.ruleset import RuleFileError


class Command(BaseCommand):
    help = (
        "Load the risk rules, record a few demo hardships in the demo township and run the "
        "risk screening of the city for 2025-11 and 2025-12. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--region", default=settings.TONGXING_REGION)

    def handle(self, *args: Any, seed: int, region: str, **options: Any) -> None:
        try:
            report = generate_monitoring_demo(region, seed)
        except (ValueError, RuleFileError, ParameterLookupError) as error:
            raise CommandError(str(error)) from None
        screened = ", ".join(
            f"{s.month:%Y-%m}: {s.persons} screened, {s.at_risk} at risk"
            for s in report.screenings or []
        )
        self.stdout.write(f"Demo risk monitoring: {report.hardships} hardships; {screened}.")
