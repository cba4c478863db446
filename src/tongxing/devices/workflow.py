"""The ``assistive_device`` service type's step handlers: each records the step's device
data through this app's actions, inside the engine's transition (a refusal here refuses
the step and rolls everything back). Registered in :class:`DevicesConfig.ready`.

review      → the device case is opened for the item applied for
assessment  → notes, remote guidance, the centre picked at the step (photos are the
              step's documents in the engine)
fitting     → the item fitted and its price
handover    → the real-time settlement: min(price, cap), the person pays the rest; the
              subsidy becomes the application's amount; the replacement period is enforced
follow_up   → the follow-up notes
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tongxing.devices import actions
from tongxing.devices.models import CatalogueItem, DeviceCase
from tongxing.registry.models import Person
from tongxing.services.handlers import (
    StepContext,
    register_eligibility_check,
    register_step_handler,
)

SERVICE = "assistive_device"


def _item(code: str, field: str) -> CatalogueItem:
    item = CatalogueItem.objects.filter(code=code).first()
    if item is None:
        raise ValidationError(
            {field: _("%(code)s is not in the device catalogue (is it loaded?).") % {"code": code}}
        )
    return item


def _case(ctx: StepContext) -> DeviceCase:
    application = ctx.application
    existing = DeviceCase.objects.filter(application=application).first()
    if existing is not None:
        return existing
    return actions.open_case(
        ctx.actor,
        application.person,
        _item(application.answers.get("item", ""), "item"),
        application=application,
    )


def on_review(ctx: StepContext) -> None:
    ctx.record["device_case"] = _case(ctx).pk


def on_assessment(ctx: StepContext) -> None:
    case = actions.record_assessment(
        ctx.actor,
        _case(ctx),
        on=ctx.day,
        notes=ctx.data.get("notes", ""),
        centre=ctx.application.facility,
        remote_guidance=bool(ctx.data.get("remote_guidance")),
    )
    ctx.record["device_case"] = case.pk


def on_fitting(ctx: StepContext) -> None:
    actions.record_fitting(
        ctx.actor,
        _case(ctx),
        on=ctx.day,
        item=_item(ctx.data.get("fitted_item", ""), "fitted_item"),
        price=Decimal(ctx.data["price"]),
        notes=ctx.data.get("fitting_notes", "") or "",
    )


def on_handover(ctx: StepContext) -> None:
    handover = actions.hand_over(ctx.actor, _case(ctx), on=ctx.day)
    ctx.application.amount = handover.subsidy
    ctx.application.items = [handover.item.code]
    ctx.record.update(
        {
            "handover": handover.pk,
            "price": str(handover.price),
            "cap": str(handover.cap),
            "cap_verified": handover.cap_verified,
            "subsidy": str(handover.subsidy),
            "person_pays": str(handover.person_pays),
        }
    )


def on_follow_up(ctx: StepContext) -> None:
    actions.record_follow_up(
        ctx.actor, _case(ctx), on=ctx.day, notes=ctx.data.get("follow_up_notes", "")
    )


def eligibility(person: Person, answers: dict[str, Any], day: dt.date) -> list[str]:
    """At submission: the item suits the person's category, and no device of its group is
    still inside its replacement period (the handover checks it again on its own day)."""
    item = CatalogueItem.objects.filter(code=answers.get("item", "")).first()
    if item is None:
        return []  # the form's choice check names the field
    try:
        actions.require_eligible(person, item)
    except ValidationError as error:
        return list(error.messages)
    earlier = actions.replacement_conflict(person, item, day)
    if earlier is not None:
        return [
            _(
                "%(item)s was handed over on %(date)s and is due for replacement only "
                "after %(years)s years."
            )
            % {
                "item": earlier.item.name,
                "date": earlier.handed_over_on.isoformat(),
                "years": earlier.item.replacement_years,
            }
        ]
    return []


def register() -> None:
    register_step_handler(SERVICE, "review", on_review)
    register_step_handler(SERVICE, "assessment", on_assessment)
    register_step_handler(SERVICE, "fitting", on_fitting)
    register_step_handler(SERVICE, "handover", on_handover)
    register_step_handler(SERVICE, "follow_up", on_follow_up)
    register_eligibility_check(SERVICE, eligibility)
