"""Every change to child rehabilitation: institutions, a child's case through screening,
diagnosis, application and placement, the monthly service records, and the settlement.
One function per business event; each checks the actor, validates, changes the rows and
writes its audit row in one transaction; a refusal raises and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.areas.models import Area
from tongxing.benefits.parameters import ParameterLookupError, ParameterSet
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.devices.access import ensure_at_facility, settling_area_code
from tongxing.registry.actions import ensure_allowed
from tongxing.registry.models import Person, PersonStatus
from tongxing.rehab import settlement as engine
from tongxing.rehab.models import (
    CaseStatus,
    Placement,
    RehabCase,
    ServiceRecord,
    Settlement,
    SettlementLine,
)
from tongxing.services.models import Application, Facility, FacilityKind

CASE = "rehab.rehabcase"
RECORD = "rehab.servicerecord"
SETTLEMENT = "rehab.settlement"
AGE_MIN = "programmes.child_rehabilitation.age_min"
AGE_MAX = "programmes.child_rehabilitation.age_max"
CENT = Decimal("0.01")


def _audit_case(actor: User, case: RehabCase, action: AuditAction, summary: str) -> None:
    audit.record(
        actor,
        action,
        object_type=CASE,
        object_id=case.pk,
        person_id=case.child_id,
        area_code=case.child.area_id,
        summary=summary,
    )


def _locked_case(actor: User, case: RehabCase, status: str) -> RehabCase:
    ensure_allowed(actor, Capability.MANAGE_REHAB_CASES, case.child.area_id)
    case = RehabCase.objects.select_for_update(of=("self",)).select_related("child").get(pk=case.pk)
    if case.status != status:
        raise ValidationError(
            _("This case is %(status)s: this step cannot be recorded now.")
            % {"status": CaseStatus(case.status).label.lower()}
        )
    return case


def age_range(day: dt.date) -> tuple[int, int]:
    """The ages (completed years) assistance covers on ``day``; extendable by parameter."""
    params = ParameterSet.load([AGE_MIN, AGE_MAX])
    return int(params.at(AGE_MIN, day).value), int(params.at(AGE_MAX, day).value)  # type: ignore[arg-type]


@transaction.atomic
def record_screening(
    actor: User,
    child: Person,
    *,
    on: dt.date,
    result: str,
    application: Application | None = None,
) -> RehabCase:
    """A screening found a suspected disability: the child's case opens."""
    ensure_allowed(actor, Capability.MANAGE_REHAB_CASES, child.area_id)
    if application is not None:
        existing = RehabCase.objects.filter(application=application).first()
        if existing is not None:
            return existing
    if child.status != PersonStatus.ACTIVE:
        raise ValidationError({"child": _("Only a living, registered child can be screened.")})
    if not result.strip():
        raise ValidationError({"result": _("Write what the screening found.")})
    case = RehabCase.objects.create(
        child=child, screened_on=on, screening_result=result.strip(), application=application
    )
    _audit_case(actor, case, AuditAction.CREATE, "child rehabilitation screening recorded")
    return case


@transaction.atomic
def record_diagnosis(
    actor: User, case: RehabCase, *, on: dt.date, diagnosis: str, diagnosed_by: str
) -> RehabCase:
    case = _locked_case(actor, case, CaseStatus.SCREENED)
    errors = {}
    if not diagnosis.strip():
        errors["diagnosis"] = _("Write the diagnosis.")
    if not diagnosed_by.strip():
        errors["diagnosed_by"] = _("Name the hospital or institution that diagnosed.")
    if on < case.screened_on:
        errors["on"] = _("The diagnosis cannot come before the screening.")
    if errors:
        raise ValidationError(errors)
    case.status = CaseStatus.DIAGNOSED
    case.diagnosed_on = on
    case.diagnosis = diagnosis.strip()
    case.diagnosed_by = diagnosed_by.strip()
    case.save()
    _audit_case(actor, case, AuditAction.UPDATE, "child rehabilitation diagnosis recorded")
    return case


@transaction.atomic
def record_application(actor: User, case: RehabCase, *, on: dt.date) -> RehabCase:
    """The guardian's application, accepted only for a child within the age range in
    force on the day (0–6 nationally; the parameter extends it)."""
    case = _locked_case(actor, case, CaseStatus.DIAGNOSED)
    try:
        low, high = age_range(on)
    except ParameterLookupError as error:
        raise ValidationError(str(error)) from None
    age = case.child.age_on(on)
    if not low <= age <= high:
        raise ValidationError(
            {
                "child": _(
                    "The child is %(age)s: assistance covers children aged %(low)s to %(high)s."
                )
                % {"age": age, "low": low, "high": high}
            }
        )
    if on < case.diagnosed_on:
        raise ValidationError({"on": _("The application cannot come before the diagnosis.")})
    case.status = CaseStatus.APPLIED
    case.applied_on = on
    case.save()
    _audit_case(actor, case, AuditAction.UPDATE, "child rehabilitation application accepted")
    return case


@transaction.atomic
def place_child(
    actor: User, case: RehabCase, institution: Facility, *, start: dt.date
) -> Placement:
    """Place the child at a designated (or mutually recognised) institution the guardian
    chose; the child's earlier open placement (under this case or an earlier one) ends
    the day before."""
    case = RehabCase.objects.select_related("child").get(pk=case.pk)
    if case.status not in (CaseStatus.APPLIED, CaseStatus.PLACED):
        raise ValidationError(_("Only an accepted application can be placed."))
    case = _locked_case(actor, case, case.status)
    if institution.kind != FacilityKind.REHAB_INSTITUTION or not institution.is_designated_on(
        start
    ):
        raise ValidationError(
            {
                "institution": _("%(name)s is not designated on %(day)s.")
                % {"name": institution.name, "day": start.isoformat()}
            }
        )
    if start < case.applied_on:
        raise ValidationError({"start": _("The placement cannot start before the application.")})
    # The child's open placement under any case: a later application (a new case) moves
    # the child rather than adding a second open placement.
    current = (
        Placement.objects.select_for_update()
        .filter(child=case.child, end__isnull=True)
        .order_by("-start")
        .first()
    )
    if current is not None:
        if current.institution_id == institution.pk:
            raise ValidationError({"institution": _("The child is already placed there.")})
        if start <= current.start:
            raise ValidationError(
                {"start": _("The new placement must start after the current one.")}
            )
        current.end = start - dt.timedelta(days=1)
        current.save(update_fields=["end"])
        if current.case_id != case.pk:
            _close_moved_case(actor, current.case_id, institution)
    placement = Placement.objects.create(
        case=case, child=case.child, institution=institution, start=start
    )
    case.status = CaseStatus.PLACED
    case.save(update_fields=["status"])
    _audit_case(actor, case, AuditAction.UPDATE, f"child placed at {institution.name}")
    return placement


def _close_moved_case(actor: User, case_pk: int, institution: Facility) -> None:
    """The earlier case whose placement a new application ended: it no longer says
    "placed" (its placement history stays as it was)."""
    earlier = (
        RehabCase.objects.select_for_update(of=("self",)).select_related("child").get(pk=case_pk)
    )
    if earlier.status != CaseStatus.PLACED:
        return
    earlier.status = CaseStatus.CLOSED
    earlier.save(update_fields=["status"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=CASE,
        object_id=earlier.pk,
        person_id=earlier.child_id,
        area_code=earlier.child.area_id,
        summary=f"case closed: the child moved to {institution.name} under a later case",
        changes={"status": [CaseStatus.PLACED.value, CaseStatus.CLOSED.value]},
    )


def _first_of_month(month: dt.date) -> None:
    if month.day != 1:
        raise ValidationError({"month": _("Give the month as its first day.")})


@transaction.atomic
def record_service(
    actor: User, placement: Placement, *, month: dt.date, sessions: int, amount: Decimal
) -> ServiceRecord:
    """The institution's services to the placed child in ``month`` and the amount it
    claims. Refused for a month outside the placement or already settled; one record per
    child, institution and month."""
    placement = Placement.objects.select_related("institution", "child").get(pk=placement.pk)
    institution = placement.institution
    ensure_at_facility(
        actor, Capability.RECORD_REHAB_SERVICES, institution, placement.child.area_id
    )
    _first_of_month(month)
    errors: dict[str, str] = {}
    month_end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if month_end < placement.start or (placement.end and month > placement.end):
        errors["month"] = _("The child was not placed here in that month.")
    if sessions is None or sessions < 0:
        errors["sessions"] = _("Enter the number of sessions.")
    if amount is None or amount < 0 or amount != amount.quantize(CENT):
        errors["amount"] = _("Enter the amount in yuan, with at most 2 decimals.")
    if errors:
        raise ValidationError(errors)
    Facility.objects.select_for_update().filter(pk=institution.pk).first()
    if Settlement.objects.filter(institution=institution, month=month).exists():
        raise ValidationError({"month": _("That month is already settled.")})
    if ServiceRecord.objects.filter(
        child=placement.child, institution=institution, month=month
    ).exists():
        raise ValidationError({"month": _("That month is already recorded for this child.")})
    record = ServiceRecord.objects.create(
        placement=placement,
        child=placement.child,
        institution=institution,
        month=month,
        sessions=sessions,
        amount=amount,
        recorded_by=actor,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=RECORD,
        object_id=record.pk,
        person_id=placement.child_id,
        area_code=placement.child.area_id,
        summary=f"{month:%Y-%m} services at {institution.name}: {sessions} sessions, {amount}",
    )
    return record


@transaction.atomic
def settle_month(actor: User, institution: Facility, month: dt.date) -> Settlement:
    """Settle the institution's month: each child's claim up to what is left of their
    yearly cap after everything settled for them this year at any institution."""
    settling = settling_area_code(institution)
    ensure_allowed(actor, Capability.SETTLE_REHAB, settling)
    _first_of_month(month)
    # Lock the institution so two settlements (or a late record) cannot interleave.
    Facility.objects.select_for_update().get(pk=institution.pk)
    if Settlement.objects.filter(institution=institution, month=month).exists():
        raise ValidationError({"month": _("That month is already settled.")})
    records, paid = engine.fetch_inputs(institution.pk, month)
    if records.num_rows == 0:
        raise ValidationError({"month": _("There are no service records for that month.")})
    try:
        caps = engine.caps_on(month)
    except ParameterLookupError as error:
        raise ValidationError(str(error)) from None
    lines = engine.settle_lines(records, paid, month, caps).to_pylist()
    claimed = sum(line["claimed_fen"] for line in lines)
    payable = sum(line["payable_fen"] for line in lines)
    settlement = Settlement.objects.create(
        institution=institution,
        month=month,
        settling_area=Area.objects.get(code=settling),
        claimed=engine.yuan(claimed),
        payable=engine.yuan(payable),
        children=len({line["child_id"] for line in lines}),
        caps_note=caps.note(),
        cap_missing=any(line["cap_fen"] is None for line in lines),
        settled_by=actor,
    )
    SettlementLine.objects.bulk_create(
        SettlementLine(
            settlement=settlement,
            record_id=line["record_id"],
            child_id=line["child_id"],
            claimed=engine.yuan(line["claimed_fen"]),
            paid_before=engine.yuan(line["paid_before_fen"]),
            cap=engine.yuan(line["cap_fen"]),
            payable=engine.yuan(line["payable_fen"]),
        )
        for line in lines
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=SETTLEMENT,
        object_id=settlement.pk,
        area_code=settling,
        summary=(
            f"{institution.name} {month:%Y-%m} settled: claimed {settlement.claimed}, "
            f"payable {settlement.payable}"
        ),
    )
    return settlement
