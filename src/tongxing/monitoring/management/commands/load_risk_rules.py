from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.areas.loading import RegionPackError
from tongxing.monitoring.ruleset import RuleFileError, load_risk_rules


class Command(BaseCommand):
    help = (
        "Load (or refresh) a region pack's poverty-return risk weights and levels "
        "(risk/rules.yaml). Checks the whole file first and loads nothing if it is invalid. "
        "Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", nargs="?", default=settings.TONGXING_REGION)

    def handle(self, *args: Any, region: str, **options: Any) -> None:
        try:
            report = load_risk_rules(region)
        except (RuleFileError, RegionPackError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{region}: risk rule versions {len(report.created)} created, "
            f"{len(report.updated)} changed, {len(report.removed)} removed"
        )
