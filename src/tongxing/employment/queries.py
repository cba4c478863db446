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
from tongxing.benefits.parameters import ParameterSet
from tongxing.core.arrowio import fetch_arrow
from tongxing.core.idnumbers import normalise_id_number
from tongxing.core.scoping import prefix_q
from tongxing.employment import fund
from tongxing.employment.models import (
    Declaration,
    Employer,
    Enrolment,
    EnrolmentStatus,
    JobPost,
    Skill,
    TrainingCourse,
    WorkStatus,
)
from tongxing.registry.models import Household, Person
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


@dataclass
class ZeroEmployment:
    area: Area
    day: dt.date
    total: int
    by_sub_area: list[dict[str, Any]]
    households: list[dict[str, Any]]


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
    like = [f"{area.code}%"]
    homes = zero_employment_households(
        fetch_arrow(_PERSONS_SQL, like, PERSONS),
        fetch_arrow(_STATUSES_SQL, like, STATUSES),
        day,
        age_min,
        age_max,
    )
    con = ibis.duckdb.connect()
    child = CHILD_LEVEL.get(area.level)
    width = CODE_LENGTH[child] if child else len(area.code)
    counts = homes.group_by(sub=homes.area.substr(0, width)).aggregate(n=homes.household.count())
    by_code = {row["sub"]: row["n"] for row in con.to_pyarrow(counts).to_pylist()}
    by_sub_area = (
        [
            {"area": sub, "count": by_code.get(sub.code, 0)}
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
        households = [
            {"household": Household(pk=k), "members": by_home.get(k, [])} for k in sorted(real)
        ] + [
            {"household": None, "members": [alone[-k]]}
            for k in sorted(keys)
            if k < 0 and -k in alone
        ]
    return ZeroEmployment(area, day, sum(by_code.values()), by_sub_area, households)


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
