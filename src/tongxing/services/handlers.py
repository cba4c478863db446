"""The step-handler extension point: how another app attaches its own data to a step.

A handler is a plain function ``fn(ctx: StepContext) -> None`` registered for one
service type and step code, usually in the app's ``AppConfig.ready``::

    from tongxing.services.handlers import register_step_handler

    def record_fitting(ctx):            # runs inside the transition's transaction
        Fitting.objects.create(application=ctx.application, centre=ctx.application.facility,
                               item=ctx.extra["item"], fitted_on=ctx.day, by=ctx.actor)

    register_step_handler("assistive_device", "fitting", record_fitting)

The transition (:func:`tongxing.services.actions.complete_step`, ``approve_application``,
``refuse_application``) has already checked the actor's role, area or facility, and the
step's form fields, when the handler runs; the application row is locked. A handler that
raises ``ValidationError`` or ``PermissionDenied`` refuses the transition and everything
(its own rows, the step, the history, the audit row) is rolled back. Handlers may set
``ctx.application.amount`` / ``.items`` (a decision) and put JSON-able notes in
``ctx.record``, which is kept in the history row and ``application.step_data``.

Eligibility checks work the same way: ``register_eligibility_check(service_code, fn)``
with ``fn(person, answers, day) -> list[str]`` (the reasons it refuses; empty = fine),
run by ``submit_application`` and the pre-check after the region pack's rules.

Outcome handlers run once an application reaches its end (completed, refused or
withdrawn), after its final status is saved and inside the same transaction, for every
service type: ``register_outcome_handler(fn)`` with ``fn(ctx: OutcomeContext)``. The
surveys app uses it to close the need an application was started from.

No signals: registration is explicit, and the order of handlers is registration order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tongxing.accounts.models import User
    from tongxing.registry.models import Person
    from tongxing.services.definitions import StepSpec
    from tongxing.services.models import Application


@dataclass
class StepContext:
    actor: User
    application: Application
    step: StepSpec
    outcome: str  # "done", "approved" or "refused"
    day: dt.date
    data: dict[str, Any]  # the step's cleaned form fields
    extra: dict[str, Any]  # whatever the calling view passed (objects, files)
    record: dict[str, Any] = field(default_factory=dict)  # kept in the history


@dataclass
class OutcomeContext:
    actor: User
    application: Application  # saved with its final status
    day: dt.date
    reason: str = ""  # the refusal's or the withdrawal's reason


StepHandler = Callable[[StepContext], None]
OutcomeHandler = Callable[[OutcomeContext], None]
EligibilityCheck = Callable[["Person", dict[str, Any], dt.date], list[str]]

_step_handlers: dict[tuple[str, str], list[StepHandler]] = defaultdict(list)
_eligibility_checks: dict[str, list[EligibilityCheck]] = defaultdict(list)
_outcome_handlers: list[OutcomeHandler] = []


def register_step_handler(service_code: str, step_code: str, fn: StepHandler) -> None:
    """Run ``fn`` inside every transition of ``step_code`` of ``service_code``.
    Registering the same function twice is harmless (``ready`` may run twice in tests)."""
    handlers = _step_handlers[(service_code, step_code)]
    if fn not in handlers:
        handlers.append(fn)


def register_eligibility_check(service_code: str, fn: EligibilityCheck) -> None:
    checks = _eligibility_checks[service_code]
    if fn not in checks:
        checks.append(fn)


def run_step_handlers(ctx: StepContext) -> None:
    for fn in _step_handlers.get((ctx.application.service_type.code, ctx.step.code), []):
        fn(ctx)


def eligibility_checks(service_code: str) -> list[EligibilityCheck]:
    return list(_eligibility_checks.get(service_code, []))


def register_outcome_handler(fn: OutcomeHandler) -> None:
    """Run ``fn`` inside every transition that ends an application (any service type)."""
    if fn not in _outcome_handlers:
        _outcome_handlers.append(fn)


def run_outcome_handlers(ctx: OutcomeContext) -> None:
    for fn in _outcome_handlers:
        fn(ctx)
