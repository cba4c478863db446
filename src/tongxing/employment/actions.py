"""Every change to employers, quota declarations and employment status: one function per
business event. Each checks the actor's capability and area, validates, changes the rows
and writes its audit row in one transaction; a refusal raises ``PermissionDenied`` or a
``ValidationError`` naming the field, and leaves the database unchanged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.areas.models import Area
from tongxing.benefits.parameters import ParameterLookupError, ParameterSet
from tongxing.core import audit
from tongxing.core.idnumbers import parse_credit_code
from tongxing.core.models import AuditAction
from tongxing.employment.fund import AGE_MAX, AGE_MIN
from tongxing.employment.models import (
    Accessibility,
    Declaration,
    DeclaredEmployee,
    Employer,
    EmploymentForm,
    EmploymentStatus,
    Enrolment,
    EnrolmentStatus,
    JobPost,
    JobSeekerProfile,
    Placement,
    Skill,
    TrainingCourse,
    WorkStatus,
)
from tongxing.registry.actions import ensure_allowed
from tongxing.registry.models import Category, Person

EMPLOYER = "employment.employer"
DECLARATION = "employment.declaration"
STATUS = "employment.employmentstatus"
PROFILE = "employment.jobseekerprofile"
POST = "employment.jobpost"
PLACEMENT = "employment.placement"
COURSE = "employment.trainingcourse"
ENROLMENT = "employment.enrolment"
FIRST_YEAR = 2015  # 财税〔2015〕72号: the fund in its present form


@dataclass
class EmployerData:
    credit_code: str
    name: str
    area: Area
    sector: str = ""
    is_public_body: bool = False


@transaction.atomic
def register_employer(actor: User, data: EmployerData) -> Employer:
    ensure_allowed(actor, Capability.MANAGE_EMPLOYERS, data.area.code)
    try:
        code = parse_credit_code(data.credit_code)
    except ValidationError as error:
        raise ValidationError({"credit_code": error.messages}) from None
    if Employer.objects.filter(credit_code=code).exists():
        raise ValidationError(
            {"credit_code": _("An employer with this credit code is already registered.")}
        )
    name = data.name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the employer's name.")})
    employer = Employer.objects.create(
        credit_code=code,
        name=name,
        area=data.area,
        sector=data.sector.strip(),
        is_public_body=data.is_public_body,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=EMPLOYER,
        object_id=employer.pk,
        area_code=employer.area_id,
        summary=f"employer {code} registered",
        changes=audit.diff(
            {},
            {"credit_code": code, "name": name, "is_public_body": data.is_public_body},
        ),
    )
    return employer


@transaction.atomic
def record_declaration(
    actor: User,
    employer: Employer,
    *,
    year: int,
    average_staff: Decimal,
    total_wages: Decimal,
    employees: list[Person],
    today: dt.date | None = None,
) -> Declaration:
    """The employer's declaration for staff year ``year`` with its disabled employees in
    the order listed. Persons listed twice or declared elsewhere are kept: the fund
    computation flags them with the reason and does not count them."""
    ensure_allowed(actor, Capability.MANAGE_EMPLOYERS, employer.area_id)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if not FIRST_YEAR <= year < today.year + 1:
        errors["year"] = _("Enter a staff year from %(first)s to %(last)s.") % {
            "first": FIRST_YEAR,
            "last": today.year,
        }
    elif Declaration.objects.filter(employer=employer, year=year).exists():
        errors["year"] = _("This employer has already declared for %(year)s.") % {"year": year}
    if average_staff <= 0 or average_staff != average_staff.quantize(Decimal("0.01")):
        errors["average_staff"] = _("Enter the average staff, more than 0, to 2 decimal places.")
    if total_wages < 0 or total_wages != total_wages.quantize(Decimal("0.01")):
        errors["total_wages"] = _(
            "Enter the total wages in yuan, not negative, with at most 2 decimal places."
        )
    if errors:
        raise ValidationError(errors)
    declaration = Declaration.objects.create(
        employer=employer,
        year=year,
        average_staff=average_staff,
        total_wages=total_wages,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    DeclaredEmployee.objects.bulk_create(
        DeclaredEmployee(declaration=declaration, person=person, line=line)
        for line, person in enumerate(employees, start=1)
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=DECLARATION,
        object_id=declaration.pk,
        area_code=employer.area_id,
        summary=f"declaration {year} of employer {employer.credit_code}",
        changes=audit.diff(
            {},
            {
                "year": year,
                "average_staff": average_staff,
                "total_wages": total_wages,
                "employees": len(employees),
            },
        ),
    )
    return declaration


def working_age(person: Person, day: dt.date, parameters: ParameterSet | None = None) -> bool:
    parameters = parameters or ParameterSet.load([AGE_MIN, AGE_MAX])
    age = person.age_on(day)
    return parameters.at(AGE_MIN, day).value <= age <= parameters.at(AGE_MAX, day).value


@transaction.atomic
def record_employment_status(
    actor: User,
    person: Person,
    *,
    status: str,
    start_date: dt.date,
    form: str = "",
    employer: Employer | None = None,
    employer_note: str = "",
) -> EmploymentStatus:
    """A new period of ``person``'s employment status from ``start_date``; the open
    period, if any, ends the day before."""
    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, person.area_id)
    return _new_status(
        actor,
        person,
        status=status,
        start_date=start_date,
        form=form,
        employer=employer,
        employer_note=employer_note,
    )


def _new_status(
    actor: User,
    person: Person,
    *,
    status: str,
    start_date: dt.date,
    form: str = "",
    employer: Employer | None = None,
    employer_note: str = "",
) -> EmploymentStatus:
    errors: dict[str, str] = {}
    if status not in WorkStatus.values:
        errors["status"] = _("Choose one of the statuses offered.")
    elif status == WorkStatus.EMPLOYED and form not in EmploymentForm.values:
        errors["form"] = _("Choose how the person is employed.")
    elif status != WorkStatus.EMPLOYED and (form or employer or employer_note.strip()):
        errors["form"] = _("A form of employment and an employer apply only to employed persons.")
    try:
        if not working_age(person, start_date):
            errors["start_date"] = _("The person is not of working age on this date.")
    except ParameterLookupError as error:
        errors["start_date"] = str(error)
    current = (
        EmploymentStatus.objects.select_for_update()
        .filter(person=person, end_date__isnull=True)
        .first()
    )
    if current is not None and start_date <= current.start_date:
        errors["start_date"] = _("Enter a date after %(day)s, when the current status began.") % {
            "day": current.start_date
        }
    if errors:
        raise ValidationError(errors)
    if current is not None:
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    record = EmploymentStatus.objects.create(
        person=person,
        status=status,
        form=form if status == WorkStatus.EMPLOYED else "",
        employer=employer if status == WorkStatus.EMPLOYED else None,
        employer_note=employer_note.strip() if status == WorkStatus.EMPLOYED else "",
        start_date=start_date,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=STATUS,
        object_id=record.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"employment status {status} from {start_date}",
        changes=audit.diff(
            {"status": current.status if current else None},
            {"status": status, "form": record.form, "employer": record.employer_id},
        ),
    )
    return record


@transaction.atomic
def save_job_profile(
    actor: User, person: Person, *, wishes: str, abilities: str
) -> JobSeekerProfile:
    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, person.area_id)
    profile, created = JobSeekerProfile.objects.get_or_create(
        person=person, defaults={"updated_at": timezone.now()}
    )
    profile.wishes, profile.abilities = wishes.strip(), abilities.strip()
    profile.updated_at = timezone.now()
    profile.save()
    # The texts may describe health; the audit row says what changed, not the words.
    audit.record(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        object_type=PROFILE,
        object_id=profile.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary="job seeker wishes and abilities saved",
    )
    return profile


@dataclass
class PostData:
    title: str
    area: Area
    duties: str = ""
    accessibility: list[str] | None = None
    suitable_categories: list[int] | None = None
    places: int = 1


@transaction.atomic
def create_job_post(actor: User, employer: Employer, data: PostData) -> JobPost:
    ensure_allowed(actor, Capability.MANAGE_EMPLOYERS, employer.area_id)
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Enter the job title.")
    features = list(data.accessibility or [])
    if not set(features) <= set(Accessibility.values):
        errors["accessibility"] = _("Choose from the features offered.")
    categories = sorted({int(c) for c in data.suitable_categories or []})
    if not set(categories) <= set(Category.values):
        errors["suitable_categories"] = _("Choose from the categories offered.")
    if data.places < 1:
        errors["places"] = _("Enter at least 1 place.")
    if errors:
        raise ValidationError(errors)
    post = JobPost.objects.create(
        employer=employer,
        title=data.title.strip(),
        area=data.area,
        duties=data.duties.strip(),
        accessibility=features,
        suitable_categories=categories,
        places=data.places,
        created_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=POST,
        object_id=post.pk,
        area_code=employer.area_id,
        summary=f"job post {post.title} of employer {employer.credit_code}",
        changes=audit.diff({}, {"title": post.title, "places": post.places}),
    )
    return post


@transaction.atomic
def place_seeker(
    actor: User, post: JobPost, person: Person, *, start_date: dt.date, form: str
) -> Placement:
    """Place ``person`` in ``post`` from ``start_date``: their status becomes employed
    with the post's employer, in the same transaction."""
    ensure_allowed(actor, Capability.MANAGE_EMPLOYERS, post.employer.area_id)
    ensure_allowed(actor, Capability.MANAGE_EMPLOYERS, person.area_id)
    post = JobPost.objects.select_for_update().get(pk=post.pk)
    if post.placements.filter(person=person).exists():
        raise ValidationError({"person": _("This person is already placed in this post.")})
    if post.placements.count() >= post.places:
        raise ValidationError({"person": _("All places of this post are filled.")})
    status = _new_status(
        actor,
        person,
        status=WorkStatus.EMPLOYED,
        start_date=start_date,
        form=form,
        employer=post.employer,
    )
    placement = Placement.objects.create(
        post=post,
        person=person,
        start_date=start_date,
        status=status,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=PLACEMENT,
        object_id=placement.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"placed in job post {post.pk} from {start_date}",
    )
    return placement


@dataclass
class CourseData:
    title: str
    provider: str
    skill: str
    area: Area
    start_date: dt.date
    end_date: dt.date
    places: int
    accessibility: list[str] | None = None


@transaction.atomic
def create_course(actor: User, data: CourseData) -> TrainingCourse:
    ensure_allowed(actor, Capability.MANAGE_EMPLOYERS, data.area.code)
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Enter the course name.")
    if not data.provider.strip():
        errors["provider"] = _("Enter who gives the course.")
    if data.skill not in Skill.values:
        errors["skill"] = _("Choose one of the skills offered.")
    if data.end_date < data.start_date:
        errors["end_date"] = _("The course cannot end before it starts.")
    if data.places < 1:
        errors["places"] = _("Enter at least 1 place.")
    features = list(data.accessibility or [])
    if not set(features) <= set(Accessibility.values):
        errors["accessibility"] = _("Choose from the features offered.")
    if errors:
        raise ValidationError(errors)
    course = TrainingCourse.objects.create(
        title=data.title.strip(),
        provider=data.provider.strip(),
        skill=data.skill,
        area=data.area,
        start_date=data.start_date,
        end_date=data.end_date,
        places=data.places,
        accessibility=features,
        created_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=COURSE,
        object_id=course.pk,
        area_code=data.area.code,
        summary=f"training course {course.title}",
        changes=audit.diff({}, {"skill": course.skill, "places": course.places}),
    )
    return course


@transaction.atomic
def enrol(actor: User, course: TrainingCourse, person: Person) -> Enrolment:
    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, person.area_id)
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    if course.enrolments.filter(person=person).exists():
        raise ValidationError({"person": _("This person is already enrolled in this course.")})
    if course.enrolments.exclude(status=EnrolmentStatus.DROPPED).count() >= course.places:
        raise ValidationError({"person": _("All places of this course are taken.")})
    enrolment = Enrolment.objects.create(
        course=course, person=person, recorded_by=actor, recorded_at=timezone.now()
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=ENROLMENT,
        object_id=enrolment.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"enrolled in training course {course.pk}",
    )
    return enrolment


@transaction.atomic
def finish_enrolment(
    actor: User, enrolment: Enrolment, *, status: str, certificate_obtained: bool
) -> Enrolment:
    """Record the end of a course for one person: completed (with or without the skill
    certificate) or left before the end."""
    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, enrolment.person.area_id)
    if status not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED):
        raise ValidationError({"status": _("Say whether the person completed the course.")})
    if status == EnrolmentStatus.DROPPED and certificate_obtained:
        raise ValidationError(
            {"certificate_obtained": _("A certificate needs the course completed.")}
        )
    before = {"status": enrolment.status, "certificate_obtained": enrolment.certificate_obtained}
    enrolment.status, enrolment.certificate_obtained = status, certificate_obtained
    enrolment.save(update_fields=["status", "certificate_obtained"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=ENROLMENT,
        object_id=enrolment.pk,
        person_id=enrolment.person_id,
        area_code=enrolment.person.area_id,
        summary=f"training course {enrolment.course_id} {status}",
        changes=audit.diff(
            before, {"status": status, "certificate_obtained": certificate_obtained}
        ),
    )
    return enrolment


FOLLOW_UP_MONTHS = (3, 6)


@transaction.atomic
def record_follow_up(
    actor: User, placement: Placement, *, months: int, checked_on: dt.date, in_work: bool
) -> Placement:
    """The follow-up ``months`` after the placement: on which day, and still in work or
    not. Not before it is due; a person no longer in work is a seeker again only when
    their status is recorded, which the page offers next."""
    ensure_allowed(actor, Capability.MANAGE_EMPLOYERS, placement.person.area_id)
    if months not in FOLLOW_UP_MONTHS:
        raise ValidationError({"months": _("Follow-ups are at 3 and 6 months.")})
    if checked_on < placement.due(months):
        raise ValidationError(
            {
                "checked_on": _("This follow-up is due from %(day)s.")
                % {"day": placement.due(months)}
            }
        )
    before = {
        "checked_on": getattr(placement, f"checked_{months}m_on"),
        "in_work": getattr(placement, f"in_work_{months}m"),
    }
    setattr(placement, f"checked_{months}m_on", checked_on)
    setattr(placement, f"in_work_{months}m", in_work)
    placement.save(update_fields=[f"checked_{months}m_on", f"in_work_{months}m"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=PLACEMENT,
        object_id=placement.pk,
        person_id=placement.person_id,
        area_code=placement.person.area_id,
        summary=f"placement followed up after {months} months",
        changes=audit.diff(before, {"checked_on": checked_on, "in_work": in_work}),
    )
    return placement
