"""The monthly risk screening: the facts of a month per person, the rules over them, the
score and the level; and the same, rule by rule, for one person's explanation.

Written as Ibis expressions (DESIGN.md §4) over the Arrow tables of
:mod:`tongxing.monitoring.inputs` and run by DuckDB. Every per-person fact is an
aggregate joined to the persons (left joins, no ``IN (subquery)``).

**Which days count.** Rules never read "today": a month's screening looks at the month's
last day (is the person employed, is 低保 in force) and at the look-back window, the
``monitoring.lookback_months`` calendar months ending with the screened month (a job
ended, a hardship reported, the head of the household died, 低保 ended). Thresholds are
read on the month's first day, as are the weights and levels.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tongxing.benefits.engine import _named, _run, month_bounds
from tongxing.benefits.parameters import ParameterAt, ParameterLookupError, ParameterSet
from tongxing.benefits.rules.base import Params
from tongxing.employment.models import WorkStatus
from tongxing.monitoring.inputs import Inputs
from tongxing.monitoring.models import CircumstanceKind
from tongxing.monitoring.rules import LOOKBACK, RULES, RiskRule
from tongxing.monitoring.ruleset import LEVELS, RuleSet
from tongxing.registry.models import PersonStatus

RESULTS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("area_id", pa.string()),
        ("score", pa.int64()),
        ("level", pa.string()),
        ("rules", pa.string()),
    ]
)


def window_start(month: dt.date, lookback_months: int) -> dt.date:
    """The first day of the look-back window: ``lookback_months`` calendar months ending
    with ``month`` (at least the month itself)."""
    index = month.year * 12 + month.month - 1 - max(lookback_months - 1, 0)
    return dt.date(index // 12, index % 12 + 1, 1)


def _between(column: ir.DateValue, since: dt.date, until: dt.date) -> ir.BooleanValue:
    return (column >= since) & (column <= until)


def _in_force_on(t: ir.Table, day: dt.date) -> ir.BooleanValue:
    return (t.start_date <= day) & (t.end_date.isnull() | (t.end_date >= day))


def _attach(base: ir.Table, other: ir.Table, key: str) -> ir.Table:
    """``base`` with ``other``'s columns, matched on ``key`` (kept once)."""
    joined = base.left_join(other, base[key] == other[key])
    extra = [c for c in other.columns if c != key]
    return joined.select(*[joined[c] for c in base.columns], *[joined[c] for c in extra])


def _ended_and_current(
    f: ir.Table,
    periods: ir.Table,
    key: str,
    window: tuple[dt.date, dt.date],
    *,
    ended_as: str,
    current_as: str,
) -> ir.Table:
    """``f`` with the latest end of a period (employment, 低保) within ``window`` and
    whether a period is in force on the window's last day."""
    since, last = window
    ended = periods.filter(periods.end_date.notnull() & _between(periods.end_date, since, last))
    f = _attach(f, ended.group_by(key).aggregate(**{ended_as: ended.end_date.max()}), key)
    current = periods.filter(_in_force_on(periods, last))
    return _attach(
        f, current.select(key).distinct().mutate(**{current_as: ibis.literal(True)}), key
    )


def population(persons: ir.Table, month: dt.date) -> ir.Table:
    """The persons screened for ``month``: alive and in the region at its end."""
    last = month_bounds(month)[1]
    return persons.filter(
        (persons.status != PersonStatus.MOVED_OUT.value)
        & (persons.date_of_death.isnull() | (persons.date_of_death > last))
    ).select("person_id", "area_id", "household_id", "grade")


def facts_expr(t: dict[str, ir.Table], month: dt.date, lookback_months: int) -> ir.Table:
    """One row per person screened for ``month``, with every fact the rules read."""
    first, last = month_bounds(month)
    since = window_start(first, lookback_months)
    f = population(t["persons"], first)

    surveys = t["surveys"]
    surveys = surveys.filter(surveys.year <= first.year)
    f = _attach(
        f,
        surveys.group_by("person_id").aggregate(
            survey_year=surveys.year.max(),
            household_income_fen=surveys.income_fen.argmax(surveys.year),
            has_caregiver=surveys.has_caregiver.argmax(surveys.year),
        ),
        "person_id",
    )

    c = t["circumstances"]
    c = c.filter(_between(c.occurred_on, since, last))
    medical = c.filter(c.kind == CircumstanceKind.MEDICAL_EXPENSE.value)
    f = _attach(
        f,
        medical.group_by("person_id").aggregate(medical_fen=medical.amount_fen.sum()),
        "person_id",
    )
    for kind, name in (
        (CircumstanceKind.DISASTER, "disaster_on"),
        (CircumstanceKind.BREADWINNER_ILLNESS, "breadwinner_ill_on"),
    ):
        of_kind = c.filter(c.kind == kind.value)
        f = _attach(
            f,
            of_kind.group_by("person_id").aggregate(**{name: of_kind.occurred_on.max()}),
            "person_id",
        )

    e = t["employment"]
    f = _ended_and_current(
        f,
        e.filter(e.status == WorkStatus.EMPLOYED.value),
        "person_id",
        (since, last),
        ended_as="employment_ended_on",
        current_as="employed_at_end",
    )

    heads = t["heads_died"]
    heads = heads.filter(_between(heads.date_of_death, since, last))
    f = _attach(
        f,
        heads.group_by("household_id").aggregate(breadwinner_died_on=heads.date_of_death.max()),
        "household_id",
    )

    f = _ended_and_current(
        f,
        t["dibao"],
        "household_id",
        (since, last),
        ended_as="dibao_ended_on",
        current_as="dibao_at_end",
    )
    return f.mutate(
        employed_at_end=f.employed_at_end.fill_null(False),
        dibao_at_end=f.dibao_at_end.fill_null(False),
        medical_fen=f.medical_fen.fill_null(0),
    )


@dataclass
class Screened:
    month: dt.date
    results: pa.Table  # RESULTS: persons at risk only
    persons: int
    ruleset: RuleSet
    # Rules left out because a threshold has no value, with the reason.
    not_configured: dict[str, str] = field(default_factory=dict)
    parameters_used: dict[str, ParameterAt] = field(default_factory=dict)


def _tests(
    f: ir.Table, p: Params, ruleset: RuleSet
) -> tuple[dict[str, ir.BooleanValue], dict[str, str]]:
    tests, missing = {}, {}
    for rule in RULES:
        try:
            tests[rule.code] = rule.test(f, p).fill_null(False)
        except ParameterLookupError as error:
            missing[rule.code] = str(error)
    return tests, missing


def screen(inputs: Inputs, month: dt.date, parameters: ParameterSet, ruleset: RuleSet) -> Screened:
    """Everyone in ``inputs`` screened for ``month``: those at risk, with score and level."""
    first = month.replace(day=1)
    p = Params(parameters, first)
    lookback = int(p.value(LOOKBACK))
    tables = {name: _named(table, name) for name, table in inputs.tables.items()}
    f = facts_expr(tables, first, lookback)
    tests, missing = _tests(f, p, ruleset)
    weighted = {code: w for code, w in ruleset.weights.items() if code in tests and w > 0}
    score = functools.reduce(
        operator.add,
        [ibis.ifelse(tests[code], weight, 0) for code, weight in weighted.items()],
        ibis.literal(0),
    )
    listed = functools.reduce(
        operator.add,
        [ibis.ifelse(tests[code], code + ",", "") for code in weighted],
        ibis.literal(""),
    )
    levels = ruleset.levels
    level = ibis.cases(
        *((score >= levels[name], name) for name in LEVELS), else_=ibis.null("string")
    )
    at_risk = f.select(
        person_id=f.person_id,
        area_id=f.area_id,
        score=score.cast("int64"),
        level=level,
        rules=listed.re_replace(",$", ""),
    )
    at_risk = at_risk.filter(at_risk.score >= levels[LEVELS[-1]]).order_by("person_id")
    results = _run(at_risk, inputs.tables).cast(RESULTS)
    screened = population(tables["persons"], first)
    counted = _run(screened.aggregate(n=screened.count()), inputs.tables)["n"][0].as_py()
    return Screened(
        month=first,
        results=results,
        persons=counted,
        ruleset=ruleset,
        not_configured=missing,
        parameters_used=dict(p.used),
    )


@dataclass
class RuleOutcome:
    rule: RiskRule
    weight: int
    met: bool = False
    problem: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    parameters: list[ParameterAt] = field(default_factory=list)

    @property
    def configured(self) -> bool:
        return not self.problem


@dataclass
class Explanation:
    month: dt.date
    in_population: bool
    score: int
    level: str | None
    ruleset: RuleSet
    since: dt.date | None
    outcomes: list[RuleOutcome]
    parameters: list[ParameterAt]


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _shown_facts(row: dict[str, Any]) -> dict[str, Any]:
    caregiver = row.get("has_caregiver")
    return {
        "survey_year": row.get("survey_year"),
        "household_income": _yuan(row.get("household_income_fen")),
        "medical_expenses": _yuan(row.get("medical_fen")),
        "employment_ended_on": row.get("employment_ended_on"),
        "employed_at_end": row.get("employed_at_end"),
        "disaster_on": row.get("disaster_on"),
        "breadwinner_died_on": row.get("breadwinner_died_on"),
        "breadwinner_ill_on": row.get("breadwinner_ill_on"),
        "grade": row.get("grade"),
        "has_caregiver": None if caregiver is None else bool(caregiver),
        "dibao_ended_on": row.get("dibao_ended_on"),
        "dibao_at_end": row.get("dibao_at_end"),
    }


def explain(
    inputs: Inputs, person_id: int, month: dt.date, parameters: ParameterSet, ruleset: RuleSet
) -> Explanation:
    """Each rule for one person and month: met or not, with the facts, the thresholds
    (and their sources) and the weight; the score and level as the screening computes
    them (:func:`screen` over the same inputs)."""
    first = month.replace(day=1)
    screened = screen(inputs, first, parameters, ruleset)
    p = Params(parameters, first)
    lookback = int(p.value(LOOKBACK))
    tables = {name: _named(table, name) for name, table in inputs.tables.items()}
    f = facts_expr(tables, first, lookback)
    tests, missing = _tests(f, p, ruleset)
    f = f.filter(f.person_id == person_id)
    rows = _run(f.mutate(**{f"_t_{code}": test for code, test in tests.items()}), inputs.tables)
    row = rows.to_pylist()[0] if rows.num_rows else {}
    facts = _shown_facts(row)
    mine = [r for r in screened.results.to_pylist() if r["person_id"] == person_id]
    outcomes = []
    for rule in RULES:
        outcome = RuleOutcome(rule, ruleset.weights.get(rule.code, 0))
        outcome.parameters = [p.used[key] for key in rule.parameters if key in p.used]
        if rule.code in missing:
            outcome.problem = missing[rule.code]
        else:
            outcome.met = bool(row.get(f"_t_{rule.code}"))
            outcome.facts = {name: facts[name] for name in rule.facts}
        outcomes.append(outcome)
    return Explanation(
        month=first,
        in_population=bool(row),
        score=mine[0]["score"] if mine else 0,
        level=mine[0]["level"] if mine else None,
        ruleset=ruleset,
        since=window_start(first, lookback),
        outcomes=outcomes,
        parameters=list(p.used.values()),
    )
