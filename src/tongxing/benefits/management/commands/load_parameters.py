from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.areas.loading import RegionPackError
from tongxing.benefits.parameters import ParameterFileError, load_parameters


class Command(BaseCommand):
    help = (
        "Load (or refresh) a region pack's dated policy parameters. Checks every file first "
        "and loads nothing if any is invalid. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", nargs="?", default=settings.TONGXING_REGION)

    def handle(self, *args: Any, region: str, **options: Any) -> None:
        try:
            report = load_parameters(region)
        except (ParameterFileError, RegionPackError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{region}: parameters {report.parameters_created} created, "
            f"{report.parameters_updated} changed, {report.parameters_removed} removed; "
            f"values {report.values_created} created, {report.values_updated} changed, "
            f"{report.values_removed} removed"
        )
