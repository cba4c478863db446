from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.areas.loading import RegionPackError
from tongxing.indicators.catalogue import CatalogueError, load_indicators


class Command(BaseCommand):
    help = (
        "Load (or refresh) the region pack's plan indicator catalogue. Checks the whole file "
        "first and loads nothing if any problem remains. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", nargs="?", default=settings.TONGXING_REGION)

    def handle(self, *args: Any, region: str, **options: Any) -> None:
        try:
            report = load_indicators(region)
        except (CatalogueError, RegionPackError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{region}: indicators {report.created} created, {report.updated} changed, "
            f"{report.unchanged} unchanged"
        )
