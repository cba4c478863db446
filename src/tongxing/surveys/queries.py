"""Scoped reads of surveys, needs, home visits and the emergency roster.

Every helper takes the user and goes through :func:`tongxing.registry.queries.persons_for`
(or the same area prefix), so a record outside the user's area behaves as if it did not
exist. Figures per area are single GROUP BY queries, never a loop over persons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, FilteredRelation, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from tongxing.accounts.models import User
from tongxing.accounts.roles import ROLE_CAPABILITIES, Capability
from tongxing.areas.models import CODE_LENGTH, Area, AreaLevel
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.registry.models import Person, PersonStatus
from tongxing.registry.queries import get_person_for_user, persons_for, require
from tongxing.surveys.models import (
    Need,
    NeedStatus,
    Survey,
    SurveyDefinition,
    SurveyStatus,
    VisitPlan,
    VisitPlanStatus,
)

CHILD_LEVEL = {
    AreaLevel.CITY: AreaLevel.COUNTY,
    AreaLevel.COUNTY: AreaLevel.TOWNSHIP,
    AreaLevel.TOWNSHIP: AreaLevel.VILLAGE,
}


def area_for(user: User, code: str | None, capability: Capability) -> Area:
    """The area ``code`` (default: the user's own) if it lies inside the user's area."""
    require(user, capability)
    code = code or user.area_id
    if not code.startswith(user.area_id):
        raise Http404
    try:
        return Area.objects.get(code=code)
    except Area.DoesNotExist:
        raise Http404 from None


def definition_for_year(year: int) -> SurveyDefinition:
    try:
        return SurveyDefinition.objects.get(year=year)
    except SurveyDefinition.DoesNotExist:
        raise Http404 from None


# --- progress -----------------------------------------------------------------------------


@dataclass
class AreaProgress:
    area: Area | None
    total: int = 0
    done: int = 0
    in_progress: int = 0
    needs_open: int = 0
    needs_met: int = 0
    needs_declined: int = 0

    @property
    def not_started(self) -> int:
        return self.total - self.done - self.in_progress

    @property
    def done_percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None

    @property
    def needs_total(self) -> int:
        return self.needs_open + self.needs_met + self.needs_declined

    @property
    def met_percent(self) -> int | None:
        return round(100 * self.needs_met / self.needs_total) if self.needs_total else None


@dataclass
class Progress:
    area: Area
    year: int
    total: AreaProgress
    rows: list[AreaProgress] = field(default_factory=list)


def survey_counts(user: User, area: Area, year: int) -> dict[str, dict[str, int]]:
    """``{sub-area code: {"total", "done", "in_progress"}}`` for the persons living in
    ``area``: one GROUP BY over the area's persons, each joined to its survey of ``year``
    through the (person, year) unique index. Only a completed survey counts as done.

    Grouped by the person's own (village) code, which the area index already walks in
    order, then added up to the sub-areas here: measured on 114,000 persons on SQLite,
    49 ms against 95 ms for grouping by a prefix, which needs a sort of every row."""
    width = CODE_LENGTH[CHILD_LEVEL.get(area.level, area.level)]
    rows = (
        persons_for(user, Capability.VIEW_SURVEYS)
        .filter(prefix_q("area_id", area.code), status=PersonStatus.ACTIVE)
        # Naming every status lets SQLite join through the (person, year, status) index
        # alone, which it otherwise passes over for the (person, year) unique one.
        .annotate(
            this_year=FilteredRelation(
                "surveys",
                condition=Q(surveys__year=year, surveys__status__in=SurveyStatus.values),
            )
        )
        .values_list("area_id")
        .annotate(
            total=Count("id"),
            done=Count("this_year__id", filter=Q(this_year__status=SurveyStatus.COMPLETED)),
            in_progress=Count(
                "this_year__id", filter=Q(this_year__status=SurveyStatus.IN_PROGRESS)
            ),
        )
        .order_by()
    )
    counts: dict[str, dict[str, int]] = {}
    for code, total, done, in_progress in rows:
        sub = counts.setdefault(code[:width], {"total": 0, "done": 0, "in_progress": 0})
        sub["total"] += total
        sub["done"] += done
        sub["in_progress"] += in_progress
    return counts


def need_counts(user: User, area: Area, year: int) -> dict[str, dict[str, int]]:
    """``{sub-area code: {status: count}}`` of the needs stated in ``year``'s surveys."""
    require(user, Capability.VIEW_SURVEYS)
    width = CODE_LENGTH[CHILD_LEVEL.get(area.level, area.level)]
    statuses = NeedStatus.values
    rows = (
        Need.objects.filter(prefix_q("person__area_id", user.area_id))
        .filter(prefix_q("person__area_id", area.code), year=year)
        .values_list("person__area_id")
        .annotate(**{status: Count("id", filter=Q(status=status)) for status in statuses})
        .order_by()
    )
    counts: dict[str, dict[str, int]] = {}
    for code, *numbers in rows:
        sub = counts.setdefault(code[:width], dict.fromkeys(statuses, 0))
        for status, n in zip(statuses, numbers, strict=True):
            sub[status] += n
    return counts


def survey_progress(user: User, area: Area, year: int) -> Progress:
    """Done/total and needs open/met/declined for ``area`` and each area directly below."""
    surveys = survey_counts(user, area, year)
    needs = need_counts(user, area, year)
    children = (
        list(Area.objects.filter(parent=area).order_by("code")) if area.level in CHILD_LEVEL else []
    )
    if not children:
        children = [area]

    def row(child: Area) -> AreaProgress:
        s = surveys.get(child.code, {})
        n = needs.get(child.code, {})
        return AreaProgress(
            area=child,
            total=s.get("total", 0),
            done=s.get("done", 0),
            in_progress=s.get("in_progress", 0),
            needs_open=n.get(NeedStatus.OPEN, 0),
            needs_met=n.get(NeedStatus.MET, 0),
            needs_declined=n.get(NeedStatus.DECLINED, 0),
        )

    rows = [row(child) for child in children]
    total = AreaProgress(area=area)
    for r in rows:
        for name in ("total", "done", "in_progress", "needs_open", "needs_met", "needs_declined"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return Progress(area=area, year=year, total=total, rows=rows if children != [area] else [])


def worklist(user: User, area: Area, year: int) -> QuerySet[Person]:
    """The persons of a village with their survey of ``year``: open ones first, then those
    not started, then the done ones."""
    return (
        persons_for(user, Capability.VIEW_SURVEYS)
        .filter(prefix_q("area_id", area.code), status=PersonStatus.ACTIVE)
        .annotate(this_year=FilteredRelation("surveys", condition=Q(surveys__year=year)))
        .annotate(
            survey_status=Case(
                When(this_year__status=SurveyStatus.IN_PROGRESS, then=Value(0)),
                When(this_year__status=SurveyStatus.COMPLETED, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("certificate")
        .order_by("survey_status", "name", "id")
    )


# --- one person's survey ------------------------------------------------------------------


def person_for_survey(user: User, pk: int, capability: Capability) -> Person:
    return get_person_for_user(user, pk, capability)


def survey_of(person: Person, year: int) -> Survey | None:
    return (
        Survey.objects.filter(person=person, year=year)
        .select_related("definition", "completed_by", "started_by")
        .first()
    )


def open_completed_survey(user: User, survey: Survey) -> None:
    """Log that ``user`` read a person's answers (health data)."""
    audit.record(
        user,
        AuditAction.VIEW,
        object_type="surveys.survey",
        object_id=survey.pk,
        person_id=survey.person_id,
        area_code=survey.person.area_id,
    )


# --- needs --------------------------------------------------------------------------------


def needs_for(user: User, capability: Capability = Capability.VIEW_SURVEYS) -> QuerySet[Need]:
    require(user, capability)
    return Need.objects.filter(prefix_q("person__area_id", user.area_id)).select_related(
        "person", "person__area", "closed_by"
    )


def get_need_for_user(user: User, pk: int, capability: Capability) -> Need:
    try:
        return needs_for(user, capability).get(pk=pk)
    except Need.DoesNotExist:
        raise Http404 from None


# --- home visits --------------------------------------------------------------------------


def visit_plans_for(user: User) -> QuerySet[VisitPlan]:
    require(user, Capability.HOME_VISITS)
    return VisitPlan.objects.filter(prefix_q("person__area_id", user.area_id)).select_related(
        "person", "person__area", "assigned_to"
    )


def open_visit_plans(user: User, *, mine: bool = False) -> QuerySet[VisitPlan]:
    """Planned visits of persons still living in the area, the most overdue first."""
    plans = visit_plans_for(user).filter(
        status=VisitPlanStatus.PLANNED, person__status=PersonStatus.ACTIVE
    )
    if mine:
        plans = plans.filter(assigned_to=user)
    return plans.order_by("due_date", "id")


def get_visit_plan_for_user(user: User, pk: int) -> VisitPlan:
    try:
        return visit_plans_for(user).get(pk=pk)
    except VisitPlan.DoesNotExist:
        raise Http404 from None


def open_visit_record(user: User, plan: VisitPlan) -> None:
    """Log that ``user`` read a visit's notes."""
    audit.record(
        user,
        AuditAction.VIEW,
        object_type="surveys.visitplan",
        object_id=plan.pk,
        person_id=plan.person_id,
        area_code=plan.person.area_id,
    )


def visitors_for(user: User, person: Person) -> QuerySet[User]:
    """Staff who may be sent to ``person``: their area holds the person's home and lies
    inside the planner's area (so a village worker can only plan their own visits)."""
    codes = [person.area_id[:n] for n in CODE_LENGTH.values()]
    roles = [r for r, caps in ROLE_CAPABILITIES.items() if Capability.HOME_VISITS in caps]
    return (
        User.objects.filter(is_active=True, role__in=roles, area_id__in=codes)
        .select_related("area")
        .filter(prefix_q("area_id", user.area_id))
        .order_by("-area_id", "username")
    )


def overdue(plan: VisitPlan, today: dt.date) -> bool:
    return plan.status == VisitPlanStatus.PLANNED and plan.due_date < today
