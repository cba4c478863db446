"""How each computed indicator is counted: one small function per indicator code.

A function receives the input tables (Ibis, over Arrow read once per run) and the period,
and returns a :class:`Measure`: the rows counted (``key``, ``area``) and, for a rate, the
rows it is a share of. :mod:`tongxing.indicators.engine` counts distinct keys per area at
every level in one GROUP BY per level, so a function never aggregates itself.

To add an indicator (the services module's device fitting rate, say): load the table it
needs in :data:`INPUTS` and register a function under the catalogue's code::

    @computation("device_fitting_rate", inputs=("persons", "fittings"))
    def device_fitting_rate(t, period):
        ...
        return Measure(fitted, needing)

The catalogue then says ``method: computed``. Until then a ``when_available`` indicator is
reported by a department.

Known simplifications (stated on the indicator page): a person counts in the area they
live in now and with the registry status they have now (the registry keeps no dated
history of moves); everything else is dated and read as of the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tongxing.benefits.facts import age_on
from tongxing.benefits.models import BatchStatus
from tongxing.benefits.rules import EDUCATION_AID, LIVING_SUBSIDY, NURSING_SUBSIDY, PENSION_PREMIUM
from tongxing.employment import queries as employment_queries
from tongxing.employment.fund import IN_FORCE
from tongxing.employment.models import EnrolmentStatus, WorkStatus
from tongxing.reconcile.engine import SCHOOL_AGE, WORKING_AGE
from tongxing.registry.models import PersonFactKind, PersonStatus
from tongxing.surveys.models import NeedStatus, SurveyStatus


@dataclass(frozen=True)
class Period:
    """A calendar year (``quarter`` 0) or one of its quarters."""

    year: int
    quarter: int = 0

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.quarter == 0 else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> dt.date:
        month = 12 if self.quarter == 0 else 3 * self.quarter
        following = dt.date(self.year + month // 12, month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    def __str__(self) -> str:
        return str(self.year) if self.quarter == 0 else f"{self.year} Q{self.quarter}"


@dataclass(frozen=True)
class Measure:
    """Rows counted (``key``, ``area``); ``denominator`` for a rate, else None."""

    numerator: ir.Table
    denominator: ir.Table | None = None


# The SELECTs each input is read with, as Arrow (one read per run, whatever the periods).
INPUTS: dict[str, tuple[str, list, pa.Schema]] = {
    "persons": (
        "SELECT p.id, p.household_id, p.area_id, p.birth_date, p.status, c.status, "
        "c.issue_date, c.valid_until, p.date_of_death FROM registry_person p "
        "LEFT JOIN registry_disabilitycertificate c ON c.person_id = p.id",
        [],
        employment_queries.PERSONS.append(pa.field("date_of_death", pa.date32())),
    ),
    "paid": (
        "SELECT DISTINCT l.person_id, l.benefit, l.for_month FROM benefits_payrollline l "
        "JOIN benefits_payrollbatch b ON b.id = l.batch_id WHERE b.status = %s AND l.amount > 0",
        [BatchStatus.LOCKED],
        pa.schema(
            [("person_id", pa.int64()), ("benefit", pa.string()), ("for_month", pa.date32())]
        ),
    ),
    "claims": (
        "SELECT person_id, benefit, applied_on, ended_on FROM benefits_benefitclaim "
        "WHERE status IN ('approved', 'ended')",
        [],
        pa.schema(
            [
                ("person_id", pa.int64()),
                ("benefit", pa.string()),
                ("applied_on", pa.date32()),
                ("ended_on", pa.date32()),
            ]
        ),
    ),
    "facts": (
        "SELECT person_id, kind, start_date, end_date FROM registry_personfact "
        "WHERE kind IN (%s, %s)",
        [PersonFactKind.RESIDENT_PENSION, PersonFactKind.SCHOOL],
        pa.schema(
            [
                ("person_id", pa.int64()),
                ("kind", pa.string()),
                ("start_date", pa.date32()),
                ("end_date", pa.date32()),
            ]
        ),
    ),
    "surveys": (
        "SELECT person_id, year, completed_at FROM surveys_survey WHERE status = %s",
        [SurveyStatus.COMPLETED],
        pa.schema(
            [
                ("person_id", pa.int64()),
                ("year", pa.int64()),
                ("completed_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    ),
    "needs": (
        "SELECT id, person_id, year, status, opened_at, closed_at FROM surveys_need",
        [],
        pa.schema(
            [
                ("need_id", pa.int64()),
                ("person_id", pa.int64()),
                ("year", pa.int64()),
                ("status", pa.string()),
                ("opened_at", pa.timestamp("us", tz="UTC")),
                ("closed_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    ),
    "work": (
        "SELECT person_id, status, start_date, end_date FROM employment_employmentstatus",
        [],
        employment_queries.STATUSES,
    ),
    "training": (
        "SELECT e.person_id, c.end_date FROM employment_enrolment e "
        "JOIN employment_trainingcourse c ON c.id = e.course_id WHERE e.status = %s",
        [EnrolmentStatus.COMPLETED],
        pa.schema([("person_id", pa.int64()), ("end_date", pa.date32())]),
    ),
    "findings": (
        "SELECT id, area_id, found_at, closed_at FROM reconcile_finding",
        [],
        pa.schema(
            [
                ("finding_id", pa.int64()),
                ("area", pa.string()),
                ("found_at", pa.timestamp("us", tz="UTC")),
                ("closed_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    ),
}


@dataclass
class Tables:
    """The inputs as Arrow (what was read) and as Ibis tables (what functions use)."""

    arrow: dict[str, pa.Table]

    def __post_init__(self) -> None:
        self.ibis = {name: ibis.memtable(table) for name, table in self.arrow.items()}

    def __getitem__(self, name: str) -> ir.Table:
        return self.ibis[name]


Computation = Callable[[Tables, Period], Measure]


@dataclass(frozen=True)
class Registered:
    code: str
    function: Computation
    inputs: tuple[str, ...]


COMPUTATIONS: dict[str, Registered] = {}


def computation(code: str, *, inputs: tuple[str, ...]) -> Callable[[Computation], Computation]:
    def decorator(fn: Computation) -> Computation:
        unknown = set(inputs) - set(INPUTS)
        if unknown:
            raise ValueError(f"indicator {code!r} reads unknown inputs {sorted(unknown)}")
        if code in COMPUTATIONS and COMPUTATIONS[code].function is not fn:
            raise ValueError(f"indicator {code!r} already has a computation")
        COMPUTATIONS[code] = Registered(code, fn, inputs)
        return fn

    return decorator


# --- shared pieces -------------------------------------------------------------------------


def _counted(table: ir.Table, key: ir.Value, area: ir.Value) -> ir.Table:
    return table.select(key=key.cast("int64"), area=area)


def _here(p: ir.Table, day: dt.date) -> ir.BooleanValue:
    """Alive on ``day`` and not moved out of the region (moves are known only as now)."""
    return (p.status != PersonStatus.MOVED_OUT) & (
        p.date_of_death.isnull() | (p.date_of_death > day)
    )


def certified(t: Tables, day: dt.date) -> ir.Table:
    """Persons living here on ``day`` with a certificate in force on it."""
    p = t["persons"]
    return p.filter(
        _here(p, day)
        & p.cert_status.isin(IN_FORCE)
        & (p.issue_date <= day)
        & (p.valid_until >= day)
    )


def _aged(p: ir.Table, day: dt.date, ages: tuple[int, int]) -> ir.Table:
    return p.filter(age_on(p.birth_date, ibis.literal(day)).between(*ages))


def _in_force(rows: ir.Table, start: ir.Value, end: ir.Value, period: Period) -> ir.BooleanValue:
    """A dated row overlapping the period."""
    return (start <= period.end) & (end.isnull() | (end >= period.start))


def _persons_with(t: Tables, rows: ir.Table) -> ir.Table:
    """Rows keyed by person_id, counted once per person in the person's area."""
    p = t["persons"]
    joined = rows.join(p, rows.person_id == p.person_id)
    return _counted(joined, joined.person_id, joined.area)


def _share_with_fact(t: Tables, base: ir.Table, kind: str, day: dt.date) -> Measure:
    f = t["facts"]
    holding = f.filter(
        (f.kind == kind) & (f.start_date <= day) & (f.end_date.isnull() | (f.end_date >= day))
    )
    denominator = _counted(base, base.person_id, base.area)
    numerator = denominator.semi_join(holding, denominator.key == holding.person_id)
    return Measure(numerator, denominator)


def _claims(t: Tables, period: Period, *benefits: str) -> ir.Table:
    c = t["claims"]
    return c.filter(c.benefit.isin(benefits) & _in_force(c, c.applied_on, c.ended_on, period))


def _paid(t: Tables, period: Period, *benefits: str) -> ir.Table:
    paid = t["paid"]
    return paid.filter(
        paid.benefit.isin(benefits)
        & (paid.for_month >= period.start)
        & (paid.for_month <= period.end)
    )


def _end_of(day: dt.date) -> ir.TimestampValue:
    """The last instant of ``day`` in Beijing time, as UTC for the stored timestamps."""
    beijing = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(), dt.timezone(dt.timedelta(hours=8))
    )
    return ibis.literal(beijing.astimezone(dt.UTC).replace(tzinfo=None)).cast("timestamp('UTC', 6)")


# --- the computations ----------------------------------------------------------------------


@computation("certified_persons", inputs=("persons",))
def certified_persons(t: Tables, period: Period) -> Measure:
    holders = certified(t, period.end)
    return Measure(_counted(holders, holders.person_id, holders.area))


@computation("living_subsidy_recipients", inputs=("persons", "paid"))
def living_subsidy_recipients(t: Tables, period: Period) -> Measure:
    return Measure(_persons_with(t, _paid(t, period, LIVING_SUBSIDY.code)))


@computation("nursing_subsidy_recipients", inputs=("persons", "paid"))
def nursing_subsidy_recipients(t: Tables, period: Period) -> Measure:
    return Measure(_persons_with(t, _paid(t, period, NURSING_SUBSIDY.code)))


@computation("subsidy_coverage", inputs=("persons", "paid", "claims"))
def subsidy_coverage(t: Tables, period: Period) -> Measure:
    two = (LIVING_SUBSIDY.code, NURSING_SUBSIDY.code)
    entitled = _persons_with(t, _claims(t, period, *two))
    paid = _paid(t, period, *two)
    return Measure(entitled.semi_join(paid, entitled.key == paid.person_id), entitled)


@computation("resident_pension_rate", inputs=("persons", "facts"))
def resident_pension_rate(t: Tables, period: Period) -> Measure:
    working_age = _aged(certified(t, period.end), period.end, WORKING_AGE)
    return _share_with_fact(t, working_age, PersonFactKind.RESIDENT_PENSION, period.end)


@computation("pension_premium_recipients", inputs=("persons", "claims"))
def pension_premium_recipients(t: Tables, period: Period) -> Measure:
    return Measure(_persons_with(t, _claims(t, period, PENSION_PREMIUM.code)))


@computation("compulsory_education_enrolment", inputs=("persons", "facts"))
def compulsory_education_enrolment(t: Tables, period: Period) -> Measure:
    school_age = _aged(certified(t, period.end), period.end, SCHOOL_AGE)
    return _share_with_fact(t, school_age, PersonFactKind.SCHOOL, period.end)


@computation("students_aided", inputs=("persons", "claims"))
def students_aided(t: Tables, period: Period) -> Measure:
    return Measure(_persons_with(t, _claims(t, period, EDUCATION_AID.code)))


@computation("survey_coverage", inputs=("persons", "surveys"))
def survey_coverage(t: Tables, period: Period) -> Measure:
    holders = certified(t, period.end)
    base = _counted(holders, holders.person_id, holders.area)
    s = t["surveys"]
    done = s.filter((s.year == period.year) & (s.completed_at < _end_of(period.end)))
    return Measure(base.semi_join(done, base.key == done.person_id), base)


@computation("needs_met_rate", inputs=("persons", "needs"))
def needs_met_rate(t: Tables, period: Period) -> Measure:
    n = t["needs"]
    cutoff = _end_of(period.end)
    closed_by_then = n.closed_at.notnull() & (n.closed_at < cutoff)
    stated = n.filter(
        (n.year == period.year)
        & (n.opened_at < cutoff)
        & ~(closed_by_then & (n.status == NeedStatus.DECLINED))
    )
    p = t["persons"]
    joined = stated.join(p, stated.person_id == p.person_id)
    denominator = _counted(joined, joined.need_id, joined.area)
    met = joined.filter(
        (joined.status == NeedStatus.MET) & joined.closed_at.notnull() & (joined.closed_at < cutoff)
    )
    return Measure(_counted(met, met.need_id, met.area), denominator)


def _employed(t: Tables) -> ir.Table:
    w = t["work"]
    return w.filter(w.status == WorkStatus.EMPLOYED)


@computation("employed_persons", inputs=("persons", "work"))
def employed_persons(t: Tables, period: Period) -> Measure:
    w = _employed(t)
    day = period.end
    return Measure(
        _persons_with(
            t, w.filter((w.start_date <= day) & (w.end_date.isnull() | (w.end_date >= day)))
        )
    )


@computation("newly_employed", inputs=("persons", "work"))
def newly_employed(t: Tables, period: Period) -> Measure:
    w = _employed(t)
    return Measure(
        _persons_with(t, w.filter((w.start_date >= period.start) & (w.start_date <= period.end)))
    )


@computation("trained_persons", inputs=("persons", "training"))
def trained_persons(t: Tables, period: Period) -> Measure:
    c = t["training"]
    return Measure(
        _persons_with(t, c.filter((c.end_date >= period.start) & (c.end_date <= period.end)))
    )


@computation("zero_employment_households", inputs=("persons", "work"))
def zero_employment_households(t: Tables, period: Period) -> Measure:
    persons = t.arrow["persons"].drop_columns(["date_of_death"])
    homes = employment_queries.zero_employment_households(
        persons, t.arrow["work"], period.end, *WORKING_AGE
    )
    return Measure(_counted(homes, homes.household, homes.area))


@computation("open_findings", inputs=("findings",))
def open_findings(t: Tables, period: Period) -> Measure:
    f = t["findings"]
    cutoff = _end_of(period.end)
    still_open = f.filter((f.found_at < cutoff) & (f.closed_at.isnull() | (f.closed_at >= cutoff)))
    return Measure(_counted(still_open, still_open.finding_id, still_open.area))
