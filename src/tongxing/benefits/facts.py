"""Each person's facts on given days, as Ibis expressions over the input tables.

The rules are written over the facts of one day (one row per person and day, as
:func:`long_facts` gives them and an explanation shows them). The population is decided
from :func:`wide_facts_on` instead: one row per person with each fact once per day, so
that the sparse tables are aggregated and joined on the person once for all the days,
and both days of a month are decided within one row.

The rules read only these columns. Every fact is "as it stood on ``day``": a certificate
re-assessed later has its earlier grade, a 低保 period counts only while in force, a death
or a move out counts from its date. Written with joins and group-bys only, so the same
expression runs on DuckDB here and on Spark past one machine (DESIGN.md §4).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tongxing.benefits.inputs import (
    CERTIFICATE_FIELDS,
    CERTIFICATE_HISTORY,
    CERTIFIED_PERSONS,
    CLAIMS,
    FACTS,
    HOUSEHOLD_STATUSES,
    MOVES_OUT,
    Inputs,
)

ACTIVE_CERTIFICATE = ("valid", "renewing")
PHYSICAL = 4
MULTIPLE = 7

# The facts a what-if may change, with the type each takes.
ADJUSTABLE_FACTS: dict[str, str] = {
    "category": "int64",
    "grade": "int64",
    "age": "int64",
    "cert_in_force": "boolean",
    "cert_not_expired": "boolean",
    "alive": "boolean",
    "resident": "boolean",
    "dibao": "boolean",
    "tekun": "boolean",
    "low_income": "boolean",
    "work_injury_nursing_fen": "int64",
    "elderly_care_fen": "int64",
    "school_level": "string",
    "motor_wheelchair": "boolean",
    "resident_pension": "boolean",
}


# The tables the facts read, by name: the persons with their certificates (see
# :meth:`Inputs.certified_persons`) and the sparse tables.
INPUT_SCHEMAS = {
    "persons": CERTIFIED_PERSONS,
    "certificate_history": CERTIFICATE_HISTORY,
    "moves_out": MOVES_OUT,
    "household_statuses": HOUSEHOLD_STATUSES,
    "facts": FACTS,
    "claims": CLAIMS,
}
# The facts that are the same on every day; every other fact has one column per day in
# the wide facts (``grade_0``, ``grade_1``, ...).
PERSON_COLUMNS = ("person_id", "village", "township")


def days_schema(count: int) -> pa.Schema:
    return pa.schema(
        [(f"{name}_{k}", pa.date32()) for k in range(count) for name in ("day", "month")]
    )


def day_columns(days: list[dt.date]) -> pa.Table:
    """``days`` as the one-row table the facts query reads: ``day_0``, ``month_0``, ...
    (the days are data, so the query compiles once per number of days)."""
    columns: dict[str, list[dt.date]] = {}
    for k, day in enumerate(days):
        columns[f"day_{k}"] = [day]
        columns[f"month_{k}"] = [day.replace(day=1)]
    return pa.table(columns, schema=days_schema(len(days)))


def input_tables(days: int) -> dict[str, ir.Table]:
    """The input tables by name, unbound, with ``days`` days."""
    schemas = {**INPUT_SCHEMAS, "days": days_schema(days)}
    return {
        name: ibis.table(ibis.Schema.from_pyarrow(schema), name=name)
        for name, schema in schemas.items()
    }


@functools.lru_cache(maxsize=32)
def wide_facts_sql(
    days: int, benefit_codes: tuple[str, ...], overrides: tuple[tuple[str, Any], ...]
) -> str:
    """The wide facts query as DuckDB SQL over tables named as in :data:`INPUT_SCHEMAS`
    and ``days`` (see :func:`day_columns`).

    Building and compiling the Ibis expression costs a few hundred milliseconds, more
    than running it for one person; the SQL does not depend on the data or the days (they
    are tables), so each process compiles it once per number of days and what-if."""
    return ibis.to_sql(
        wide_facts_on(input_tables(days), days, benefit_codes, dict(overrides)), dialect="duckdb"
    )


@functools.lru_cache(maxsize=32)
def facts_sql(
    days: int, benefit_codes: tuple[str, ...], overrides: tuple[tuple[str, Any], ...]
) -> str:
    """The facts as one row per person and day, as DuckDB SQL over the wide facts in a
    table named ``wide``."""
    wide = wide_facts_on(input_tables(days), days, benefit_codes, dict(overrides))
    return ibis.to_sql(long_facts(ibis.table(wide.schema(), name="wide"), days), dialect="duckdb")


def register_inputs(con: duckdb.DuckDBPyConnection, inputs: Inputs, days: list[dt.date]) -> None:
    con.register("persons", inputs.certified_persons())
    for name in INPUT_SCHEMAS.keys() - {"persons"}:
        con.register(name, getattr(inputs, name))
    con.register("days", day_columns(days))


def compute_facts(
    inputs: Inputs,
    days: list[dt.date],
    benefit_codes: tuple[str, ...],
    overrides: dict[str, Any] | None = None,
) -> pa.Table:
    """Each person's facts on each of ``days`` (one row per person and day), run in an
    in-process DuckDB."""
    con = duckdb.connect()
    try:
        register_inputs(con, inputs, days)
        frozen = tuple(sorted((overrides or {}).items()))
        # Computed once and kept, as each day's rows read it.
        con.execute(f"CREATE TEMP TABLE wide AS {wide_facts_sql(len(days), benefit_codes, frozen)}")
        return con.sql(facts_sql(len(days), benefit_codes, frozen)).to_arrow_table()
    finally:
        con.close()


def _in_force(table: ir.Table, day: ir.DateValue) -> ir.BooleanValue:
    return (table.start_date <= day) & (table.end_date.isnull() | (table.end_date >= day))


def _on_each_day(table: ir.Table, days: ir.Table) -> ir.Table:
    # The days are one row: joining it on costs nothing and puts each day beside each row.
    return table.cross_join(days)


def _certificate_then(t: dict[str, ir.Table], count: int) -> ir.Table:
    """Per person with a certificate change, the value of each certificate field on each
    day where a change after the day replaced it."""
    history = _on_each_day(t["certificate_history"], t["days"])
    aggregates = {}
    for k in range(count):
        day, month = history[f"day_{k}"], history[f"month_{k}"]
        # At the opening of the month a change dated that day has not happened yet (a
        # certificate frozen on 1 October still counts for October, as a death on 1
        # October does); at the close of the month a change dated that day has.
        later = (history.effective_date > day) | ((history.effective_date == day) & (day == month))
        # The value replaced by the first change after the day is the value on the day.
        for name in CERTIFICATE_FIELDS:
            before = history[f"{name}_before"]
            aggregates[f"{name}_then_{k}"] = before.argmin(
                history.effective_date, where=later & before.notnull()
            )
    return history.group_by("person_id").aggregate(**aggregates)


def _household_flags(t: dict[str, ir.Table], count: int) -> ir.Table:
    s = _on_each_day(t["household_statuses"], t["days"])
    aggregates = {}
    for k in range(count):
        current = _in_force(s, s[f"day_{k}"])
        for kind in ("dibao", "tekun", "low_income"):
            aggregates[f"{kind}_{k}"] = ((s.kind == kind) & current).any()
    return s.group_by("household_id").aggregate(**aggregates)


def _person_facts(t: dict[str, ir.Table], count: int) -> ir.Table:
    f = _on_each_day(t["facts"], t["days"])
    kind = f.kind
    aggregates = {}
    for k in range(count):
        current = _in_force(f, f[f"day_{k}"])
        aggregates |= {
            f"work_injury_nursing_fen_{k}": f.amount_fen.max(
                where=current & (kind == "work_injury_nursing")
            ),
            f"elderly_care_fen_{k}": f.amount_fen.max(where=current & (kind == "elderly_care")),
            f"school_level_{k}": f.level.max(where=current & (kind == "school")),
            f"motor_wheelchair_{k}": (current & (kind == "motor_wheelchair")).any(),
            f"resident_pension_{k}": (current & (kind == "resident_pension")).any(),
        }
    return f.group_by("person_id").aggregate(**aggregates)


def _claims(t: dict[str, ir.Table], count: int, benefit_codes: tuple[str, ...]) -> ir.Table:
    c = _on_each_day(t["claims"], t["days"])
    aggregates = {}
    for k in range(count):
        current = (c.start_month <= c[f"month_{k}"]) & (
            c.ended_on.isnull() | (c.ended_on >= c[f"day_{k}"])
        )
        for code in benefit_codes:
            aggregates[f"claim_{code}_{k}"] = (current & (c.benefit == code)).any()
    return c.group_by("person_id").aggregate(**aggregates)


def age_on(birth: ir.DateValue, day: ir.DateValue) -> ir.IntegerValue:
    had_birthday = (birth.month() < day.month()) | (
        (birth.month() == day.month()) & (birth.day() <= day.day())
    )
    return (day.year() - birth.year()) - ibis.ifelse(had_birthday, 0, 1)


def _facts_of_day(rows: ir.Table, k: int, benefit_codes: tuple[str, ...]) -> dict[str, Any]:
    """The facts on the ``k``-th day, over the persons' rows with everything joined on."""

    def then(name: str) -> ir.Value:
        now = rows["cert_status" if name == "status" else name]
        return ibis.coalesce(rows[f"{name}_then_{k}"], now)

    day = rows[f"day_{k}"]
    grade, status, category = then("grade"), then("status"), then("category")
    valid_until = then("valid_until")
    has_certificate = grade.notnull()
    columns: dict[str, Any] = {
        "day": day,
        "month": rows[f"month_{k}"],
        "age": age_on(rows.birth_date, day),
        # Deceased or moved out *on* the day still counts as there that day.
        "alive": (rows.status != "deceased")
        | (rows.date_of_death.notnull() & (rows.date_of_death >= day)),
        "resident": (rows.status != "moved_out")
        | (rows.moved_out_on.notnull() & (rows.moved_out_on >= day)),
        "has_certificate": has_certificate,
        "cert_status": status,
        "valid_until": valid_until,
        "cert_in_force": (
            has_certificate & status.isin(ACTIVE_CERTIFICATE) & (then("issue_date") <= day)
        ).fill_null(False),
        "cert_not_expired": (has_certificate & (valid_until >= day)).fill_null(False),
        "category": category,
        "physical": (category == PHYSICAL)
        | ((category == MULTIPLE) & rows.multiple_detail.contains(str(PHYSICAL))),
        "grade": grade,
        "dibao": rows[f"dibao_{k}"].fill_null(False),
        "tekun": rows[f"tekun_{k}"].fill_null(False),
        "low_income": rows[f"low_income_{k}"].fill_null(False),
        "work_injury_nursing_fen": rows[f"work_injury_nursing_fen_{k}"].fill_null(0),
        "elderly_care_fen": rows[f"elderly_care_fen_{k}"].fill_null(0),
        "school_level": rows[f"school_level_{k}"],
        "motor_wheelchair": rows[f"motor_wheelchair_{k}"].fill_null(False),
        "resident_pension": rows[f"resident_pension_{k}"].fill_null(False),
    }
    for code in benefit_codes:
        columns[f"claim_{code}"] = rows[f"claim_{code}_{k}"].fill_null(False)
    return columns


def wide_facts_on(
    t: dict[str, ir.Table],
    count: int,
    benefit_codes: tuple[str, ...],
    overrides: dict[str, Any] | None = None,
) -> ir.Table:
    """Each person's facts on each of the ``count`` days of ``t["days"]``, one row per
    person: :data:`PERSON_COLUMNS`, then each other fact once per day (``grade_0``,
    ``grade_1``, ...). ``overrides`` replaces facts for a what-if.

    One row per person, not per person and day: every sparse table is aggregated once
    per person for all the days together and joined on the person alone, and the rules
    decide all the days of a person within its row (see the engine)."""
    for name in overrides or {}:
        if name not in ADJUSTABLE_FACTS and not name.startswith("claim_"):
            raise ValueError(f"{name!r} is not a fact a what-if can change")
    # The persons come with their certificates (one to one), read together.
    rows = (
        t["persons"]
        .left_join(t["moves_out"], "person_id")
        .drop("person_id_right")
        .left_join(_certificate_then(t, count), "person_id")
        .drop("person_id_right")
        .left_join(_household_flags(t, count), "household_id")
        .drop("household_id_right")
        .left_join(_person_facts(t, count), "person_id")
        .drop("person_id_right")
        .left_join(_claims(t, count, benefit_codes), "person_id")
        .drop("person_id_right")
        .cross_join(t["days"])
    )
    columns: dict[str, Any] = {
        "person_id": rows.person_id,
        "village": rows.village,
        "township": rows.village.substr(0, 9),
    }
    for k in range(count):
        day_facts = _facts_of_day(rows, k, benefit_codes)
        for name, value in (overrides or {}).items():
            day_facts[name] = ibis.literal(value, type=ADJUSTABLE_FACTS.get(name, "boolean"))
            if name == "category":
                day_facts["physical"] = ibis.literal(value == PHYSICAL)
        columns |= {f"{name}_{k}": value for name, value in day_facts.items()}
    return rows.select(**columns)


def day_names(wide: ir.Table, count: int) -> list[str]:
    """The facts that have a column per day in ``wide``, in order."""
    per_day = (len(wide.columns) - len(PERSON_COLUMNS)) // count
    first = wide.columns[len(PERSON_COLUMNS) : len(PERSON_COLUMNS) + per_day]
    return [name.removesuffix("_0") for name in first]


def long_facts(wide: ir.Table, count: int) -> ir.Table:
    """The wide facts as one row per person and day: what the rules are written over."""
    names = day_names(wide, count)
    per_day = [
        wide.select(
            *(wide[name] for name in PERSON_COLUMNS),
            **{name: wide[f"{name}_{k}"] for name in names},
        )
        for k in range(count)
    ]
    return functools.reduce(lambda a, b: a.union(b), per_day)
