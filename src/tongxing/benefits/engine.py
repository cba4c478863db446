"""Run the benefit rules for a month: over a county for the payroll, over one person to
explain a decision. Both go through :func:`decide`, so they cannot disagree.

**Which day of the month decides.** The rules are evaluated at the opening of the month's
first day and at the close of its last day, and each person gets the better of the two
outcomes. A change in the
person's favour (a new certificate, 低保 granted, a more severe grade) therefore counts from
the month it happens; a change against (death, moving out, a certificate frozen, cancelled
or expired, 低保 ended, a milder grade) from the month after. Parameters are read on the
first day of the month. Rules never read "today".
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import duckdb
import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from tongxing.benefits.facts import (
    compute_facts,
    input_tables,
    long_facts,
    register_inputs,
    wide_facts_on,
)
from tongxing.benefits.inputs import Inputs
from tongxing.benefits.parameters import ParameterAt, ParameterLookupError, ParameterSet
from tongxing.benefits.rules import BENEFITS, CODES
from tongxing.benefits.rules.base import Benefit, Condition, Params

DECISION = pa.schema(
    [
        ("person_id", pa.int64()),
        ("benefit", pa.string()),
        ("month", pa.date32()),
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


@functools.lru_cache(maxsize=256)
def _compiled(op: Any) -> str:
    # Compiling an Ibis expression costs more than running it for a county. The
    # expressions here read tables by name, so the same rules with the same parameter
    # values compile to the same SQL: each process compiles each of them once.
    return ibis.to_sql(op.to_expr(), dialect="duckdb")


def _run(expr: ir.Table, tables: dict[str, pa.Table]) -> pa.Table:
    """``expr`` over the named Arrow ``tables`` in a fresh in-process DuckDB (nothing is
    shared between requests or jobs)."""
    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        return con.sql(_compiled(expr.op())).to_arrow_table()
    finally:
        con.close()


def _named(table: pa.Table, name: str) -> ir.Table:
    return ibis.table(ibis.Schema.from_pyarrow(table.schema), name=name)


def _tests(conditions: list[Condition]) -> list[ir.BooleanValue]:
    return [c.test.fill_null(False) if c.applies else ibis.literal(True) for c in conditions]


@functools.lru_cache(maxsize=32)
def _facts_tables(days: int, overrides: tuple[tuple[str, Any], ...]) -> tuple[ir.Table, ir.Table]:
    """The wide facts over the input tables (one row per person, a column per fact and
    day) and, unbound as ``facts``, the facts of one day that the rules are written over."""
    wide = wide_facts_on(input_tables(days), days, CODES, dict(overrides))
    return wide, ibis.table(long_facts(wide, days).schema(), name="facts")


# The decision's columns that are the person's, the same on every day and for every
# benefit: the query returns them once per person.
PERSON_COLUMNS = ("person_id", "township", "village")


@dataclass(frozen=True)
class _Part:
    """One benefit decided for one month: its columns' prefix in the decisions query,
    the month's first and last day (as numbers of the wide facts' days), and the codes
    of its conditions in order."""

    prefix: str
    benefit: Benefit
    first: int
    last: int
    conditions: tuple[str, ...]


def _decision(f: ir.Table, benefit: Benefit, p: Params) -> dict[str, ir.Value]:
    """One benefit's decision over the facts of one day, column by column (the
    :data:`DECISION` columns but the person's and the benefit). The first condition
    not met is its number in the benefit's conditions: a small integer, not a string
    per person, until :func:`_long` names it."""
    tests = _tests(benefit.conditions(f, p))
    eligible = functools.reduce(operator.and_, tests, ibis.literal(True))
    failed = ibis.cases(*((~t, i) for i, t in enumerate(tests)), else_=ibis.null("int16"))
    return {
        "month": f.month,
        "grade": f.grade,
        "eligible": eligible,
        "claim": f[f"claim_{benefit.code}"],
        "standard": benefit.amount(f, p),
        "failed": failed,
        "day": f.day,
    }


def _paid(decided: ir.Table, prefix: str) -> dict[str, ir.Value]:
    """The decision's columns from :func:`_decision`'s, with what it pays."""
    eligible = decided[f"{prefix}eligible"]
    columns = {
        name: decided[f"{prefix}{name}"]
        for name in DECISION.names
        if name not in (*PERSON_COLUMNS, "benefit", "paid", "amount_fen")
    }
    return columns | {
        "paid": eligible & decided[f"{prefix}claim"],
        "amount_fen": ibis.ifelse(eligible, decided[f"{prefix}standard"], 0).cast("int64"),
    }


@functools.lru_cache(maxsize=64)
def _day_columns(wide: ops.Relation, f: ops.Relation, k: int) -> dict:
    """Each column of the facts of one day (``f``), as the wide facts' column it is on
    the ``k``-th day."""
    wide_table, f_table = wide.to_expr(), f.to_expr()
    names = set(wide_table.columns)
    return {
        f_table[name].op(): wide_table[name if name in names else f"{name}_{k}"].op()
        for name in f_table.columns
    }


def _on_day(
    values: dict[str, ir.Value], wide: ir.Table, f: ir.Table, k: int
) -> dict[str, ir.Value]:
    """``values``, written over the facts of one day (``f``), over the ``k``-th day's
    columns of the ``wide`` facts: the rule as written, reading its facts from there.
    (One struct, so that the parts the values share are rewritten once.)"""
    struct = ops.StructColumn(names=tuple(values), values=tuple(v.op() for v in values.values()))
    rewritten = struct.replace(_day_columns(wide.op(), f.op(), k))
    return {name: op.to_expr() for name, op in zip(values, rewritten.values, strict=True)}


# Paid before not paid, eligible before not, the higher amount; one number per decision.
_PAID, _ELIGIBLE, _AMOUNT_LIMIT = 2**61, 2**60, 2**40


def _score(decided: ir.Table, prefix: str) -> ir.IntegerValue:
    # A decision that could not be scored (no amount) ranks below every other.
    amount = decided[f"{prefix}amount_fen"]
    # Clipped as ``amount.clip(0, limit)`` would, in a quarter of the SQL.
    clipped = ibis.cases(
        (amount < 0, 0), (amount >= _AMOUNT_LIMIT, _AMOUNT_LIMIT - 1), else_=amount
    )
    return (
        decided[f"{prefix}paid"].cast("int64") * _PAID
        + decided[f"{prefix}eligible"].cast("int64") * _ELIGIBLE
        + clipped
    ).fill_null(-1)


def _decided(wide: ir.Table, f: ir.Table, parts: list[tuple[_Part, Params]]) -> ir.Table:
    """One row per person of the ``wide`` facts: for each part (a column prefix, a
    benefit, a month's parameters, the month's first and last day), the better of the
    benefit's decisions on the two days, on a tie the first day's.

    Both days of a person are in one row, so both are decided side by side and each
    column picked by one comparison: no join, no grouping, and the person's own columns
    (id, township, village) come out once, not once per benefit and month."""
    both = {name: wide[name] for name in PERSON_COLUMNS}
    for part, p in parts:
        prefix = part.prefix
        decision = _decision(f, part.benefit, p)
        for day, k in (("a", part.first), ("b", part.last)):
            both |= {
                f"{prefix}{day}_{name}": value
                for name, value in _on_day(decision, wide, f, k).items()
            }
    tested = wide.select(**both)
    # In steps, each reading the one before by name: the SQL names each value once, and
    # stays small enough to parse and plan quickly.
    paid = {name: tested[name] for name in PERSON_COLUMNS}
    prefixes = [part.prefix for part, _ in parts]
    for prefix in prefixes:
        for day in ("a", "b"):
            paid |= {
                f"{prefix}{day}_{name}": value
                for name, value in _paid(tested, f"{prefix}{day}_").items()
            }
    decided = tested.select(**paid)
    scored = decided.mutate(
        **{
            f"{prefix}take_last": _score(decided, f"{prefix}b_") > _score(decided, f"{prefix}a_")
            for prefix in prefixes
        }
    )
    columns: dict[str, ir.Value] = {name: scored[name] for name in PERSON_COLUMNS}
    for prefix in prefixes:
        take_last = scored[f"{prefix}take_last"]
        columns |= {
            f"{prefix}{name}": ibis.ifelse(
                take_last, scored[f"{prefix}b_{name}"], scored[f"{prefix}a_{name}"]
            )
            for name in DECISION.names
            if name not in (*PERSON_COLUMNS, "benefit")
        }
    return scored.select(**columns)


_SQL_CACHE: dict[tuple, str] = {}


def _decided_sql(
    days: int, overrides: tuple[tuple[str, Any], ...], parts: list[tuple[_Part, Params]]
) -> str:
    """:func:`_decided` as DuckDB SQL. A rule is a function of the facts, the month and
    the parameter values it reads, so the same parts in the same month with the same
    values give the same SQL: each process builds and compiles it once (a payroll
    decides county after county, the benchmark chunk after chunk)."""
    key = (
        days,
        overrides,
        tuple(
            (
                type(part.benefit),
                part.prefix,
                part.first,
                part.last,
                part.conditions,
                p.day,
                tuple(sorted((name, repr(at.value)) for name, at in p.used.items())),
            )
            for part, p in parts
        ),
    )
    if key not in _SQL_CACHE:
        if len(_SQL_CACHE) >= 256:
            _SQL_CACHE.clear()
        _SQL_CACHE[key] = ibis.to_sql(
            _decided(*_facts_tables(days, overrides), parts), dialect="duckdb"
        )
    return _SQL_CACHE[key]


def _long(decided: pa.Table, parts: list[_Part]) -> pa.Table:
    """The decisions as :data:`DECISION` rows, one per person, benefit and month: each
    part's columns beside the person's (shared, not copied)."""
    rows = decided.num_rows
    tables = []
    for part in parts:
        columns = []
        for name in DECISION.names:
            if name == "benefit":
                columns.append(pa.repeat(pa.scalar(part.benefit.code, pa.string()), rows))
            elif name in PERSON_COLUMNS:
                columns.append(decided[name])
            elif name == "failed":
                codes = pa.array(part.conditions, pa.string())
                columns.append(pc.take(codes, decided[f"{part.prefix}failed"]))
            else:
                columns.append(decided[f"{part.prefix}{name}"])
        tables.append(pa.table(columns, names=DECISION.names).cast(DECISION))
    return pa.concat_tables(tables)


@dataclass
class Evaluation:
    """Every person's decision for every configured benefit and month, and what could
    not be decided."""

    months: list[dt.date]
    decisions: pa.Table
    inputs: Inputs
    days: list[dt.date]
    overrides: dict[str, Any] | None = None
    # Benefits left out because a parameter has no value, with the reason.
    not_configured: dict[str, str] = field(default_factory=dict)
    parameters_used: dict[str, ParameterAt] = field(default_factory=dict)

    @functools.cached_property
    def facts(self) -> pa.Table:
        """The facts the decisions were made from, one row per person and day: computed
        on demand (an explanation shows them; the payroll never reads them)."""
        return compute_facts(self.inputs, self.days, CODES, self.overrides)


def evaluate(
    inputs: Inputs,
    months: list[dt.date],
    parameters: ParameterSet,
    *,
    benefits: tuple[Benefit, ...] = BENEFITS,
    overrides: dict[str, Any] | None = None,
) -> Evaluation:
    """Decide every benefit for everyone in ``inputs`` for each of ``months``.

    The facts of all the days are computed in one query, one row per person with a
    column per fact and day; each month's rules then run with that month's parameters
    over the first and last day's columns of that table.
    """
    months = sorted({m.replace(day=1) for m in months})
    days = [day for month in months for day in month_bounds(month)]
    frozen = tuple(sorted((overrides or {}).items()))
    f = _facts_tables(len(days), frozen)[1]
    evaluation = Evaluation(
        months=months,
        decisions=DECISION.empty_table(),
        inputs=inputs,
        days=days,
        overrides=overrides,
    )
    parts = _parts(
        months,
        parameters,
        benefits,
        f,
        not_configured=evaluation.not_configured,
        used=evaluation.parameters_used,
    )
    if parts:
        sql = _decided_sql(len(days), frozen, parts)
        con = duckdb.connect()
        try:
            # Every column of a person's decisions comes from the one row, so the rows'
            # order is free (the payroll orders what it writes); not keeping it saves the
            # threads a tenth of their work.
            con.execute("SET preserve_insertion_order = false")
            register_inputs(con, inputs, days)
            decided = con.sql(sql).to_arrow_table()
        finally:
            con.close()
        evaluation.decisions = _long(decided, [part for part, _ in parts])
    return evaluation


def rules_over_facts_sql(
    months: list[dt.date],
    parameters: ParameterSet,
    *,
    benefits: tuple[Benefit, ...] = BENEFITS,
    table: str = "wide",
) -> tuple[str, list[_Part]]:
    """The decisions query over the wide facts of ``months``' first and last days kept in
    a table named ``table`` (as :func:`wide_facts_sql` gives them), and the parts that
    :func:`_long` turns its rows into decisions with: the rules' own share of
    :func:`evaluate`, which derives the facts in the same query. For measuring the two
    apart."""
    months = sorted({m.replace(day=1) for m in months})
    days = [day for month in months for day in month_bounds(month)]
    wide, f = _facts_tables(len(days), ())
    parts = _parts(months, parameters, benefits, f, not_configured={}, used={})
    kept = ibis.table(wide.schema(), name=table)
    return ibis.to_sql(_decided(kept, f, parts), dialect="duckdb"), [part for part, _ in parts]


def _parts(
    months: list[dt.date],
    parameters: ParameterSet,
    benefits: tuple[Benefit, ...],
    f: ir.Table,
    *,
    not_configured: dict[str, str],
    used: dict[str, ParameterAt],
) -> list[tuple[_Part, Params]]:
    """Each benefit for each month, with the month's parameters, as the decisions query
    decides it; into ``not_configured``, the benefits that cannot be decided for want of
    a parameter value, with the reason, and into ``used`` the values read."""
    parts: list[tuple[_Part, Params]] = []
    for i, month in enumerate(months):
        p = Params(parameters, month)
        for benefit in benefits:
            try:
                # Read here for the codes of the conditions, and to learn whether every
                # parameter the rule reads has a value.
                codes = tuple(c.code for c in benefit.conditions(f, p))
                benefit.amount(f, p)
            except ParameterLookupError as error:
                not_configured.setdefault(benefit.code, str(error))
                continue
            parts.append((_Part(f"m{i}_{benefit.code}_", benefit, 2 * i, 2 * i + 1, codes), p))
        used |= p.used
    return parts


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
    the parameter values (and their sources) that decided it. The decision itself comes
    from :func:`evaluate`, as the payroll's does."""
    evaluation = evaluate(inputs, [month], parameters, benefits=benefits, overrides=overrides)
    rows = {
        row["benefit"]: row
        for row in evaluation.decisions.to_pylist()
        if row["person_id"] == person_id
    }
    f = _named(evaluation.facts, "facts")
    # The person and day as a table joined in, not literals, so the SQL is the same for
    # every person and compiles once.
    target = ibis.table({"person_id": "int64", "day": "date"}, name="target")
    that_day = f.join(target, ["person_id", "day"])
    outcomes = []
    for benefit in benefits:
        outcome = BenefitOutcome(benefit)
        outcomes.append(outcome)
        if benefit.code in evaluation.not_configured:
            outcome.problem = evaluation.not_configured[benefit.code]
            continue
        row = rows[benefit.code]
        # Show the conditions on the day that decided, with the facts of that day.
        p = Params(parameters, month.replace(day=1))
        conditions = benefit.conditions(that_day, p)
        # Built only so that ``p`` records the amount's parameters: the standard a payment
        # is made at belongs among the values and sources the explanation shows.
        benefit.amount(that_day, p)
        tests = _tests(conditions)
        values = _run(
            that_day.mutate(**{f"_c_{i}": t for i, t in enumerate(tests)}),
            {
                "facts": evaluation.facts,
                "target": pa.table(
                    {"person_id": [person_id], "day": [row["day"]]},
                    schema=pa.schema([("person_id", pa.int64()), ("day", pa.date32())]),
                ),
            },
        ).to_pylist()[0]
        outcome.day = row["day"]
        outcome.eligible, outcome.claim, outcome.paid = row["eligible"], row["claim"], row["paid"]
        outcome.amount = (Decimal(row["amount_fen"]) / 100).quantize(Decimal("0.01"))
        for i, condition in enumerate(conditions):
            outcome.conditions.append(
                ConditionOutcome(
                    code=condition.code,
                    label=str(condition.label),
                    passed=bool(values[f"_c_{i}"]),
                    applies=condition.applies,
                    facts={name: values[name] for name in condition.facts},
                    parameters=[p.used[key] for key in condition.parameters if key in p.used],
                )
            )
        outcome.amount_facts = {name: values[name] for name in benefit.amount_facts}
        outcome.parameters = list(p.used.values())
    return outcomes


# Conditions about when a yearly amount is paid, not about who may have it.
TIMING_CONDITIONS = frozenset({"payment_month"})


class _Unconfigured(Params):
    """Params that read a value the region has not entered as ``None`` instead of
    refusing, and remember which keys were missing."""

    def __init__(self, parameters: ParameterSet, day: dt.date) -> None:
        super().__init__(parameters, day)
        self.missing: set[str] = set()

    def at(self, key: str) -> ParameterAt:
        try:
            return super().at(key)
        except ParameterLookupError:
            self.missing.add(key)
            return ParameterAt(key, None, "", self.day, "", False)


def eligibility_conditions(
    inputs: Inputs, person_id: int, day: dt.date, benefit: Benefit, parameters: ParameterSet
) -> list[ConditionOutcome]:
    """``benefit``'s eligibility conditions for one person on ``day``: the pre-check a
    service application runs before anyone asks for the benefit.

    Unlike :func:`explain`, a missing amount or switch does not stop the check: a
    condition that reads a parameter the region has not entered is shown as not applied
    (it cannot be decided, so it must not refuse), the amount is not computed, and the
    timing conditions (which month a yearly amount is paid in) are left out."""
    facts = compute_facts(inputs, [day], CODES)
    that_day = _named(facts, "facts").join(
        ibis.table({"person_id": "int64", "day": "date"}, name="target"), ["person_id", "day"]
    )
    p = _Unconfigured(parameters, day)
    conditions = [c for c in benefit.conditions(that_day, p) if c.code not in TIMING_CONDITIONS]
    decidable = [
        replace(c, applies=False) if p.missing.intersection(c.parameters) else c for c in conditions
    ]
    tests = _tests(decidable)
    rows = _run(
        that_day.select(
            *{name for c in decidable for name in c.facts},
            **{f"_c_{i}": t for i, t in enumerate(tests)},
        ),
        {
            "facts": facts,
            "target": pa.table(
                {"person_id": [person_id], "day": [day]},
                schema=pa.schema([("person_id", pa.int64()), ("day", pa.date32())]),
            ),
        },
    ).to_pylist()
    if not rows:
        return []
    values = rows[0]
    return [
        ConditionOutcome(
            code=c.code,
            label=str(c.label),
            passed=bool(values[f"_c_{i}"]),
            applies=c.applies,
            facts={name: values[name] for name in c.facts},
            parameters=[p.used[key] for key in c.parameters if key in p.used],
        )
        for i, c in enumerate(decidable)
    ]
