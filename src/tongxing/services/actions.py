"""Every change to applications, documents, facilities and service records: one function
per transition. Each checks the actor (role, area or facility), validates, changes the
rows, runs the registered step handlers, and writes its history row and audit row in
one transaction; a refusal raises ``PermissionDenied`` or ``ValidationError`` (naming the
field) and leaves the database unchanged.

Deadlines are in working days (:mod:`tongxing.services.calendar`); ``day`` defaults to
today and is passed explicitly by the demo and tests.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability, Role
from tongxing.areas.models import CODE_LENGTH, Area
from tongxing.benefits.parameters import ParameterLookupError, value_on
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.registry import actions as registry_actions
from tongxing.registry.actions import add_years
from tongxing.registry.models import (
    CertificateStatus,
    HouseholdStatus,
    Person,
    PersonStatus,
)
from tongxing.services import documents as files
from tongxing.services.calendar import WorkingCalendar
from tongxing.services.definitions import (
    DocumentSpec,
    FieldSpec,
    ServiceDefinition,
    StepSpec,
)
from tongxing.services.handlers import (
    OutcomeContext,
    StepContext,
    eligibility_checks,
    run_outcome_handlers,
    run_step_handlers,
)
from tongxing.services.models import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationStatus,
    Document,
    EventKind,
    Facility,
    FacilityKind,
    FacilityMember,
    Outcome,
    ServiceRecord,
    ServiceType,
)
from tongxing.services.scoping import (
    applications_for,
    facility_ids_for,
    may_act_for_person,
)

APPLICATION = "services.application"
DOCUMENT = "services.document"
FACILITY = "services.facility"
RECORD = "services.servicerecord"
TEXT_MAX = 2000


def _today() -> dt.date:
    return timezone.localdate()


# --- eligibility --------------------------------------------------------------------------


def age_on(person: Person, day: dt.date) -> int:
    years = day.year - person.birth_date.year
    return years - (add_years(person.birth_date, years) > day)


def low_income_on(person: Person, day: dt.date) -> bool:
    """Whether the person's household holds a 低保, 特困 or 低保边缘 status on ``day``."""
    if not person.household_id:
        return False
    return any(
        status.in_force_on(day)
        for status in HouseholdStatus.objects.filter(household_id=person.household_id)
    )


def _age_limit(fixed: int | None, key: str, day: dt.date, reasons: list[str]) -> int | None:
    if not key:
        return fixed
    try:
        return int(value_on(key, day).value)
    except ParameterLookupError as error:
        reasons.append(
            _("The age limit %(key)s is not configured: %(why)s")
            % {
                "key": key,
                "why": error,
            }
        )
        return None


def eligibility_reasons(
    person: Person, definition: ServiceDefinition, answers: dict[str, Any], day: dt.date
) -> list[str]:
    """Why ``person`` may not apply on ``day`` (empty: they may). Registry facts first,
    then the checks other apps registered for the service."""
    rules = definition.eligibility
    reasons: list[str] = []
    if person.status != PersonStatus.ACTIVE:
        reasons.append(_("The person is not living in the region (deceased or moved out)."))
    certificate = getattr(person, "certificate", None)
    if rules.certificate_valid and (
        certificate is None
        or certificate.status != CertificateStatus.VALID
        or certificate.valid_until < day
    ):
        reasons.append(_("The person has no valid disability certificate on that day."))
    if certificate is not None:
        if rules.categories and certificate.category not in rules.categories:
            reasons.append(
                _("The service is for other disability categories than %(category)s.")
                % {"category": certificate.get_category_display()}
            )
        if rules.grades and certificate.grade not in rules.grades:
            reasons.append(
                _("The service is for other grades than %(grade)s.")
                % {"grade": certificate.get_grade_display()}
            )
    age = age_on(person, day)
    low = _age_limit(rules.age_min, rules.age_min_parameter, day, reasons)
    high = _age_limit(rules.age_max, rules.age_max_parameter, day, reasons)
    if (low is not None and age < low) or (high is not None and age > high):
        reasons.append(
            _("The service is for ages %(low)s to %(high)s; the person is %(age)s.")
            % {
                "low": low if low is not None else 0,
                "high": high if high is not None else "",
                "age": age,
            }
        )
    if rules.low_income_required and not low_income_on(person, day):
        reasons.append(_("The service is for 低保, 特困 or low-income households only."))
    for check in eligibility_checks(definition.code):
        reasons.extend(check(person, answers, day))
    return reasons


# --- form fields --------------------------------------------------------------------------


def clean_fields(
    specs: Sequence[FieldSpec], raw: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers as stored (JSON: text, numbers as text, booleans, ISO dates) and the
    errors by field key. Unknown keys are dropped."""
    raw = raw or {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in specs:
        value = raw.get(spec.key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if spec.required and spec.type != "yes_no":
                errors[spec.key] = _("%(label)s: this is required.") % {"label": spec.label}
            elif spec.type == "yes_no":
                cleaned[spec.key] = False
            continue
        try:
            cleaned[spec.key] = _clean_value(spec, value)
        except ValidationError as error:
            errors[spec.key] = f"{spec.label}: {error.messages[0]}"
    return cleaned, errors


def _clean_value(spec: FieldSpec, value: Any) -> Any:
    if spec.type in ("text", "long_text"):
        text = str(value)
        limit = 200 if spec.type == "text" else TEXT_MAX
        if len(text) > limit:
            raise ValidationError(_("at most %(n)s characters.") % {"n": limit})
        return text
    if spec.type == "choice":
        if str(value) not in {v for v, _label in spec.options}:
            raise ValidationError(_("choose one of the options."))
        return str(value)
    if spec.type == "yes_no":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("yes", "true", "1", "on"):
            return True
        if str(value).lower() in ("no", "false", "0", "off"):
            return False
        raise ValidationError(_("answer yes or no."))
    if spec.type == "date":
        try:
            return (
                value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            ).isoformat()
        except ValueError:
            raise ValidationError(_("a date like 2025-03-01.")) from None
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise ValidationError(_("a number.")) from None
    if not number.is_finite():
        raise ValidationError(_("a number."))
    if spec.type == "money":
        number = number.quantize(Decimal("0.01"))
    if spec.min is not None and number < spec.min:
        raise ValidationError(_("at least %(n)s.") % {"n": spec.min})
    if spec.max is not None and number > spec.max:
        raise ValidationError(_("at most %(n)s.") % {"n": spec.max})
    return str(number)


def _raise_field_errors(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({key: [message] for key, message in errors.items()})


# --- documents ----------------------------------------------------------------------------


@transaction.atomic
def upload_document(actor: User, person: Person, kind: str, name: str, content: bytes) -> Document:
    """Keep a file on the person. Type (by content) and size are checked; the same file
    uploaded again for the same kind returns the document already kept."""
    if not may_act_for_person(actor, person):
        raise PermissionDenied(_("You may not add documents for this person."))
    content_type = files.sniff(name, content)
    digest = files.store(content)
    existing = Document.objects.filter(person=person, kind=kind, sha256=digest).first()
    if existing is not None:
        return existing
    document = Document.objects.create(
        person=person,
        kind=kind[:40],
        original_name=name[-200:],
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=DOCUMENT,
        object_id=document.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"document {kind} uploaded ({content_type}, {len(content)} bytes)",
    )
    return document


def _attach(
    application: Application,
    specs: Sequence[DocumentSpec],
    documents: dict[str, Document] | None,
) -> list[str]:
    """Attach the given documents (requirement code -> document); refuses a missing
    required one or a document of another person."""
    documents = documents or {}
    errors = {}
    for spec in specs:
        document = documents.get(spec.code)
        if document is None:
            if spec.required:
                errors[f"document_{spec.code}"] = _("%(label)s: a document is required.") % {
                    "label": spec.label
                }
            continue
        if document.person_id != application.person_id:
            errors[f"document_{spec.code}"] = _("%(label)s: that document is another person's.") % {
                "label": spec.label
            }
    _raise_field_errors(errors)
    attached = []
    for spec in specs:
        document = documents.get(spec.code)
        if document is not None:
            ApplicationDocument.objects.get_or_create(
                application=application, document=document, requirement=spec.code
            )
            attached.append(spec.code)
    return attached


# --- entering a step ----------------------------------------------------------------------


def _step_area(application: Application, step: StepSpec) -> str:
    level = step.area_level
    return application.area_id[: CODE_LENGTH[level]] if level else ""


def _enter(
    application: Application, step: StepSpec | None, day: dt.date, calendar: WorkingCalendar
) -> None:
    if step is None:
        application.current_step = ""
        application.step_role = ""
        application.step_area = ""
        application.step_started = None
        application.due_date = None
        application.assigned_to = None
        return
    application.current_step = step.code
    application.step_role = step.role
    application.step_area = _step_area(application, step)
    application.step_started = day
    application.due_date = calendar.add_working_days(day, step.days)
    application.assigned_to = None


def _event(
    application: Application,
    actor: User,
    kind: str,
    *,
    step: str = "",
    next_step: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> ApplicationEvent:
    event = ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        step=step,
        next_step=next_step,
        note=note,
        data=data or {},
        actor=actor,
        at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE if kind == EventKind.SUBMITTED else AuditAction.UPDATE,
        object_type=APPLICATION,
        object_id=application.pk,
        person_id=application.person_id,
        area_code=application.area_id,
        summary=summary,
        changes=changes,
    )
    return event


# --- submitting ---------------------------------------------------------------------------


def submit_application(
    actor: User,
    person: Person,
    service_code: str,
    answers: dict[str, Any] | None,
    documents: dict[str, Document] | None = None,
    idempotency_key: str | None = None,
    *,
    note: str = "",
    day: dt.date | None = None,
) -> Application:
    """Apply for ``service_code`` for ``person``. ``documents`` maps the type's document
    codes to documents already kept on the person. A repeated ``idempotency_key`` (a
    double click, a refresh) returns the application the first submit made."""
    if idempotency_key:
        earlier = Application.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.person_id != person.pk or earlier.submitted_by_id != actor.pk:
                raise ValidationError(_("This form was already used for another application."))
            return earlier
    try:
        with transaction.atomic():
            return _submit(
                actor, person, service_code, answers, documents, idempotency_key, note, day
            )
    except IntegrityError:
        # The other half of a double submit won the race: same key, or one open per person.
        if idempotency_key:
            earlier = Application.objects.filter(idempotency_key=idempotency_key).first()
            if earlier is not None:
                return earlier
        raise ValidationError(
            _("This person already has an open application for this service.")
        ) from None


def _submit(
    actor: User,
    person: Person,
    service_code: str,
    answers: dict[str, Any] | None,
    documents: dict[str, Document] | None,
    idempotency_key: str | None,
    note: str,
    day: dt.date | None,
) -> Application:
    day = day or _today()
    if not may_act_for_person(actor, person):
        raise PermissionDenied(_("You may not apply for services for this person."))
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("certificate")
        .get(pk=person.pk)
    )
    service_type = ServiceType.objects.filter(code=service_code, active=True).first()
    if service_type is None:
        raise ValidationError(_("There is no open service %(code)s.") % {"code": service_code})
    definition = ServiceDefinition.from_type(service_type)
    cleaned, errors = clean_fields(definition.fields, answers)
    _raise_field_errors(errors)
    reasons = eligibility_reasons(person, definition, cleaned, day)
    if reasons:
        raise ValidationError(reasons)
    if Application.objects.filter(
        person=person, service_type=service_type, status__in=OPEN_STATUSES
    ).exists():
        raise ValidationError(_("This person already has an open application for this service."))
    calendar = WorkingCalendar.load()
    application = Application(
        service_type=service_type,
        person=person,
        area_id=person.area_id,
        answers=cleaned,
        priority=definition.eligibility.low_income_priority and low_income_on(person, day),
        submitted_by=actor,
        submitted_on=day,
        submitted_at=timezone.now(),
        idempotency_key=idempotency_key or None,
    )
    _enter(application, definition.steps[0], day, calendar)
    application.save()
    attached = _attach(application, definition.documents, documents)
    _event(
        application,
        actor,
        EventKind.SUBMITTED,
        next_step=application.current_step,
        note=note[:TEXT_MAX],
        data={"documents": attached},
        summary=f"application for {service_code} submitted",
    )
    return application


# --- transitions --------------------------------------------------------------------------


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("service_type", "person", "facility")
        .get(pk=application.pk)
    )


def _acting_step(actor: User, application: Application, step_code: str) -> StepSpec:
    """The step ``actor`` is completing, or a refusal: closed, already done, wrong role,
    out of area, not the facility's staff, or assigned to someone else."""
    if not application.is_open:
        raise ValidationError(_("This application is closed."))
    if application.current_step != step_code:
        raise ValidationError(
            _("This step has already been completed (the page was out of date); reload it.")
        )
    step = ServiceDefinition.from_type(application.service_type).step(step_code)
    if step is None:
        raise ValidationError(_("This service has no step %(code)s.") % {"code": step_code})
    if not actor.can(Capability.PROCESS_APPLICATIONS) or actor.role != step.role:
        raise PermissionDenied(_("This step is for another role."))
    if step.role == Role.PROVIDER:
        if application.facility_id not in facility_ids_for(actor):
            raise PermissionDenied(_("This client is another facility's."))
    elif not actor.area_id or actor.area_id != application.step_area:
        raise PermissionDenied(_("This application is outside your area."))
    if application.assigned_to_id and application.assigned_to_id != actor.pk:
        raise PermissionDenied(_("This step is assigned to someone else."))
    return step


def _check_facility(
    step: StepSpec, facility: Facility | None, application: Application, day: dt.date
) -> None:
    if facility is None:
        raise ValidationError({"facility": [_("Choose a facility.")]})
    if facility.kind != step.facility_kind or not facility.active:
        raise ValidationError({"facility": [_("Choose an open facility of the right kind.")]})
    if facility.kind in (FacilityKind.REHAB_INSTITUTION, FacilityKind.CARE_INSTITUTION) and (
        facility.designated and not facility.is_designated_on(day)
    ):
        raise ValidationError({"facility": [_("The facility's designation is not in force.")]})
    if step.check_capacity and facility.capacity is not None:
        # Lock the facility so two placements cannot both take its last place.
        Facility.objects.select_for_update().filter(pk=facility.pk).first()
        taken = (
            Application.objects.filter(facility=facility, status__in=OPEN_STATUSES)
            .exclude(pk=application.pk)
            .count()
        )
        if taken >= facility.capacity:
            raise ValidationError(
                {
                    "facility": [
                        _("%(name)s has no free place (%(n)s of %(n)s taken).")
                        % {
                            "name": facility.name,
                            "n": facility.capacity,
                        }
                    ]
                }
            )


def _registry_action(
    actor: User, application: Application, step: StepSpec, data: dict, day: dt.date
) -> str:
    spec = step.registry_action or {}
    request = application.answers.get(spec.get("answer", ""))
    action = spec.get(str(request))
    if not action:
        return ""
    person = application.person
    note = _("Certificate service at home, application %(pk)s") % {"pk": application.pk}
    if action == "renew":
        registry_actions.renew_certificate(actor, person, day, note=note, source="services")
    elif action == "reissue":
        registry_actions.reissue_certificate(actor, person, day, note=note, source="services")
    elif action == "reassess":
        try:
            category, grade = int(data["category"]), int(data["grade"])
        except (KeyError, ValueError):
            raise ValidationError(
                _("The assessed category and grade are needed for a grade change.")
            ) from None
        registry_actions.record_reassessment(
            actor, person, day, category=category, grade=grade, note=note, source="services"
        )
    return action


def _move_on(application: Application, step: StepSpec, day: dt.date) -> StepSpec | None:
    following = ServiceDefinition.from_type(application.service_type).next_step(step.code)
    _enter(application, following, day, WorkingCalendar.load())
    if following is None:
        application.status = ApplicationStatus.COMPLETED
        application.closed_on = day
    return following


@transaction.atomic
def complete_step(
    actor: User,
    application: Application,
    step_code: str,
    data: dict[str, Any] | None = None,
    *,
    note: str = "",
    facility: Facility | None = None,
    documents: dict[str, Document] | None = None,
    extra: dict[str, Any] | None = None,
    day: dt.date | None = None,
) -> Application:
    """Record the current (non-decision) step done and move to the next one. ``data``
    holds the step's form fields; ``facility`` is the pick of a step with
    ``facility_kind``; ``extra`` is handed to the step handlers untouched."""
    day = day or _today()
    application = _locked(application)
    step = _acting_step(actor, application, step_code)
    if step.decision:
        raise ValidationError(_("This step is a decision: approve or refuse."))
    cleaned, errors = clean_fields(step.fields, data)
    _raise_field_errors(errors)
    if step.facility_kind:
        _check_facility(step, facility, application, day)
        application.facility = facility
    attached = _attach(application, step.documents, documents)
    ctx = StepContext(actor, application, step, "done", day, cleaned, extra or {})
    run_step_handlers(ctx)
    action = (
        _registry_action(actor, application, step, cleaned, day) if step.registry_action else ""
    )
    record = {**cleaned, **ctx.record}
    if action:
        record["registry_action"] = action
    if application.facility_id and step.facility_kind:
        record["facility"] = application.facility_id
    application.step_data = {**application.step_data, step.code: record}
    following = _move_on(application, step, day)
    application.save()
    _event(
        application,
        actor,
        EventKind.STEP_DONE if following else EventKind.COMPLETED,
        step=step.code,
        next_step=following.code if following else "",
        note=note[:TEXT_MAX],
        data={**record, "documents": attached},
        summary=f"step {step.code} done"
        + (f"; next {following.code}" if following else "; completed"),
    )
    if following is None:
        run_outcome_handlers(OutcomeContext(actor, application, day))
    return application


def _decided_amount(
    application: Application, step: StepSpec, cleaned: dict[str, Any], day: dt.date
) -> tuple[Decimal | None, str]:
    """The approved amount and a note saying where it came from or why it is missing: a
    parameter that is ``not_found`` yields no amount and says so, never a guess."""
    spec = step.amount
    if not spec:
        return application.amount, ""
    if "parameter" in spec:
        key = string.Formatter().vformat(spec["parameter"], (), application.answers)
        try:
            found = value_on(key, day)
        except (ParameterLookupError, KeyError) as error:
            return None, _("Amount not configured (%(key)s): %(why)s") % {"key": key, "why": error}
        note = "" if found.verified else _("(unverified value)")
        return Decimal(str(found.value)).quantize(Decimal("0.01")), f"{key} {note}".strip()
    field = spec["field"]
    raw = cleaned.get(field)
    if raw is None:
        for record in application.step_data.values():
            raw = record.get(field, raw)
    if raw is None:
        raise ValidationError({field: [_("The amount is needed for the approval.")]})
    amount = Decimal(str(raw)).quantize(Decimal("0.01"))
    cap_key = spec.get("cap_parameter")
    if not cap_key:
        return amount, ""
    try:
        cap = value_on(cap_key, day)
    except ParameterLookupError as error:
        return amount, _(
            "Cap not configured (%(key)s): %(why)s; amount not checked against it."
        ) % {
            "key": cap_key,
            "why": error,
        }
    if amount > Decimal(str(cap.value)):
        raise ValidationError(
            {field: [_("The amount is above the cap of %(cap)s yuan.") % {"cap": cap.value}]}
        )
    return amount, ""


@transaction.atomic
def approve_application(
    actor: User,
    application: Application,
    step_code: str,
    data: dict[str, Any] | None = None,
    *,
    items: list[Any] | None = None,
    note: str = "",
    extra: dict[str, Any] | None = None,
    day: dt.date | None = None,
) -> Application:
    """Approve at the decision step: the amount comes from the step's ``amount`` spec (or
    a step handler), ``items`` from the caller; delivery steps follow, if any."""
    day = day or _today()
    application = _locked(application)
    step = _acting_step(actor, application, step_code)
    if not step.decision:
        raise ValidationError(_("This step is not the decision."))
    cleaned, errors = clean_fields(step.fields, data)
    _raise_field_errors(errors)
    if items is not None:
        application.items = list(items)
    ctx = StepContext(actor, application, step, Outcome.APPROVED, day, cleaned, extra or {})
    run_step_handlers(ctx)
    amount, amount_note = _decided_amount(application, step, cleaned, day)
    application.amount = amount
    application.outcome = Outcome.APPROVED
    application.status = ApplicationStatus.APPROVED
    application.decided_on = day
    record = {**cleaned, **ctx.record, "outcome": "approved"}
    record["amount"] = str(amount) if amount is not None else None
    if amount_note:
        record["amount_note"] = amount_note
    if application.items:
        record["items"] = application.items
    application.step_data = {**application.step_data, step.code: record}
    following = _move_on(application, step, day)
    application.save()
    _event(
        application,
        actor,
        EventKind.APPROVED,
        step=step.code,
        next_step=following.code if following else "",
        note=note[:TEXT_MAX],
        data=record,
        summary=f"approved at {step.code}" + (f", amount {amount}" if amount is not None else ""),
        changes={"status": ["in_progress", application.status]},
    )
    if following is None:
        run_outcome_handlers(OutcomeContext(actor, application, day))
    return application


@transaction.atomic
def refuse_application(
    actor: User,
    application: Application,
    step_code: str,
    reason: str,
    *,
    extra: dict[str, Any] | None = None,
    day: dt.date | None = None,
) -> Application:
    """Refuse at the decision step, with the reason the decision letter gives."""
    day = day or _today()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the refusal.")]})
    application = _locked(application)
    step = _acting_step(actor, application, step_code)
    if not step.decision:
        raise ValidationError(_("This step is not the decision."))
    ctx = StepContext(actor, application, step, Outcome.REFUSED, day, {}, extra or {})
    run_step_handlers(ctx)
    application.outcome = Outcome.REFUSED
    application.status = ApplicationStatus.REFUSED
    application.refusal_reason = reason[:TEXT_MAX]
    application.decided_on = day
    application.closed_on = day
    application.step_data = {
        **application.step_data,
        step.code: {**ctx.record, "outcome": "refused", "reason": reason[:TEXT_MAX]},
    }
    _enter(application, None, day, WorkingCalendar())
    application.save()
    _event(
        application,
        actor,
        EventKind.REFUSED,
        step=step.code,
        note=reason[:TEXT_MAX],
        summary=f"refused at {step.code}",
        changes={"status": ["in_progress", "refused"]},
    )
    run_outcome_handlers(OutcomeContext(actor, application, day, reason[:TEXT_MAX]))
    return application


def may_reassign(actor: User, application: Application) -> bool:
    """Whoever could act on the current step, a higher-level officer whose area covers it,
    or (for a provider step) the facility's staff may give it to someone else."""
    if not application.is_open or not application.current_step:
        return False
    if application.step_role == Role.PROVIDER:
        return application.facility_id in facility_ids_for(actor) or bool(
            actor.can(Capability.PROCESS_APPLICATIONS)
            and actor.area_id
            and actor.role != Role.PROVIDER
            and application.area_id.startswith(actor.area_id)
        )
    return bool(
        actor.can(Capability.PROCESS_APPLICATIONS)
        and actor.area_id
        and actor.role != Role.PROVIDER
        and application.step_area.startswith(actor.area_id)
    )


@transaction.atomic
def reassign_application(
    actor: User, application: Application, to_user: User, note: str = ""
) -> Application:
    """Give the current step to ``to_user``, who must hold the step's role in the step's
    area (or be the facility's staff). Done by someone who could act on the step, or by
    a higher-level officer whose area covers it."""
    application = _locked(application)
    if not application.is_open or not application.current_step:
        raise ValidationError(_("This application is closed."))
    step = ServiceDefinition.from_type(application.service_type).step(application.current_step)
    assert step is not None
    if not may_reassign(actor, application):
        raise PermissionDenied(_("You may not reassign this application."))
    fits = (
        to_user.is_active
        and to_user.role == step.role
        and to_user.can(Capability.PROCESS_APPLICATIONS)
    )
    if step.role == Role.PROVIDER:
        fits = fits and application.facility_id in facility_ids_for(to_user)
    else:
        fits = fits and to_user.area_id == application.step_area
    if not fits:
        raise ValidationError(
            {"to_user": [_("%(user)s cannot act on this step.") % {"user": to_user}]}
        )
    before = application.assigned_to_id
    application.assigned_to = to_user
    application.save(update_fields=["assigned_to", "updated_at"])
    _event(
        application,
        actor,
        EventKind.REASSIGNED,
        step=step.code,
        note=note[:TEXT_MAX],
        data={"to": to_user.pk},
        summary=f"step {step.code} assigned to user {to_user.pk}",
        changes={"assigned_to": [before, to_user.pk]},
    )
    return application


@transaction.atomic
def add_comment(actor: User, application: Application, text: str) -> ApplicationEvent:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the comment.")]})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": [_("At most %(n)s characters.") % {"n": TEXT_MAX}]})
    if not applications_for(actor).filter(pk=application.pk).exists():
        raise PermissionDenied(_("You may not comment on this application."))
    return _event(
        application,
        actor,
        EventKind.COMMENT,
        step=application.current_step,
        note=text,
        summary="comment added",
    )


@transaction.atomic
def withdraw_application(
    actor: User, application: Application, reason: str, *, day: dt.date | None = None
) -> Application:
    day = day or _today()
    application = _locked(application)
    if not may_act_for_person(actor, application.person):
        raise PermissionDenied(_("You may not withdraw this application."))
    if application.status != ApplicationStatus.IN_PROGRESS:
        raise ValidationError(_("Only an application not yet decided can be withdrawn."))
    step = application.current_step
    application.status = ApplicationStatus.WITHDRAWN
    application.closed_on = day
    _enter(application, None, day, WorkingCalendar())
    application.save()
    _event(
        application,
        actor,
        EventKind.WITHDRAWN,
        step=step,
        note=(reason or "").strip()[:TEXT_MAX],
        summary="withdrawn",
        changes={"status": ["in_progress", "withdrawn"]},
    )
    run_outcome_handlers(OutcomeContext(actor, application, day, (reason or "").strip()))
    return application


# --- service records (providers) -----------------------------------------------------------


@transaction.atomic
def record_service(
    actor: User,
    application: Application,
    delivered_on: dt.date,
    description: str,
    hours: Decimal | None = None,
) -> ServiceRecord:
    """A provider records a service delivered to a client placed at their facility."""
    application = _locked(application)
    if not actor.can(Capability.RECORD_SERVICE_DELIVERY):
        raise PermissionDenied(_("Only a provider records services delivered."))
    if application.facility_id not in facility_ids_for(actor):
        raise PermissionDenied(_("This client is another facility's."))
    if application.status not in (ApplicationStatus.APPROVED, ApplicationStatus.COMPLETED):
        raise ValidationError(_("Services are recorded for approved applications only."))
    description = (description or "").strip()
    errors = {}
    if not description:
        errors["description"] = [_("Say what was done.")]
    if delivered_on > _today() or delivered_on < application.submitted_on:
        errors["delivered_on"] = [_("The date must be between the application and today.")]
    if hours is not None and not (Decimal(0) < hours <= Decimal(24)):
        errors["hours"] = [_("Hours must be more than 0 and at most 24.")]
    if errors:
        raise ValidationError(errors)
    record = ServiceRecord.objects.create(
        application=application,
        facility_id=application.facility_id,
        delivered_on=delivered_on,
        description=description[:500],
        hours=hours,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=RECORD,
        object_id=record.pk,
        person_id=application.person_id,
        area_code=application.area_id,
        summary=f"service delivered on {delivered_on} for application {application.pk}",
    )
    return record


# --- facilities ---------------------------------------------------------------------------


@dataclass
class FacilityData:
    name: str
    kind: str
    area: Area | None = None
    region: str = ""
    address: str = ""
    capacity: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    designated: bool = False
    designated_from: dt.date | None = None
    designated_until: dt.date | None = None
    mutual_recognition: bool = False


def _check_facility_actor(actor: User, area: Area | None) -> None:
    if (
        not actor.is_authenticated
        or not actor.can(Capability.MANAGE_FACILITIES)
        or not actor.area_id
    ):
        raise PermissionDenied(_("You may not manage facilities."))
    if area is None:
        # Outside the region: designations with other cities are the city federation's.
        if len(actor.area_id) != CODE_LENGTH["city"]:
            raise PermissionDenied(_("Facilities outside the region are the city's to manage."))
    elif not area.code.startswith(actor.area_id):
        raise PermissionDenied(_("You may not change records outside your area."))


def _facility_values(data: FacilityData) -> dict[str, Any]:
    errors = {}
    if not data.name.strip():
        errors["name"] = [_("Give the facility's name.")]
    if data.kind not in FacilityKind.values:
        errors["kind"] = [_("Choose a kind.")]
    if data.area is None and not data.region.strip():
        errors["region"] = [_("A facility outside the area list names its city or region.")]
    if (
        data.designated_from
        and data.designated_until
        and data.designated_until < data.designated_from
    ):
        errors["designated_until"] = [_("A designation cannot end before it starts.")]
    if data.capacity is not None and data.capacity < 0:
        errors["capacity"] = [_("Places cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": data.name.strip(),
        "kind": data.kind,
        "area": data.area,
        "region": data.region.strip(),
        "address": data.address.strip(),
        "capacity": data.capacity,
        "contact_name": data.contact_name.strip(),
        "contact_phone": data.contact_phone.strip(),
        "designated": data.designated,
        "designated_from": data.designated_from,
        "designated_until": data.designated_until,
        "mutual_recognition": data.mutual_recognition,
    }


@transaction.atomic
def create_facility(actor: User, data: FacilityData) -> Facility:
    _check_facility_actor(actor, data.area)
    facility = Facility.objects.create(**_facility_values(data))
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=FACILITY,
        object_id=facility.pk,
        area_code=facility.area_id or "",
        summary=f"facility {facility.name} ({facility.kind}) added",
    )
    return facility


@transaction.atomic
def update_facility(actor: User, facility: Facility, data: FacilityData) -> Facility:
    _check_facility_actor(actor, facility.area)
    _check_facility_actor(actor, data.area)
    values = _facility_values(data)
    before = {name: getattr(facility, name) for name in values}
    for name, value in values.items():
        setattr(facility, name, value)
    facility.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=FACILITY,
        object_id=facility.pk,
        area_code=facility.area_id or "",
        summary=f"facility {facility.name} changed",
        changes=audit.diff(before, values),
    )
    return facility


@transaction.atomic
def add_facility_member(
    actor: User, facility: Facility, user: User, since: dt.date | None = None
) -> FacilityMember:
    """Link a provider account to the facility it works for (idempotent)."""
    _check_facility_actor(actor, facility.area)
    if user.role != Role.PROVIDER:
        raise ValidationError({"user": [_("Only a provider account works for a facility.")]})
    member, created = FacilityMember.objects.get_or_create(
        facility=facility, user=user, defaults={"since": since}
    )
    if created:
        audit.record(
            actor,
            AuditAction.CREATE,
            object_type=FACILITY,
            object_id=facility.pk,
            area_code=facility.area_id or "",
            summary=f"provider user {user.pk} linked to facility {facility.pk}",
        )
    return member


@transaction.atomic
def remove_facility_member(
    actor: User, facility: Facility, user: User, until: dt.date | None = None
) -> None:
    """Unlink a provider account from a facility: from then on it sees none of the
    facility's clients. The audit row keeps when the link had started and when it ended
    (the link itself is the only place ``since`` lived)."""
    _check_facility_actor(actor, facility.area)
    member = FacilityMember.objects.select_for_update().filter(facility=facility, user=user).first()
    if member is None:
        raise ValidationError({"user": [_("That account does not work for this facility.")]})
    since = member.since
    member.delete()
    audit.record(
        actor,
        AuditAction.DELETE,
        object_type=FACILITY,
        object_id=facility.pk,
        area_code=facility.area_id or "",
        summary=f"provider user {user.pk} unlinked from facility {facility.pk}",
        changes={
            "member": [user.pk, None],
            "since": [since, None],
            "until": [None, until or _today()],
        },
    )


def documents_for_person(person: Person) -> Iterable[Document]:
    """The documents kept on ``person`` (already access-checked by the caller)."""
    return Document.objects.filter(person=person)


def step_for_actor(actor: User, application: Application) -> StepSpec | None:
    """The current step if ``actor`` may complete it now, else ``None`` (for pages that
    offer the step's form only to who can use it)."""
    if not application.current_step:
        return None
    try:
        return _acting_step(actor, application, application.current_step)
    except (PermissionDenied, ValidationError):
        return None
