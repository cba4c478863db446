"""Benefits' state changes: one function per business event.

Policy parameters: a city officer proposes a dated value; a *different* city officer
approves or rejects it; only then does :func:`tongxing.benefits.parameters.value_on` see it.

Claims: an application is recorded (from the month of application it may be paid), then
approved, refused or ended by a county or city officer.

Payroll: a county officer starts the preparation of the county's batch for a month (a
background job); another county officer approves it; a city officer approves it; a fourth
person locks it, which issues the payment files. Each step is a different person.

Each function checks the actor's right, validates, changes the row and writes its audit
row in one transaction. Refusals raise ``PermissionDenied`` (403) or ``ValidationError``
with the failing field named, and leave the database unchanged.
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
from tongxing.areas.models import Area
from tongxing.benefits.models import (
    BatchStatus,
    BenefitClaim,
    ClaimStatus,
    Origin,
    Parameter,
    ParameterValue,
    PayrollBatch,
    ValueStatus,
)
from tongxing.benefits.parameters import encode_value
from tongxing.benefits.rules import BY_CODE
from tongxing.core import audit
from tongxing.core.crypto import sm3_hex
from tongxing.core.models import AuditAction
from tongxing.registry.actions import ensure_allowed as ensure_allowed_in_area
from tongxing.registry.models import Person

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


# ---------------------------------------------------------------------------------------
# Claims


CLAIM = "benefits.benefitclaim"
BATCH = "benefits.payrollbatch"


@transaction.atomic
def apply_for_benefit(
    actor: User, person: Person, benefit: str, applied_on: dt.date, *, source: str = SOURCE
) -> BenefitClaim:
    """Record a person's application; it waits for a county officer's decision."""
    ensure_allowed_in_area(
        actor,
        Capability.APPLY_FOR_BENEFIT,
        person.area_id,
        _("You may not record applications for persons outside your area."),
    )
    if benefit not in BY_CODE:
        raise ValidationError({"benefit": _("Unknown benefit.")})
    if applied_on > timezone.localdate():
        raise ValidationError({"applied_on": _("The application date is in the future.")})
    if BenefitClaim.objects.filter(
        person=person, benefit=benefit, status__in=[ClaimStatus.PENDING, ClaimStatus.APPROVED]
    ).exists():
        raise ValidationError(
            {"benefit": _("This person already has an open claim for this benefit.")}
        )
    claim = BenefitClaim.objects.create(
        person=person,
        benefit=benefit,
        applied_on=applied_on,
        status=ClaimStatus.PENDING,
        created_by=actor,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=CLAIM,
        object_id=claim.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"{benefit} applied {applied_on.isoformat()}",
        changes={"status": [None, claim.status], "applied_on": [None, applied_on]},
        source=source,
    )
    return claim


def _locked_claim(actor: User, claim: BenefitClaim) -> BenefitClaim:
    locked = BenefitClaim.objects.select_for_update().select_related("person").get(pk=claim.pk)
    ensure_allowed_in_area(
        actor,
        Capability.DECIDE_CLAIMS,
        locked.person.area_id,
        _("Only a county or city officer of the person's area may decide a claim."),
    )
    return locked


def _claim_changed(actor: User, claim: BenefitClaim, before: str, summary: str) -> None:
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=CLAIM,
        object_id=claim.pk,
        person_id=claim.person_id,
        area_code=claim.person.area_id,
        summary=summary,
        changes={"status": [before, claim.status]},
        source=SOURCE,
    )


@transaction.atomic
def decide_claim(
    actor: User, claim: BenefitClaim, *, approve: bool, reason: str = ""
) -> BenefitClaim:
    claim = _locked_claim(actor, claim)
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError(_("This claim has already been decided."))
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Say why the claim is refused.")})
    before = claim.status
    claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REFUSED
    claim.decided_by, claim.decided_at, claim.reason = actor, timezone.now(), reason.strip()
    claim.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    _claim_changed(actor, claim, before, f"{claim.benefit} {claim.status}")
    return claim


@transaction.atomic
def end_claim(actor: User, claim: BenefitClaim, ended_on: dt.date, reason: str) -> BenefitClaim:
    """Stop paying from the month after ``ended_on`` (the person asked, or no longer
    qualifies in a way the registry does not show)."""
    claim = _locked_claim(actor, claim)
    if claim.status != ClaimStatus.APPROVED:
        raise ValidationError(_("Only an approved claim can be ended."))
    if ended_on < claim.applied_on:
        raise ValidationError({"ended_on": _("The end date is before the application.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the claim ends.")})
    before = claim.status
    claim.status, claim.ended_on, claim.reason = ClaimStatus.ENDED, ended_on, reason.strip()
    # The next payroll looks back at records decided after its last snapshot.
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "ended_on", "reason", "decided_at"])
    _claim_changed(actor, claim, before, f"{claim.benefit} ended {ended_on.isoformat()}")
    return claim


# ---------------------------------------------------------------------------------------
# Payroll

IN_APPROVAL = (BatchStatus.COUNTY_APPROVED, BatchStatus.CITY_APPROVED)
PREPARE_JOB = "benefits.prepare_payroll"


def _batch_event(actor: User, batch: PayrollBatch, before: str, summary: str, **extra: Any) -> None:
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=BATCH,
        object_id=batch.pk,
        area_code=batch.county_id,
        summary=summary,
        changes={"status": [before, batch.status], **extra},
        source=SOURCE,
    )


@transaction.atomic
def start_preparation(actor: User, county: Area, month: dt.date) -> PayrollBatch:
    """Create (or re-prepare) the county's batch for ``month`` and queue the job."""
    from tongxing.core.jobs import start_job

    ensure_allowed_in_area(
        actor,
        Capability.PREPARE_PAYROLL,
        county.code,
        _("Only an officer of this county may prepare its payroll."),
    )
    if county.level != "county":
        raise ValidationError({"county": _("A payroll is prepared for a county.")})
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": _("A month that has not started cannot be paid.")})
    unfinished = (
        PayrollBatch.objects.filter(county=county, month__lt=month)
        .exclude(status=BatchStatus.LOCKED)
        .order_by("month")
        .first()
    )
    if unfinished is not None:
        raise ValidationError(
            {
                "month": _(
                    "The batch for %(month)s is not locked yet: finish it (or delete it) "
                    "before preparing a later month."
                )
                % {"month": unfinished.month.strftime("%Y-%m")}
            }
        )
    batch, created = PayrollBatch.objects.select_for_update().get_or_create(
        county=county,
        month=month,
        defaults={"status": BatchStatus.PREPARING, "prepared_by": actor},
    )
    before = "" if created else batch.status
    if not created:
        if batch.status == BatchStatus.LOCKED:
            raise ValidationError(
                {"month": _("The payroll for this month is locked; it cannot be prepared again.")}
            )
        if batch.status in IN_APPROVAL:
            raise ValidationError(
                {"month": _("The payroll for this month is being approved; return it first.")}
            )
    batch.status = BatchStatus.PREPARING
    batch.prepared_by = actor
    batch.prepared_at = None
    batch.county_approved_by = batch.city_approved_by = None
    batch.county_approved_at = batch.city_approved_at = None
    batch.error = ""
    job = start_job(
        PREPARE_JOB,
        user=actor,
        params={"batch_id": batch.pk},
        label=_("Payroll %(county)s %(month)s")
        % {"county": county.name, "month": month.strftime("%Y-%m")},
        area=county,
    )
    batch.job_id = job.pk
    batch.save()
    _batch_event(actor, batch, before, f"prepare {month:%Y-%m}")
    return batch


def _locked_batch(batch: PayrollBatch) -> PayrollBatch:
    return PayrollBatch.objects.select_for_update().get(pk=batch.pk)


def _require_status(batch: PayrollBatch, status: str, message: str) -> None:
    if batch.status != status:
        raise ValidationError(message)


def _require_new_person(actor: User, batch: PayrollBatch) -> None:
    earlier = {batch.prepared_by_id, batch.county_approved_by_id, batch.city_approved_by_id}
    if actor.pk in earlier:
        raise PermissionDenied(
            _(
                "Each step of a payroll must be taken by a different person; "
                "you took an earlier one."
            )
        )


@transaction.atomic
def approve_county(actor: User, batch: PayrollBatch) -> PayrollBatch:
    batch = _locked_batch(batch)
    ensure_allowed_in_area(
        actor,
        Capability.APPROVE_PAYROLL_COUNTY,
        batch.county_id,
        _("Only an officer of this county may approve its payroll."),
    )
    _require_status(
        batch, BatchStatus.PREPARED, _("Only a prepared payroll can be approved by the county.")
    )
    _require_new_person(actor, batch)
    batch.status = BatchStatus.COUNTY_APPROVED
    batch.county_approved_by, batch.county_approved_at = actor, timezone.now()
    batch.save(update_fields=["status", "county_approved_by", "county_approved_at"])
    _batch_event(actor, batch, BatchStatus.PREPARED, "county approved")
    return batch


@transaction.atomic
def approve_city(actor: User, batch: PayrollBatch, acknowledgement: str = "") -> PayrollBatch:
    """The city's approval. Where the batch pays on parameter values nobody has verified
    against the official text, the approver must say so in words, which are kept."""
    batch = _locked_batch(batch)
    ensure_allowed_in_area(
        actor,
        Capability.APPROVE_PAYROLL_CITY,
        batch.county_id,
        _("Only a city officer may give the city's approval."),
    )
    _require_status(
        batch,
        BatchStatus.COUNTY_APPROVED,
        _("Only a payroll the county approved can be approved by the city."),
    )
    _require_new_person(actor, batch)
    if batch.unverified_parameters and not acknowledgement.strip():
        raise ValidationError(
            {
                "acknowledgement": _(
                    "This payroll uses standards that nobody has checked against the official "
                    "text. Say on what basis you approve paying them."
                )
            }
        )
    batch.status = BatchStatus.CITY_APPROVED
    batch.city_approved_by, batch.city_approved_at = actor, timezone.now()
    batch.unverified_acknowledged = acknowledgement.strip()
    batch.save(
        update_fields=["status", "city_approved_by", "city_approved_at", "unverified_acknowledged"]
    )
    _batch_event(actor, batch, BatchStatus.COUNTY_APPROVED, "city approved")
    return batch


@transaction.atomic
def lock_batch(actor: User, batch: PayrollBatch) -> PayrollBatch:
    """Lock the batch: its lines never change again and its payment files are issued."""
    from tongxing.benefits.payment_files import payment_file_csv

    batch = _locked_batch(batch)
    ensure_allowed_in_area(
        actor,
        Capability.LOCK_PAYROLL,
        batch.county_id,
        _("Only a city officer may lock a payroll."),
    )
    _require_status(
        batch, BatchStatus.CITY_APPROVED, _("Only a payroll the city approved can be locked.")
    )
    _require_new_person(actor, batch)
    batch.status = BatchStatus.LOCKED
    batch.locked_by, batch.locked_at = actor, timezone.now()
    batch.summary = {**batch.summary, "payment_file_sm3": sm3_hex(payment_file_csv(batch))}
    batch.save(update_fields=["status", "locked_by", "locked_at", "summary"])
    _batch_event(actor, batch, BatchStatus.CITY_APPROVED, "locked")
    return batch


@transaction.atomic
def return_batch(actor: User, batch: PayrollBatch, reason: str) -> PayrollBatch:
    """Send a batch back for correction before it is locked; it must be prepared again."""
    batch = _locked_batch(batch)
    step = {
        BatchStatus.PREPARED: Capability.APPROVE_PAYROLL_COUNTY,
        BatchStatus.COUNTY_APPROVED: Capability.APPROVE_PAYROLL_CITY,
        BatchStatus.CITY_APPROVED: Capability.LOCK_PAYROLL,
    }.get(batch.status)
    if step is None:
        raise ValidationError(_("Only a payroll awaiting approval or lock can be returned."))
    ensure_allowed_in_area(actor, step, batch.county_id, _("You may not return this payroll."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what must be corrected.")})
    before = batch.status
    batch.status = BatchStatus.RETURNED
    batch.returned_reason = reason.strip()
    batch.county_approved_by = batch.city_approved_by = None
    batch.county_approved_at = batch.city_approved_at = None
    batch.save()
    _batch_event(actor, batch, before, "returned", reason=[None, batch.returned_reason])
    return batch


def record_payment_file_download(
    actor: User, batch: PayrollBatch, file_format: str, purpose: str
) -> None:
    """A payment file holds full ID and account numbers: every download is on the record."""
    ensure_allowed_in_area(
        actor,
        Capability.DOWNLOAD_PAYMENT_FILES,
        batch.county_id,
        _("You may not download this payroll's payment file."),
    )
    if batch.status != BatchStatus.LOCKED:
        raise ValidationError(_("Payment files exist only for a locked payroll."))
    if not purpose.strip():
        raise ValidationError({"purpose": _("Say why you download the file.")})
    audit.record(
        actor,
        AuditAction.EXPORT,
        object_type=BATCH,
        object_id=batch.pk,
        area_code=batch.county_id,
        summary=f"payment file {file_format} {batch.month:%Y-%m}",
        purpose=purpose.strip(),
        source=SOURCE,
    )
