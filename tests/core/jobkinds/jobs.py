"""Job kinds for the job tests. The tests import this module; worker subprocesses find it
through ``tests.core.jobkinds.settings``, which installs this package as an app."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from tongxing.accounts.roles import Capability
from tongxing.core.jobs import JobContext, JobError, register_job


@register_job("tests.count", capability=Capability.MANAGE_CERTIFICATE)
def count(ctx: JobContext, *, steps: int, gate: str = "", pause: float = 0.0) -> dict:
    """Counts to ``steps``, reporting each step; waits at step 1 while the file ``gate``
    exists (so a test can kill the worker mid-run), and ``pause`` seconds between steps."""
    for step in range(steps):
        ctx.progress(step, steps, f"step {step + 1}")
        while step == 1 and gate and Path(gate).exists():
            ctx.progress(step, steps, "waiting at the gate")  # the heartbeat goes on
            time.sleep(0.05)
        time.sleep(pause)
    ctx.progress(steps, steps, "counted")
    return {"counted": steps, "summary": _("Counted to %(n)s") % {"n": steps}, "url": "/persons/"}


@register_job("tests.refuse")
def refuse(ctx: JobContext, *, row: int) -> None:
    raise JobError(_("Row %(row)s: the ID number is not valid.") % {"row": row})


@register_job("tests.crash")
def crash(ctx: JobContext) -> None:
    ctx.progress(3, 10)
    raise ValueError("secret internal detail 42")


@register_job("tests.progress_in_transaction")
def progress_in_transaction(ctx: JobContext) -> None:
    with transaction.atomic():
        ctx.progress(1, 2)
