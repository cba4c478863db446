"""Every change to device centres, their loan pools and device cases: one function per
business event. Each checks the actor (capability, and area or facility), validates,
changes the rows and writes its history and audit rows in one transaction; a refusal
raises ``PermissionDenied`` or a ``ValidationError`` naming the field and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.devices.access import ensure_at_facility, settling_area_code
from tongxing.devices.models import (
    CaseStatus,
    CatalogueItem,
    Condition,
    DeviceCase,
    Handover,
    LoanEvent,
    LoanEventKind,
    LoanItem,
    LoanState,
)
from tongxing.registry.actions import add_years, ensure_allowed
from tongxing.registry.models import CertificateStatus, Person, PersonStatus
from tongxing.services.models import Application, Facility, FacilityKind

LOAN_ITEM = "devices.loanitem"
CASE = "devices.devicecase"
HANDOVER = "devices.handover"
CENT = Decimal("0.01")


# --- loan pool ---------------------------------------------------------------------------


def _allowed_at_centre(actor: User, capability: Capability, centre: Facility) -> None:
    ensure_at_facility(actor, capability, centre, settling_area_code(centre))


def _locked_item(actor: User, loan_item: LoanItem) -> LoanItem:
    _allowed_at_centre(actor, Capability.MANAGE_LOAN_POOL, loan_item.centre)
    return (
        LoanItem.objects.select_for_update(of=("self",))
        .select_related("centre", "item")
        .get(pk=loan_item.pk)
    )


def _history(
    actor: User,
    loan_item: LoanItem,
    kind: LoanEventKind,
    on: dt.date,
    before: dict,
    *,
    person: Person | None = None,
    note: str = "",
) -> LoanEvent:
    event = LoanEvent.objects.create(
        loan_item=loan_item,
        kind=kind,
        on=on,
        condition=loan_item.condition,
        person=person,
        note=note.strip()[:200],
        actor=actor,
    )
    audit.record(
        actor,
        AuditAction.UPDATE if before else AuditAction.CREATE,
        object_type=LOAN_ITEM,
        object_id=loan_item.pk,
        person_id=person.pk if person else None,
        area_code=settling_area_code(loan_item.centre),
        summary=f"loan item {loan_item.tag}: {kind}",
        changes=audit.diff(
            before,
            {"state": loan_item.state, "condition": loan_item.condition, "borrower": person},
        ),
    )
    return event


def _require_state(loan_item: LoanItem, *allowed: str) -> None:
    if loan_item.state not in allowed:
        raise ValidationError(
            _("%(tag)s is %(state)s: this cannot be done now.")
            % {"tag": loan_item.tag, "state": LoanState(loan_item.state).label.lower()}
        )


def _require_condition(condition: str) -> None:
    if condition not in Condition.values:
        raise ValidationError({"condition": _("Choose the item's condition.")})


@transaction.atomic
def add_loan_items(
    actor: User,
    centre: Facility,
    item: CatalogueItem,
    tags: list[str],
    *,
    on: dt.date,
    condition: str = Condition.NEW,
) -> list[LoanItem]:
    """Put items with the asset ``tags`` into the centre's loan pool."""
    _allowed_at_centre(actor, Capability.MANAGE_LOAN_POOL, centre)
    if not item.loanable:
        raise ValidationError({"item": _("This catalogue item is not lent from the loan pool.")})
    _require_condition(condition)
    clean = [t.strip() for t in tags if t.strip()]
    if not clean:
        raise ValidationError({"tags": _("Enter at least one asset tag.")})
    if len(set(clean)) != len(clean):
        raise ValidationError({"tags": _("An asset tag is listed twice.")})
    taken = sorted(
        LoanItem.objects.filter(centre=centre, tag__in=clean).values_list("tag", flat=True)
    )
    if taken:
        raise ValidationError(
            {"tags": _("Already in the pool: %(tags)s.") % {"tags": ", ".join(taken)}}
        )
    created = []
    for tag in clean:
        loan_item = LoanItem.objects.create(centre=centre, item=item, tag=tag, condition=condition)
        _history(actor, loan_item, LoanEventKind.ADDED, on, {})
        created.append(loan_item)
    return created


def _require_borrower(person: Person, item: CatalogueItem) -> None:
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError({"person": _("Only a living, registered person can borrow.")})
    require_eligible(person, item, field="person")


@transaction.atomic
def lend_item(
    actor: User,
    loan_item: LoanItem,
    person: Person,
    *,
    on: dt.date,
    due_on: dt.date | None = None,
    note: str = "",
) -> LoanItem:
    """Lend an available item. An item already lent (or in repair, or recycled) is refused."""
    loan_item = _locked_item(actor, loan_item)
    _require_state(loan_item, LoanState.AVAILABLE)
    _require_borrower(person, loan_item.item)
    if due_on is not None and due_on <= on:
        raise ValidationError({"due_on": _("The return date must be after the loan date.")})
    before = {"state": loan_item.state, "condition": loan_item.condition, "borrower": None}
    loan_item.state = LoanState.LENT
    loan_item.borrower = person
    loan_item.lent_on = on
    loan_item.due_on = due_on
    loan_item.save(update_fields=["state", "borrower", "lent_on", "due_on"])
    _history(actor, loan_item, LoanEventKind.LENT, on, before, person=person, note=note)
    return loan_item


@transaction.atomic
def return_item(
    actor: User, loan_item: LoanItem, *, on: dt.date, condition: str, note: str = ""
) -> LoanItem:
    """Take a lent item back, recording the condition it came back in."""
    loan_item = _locked_item(actor, loan_item)
    _require_state(loan_item, LoanState.LENT)
    _require_condition(condition)
    if loan_item.lent_on and on < loan_item.lent_on:
        raise ValidationError({"on": _("The item cannot come back before it was lent.")})
    borrower = loan_item.borrower
    before = {"state": loan_item.state, "condition": loan_item.condition, "borrower": borrower}
    loan_item.state = LoanState.AVAILABLE
    loan_item.condition = condition
    loan_item.borrower = None
    loan_item.lent_on = loan_item.due_on = None
    loan_item.save(update_fields=["state", "condition", "borrower", "lent_on", "due_on"])
    _history(actor, loan_item, LoanEventKind.RETURNED, on, before, person=borrower, note=note)
    return loan_item


@transaction.atomic
def send_to_repair(actor: User, loan_item: LoanItem, *, on: dt.date, note: str = "") -> LoanItem:
    loan_item = _locked_item(actor, loan_item)
    _require_state(loan_item, LoanState.AVAILABLE)
    before = {"state": loan_item.state, "condition": loan_item.condition, "borrower": None}
    loan_item.state = LoanState.IN_REPAIR
    loan_item.save(update_fields=["state"])
    _history(actor, loan_item, LoanEventKind.REPAIR, on, before, note=note)
    return loan_item


@transaction.atomic
def return_from_repair(
    actor: User, loan_item: LoanItem, *, on: dt.date, condition: str, note: str = ""
) -> LoanItem:
    loan_item = _locked_item(actor, loan_item)
    _require_state(loan_item, LoanState.IN_REPAIR)
    _require_condition(condition)
    before = {"state": loan_item.state, "condition": loan_item.condition, "borrower": None}
    loan_item.state = LoanState.AVAILABLE
    loan_item.condition = condition
    loan_item.save(update_fields=["state", "condition"])
    _history(actor, loan_item, LoanEventKind.REPAIRED, on, before, note=note)
    return loan_item


@transaction.atomic
def recycle_item(actor: User, loan_item: LoanItem, *, on: dt.date, note: str = "") -> LoanItem:
    """Take an item out of the pool for good (beyond repair); a lent item must come back
    first."""
    loan_item = _locked_item(actor, loan_item)
    _require_state(loan_item, LoanState.AVAILABLE, LoanState.IN_REPAIR)
    if not note.strip():
        raise ValidationError({"note": _("Say why the item is recycled.")})
    before = {"state": loan_item.state, "condition": loan_item.condition, "borrower": None}
    loan_item.state = LoanState.RECYCLED
    loan_item.save(update_fields=["state"])
    _history(actor, loan_item, LoanEventKind.RECYCLED, on, before, note=note)
    return loan_item


# --- device cases ------------------------------------------------------------------------


def require_eligible(person: Person, item: CatalogueItem, *, field: str = "item") -> None:
    certificate = getattr(person, "certificate", None)
    if certificate is None or certificate.status != CertificateStatus.VALID:
        raise ValidationError({field: _("The person needs a valid disability certificate.")})
    kinds = {certificate.category, *certificate.multiple_kinds}
    if not kinds & set(item.eligible_categories):
        raise ValidationError(
            {
                field: _("%(item)s is not in the catalogue for this disability category.")
                % {"item": item.name}
            }
        )


def _case_area(case: DeviceCase) -> str:
    return case.person.area_id


def _locked_case(actor: User, case: DeviceCase, *, status: str) -> DeviceCase:
    case = (
        DeviceCase.objects.select_for_update(of=("self",))
        .select_related("person__certificate")
        .get(pk=case.pk)
    )
    if case.status != status:
        raise ValidationError(
            _("This case is %(status)s: this step cannot be recorded now.")
            % {"status": CaseStatus(case.status).label.lower()}
        )
    return case


def _audit_case(actor: User, case: DeviceCase, summary: str, changes: dict) -> None:
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=CASE,
        object_id=case.pk,
        person_id=case.person_id,
        area_code=case.person.area_id,
        summary=summary,
        changes=changes,
    )


@transaction.atomic
def open_case(
    actor: User, person: Person, item: CatalogueItem, *, application: Application | None = None
) -> DeviceCase:
    """The device data of an application for ``item``: opened when the application is
    submitted. The person's category must be eligible for the item. Staff record an
    application in their area; with ``application_id`` the engine has already checked who
    may apply (a citizen applies for themself in the portal)."""
    if application is None:
        ensure_allowed(actor, Capability.VIEW_DEVICES, person.area_id)
    else:
        existing = DeviceCase.objects.filter(application=application).first()
        if existing is not None:
            return existing  # a step handler run twice changes nothing
    require_eligible(person, item)
    case = DeviceCase.objects.create(person=person, item=item, application=application)
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=CASE,
        object_id=case.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"device case for {item.code} opened",
    )
    return case


@transaction.atomic
def record_assessment(
    actor: User,
    case: DeviceCase,
    *,
    on: dt.date,
    notes: str,
    centre: Facility,
    remote_guidance: bool = False,
) -> DeviceCase:
    """The county's assessment: what the person needs, whether a specialist guided it
    remotely (their photos are the application's documents), and the centre that fits."""
    ensure_allowed(actor, Capability.PROVIDE_DEVICES, case.person.area_id)
    case = _locked_case(actor, case, status=CaseStatus.APPLIED)
    if centre.kind != FacilityKind.DEVICE_CENTRE or not centre.active:
        raise ValidationError({"centre": _("Choose an active device centre.")})
    if not notes.strip():
        raise ValidationError({"notes": _("Write what the assessment found.")})
    case.status = CaseStatus.ASSESSED
    case.assessed_on = on
    case.assessment_notes = notes.strip()
    case.remote_guidance = remote_guidance
    case.centre = centre
    case.save()
    _audit_case(
        actor,
        case,
        "device case assessed",
        {"status": [CaseStatus.APPLIED, CaseStatus.ASSESSED], "centre": [None, centre.pk]},
    )
    return case


@transaction.atomic
def record_fitting(
    actor: User,
    case: DeviceCase,
    *,
    on: dt.date,
    item: CatalogueItem,
    price: Decimal,
    notes: str = "",
) -> DeviceCase:
    """The centre's fitting: the item actually fitted (it may differ from the one asked
    for, within the person's eligible items) and its price."""
    case = _locked_case(actor, case, status=CaseStatus.ASSESSED)
    ensure_at_facility(
        actor, Capability.PROVIDE_DEVICES, case.centre, settling_area_code(case.centre)
    )
    require_eligible(case.person, item)
    if price is None or price <= 0 or price != price.quantize(CENT):
        raise ValidationError({"price": _("Enter the price in yuan, with at most 2 decimals.")})
    if case.assessed_on and on < case.assessed_on:
        raise ValidationError({"on": _("The fitting cannot come before the assessment.")})
    case.status = CaseStatus.FITTED
    case.fitted_on = on
    case.fitted_item = item
    case.price = price
    case.fitting_notes = notes.strip()
    case.save()
    _audit_case(
        actor,
        case,
        "device fitted",
        {"status": [CaseStatus.ASSESSED, CaseStatus.FITTED], "price": [None, str(price)]},
    )
    return case


def replacement_conflict(person: Person, item: CatalogueItem, on: dt.date) -> Handover | None:
    """The earlier handover of the same kind of device still inside its replacement period
    on ``on``, if any."""
    for earlier in Handover.objects.filter(
        person=person, replacement_group=item.replacement_group, handed_over_on__lte=on
    ).select_related("item"):
        if on < add_years(earlier.handed_over_on, earlier.item.replacement_years):
            return earlier
    return None


def subsidy_for(price: Decimal, cap: Decimal) -> tuple[Decimal, Decimal]:
    """(subsidy, what the person pays): the subsidy is the lower of price and cap."""
    subsidy = min(price, cap).quantize(CENT)
    return subsidy, (price - subsidy).quantize(CENT)


@transaction.atomic
def hand_over(actor: User, case: DeviceCase, *, on: dt.date) -> Handover:
    """Hand the fitted device over and settle the subsidy on the spot (real-time
    settlement): min(price, cap) paid to the centre, the rest by the person. A device of
    the same group handed over within its replacement period is refused."""
    case = _locked_case(actor, case, status=CaseStatus.FITTED)
    centre = case.centre
    ensure_at_facility(actor, Capability.PROVIDE_DEVICES, centre, settling_area_code(centre))
    item = case.fitted_item
    if case.fitted_on and on < case.fitted_on:
        raise ValidationError({"on": _("The handover cannot come before the fitting.")})
    earlier = replacement_conflict(case.person, item, on)
    if earlier is not None:
        raise ValidationError(
            _(
                "%(item)s was handed over on %(date)s; a replacement is due only after "
                "%(years)s years, from %(next)s."
            )
            % {
                "item": earlier.item.name,
                "date": earlier.handed_over_on.isoformat(),
                "years": earlier.item.replacement_years,
                "next": add_years(
                    earlier.handed_over_on, earlier.item.replacement_years
                ).isoformat(),
            }
        )
    subsidy, pays = subsidy_for(case.price, item.subsidy_cap)
    handover = Handover.objects.create(
        case=case,
        centre=centre,
        person=case.person,
        item=item,
        replacement_group=item.replacement_group,
        handed_over_on=on,
        price=case.price,
        cap=item.subsidy_cap,
        cap_verified=item.verified,
        subsidy=subsidy,
        person_pays=pays,
        actor=actor,
    )
    case.status = CaseStatus.HANDED_OVER
    case.save(update_fields=["status"])
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=HANDOVER,
        object_id=handover.pk,
        person_id=case.person_id,
        area_code=settling_area_code(centre),
        summary=f"{item.code} handed over at {centre.name}: subsidy {subsidy}, person pays {pays}",
        changes={"subsidy": [None, str(subsidy)], "person_pays": [None, str(pays)]},
    )
    return handover


@transaction.atomic
def record_follow_up(actor: User, case: DeviceCase, *, on: dt.date, notes: str) -> DeviceCase:
    """The follow-up visit after the handover: is the device used, does it fit."""
    case = _locked_case(actor, case, status=CaseStatus.HANDED_OVER)
    ensure_at_facility(
        actor, Capability.PROVIDE_DEVICES, case.centre, settling_area_code(case.centre)
    )
    if not notes.strip():
        raise ValidationError({"notes": _("Write what the follow-up found.")})
    if on < case.handover.handed_over_on:
        raise ValidationError({"on": _("The follow-up cannot come before the handover.")})
    case.status = CaseStatus.FOLLOWED_UP
    case.followed_up_on = on
    case.follow_up_notes = notes.strip()
    case.save()
    _audit_case(
        actor, case, "device case followed up", {"status": [CaseStatus.HANDED_OVER, "followed_up"]}
    )
    return case
