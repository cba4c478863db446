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
from django.db.models import Q
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
    GRADUATE_LEVELS,
    Accessibility,
    Declaration,
    DeclaredEmployee,
    Employer,
    EmploymentForm,
    EmploymentPlan,
    EmploymentStatus,
    Enrolment,
    EnrolmentStatus,
    JobPost,
    JobSeekerProfile,
    Placement,
    PlanEvent,
    PlanEventKind,
    PlanKind,
    PlanOutcome,
    PlanStatus,
    PlanStep,
    PostKind,
    Skill,
    SubsidyApplication,
    SubsidyKind,
    SubsidyStatus,
    TrainingCourse,
    WarningAction,
    WarningFollowUp,
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
PLAN = "employment.employmentplan"
SUBSIDY = "employment.subsidyapplication"
FOLLOW_UP = "employment.warningfollowup"
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
    if status == WorkStatus.EMPLOYED:
        close_plans_on_employment(actor, record)
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
    kind: str = PostKind.REGULAR
    paid_by: str = ""
    term_start: dt.date | None = None
    term_end: dt.date | None = None


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
    errors |= _welfare_errors(data)
    if errors:
        raise ValidationError(errors)
    welfare = data.kind == PostKind.WELFARE
    post = JobPost.objects.create(
        kind=data.kind,
        paid_by=data.paid_by.strip() if welfare else "",
        term_start=data.term_start if welfare else None,
        term_end=data.term_end if welfare else None,
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
        changes=audit.diff({}, {"title": post.title, "places": post.places, "kind": post.kind}),
    )
    return post


def _welfare_errors(data: PostData) -> dict[str, str]:
    """A public welfare post says who pays for it and for which term; a regular post
    says neither."""
    errors: dict[str, str] = {}
    if data.kind not in PostKind.values:
        errors["kind"] = _("Choose one of the kinds of post offered.")
    elif data.kind == PostKind.WELFARE:
        if not data.paid_by.strip():
            errors["paid_by"] = _("Enter who pays for the welfare post.")
        if data.term_start is None:
            errors["term_start"] = _("Enter the first day of the post's term.")
        if data.term_end is None:
            errors["term_end"] = _("Enter the last day of the post's term.")
        elif data.term_start and data.term_end < data.term_start:
            errors["term_end"] = _("The term cannot end before it starts.")
    elif data.paid_by.strip() or data.term_start or data.term_end:
        errors["kind"] = _("Only a public welfare post has a payer and a term.")
    return errors


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
    if post.kind == PostKind.WELFARE:
        if form != EmploymentForm.WELFARE_POST:
            raise ValidationError(
                {"form": _("A placement in a public welfare post is a welfare post placement.")}
            )
        if not post.term_start <= start_date <= post.term_end:
            raise ValidationError(
                {
                    "start_date": _("Enter a day within the post's term, %(start)s to %(end)s.")
                    % {"start": post.term_start, "end": post.term_end}
                }
            )
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


# --- plans: graduates (一人一策) and zero-employment households ------------------------------


def _plan_event(
    actor: User | None,
    plan: EmploymentPlan,
    kind: str,
    note: str = "",
    step: PlanStep | None = None,
    changes: dict | None = None,
) -> None:
    PlanEvent.objects.create(
        plan=plan, step=step, kind=kind, note=note, actor=actor, at=timezone.now()
    )
    # The notes may describe the family's situation: the audit row names the change only.
    audit.record(
        actor,
        AuditAction.CREATE if kind == PlanEventKind.OPENED else AuditAction.UPDATE,
        object_type=PLAN,
        object_id=plan.pk,
        person_id=plan.person_id,
        area_code=plan.person.area_id,
        summary=f"{plan.kind} plan: {kind}",
        changes=changes or {},
    )


def _require_goal(goal: str) -> str:
    if not goal.strip():
        raise ValidationError({"goal": _("Enter the plan's goal.")})
    return goal.strip()


@transaction.atomic
def open_graduate_plan(
    actor: User,
    person: Person,
    *,
    goal: str,
    school_level: str,
    left_school_on: dt.date,
    today: dt.date | None = None,
) -> EmploymentPlan:
    """One person, one plan (一人一策) for a school leaver of working age."""
    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, person.area_id)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if not goal.strip():
        errors["goal"] = _("Enter the plan's goal.")
    if school_level not in GRADUATE_LEVELS:
        errors["school_level"] = _("Choose the school the person left.")
    if left_school_on > today:
        errors["left_school_on"] = _("The day the person left school cannot be in the future.")
    try:
        if not working_age(person, today):
            errors["goal"] = _("The person is not of working age.")
    except ParameterLookupError as error:
        errors["goal"] = str(error)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if EmploymentPlan.objects.filter(
        kind=PlanKind.GRADUATE, person=person, status=PlanStatus.OPEN
    ).exists():
        errors["goal"] = _("This person already has an open plan.")
    if errors:
        raise ValidationError(errors)
    plan = EmploymentPlan.objects.create(
        kind=PlanKind.GRADUATE,
        person=person,
        goal=goal.strip(),
        school_level=school_level,
        left_school_on=left_school_on,
        opened_by=actor,
        opened_at=timezone.now(),
    )
    _plan_event(actor, plan, PlanEventKind.OPENED, changes={"school_level": school_level})
    return plan


def household_key(person: Person) -> int:
    """How the zero-employment list names a household: its id, or minus the person's id
    for a person registered without one."""
    return person.household_id or -person.pk


@transaction.atomic
def open_household_plan(
    actor: User, person: Person, *, goal: str, today: dt.date | None = None
) -> EmploymentPlan:
    """A plan for ``person``'s household, which must be on the zero-employment list
    today; its target is at least one member in work."""
    from tongxing.employment import queries  # queries reads the list; no cycle at import

    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, person.area_id)
    today = today or timezone.localdate()
    goal = _require_goal(goal)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if household_key(person) not in queries.zero_employment_keys(person.area_id[:9], today):
        raise ValidationError(
            {"goal": _("This household is not on the zero-employment list today.")}
        )
    open_plans = EmploymentPlan.objects.filter(kind=PlanKind.HOUSEHOLD, status=PlanStatus.OPEN)
    taken = (
        open_plans.filter(household_id=person.household_id)
        if person.household_id
        else open_plans.filter(person=person)
    )
    if taken.exists():
        raise ValidationError({"goal": _("This household already has an open plan.")})
    plan = EmploymentPlan.objects.create(
        kind=PlanKind.HOUSEHOLD,
        person=person,
        household_id=person.household_id,
        goal=goal,
        opened_by=actor,
        opened_at=timezone.now(),
    )
    _plan_event(actor, plan, PlanEventKind.OPENED, changes={"household": person.household_id})
    return plan


def _open_plan(plan: EmploymentPlan) -> EmploymentPlan:
    plan = EmploymentPlan.objects.select_for_update().select_related("person").get(pk=plan.pk)
    if plan.status != PlanStatus.OPEN:
        raise ValidationError({"plan": _("This plan is closed.")})
    return plan


@transaction.atomic
def add_plan_step(
    actor: User, plan: EmploymentPlan, *, action: str, owner: str, due_date: dt.date
) -> PlanStep:
    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, plan.person.area_id)
    plan = _open_plan(plan)
    errors: dict[str, str] = {}
    if not action.strip():
        errors["action"] = _("Enter what is to be done.")
    if not owner.strip():
        errors["owner"] = _("Enter who does it.")
    if due_date < timezone.localdate(plan.opened_at):
        errors["due_date"] = _("The step cannot be due before the plan was opened.")
    if errors:
        raise ValidationError(errors)
    step = PlanStep.objects.create(
        plan=plan, action=action.strip(), owner=owner.strip(), due_date=due_date
    )
    _plan_event(
        actor,
        plan,
        PlanEventKind.STEP_ADDED,
        note=step.action,
        step=step,
        changes={"due_date": str(due_date)},
    )
    return step


@transaction.atomic
def record_step_progress(
    actor: User,
    step: PlanStep,
    *,
    note: str,
    done_on: dt.date | None = None,
    today: dt.date | None = None,
) -> PlanStep:
    """What came of a step so far, and the day it was done if it is."""
    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, step.plan.person.area_id)
    today = today or timezone.localdate()
    plan = _open_plan(step.plan)
    step = PlanStep.objects.select_for_update().get(pk=step.pk)
    errors: dict[str, str] = {}
    if step.done_on is not None:
        errors["note"] = _("This step is already done.")
    if not note.strip():
        errors["note"] = _("Enter what was done or found.")
    if done_on is not None and not timezone.localdate(plan.opened_at) <= done_on <= today:
        errors["done_on"] = _("Enter a day from the plan's opening to today.")
    if errors:
        raise ValidationError(errors)
    step.progress = "\n".join(filter(None, [step.progress, note.strip()]))
    step.done_on = done_on
    step.save(update_fields=["progress", "done_on"])
    _plan_event(
        actor,
        plan,
        PlanEventKind.STEP_DONE if done_on else PlanEventKind.PROGRESS,
        note=note.strip(),
        step=step,
        changes={"done_on": str(done_on)} if done_on else {},
    )
    return step


def _close(
    actor: User | None, plan: EmploymentPlan, outcome: str, reason: str, closed_on: dt.date
) -> None:
    plan.status, plan.outcome = PlanStatus.CLOSED, outcome
    plan.closed_on, plan.close_reason = closed_on, reason
    plan.save(update_fields=["status", "outcome", "closed_on", "close_reason"])
    _plan_event(
        actor, plan, PlanEventKind.CLOSED, note=reason, changes={"outcome": [None, outcome]}
    )


@transaction.atomic
def close_plan(
    actor: User,
    plan: EmploymentPlan,
    *,
    outcome: str,
    reason: str,
    closed_on: dt.date,
    today: dt.date | None = None,
) -> EmploymentPlan:
    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, plan.person.area_id)
    today = today or timezone.localdate()
    plan = _open_plan(plan)
    errors: dict[str, str] = {}
    if outcome not in PlanOutcome.values:
        errors["outcome"] = _("Choose one of the outcomes offered.")
    if not reason.strip():
        errors["reason"] = _("Enter why the plan is closed.")
    if not timezone.localdate(plan.opened_at) <= closed_on <= today:
        errors["closed_on"] = _("Enter a day from the plan's opening to today.")
    if errors:
        raise ValidationError(errors)
    _close(actor, plan, outcome, reason.strip(), closed_on)
    return plan


def close_plans_on_employment(actor: User | None, status: EmploymentStatus) -> list[int]:
    """Called by every action that records a person as employed: the person's open
    graduate plan and their household's open plan reach their target, so they close
    with the reason, in the same transaction. Returns the closed plans' ids."""
    person = status.person
    plans = EmploymentPlan.objects.select_for_update().filter(status=PlanStatus.OPEN)
    graduate = Q(kind=PlanKind.GRADUATE, person=person)
    home = (
        Q(kind=PlanKind.HOUSEHOLD, household_id=person.household_id)
        if person.household_id
        else Q(kind=PlanKind.HOUSEHOLD, person=person)
    )
    closed = []
    for plan in plans.filter(graduate | home).select_related("person"):
        reason = _("%(name)s recorded as employed (%(form)s) from %(day)s.") % {
            "name": person.name,
            "form": status.get_form_display(),
            "day": status.start_date,
        }
        _close(actor, plan, PlanOutcome.EMPLOYED, reason, status.start_date)
        closed.append(plan.pk)
    return closed


# --- employer subsidies (their own small workflow until the services engine exists) -------

SUBSIDY_STANDARDS = {
    SubsidyKind.POST: "employment_subsidies.post_subsidy",
    SubsidyKind.SOCIAL_INSURANCE: "employment_subsidies.social_insurance_subsidy",
    SubsidyKind.FACILITY: "employment_subsidies.facility_adaptation_max",
}


def months_in(start: dt.date, end: dt.date) -> int:
    """Calendar months a period touches (a started month counts)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def subsidy_ceiling(
    application: SubsidyApplication, parameters: ParameterSet | None = None
) -> tuple[Decimal | None, str, bool]:
    """(the most the standard allows, the standard's source or why there is none,
    verified). ``None`` when no approved standard is in force: the decision then states
    its own basis."""
    key = SUBSIDY_STANDARDS[SubsidyKind(application.kind)]
    try:
        at = (parameters or ParameterSet.load([key])).at(key, application.period_start)
    except ParameterLookupError as error:
        return None, str(error), False
    if application.kind == SubsidyKind.FACILITY:
        return Decimal(at.value), at.source, at.verified
    months = months_in(application.period_start, application.period_end)
    return Decimal(at.value) * months, at.source, at.verified


def _money(value: Decimal) -> bool:
    return value > 0 and value == value.quantize(Decimal("0.01"))


@transaction.atomic
def apply_for_subsidy(
    actor: User,
    employer: Employer,
    *,
    kind: str,
    period_start: dt.date,
    period_end: dt.date,
    amount_claimed: Decimal,
    person: Person | None = None,
    description: str = "",
) -> SubsidyApplication:
    """Record an employer's subsidy application. A post or social insurance subsidy is
    for one disabled employee the employer employs on the period's first day."""
    ensure_allowed(actor, Capability.MANAGE_EMPLOYERS, employer.area_id)
    errors: dict[str, str] = {}
    if kind not in SubsidyKind.values:
        errors["kind"] = _("Choose one of the subsidies offered.")
    elif kind == SubsidyKind.FACILITY:
        if person is not None:
            errors["person"] = _("A workplace adaptation is not for one employee.")
        if not description.strip():
            errors["description"] = _("Describe the adaptation.")
    elif person is None:
        errors["person"] = _("Name the disabled employee the subsidy is for.")
    elif not EmploymentStatus.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period_start),
        person=person,
        status=WorkStatus.EMPLOYED,
        employer=employer,
        start_date__lte=period_start,
    ).exists():
        errors["person"] = _("This person is not recorded as employed by %(name)s on %(day)s.") % {
            "name": employer.name,
            "day": period_start,
        }
    if period_end < period_start:
        errors["period_end"] = _("The period cannot end before it starts.")
    if not _money(amount_claimed):
        errors["amount_claimed"] = _(
            "Enter the amount in yuan, more than 0, with at most 2 decimal places."
        )
    if (
        not errors
        and SubsidyApplication.objects.filter(
            employer=employer, kind=kind, person=person, period_start=period_start
        ).exists()
    ):
        errors["period_start"] = _("This application has already been recorded.")
    if errors:
        raise ValidationError(errors)
    application = SubsidyApplication.objects.create(
        employer=employer,
        kind=kind,
        person=person,
        period_start=period_start,
        period_end=period_end,
        description=description.strip(),
        amount_claimed=amount_claimed,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=SUBSIDY,
        object_id=application.pk,
        person_id=person.pk if person else None,
        area_code=employer.area_id,
        summary=f"{kind} subsidy application of employer {employer.credit_code}",
        changes=audit.diff({}, {"kind": kind, "amount_claimed": amount_claimed}),
    )
    return application


@transaction.atomic
def decide_subsidy(
    actor: User,
    application: SubsidyApplication,
    *,
    approve: bool,
    amount: Decimal | None = None,
    reason: str = "",
) -> SubsidyApplication:
    """Approve (with the amount) or refuse an application; by another officer than the
    one who recorded it. Without an approved, verified standard the decision states its
    basis in ``reason``."""
    ensure_allowed(actor, Capability.DECIDE_EMPLOYER_SUBSIDIES, application.employer.area_id)
    application = SubsidyApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != SubsidyStatus.SUBMITTED:
        raise ValidationError({"approve": _("This application has already been decided.")})
    if application.submitted_by_id == actor.pk:
        raise ValidationError(
            {"approve": _("Another officer must decide an application you recorded.")}
        )
    errors: dict[str, str] = {}
    reason = reason.strip()
    if approve:
        ceiling, _source, verified = subsidy_ceiling(application)
        if amount is None or not _money(amount):
            errors["amount"] = _("Enter the amount approved in yuan, with at most 2 decimals.")
        elif amount > application.amount_claimed:
            errors["amount"] = _("The amount approved cannot exceed the amount claimed.")
        elif ceiling is not None and amount > ceiling:
            errors["amount"] = _("The standard allows at most %(ceiling)s yuan.") % {
                "ceiling": ceiling
            }
        if (ceiling is None or not verified) and not reason:
            errors["reason"] = _(
                "No verified standard is in force: state the basis for this amount."
            )
    elif not reason:
        errors["reason"] = _("Enter why the application is refused.")
    if errors:
        raise ValidationError(errors)
    application.status = SubsidyStatus.APPROVED if approve else SubsidyStatus.REFUSED
    application.amount_approved = amount if approve else None
    application.decided_by, application.decided_at = actor, timezone.now()
    application.decision_reason = reason
    application.save(
        update_fields=["status", "amount_approved", "decided_by", "decided_at", "decision_reason"]
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=SUBSIDY,
        object_id=application.pk,
        person_id=application.person_id,
        area_code=application.employer.area_id,
        summary=f"subsidy application {application.status}",
        changes=audit.diff(
            {"status": SubsidyStatus.SUBMITTED},
            {"status": application.status, "amount_approved": application.amount_approved},
        ),
    )
    return application


# --- unemployment warning follow-ups --------------------------------------------------------


@transaction.atomic
def follow_up_warning(
    actor: User,
    person: Person,
    *,
    reason: str,
    since: dt.date,
    action: str,
    note: str = "",
    course: TrainingCourse | None = None,
    post: JobPost | None = None,
    today: dt.date | None = None,
) -> WarningFollowUp:
    """Acknowledge a warning or record what was done about it (a referral to a course, a
    matched post, another step). The warning must be on the list today."""
    from tongxing.employment import warning

    ensure_allowed(actor, Capability.RECORD_EMPLOYMENT, person.area_id)
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    try:
        rows = warning.compute(
            warning.BY_PERSON, person.pk, today, ParameterSet.load(warning.KEYS)
        ).to_pylist()
    except ParameterLookupError as error:
        raise ValidationError({"action": str(error)}) from None
    if not any(r["reason"] == reason and r["since"] == since for r in rows):
        raise ValidationError({"action": _("This person has no such warning today.")})
    if action not in WarningAction.values:
        errors["action"] = _("Choose one of the follow-ups offered.")
    elif action == WarningAction.TRAINING and course is None:
        errors["course"] = _("Choose the course the person is referred to.")
    elif action == WarningAction.POST and post is None:
        errors["post"] = _("Choose the job post the person is matched with.")
    elif action == WarningAction.OTHER and not note.strip():
        errors["note"] = _("Describe the follow-up.")
    if action != WarningAction.TRAINING and course is not None:
        errors["course"] = _("A course goes with a referral to training only.")
    if action != WarningAction.POST and post is not None:
        errors["post"] = _("A job post goes with a match only.")
    if course is not None and course.end_date < today:
        errors["course"] = _("This course has ended.")
    if post is not None and post.placements.count() >= post.places:
        errors["post"] = _("All places of this post are filled.")
    if (
        action == WarningAction.ACKNOWLEDGED
        and WarningFollowUp.objects.filter(
            person=person, reason=reason, since=since, action=action
        ).exists()
    ):
        errors["action"] = _("This warning has already been acknowledged.")
    if errors:
        raise ValidationError(errors)
    follow_up = WarningFollowUp.objects.create(
        person=person,
        reason=reason,
        since=since,
        action=action,
        course=course,
        post=post,
        note=note.strip(),
        actor=actor,
        at=timezone.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=FOLLOW_UP,
        object_id=follow_up.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"unemployment warning ({reason} since {since}) followed up: {action}",
    )
    return follow_up
