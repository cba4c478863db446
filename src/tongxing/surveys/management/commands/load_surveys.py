from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.areas.loading import RegionPackError
from tongxing.surveys.definitions import SurveyFileError, load_surveys


class Command(BaseCommand):
    help = (
        "Load (or refresh) a region pack's annual needs-survey questionnaires. Checks every "
        "file first and loads nothing if any is invalid. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", nargs="?", default=settings.TONGXING_REGION)

    def handle(self, *args: Any, region: str, **options: Any) -> None:
        try:
            report = load_surveys(region)
        except (SurveyFileError, RegionPackError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{region}: questionnaires {report.created} created, {report.updated} changed, "
            f"{report.removed} removed"
        )
