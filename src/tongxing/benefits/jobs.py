"""Background jobs of the benefits app."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxing.accounts.roles import Capability
from tongxing.benefits import payroll
from tongxing.core.jobs import JobContext, JobError, register_job

MESSAGES = {
    "reading": gettext_lazy("Reading the registry"),
    "deciding": gettext_lazy("Applying the benefit rules"),
    "comparing": gettext_lazy("Comparing with earlier months"),
    "writing": gettext_lazy("Writing the payments"),
    "done": gettext_lazy("Done"),
}


@register_job("benefits.prepare_payroll", capability=Capability.VIEW_PAYROLL)
def prepare_payroll(ctx: JobContext, *, batch_id: int) -> dict[str, Any]:
    """Prepare a payroll batch (see :func:`tongxing.benefits.payroll.run_preparation`)."""

    def progress(done: int, total: int, message: str) -> None:
        ctx.progress(done, total, str(MESSAGES.get(message, message)))

    try:
        batch = payroll.run_preparation(batch_id, job_id=str(ctx.job.pk), progress=progress)
    except payroll.Superseded as error:
        raise JobError(str(error)) from None
    return {
        "summary": _("%(lines)s payments prepared, %(total)s yuan in all.")
        % {"lines": batch.summary["lines"], "total": batch.summary["total"]},
        "url": reverse("benefits:batch", args=[batch.pk]),
    }
