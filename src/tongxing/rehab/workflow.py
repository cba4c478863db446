"""The ``child_rehabilitation`` service type's step handlers (registered in
:class:`RehabConfig.ready`): each records the step's data through this app's actions
inside the engine's transition; a refusal refuses the step and changes nothing.

screening  → the child's case opens with the screening result
diagnosis  → the diagnosis
decision   → approved: the application is accepted, within the age range in force
placement  → the child is placed at the designated institution picked at the step
The monthly service records and the settlement follow on the rehabilitation pages.
"""

from __future__ import annotations

import datetime as dt

from tongxing.rehab import actions
from tongxing.rehab.models import RehabCase
from tongxing.services.handlers import StepContext, register_step_handler
from tongxing.services.models import Outcome

SERVICE = "child_rehabilitation"


def _case(ctx: StepContext) -> RehabCase:
    return RehabCase.objects.get(application=ctx.application)


def on_screening(ctx: StepContext) -> None:
    case = actions.record_screening(
        ctx.actor,
        ctx.application.person,
        on=dt.date.fromisoformat(ctx.data["screened_on"]),
        result=ctx.data.get("screening_result", ""),
        application=ctx.application,
    )
    ctx.record["rehab_case"] = case.pk


def on_diagnosis(ctx: StepContext) -> None:
    actions.record_diagnosis(
        ctx.actor,
        _case(ctx),
        on=dt.date.fromisoformat(ctx.data["diagnosed_on"]),
        diagnosis=ctx.data.get("diagnosis", ""),
        diagnosed_by=ctx.data.get("diagnosed_by", ""),
    )


def on_decision(ctx: StepContext) -> None:
    if ctx.outcome == Outcome.APPROVED:
        actions.record_application(ctx.actor, _case(ctx), on=ctx.day)


def on_placement(ctx: StepContext) -> None:
    placement = actions.place_child(ctx.actor, _case(ctx), ctx.application.facility, start=ctx.day)
    ctx.record["placement"] = placement.pk


def register() -> None:
    register_step_handler(SERVICE, "screening", on_screening)
    register_step_handler(SERVICE, "diagnosis", on_diagnosis)
    register_step_handler(SERVICE, "decision", on_decision)
    register_step_handler(SERVICE, "placement", on_placement)
