from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tongxing.areas.models import Area, AreaLevel
from tongxing.benefits.parameters import ParameterLookupError
from tongxing.monitoring import actions
from tongxing.monitoring.ruleset import NoRuleSetError


def _month(text: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", text):
            raise ValueError(text)
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise CommandError(f"--month {text!r}: give the month as YYYY-MM, e.g. 2025-12.") from None


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


class Command(BaseCommand):
    help = (
        "Run the monthly poverty-return risk screening without a user, for a scheduler "
        "(cron, a systemd timer): by default the whole region for last month, as on the "
        "1st of each month. Idempotent: running a month again brings its list up to date "
        "and opens nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM; default: the month before today")
        parser.add_argument("--area", help="area code; default: the region's city")

    def handle(self, *args: Any, month: str | None, area: str | None, **options: Any) -> None:
        today = timezone.localdate()
        first = _month(month) if month else previous_month(today)
        if first > today.replace(day=1):
            raise CommandError(f"--month {first:%Y-%m}: a month in the future cannot be screened.")
        if area is None:
            city = Area.objects.filter(level=AreaLevel.CITY).order_by("code").first()
            if city is None:
                raise CommandError("No region is loaded: run load_region first.")
            area = city.code
        elif not Area.objects.filter(code=area).exists():
            raise CommandError(f"--area {area!r}: no such area.")
        try:
            screening = actions.screen_month(area, first)
        except (ParameterLookupError, NoRuleSetError) as error:
            raise CommandError(str(error)) from None
        summary = screening.summary
        self.stdout.write(
            f"{area} {first:%Y-%m}: {screening.persons} persons screened, "
            f"{screening.at_risk} at risk, {summary.get('opened', 0)} cases opened, "
            f"{summary.get('reopened', 0)} reopened"
        )
