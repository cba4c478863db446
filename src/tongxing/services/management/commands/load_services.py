from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.areas.loading import RegionPackError
from tongxing.services.calendar import HolidayFileError, load_holidays
from tongxing.services.definitions import ServiceFileError, load_services


class Command(BaseCommand):
    help = (
        "Load (or refresh) a region pack's service types (services/*.yaml) and holiday "
        "tables (holidays/*.yaml). Checks every file first and loads nothing from a set "
        "with an invalid file. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", nargs="?", default=settings.TONGXING_REGION)

    def handle(self, *args: Any, region: str, **options: Any) -> None:
        try:
            days = load_holidays(region)
            report = load_services(region)
        except (ServiceFileError, HolidayFileError, RegionPackError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{region}: service types {report.created} created, {report.updated} changed, "
            f"{report.unchanged} unchanged; holiday days changed: {days}"
        )
