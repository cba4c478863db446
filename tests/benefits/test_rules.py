"""Scenario tables for the benefit rules, in the manner of OpenFisca's YAML tests.

Each table names its persons (a set-up written through the registry actions, so the life
events carry the history the "as of day" facts are read from) and lists rows: a person, a
month and the expected outcome of each benefit the table is about. A table is one test:
its persons are built in one database, read once, and each month is evaluated once for
all of them, as the payroll does. For every row the explanation (read for that person
alone, as the entitlements page reads it) must agree with the evaluation for each benefit
of the row: eligible, claim, paid, amount, the day that decided, the first condition not
met, and the facts shown beside each condition; a benefit that cannot be decided must
give the same reason in both.

The standard amounts (living 100, nursing 110 for grade 1 and 80 for grade 2 yuan a month)
start on 2024-07-01; most tables use the months after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

import pytest

from tests import factories
from tongxing.accounts.models import User
from tongxing.accounts.roles import Role
from tongxing.benefits import actions as benefit_actions
from tongxing.benefits.engine import BenefitOutcome, evaluate, explain
from tongxing.benefits.inputs import Scope, read_inputs
from tongxing.benefits.models import BenefitClaim, ClaimStatus, Parameter
from tongxing.benefits.parameters import ParameterSet, load_parameters
from tongxing.benefits.rules import BY_CODE
from tongxing.registry import actions as registry
from tongxing.registry.models import (
    Category,
    HouseholdStatusKind,
    Person,
    PersonFact,
    PersonFactKind,
    SchoolLevel,
)

REGION = "sichuan-bazhong"
LIVING = "living_subsidy"
NURSING = "nursing_subsidy"
PENSION = "pension_premium"
EDUCATION = "education_aid"
FUEL = "wheelchair_fuel"
ALL_BENEFITS = (LIVING, NURSING, PENSION, EDUCATION, FUEL)
COLUMNS = {
    "living": LIVING,
    "nursing": NURSING,
    "pension": PENSION,
    "education": EDUCATION,
    "fuel": FUEL,
}
PAY_FROM_APPLICATION_MONTH = "subsidies.pay_from_application_month"
D = dt.date
SINCE_2020 = D(2020, 1, 1)  # long before any month the tables look at
SCHOOL_YEAR = D(2024, 3, 1)
PENSION_SINCE = D(2015, 1, 1)
BORN = D(1970, 5, 17)
ISSUED = D(2020, 3, 1)


def month(year: int, number: int) -> dt.date:
    return D(year, number, 1)


# --- expected outcomes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One benefit's decision for one person and month. ``shows`` is what the explanation
    shows beside the failed condition (compared only where the row gives it)."""

    eligible: bool = False
    paid: bool = False
    amount: Decimal = Decimal("0.00")
    failed: str | None = None
    shows: dict[str, Any] | None = None
    problem: str = ""

    def __repr__(self) -> str:
        # As the tables write it, so a failing comparison reads like the table.
        amount = str(self.amount)
        for text, written in (
            (f"not_configured({self.problem!r})", not_configured(self.problem)),
            (f"fails({self.failed!r})", fails(self.failed or "")),
            (
                f"fails({self.failed!r}, shows={self.shows})",
                fails(self.failed or "", **(self.shows or {})),
            ),
            (f"pays({amount!r})", pays(amount)),
            (f"unclaimed({amount!r})", unclaimed(amount)),
        ):
            if written == self:
                return text
        return "Outcome(" + ", ".join(f"{k}={v!r}" for k, v in vars(self).items()) + ")"


def pays(amount: str) -> Outcome:
    return Outcome(eligible=True, paid=True, amount=Decimal(amount))


def unclaimed(amount: str) -> Outcome:
    """Entitled to ``amount``, but without an approved claim for the month: not paid."""
    return Outcome(eligible=True, paid=False, amount=Decimal(amount))


def fails(code: str, **shows: Any) -> Outcome:
    return Outcome(failed=code, shows=shows or None)


def not_configured(problem: str) -> Outcome:
    return Outcome(problem=problem)


NO_VALUE_YET = (
    "has no approved value yet: the sources did not give one, so a city officer must propose it"
)


# --- person set-ups --------------------------------------------------------------------------


class Status(NamedTuple):
    kind: str
    start: dt.date
    end: dt.date | None = None


def dibao(start: dt.date = SINCE_2020, end: dt.date | None = None) -> Status:
    return Status(HouseholdStatusKind.DIBAO, start, end)


def tekun(start: dt.date = SINCE_2020, end: dt.date | None = None) -> Status:
    return Status(HouseholdStatusKind.TEKUN, start, end)


def low_income(start: dt.date = SINCE_2020, end: dt.date | None = None) -> Status:
    return Status(HouseholdStatusKind.LOW_INCOME, start, end)


class Fact(NamedTuple):
    kind: str
    start_date: dt.date
    end_date: dt.date | None = None
    amount: Decimal | None = None
    level: str = ""


def work_injury_nursing(amount: str, start: dt.date = SINCE_2020) -> Fact:
    return Fact(PersonFactKind.WORK_INJURY_NURSING, start, amount=Decimal(amount))


def elderly_care(amount: str, start: dt.date = SINCE_2020) -> Fact:
    return Fact(PersonFactKind.ELDERLY_CARE, start, amount=Decimal(amount))


def school(level: str, start: dt.date = SCHOOL_YEAR, end: dt.date | None = None) -> Fact:
    return Fact(PersonFactKind.SCHOOL, start, end, level=level)


def wheelchair(start: dt.date = SINCE_2020) -> Fact:
    return Fact(PersonFactKind.MOTORISED_WHEELCHAIR, start)


def pension_insured(start: dt.date = PENSION_SINCE) -> Fact:
    return Fact(PersonFactKind.RESIDENT_PENSION, start)


class Event(NamedTuple):
    """Something recorded after registration, through the action production uses."""

    kind: str
    day: dt.date
    args: tuple = ()


def died(day: dt.date) -> Event:
    return Event("death", day)


def moved_out(day: dt.date) -> Event:
    return Event("move_out", day)


def frozen(day: dt.date) -> Event:
    return Event("freeze", day)


def unfrozen(day: dt.date) -> Event:
    return Event("unfreeze", day)


def cancelled(day: dt.date) -> Event:
    return Event("cancel", day)


def reassessed(day: dt.date, grade: int, category: int = Category.PHYSICAL) -> Event:
    return Event("reassessment", day, (category, grade))


def applied(benefit: str, day: dt.date) -> Event:
    """Applied on ``day`` and approved by the county (today, long after)."""
    return Event("apply", day, (benefit,))


def claim_ended(benefit: str, applied_on: dt.date, ended_on: dt.date) -> Event:
    return Event("apply_and_end", ended_on, (benefit, applied_on))


def claim_refused(benefit: str, day: dt.date) -> Event:
    return Event("refuse", day, (benefit,))


def claim_pending(benefit: str, day: dt.date) -> Event:
    return Event("pending", day, (benefit,))


def claim_decided(benefit: str, day: dt.date, decided_at: dt.datetime) -> Event:
    """An approved claim decided at a past instant, which the action (deciding now)
    cannot write."""
    return Event("claim_row", day, (benefit, decided_at))


@dataclass(frozen=True)
class Setup:
    category: int = Category.PHYSICAL
    grade: int = 1
    kinds: str = ""  # the kinds a multiple (多重) disability combines
    born: dt.date = BORN
    issued: dt.date = ISSUED
    valid_until: dt.date | None = None  # ten years after issue unless given
    household: tuple[Status, ...] = (dibao(),)
    facts: tuple[Fact, ...] = ()
    events: tuple[Event, ...] = ()
    # Approved claims applied for in January 2014, before any month the tables look at.
    claims: tuple[str, ...] = ALL_BENEFITS


@dataclass(frozen=True)
class Row:
    person: str
    month: dt.date
    expect: dict[str, Outcome]


def row(person: str, in_month: dt.date, **expect: Outcome) -> Row:
    return Row(person, in_month, {COLUMNS[name]: outcome for name, outcome in expect.items()})


# --- running a table -------------------------------------------------------------------------


class Cast(NamedTuple):
    county: User
    city: User
    city2: User


@pytest.fixture
def cast(county, city) -> Cast:
    load_parameters(REGION)
    return Cast(county, city, factories.make_user("city2", Role.CITY_OFFICER, "5119"))


def set_value(cast: Cast, key: str, day: dt.date, value: Any) -> None:
    """A new dated value, proposed by one city officer and approved by another."""
    parameter = Parameter.objects.get(key=key)
    proposed = benefit_actions.propose_value(
        cast.city, parameter, day, value, "scenario test value", False
    )
    benefit_actions.approve_value(cast.city2, proposed)


def _record(cast: Cast, person: Person, event: Event) -> None:
    reason = "scenario test"
    if event.kind == "death":
        registry.record_death(cast.county, person, event.day)
    elif event.kind == "move_out":
        registry.record_move_out(cast.county, person, event.day, destination="广元市")
    elif event.kind == "freeze":
        registry.freeze_certificate(cast.county, person, event.day, reason=reason)
    elif event.kind == "unfreeze":
        registry.unfreeze_certificate(cast.county, person, event.day, reason=reason)
    elif event.kind == "cancel":
        registry.cancel_certificate(cast.county, person, event.day, reason=reason)
    elif event.kind == "reassessment":
        category, grade = event.args
        registry.record_reassessment(cast.county, person, event.day, category=category, grade=grade)
    elif event.kind in ("apply", "refuse", "pending"):
        claim = benefit_actions.apply_for_benefit(cast.county, person, event.args[0], event.day)
        if event.kind != "pending":
            benefit_actions.decide_claim(
                cast.county, claim, approve=event.kind == "apply", reason=reason
            )
    elif event.kind == "apply_and_end":
        benefit, applied_on = event.args
        claim = benefit_actions.apply_for_benefit(cast.county, person, benefit, applied_on)
        benefit_actions.decide_claim(cast.county, claim, approve=True)
        benefit_actions.end_claim(cast.county, claim, event.day, reason)
    elif event.kind == "claim_row":
        benefit, decided_at = event.args
        BenefitClaim.objects.create(
            person=person,
            benefit=benefit,
            applied_on=event.day,
            status=ClaimStatus.APPROVED,
            decided_by=cast.county,
            decided_at=decided_at,
            created_by=cast.county,
        )
    else:
        raise AssertionError(f"unknown event {event.kind}")


def build(cast: Cast, persons: dict[str, Setup]) -> dict[str, int]:
    """Register every person of a table; their facts and default claims in one write each."""
    ids: dict[str, int] = {}
    facts: list[PersonFact] = []
    claims: list[BenefitClaim] = []
    registered: dict[str, Person] = {}
    for label, setup in persons.items():
        person = factories.make_person(
            cast.county,
            id_number=factories.new_id_number(setup.born),
            certificate={
                "category": setup.category,
                "grade": setup.grade,
                "multiple_detail": setup.kinds,
                "issue_date": setup.issued,
                "valid_until": setup.valid_until,
            },
        )
        registered[label] = person
        ids[label] = person.pk
        for status in setup.household:
            registry.set_household_status(cast.county, person.household, *status)
        facts += [PersonFact(person=person, **fact._asdict()) for fact in setup.facts]
        claims += [
            BenefitClaim(
                person=person,
                benefit=benefit,
                applied_on=D(2014, 1, 1),
                status=ClaimStatus.APPROVED,
                decided_by=cast.county,
                decided_at=dt.datetime(2014, 1, 2, 10, tzinfo=dt.UTC),
                created_by=cast.county,
            )
            for benefit in setup.claims
        ]
    PersonFact.objects.bulk_create(facts)
    BenefitClaim.objects.bulk_create(claims)
    for label, setup in persons.items():
        for event in setup.events:
            _record(cast, registered[label], event)
    return ids


def _pay_from_application(parameters: ParameterSet, in_month: dt.date) -> bool:
    # As the payroll and the entitlements page read it.
    try:
        return bool(parameters.at(PAY_FROM_APPLICATION_MONTH, in_month).value)
    except LookupError:
        return True


def _amount(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _disagreements(
    where: str,
    outcome: BenefitOutcome,
    decision: dict | None,
    problem: str | None,
    facts_of_day: dict[dt.date, dict],
) -> list[str]:
    """Where the explanation of one benefit differs from the evaluation's decision."""
    found = []
    if problem is not None:
        if (outcome.problem, outcome.conditions) != (problem, []):
            found.append(f"{where}: explanation {outcome.problem!r}, evaluation {problem!r}")
        return found
    explained = (outcome.problem, outcome.day, outcome.eligible, outcome.claim, outcome.paid)
    decided = ("", decision["day"], decision["eligible"], decision["claim"], decision["paid"])
    if explained != decided or outcome.amount != _amount(decision["amount_fen"]):
        found.append(f"{where}: explanation {explained} {outcome.amount}, evaluation {decision}")
    not_met = [c for c in outcome.conditions if not c.passed]
    first_not_met = not_met[0].code if not_met else None
    if first_not_met != decision["failed"]:
        found.append(f"{where}: conditions not met {[c.code for c in not_met]}")
    if not_met and not (not_met[0].facts or not_met[0].parameters):
        found.append(f"{where}: {not_met[0].code} is shown without facts or parameters")
    day_facts = facts_of_day[decision["day"]]
    for condition in outcome.conditions:
        if not condition.applies and not condition.passed:
            found.append(f"{where}: {condition.code} does not apply yet is shown as not met")
        expected = {name: day_facts[name] for name in condition.facts}
        if condition.facts != expected:
            found.append(f"{where}: {condition.code} shows {condition.facts}, facts {expected}")
    return found


def _as_decided(decision: dict | None, problem: str | None, explained: BenefitOutcome) -> Outcome:
    if problem is not None:
        return not_configured(problem)
    not_met = [c for c in explained.conditions if not c.passed]
    return Outcome(
        eligible=decision["eligible"],
        paid=decision["paid"],
        amount=_amount(decision["amount_fen"]),
        failed=decision["failed"],
        shows=not_met[0].facts if not_met else None,
    )


def decide(ids: dict[str, int], rows: list[Row]) -> tuple[list[Row], list[str]]:
    """The rows as the engine decides them, and every disagreement between an explanation
    and the evaluation. Each month is evaluated once for all the persons; each row is
    explained for its person alone, for the benefits the row is about."""
    parameters = ParameterSet.load()
    scope = Scope.persons(ids.values())
    decided: dict[int, Row] = {}
    disagreements: list[str] = []
    for in_month in sorted({r.month for r in rows}):
        from_application = _pay_from_application(parameters, in_month)
        evaluation = evaluate(
            read_inputs(scope, pay_from_application_month=from_application), [in_month], parameters
        )
        decisions = {(r["person_id"], r["benefit"]): r for r in evaluation.decisions.to_pylist()}
        facts = {(r["person_id"], r["day"]): r for r in evaluation.facts.to_pylist()}
        for index, expected in enumerate(rows):
            if expected.month != in_month:
                continue
            person_id = ids[expected.person]
            alone = read_inputs(
                Scope.persons([person_id]), pay_from_application_month=from_application
            )
            benefits = tuple(BY_CODE[code] for code in expected.expect)
            explanation = explain(alone, person_id, in_month, parameters, benefits=benefits)
            days = {day: f for (pid, day), f in facts.items() if pid == person_id}
            outcomes = {}
            for explained in explanation:
                code = explained.benefit.code
                decision = decisions.get((person_id, code))
                problem = evaluation.not_configured.get(code)
                where = f"{expected.person} {in_month:%Y-%m} {code}"
                disagreements += _disagreements(where, explained, decision, problem, days)
                outcome = _as_decided(decision, problem, explained)
                if expected.expect[code].shows is None:
                    outcome = replace(outcome, shows=None)
                outcomes[code] = outcome
            decided[index] = Row(expected.person, in_month, outcomes)
    return [decided[i] for i in range(len(rows))], disagreements


def check(ids: dict[str, int], rows: list[Row]) -> None:
    decided, disagreements = decide(ids, rows)
    assert decided == rows
    assert disagreements == []


# --- the tables ------------------------------------------------------------------------------

JUN, JUL, AUG, SEP, OCT, NOV, DEC = (month(2024, m) for m in range(6, 13))
JAN25, FEB25, MAR25, APR25, SEP25 = (month(2025, m) for m in (1, 2, 3, 4, 9))


# Grades 1–4 of every category, each in a 低保 household, in September 2024: the living
# subsidy does not depend on the grade; the nursing subsidy pays grades 1 and 2 (the
# extension to grade 3–4 intellectual and mental disability is off by default).
KINDS = {Category.MULTIPLE: "1,4"}
GRID = {
    f"{category.name.lower()} grade {grade}": Setup(
        category=category, grade=grade, kinds=KINDS.get(category, "")
    )
    for category in Category
    for grade in (1, 2, 3, 4)
}
NURSING_BY_GRADE = {1: pays("110.00"), 2: pays("80.00")}
GRID_ROWS = [
    row(
        label,
        SEP,
        living=pays("100.00"),
        nursing=NURSING_BY_GRADE.get(
            setup.grade,
            fails("severe_grade", grade=setup.grade, category=int(setup.category)),
        ),
    )
    for label, setup in GRID.items()
]


def test_nursing_pays_grades_1_and_2_of_every_category_and_living_pays_every_grade(
    cast,
):
    check(build(cast, GRID), GRID_ROWS)


# The extension to grade 3–4 intellectual and mental disability, switched on from January
# 2025; its amount is not in the region pack, then given from February 2025.
EXTENDED = "subsidies.nursing.extended_to_grade_3_4_intellectual_mental"
AMOUNT_EXTENSION = "subsidies.nursing.amount_extension"
EXTENSION = {
    "intellectual grade 3": Setup(category=Category.INTELLECTUAL, grade=3),
    "intellectual grade 4": Setup(category=Category.INTELLECTUAL, grade=4),
    "mental grade 3": Setup(category=Category.MENTAL, grade=3),
    "mental grade 4": Setup(category=Category.MENTAL, grade=4),
    "physical grade 3": Setup(category=Category.PHYSICAL, grade=3),
    "intellectual grade 1": Setup(category=Category.INTELLECTUAL, grade=1),
}
EXTENSION_NOT_PRICED = [
    row("intellectual grade 3", DEC, nursing=fails("severe_grade", grade=3, category=5)),
    row(
        "intellectual grade 3", JAN25, nursing=not_configured(f"{AMOUNT_EXTENSION} {NO_VALUE_YET}")
    ),
]
EXTENSION_PRICED = [
    row(
        "intellectual grade 3",
        JAN25,
        nursing=not_configured(
            f"{AMOUNT_EXTENSION} has no value in force on 2025-01-01: it starts on 2025-02-01"
        ),
    ),
    row("intellectual grade 3", FEB25, nursing=pays("60.00")),
    row("intellectual grade 4", FEB25, nursing=pays("60.00")),
    row("mental grade 3", FEB25, nursing=pays("60.00")),
    row("mental grade 4", FEB25, nursing=pays("60.00")),
    row("physical grade 3", FEB25, nursing=fails("severe_grade", grade=3, category=4)),
    row("intellectual grade 1", FEB25, nursing=pays("110.00")),
]


def test_the_extension_to_grade_3_and_4_intellectual_and_mental_needs_its_own_amount(cast):
    set_value(cast, EXTENDED, D(2025, 1, 1), True)
    ids = build(cast, EXTENSION)
    check(ids, EXTENSION_NOT_PRICED)
    set_value(cast, AMOUNT_EXTENSION, D(2025, 2, 1), Decimal("60"))
    check(ids, EXTENSION_PRICED)


# 低保 periods that start or end inside a month: the month it starts is paid, the month
# after it ends is not.
NOT_HARDSHIP = {"dibao": False, "low_income": False}
HOUSEHOLDS = {
    "低保 from 1 September": Setup(household=(dibao(D(2024, 9, 1)),)),
    "低保 from 15 September": Setup(household=(dibao(D(2024, 9, 15)),)),
    "低保 from 30 September": Setup(household=(dibao(D(2024, 9, 30)),)),
    "低保 until 31 October": Setup(household=(dibao(end=D(2024, 10, 31)),)),
    "低保 until 1 November": Setup(household=(dibao(end=D(2024, 11, 1)),)),
    "低保 until 15 November": Setup(household=(dibao(end=D(2024, 11, 15)),)),
    "no household status": Setup(household=()),
    "low-income household": Setup(household=(low_income(),)),
}
HOUSEHOLD_ROWS = [
    row("低保 from 1 September", AUG, living=fails("hardship_household", **NOT_HARDSHIP)),
    row("低保 from 1 September", SEP, living=pays("100.00")),
    row("低保 from 15 September", SEP, living=pays("100.00")),
    row("低保 from 30 September", SEP, living=pays("100.00")),
    row("低保 until 31 October", OCT, living=pays("100.00")),
    row("低保 until 31 October", NOV, living=fails("hardship_household", **NOT_HARDSHIP)),
    row("低保 until 1 November", NOV, living=pays("100.00")),
    row("低保 until 1 November", DEC, living=fails("hardship_household", **NOT_HARDSHIP)),
    row("低保 until 15 November", NOV, living=pays("100.00")),
    row("低保 until 15 November", DEC, living=fails("hardship_household", **NOT_HARDSHIP)),
    # The nursing subsidy is not means-tested.
    row(
        "no household status",
        SEP,
        living=fails("hardship_household", **NOT_HARDSHIP),
        nursing=pays("110.00"),
    ),
    row(
        "low-income household",
        SEP,
        living=fails("hardship_household", dibao=False, low_income=True),
        nursing=pays("110.00"),
    ),
]


def test_the_living_subsidy_pays_the_month_dibao_starts_and_stops_the_month_after_it_ends(cast):
    check(build(cast, HOUSEHOLDS), HOUSEHOLD_ROWS)


# Low-income households are covered from January 2025 in this test.
COVERS_LOW_INCOME = "subsidies.living.covers_low_income_households"
LOW_INCOME = {
    "low-income household": Setup(household=(low_income(),)),
    "low-income from 31 January 2025": Setup(household=(low_income(D(2025, 1, 31)),)),
    "low-income until 31 December 2024": Setup(household=(low_income(end=D(2024, 12, 31)),)),
    "no household status": Setup(household=()),
}
LOW_INCOME_ROWS = [
    row(
        "low-income household",
        DEC,
        living=fails("hardship_household", dibao=False, low_income=True),
    ),
    row("low-income household", JAN25, living=pays("100.00")),
    row("low-income from 31 January 2025", JAN25, living=pays("100.00")),
    row(
        "low-income until 31 December 2024",
        JAN25,
        living=fails("hardship_household", **NOT_HARDSHIP),
    ),
]


def test_low_income_households_get_the_living_subsidy_only_once_the_parameter_covers_them(
    cast,
):
    set_value(cast, COVERS_LOW_INCOME, D(2025, 1, 1), True)
    check(build(cast, LOW_INCOME), LOW_INCOME_ROWS)


# Death and moving out: the month it happens is paid, the month after is not.
DEAD = {"alive": False}
GONE = {"resident": False}
DEATHS_AND_MOVES = {
    "dies on 1 October": Setup(events=(died(D(2024, 10, 1)),)),
    "dies on 31 October": Setup(events=(died(D(2024, 10, 31)),)),
    "moves out on 1 October": Setup(events=(moved_out(D(2024, 10, 1)),)),
    "moves out on 31 October": Setup(events=(moved_out(D(2024, 10, 31)),)),
}
BOTH_PAID = {"living": pays("100.00"), "nursing": pays("110.00")}
DEATHS_AND_MOVES_ROWS = [
    row("dies on 1 October", OCT, **BOTH_PAID),
    row("dies on 1 October", NOV, living=fails("alive", **DEAD), nursing=fails("alive", **DEAD)),
    row("dies on 31 October", OCT, **BOTH_PAID),
    row("dies on 31 October", NOV, living=fails("alive", **DEAD), nursing=fails("alive", **DEAD)),
    row("moves out on 1 October", OCT, **BOTH_PAID),
    row(
        "moves out on 1 October",
        NOV,
        living=fails("resident", **GONE),
        nursing=fails("resident", **GONE),
    ),
    row("moves out on 31 October", OCT, **BOTH_PAID),
    row("moves out on 31 October", NOV, living=fails("resident", **GONE)),
]


def test_a_death_or_a_move_out_is_paid_for_its_month_and_not_after(cast):
    check(build(cast, DEATHS_AND_MOVES), DEATHS_AND_MOVES_ROWS)


# Certificates: expiry, freezing, cancelling and re-assessment, recorded through the
# registry actions so that the facts of a past day come from the life-event history.
CERTIFICATES = {
    "valid until 1 October": Setup(valid_until=D(2024, 10, 1)),
    "valid until 15 October": Setup(valid_until=D(2024, 10, 15)),
    "valid until 31 October": Setup(valid_until=D(2024, 10, 31)),
    "issued on 15 October": Setup(issued=D(2024, 10, 15)),
    "frozen on 1 October": Setup(events=(frozen(D(2024, 10, 1)),)),
    "frozen on 15 October": Setup(events=(frozen(D(2024, 10, 15)),)),
    "frozen on 15 October, unfrozen on 20 November": Setup(
        events=(frozen(D(2024, 10, 15)), unfrozen(D(2024, 11, 20)))
    ),
    "cancelled on 10 March 2025": Setup(events=(cancelled(D(2025, 3, 10)),)),
    "grade 3 to 1 on 15 October": Setup(grade=3, events=(reassessed(D(2024, 10, 15), 1),)),
    "grade 3 to 1 on 31 October": Setup(grade=3, events=(reassessed(D(2024, 10, 31), 1),)),
    "grade 1 to 3 on 15 October": Setup(grade=1, events=(reassessed(D(2024, 10, 15), 3),)),
    "grade 1 to 3 on 1 October": Setup(grade=1, events=(reassessed(D(2024, 10, 1), 3),)),
    "grade 2 to 1 on 15 October": Setup(grade=2, events=(reassessed(D(2024, 10, 15), 1),)),
    "grade 1 to 2 on 15 October": Setup(grade=1, events=(reassessed(D(2024, 10, 15), 2),)),
}


def expired(day: dt.date) -> dict[str, Outcome]:
    condition = fails("certificate_not_expired", valid_until=day)
    return {"living": condition, "nursing": condition}


def status(value: str) -> dict[str, Outcome]:
    condition = fails("certificate_in_force", cert_status=value)
    return {"living": condition, "nursing": condition}


CERTIFICATE_ROWS = [
    row("valid until 1 October", OCT, **BOTH_PAID),
    row("valid until 1 October", NOV, **expired(D(2024, 10, 1))),
    row("valid until 15 October", OCT, **BOTH_PAID),
    row("valid until 15 October", NOV, **expired(D(2024, 10, 15))),
    row("valid until 31 October", OCT, **BOTH_PAID),
    row("valid until 31 October", NOV, **expired(D(2024, 10, 31))),
    row(
        "issued on 15 October",
        SEP,
        living=fails("certificate_in_force"),
        nursing=fails("certificate_in_force"),
    ),
    row("issued on 15 October", OCT, **BOTH_PAID),
    row("frozen on 1 October", OCT, **BOTH_PAID),
    row("frozen on 1 October", NOV, **status("frozen")),
    row("frozen on 15 October", OCT, **BOTH_PAID),
    row("frozen on 15 October", NOV, **status("frozen")),
    row("frozen on 15 October, unfrozen on 20 November", NOV, **BOTH_PAID),
    row("cancelled on 10 March 2025", FEB25, **BOTH_PAID),
    row("cancelled on 10 March 2025", MAR25, **BOTH_PAID),
    row("cancelled on 10 March 2025", APR25, **status("cancelled")),
    row(
        "grade 3 to 1 on 15 October",
        SEP,
        living=pays("100.00"),
        nursing=fails("severe_grade", grade=3, category=4),
    ),
    row("grade 3 to 1 on 15 October", OCT, **BOTH_PAID),
    row("grade 3 to 1 on 31 October", OCT, **BOTH_PAID),
    row("grade 1 to 3 on 15 October", OCT, **BOTH_PAID),
    row(
        "grade 1 to 3 on 15 October",
        NOV,
        living=pays("100.00"),
        nursing=fails("severe_grade", grade=3, category=4),
    ),
    row("grade 1 to 3 on 1 October", OCT, **BOTH_PAID),
    row(
        "grade 1 to 3 on 1 October",
        NOV,
        living=pays("100.00"),
        nursing=fails("severe_grade", grade=3, category=4),
    ),
    row("grade 2 to 1 on 15 October", OCT, **BOTH_PAID),
    row("grade 1 to 2 on 15 October", OCT, **BOTH_PAID),
    row("grade 1 to 2 on 15 October", NOV, living=pays("100.00"), nursing=pays("80.00")),
]


def test_a_certificate_counts_as_it_stood_on_each_day_of_the_month_from_its_history(cast):
    check(build(cast, CERTIFICATES), CERTIFICATE_ROWS)


# Overlaps: 特困 support excludes both subsidies; the work-injury nursing allowance excludes
# the nursing subsidy only; with the elderly care subsidy the higher one applies.
TEKUN = {"tekun": True}
OVERLAPS = {
    "低保 and 特困 household": Setup(household=(dibao(), tekun())),
    "特困 household": Setup(household=(tekun(),)),
    "特困 from 15 October": Setup(household=(dibao(), tekun(D(2024, 10, 15)))),
    "work-injury nursing allowance": Setup(facts=(work_injury_nursing("1200.00"),)),
    "work-injury nursing allowance from 15 October": Setup(
        facts=(work_injury_nursing("1200.00", D(2024, 10, 15)),)
    ),
    "grade 1, elderly care 109.99": Setup(facts=(elderly_care("109.99"),)),
    "grade 1, elderly care 110": Setup(facts=(elderly_care("110.00"),)),
    "grade 1, elderly care 200": Setup(facts=(elderly_care("200.00"),)),
    "grade 2, elderly care 79.99": Setup(grade=2, facts=(elderly_care("79.99"),)),
    "grade 2, elderly care 80": Setup(grade=2, facts=(elderly_care("80.00"),)),
}
OVERLAP_ROWS = [
    row(
        "低保 and 特困 household",
        SEP,
        living=fails("not_tekun", **TEKUN),
        nursing=fails("not_tekun", **TEKUN),
    ),
    row(
        "特困 household",
        SEP,
        living=fails("hardship_household", **NOT_HARDSHIP),
        nursing=fails("not_tekun", **TEKUN),
    ),
    row("特困 from 15 October", OCT, **BOTH_PAID),
    row(
        "特困 from 15 October",
        NOV,
        living=fails("not_tekun", **TEKUN),
        nursing=fails("not_tekun", **TEKUN),
    ),
    row(
        "work-injury nursing allowance",
        SEP,
        living=pays("100.00"),
        nursing=fails("no_work_injury_nursing", work_injury_nursing_fen=120000),
    ),
    row("work-injury nursing allowance from 15 October", OCT, **BOTH_PAID),
    row(
        "work-injury nursing allowance from 15 October",
        NOV,
        living=pays("100.00"),
        nursing=fails("no_work_injury_nursing", work_injury_nursing_fen=120000),
    ),
    row("grade 1, elderly care 109.99", SEP, **BOTH_PAID),
    row(
        "grade 1, elderly care 110",
        SEP,
        living=pays("100.00"),
        nursing=fails("higher_than_elderly_care", elderly_care_fen=11000),
    ),
    row(
        "grade 1, elderly care 200",
        SEP,
        living=pays("100.00"),
        nursing=fails("higher_than_elderly_care", elderly_care_fen=20000),
    ),
    row("grade 2, elderly care 79.99", SEP, living=pays("100.00"), nursing=pays("80.00")),
    row(
        "grade 2, elderly care 80",
        SEP,
        living=pays("100.00"),
        nursing=fails("higher_than_elderly_care", elderly_care_fen=8000),
    ),
]


def test_tekun_the_work_injury_allowance_and_a_higher_elderly_care_subsidy_exclude_as_set(
    cast,
):
    check(build(cast, OVERLAPS), OVERLAP_ROWS)


# The same overlaps with each exclusion switched the other way from January 2025.
SWITCHED = {
    "低保 and 特困 household": Setup(household=(dibao(), tekun())),
    "work-injury nursing allowance": Setup(facts=(work_injury_nursing("1200.00"),)),
    "grade 1, elderly care 200": Setup(facts=(elderly_care("200.00"),)),
}
SWITCHED_ROWS = [
    row(
        "低保 and 特困 household",
        DEC,
        living=fails("not_tekun", **TEKUN),
        nursing=fails("not_tekun", **TEKUN),
    ),
    row("低保 and 特困 household", JAN25, **BOTH_PAID),
    row(
        "work-injury nursing allowance",
        DEC,
        living=pays("100.00"),
        nursing=fails("no_work_injury_nursing", work_injury_nursing_fen=120000),
    ),
    row(
        "work-injury nursing allowance",
        JAN25,
        living=fails("no_work_injury_nursing", work_injury_nursing_fen=120000),
        nursing=pays("110.00"),
    ),
    row(
        "grade 1, elderly care 200",
        DEC,
        nursing=fails("higher_than_elderly_care", elderly_care_fen=20000),
    ),
    row("grade 1, elderly care 200", JAN25, nursing=pays("110.00")),
]


def test_each_exclusion_follows_its_parameter_on_both_sides_of_a_new_date(cast):
    for key, value in (
        ("subsidies.living.excludes_tekun", False),
        ("subsidies.nursing.excludes_tekun", False),
        ("subsidies.living.excludes_work_injury_nursing", True),
        ("subsidies.nursing.excludes_work_injury_nursing", False),
        ("subsidies.nursing.elderly_care_higher_applies", False),
    ):
        set_value(cast, key, D(2025, 1, 1), value)
    check(build(cast, SWITCHED), SWITCHED_ROWS)


# The Sichuan standard (川民规〔2024〕1号) is in the region pack from 2024-07-01 only.
STANDARD = {"grade 1": Setup(grade=1), "grade 2": Setup(grade=2)}
STANDARD_ROWS = [
    row(
        "grade 1",
        JUN,
        living=not_configured(
            "subsidies.living.amount has no value in force on 2024-06-01: it starts on 2024-07-01"
        ),
        nursing=not_configured(
            "subsidies.nursing.elderly_care_higher_applies has no value in force on "
            "2024-06-01: it starts on 2024-07-01"
        ),
    ),
    row("grade 1", JUL, living=pays("100.00"), nursing=pays("110.00")),
    row("grade 2", JUL, living=pays("100.00"), nursing=pays("80.00")),
]


def test_the_subsidies_are_not_configured_before_the_standard_starts_in_july_2024(cast):
    check(build(cast, STANDARD), STANDARD_ROWS)


# Claims: the rules decide the entitlement; an approved claim lets it be paid, from the
# month of application until the month its claim ends.
CLAIMS = {
    "no claim": Setup(claims=()),
    "applied on 1 October": Setup(claims=(), events=(applied(LIVING, D(2024, 10, 1)),)),
    "applied on 31 October": Setup(claims=(), events=(applied(LIVING, D(2024, 10, 31)),)),
    "claim ended on 1 November": Setup(
        claims=(), events=(claim_ended(LIVING, D(2024, 9, 5), D(2024, 11, 1)),)
    ),
    "claim ended on 30 November": Setup(
        claims=(), events=(claim_ended(LIVING, D(2024, 9, 5), D(2024, 11, 30)),)
    ),
    "claim refused": Setup(claims=(), events=(claim_refused(LIVING, D(2024, 9, 5)),)),
    "claim pending": Setup(claims=(), events=(claim_pending(LIVING, D(2024, 9, 5)),)),
}
CLAIM_ROWS = [
    row("no claim", SEP, living=unclaimed("100.00"), nursing=unclaimed("110.00")),
    row("applied on 1 October", SEP, living=unclaimed("100.00")),
    row("applied on 1 October", OCT, living=pays("100.00"), nursing=unclaimed("110.00")),
    row("applied on 31 October", OCT, living=pays("100.00")),
    row("claim ended on 1 November", NOV, living=pays("100.00")),
    row("claim ended on 1 November", DEC, living=unclaimed("100.00")),
    row("claim ended on 30 November", NOV, living=pays("100.00")),
    row("claim ended on 30 November", DEC, living=unclaimed("100.00")),
    row("claim refused", OCT, living=unclaimed("100.00")),
    row("claim pending", OCT, living=unclaimed("100.00")),
]


def test_an_entitlement_is_paid_only_under_an_approved_claim_from_the_month_of_application(
    cast,
):
    check(build(cast, CLAIMS), CLAIM_ROWS)


# From January 2025 (in this test) a claim pays from the month it was decided instead; the
# month of a decision is its Beijing-time month.
BEIJING = dt.timezone(dt.timedelta(hours=8))
DECIDED_LATE = {
    "applied 10 September 2024, decided 5 November 2024": Setup(
        claims=(),
        events=(
            claim_decided(LIVING, D(2024, 9, 10), dt.datetime(2024, 11, 5, 10, tzinfo=BEIJING)),
        ),
    ),
    "applied 10 January 2025, decided 5 March 2025": Setup(
        claims=(),
        events=(
            claim_decided(LIVING, D(2025, 1, 10), dt.datetime(2025, 3, 5, 10, tzinfo=BEIJING)),
        ),
    ),
    "applied 10 January 2025, decided 1 March 2025 at 00:30": Setup(
        claims=(),
        events=(
            claim_decided(LIVING, D(2025, 1, 10), dt.datetime(2025, 3, 1, 0, 30, tzinfo=BEIJING)),
        ),
    ),
    "applied 10 January 2025, decided 28 February 2025 at 23:30": Setup(
        claims=(),
        events=(
            claim_decided(LIVING, D(2025, 1, 10), dt.datetime(2025, 2, 28, 23, 30, tzinfo=BEIJING)),
        ),
    ),
}
DECIDED_LATE_ROWS = [
    row("applied 10 September 2024, decided 5 November 2024", SEP, living=pays("100.00")),
    row("applied 10 January 2025, decided 5 March 2025", JAN25, living=unclaimed("100.00")),
    row("applied 10 January 2025, decided 5 March 2025", MAR25, living=pays("100.00")),
    row(
        "applied 10 January 2025, decided 1 March 2025 at 00:30",
        FEB25,
        living=unclaimed("100.00"),
    ),
    row("applied 10 January 2025, decided 1 March 2025 at 00:30", MAR25, living=pays("100.00")),
    row("applied 10 January 2025, decided 28 February 2025 at 23:30", FEB25, living=pays("100.00")),
]


def test_without_pay_from_application_a_claim_pays_from_the_month_it_was_decided(cast):
    set_value(cast, PAY_FROM_APPLICATION_MONTH, D(2025, 1, 1), False)
    check(build(cast, DECIDED_LATE), DECIDED_LATE_ROWS)


# The resident pension premium, paid in January for insured grade 1–2 persons aged 16 to
# 59: an age reached on any day of January counts for January.
INSURED = (pension_insured(),)
PENSION_PERSONS = {
    "turns 16 on 1 January 2025": Setup(born=D(2009, 1, 1), facts=INSURED),
    "turns 16 on 31 January 2025": Setup(born=D(2009, 1, 31), facts=INSURED),
    "turns 16 on 1 February 2025": Setup(born=D(2009, 2, 1), facts=INSURED),
    "turns 60 on 1 January 2025": Setup(born=D(1965, 1, 1), facts=INSURED),
    "turns 60 on 2 January 2025": Setup(born=D(1965, 1, 2), facts=INSURED),
    "grade 2": Setup(grade=2, facts=INSURED),
    "grade 3": Setup(grade=3, facts=INSURED),
    "not insured": Setup(),
    "insured from 31 January 2025": Setup(facts=(pension_insured(D(2025, 1, 31)),)),
    "dies on 1 January 2025": Setup(facts=INSURED, events=(died(D(2025, 1, 1)),)),
    "dies on 31 December 2024": Setup(facts=INSURED, events=(died(D(2024, 12, 31)),)),
    "certificate from June 2014": Setup(issued=D(2014, 6, 1), facts=INSURED),
}
PENSION_ROWS = [
    row("turns 16 on 1 January 2025", JAN25, pension=pays("100.00")),
    row("turns 16 on 31 January 2025", JAN25, pension=pays("100.00")),
    row("turns 16 on 1 February 2025", JAN25, pension=fails("contribution_age", age=15)),
    row("turns 60 on 1 January 2025", JAN25, pension=fails("contribution_age", age=60)),
    row("turns 60 on 2 January 2025", JAN25, pension=pays("100.00")),
    row("grade 2", DEC, pension=fails("payment_month")),
    row("grade 2", JAN25, pension=pays("100.00")),
    row("grade 2", FEB25, pension=fails("payment_month")),
    row("grade 3", JAN25, pension=fails("severe_grade", grade=3)),
    row("not insured", JAN25, pension=fails("insured", resident_pension=False)),
    row("insured from 31 January 2025", JAN25, pension=pays("100.00")),
    row("dies on 1 January 2025", JAN25, pension=pays("100.00")),
    row("dies on 31 December 2024", JAN25, pension=fails("alive", **DEAD)),
    row(
        "certificate from June 2014",
        month(2014, 1),
        pension=not_configured(
            "insurance.resident_pension.contribution_age_min has no value in force on "
            "2014-01-01: it starts on 2014-02-21"
        ),
    ),
    row("certificate from June 2014", month(2015, 1), pension=pays("100.00")),
]


def test_the_pension_premium_is_paid_in_january_for_ages_16_to_59_on_some_day_of_january(
    cast,
):
    check(build(cast, PENSION_PERSONS), PENSION_ROWS)


# Education aid: no Bazhong figures were found, so the rule reports what is missing; with
# values entered (from September 2024, in this test) it pays by school level in September.
EDUCATION_VALUES = {
    "education_aid.payment_month": 9,
    "education_aid.requires_low_income": False,
    "education_aid.amount_preschool": Decimal("1000"),
    "education_aid.amount_primary": Decimal("500"),
    "education_aid.amount_junior": Decimal("625.50"),
    "education_aid.amount_senior": Decimal("1500"),
    "education_aid.amount_higher": Decimal("3000"),
}
STUDENTS = {
    "pre-school pupil": Setup(facts=(school(SchoolLevel.PRESCHOOL),)),
    "primary pupil": Setup(facts=(school(SchoolLevel.PRIMARY),)),
    "junior secondary pupil": Setup(facts=(school(SchoolLevel.JUNIOR),)),
    "senior secondary pupil": Setup(facts=(school(SchoolLevel.SENIOR),)),
    "university student": Setup(facts=(school(SchoolLevel.HIGHER),)),
    "primary pupil, no household status": Setup(household=(), facts=(school(SchoolLevel.PRIMARY),)),
    "primary pupil, low-income household": Setup(
        household=(low_income(),), facts=(school(SchoolLevel.PRIMARY),)
    ),
    "primary pupil, 特困 household": Setup(
        household=(tekun(),), facts=(school(SchoolLevel.PRIMARY),)
    ),
    "not in school": Setup(),
    "left school on 31 August 2024": Setup(facts=(school(SchoolLevel.SENIOR, end=D(2024, 8, 31)),)),
    "enrolled on 30 September 2024": Setup(
        facts=(school(SchoolLevel.JUNIOR, start=D(2024, 9, 30)),)
    ),
}
EDUCATION_MISSING = [
    row(
        "primary pupil",
        SEP,
        education=not_configured(f"education_aid.requires_low_income {NO_VALUE_YET}"),
    ),
]
EDUCATION_ROWS = [
    row(
        "primary pupil",
        AUG,
        education=not_configured(
            "education_aid.requires_low_income has no value in force on 2024-08-01: "
            "it starts on 2024-09-01"
        ),
    ),
    row("pre-school pupil", SEP, education=pays("1000.00")),
    row("primary pupil", SEP, education=pays("500.00")),
    row("junior secondary pupil", SEP, education=pays("625.50")),
    row("senior secondary pupil", SEP, education=pays("1500.00")),
    row("university student", SEP, education=pays("3000.00")),
    row("primary pupil, no household status", SEP, education=pays("500.00")),
    row("not in school", SEP, education=fails("student", school_level=None)),
    row("left school on 31 August 2024", SEP, education=fails("student", school_level=None)),
    row("enrolled on 30 September 2024", SEP, education=pays("625.50")),
    row("primary pupil", OCT, education=fails("payment_month")),
]
# Means-tested from January 2025 (in this test): the next payment month is September 2025.
EDUCATION_MEANS_TESTED_ROWS = [
    row(
        "primary pupil, no household status",
        SEP25,
        education=fails("hardship_household", dibao=False, tekun=False, low_income=False),
    ),
    row("primary pupil", SEP25, education=pays("500.00")),
    row("primary pupil, low-income household", SEP25, education=pays("500.00")),
    row("primary pupil, 特困 household", SEP25, education=pays("500.00")),
]


def test_education_aid_is_missing_its_values_then_pays_by_school_level_in_its_month(cast):
    ids = build(cast, STUDENTS)
    check(ids, EDUCATION_MISSING)
    for key, value in EDUCATION_VALUES.items():
        set_value(cast, key, D(2024, 9, 1), value)
    check(ids, EDUCATION_ROWS)
    set_value(cast, "education_aid.requires_low_income", D(2025, 1, 1), True)
    check(ids, EDUCATION_MEANS_TESTED_ROWS)


# The motorised wheelchair fuel subsidy: physical disability (alone or in a multiple one)
# and a licensed motorised wheelchair; its values are entered from October 2024 here.
RIDERS = {
    "physical, motorised wheelchair": Setup(facts=(wheelchair(),)),
    "multiple with physical, motorised wheelchair": Setup(
        category=Category.MULTIPLE, kinds="1,4", facts=(wheelchair(),)
    ),
    "multiple without physical, motorised wheelchair": Setup(
        category=Category.MULTIPLE, kinds="1,2", facts=(wheelchair(),)
    ),
    "vision, motorised wheelchair": Setup(category=Category.VISION, facts=(wheelchair(),)),
    "physical, no motorised wheelchair": Setup(),
    "physical, motorised wheelchair from 31 October": Setup(facts=(wheelchair(D(2024, 10, 31)),)),
}
FUEL_MISSING = [
    row(
        "physical, motorised wheelchair",
        OCT,
        fuel=not_configured(f"subsidies.wheelchair_fuel.payment_month {NO_VALUE_YET}"),
    ),
]
FUEL_ROWS = [
    row(
        "physical, motorised wheelchair",
        SEP,
        fuel=not_configured(
            "subsidies.wheelchair_fuel.payment_month has no value in force on 2024-09-01: "
            "it starts on 2024-10-01"
        ),
    ),
    row("physical, motorised wheelchair", OCT, fuel=pays("260.50")),
    row("multiple with physical, motorised wheelchair", OCT, fuel=pays("260.50")),
    row(
        "multiple without physical, motorised wheelchair",
        OCT,
        fuel=fails("physical", category=7),
    ),
    row("vision, motorised wheelchair", OCT, fuel=fails("physical", category=1)),
    row(
        "physical, no motorised wheelchair",
        OCT,
        fuel=fails("motorised_wheelchair", motor_wheelchair=False),
    ),
    row("physical, motorised wheelchair from 31 October", OCT, fuel=pays("260.50")),
    row("physical, motorised wheelchair", NOV, fuel=fails("payment_month")),
]


def test_the_wheelchair_fuel_subsidy_is_missing_its_values_then_pays_physical_riders_in_its_month(
    cast,
):
    ids = build(cast, RIDERS)
    check(ids, FUEL_MISSING)
    set_value(cast, "subsidies.wheelchair_fuel.payment_month", D(2024, 10, 1), 10)
    set_value(cast, "subsidies.wheelchair_fuel.amount", D(2024, 10, 1), Decimal("260.50"))
    check(ids, FUEL_ROWS)


def test_an_explanation_shows_the_condition_not_met_its_facts_and_the_parameters_with_sources(
    cast,
):
    ids = build(cast, {"grade 3": Setup(grade=3, facts=(work_injury_nursing("1200.00"),))})
    person_id = ids["grade 3"]
    living, nursing = explain(
        read_inputs(Scope.persons([person_id])),
        person_id,
        SEP,
        ParameterSet.load(),
        benefits=(BY_CODE[LIVING], BY_CODE[NURSING]),
    )

    assert (nursing.eligible, nursing.paid, nursing.amount) == (False, False, Decimal("0.00"))
    severe = next(c for c in nursing.conditions if c.code == "severe_grade")
    assert (severe.passed, severe.applies, severe.facts) == (
        False,
        True,
        {"grade": 3, "category": 4},
    )
    assert [(p.key, p.value, p.effective_from, p.verified) for p in severe.parameters] == [
        ("subsidies.nursing.eligible_grades", (1, 2), D(2016, 1, 1), True),
        (
            "subsidies.nursing.extended_to_grade_3_4_intellectual_mental",
            False,
            D(2016, 1, 1),
            False,
        ),
    ]
    assert severe.parameters[0].source == (
        '国发〔2015〕52号 ("残疾等级被评定为一级、二级且需要长期照护的重度残疾人"), text quoted at '
        "http://m.creditsailing.com/HuiMinZhengCe/742056.html [V-copy]"
    )
    # The work-injury allowance also excludes the nursing subsidy: shown as not met too.
    assert [c.code for c in nursing.conditions if not c.passed] == [
        "severe_grade",
        "no_work_injury_nursing",
    ]

    # The living subsidy does not exclude it in Sichuan: shown as passed and not applied.
    assert (living.eligible, living.paid, living.amount) == (True, True, Decimal("100.00"))
    exclusion = next(c for c in living.conditions if c.code == "no_work_injury_nursing")
    assert (exclusion.passed, exclusion.applies, exclusion.facts) == (
        True,
        False,
        {"work_injury_nursing_fen": 120000},
    )
    amount = next(p for p in living.parameters if p.key == "subsidies.living.amount")
    assert (amount.value, amount.effective_from, amount.verified) == (
        Decimal("100.00"),
        D(2024, 7, 1),
        False,
    )
