"""One row of facts per person on one day, as an Ibis expression over the input tables.

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
    CERTIFICATES,
    CLAIMS,
    FACTS,
    HOUSEHOLD_STATUSES,
    MOVES_OUT,
    PERSONS,
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


DAYS = pa.schema([("day", pa.date32()), ("month", pa.date32())])
INPUT_SCHEMAS = {
    "persons": PERSONS,
    "certificates": CERTIFICATES,
    "certificate_history": CERTIFICATE_HISTORY,
    "moves_out": MOVES_OUT,
    "household_statuses": HOUSEHOLD_STATUSES,
    "facts": FACTS,
    "claims": CLAIMS,
    "days": DAYS,
}


@functools.lru_cache(maxsize=32)
def facts_sql(benefit_codes: tuple[str, ...], overrides: tuple[tuple[str, Any], ...]) -> str:
    """The facts query as DuckDB SQL over tables named as in :data:`INPUT_SCHEMAS`.

    Building and compiling the Ibis expression costs a few hundred milliseconds, more
    than running it for one person; the SQL does not depend on the data or the days (they
    are tables), so each process compiles it once per what-if."""
    tables = {
        name: ibis.table(ibis.Schema.from_pyarrow(schema), name=name)
        for name, schema in INPUT_SCHEMAS.items()
    }
    return ibis.to_sql(facts_on(tables, benefit_codes, dict(overrides)), dialect="duckdb")


def compute_facts(
    inputs: Inputs,
    days: list[dt.date],
    benefit_codes: tuple[str, ...],
    overrides: dict[str, Any] | None = None,
) -> pa.Table:
    """Each person's facts on each of ``days``, run in an in-process DuckDB."""
    con = duckdb.connect()
    try:
        for name, table in inputs.tables.items():
            con.register(name, table)
        con.register(
            "days", pa.table({"day": days, "month": [d.replace(day=1) for d in days]}, schema=DAYS)
        )
        sql = facts_sql(benefit_codes, tuple(sorted((overrides or {}).items())))
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


def _in_force(table: ir.Table) -> ir.BooleanValue:
    return (table.start_date <= table.day) & (
        table.end_date.isnull() | (table.end_date >= table.day)
    )


def _certificate_on(t: dict[str, ir.Table], days: ir.Table) -> ir.Table:
    """The certificate's status, category, grade and term on each day."""
    cert = t["certificates"].cross_join(days)
    history = t["certificate_history"]
    # At the opening of the month a change dated that day has not happened yet (a
    # certificate frozen on 1 October still counts for October, as a death on 1 October
    # does); at the close of the month a change dated that day has.
    later = history.join(
        days,
        (history.effective_date > days.day)
        | ((history.effective_date == days.day) & (days.day == days.month)),
    )
    # The value replaced by the first change after the day is the value on the day; one
    # aggregate finds it for every field at once.
    first = later.group_by(["person_id", "day"]).aggregate(
        **{
            f"{name}_then": later[f"{name}_before"].argmin(
                later.effective_date, where=later[f"{name}_before"].notnull()
            )
            for name in CERTIFICATE_FIELDS
        }
    )
    result = cert.left_join(first, ["person_id", "day"]).drop("person_id_right", "day_right")
    return result.mutate(
        **{name: ibis.coalesce(result[f"{name}_then"], result[name]) for name in CERTIFICATE_FIELDS}
    ).drop(*(f"{name}_then" for name in CERTIFICATE_FIELDS))


def _household_flags(t: dict[str, ir.Table], days: ir.Table) -> ir.Table:
    statuses = t["household_statuses"].cross_join(days)
    current = statuses.filter(_in_force(statuses))
    return current.group_by(["household_id", "day"]).aggregate(
        dibao=(current.kind == "dibao").any(),
        tekun=(current.kind == "tekun").any(),
        low_income=(current.kind == "low_income").any(),
    )


def _person_facts(t: dict[str, ir.Table], days: ir.Table) -> ir.Table:
    facts = t["facts"].cross_join(days)
    current = facts.filter(_in_force(facts))
    kind = current.kind
    return current.group_by(["person_id", "day"]).aggregate(
        work_injury_nursing_fen=current.amount_fen.max(where=kind == "work_injury_nursing"),
        elderly_care_fen=current.amount_fen.max(where=kind == "elderly_care"),
        school_level=current.level.max(where=kind == "school"),
        motor_wheelchair=(kind == "motor_wheelchair").any(),
        resident_pension=(kind == "resident_pension").any(),
    )


def _claims(t: dict[str, ir.Table], days: ir.Table, benefit_codes: tuple[str, ...]) -> ir.Table:
    claims = t["claims"].cross_join(days)
    current = claims.filter(
        (claims.start_month <= claims.month)
        & (claims.ended_on.isnull() | (claims.ended_on >= claims.day))
    )
    return current.group_by(["person_id", "day"]).aggregate(
        **{f"claim_{code}": (current.benefit == code).any() for code in benefit_codes}
    )


def age_on(birth: ir.DateValue, day: ir.DateValue) -> ir.IntegerValue:
    had_birthday = (birth.month() < day.month()) | (
        (birth.month() == day.month()) & (birth.day() <= day.day())
    )
    return (day.year() - birth.year()) - ibis.ifelse(had_birthday, 0, 1)


def facts_on(
    t: dict[str, ir.Table],
    benefit_codes: tuple[str, ...],
    overrides: dict[str, Any] | None = None,
) -> ir.Table:
    """Each person's facts on each day of ``t["days"]`` (one row per person and day);
    ``overrides`` replaces facts for a what-if."""
    day_rows = t["days"]
    p = t["persons"].cross_join(day_rows)
    moves = t["moves_out"]
    cert = _certificate_on(t, day_rows)
    rows = (
        p.left_join(moves, "person_id")
        .drop("person_id_right")
        .left_join(cert.rename(cert_status="status"), ["person_id", "day"])
        .drop("person_id_right", "day_right", "month_right")
        .left_join(_household_flags(t, day_rows), ["household_id", "day"])
        .drop("household_id_right", "day_right")
        .left_join(_person_facts(t, day_rows), ["person_id", "day"])
        .drop("person_id_right", "day_right")
        .left_join(_claims(t, day_rows, benefit_codes), ["person_id", "day"])
        .drop("person_id_right", "day_right")
    )
    has_certificate = rows.grade.notnull()
    day = rows.day
    columns: dict[str, Any] = {
        "person_id": rows.person_id,
        "village": rows.village,
        "township": rows.village.substr(0, 9),
        "day": day,
        "month": rows.month,
        "age": age_on(rows.birth_date, day),
        # Deceased or moved out *on* the day still counts as there that day.
        "alive": (rows.status != "deceased")
        | (rows.date_of_death.notnull() & (rows.date_of_death >= day)),
        "resident": (rows.status != "moved_out")
        | (rows.moved_out_on.notnull() & (rows.moved_out_on >= day)),
        "has_certificate": has_certificate,
        "cert_status": rows.cert_status,
        "valid_until": rows.valid_until,
        "cert_in_force": (
            has_certificate & rows.cert_status.isin(ACTIVE_CERTIFICATE) & (rows.issue_date <= day)
        ).fill_null(False),
        "cert_not_expired": (has_certificate & (rows.valid_until >= day)).fill_null(False),
        "category": rows.category,
        "physical": (rows.category == PHYSICAL)
        | ((rows.category == MULTIPLE) & rows.multiple_detail.contains(str(PHYSICAL))),
        "grade": rows.grade,
        "dibao": rows.dibao.fill_null(False),
        "tekun": rows.tekun.fill_null(False),
        "low_income": rows.low_income.fill_null(False),
        "work_injury_nursing_fen": rows.work_injury_nursing_fen.fill_null(0),
        "elderly_care_fen": rows.elderly_care_fen.fill_null(0),
        "school_level": rows.school_level,
        "motor_wheelchair": rows.motor_wheelchair.fill_null(False),
        "resident_pension": rows.resident_pension.fill_null(False),
    }
    for code in benefit_codes:
        columns[f"claim_{code}"] = rows[f"claim_{code}"].fill_null(False)
    for name, value in (overrides or {}).items():
        if name not in ADJUSTABLE_FACTS and not name.startswith("claim_"):
            raise ValueError(f"{name!r} is not a fact a what-if can change")
        columns[name] = ibis.literal(value, type=ADJUSTABLE_FACTS.get(name, "boolean"))
        if name == "category":
            columns["physical"] = ibis.literal(value == PHYSICAL)
    return rows.select(**columns)
