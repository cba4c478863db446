"""Background jobs of risk monitoring."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxing.accounts.roles import Capability
from tongxing.core.jobs import JobContext, JobError, register_job
from tongxing.monitoring import actions
from tongxing.monitoring.ruleset import NoRuleSetError

MESSAGES = {
    "surveys": gettext_lazy("Reading new survey answers"),
    "reading": gettext_lazy("Reading the registry"),
    "screening": gettext_lazy("Applying the risk rules"),
    "writing": gettext_lazy("Writing the list"),
    "done": gettext_lazy("Done"),
}


@register_job(actions.SCREENING_JOB, capability=Capability.VIEW_RISK_MONITORING)
def screen(ctx: JobContext, *, area: str, month: str) -> dict[str, Any]:
    """The monthly risk screening of an area (see :func:`actions.screen_month`)."""
    from tongxing.benefits.parameters import ParameterLookupError

    def progress(done: int, total: int, message: str) -> None:
        ctx.progress(done, total, str(MESSAGES.get(message, message)))

    try:
        screening = actions.screen_month(
            area, dt.date.fromisoformat(month), actor=ctx.job.created_by, progress=progress
        )
    except (ParameterLookupError, NoRuleSetError) as error:
        raise JobError(str(error)) from None
    return {
        "summary": _("%(persons)s persons screened, %(risk)s at risk.")
        % {"persons": screening.persons, "risk": screening.at_risk},
        "url": reverse("monitoring:case_list") + f"?month={screening.month:%Y-%m}",
    }
