from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.areas.loading import RegionPackError
from tongxing.devices.catalogue import CatalogueFileError, load_catalogue


class Command(BaseCommand):
    help = (
        "Load (or refresh) a region pack's assistive-device catalogue. Checks every item "
        "first and loads nothing if any is invalid. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", nargs="?", default=settings.TONGXING_REGION)

    def handle(self, *args: Any, region: str, **options: Any) -> None:
        try:
            report = load_catalogue(region)
        except (CatalogueFileError, RegionPackError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{region}: device catalogue {report.created} created, {report.updated} changed, "
            f"{report.unchanged} unchanged"
        )
