"""The reconciliation: the registry, its payroll and the latest department lists, joined.

Written as Ibis expressions (DESIGN.md §4) over Arrow tables read by
:func:`tongxing.core.arrowio.fetch_arrow`, executed by DuckDB here and portable to Spark.
Every comparison is a join, and "not in the list" is an anti-join, never ``IN
(subquery)``. Department rows meet persons on the blind index of the ID number
(``registry.Person.id_number_index``); nothing is decrypted.

A list speaks for the area of the officer who uploaded it: "not in the pension list" is a
finding only for persons under that area. Of each kind, the latest list of each area
counts (by its date, then upload order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tongxing.benefits.models import BatchStatus
from tongxing.benefits.rules import LIVING_SUBSIDY
from tongxing.core.arrowio import fetch_arrow_many, left_join
from tongxing.reconcile.kinds import DEATH_KINDS
from tongxing.reconcile.models import DepartmentList, Rule
from tongxing.reconcile.store import list_rows
from tongxing.registry.models import CertificateStatus, HouseholdStatusKind, PersonStatus

PERSONS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("area_id", pa.string()),
        ("id_index", pa.string()),
        ("status", pa.string()),
        ("birth_date", pa.date32()),
        ("household_id", pa.int64()),
        ("grade", pa.int64()),  # of a valid certificate; null without one
    ]
)
PERSONS_READ = pa.schema([field for field in PERSONS if field.name != "grade"])
CERTIFICATES = pa.schema([("person_id", pa.int64()), ("grade", pa.int64())])
HOUSEHOLD_STATUSES = pa.schema(
    [
        ("household_id", pa.int64()),
        ("kind", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)
CLAIMS = pa.schema([("person_id", pa.int64()), ("benefit", pa.string()), ("ended_on", pa.date32())])
PAID = pa.schema(
    [("person_id", pa.int64()), ("for_month", pa.date32()), ("amount_fen", pa.int64())]
)
LISTS = pa.schema(
    [
        ("list_id", pa.int64()),
        ("kind", pa.string()),
        ("list_area", pa.string()),
        ("list_date", pa.date32()),
    ]
)
OPEN = pa.schema([("rule", pa.string()), ("person_id", pa.int64())])
FINDINGS = pa.schema(
    [
        ("rule", pa.string()),
        ("person_id", pa.int64()),
        ("area_id", pa.string()),
        ("list_id", pa.int64()),
        ("amount_fen", pa.int64()),
        ("event_date", pa.date32()),
        ("months", pa.int64()),
        ("first_month", pa.date32()),
        ("last_month", pa.date32()),
        ("detail", pa.string()),
    ]
)
WORKING_AGE = (16, 59)  # resident pension: enrol from 16, draw from 60
SCHOOL_AGE = (6, 15)  # the nine compulsory years


@dataclass(frozen=True)
class Inputs:
    persons: pa.Table
    household_statuses: pa.Table
    claims: pa.Table
    paid: pa.Table
    rows: pa.Table
    lists: pa.Table
    open_findings: pa.Table


def latest_lists(scope: str) -> list[DepartmentList]:
    """Of each kind, the latest list of each area that overlaps ``scope``."""
    latest: dict[tuple[str, str], DepartmentList] = {}
    for found in DepartmentList.objects.order_by("list_date", "id"):
        if found.area_id.startswith(scope) or scope.startswith(found.area_id):
            latest[(found.kind, found.area_id)] = found
    return list(latest.values())


def input_queries(scope: str) -> dict[str, tuple[str, list, pa.Schema]]:
    """The registry-side SELECTs the reconciliation reads (the lists' rows come from
    :func:`tongxing.reconcile.store.list_rows`)."""
    like = [scope + "%"]
    return {
        # Persons and their valid certificates are read apart, concurrently, and joined
        # in DuckDB: at a million persons the server's hash join spilled to disk and
        # held the read up.
        "persons": (
            "SELECT p.id, p.area_id, p.id_number_index, p.status, p.birth_date, "
            "p.household_id FROM registry_person p WHERE p.area_id LIKE %s",
            like,
            PERSONS_READ,
        ),
        "certificates": (
            "SELECT c.person_id, c.grade FROM registry_disabilitycertificate c "
            "JOIN registry_person p ON p.id = c.person_id "
            "WHERE c.status = %s AND p.area_id LIKE %s",
            [CertificateStatus.VALID, *like],
            CERTIFICATES,
        ),
        "household_statuses": (
            "SELECT s.household_id, s.kind, s.start_date, s.end_date "
            "FROM registry_householdstatus s JOIN registry_household h ON h.id = s.household_id "
            "WHERE h.area_id LIKE %s",
            like,
            HOUSEHOLD_STATUSES,
        ),
        "claims": (
            "SELECT c.person_id, c.benefit, c.ended_on FROM benefits_benefitclaim c "
            "JOIN registry_person p ON p.id = c.person_id "
            "WHERE c.status IN ('approved', 'ended') AND p.area_id LIKE %s",
            like,
            CLAIMS,
        ),
        "paid": (
            "SELECT l.person_id, l.for_month, CAST(ROUND(l.amount * 100) AS BIGINT) "
            "FROM benefits_payrollline l JOIN benefits_payrollbatch b ON b.id = l.batch_id "
            "WHERE b.status = %s AND l.village LIKE %s AND l.amount > 0",
            [BatchStatus.LOCKED, *like],
            PAID,
        ),
        "open_findings": (
            "SELECT f.rule, f.person_id FROM reconcile_finding f "
            "WHERE f.status = 'open' AND f.area_id LIKE %s",
            like,
            OPEN,
        ),
    }


def read_inputs(scope: str) -> Inputs:
    lists = latest_lists(scope)
    raw = fetch_arrow_many(input_queries(scope))
    certificates = raw.pop("certificates")
    raw["persons"] = left_join(raw["persons"], certificates, "person_id", PERSONS)
    raw["rows"] = list_rows(lists)
    return Inputs(
        lists=pa.table(
            {
                "list_id": [x.pk for x in lists],
                "kind": [x.kind for x in lists],
                "list_area": [x.area_id for x in lists],
                "list_date": [x.list_date for x in lists],
            },
            schema=LISTS,
        ),
        **raw,
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _aged(persons: ir.Table, on: dt.date, ages: tuple[int, int]) -> ir.BooleanValue:
    youngest, oldest = ages
    return (persons.birth_date <= _years_before(on, youngest)) & (
        persons.birth_date > _years_before(on, oldest + 1)
    )


def _finding(table: ir.Table, rule: str, **columns: ir.Value) -> ir.Table:
    values = {
        "rule": ibis.literal(rule),
        "person_id": table.person_id,
        "area_id": table.area_id,
        "list_id": ibis.null("int64"),
        "amount_fen": ibis.null("int64"),
        "event_date": ibis.null("date"),
        "months": ibis.null("int64"),
        "first_month": ibis.null("date"),
        "last_month": ibis.null("date"),
        "detail": ibis.null("string"),
    }
    values.update(columns)
    return table.select(**values)


def _rows_of(rows: ir.Table, lists: ir.Table, kinds: tuple[str, ...]) -> ir.Table:
    wanted = lists.filter(lists.kind.isin(kinds))
    return rows.join(wanted, rows.list_id == wanted.list_id).select(
        rows.list_id, rows.id_index, rows.event_date, rows.status, wanted.list_area
    )


def _not_listed(persons: ir.Table, rows: ir.Table, lists: ir.Table, kind: str) -> ir.Table:
    """``persons`` under the area of a latest ``kind`` list and absent from that list."""
    wanted = lists.filter(lists.kind == kind)
    covered = persons.join(wanted, persons.area_id.startswith(wanted.list_area)).select(
        *[persons[c] for c in persons.columns], wanted.list_id
    )
    return covered.anti_join(
        rows, (covered.list_id == rows.list_id) & (covered.id_index == rows.id_index)
    )


def deaths(f: dict[str, ir.Table], on: dt.date) -> list[ir.Table]:
    persons, paid = f["persons"], f["paid"]
    died = (
        _rows_of(f["rows"], f["lists"], DEATH_KINDS)
        .group_by("id_index")
        .aggregate(event_date=lambda t: t.event_date.min(), list_id=lambda t: t.list_id.max())
    )
    dead = died.join(persons, died.id_index == persons.id_index).select(
        persons.person_id, persons.area_id, persons.status, died.event_date, died.list_id
    )
    after = dead.join(paid, (dead.person_id == paid.person_id) & (paid.for_month > dead.event_date))
    still_paid = after.group_by(
        after.person_id, after.area_id, after.event_date, after.list_id
    ).aggregate(
        amount_fen=after.amount_fen.sum(),
        months=after.for_month.nunique().cast("int64"),
        first_month=after.for_month.min(),
        last_month=after.for_month.max(),
    )
    alive = dead.filter(dead.status != PersonStatus.DECEASED).anti_join(
        still_paid, dead.person_id == still_paid.person_id
    )
    return [
        _finding(
            still_paid,
            Rule.DECEASED_PAID,
            list_id=still_paid.list_id,
            amount_fen=still_paid.amount_fen,
            event_date=still_paid.event_date,
            months=still_paid.months,
            first_month=still_paid.first_month,
            last_month=still_paid.last_month,
        ),
        _finding(alive, Rule.DECEASED_ALIVE, list_id=alive.list_id, event_date=alive.event_date),
    ]


def _in_force(statuses: ir.Table, on: ir.Value) -> ir.BooleanValue:
    return (statuses.start_date <= on) & (statuses.end_date.isnull() | (statuses.end_date >= on))


def assistance(f: dict[str, ir.Table], on: dt.date) -> list[ir.Table]:
    persons, statuses, lists = f["persons"], f["household_statuses"], f["lists"]
    living = persons.filter(persons.status == PersonStatus.ACTIVE)
    listed = _rows_of(f["rows"], lists, ("assistance",))
    listed = listed.join(lists, listed.list_id == lists.list_id).select(
        listed.list_id, listed.id_index, listed.status, lists.list_date
    )
    on_list = listed.join(living, listed.id_index == living.id_index).select(
        living.person_id,
        living.area_id,
        living.household_id,
        listed.list_id,
        listed.status,
        listed.list_date,
    )
    recorded = on_list.join(
        statuses,
        (on_list.household_id == statuses.household_id)
        & (on_list.status == statuses.kind)
        & _in_force(statuses, on_list.list_date),
    ).select(on_list.person_id, on_list.status)
    not_recorded = on_list.anti_join(
        recorded, (on_list.person_id == recorded.person_id) & (on_list.status == recorded.status)
    )
    kinds = (HouseholdStatusKind.DIBAO, HouseholdStatusKind.TEKUN)
    held = statuses.filter(statuses.kind.isin(kinds) & _in_force(statuses, on))
    members = living.join(held, living.household_id == held.household_id).select(
        *[living[c] for c in living.columns], held.kind
    )
    unlisted = _not_listed(members, listed, lists, "assistance")
    # 低保 as either side knows it: the registry's status, or civil affairs' list.
    dibao = (
        members.filter(members.kind == HouseholdStatusKind.DIBAO)
        .select("person_id")
        .union(
            on_list.filter(on_list.status == HouseholdStatusKind.DIBAO).select("person_id"),
            distinct=True,
        )
    )
    claims = f["claims"]
    paying = claims.filter(
        (claims.benefit == LIVING_SUBSIDY.code)
        & (claims.ended_on.isnull() | (claims.ended_on > on))
    )
    disabled = living.filter(living.grade.notnull())
    in_dibao = disabled.join(dibao, disabled.person_id == dibao.person_id).select(
        *[disabled[c] for c in disabled.columns]
    )
    no_subsidy = in_dibao.anti_join(paying, in_dibao.person_id == paying.person_id)
    return [
        _finding(
            not_recorded,
            Rule.ASSISTANCE_NOT_RECORDED,
            list_id=not_recorded.list_id,
            detail=not_recorded.status,
        ),
        _finding(
            unlisted, Rule.ASSISTANCE_NOT_LISTED, list_id=unlisted.list_id, detail=unlisted.kind
        ),
        _finding(no_subsidy, Rule.ASSISTANCE_NO_SUBSIDY),
    ]


def enrolment(f: dict[str, ir.Table], on: dt.date) -> list[ir.Table]:
    persons, lists = f["persons"], f["lists"]
    living = persons.filter(persons.status == PersonStatus.ACTIVE)
    severe = living.filter(living.grade.isin((1, 2)) & _aged(living, on, WORKING_AGE))
    no_pension = _not_listed(
        severe, _rows_of(f["rows"], lists, ("pension_enrolment",)), lists, "pension_enrolment"
    )
    children = living.filter(living.grade.notnull() & _aged(living, on, SCHOOL_AGE))
    not_enrolled = _not_listed(
        children, _rows_of(f["rows"], lists, ("school_enrolment",)), lists, "school_enrolment"
    )
    return [
        _finding(no_pension, Rule.SEVERE_NO_PENSION, list_id=no_pension.list_id),
        _finding(not_enrolled, Rule.CHILD_NOT_ENROLLED, list_id=not_enrolled.list_id),
    ]


RULE_GROUPS: tuple[Callable[[dict[str, ir.Table], dt.date], list[ir.Table]], ...] = (
    deaths,
    assistance,
    enrolment,
)


def findings_expr(tables: dict[str, ir.Table], on: dt.date) -> ir.Table:
    """Every finding on ``on``, less those already open on the worklist."""
    found = ibis.union(*[t for group in RULE_GROUPS for t in group(tables, on)])
    # A household can hold two statuses at once; a person is one item per rule.
    found = found.distinct(on=("rule", "person_id"), keep="first")
    open_ = tables["open_findings"]
    return found.anti_join(open_, (found.rule == open_.rule) & (found.person_id == open_.person_id))


def find(inputs: Inputs, on: dt.date) -> pa.Table:
    """The new findings as Arrow (``FINDINGS``), computed by DuckDB."""
    # Memtables: DuckDB scans the Arrow tables where they are; create_table copied the
    # five million list rows into its own storage first.
    tables = {
        name: ibis.memtable(getattr(inputs, name))
        for name in (
            "persons",
            "household_statuses",
            "claims",
            "paid",
            "rows",
            "lists",
            "open_findings",
        )
    }
    con = ibis.duckdb.connect()
    result = con.to_pyarrow(findings_expr(tables, on).order_by(["rule", "person_id"]))
    return result.select(FINDINGS.names).cast(FINDINGS)
