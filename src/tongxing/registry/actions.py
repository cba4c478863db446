"""Every change to the registry, one named function per business event.

Each function checks the actor's right and area, validates, changes the rows and writes
its LifeEvent and audit rows in one transaction. Views, imports, the API and jobs call
these; nothing else saves registry models. Refusals raise ``PermissionDenied`` (403) or
``ValidationError`` with the failing field named, and leave the database unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.areas.models import Area
from tongxing.core import audit
from tongxing.core.bulk import (
    BulkInserter,
    PrimaryKeys,
    background_writes,
    foreign_keys_checked_per_statement,
)
from tongxing.core.fields import index_values
from tongxing.core.idnumbers import (
    certificate_number_for,
    normalise_id_number,
    parse_certificate_number,
    parse_id_number,
)
from tongxing.core.masking import mask_certificate_number, mask_id_number, mask_phone
from tongxing.core.models import AuditAction
from tongxing.core.pinyin import pinyin_keys
from tongxing.registry.models import (
    CERTIFICATE_NUMBER,
    RESIDENT_ID,
    Category,
    CertificateStatus,
    DisabilityCertificate,
    Household,
    HouseholdStatus,
    LifeEvent,
    LifeEventKind,
    Person,
    PersonStatus,
    Relation,
)

CERTIFICATE_TERM_YEARS = 10  # 管理办法: a certificate is valid for 10 years (domain.md §2.1)
SENSITIVE_MASKS = {
    "id_number": mask_id_number,
    "guardian_id_number": mask_id_number,
    "phone": mask_phone,
    "guardian_phone": mask_phone,
    "number": mask_certificate_number,
}
PERSON_FIELDS = (
    "id_number",
    "name",
    "ethnicity",
    "hukou_type",
    "area_id",
    "address",
    "phone",
    "guardian_name",
    "guardian_id_number",
    "guardian_phone",
    "guardian_relation",
    "relation_to_head",
)
CERT = "certificate."
CERTIFICATE_FIELDS = (
    "number",
    "category",
    "multiple_detail",
    "grade",
    "issue_date",
    "valid_until",
    "status",
)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def ensure_allowed(
    actor: User, capability: Capability, area_code: str, message: str | None = None
) -> None:
    """Refuse unless ``actor`` holds ``capability`` and ``area_code`` is inside their area;
    ``message`` says why in the words of the action refused."""
    if (
        not actor.is_authenticated
        or not actor.can(capability)
        or not actor.area_id
        or not area_code.startswith(actor.area_id)
    ):
        raise PermissionDenied(message or _("You may not change records outside your area."))


def _snapshot(obj: Any, fields: tuple[str, ...], prefix: str = "") -> dict[str, Any]:
    """Field values for the audit diff, identifiers masked; ``prefix`` keeps the
    certificate's ``status`` apart from the person's."""
    values = {}
    for name in fields:
        value = getattr(obj, name)
        if name in SENSITIVE_MASKS:
            value = SENSITIVE_MASKS[name](value)
        values[prefix + name] = value
    return values


def _today() -> dt.date:
    return timezone.localdate()


@dataclass
class CertificateData:
    category: int
    grade: int
    issue_date: dt.date
    valid_until: dt.date | None = None
    multiple_detail: str = ""
    number: str = ""  # derived from the ID number when empty


@dataclass
class PersonData:
    id_number: str
    name: str
    hukou_type: str
    area: Area
    ethnicity: str = "汉族"
    address: str = ""
    phone: str = ""
    guardian_name: str = ""
    guardian_id_number: str = ""
    guardian_phone: str = ""
    guardian_relation: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _clean_multiple_detail(category: int, detail: str) -> str:
    kinds = sorted({int(k) for k in str(detail or "").replace("，", ",").split(",") if k.strip()})
    if category != Category.MULTIPLE:
        if kinds:
            raise ValidationError(
                {
                    "multiple_detail": ValidationError(
                        _("Only a multiple (多重) disability lists combined kinds."),
                        code="multiple_detail_not_multiple",
                    )
                }
            )
        return ""
    if len(kinds) < 2 or any(k not in range(1, 7) for k in kinds):
        raise ValidationError(
            {
                "multiple_detail": ValidationError(
                    _("A multiple disability combines two or more of the kinds 1–6."),
                    code="multiple_detail_kinds",
                )
            }
        )
    return ",".join(str(k) for k in kinds)


FieldErrors = dict[str, list[ValidationError]]


def _add(errors: FieldErrors, name: str, error: ValidationError) -> None:
    errors.setdefault(name, []).extend(error.error_list)


def check_person_fields(data: PersonData, today: dt.date) -> tuple[dict[str, Any], FieldErrors]:
    """The person's field rules without the database: the one check shared by the form's
    action and the bulk import. Returns the cleaned values and the errors by field, each
    error with a stable ``code`` (the import counts problems by it)."""
    errors: FieldErrors = {}
    resident = None
    try:
        resident = parse_id_number(data.id_number, today=today)
    except ValidationError as error:
        _add(errors, "id_number", error)
    name = data.name.strip()
    if not name:
        _add(errors, "name", ValidationError(_("Enter the person's name."), code="required"))
    if data.guardian_id_number:
        try:
            parse_id_number(data.guardian_id_number, today=today)
        except ValidationError as error:
            _add(errors, "guardian_id_number", error)
    if data.area.level not in ("village", "township"):
        _add(
            errors,
            "area",
            ValidationError(
                _("Choose the village or community where the person's hukou is."),
                code="area_level",
            ),
        )
    if errors or resident is None:
        return {}, errors
    full, initials = pinyin_keys(name)
    return {
        "id_number": resident.number,
        "birth_date": resident.birth_date,
        "sex": resident.sex,
        "name": name,
        "name_pinyin": full,
        "name_initials": initials,
        "ethnicity": data.ethnicity.strip() or "汉族",
        "hukou_type": data.hukou_type,
        "area": data.area,
        "address": data.address.strip(),
        "phone": data.phone.strip(),
        "guardian_name": data.guardian_name.strip(),
        "guardian_id_number": normalise_id_number(data.guardian_id_number),
        "guardian_phone": data.guardian_phone.strip(),
        "guardian_relation": data.guardian_relation.strip(),
    }, errors


def _validate_person(data: PersonData, *, exclude_pk: int | None = None) -> dict[str, Any]:
    values, errors = check_person_fields(data, _today())
    if values:
        duplicates = Person.objects.with_id_number(values["id_number"])
        if exclude_pk is not None:
            duplicates = duplicates.exclude(pk=exclude_pk)
        if duplicates.exists():
            _add(errors, "id_number", ValidationError(DUPLICATE_PERSON, code="duplicate_person"))
    if errors:
        raise ValidationError(errors)
    return values


DUPLICATE_PERSON = gettext_lazy("A person with this ID number is already registered.")
DUPLICATE_CERTIFICATE = gettext_lazy("This certificate number is already registered.")


def check_certificate_fields(
    cert: CertificateData, id_number: str, birth_date: dt.date, today: dt.date
) -> tuple[dict[str, Any], FieldErrors]:
    """The certificate's field rules without the database (see :func:`check_person_fields`)."""
    errors: FieldErrors = {}
    detail = ""
    try:
        detail = _clean_multiple_detail(cert.category, cert.multiple_detail)
    except ValidationError as error:
        for name, field_errors in error.error_dict.items():
            for field_error in field_errors:
                _add(errors, name, field_error)
    number = normalise_id_number(cert.number) or certificate_number_for(
        id_number, cert.category, cert.grade
    )
    parsed = None
    try:
        parsed = parse_certificate_number(
            number, id_number=id_number, category=cert.category, grade=cert.grade
        )
    except ValidationError as error:
        _add(errors, "certificate_number", error)
    if cert.issue_date < birth_date:
        _add(
            errors,
            "issue_date",
            ValidationError(
                _("The certificate cannot be issued before the person was born."),
                code="issued_before_birth",
            ),
        )
    if cert.issue_date > today:
        _add(
            errors,
            "issue_date",
            ValidationError(_("The issue date cannot be in the future."), code="issued_in_future"),
        )
    valid_until = cert.valid_until or add_years(cert.issue_date, CERTIFICATE_TERM_YEARS)
    if valid_until <= cert.issue_date:
        _add(
            errors,
            "valid_until",
            ValidationError(
                _("The certificate must be valid after the day it is issued."),
                code="valid_until_before_issue",
            ),
        )
    if errors or parsed is None:
        return {}, errors
    return {
        "number": parsed.number,
        "category": cert.category,
        "grade": cert.grade,
        "multiple_detail": detail,
        "issue_date": cert.issue_date,
        "valid_until": valid_until,
        "reissue_count": parsed.reissue,
    }, errors


def _validate_certificate(
    cert: CertificateData, id_number: str, birth_date: dt.date, *, exclude_pk: int | None = None
) -> dict[str, Any]:
    values, errors = check_certificate_fields(cert, id_number, birth_date, _today())
    if values:
        clash = DisabilityCertificate.objects.filter(
            number_index__in=index_values(values["number"], CERTIFICATE_NUMBER)
        )
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            _add(
                errors,
                "certificate_number",
                ValidationError(DUPLICATE_CERTIFICATE, code="duplicate_certificate"),
            )
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def register_person(
    actor: User,
    person: PersonData,
    certificate: CertificateData,
    *,
    household_head: Person | None = None,
    relation_to_head: str = "",
    source: str = "web",
) -> Person:
    """Register a certified person, in a new household or in ``household_head``'s."""
    ensure_allowed(actor, Capability.EDIT_REGISTRY, person.area.code)
    values = _validate_person(person)
    cert_values = _validate_certificate(certificate, values["id_number"], values["birth_date"])
    if household_head is not None:
        ensure_allowed(actor, Capability.EDIT_REGISTRY, household_head.area_id)
        if household_head.household_id is None:
            raise ValidationError({"household_head": _("That person has no household.")})
        if not relation_to_head or relation_to_head == Relation.HEAD:
            raise ValidationError(
                {"relation_to_head": _("Say how the person is related to the head of household.")}
            )
        household = household_head.household
    else:
        household = Household.objects.create(area=person.area, address=values["address"])
        relation_to_head = Relation.HEAD
    created = Person.objects.create(
        household=household, relation_to_head=relation_to_head, **values
    )
    cert = DisabilityCertificate.objects.create(person=created, **cert_values)
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type="registry.person",
        object_id=created.pk,
        person_id=created.pk,
        area_code=created.area_id,
        summary="registered with certificate",
        changes=audit.diff(
            {}, _snapshot(created, PERSON_FIELDS) | _snapshot(cert, CERTIFICATE_FIELDS, CERT)
        ),
        source=source,
    )
    return created


@transaction.atomic
def update_person(actor: User, person: Person, data: PersonData, *, source: str = "web") -> Person:
    """Correct or update a person's details. A corrected ID number renumbers the certificate."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    ensure_allowed(actor, Capability.EDIT_REGISTRY, person.area_id)
    ensure_allowed(actor, Capability.EDIT_REGISTRY, data.area.code)
    before = _snapshot(person, PERSON_FIELDS)
    values = _validate_person(data, exclude_pk=person.pk)
    certificate = getattr(person, "certificate", None)
    cert_before = _snapshot(certificate, CERTIFICATE_FIELDS, CERT) if certificate else {}
    if certificate and values["id_number"] != person.id_number:
        if certificate.issue_date < values["birth_date"]:
            raise ValidationError(
                {"id_number": _("With this ID number the certificate would predate the birth.")}
            )
        certificate.number = certificate_number_for(
            values["id_number"], certificate.category, certificate.grade, certificate.reissue_count
        )
        if (
            DisabilityCertificate.objects.filter(
                number_index__in=index_values(certificate.number, CERTIFICATE_NUMBER)
            )
            .exclude(pk=certificate.pk)
            .exists()
        ):
            raise ValidationError(
                {"id_number": _("This certificate number is already registered.")}
            )
    for name, value in values.items():
        setattr(person, name, value)
    person.save()
    if certificate:
        certificate.save(update_fields=["number"])
    changes = audit.diff(before, _snapshot(person, PERSON_FIELDS))
    if certificate:
        changes |= audit.diff(cert_before, _snapshot(certificate, CERTIFICATE_FIELDS, CERT))
    if changes:
        audit.record(
            actor,
            AuditAction.UPDATE,
            object_type="registry.person",
            object_id=person.pk,
            person_id=person.pk,
            area_code=person.area_id,
            summary="details changed",
            changes=changes,
            source=source,
        )
    return person


def _locked_person(actor: User, person: Person, capability: Capability) -> Person:
    # Lock the person row only: PostgreSQL cannot lock the nullable side of the join, and
    # every certificate change takes this same person lock first.
    locked = (
        Person.objects.select_for_update(of=("self",))
        .select_related("certificate")
        .get(pk=person.pk)
    )
    ensure_allowed(actor, capability, locked.area_id)
    return locked


def _check_event_date(person: Person, effective_date: dt.date) -> None:
    if effective_date < person.birth_date:
        raise ValidationError(
            {
                "effective_date": _("The date is before the person was born (%(birth)s).")
                % {"birth": person.birth_date.isoformat()}
            }
        )
    if person.date_of_death and effective_date > person.date_of_death:
        raise ValidationError(
            {
                "effective_date": _("The date is after the person's death (%(death)s).")
                % {"death": person.date_of_death.isoformat()}
            }
        )
    if effective_date > _today():
        raise ValidationError({"effective_date": _("The date cannot be in the future.")})


def _require_living(person: Person) -> None:
    if person.status == PersonStatus.DECEASED:
        raise ValidationError(_("The person is recorded as deceased."))


def _require_certificate(person: Person, *allowed: str) -> DisabilityCertificate:
    certificate = getattr(person, "certificate", None)
    if certificate is None:
        raise ValidationError(_("The person has no certificate."))
    if allowed and certificate.status not in allowed:
        raise ValidationError(
            _("This cannot be done while the certificate is %(status)s.")
            % {"status": certificate.get_status_display()}
        )
    return certificate


def _write_event(
    actor: User,
    person: Person,
    kind: LifeEventKind,
    effective_date: dt.date,
    note: str,
    changes: dict[str, list[Any]],
    source: str,
) -> LifeEvent:
    event = LifeEvent.objects.create(
        person=person,
        kind=kind,
        effective_date=effective_date,
        details=changes,
        note=note.strip(),
        recorded_by=actor if actor.is_authenticated else None,
        recorded_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.LIFE_EVENT,
        object_type="registry.person",
        object_id=person.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"{kind.value} {effective_date.isoformat()}",
        changes=changes,
        source=source,
    )
    return event


def _apply(
    actor: User,
    person: Person,
    kind: LifeEventKind,
    effective_date: dt.date,
    note: str,
    source: str,
    *,
    person_values: dict[str, Any] | None = None,
    certificate_values: dict[str, Any] | None = None,
) -> LifeEvent:
    """Change the person and/or certificate, then write the event and audit rows."""
    before = _snapshot(person, (*PERSON_FIELDS, "status", "date_of_death"))
    certificate = getattr(person, "certificate", None)
    cert_before = _snapshot(certificate, CERTIFICATE_FIELDS, CERT) if certificate else {}
    if person_values:
        for name, value in person_values.items():
            setattr(person, name, value)
        person.save(update_fields=[*person_values, "updated_at"])
    if certificate is not None and certificate_values:
        for name, value in certificate_values.items():
            setattr(certificate, name, value)
        certificate.save(update_fields=list(certificate_values))
    changes = audit.diff(before, _snapshot(person, (*PERSON_FIELDS, "status", "date_of_death")))
    if certificate is not None:
        changes |= audit.diff(cert_before, _snapshot(certificate, CERTIFICATE_FIELDS, CERT))
    return _write_event(actor, person, kind, effective_date, note, changes, source)


@transaction.atomic
def record_death(
    actor: User, person: Person, date_of_death: dt.date, *, note: str = "", source: str = "web"
) -> LifeEvent:
    """Record a death; the certificate is cancelled as of that date (管理办法: 注销 on death)."""
    person = _locked_person(actor, person, Capability.EDIT_REGISTRY)
    _require_living(person)
    _check_event_date(person, date_of_death)
    cert_values = None
    if (
        getattr(person, "certificate", None)
        and person.certificate.status != CertificateStatus.CANCELLED
    ):
        cert_values = {"status": CertificateStatus.CANCELLED}
    return _apply(
        actor,
        person,
        LifeEventKind.DEATH,
        date_of_death,
        note,
        source,
        person_values={"status": PersonStatus.DECEASED, "date_of_death": date_of_death},
        certificate_values=cert_values,
    )


@transaction.atomic
def record_move(
    actor: User,
    person: Person,
    moved_on: dt.date,
    to_area: Area,
    *,
    address: str = "",
    note: str = "",
    source: str = "web",
) -> LifeEvent:
    """A move within the region: the actor must cover the old area, not the new one."""
    person = _locked_person(actor, person, Capability.EDIT_REGISTRY)
    _require_living(person)
    _check_event_date(person, moved_on)
    if to_area.level not in ("village", "township"):
        raise ValidationError({"to_area": _("Choose the village or community moved to.")})
    if to_area.code == person.area_id:
        raise ValidationError({"to_area": _("The person already lives in that area.")})
    values: dict[str, Any] = {"area": to_area, "status": PersonStatus.ACTIVE}
    if address.strip():
        values["address"] = address.strip()
    return _apply(actor, person, LifeEventKind.MOVE, moved_on, note, source, person_values=values)


@transaction.atomic
def record_move_out(
    actor: User,
    person: Person,
    moved_on: dt.date,
    *,
    destination: str,
    note: str = "",
    source: str = "web",
) -> LifeEvent:
    """A move out of the region: the certificate must follow the hukou within 6 months,
    else the issuer freezes it (domain.md §2.1); the freeze is a separate event."""
    person = _locked_person(actor, person, Capability.EDIT_REGISTRY)
    _require_living(person)
    _check_event_date(person, moved_on)
    if person.status == PersonStatus.MOVED_OUT:
        raise ValidationError(_("The person is already recorded as moved out."))
    if not destination.strip():
        raise ValidationError({"destination": _("Say where the person moved to.")})
    return _apply(
        actor,
        person,
        LifeEventKind.MOVE_OUT,
        moved_on,
        f"{destination.strip()} {note}".strip(),
        source,
        person_values={"status": PersonStatus.MOVED_OUT},
    )


@transaction.atomic
def record_reassessment(
    actor: User,
    person: Person,
    assessed_on: dt.date,
    *,
    category: int,
    grade: int,
    multiple_detail: str = "",
    note: str = "",
    source: str = "web",
) -> LifeEvent:
    """A new category or grade after re-assessment: a new certificate number and a new term."""
    person = _locked_person(actor, person, Capability.MANAGE_CERTIFICATE)
    _require_living(person)
    _check_event_date(person, assessed_on)
    certificate = _require_certificate(
        person, CertificateStatus.VALID, CertificateStatus.RENEWING, CertificateStatus.FROZEN
    )
    detail = _clean_multiple_detail(category, multiple_detail)
    if (category, grade, detail) == (
        certificate.category,
        certificate.grade,
        certificate.multiple_detail,
    ):
        raise ValidationError(_("The category and grade are unchanged; use renewal instead."))
    if assessed_on < certificate.issue_date:
        raise ValidationError(
            {"effective_date": _("The date is before the certificate was issued.")}
        )
    number = certificate_number_for(person.id_number, category, grade)
    if (
        DisabilityCertificate.objects.filter(
            number_index__in=index_values(number, CERTIFICATE_NUMBER)
        )
        .exclude(pk=certificate.pk)
        .exists()
    ):
        raise ValidationError(_("This certificate number is already registered."))
    return _apply(
        actor,
        person,
        LifeEventKind.REASSESSMENT,
        assessed_on,
        note,
        source,
        certificate_values={
            "category": category,
            "grade": grade,
            "multiple_detail": detail,
            "number": number,
            "reissue_count": 0,
            "issue_date": assessed_on,
            "valid_until": add_years(assessed_on, CERTIFICATE_TERM_YEARS),
            "status": CertificateStatus.VALID,
        },
    )


@transaction.atomic
def renew_certificate(
    actor: User, person: Person, renewed_on: dt.date, *, note: str = "", source: str = "web"
) -> LifeEvent:
    """Renewal at the end of the term: same number, a new 10-year term from the renewal date."""
    person = _locked_person(actor, person, Capability.MANAGE_CERTIFICATE)
    _require_living(person)
    _check_event_date(person, renewed_on)
    certificate = _require_certificate(
        person, CertificateStatus.VALID, CertificateStatus.RENEWING, CertificateStatus.FROZEN
    )
    if renewed_on < certificate.issue_date:
        raise ValidationError(
            {"effective_date": _("The date is before the certificate was issued.")}
        )
    return _apply(
        actor,
        person,
        LifeEventKind.RENEWAL,
        renewed_on,
        note,
        source,
        certificate_values={
            "issue_date": renewed_on,
            "valid_until": add_years(renewed_on, CERTIFICATE_TERM_YEARS),
            "status": CertificateStatus.VALID,
        },
    )


@transaction.atomic
def reissue_certificate(
    actor: User, person: Person, reissued_on: dt.date, *, note: str = "", source: str = "web"
) -> LifeEvent:
    """A replacement for a lost certificate: the number gains B1, B2…; the term is unchanged."""
    person = _locked_person(actor, person, Capability.MANAGE_CERTIFICATE)
    _require_living(person)
    _check_event_date(person, reissued_on)
    certificate = _require_certificate(person, CertificateStatus.VALID)
    count = certificate.reissue_count + 1
    return _apply(
        actor,
        person,
        LifeEventKind.REISSUE,
        reissued_on,
        note,
        source,
        certificate_values={
            "reissue_count": count,
            "number": certificate_number_for(
                person.id_number, certificate.category, certificate.grade, count
            ),
        },
    )


def _set_certificate_status(
    actor: User,
    person: Person,
    on: dt.date,
    kind: LifeEventKind,
    new_status: CertificateStatus,
    allowed: tuple[str, ...],
    reason: str,
    source: str,
) -> LifeEvent:
    person = _locked_person(actor, person, Capability.MANAGE_CERTIFICATE)
    _check_event_date(person, on)
    _require_certificate(person, *allowed)
    if not reason.strip():
        raise ValidationError({"note": _("Give the reason.")})
    return _apply(
        actor, person, kind, on, reason, source, certificate_values={"status": new_status}
    )


@transaction.atomic
def freeze_certificate(
    actor: User, person: Person, frozen_on: dt.date, *, reason: str, source: str = "web"
) -> LifeEvent:
    return _set_certificate_status(
        actor,
        person,
        frozen_on,
        LifeEventKind.FREEZE,
        CertificateStatus.FROZEN,
        (CertificateStatus.VALID, CertificateStatus.RENEWING),
        reason,
        source,
    )


@transaction.atomic
def unfreeze_certificate(
    actor: User, person: Person, unfrozen_on: dt.date, *, reason: str, source: str = "web"
) -> LifeEvent:
    return _set_certificate_status(
        actor,
        person,
        unfrozen_on,
        LifeEventKind.UNFREEZE,
        CertificateStatus.VALID,
        (CertificateStatus.FROZEN,),
        reason,
        source,
    )


@transaction.atomic
def cancel_certificate(
    actor: User, person: Person, cancelled_on: dt.date, *, reason: str, source: str = "web"
) -> LifeEvent:
    return _set_certificate_status(
        actor,
        person,
        cancelled_on,
        LifeEventKind.CANCEL,
        CertificateStatus.CANCELLED,
        (CertificateStatus.VALID, CertificateStatus.RENEWING, CertificateStatus.FROZEN),
        reason,
        source,
    )


@transaction.atomic
def set_household_status(
    actor: User,
    household: Household,
    kind: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    *,
    source: str = "web",
) -> HouseholdStatus:
    """Record a 低保/特困 period for a household (later fed by the civil-affairs exchange)."""
    ensure_allowed(actor, Capability.EDIT_REGISTRY, household.area_id)
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    overlapping = household.statuses.filter(
        kind=kind, start_date__lte=end_date or dt.date.max
    ).exclude(end_date__lt=start_date)
    if overlapping.exists():
        raise ValidationError({"start_date": _("This period overlaps one already recorded.")})
    status = HouseholdStatus.objects.create(
        household=household, kind=kind, start_date=start_date, end_date=end_date, source=source
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type="registry.householdstatus",
        object_id=status.pk,
        area_code=household.area_id,
        summary=f"{kind} {start_date.isoformat()}",
        changes={
            "kind": [None, kind],
            "start_date": [None, start_date],
            "end_date": [None, end_date],
        },
        source=source,
    )
    return status


@dataclass
class ImportedPerson:
    """A new person from an import row, already checked by :func:`check_person_fields`
    and :func:`check_certificate_fields` and against the registry."""

    row: int
    person: dict[str, Any]
    certificate: dict[str, Any]
    relation_to_head: str = Relation.HEAD
    head_row: int | None = None  # the head is new too, on this row of the same file
    household_id: int | None = None  # the head is registered: join their household
    # The blind indexes of the ID number and the certificate number under the active key,
    # when the checks computed them already (they look every row up by them).
    id_number_index: str | None = None
    number_index: str | None = None


@dataclass
class PersonChange:
    """A registered person (as read) and the field values an import row changes."""

    row: int
    person: Person
    values: dict[str, Any]


IMPORT_PERSON_COLUMNS = (
    "id",
    "household",
    "relation_to_head",
    "id_number",
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "birth_date",
    "ethnicity",
    "hukou_type",
    "area",
    "address",
    "phone",
    "guardian_name",
    "guardian_id_number",
    "guardian_phone",
    "guardian_relation",
    "status",
    "date_of_death",  # a DateField computes in pre_save, so BulkInserter needs it given
)
IMPORT_CERTIFICATE_COLUMNS = (
    "person",
    "number",
    "category",
    "multiple_detail",
    "grade",
    "issue_date",
    "valid_until",
    "reissue_count",
)


# An imported person's audit diff, built from one tuple per person: the snapshot's
# person values, area, relation, certificate values and status, in this order…
_CREATED_PERSON = tuple(n for n in PERSON_FIELDS if n not in ("area_id", "relation_to_head"))
_CREATED_CERTIFICATE = tuple(n for n in CERTIFICATE_FIELDS if n != "status")
_CREATED_SOURCE = (
    *_CREATED_PERSON,
    "area_id",
    "relation_to_head",
    *(CERT + n for n in _CREATED_CERTIFICATE),
    CERT + "status",
)
# …taken in key order, masked as _masked masks them.
_CREATED_PLAN = tuple(
    (key, _CREATED_SOURCE.index(key), SENSITIVE_MASKS.get(key.removeprefix(CERT)))
    for key in sorted(_CREATED_SOURCE)
)


def _creation_changes(values: dict[str, Any], area_code: str, relation: str, cert: dict) -> Any:
    """``audit.diff({}, _masked(snapshot) | _masked(cert_snapshot, CERT))`` as canonical
    text, without the dicts (see :func:`audit.creation_text`)."""
    source = (
        *(values[name] for name in _CREATED_PERSON),
        area_code,
        relation,
        *(cert.get(name) for name in _CREATED_CERTIFICATE),
        CertificateStatus.VALID.value,
    )
    return audit.creation_text(
        [(key, mask(source[i]) if mask else source[i]) for key, i, mask in _CREATED_PLAN]
    )


# An imported person's column values in IMPORT_PERSON_COLUMNS order, taken in C: the area
# (an Area in the checked values, its code in the row) splits them in two.
_AREA_AT = IMPORT_PERSON_COLUMNS.index("area")
_BEFORE_AREA = itemgetter(*IMPORT_PERSON_COLUMNS[3:_AREA_AT])
_AFTER_AREA = itemgetter(*IMPORT_PERSON_COLUMNS[_AREA_AT + 1 : -2])
_CERTIFICATE_VALUES = itemgetter(*IMPORT_CERTIFICATE_COLUMNS[1:])


def _masked(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    return {
        prefix + name: SENSITIVE_MASKS[name](value) if name in SENSITIVE_MASKS else value
        for name, value in values.items()
    }


@transaction.atomic
def import_persons(
    actor: User,
    new: list[ImportedPerson],
    changes: list[PersonChange],
    *,
    source: str,
    batch_size: int = 2000,
) -> tuple[int, int]:
    """Register ``new`` and apply ``changes`` in one transaction, in bulk.

    The rows were checked with the same field rules as :func:`register_person` and
    :func:`update_person`; this re-checks only the actor's right over every area written.
    Each person gets the same audit row the one-person actions write (masked diff), with
    ``source`` naming the import. Returns (registered, updated).
    """
    areas = {p.person["area"].code for p in new} | {c.person.area_id for c in changes}
    areas |= {c.values["area"].code for c in changes if "area" in c.values}
    for code in sorted(areas):
        ensure_allowed(actor, Capability.IMPORT_REGISTRY, code)
    now = timezone.now()
    heads = [p for p in new if p.head_row is None and p.household_id is None]
    household_ids = PrimaryKeys(Household).take(len(heads)) if heads else []
    household_by_row = {p.row: pk for p, pk in zip(heads, household_ids, strict=True)}
    person_ids = PrimaryKeys(Person).take(len(new)) if new else []
    # Chunk by chunk, so a million rows never sit in memory as rows and audit events at
    # once; the writer's thread writes each chunk while the next is converted. Foreign
    # keys are checked as each chunk is written, so every new household goes first (a
    # member may come before its head in the file), then each person before its
    # certificate.
    with (
        foreign_keys_checked_per_statement(),
        background_writes() as writer,
        audit.appending(writer, batch_size) as append,
    ):
        households = BulkInserter(Household, ("id", "area", "address"), now, writer=writer)
        for start in range(0, len(heads), batch_size):
            households.insert(
                [
                    (household_by_row[p.row], p.person["area"].code, p.person["address"])
                    for p in heads[start : start + batch_size]
                ]
            )
        # The blind indexes are given, not computed again per row by their fields.
        persons = BulkInserter(
            Person,
            (*IMPORT_PERSON_COLUMNS, "id_number_index"),
            now,
            ready=("id_number_index",),
            writer=writer,
        )
        certificates = BulkInserter(
            DisabilityCertificate,
            (*IMPORT_CERTIFICATE_COLUMNS, "number_index"),
            now,
            ready=("number_index",),
            writer=writer,
        )
        for start in range(0, len(new), batch_size):
            chunk = new[start : start + batch_size]
            person_rows, certificate_rows, events = [], [], []
            for p, pk in zip(chunk, person_ids[start:], strict=False):
                values = p.person
                area_code = values["area"].code
                household = p.household_id or household_by_row[p.head_row or p.row]
                person_rows.append(
                    (
                        pk,
                        household,
                        p.relation_to_head,
                        *_BEFORE_AREA(values),
                        area_code,
                        *_AFTER_AREA(values),
                        PersonStatus.ACTIVE,
                        None,
                        p.id_number_index
                        if p.id_number_index is not None
                        else index_values(values["id_number"], RESIDENT_ID)[0],
                    )
                )
                cert = p.certificate
                certificate_rows.append(
                    (
                        pk,
                        *_CERTIFICATE_VALUES(cert),
                        p.number_index
                        if p.number_index is not None
                        else index_values(cert["number"], CERTIFICATE_NUMBER)[0],
                    )
                )
                events.append(
                    audit.build_event(
                        actor,
                        AuditAction.CREATE,
                        object_type="registry.person",
                        object_id=pk,
                        person_id=pk,
                        area_code=area_code,
                        summary="registered with certificate",
                        changes=_creation_changes(values, area_code, p.relation_to_head, cert),
                        source=source,
                        at=now,
                    )
                )
            persons.insert(person_rows)
            certificates.insert(certificate_rows)
            append(events)
        events = []
        by_fields: dict[tuple[str, ...], list[Person]] = {}
        for change in changes:
            person = change.person
            before = {name: getattr(person, name) for name in change.values}
            for name, value in change.values.items():
                setattr(person, name, value)
            person.updated_at = now
            after = {name: getattr(person, name) for name in change.values}
            if "area" in change.values:
                before["area"], after["area"] = before["area"].code, after["area"].code
            events.append(
                audit.build_event(
                    actor,
                    AuditAction.UPDATE,
                    object_type="registry.person",
                    object_id=person.pk,
                    person_id=person.pk,
                    area_code=person.area_id,
                    summary="details changed",
                    changes=audit.diff(_masked(before), _masked(after)),
                    source=source,
                    at=now,
                )
            )
            by_fields.setdefault(tuple(sorted(change.values)), []).append(person)
        append(events)
        if writer:
            writer.drain()  # bulk_update below queries in this thread
    for fields, group in by_fields.items():
        Person.objects.bulk_update(group, [*fields, "updated_at"], batch_size=batch_size)
    return len(new), len(changes)
