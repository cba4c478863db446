"""Background jobs of the exchange app: checking and applying a large import."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core.jobs import JobContext, JobError, register_job
from tongxing.exchange import actions
from tongxing.exchange.models import ImportBatch


def _run(ctx: JobContext, batch_id: int, step: Any) -> dict[str, Any]:
    batch = ImportBatch.objects.get(pk=batch_id)
    user = User.objects.get(pk=ctx.job.created_by_id)
    try:
        batch = step(user, batch, ctx.progress)
    except ValidationError as error:
        raise JobError(" ".join(error.messages)) from None
    return {"summary": str(batch), "url": batch.get_absolute_url()}


@register_job("imports.validate", capability=Capability.IMPORT_REGISTRY)
def validate(ctx: JobContext, *, batch_id: int) -> dict[str, Any]:
    """The dry run of a large file (see :func:`actions.validate_import`)."""
    return _run(
        ctx, batch_id, lambda user, batch, progress: actions.validate_import(user, batch, progress)
    )


@register_job("imports.apply", capability=Capability.IMPORT_REGISTRY)
def apply(ctx: JobContext, *, batch_id: int, mode: str) -> dict[str, Any]:
    """Writing a large file (see :func:`actions.apply_import`); all-or-nothing stays one
    transaction, so a killed run leaves the registry as it was and may be run again."""
    return _run(
        ctx,
        batch_id,
        lambda user, batch, progress: actions.apply_import(user, batch, mode, progress),
    )
