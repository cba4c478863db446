"""Every change to surveys, needs and home visits: one function per business event.

Each checks the actor's capability and area, validates, changes the rows and writes its
audit rows in one transaction; refusals raise ``PermissionDenied`` or ``ValidationError``
naming the field and leave the database unchanged. Audit rows name questions, need kinds
and dates, never the answers or notes themselves (those are health data).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.registry.actions import ensure_allowed
from tongxing.registry.models import Person, PersonStatus
from tongxing.services.actions import submit_application
from tongxing.services.handlers import OutcomeContext
from tongxing.services.models import OPEN_STATUSES, Application, ApplicationStatus, Document
from tongxing.surveys.definitions import TEXT_MAX, Question, Questionnaire, QuestionType
from tongxing.surveys.models import (
    Need,
    NeedApplication,
    NeedStatus,
    Survey,
    SurveyDefinition,
    SurveyStatus,
    Visit,
    VisitPlan,
    VisitPlanStatus,
    VisitReason,
)
from tongxing.surveys.need_services import need_services

SURVEY = "surveys.survey"
NEED = "surveys.need"
VISIT_PLAN = "surveys.visitplan"


def _today() -> dt.date:
    return timezone.localdate()


# --- answers ------------------------------------------------------------------------------


def clean_answer(question: Question, raw: Any) -> Any:
    """The answer in its stored form (str, list of str, int, bool or text), or None when
    not answered; raises ``ValidationError`` with a plain reason."""
    if raw is None or raw == "" or raw == []:
        if question.required:
            raise ValidationError(_("Answer this question."))
        return None
    values = {o.value for o in question.options}
    if question.type == QuestionType.CHOICE:
        if str(raw) not in values:
            raise ValidationError(_("Choose one of the answers offered."))
        return str(raw)
    if question.type == QuestionType.MULTI_CHOICE:
        chosen = [str(v) for v in raw] if isinstance(raw, list | tuple) else [str(raw)]
        if not set(chosen) <= values:
            raise ValidationError(_("Choose from the answers offered."))
        return [o.value for o in question.options if o.value in chosen]
    if question.type == QuestionType.YES_NO:
        if not isinstance(raw, bool):
            raise ValidationError(_("Answer yes or no."))
        return raw
    if question.type == QuestionType.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValidationError(_("Enter a whole number."))
        if question.min is not None and raw < question.min:
            raise ValidationError(_("Enter a number of at least %(min)s.") % {"min": question.min})
        if question.max is not None and raw > question.max:
            raise ValidationError(_("Enter a number of at most %(max)s.") % {"max": question.max})
        return raw
    text = str(raw).strip()
    if len(text) > TEXT_MAX:
        raise ValidationError(_("Use at most %(max)s characters.") % {"max": TEXT_MAX})
    return text or None


def registry_value(question: Question, person: Person, day: dt.date) -> Any:
    """What the registry says for a question with a registry check, or None."""
    if question.registry_check == "age":
        return person.age_on(day)
    if question.registry_check == "category":
        certificate = getattr(person, "certificate", None)
        return str(certificate.category) if certificate else None
    return None


def _clean_group(
    questionnaire: Questionnaire, group_key: str, answers: dict[str, Any]
) -> dict[str, Any]:
    group = questionnaire.group(group_key)
    if group is None:
        raise ValidationError(_("This survey has no such screen."))
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in group.questions:
        try:
            cleaned[question.key] = clean_answer(question, answers.get(question.key))
        except ValidationError as error:
            errors[question.key] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def unconfirmed_flags(survey: Survey) -> list[str]:
    return [key for key, flag in survey.flags.items() if not flag.get("confirmed")]


def resume_group(survey: Survey, questionnaire: Questionnaire) -> str | None:
    """The screen a survey resumes on: the first with an unconfirmed registry difference,
    else the first not yet saved; None when every screen is saved (the review is next)."""
    unconfirmed = set(unconfirmed_flags(survey))
    for group in questionnaire.groups:
        if group.key not in survey.saved_groups or unconfirmed & {q.key for q in group.questions}:
            return group.key
    return None


# --- surveys ------------------------------------------------------------------------------


def _survey_event(actor: User, action: AuditAction, survey: Survey, summary: str, **fields):
    return audit.build_event(
        actor,
        action,
        object_type=SURVEY,
        object_id=survey.pk,
        person_id=survey.person_id,
        area_code=survey.person.area_id,
        summary=summary,
        **fields,
    )


@transaction.atomic
def start_survey(
    actor: User, person: Person, definition: SurveyDefinition, *, source: str = "web"
) -> Survey:
    """Open ``person``'s survey for the definition's year; an open one is returned as is."""
    person = Person.objects.select_for_update(of=("self",)).get(pk=person.pk)
    ensure_allowed(actor, Capability.CONDUCT_SURVEY, person.area_id)
    existing = Survey.objects.filter(person=person, year=definition.year).first()
    if existing is not None:
        return existing
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError(_("Only persons living in the area are surveyed."))
    now = timezone.now()
    survey = Survey(
        person=person,
        definition=definition,
        year=definition.year,
        started_by=actor,
        started_at=now,
        updated_at=now,
    )
    survey.answers = {}
    survey.save()
    audit.record_many(
        [_survey_event(actor, AuditAction.CREATE, survey, f"{definition.year} survey started")]
    )
    return survey


def _locked_survey(actor: User, survey: Survey) -> Survey:
    locked = Survey.objects.select_for_update(of=("self",)).select_related(
        "person", "person__certificate", "definition"
    )
    survey = locked.get(pk=survey.pk)
    ensure_allowed(actor, Capability.CONDUCT_SURVEY, survey.person.area_id)
    if survey.status == SurveyStatus.COMPLETED:
        raise ValidationError(_("This survey is completed and can no longer change."))
    return survey


@transaction.atomic
def save_survey_step(
    actor: User,
    survey: Survey,
    group_key: str,
    answers: dict[str, Any],
    *,
    confirmed: frozenset[str] | set[str] = frozenset(),
    day: dt.date | None = None,
    source: str = "web",
) -> Survey:
    """Save one screen's answers. An answer that contradicts the registry is saved with a
    flag; ``confirmed`` names the flagged questions the worker has checked and stands by."""
    survey = _locked_survey(actor, survey)
    questionnaire = Questionnaire.from_definition(survey.definition)
    cleaned = _clean_group(questionnaire, group_key, answers)
    day = day or _today()
    stored = survey.answers
    flags = survey.flags
    questions = {q.key: q for q in questionnaire.group(group_key).questions}
    for key, value in cleaned.items():
        if value is None:
            stored.pop(key, None)
        else:
            stored[key] = value
        question = questions[key]
        registry = registry_value(question, survey.person, day)
        if question.registry_check and value is not None and registry not in (None, value):
            flags[key] = {"registry": registry, "answer": value, "confirmed": key in confirmed}
        else:
            flags.pop(key, None)
    survey.answers = stored
    survey.flags = flags
    if group_key not in survey.saved_groups:
        survey.saved_groups = [*survey.saved_groups, group_key]
    survey.updated_at = timezone.now()
    survey.save()
    group_flags = sorted(k for k in flags if k in questions)
    audit.record_many(
        [
            _survey_event(
                actor,
                AuditAction.UPDATE,
                survey,
                f"{survey.year} survey screen {group_key} saved",
                changes={
                    "answered": sorted(k for k, v in cleaned.items() if v is not None),
                    "differs_from_registry": group_flags,
                },
                source=source,
            )
        ]
    )
    return survey


@transaction.atomic
def complete_survey(actor: User, survey: Survey, *, source: str = "web") -> list[Need]:
    """Mark a fully answered survey done; each need it states becomes an open Need."""
    survey = _locked_survey(actor, survey)
    questionnaire = Questionnaire.from_definition(survey.definition)
    missing = [g.title for g in questionnaire.groups if g.key not in survey.saved_groups]
    if missing:
        raise ValidationError(
            _("These screens are not filled in yet: %(screens)s.") % {"screens": "、".join(missing)}
        )
    if unconfirmed_flags(survey):
        raise ValidationError(
            _("Some answers differ from the registry: correct them or confirm them first.")
        )
    answers = survey.answers
    for group in questionnaire.groups:
        _clean_group(questionnaire, group.key, answers)  # required answers all present
    now = timezone.now()
    survey.status = SurveyStatus.COMPLETED
    survey.completed_by = actor
    survey.completed_at = now
    survey.updated_at = now
    survey.save()
    kinds: list[str] = []
    for question in questionnaire.questions():
        for kind in sorted(question.needs_for(answers.get(question.key))):
            if kind not in kinds:
                kinds.append(kind)
    needs = Need.objects.bulk_create(
        [
            Need(
                person_id=survey.person_id,
                kind=kind,
                year=survey.year,
                survey=survey,
                opened_at=now,
            )
            for kind in kinds
        ]
    )
    events = [
        _survey_event(
            actor,
            AuditAction.UPDATE,
            survey,
            f"{survey.year} survey completed",
            changes={"status": [SurveyStatus.IN_PROGRESS, SurveyStatus.COMPLETED], "needs": kinds},
            source=source,
        )
    ]
    area = survey.person.area_id
    events += [
        audit.build_event(
            actor,
            AuditAction.CREATE,
            object_type=NEED,
            object_id=need.pk,
            person_id=need.person_id,
            area_code=area,
            summary=f"{need.kind} need stated in the {survey.year} survey",
            source=source,
        )
        for need in needs
    ]
    audit.record_many(events)
    return needs


# --- needs --------------------------------------------------------------------------------


@transaction.atomic
def close_need(
    need: Need,
    *,
    user: User,
    outcome: str,
    reference: str = "",
    reason: str = "",
    source: str = "web",
) -> Need:
    """Close an open need: ``met`` by a service (``reference`` names it, e.g. the service
    record's number), or ``declined`` by the person (``reason`` says why)."""
    need = Need.objects.select_for_update(of=("self",)).select_related("person").get(pk=need.pk)
    ensure_allowed(user, Capability.CLOSE_NEEDS, need.person.area_id)
    return _close_need(need, user, outcome, reference, reason, source)


def _close_need(
    need: Need, user: User, outcome: str, reference: str, reason: str, source: str
) -> Need:
    """Close ``need`` (locked by the caller, whose authority was checked)."""
    if need.status != NeedStatus.OPEN:
        raise ValidationError(_("This need is already closed."))
    reference, reason = reference.strip(), reason.strip()
    if outcome == NeedStatus.MET:
        if not reference:
            raise ValidationError({"reference": _("Say which service met the need.")})
    elif outcome == NeedStatus.DECLINED:
        if not reason:
            raise ValidationError({"reason": _("Say why the need is declined.")})
    else:
        raise ValidationError({"outcome": _("Choose met or declined.")})
    need.status = outcome
    need.closed_by = user
    need.closed_at = timezone.now()
    need.reference = reference[:200]
    need.reason = reason[:500]
    need.save()
    audit.record(
        user,
        AuditAction.UPDATE,
        object_type=NEED,
        object_id=need.pk,
        person_id=need.person_id,
        area_code=need.person.area_id,
        summary=f"{need.kind} need {outcome}",
        changes={"status": [NeedStatus.OPEN, outcome], "reference": ["", need.reference]},
        source=source,
    )
    return need


# --- needs met by service applications ------------------------------------------------------


def open_application_of(need: Need) -> Application | None:
    """The application started from ``need`` that is still under way, if any."""
    link = (
        NeedApplication.objects.filter(need=need, application__status__in=OPEN_STATUSES)
        .select_related("application")
        .first()
    )
    return link.application if link else None


def start_application_for_need(
    actor: User,
    need: Need,
    answers: dict[str, Any] | None,
    documents: dict[str, Document] | None = None,
    idempotency_key: str | None = None,
    *,
    note: str = "",
    day: dt.date | None = None,
) -> Application:
    """Apply, for the need's person, for the service type the region pack maps the need's
    kind to, and record that the application comes from ``need``. The need must be open
    and have no application under way; a repeated ``idempotency_key`` (a double click)
    returns the application the first submit made. The engine checks the form, the
    documents and eligibility; a refusal anywhere leaves nothing behind."""
    with transaction.atomic():
        need = Need.objects.select_for_update(of=("self",)).select_related("person").get(pk=need.pk)
        ensure_allowed(actor, Capability.APPLY_FOR_SERVICE, need.person.area_id)
        if idempotency_key:
            earlier = NeedApplication.objects.filter(
                need=need, application__idempotency_key=idempotency_key
            ).first()
            if earlier is not None:
                return earlier.application
            if Application.objects.filter(idempotency_key=idempotency_key).exists():
                raise ValidationError(_("This form was already used for another application."))
        if need.status != NeedStatus.OPEN:
            raise ValidationError(_("This need is already closed."))
        if open_application_of(need) is not None:
            raise ValidationError(_("An application for this need is already under way."))
        mapping = need_services().get(need.kind)
        if mapping is None:
            raise ValidationError(
                _("No service type meets a need for %(kind)s; close it by hand when it is met.")
                % {"kind": need.get_kind_display()}
            )
        application = submit_application(
            actor,
            need.person,
            mapping.service,
            answers,
            documents,
            idempotency_key,
            note=note,
            day=day,
        )
        link, created = NeedApplication.objects.get_or_create(
            application=application,
            defaults={"need": need, "created_by": actor, "created_at": timezone.now()},
        )
        if link.need_id != need.pk:
            raise ValidationError(_("This form was already used for another need."))
        if created:
            audit.record(
                actor,
                AuditAction.UPDATE,
                object_type=NEED,
                object_id=need.pk,
                person_id=need.person_id,
                area_code=need.person.area_id,
                summary=f"{need.kind} need: application {application.pk} for "
                f"{mapping.service} started",
            )
        return application


def application_ended(ctx: OutcomeContext) -> None:
    """The services engine's outcome handler (registered in ``SurveysConfig.ready``), run
    inside the transition that ended the application: completed → the need it came from
    is met by it; withdrawn → the person declined it; refused → the need stays open, with
    the refusal noted on the link. Applications not started from a need are left alone.
    The transition has already checked the actor for the application, which is the
    authority for this change (a provider finishing the last step need not hold
    CLOSE_NEEDS)."""
    link = (
        NeedApplication.objects.filter(application=ctx.application).select_related("need").first()
    )
    if link is None:
        return
    need = (
        Need.objects.select_for_update(of=("self",)).select_related("person").get(pk=link.need_id)
    )
    application = ctx.application
    # Stored on the need as written: the service's (Chinese) name and the number, the same
    # in either interface language.
    label = str(application)
    status = application.status
    if status == ApplicationStatus.REFUSED:
        link.note = (_("Refused: %(reason)s") % {"reason": ctx.reason})[:500]
        link.save(update_fields=["note"])
        audit.record(
            ctx.actor,
            AuditAction.UPDATE,
            object_type=NEED,
            object_id=need.pk,
            person_id=need.person_id,
            area_code=need.person.area_id,
            summary=f"{need.kind} need stays open: application {application.pk} refused",
            source="services",
        )
        return
    if need.status != NeedStatus.OPEN:
        return  # closed by hand meanwhile: the earlier decision stands
    if status == ApplicationStatus.COMPLETED:
        _close_need(need, ctx.actor, NeedStatus.MET, label, "", "services")
    elif status == ApplicationStatus.WITHDRAWN:
        reason = _("%(label)s withdrawn") % {"label": label}
        if ctx.reason:
            reason = f"{reason}: {ctx.reason}"
        link.note = reason[:500]
        link.save(update_fields=["note"])
        _close_need(need, ctx.actor, NeedStatus.DECLINED, "", reason, "services")


# --- home visits --------------------------------------------------------------------------


def _check_visitor(visitor: User, person: Person) -> None:
    if not (
        visitor.can(Capability.HOME_VISITS)
        and visitor.area_id
        and person.area_id.startswith(visitor.area_id)
    ):
        raise ValidationError(
            {"assigned_to": _("Choose a worker whose area includes the person's home.")}
        )


@transaction.atomic
def plan_visit(
    actor: User,
    person: Person,
    *,
    reason: str,
    due_date: dt.date,
    assigned_to: User,
    detail: str = "",
    follows: Visit | None = None,
    source: str = "web",
) -> VisitPlan:
    ensure_allowed(actor, Capability.HOME_VISITS, person.area_id)
    if reason not in VisitReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    if person.status != PersonStatus.ACTIVE:
        raise ValidationError(_("Only persons living in the area are visited."))
    _check_visitor(assigned_to, person)
    plan = VisitPlan.objects.create(
        person=person,
        reason=reason,
        detail=detail.strip(),
        due_date=due_date,
        assigned_to=assigned_to,
        created_by=actor,
        created_at=timezone.now(),
        follows=follows,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        object_type=VISIT_PLAN,
        object_id=plan.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"home visit planned: {reason} by {due_date.isoformat()}",
        changes={"assigned_to": [None, assigned_to.pk], "due_date": [None, due_date]},
        source=source,
    )
    return plan


@transaction.atomic
def record_visit(
    actor: User,
    plan: VisitPlan,
    *,
    visited_on: dt.date,
    notes: str,
    follow_up: str = "",
    follow_up_due: dt.date | None = None,
    source: str = "web",
) -> Visit:
    """Record what a planned visit found; a follow-up date plans the next visit."""
    plan = (
        VisitPlan.objects.select_for_update(of=("self",)).select_related("person").get(pk=plan.pk)
    )
    ensure_allowed(actor, Capability.HOME_VISITS, plan.person.area_id)
    if plan.status != VisitPlanStatus.PLANNED:
        raise ValidationError(_("This visit is already recorded or cancelled."))
    errors: dict[str, list[str]] = {}
    if visited_on > _today():
        errors["visited_on"] = [_("The date cannot be in the future.")]
    if not notes.strip():
        errors["notes"] = [_("Write what you found.")]
    if follow_up_due is not None and not follow_up.strip():
        errors["follow_up"] = [_("Say what the follow-up visit is for.")]
    if follow_up_due is not None and follow_up_due < visited_on:
        errors["follow_up_due"] = [_("The follow-up cannot be before this visit.")]
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        plan=plan,
        person=plan.person,
        visited_on=visited_on,
        visited_by=actor,
        notes=notes.strip(),
        follow_up=follow_up.strip(),
        recorded_at=timezone.now(),
    )
    plan.status = VisitPlanStatus.DONE
    plan.save(update_fields=["status"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        object_type=VISIT_PLAN,
        object_id=plan.pk,
        person_id=plan.person_id,
        area_code=plan.person.area_id,
        summary=f"home visit recorded on {visited_on.isoformat()}",
        changes={"status": [VisitPlanStatus.PLANNED, VisitPlanStatus.DONE]},
        source=source,
    )
    if follow_up_due is not None:
        plan_visit(
            actor,
            plan.person,
            reason=VisitReason.FOLLOW_UP,
            due_date=follow_up_due,
            assigned_to=plan.assigned_to,
            follows=visit,
            source=source,
        )
    return visit
