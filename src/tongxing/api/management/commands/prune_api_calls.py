from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tongxing.api import actions


class Command(BaseCommand):
    help = (
        "Delete department API calls and kept answers older than "
        "TONGXING_API_CALL_RETENTION_DAYS (calls in batches) and stale rate windows, with "
        "an audit row for what was deleted; safe to run daily from cron and to re-run."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            now = timezone.now()
            deleted = actions.prune_api_calls(now, batch_size=batch_size)
            answers, windows = actions.prune_api_answers(now)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Deleted {deleted} API calls and {answers} kept answers older than "
            f"{settings.TONGXING_API_CALL_RETENTION_DAYS} days, and {windows} stale rate windows."
        )
