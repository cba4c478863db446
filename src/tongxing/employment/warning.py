"""The unemployment warning (失业监测预警, the plan's 三(三)1): persons of working age whose
employment ended recently, or who have been seeking work for longer than the warning
period, computed as one Ibis expression over the population on DuckDB.

A warning is not stored. It is known by its person, its reason and the day it began, so
officers' follow-ups (:class:`~tongxing.employment.models.WarningFollowUp`) attach to it
and a later spell of unemployment is a new warning. Only the current status period counts
for "seeking": a seeker whose status was recorded again starts a new spell on that day.
"""

from __future__ import annotations

import calendar
import datetime as dt

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tongxing.benefits.facts import age_on
from tongxing.benefits.parameters import ParameterSet
from tongxing.core.arrowio import fetch_arrow_many
from tongxing.employment.fund import AGE_MAX, AGE_MIN
from tongxing.employment.models import WarningReason, WorkStatus

MONTHS = "employment.unemployment_warning_months"
KEYS = (AGE_MIN, AGE_MAX, MONTHS)

PERSONS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("area", pa.string()),
        ("birth_date", pa.date32()),
        ("status", pa.string()),
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
# Persons are selected by an area prefix, or one person for a follow-up's check.
_PERSONS_SQL = "SELECT p.id, p.area_id, p.birth_date, p.status FROM registry_person p WHERE {}"
_STATUSES_SQL = """
SELECT s.person_id, s.status, s.start_date, s.end_date
FROM employment_employmentstatus s JOIN registry_person p ON p.id = s.person_id
WHERE {}
"""
BY_AREA = "p.area_id LIKE %s"
BY_PERSON = "p.id = %s"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warnings(
    persons: pa.Table,
    statuses: pa.Table,
    day: dt.date,
    age_min: int,
    age_max: int,
    months: int,
) -> ir.Table:
    """One row per warned person on ``day``: person_id, area, reason, since.

    Employment ended: the latest employed period ended within ``months`` months before
    ``day`` and the person is not employed on ``day``; since is the day after it ended.
    Long seeking: the period in force on ``day`` is "seeking" and began more than
    ``months`` months before ``day``; since is its first day."""
    p = ibis.memtable(persons.cast(PERSONS))
    s = ibis.memtable(statuses.cast(STATUSES))
    on = ibis.literal(day)
    cutoff = ibis.literal(months_before(day, months))
    p = p.filter((p.status == "active") & age_on(p.birth_date, on).between(age_min, age_max))
    in_force = s.filter((s.start_date <= on) & (s.end_date.isnull() | (s.end_date >= on)))
    # The actions keep one open period per person; argmax keeps a repaired history safe.
    current = in_force.group_by(cur_person=in_force.person_id).aggregate(
        cur_status=in_force.status.argmax(in_force.start_date),
        cur_start=in_force.start_date.max(),
    )
    worked = s.filter((s.status == WorkStatus.EMPLOYED.value) & (s.end_date < on))
    ended = worked.group_by(end_person=worked.person_id).aggregate(last_end=worked.end_date.max())
    j = p.left_join(current, p.person_id == current.cur_person).left_join(
        ended, p.person_id == ended.end_person
    )
    employed_now = j.cur_status.notnull() & (j.cur_status == WorkStatus.EMPLOYED.value)
    was_ended = j.last_end.notnull() & (j.last_end >= cutoff) & ~employed_now
    long_seeking = (j.cur_status == WorkStatus.SEEKING.value) & (j.cur_start < cutoff)
    rows = j.filter(was_ended | long_seeking.fill_null(False))
    return rows.select(
        person_id=rows.person_id,
        area=rows.area,
        reason=ibis.ifelse(
            was_ended,
            ibis.literal(WarningReason.EMPLOYMENT_ENDED.value),
            ibis.literal(WarningReason.LONG_SEEKING.value),
        ),
        since=ibis.ifelse(
            was_ended, (rows.last_end + ibis.interval(days=1)).cast("date"), rows.cur_start
        ),
    )


def read_inputs(where: str, value: str | int) -> tuple[pa.Table, pa.Table]:
    """The persons and their status periods, by area prefix (``BY_AREA``, a LIKE
    pattern) or one person (``BY_PERSON``)."""
    tables = fetch_arrow_many(
        {
            "persons": (_PERSONS_SQL.format(where), [value], PERSONS),
            "statuses": (_STATUSES_SQL.format(where), [value], STATUSES),
        }
    )
    return tables["persons"], tables["statuses"]


def period(parameters: ParameterSet, day: dt.date) -> tuple[int, int, int]:
    """(youngest, oldest working age, warning months) on ``day``; raises
    :class:`~tongxing.benefits.parameters.ParameterLookupError` when one is missing."""
    return (
        int(parameters.at(AGE_MIN, day).value),
        int(parameters.at(AGE_MAX, day).value),
        int(parameters.at(MONTHS, day).value),
    )


def compute(where: str, value: str | int, day: dt.date, parameters: ParameterSet) -> pa.Table:
    persons, statuses = read_inputs(where, value)
    expr = warnings(persons, statuses, day, *period(parameters, day))
    return ibis.duckdb.connect().to_pyarrow(expr.order_by(["area", "since", "person_id"]))
