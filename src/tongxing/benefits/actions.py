"""Changing a policy parameter in the app: one function per business event.

A city officer proposes a dated value; a *different* city officer approves or rejects it;
only then does :func:`tongxing.benefits.parameters.value_on` see it. Each function checks
the actor's right, validates, changes the row and writes its audit row in one transaction.
Refusals raise ``PermissionDenied`` (403) or ``ValidationError`` with the failing field
named, and leave the database unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.benefits.models import Origin, Parameter, ParameterValue, ValueStatus
from tongxing.benefits.parameters import encode_value
from tongxing.core import audit
from tongxing.core.models import AuditAction

OBJECT_TYPE = "benefits.parametervalue"
SOURCE = "web"


def ensure_allowed(actor: User) -> None:
    if not actor.is_authenticated or not actor.can(Capability.MANAGE_PARAMETERS):
        raise PermissionDenied(_("Only a city federation officer may change policy parameters."))


def _clashes_with_approved(parameter: Parameter, day: dt.date, exclude: int | None = None) -> bool:
    approved = ParameterValue.objects.filter(
        parameter=parameter, effective_from=day, status=ValueStatus.APPROVED
    )
    if exclude is not None:
        approved = approved.exclude(pk=exclude)
    return approved.exists()


@transaction.atomic
def propose_value(
    actor: User,
    parameter: Parameter,
    effective_from: dt.date,
    value: Any,
    source: str,
    verified: bool,
    note: str = "",
) -> ParameterValue:
    """A new dated value awaiting a second officer's approval. ``value`` is read as the
    loader reads a file's value (a number, true/false, a list of grades) and checked against
    the parameter's unit by the loader's own :func:`encode_value`."""
    ensure_allowed(actor)
    errors: dict[str, str] = {}
    canonical, reason = encode_value(parameter.unit, value)
    if reason:
        errors["value"] = reason
    source = " ".join(str(source or "").split())
    if not source:
        errors["source"] = _("Name the source document of this value.")
    if _clashes_with_approved(parameter, effective_from):
        errors["effective_from"] = _(
            "An approved value already starts on %(day)s; choose another date."
        ) % {"day": effective_from.isoformat()}
    if errors:
        raise ValidationError(errors)
    row = ParameterValue.objects.create(
        parameter=parameter,
        effective_from=effective_from,
        value=canonical,
        source=source,
        verified=bool(verified),
        note=str(note or "").strip(),
        origin=Origin.PROPOSAL,
        status=ValueStatus.PROPOSED,
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=OBJECT_TYPE,
        object_id=row.pk,
        summary=f"{parameter.key} from {effective_from} proposed",
        changes=audit.diff(
            {},
            {
                "value": canonical,
                "source": source,
                "verified": row.verified,
                "note": row.note,
                "status": row.status,
            },
        ),
        source=SOURCE,
    )
    return row


def _lock_proposal(actor: User, value: ParameterValue) -> ParameterValue:
    """The value's row, locked until the transaction ends, checked to be still proposed and
    not the actor's own: two officers deciding at once are served one after the other, and
    the second sees the first's decision."""
    ensure_allowed(actor)
    row = ParameterValue.objects.select_for_update().select_related("parameter").get(pk=value.pk)
    if row.status != ValueStatus.PROPOSED:
        raise ValidationError(
            _("This value is no longer awaiting a decision: it is %(status)s.")
            % {"status": row.get_status_display()}
        )
    if row.proposed_by_id == actor.pk:
        raise ValidationError(_("A second officer must decide on a value you proposed."))
    return row


def _record_update(actor: User, row: ParameterValue, what: str, before: dict, after: dict) -> None:
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=OBJECT_TYPE,
        object_id=row.pk,
        summary=f"{row.parameter.key} from {row.effective_from} {what}",
        changes=audit.diff(before, after),
        source=SOURCE,
    )


def _decide(actor: User, row: ParameterValue, status: str, reason: str) -> ParameterValue:
    before = {"status": row.status, "decision_reason": row.decision_reason}
    row.status = status
    row.decided_by = actor
    row.decided_at = timezone.now()
    row.decision_reason = reason
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _record_update(actor, row, status, before, {"status": status, "decision_reason": reason})
    return row


@transaction.atomic
def approve_value(actor: User, value: ParameterValue) -> ParameterValue:
    """Put a proposed value in force from its date."""
    row = _lock_proposal(actor, value)
    if _clashes_with_approved(row.parameter, row.effective_from, exclude=row.pk):
        raise ValidationError(
            _("An approved value already starts on %(day)s; reject this one instead.")
            % {"day": row.effective_from.isoformat()}
        )
    return _decide(actor, row, ValueStatus.APPROVED, "")


@transaction.atomic
def reject_value(actor: User, value: ParameterValue, reason: str) -> ParameterValue:
    """Refuse a proposed value; it stays in the history with the reason."""
    reason = str(reason or "").strip()
    if not reason:
        ensure_allowed(actor)
        raise ValidationError({"reason": _("Say why the value is rejected.")})
    row = _lock_proposal(actor, value)
    return _decide(actor, row, ValueStatus.REJECTED, reason)


@transaction.atomic
def confirm_verified(actor: User, value: ParameterValue, source: str) -> ParameterValue:
    """Mark an unverified value as checked against the official text, naming that text."""
    ensure_allowed(actor)
    source = " ".join(str(source or "").split())
    if not source:
        raise ValidationError({"source": _("Name the official document you checked.")})
    row = ParameterValue.objects.select_for_update().select_related("parameter").get(pk=value.pk)
    if row.verified:
        raise ValidationError(_("This value is already verified."))
    if row.status == ValueStatus.REJECTED:
        raise ValidationError(_("A rejected value cannot be verified."))
    before = {"verified": row.verified, "source": row.source}
    row.verified = True
    row.source = source
    row.save(update_fields=["verified", "source"])
    _record_update(actor, row, "verified", before, {"verified": True, "source": source})
    return row
