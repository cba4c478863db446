"""The snapshot computation as a background job (safe to re-run: it replaces its years)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from tongxing.accounts.roles import Capability
from tongxing.core.jobs import JobContext, JobError, register_job
from tongxing.indicators.engine import compute_snapshots

FIRST_YEAR, LAST_YEAR = 2021, 2035


@register_job("indicators.compute", capability=Capability.MANAGE_EVALUATION)
def compute(ctx: JobContext, *, years: list[int]) -> dict[str, Any]:
    if not years or any(not FIRST_YEAR <= int(y) <= LAST_YEAR for y in years):
        raise JobError(
            _("The years must lie between %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    summary = compute_snapshots(sorted({int(y) for y in years}), progress=ctx.progress)
    return {
        "summary": _("%(n)d indicators computed for %(years)s: %(rows)d figures stored.")
        % {
            "n": summary.indicators,
            "years": ", ".join(str(y) for y in summary.years),
            "rows": summary.snapshots,
        },
        "url": reverse("indicators:dashboard"),
    }
