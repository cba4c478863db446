"""A fixed one-minute window per token, counted in the database so that every worker
process and server shares it (a per-process cache would let N processes allow N times
the rate)."""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction
from django.db.models import F

from tongxing.api.models import ApiToken, RateWindow

WINDOW = dt.timedelta(minutes=1)
KEEP = dt.timedelta(hours=1)


def take(token: ApiToken, now: dt.datetime) -> int | None:
    """Count one call; ``None`` if it is allowed, else the seconds until the next window."""
    start = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        window, created = RateWindow.objects.select_for_update().get_or_create(
            token=token, start=start
        )
        if window.calls >= token.rate_per_minute:
            return max(1, math.ceil((start + WINDOW - now).total_seconds()))
        RateWindow.objects.filter(pk=window.pk).update(calls=F("calls") + 1)
        if created:
            RateWindow.objects.filter(token=token, start__lt=start - KEEP).delete()
    return None
