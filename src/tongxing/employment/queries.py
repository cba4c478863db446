"""Scoped reads for the employment pages: employers and declarations inside the user's
area, persons through :mod:`tongxing.registry.queries`, and the population-wide figures
(the fund of a year, zero-employment households) as Ibis over Arrow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import pyarrow as pa
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.areas.models import CODE_LENGTH, Area, AreaLevel
from tongxing.benefits.facts import age_on
from tongxing.benefits.parameters import ParameterLookupError, ParameterSet
from tongxing.core.arrowio import fetch_arrow_many
from tongxing.core.idnumbers import normalise_id_number
from tongxing.core.masking import mask_id_number
from tongxing.core.scoping import prefix_q
from tongxing.employment import fund, warning
from tongxing.employment.models import (
    GRADUATE_LEVELS,
    Declaration,
    Employer,
    EmploymentPlan,
    Enrolment,
    EnrolmentStatus,
    JobPost,
    Placement,
    PlanKind,
    PlanStatus,
    PlanStep,
    Skill,
    SubsidyApplication,
    TrainingCourse,
    WarningFollowUp,
    WarningReason,
    WorkStatus,
)
from tongxing.registry.models import Household, Person, PersonFact, PersonFactKind
from tongxing.registry.queries import persons_for, require

CHILD_LEVEL = {
    AreaLevel.CITY: AreaLevel.COUNTY,
    AreaLevel.COUNTY: AreaLevel.TOWNSHIP,
    AreaLevel.TOWNSHIP: AreaLevel.VILLAGE,
}


def employers_for(user: User, capability: Capability = Capability.VIEW_EMPLOYERS) -> QuerySet:
    require(user, capability)
    return Employer.objects.filter(prefix_q("area_id", user.area_id)).select_related("area")


def get_employer_for_user(
    user: User, pk: int, capability: Capability = Capability.VIEW_EMPLOYERS
) -> Employer:
    try:
        return employers_for(user, capability).get(pk=pk)
    except Employer.DoesNotExist:
        raise Http404 from None


def get_declaration_for_user(user: User, pk: int) -> Declaration:
    require(user, Capability.VIEW_EMPLOYERS)
    try:
        return Declaration.objects.select_related("employer", "employer__area").get(
            prefix_q("employer__area_id", user.area_id), pk=pk
        )
    except Declaration.DoesNotExist:
        raise Http404 from None


def posts_for(user: User) -> QuerySet:
    require(user, Capability.VIEW_EMPLOYERS)
    return JobPost.objects.filter(prefix_q("employer__area_id", user.area_id)).select_related(
        "employer", "area"
    )


def get_post_for_user(user: User, pk: int) -> JobPost:
    try:
        return posts_for(user).get(pk=pk)
    except JobPost.DoesNotExist:
        raise Http404 from None


def persons_in_scope(user: User, ids: list[int]) -> dict[int, Person]:
    return (
        persons_for(user, Capability.VIEW_EMPLOYERS)
        .select_related("certificate", "area")
        .in_bulk(ids)
    )


def persons_by_id_number(
    user: User, text: str, capability: Capability = Capability.MANAGE_EMPLOYERS
) -> tuple[list[Person], list[str]]:
    """The persons a declaration lists, one resident ID number a line, in order; and one
    error per line that names no person in the user's area (line number and reason)."""
    found: list[Person] = []
    errors: list[str] = []
    scope = persons_for(user, capability)
    for number, line in enumerate(text.splitlines(), start=1):
        value = normalise_id_number(line)
        if not value:
            continue
        person = scope.with_id_number(value).first()
        if person is None:
            errors.append(f"{number}: {value[:6]}…")
        else:
            found.append(person)
    return found, errors


# --- the fund of a year ---------------------------------------------------------------------


@dataclass
class FundLine:
    employer: Employer
    declaration_id: int
    outcome: fund.Outcome


@dataclass
class FundYear:
    year: int
    parameters: fund.FundParameters | None
    problem: str = ""
    lines: list[FundLine] = field(default_factory=list)

    @property
    def total_levy(self):
        return sum((line.outcome.levy for line in self.lines), fund.yuan(0))

    @property
    def below_quota(self) -> list[FundLine]:
        return [line for line in self.lines if line.outcome.below_quota]

    @property
    def public_not_leading(self) -> list[FundLine]:
        """Public bodies below the quota: they are to lead by example."""
        return [line for line in self.below_quota if line.employer.is_public_body]


def fund_year(user: User, year: int, parameters: ParameterSet | None = None) -> FundYear:
    require(user, Capability.VIEW_EMPLOYERS)
    try:
        p = fund.fund_parameters(parameters or ParameterSet.load(fund.KEYS), year)
    except fund.FundNotConfigured as error:
        return FundYear(year, None, str(error))
    result = fund.compute(*fund.read_year(year, user.area_id), p)
    employers = Employer.objects.in_bulk(result.declarations.column("employer_id").to_pylist())
    lines = [
        FundLine(employers[row["employer_id"]], row["declaration_id"], fund.Outcome(row))
        for row in result.declarations.to_pylist()
    ]
    lines.sort(key=lambda line: (line.employer.area_id, line.employer.name))
    return FundYear(year, p, lines=lines)


@dataclass
class Explanation:
    declaration: Declaration
    parameters: fund.FundParameters | None
    problem: str = ""
    outcome: fund.Outcome | None = None
    steps: list[fund.Step] = field(default_factory=list)
    employees: list[dict[str, Any]] = field(default_factory=list)


def explain(
    user: User, declaration: Declaration, parameters: ParameterSet | None = None
) -> Explanation:
    """One declaration through the same computation as :func:`fund_year`."""
    try:
        p = fund.fund_parameters(parameters or ParameterSet.load(fund.KEYS), declaration.year)
    except fund.FundNotConfigured as error:
        return Explanation(declaration, None, str(error))
    result = fund.compute(*fund.read_declaration(declaration.pk, declaration.year), p)
    outcome = fund.Outcome(result.declarations.to_pylist()[0])
    rows = [r for r in result.employees.to_pylist() if r["declaration_id"] == declaration.pk]
    rows.sort(key=lambda r: r["row_id"])
    people = Person.objects.select_related("certificate").in_bulk([r["person_id"] for r in rows])
    employees = [
        {
            "person": people[r["person_id"]],
            "age": r["age"],
            "grade": r["grade"],
            "weight": r["weight"],
            "reason": str(fund.REASONS[r["reason"]]) if r["reason"] else "",
        }
        for r in rows
    ]
    return Explanation(
        declaration, p, outcome=outcome, steps=fund.steps(outcome, p), employees=employees
    )


# --- zero-employment households -------------------------------------------------------------

PERSONS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("area", pa.string()),
        ("birth_date", pa.date32()),
        ("status", pa.string()),
        ("cert_status", pa.string()),
        ("issue_date", pa.date32()),
        ("valid_until", pa.date32()),
    ]
)
STATUSES = pa.schema(
    [
        ("person_id", pa.int64()),
        ("status", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)
_PERSONS_SQL = """
SELECT p.id, p.household_id, p.area_id, p.birth_date, p.status, c.status, c.issue_date,
       c.valid_until
FROM registry_person p LEFT JOIN registry_disabilitycertificate c ON c.person_id = p.id
WHERE p.area_id LIKE %s
"""
_STATUSES_SQL = """
SELECT s.person_id, s.status, s.start_date, s.end_date
FROM employment_employmentstatus s JOIN registry_person p ON p.id = s.person_id
WHERE p.area_id LIKE %s
"""


def zero_employment_households(
    persons: pa.Table, statuses: pa.Table, day: dt.date, age_min: int, age_max: int
) -> ibis.Table:
    """Households (a person without one is a household of one) with a living member who
    holds a certificate in force on ``day`` and is of working age, and no member employed
    on ``day``: one row each with its area (the lowest code among those members)."""
    p = ibis.memtable(persons.cast(PERSONS))
    s = ibis.memtable(statuses.cast(STATUSES))
    on = ibis.literal(day)
    household = ibis.coalesce(p.household_id, -p.person_id)
    p = p.mutate(household=household, age=age_on(p.birth_date, on))
    disabled = p.filter(
        (p.status == "active")
        & p.cert_status.isin(fund.IN_FORCE)
        & (p.issue_date <= on)
        & (p.valid_until >= on)
        & p.age.between(age_min, age_max)
    )
    candidates = disabled.group_by("household").aggregate(
        area=disabled.area.min(), members=disabled.person_id.count()
    )
    employed_now = s.filter(
        (s.status == WorkStatus.EMPLOYED.value)
        & (s.start_date <= on)
        & (s.end_date.isnull() | (s.end_date >= on))
    )
    employed_homes = (
        p.join(employed_now, p.person_id == employed_now.person_id)
        .select(household=p.household)
        .distinct()
    )
    return candidates.anti_join(employed_homes, "household")


def _persons_and_statuses(prefix: str) -> tuple[pa.Table, pa.Table]:
    like = [f"{prefix}%"]
    tables = fetch_arrow_many(
        {"persons": (_PERSONS_SQL, like, PERSONS), "statuses": (_STATUSES_SQL, like, STATUSES)}
    )
    return tables["persons"], tables["statuses"]


def zero_employment_keys(
    prefix: str, day: dt.date, parameters: ParameterSet | None = None
) -> set[int]:
    """The household keys (see ``actions.household_key``) on the list under ``prefix``."""
    parameters = parameters or ParameterSet.load([fund.AGE_MIN, fund.AGE_MAX])
    homes = zero_employment_households(
        *_persons_and_statuses(prefix),
        day,
        int(parameters.at(fund.AGE_MIN, day).value),
        int(parameters.at(fund.AGE_MAX, day).value),
    )
    return set(ibis.duckdb.connect().to_pyarrow(homes.select("household")).column(0).to_pylist())


@dataclass
class ZeroEmployment:
    area: Area
    day: dt.date
    total: int
    by_sub_area: list[dict[str, Any]]
    households: list[dict[str, Any]]
    planned: int = 0  # of ``total``, the households with an open plan


def zero_employment(
    user: User, area: Area, day: dt.date, parameters: ParameterSet | None = None
) -> ZeroEmployment:
    """The zero-employment households of ``area`` on ``day``, counted per sub-area in one
    GROUP BY; at village level also listed with their disabled members."""
    require(user, Capability.VIEW_EMPLOYMENT)
    if not area.code.startswith(user.area_id):
        raise Http404
    parameters = parameters or ParameterSet.load([fund.AGE_MIN, fund.AGE_MAX])
    age_min = int(parameters.at(fund.AGE_MIN, day).value)
    age_max = int(parameters.at(fund.AGE_MAX, day).value)
    homes = zero_employment_households(
        *_persons_and_statuses(area.code),
        day,
        age_min,
        age_max,
    )
    con = ibis.duckdb.connect()
    child = CHILD_LEVEL.get(area.level)
    width = CODE_LENGTH[child] if child else len(area.code)
    # Households with an open plan, joined to the list: a plan whose household left the
    # list for another reason (a member turned 60) is not counted as covering one.
    planned = ibis.memtable(
        pa.table(
            {
                "household": pa.array(
                    [
                        h or -p
                        for h, p in EmploymentPlan.objects.filter(
                            prefix_q("person__area_id", area.code),
                            kind=PlanKind.HOUSEHOLD,
                            status=PlanStatus.OPEN,
                        ).values_list("household_id", "person_id")
                    ],
                    pa.int64(),
                )
            }
        )
    )
    with_plan = homes.left_join(planned.distinct(), "household")
    counts = with_plan.group_by(sub=with_plan.area.substr(0, width)).aggregate(
        n=with_plan.household.count(), planned=with_plan.household_right.count()
    )
    rows = con.to_pyarrow(counts).to_pylist()
    by_code = {row["sub"]: row["n"] for row in rows}
    planned_by_code = {row["sub"]: row["planned"] for row in rows}
    by_sub_area = (
        [
            {
                "area": sub,
                "count": by_code.get(sub.code, 0),
                "planned": planned_by_code.get(sub.code, 0),
            }
            for sub in Area.objects.filter(parent=area).order_by("code")
        ]
        if child
        else []
    )
    households: list[dict[str, Any]] = []
    if area.level == AreaLevel.VILLAGE:
        keys = con.to_pyarrow(homes.select("household")).column(0).to_pylist()
        real = [k for k in keys if k > 0]
        members = persons_for(user, Capability.VIEW_EMPLOYMENT).filter(household_id__in=real)
        by_home: dict[int, list[Person]] = {}
        for person in members.order_by("household_id", "id"):
            by_home.setdefault(person.household_id, []).append(person)
        alone = persons_for(user, Capability.VIEW_EMPLOYMENT).in_bulk([-k for k in keys if k < 0])
        plans = open_household_plans(keys)
        households = [
            {"household": Household(pk=k), "members": by_home.get(k, []), "plan": plans.get(k)}
            for k in sorted(real)
        ] + [
            {"household": None, "members": [alone[-k]], "plan": plans.get(k)}
            for k in sorted(keys)
            if k < 0 and -k in alone
        ]
    return ZeroEmployment(
        area,
        day,
        sum(by_code.values()),
        by_sub_area,
        households,
        sum(planned_by_code.values()),
    )


def area_for(user: User, code: str | None, capability: Capability) -> Area:
    require(user, capability)
    code = code or user.area_id
    if not code.startswith(user.area_id):
        raise Http404
    try:
        return Area.objects.get(code=code)
    except Area.DoesNotExist:
        raise Http404 from None


# --- training -------------------------------------------------------------------------------


def courses_for(user: User) -> QuerySet:
    """Courses held inside the user's area or in an area that contains it (a county's
    course is open to its villages)."""
    require(user, Capability.VIEW_EMPLOYMENT)
    code = user.area_id
    above = [code[:n] for n in (4, 6, 9) if n < len(code)]
    return TrainingCourse.objects.filter(
        prefix_q("area_id", code) | Q(area_id__in=above)
    ).select_related("area")


def get_course_for_user(user: User, pk: int) -> TrainingCourse:
    try:
        return courses_for(user).get(pk=pk)
    except TrainingCourse.DoesNotExist:
        raise Http404 from None


def enrolments_for(user: User, course: TrainingCourse) -> QuerySet:
    """The course's enrolments of persons in the user's area."""
    require(user, Capability.VIEW_EMPLOYMENT)
    return course.enrolments.filter(prefix_q("person__area_id", user.area_id)).select_related(
        "person"
    )


def training_counts(user: User) -> list[dict[str, Any]]:
    """Enrolments of persons in the user's area by skill and sub-area: one GROUP BY."""
    require(user, Capability.VIEW_EMPLOYMENT)
    area = user.area
    child = CHILD_LEVEL.get(area.level)
    width = CODE_LENGTH[child] if child else len(area.code)
    rows = (
        Enrolment.objects.filter(prefix_q("person__area_id", area.code))
        .annotate(sub=Substr("person__area_id", 1, width))
        .values("course__skill", "sub")
        .annotate(
            enrolled=Count("id"),
            completed=Count("id", filter=Q(status=EnrolmentStatus.COMPLETED)),
            certified=Count("id", filter=Q(certificate_obtained=True)),
        )
        .order_by("course__skill", "sub")
    )
    names = dict(Area.objects.filter(code__in={r["sub"] for r in rows}).values_list("code", "name"))
    return [
        r | {"area_name": names.get(r["sub"], r["sub"]), "skill": Skill(r["course__skill"]).label}
        for r in rows
    ]


# --- plans ----------------------------------------------------------------------------------


def open_household_plans(keys: list[int]) -> dict[int, EmploymentPlan]:
    """The open plan of each listed household, by household key."""
    plans = EmploymentPlan.objects.filter(
        Q(household_id__in=[k for k in keys if k > 0])
        | Q(household__isnull=True, person_id__in=[-k for k in keys if k < 0]),
        kind=PlanKind.HOUSEHOLD,
        status=PlanStatus.OPEN,
    ).annotate(
        steps_total=Count("steps"),
        steps_done=Count("steps", filter=Q(steps__done_on__isnull=False)),
    )
    return {p.household_id or -p.person_id: p for p in plans}


def plans_for(user: User, kind: str | None = None) -> QuerySet:
    require(user, Capability.VIEW_EMPLOYMENT)
    plans = EmploymentPlan.objects.filter(prefix_q("person__area_id", user.area_id))
    return plans.filter(kind=kind) if kind else plans


def get_plan_for_user(user: User, pk: int) -> EmploymentPlan:
    try:
        return plans_for(user).select_related("person", "person__area").get(pk=pk)
    except EmploymentPlan.DoesNotExist:
        raise Http404 from None


@dataclass
class PlanList:
    area: Area
    day: dt.date
    plans: list[EmploymentPlan]
    overdue: list[PlanStep]
    by_sub_area: list[dict[str, Any]]


def plan_list(user: User, area: Area, kind: str, day: dt.date) -> PlanList:
    """Open plans of one kind in ``area`` (the first 500), the overdue steps of all of
    them, and per sub-area the open plans and overdue steps: two GROUP BYs."""
    require(user, Capability.VIEW_EMPLOYMENT)
    if not area.code.startswith(user.area_id):
        raise Http404
    plans = EmploymentPlan.objects.filter(
        prefix_q("person__area_id", area.code), kind=kind, status=PlanStatus.OPEN
    )
    overdue = PlanStep.objects.filter(
        plan__in=plans, done_on__isnull=True, due_date__lt=day
    ).select_related("plan", "plan__person")
    child = CHILD_LEVEL.get(area.level)
    by_sub_area: list[dict[str, Any]] = []
    if child:
        width = CODE_LENGTH[child]
        open_counts = dict(
            plans.annotate(sub=Substr("person__area_id", 1, width))
            .values("sub")
            .annotate(n=Count("id"))
            .values_list("sub", "n")
        )
        late_counts = dict(
            overdue.annotate(sub=Substr("plan__person__area_id", 1, width))
            .values("sub")
            .annotate(n=Count("id"))
            .values_list("sub", "n")
        )
        by_sub_area = [
            {
                "area": sub,
                "open": open_counts.get(sub.code, 0),
                "overdue": late_counts.get(sub.code, 0),
            }
            for sub in Area.objects.filter(parent=area).order_by("code")
        ]
    listed = (
        plans.select_related("person", "person__area")
        .annotate(
            steps_total=Count("steps"),
            steps_done=Count("steps", filter=Q(steps__done_on__isnull=False)),
            steps_late=Count(
                "steps", filter=Q(steps__done_on__isnull=True, steps__due_date__lt=day)
            ),
        )
        .order_by("person__area_id", "opened_at")[:500]
    )
    return PlanList(area, day, list(listed), list(overdue.order_by("due_date")[:500]), by_sub_area)


def school_leavers(user: User, area: Area, day: dt.date, within_days: int = 366) -> QuerySet:
    """Persons of the area whose school (a department's ``school`` fact at junior,
    senior or higher level) ended within the last year, without an open graduate plan:
    the ones to offer a plan to. Persons recorded directly need no fact."""
    require(user, Capability.VIEW_EMPLOYMENT)
    if not area.code.startswith(user.area_id):
        raise Http404
    with_plan = EmploymentPlan.objects.filter(kind=PlanKind.GRADUATE, status=PlanStatus.OPEN)
    facts = PersonFact.objects.filter(
        kind=PersonFactKind.SCHOOL,
        level__in=GRADUATE_LEVELS,
        end_date__lte=day,
        end_date__gte=day - dt.timedelta(days=within_days),
    )
    return (
        persons_for(user, Capability.VIEW_EMPLOYMENT)
        .filter(prefix_q("area_id", area.code), facts__in=facts, status="active")
        .exclude(pk__in=with_plan.values("person_id"))
        .select_related("area")
        .distinct()
        .order_by("area_id", "id")
    )


def left_school(person: Person) -> PersonFact | None:
    """The person's latest finished school at a graduate level, to pre-fill a plan."""
    return (
        PersonFact.objects.filter(
            person=person,
            kind=PersonFactKind.SCHOOL,
            level__in=GRADUATE_LEVELS,
            end_date__isnull=False,
        )
        .order_by("-end_date")
        .first()
    )


# --- employer subsidies ---------------------------------------------------------------------


def subsidies_for(user: User) -> QuerySet:
    require(user, Capability.VIEW_EMPLOYERS)
    return SubsidyApplication.objects.filter(
        prefix_q("employer__area_id", user.area_id)
    ).select_related("employer", "person", "submitted_by", "decided_by")


def get_subsidy_for_user(user: User, pk: int) -> SubsidyApplication:
    try:
        return subsidies_for(user).get(pk=pk)
    except SubsidyApplication.DoesNotExist:
        raise Http404 from None


# --- unemployment warning -------------------------------------------------------------------


@dataclass
class WarningRow:
    person: Person
    reason: str
    since: dt.date
    enrolments: list[Enrolment]
    placements: list[Any]
    follow_ups: list[WarningFollowUp]


@dataclass
class Warnings:
    area: Area
    day: dt.date
    problem: str = ""
    total: int = 0
    by_sub_area: list[dict[str, Any]] = field(default_factory=list)
    rows: list[WarningRow] = field(default_factory=list)
    table: pa.Table | None = None


LISTED = 200


def unemployment_warnings(
    user: User, area: Area, day: dt.date, parameters: ParameterSet | None = None
) -> Warnings:
    """The warnings of ``area`` on ``day``: counts per sub-area and the first ``LISTED``
    persons with their training, placements and follow-ups (three queries)."""
    require(user, Capability.VIEW_EMPLOYMENT)
    if not area.code.startswith(user.area_id):
        raise Http404
    try:
        table = warning.compute(
            warning.BY_AREA,
            f"{area.code}%",
            day,
            parameters or ParameterSet.load(warning.KEYS),
        )
    except ParameterLookupError as error:
        return Warnings(area, day, problem=str(error))
    child = CHILD_LEVEL.get(area.level)
    by_sub_area: list[dict[str, Any]] = []
    if child:
        width = CODE_LENGTH[child]
        counts: dict[str, int] = {}
        for code in table.column("area").to_pylist():
            counts[code[:width]] = counts.get(code[:width], 0) + 1
        by_sub_area = [
            {"area": sub, "count": counts.get(sub.code, 0)}
            for sub in Area.objects.filter(parent=area).order_by("code")
        ]
    first = table.slice(0, LISTED).to_pylist()
    ids = [r["person_id"] for r in first]
    persons = persons_for(user, Capability.VIEW_EMPLOYMENT).select_related("area").in_bulk(ids)
    enrolments: dict[int, list] = {}
    for e in Enrolment.objects.filter(person_id__in=ids).select_related("course"):
        enrolments.setdefault(e.person_id, []).append(e)
    placements: dict[int, list] = {}
    for pl in Placement.objects.filter(person_id__in=ids).select_related("post", "post__employer"):
        placements.setdefault(pl.person_id, []).append(pl)
    follow_ups: dict[tuple, list] = {}
    for f in WarningFollowUp.objects.filter(person_id__in=ids).select_related(
        "course", "post", "actor"
    ):
        follow_ups.setdefault((f.person_id, f.reason, f.since), []).append(f)
    rows = [
        WarningRow(
            persons[r["person_id"]],
            r["reason"],
            r["since"],
            enrolments.get(r["person_id"], []),
            placements.get(r["person_id"], []),
            follow_ups.get((r["person_id"], r["reason"], r["since"]), []),
        )
        for r in first
        if r["person_id"] in persons
    ]
    return Warnings(area, day, "", table.num_rows, by_sub_area, rows, table)


def person_warnings(user: User, person: Person, day: dt.date) -> list[dict[str, Any]]:
    """``person``'s warnings on ``day`` with what was done about each so far."""
    require(user, Capability.VIEW_EMPLOYMENT)
    try:
        rows = warning.compute(
            warning.BY_PERSON, person.pk, day, ParameterSet.load(warning.KEYS)
        ).to_pylist()
    except ParameterLookupError:
        return []
    done = WarningFollowUp.objects.filter(person=person).select_related("course", "post", "actor")
    return [
        r
        | {
            "label": WarningReason(r["reason"]).label,
            "follow_ups": [f for f in done if (f.reason, f.since) == (r["reason"], r["since"])],
        }
        for r in rows
    ]


def warning_export_rows(user: User, result: Warnings):
    """Every warned person of the area for the export, ID numbers masked, in chunks of
    a thousand persons (one query per chunk)."""
    table = result.table
    if table is None:
        return
    scope = persons_for(user, Capability.VIEW_EMPLOYMENT).select_related("area")
    for start in range(0, table.num_rows, 1000):
        chunk = table.slice(start, 1000).to_pylist()
        persons = scope.in_bulk([r["person_id"] for r in chunk])
        for r in chunk:
            person = persons.get(r["person_id"])
            if person is None:
                continue
            yield [
                person.area.name,
                person.name,
                mask_id_number(person.id_number),
                WarningReason(r["reason"]).label,
                r["since"].isoformat(),
            ]
