from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxing.areas.loading import RegionPackError, load_region


class Command(BaseCommand):
    help = "Load (or refresh) a region pack's divisions. Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region", nargs="?", default=settings.TONGXING_REGION)
        parser.add_argument(
            "--villages", type=Path, help="official village table (code,name,parent_code)"
        )

    def handle(self, *args: Any, region: str, villages: Path | None, **options: Any) -> None:
        try:
            report = load_region(region, villages)
        except RegionPackError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{region}: {report.created} areas created, {report.updated} refreshed, "
            f"{report.synthetic_villages} synthetic villages, "
            f"{report.removed_synthetic} synthetic removed, "
            f"{report.kept_synthetic_in_use} synthetic kept because persons live there"
        )
