"""Run the benefit rules for a month: over a county for the payroll, over one person to
explain a decision. Both go through :func:`decide`, so they cannot disagree.

**Which day of the month decides.** The rules are evaluated on the first and on the last
day of the month, and each person gets the better of the two outcomes. A change in the
person's favour (a new certificate, 低保 granted, a more severe grade) therefore counts from
the month it happens; a change against (death, moving out, a certificate frozen, cancelled
or expired, 低保 ended, a milder grade) from the month after. Parameters are read on the
first day of the month. Rules never read "today".
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

from tongxing.benefits.facts import facts_on, memtables
from tongxing.benefits.inputs import Inputs
from tongxing.benefits.parameters import ParameterAt, ParameterLookupError, ParameterSet
from tongxing.benefits.rules import BENEFITS, CODES
from tongxing.benefits.rules.base import Benefit, Condition, Params

DECISION = pa.schema(
    [
        ("person_id", pa.int64()),
        ("benefit", pa.string()),
        ("township", pa.string()),
        ("village", pa.string()),
        ("grade", pa.int64()),
        ("eligible", pa.bool_()),
        ("claim", pa.bool_()),
        ("paid", pa.bool_()),
        ("amount_fen", pa.int64()),
        ("failed", pa.string()),
        ("day", pa.date32()),
    ]
)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _connection() -> Any:
    # One in-process DuckDB per evaluation: nothing is shared between requests or jobs.
    return ibis.duckdb.connect()


def _decide_on(
    f: ir.Table, benefit: Benefit, p: Params
) -> tuple[ir.Table, list[Condition], ir.IntegerValue]:
    conditions = benefit.conditions(f, p)
    amount = benefit.amount(f, p)
    tests = [c.test if c.applies else ibis.literal(True) for c in conditions]
    eligible = functools.reduce(operator.and_, tests, ibis.literal(True)).fill_null(False)
    failed = ibis.cases(
        *((~t.fill_null(False), c.code) for t, c in zip(tests, conditions, strict=True)),
        else_=ibis.null("string"),
    )
    claim = f[f"claim_{benefit.code}"]
    decided = f.select(
        person_id=f.person_id,
        benefit=ibis.literal(benefit.code),
        township=f.township,
        village=f.village,
        grade=f.grade,
        eligible=eligible,
        claim=claim,
        paid=eligible & claim,
        amount_fen=ibis.ifelse(eligible, amount, 0).cast("int64"),
        failed=failed,
        day=f.day,
    )
    return decided, conditions, amount


def decide(
    t: dict[str, ir.Table],
    month: dt.date,
    benefit: Benefit,
    parameters: ParameterSet,
    overrides: dict[str, Any] | None = None,
) -> tuple[ir.Table, Params]:
    """One row per person: the better of the month's first- and last-day outcomes."""
    first, last = month_bounds(month)
    p = Params(parameters, first)
    start, _, _ = _decide_on(facts_on(t, first, CODES, overrides), benefit, p)
    end, _, _ = _decide_on(facts_on(t, last, CODES, overrides), benefit, p)
    j = start.join(end, "person_id")
    use_end = (j.paid_right & ~j.paid) | (
        (j.paid_right == j.paid)
        & (
            (j.eligible_right & ~j.eligible)
            | ((j.eligible_right == j.eligible) & (j.amount_fen_right > j.amount_fen))
        )
    )
    columns = {
        name: ibis.ifelse(use_end, j[f"{name}_right"], j[name])
        for name in DECISION.names
        if name not in ("person_id", "benefit", "township", "village")
    }
    return (
        j.select(
            person_id=j.person_id,
            benefit=j.benefit,
            township=j.township,
            village=j.village,
            **columns,
        ),
        p,
    )


@dataclass
class Evaluation:
    """Every person's decision for every configured benefit, and what could not be done."""

    month: dt.date
    decisions: pa.Table
    # Benefits left out because a parameter has no value, with the reason.
    not_configured: dict[str, str] = field(default_factory=dict)
    parameters_used: dict[str, ParameterAt] = field(default_factory=dict)


def evaluate(
    inputs: Inputs,
    month: dt.date,
    parameters: ParameterSet,
    *,
    benefits: tuple[Benefit, ...] = BENEFITS,
    overrides: dict[str, Any] | None = None,
) -> Evaluation:
    t = memtables(inputs)
    parts: list[ir.Table] = []
    evaluation = Evaluation(month=month, decisions=DECISION.empty_table())
    for benefit in benefits:
        try:
            decided, p = decide(t, month, benefit, parameters, overrides)
        except ParameterLookupError as error:
            evaluation.not_configured[benefit.code] = str(error)
            continue
        parts.append(decided)
        evaluation.parameters_used |= p.used
    if parts:
        union = functools.reduce(lambda a, b: a.union(b), parts)
        evaluation.decisions = _connection().to_pyarrow(union).cast(DECISION)
    return evaluation


@dataclass
class ConditionOutcome:
    code: str
    label: str
    passed: bool
    applies: bool
    facts: dict[str, Any]
    parameters: list[ParameterAt]


@dataclass
class BenefitOutcome:
    benefit: Benefit
    problem: str = ""
    day: dt.date | None = None
    eligible: bool = False
    claim: bool = False
    paid: bool = False
    amount: Decimal = Decimal("0.00")
    conditions: list[ConditionOutcome] = field(default_factory=list)
    amount_facts: dict[str, Any] = field(default_factory=dict)
    parameters: list[ParameterAt] = field(default_factory=list)

    @property
    def configured(self) -> bool:
        return not self.problem


def explain(
    inputs: Inputs,
    person_id: int,
    month: dt.date,
    parameters: ParameterSet,
    *,
    overrides: dict[str, Any] | None = None,
    benefits: tuple[Benefit, ...] = BENEFITS,
) -> list[BenefitOutcome]:
    """Each benefit's decision for one person, condition by condition, with the facts and
    the parameter values (and their sources) that decided it."""
    t = memtables(inputs)
    con = _connection()
    outcomes = []
    for benefit in benefits:
        outcome = BenefitOutcome(benefit)
        outcomes.append(outcome)
        try:
            decided, p = decide(t, month, benefit, parameters, overrides)
            row = _one(con, decided.filter(decided.person_id == person_id))
            if row is None:
                outcome.problem = "no such person in the inputs"
                continue
            # Show the conditions on the day that decided, with the facts of that day.
            f = facts_on(t, row["day"], CODES, overrides)
            f = f.filter(f.person_id == person_id)
            _, conditions, amount = _decide_on(f, benefit, p)
            values = _one(
                con,
                f.mutate(
                    _amount=amount,
                    **{f"_c_{i}": c.test for i, c in enumerate(conditions)},
                ),
            )
        except ParameterLookupError as error:
            outcome.problem = str(error)
            continue
        outcome.day = row["day"]
        outcome.eligible, outcome.claim, outcome.paid = row["eligible"], row["claim"], row["paid"]
        outcome.amount = Decimal(row["amount_fen"]) / 100
        outcome.amount = outcome.amount.quantize(Decimal("0.01"))
        for i, condition in enumerate(conditions):
            outcome.conditions.append(
                ConditionOutcome(
                    code=condition.code,
                    label=str(condition.label),
                    passed=bool(values[f"_c_{i}"]) if condition.applies else True,
                    applies=condition.applies,
                    facts={name: values[name] for name in condition.facts},
                    parameters=[p.used[key] for key in condition.parameters if key in p.used],
                )
            )
        outcome.amount_facts = {name: values[name] for name in benefit.amount_facts}
        outcome.parameters = list(p.used.values())
    return outcomes


def _one(con: Any, expr: ir.Table) -> dict[str, Any] | None:
    rows = con.to_pyarrow(expr).to_pylist()
    return rows[0] if rows else None
