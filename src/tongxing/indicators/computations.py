"""How each computed indicator is counted: one small function per indicator code.

A function receives the input tables (Ibis, over Arrow read once per run) and the periods
(a small table of year, quarter and dates, crossed with the data, so that one expression
counts every period), and returns a :class:`Measure`: the rows counted (``year``,
``quarter``, ``key``, ``area``) and, for a rate, the rows it is a share of.
:mod:`tongxing.indicators.engine` counts distinct keys per area at every level in one
GROUP BY per level, so a function never aggregates itself.

To add an indicator: load the table it needs in :data:`INPUTS` and register a function
under the catalogue's code, with a ``covers`` rule saying for which periods the records it
counts exist at all (so a year before the module was used stays blank, not a false 0)::

    @computation("device_fitting_rate", inputs=("persons", "handovers"), covers=...)
    def device_fitting_rate(t, periods):
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
import pyarrow.compute as pc

from tongxing.benefits.facts import age_on
from tongxing.benefits.models import BatchStatus
from tongxing.benefits.rules import EDUCATION_AID, LIVING_SUBSIDY, NURSING_SUBSIDY, PENSION_PREMIUM
from tongxing.devices.workflow import SERVICE as DEVICE_SERVICE
from tongxing.employment import queries as employment_queries
from tongxing.employment.fund import IN_FORCE
from tongxing.employment.models import EnrolmentStatus, WorkStatus
from tongxing.reconcile.engine import SCHOOL_AGE, WORKING_AGE
from tongxing.registry.models import PersonFactKind, PersonStatus
from tongxing.services.models import ApplicationStatus, FacilityKind
from tongxing.surveys.models import NeedKind, NeedStatus, SurveyStatus

# The region pack's service code of home accessibility renovation (services/home_renovation.yaml).
RENOVATION_SERVICE = "home_renovation"


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
                ("survey_year", pa.int64()),
                ("completed_at", pa.timestamp("us", tz="UTC")),
            ]
        ),
    ),
    "needs": (
        "SELECT id, person_id, year, kind, status, opened_at, closed_at FROM surveys_need",
        [],
        pa.schema(
            [
                ("need_id", pa.int64()),
                ("person_id", pa.int64()),
                ("need_year", pa.int64()),
                ("kind", pa.string()),
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
    # Device and renovation applications as the services engine keeps them (a withdrawn one
    # asks for nothing any more; a refused one is an unmet ask and stays).
    "applications": (
        "SELECT a.person_id, t.code, a.status, a.submitted_on, a.closed_on "
        "FROM services_application a JOIN services_servicetype t ON t.id = a.service_type_id "
        "WHERE t.code IN (%s, %s) AND a.status <> %s",
        [DEVICE_SERVICE, RENOVATION_SERVICE, ApplicationStatus.WITHDRAWN],
        pa.schema(
            [
                ("person_id", pa.int64()),
                ("service", pa.string()),
                ("app_status", pa.string()),
                ("submitted_on", pa.date32()),
                ("closed_on", pa.date32()),
            ]
        ),
    ),
    "handovers": (
        "SELECT person_id, handed_over_on FROM devices_handover",
        [],
        pa.schema([("person_id", pa.int64()), ("handed_over_on", pa.date32())]),
    ),
    # Monthly service records of child rehabilitation (``month`` is the month's first day).
    "rehab_records": (
        "SELECT child_id, month FROM rehab_servicerecord",
        [],
        pa.schema([("person_id", pa.int64()), ("month", pa.date32())]),
    ),
    # Designated facilities inside the region (one outside it has no area to count in).
    "facilities": (
        "SELECT id, kind, area_id, designated_from, designated_until FROM services_facility "
        "WHERE designated = %s AND area_id IS NOT NULL",
        [True],
        pa.schema(
            [
                ("facility_id", pa.int64()),
                ("kind", pa.string()),
                ("area", pa.string()),
                ("designated_from", pa.date32()),
                ("designated_until", pa.date32()),
            ]
        ),
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


@dataclass
class Periods:
    """The periods counted in one run, as a table every computation joins (one pass over
    the data for all of them, and one compiled expression per indicator) and as a list."""

    items: list[Period]

    def __post_init__(self) -> None:
        beijing = dt.timezone(dt.timedelta(hours=8))
        self.table = ibis.memtable(
            pa.table(
                {
                    "year": [p.year for p in self.items],
                    "quarter": [p.quarter for p in self.items],
                    "period_start": [p.start for p in self.items],
                    "period_end": [p.end for p in self.items],
                    # The first instant after the period, Beijing time, for timestamps.
                    "cutoff": [
                        dt.datetime.combine(p.end + dt.timedelta(days=1), dt.time(), beijing)
                        for p in self.items
                    ],
                },
                schema=pa.schema(
                    [
                        ("year", pa.int64()),
                        ("quarter", pa.int64()),
                        ("period_start", pa.date32()),
                        ("period_end", pa.date32()),
                        ("cutoff", pa.timestamp("us", tz="UTC")),
                    ]
                ),
            )
        )


Computation = Callable[[Tables, Periods], Measure]
# Whether the records a computation counts exist for the period at all: without a single
# locked payroll month in a quarter, "0 recipients" would be a false figure, so it is none.
Coverage = Callable[[Tables, Period], bool]


@dataclass(frozen=True)
class Registered:
    code: str
    function: Computation
    inputs: tuple[str, ...]
    covers: Coverage | None = None


COMPUTATIONS: dict[str, Registered] = {}


def computation(
    code: str, *, inputs: tuple[str, ...], covers: Coverage | None = None
) -> Callable[[Computation], Computation]:
    def decorator(fn: Computation) -> Computation:
        unknown = set(inputs) - set(INPUTS)
        if unknown:
            raise ValueError(f"indicator {code!r} reads unknown inputs {sorted(unknown)}")
        if code in COMPUTATIONS and COMPUTATIONS[code].function is not fn:
            raise ValueError(f"indicator {code!r} already has a computation")
        COMPUTATIONS[code] = Registered(code, fn, inputs, covers)
        return fn

    return decorator


def _dated(name: str, column: str, *, within: bool = True) -> Coverage:
    """Records of ``name`` dated inside the period (or, ``within=False``, by its end)."""

    def covers(t: Tables, period: Period) -> bool:
        values = t.arrow[name].column(column)
        if pa.types.is_timestamp(values.type):
            values = pc.cast(values, pa.timestamp("us", tz="UTC")).cast(pa.date32())
        end = pc.less_equal(values, pa.scalar(period.end, pa.date32()))
        if within:
            end = pc.and_(end, pc.greater_equal(values, pa.scalar(period.start, pa.date32())))
        return bool(pc.any(end).as_py())

    return covers


def _fact_known(kind: str) -> Coverage:
    """Some department has reported facts of ``kind`` starting by the end of the period."""

    def covers(t: Tables, period: Period) -> bool:
        facts = t.arrow["facts"]
        of_kind = pc.equal(facts.column("kind"), kind)
        started = pc.less_equal(facts.column("start_date"), pa.scalar(period.end, pa.date32()))
        return bool(pc.any(pc.and_(of_kind, started)).as_py())

    return covers


def _of_year(name: str, column: str) -> Coverage:
    def covers(t: Tables, period: Period) -> bool:
        return bool(pc.any(pc.equal(t.arrow[name].column(column), period.year)).as_py())

    return covers


def _applied(service: str) -> Coverage:
    """Applications for ``service`` were submitted by the end of the period."""

    def covers(t: Tables, period: Period) -> bool:
        a = t.arrow["applications"]
        submitted = pc.less_equal(a.column("submitted_on"), pa.scalar(period.end, pa.date32()))
        return bool(pc.any(pc.and_(pc.equal(a.column("service"), service), submitted)).as_py())

    return covers


def _designated(kind: str) -> Coverage:
    """The directory holds a facility of ``kind`` designated by the end of the period."""

    def covers(t: Tables, period: Period) -> bool:
        f = t.arrow["facilities"]
        since = f.column("designated_from")
        by_end = pc.or_kleene(
            pc.is_null(since), pc.less_equal(since, pa.scalar(period.end, pa.date32()))
        )
        return bool(pc.any(pc.and_(pc.equal(f.column("kind"), kind), by_end)).as_py())

    return covers


def _any(*rules: Coverage) -> Coverage:
    def covers(t: Tables, period: Period) -> bool:
        return any(rule(t, period) for rule in rules)

    return covers


# --- shared pieces -------------------------------------------------------------------------


def _counted(table: ir.Table, key: ir.Value, area: ir.Value) -> ir.Table:
    return table.select(year=table.year, quarter=table.quarter, key=key.cast("int64"), area=area)


def _over(table: ir.Table, periods: Periods) -> ir.Table:
    return table.cross_join(periods.table)


def certified(t: Tables, periods: Periods) -> ir.Table:
    """Persons living here at the end of each period with a certificate in force then
    (alive, not moved out of the region: moves are known only as now)."""
    p = _over(t["persons"], periods)
    end = p.period_end
    return p.filter(
        (p.status != PersonStatus.MOVED_OUT)
        & (p.date_of_death.isnull() | (p.date_of_death > end))
        & p.cert_status.isin(IN_FORCE)
        & (p.issue_date <= end)
        & (p.valid_until >= end)
    )


def _aged(rows: ir.Table, ages: tuple[int, int]) -> ir.Table:
    return rows.filter(age_on(rows.birth_date, rows.period_end).between(*ages))


def _persons_with(t: Tables, rows: ir.Table) -> ir.Table:
    """Rows keyed by person_id (with their period), counted in the person's area."""
    p = t["persons"].select("person_id", "area")
    joined = rows.join(p, rows.person_id == p.person_id)
    return _counted(joined, joined.person_id, joined.area)


def _same_period(left: ir.Table, right: ir.Table) -> list[ir.BooleanValue]:
    return [left.year == right.year, left.quarter == right.quarter]


def _share_with_fact(t: Tables, base: ir.Table, kind: str) -> Measure:
    f = t["facts"].filter(t["facts"].kind == kind)
    denominator = base.select(
        year=base.year,
        quarter=base.quarter,
        key=base.person_id.cast("int64"),
        area=base.area,
        period_end=base.period_end,
    )
    numerator = denominator.semi_join(
        f,
        [
            denominator.key == f.person_id,
            f.start_date <= denominator.period_end,
            f.end_date.isnull() | (f.end_date >= denominator.period_end),
        ],
    )
    return Measure(numerator.drop("period_end"), denominator.drop("period_end"))


def _claims(t: Tables, periods: Periods, *benefits: str) -> ir.Table:
    c = _over(t["claims"], periods)
    return c.filter(
        c.benefit.isin(benefits)
        & (c.applied_on <= c.period_end)
        & (c.ended_on.isnull() | (c.ended_on >= c.period_start))
    )


def _paid(t: Tables, periods: Periods, *benefits: str) -> ir.Table:
    paid = _over(t["paid"], periods)
    return paid.filter(
        paid.benefit.isin(benefits)
        & (paid.for_month >= paid.period_start)
        & (paid.for_month <= paid.period_end)
    )


# --- the computations ----------------------------------------------------------------------


@computation("certified_persons", inputs=("persons",))
def certified_persons(t: Tables, periods: Periods) -> Measure:
    holders = certified(t, periods)
    return Measure(_counted(holders, holders.person_id, holders.area))


_PAID = _dated("paid", "for_month")


@computation("living_subsidy_recipients", inputs=("persons", "paid"), covers=_PAID)
def living_subsidy_recipients(t: Tables, periods: Periods) -> Measure:
    return Measure(_persons_with(t, _paid(t, periods, LIVING_SUBSIDY.code)))


@computation("nursing_subsidy_recipients", inputs=("persons", "paid"), covers=_PAID)
def nursing_subsidy_recipients(t: Tables, periods: Periods) -> Measure:
    return Measure(_persons_with(t, _paid(t, periods, NURSING_SUBSIDY.code)))


@computation("subsidy_coverage", inputs=("persons", "paid", "claims"), covers=_PAID)
def subsidy_coverage(t: Tables, periods: Periods) -> Measure:
    two = (LIVING_SUBSIDY.code, NURSING_SUBSIDY.code)
    return _share_served(_persons_with(t, _claims(t, periods, *two)), _paid(t, periods, *two))


@computation(
    "resident_pension_rate",
    inputs=("persons", "facts"),
    covers=_fact_known(PersonFactKind.RESIDENT_PENSION),
)
def resident_pension_rate(t: Tables, periods: Periods) -> Measure:
    working_age = _aged(certified(t, periods), WORKING_AGE)
    return _share_with_fact(t, working_age, PersonFactKind.RESIDENT_PENSION)


@computation("pension_premium_recipients", inputs=("persons", "claims"))
def pension_premium_recipients(t: Tables, periods: Periods) -> Measure:
    return Measure(_persons_with(t, _claims(t, periods, PENSION_PREMIUM.code)))


@computation(
    "compulsory_education_enrolment",
    inputs=("persons", "facts"),
    covers=_fact_known(PersonFactKind.SCHOOL),
)
def compulsory_education_enrolment(t: Tables, periods: Periods) -> Measure:
    school_age = _aged(certified(t, periods), SCHOOL_AGE)
    return _share_with_fact(t, school_age, PersonFactKind.SCHOOL)


@computation("students_aided", inputs=("persons", "claims"))
def students_aided(t: Tables, periods: Periods) -> Measure:
    return Measure(_persons_with(t, _claims(t, periods, EDUCATION_AID.code)))


@computation(
    "survey_coverage", inputs=("persons", "surveys"), covers=_of_year("surveys", "survey_year")
)
def survey_coverage(t: Tables, periods: Periods) -> Measure:
    holders = certified(t, periods)
    base = _counted(holders, holders.person_id, holders.area)
    s = _over(t["surveys"], periods)
    done = s.filter((s.survey_year == s.year) & (s.completed_at < s.cutoff))
    return Measure(
        base.semi_join(done, [base.key == done.person_id, *_same_period(base, done)]), base
    )


def _in_period(table: ir.Table, day: ir.DateValue) -> ir.BooleanValue:
    return (day >= table.period_start) & (day <= table.period_end)


def _stated_needs(t: Tables, periods: Periods, *kinds: str) -> ir.Table:
    """Needs of the year's surveys stated by the end of the period and not declined by
    then (of ``kinds``, or of every kind)."""
    n = _over(t["needs"], periods)
    closed_by_then = n.closed_at.notnull() & (n.closed_at < n.cutoff)
    stated = n.filter(
        (n.need_year == n.year)
        & (n.opened_at < n.cutoff)
        & ~(closed_by_then & (n.status == NeedStatus.DECLINED))
    )
    return stated.filter(stated.kind.isin(kinds)) if kinds else stated


def _person_periods(table: ir.Table) -> ir.Table:
    """Just who and when, for unions of different records about persons."""
    return table.select(
        person_id=table.person_id.cast("int64"), year=table.year, quarter=table.quarter
    )


def _share_served(needing: ir.Table, served: ir.Table) -> Measure:
    """Of the rows ``needing`` (keyed by person), those with a ``served`` row that period."""
    on = [needing.key == served.person_id, *_same_period(needing, served)]
    return Measure(needing.semi_join(served, on), needing)


@computation("needs_met_rate", inputs=("persons", "needs"), covers=_of_year("needs", "need_year"))
def needs_met_rate(t: Tables, periods: Periods) -> Measure:
    stated = _stated_needs(t, periods)
    p = t["persons"].select("person_id", "area")
    joined = stated.join(p, stated.person_id == p.person_id)
    met = joined.filter(
        (joined.status == NeedStatus.MET)
        & joined.closed_at.notnull()
        & (joined.closed_at < joined.cutoff)
    )
    return Measure(
        _counted(met, met.need_id, met.area), _counted(joined, joined.need_id, joined.area)
    )


_WORK = _dated("work", "start_date", within=False)


def _employed(t: Tables, periods: Periods) -> ir.Table:
    w = _over(t["work"], periods)
    return w.filter(w.status == WorkStatus.EMPLOYED)


@computation("employed_persons", inputs=("persons", "work"), covers=_WORK)
def employed_persons(t: Tables, periods: Periods) -> Measure:
    w = _employed(t, periods)
    at_end = (w.start_date <= w.period_end) & (w.end_date.isnull() | (w.end_date >= w.period_end))
    return Measure(_persons_with(t, w.filter(at_end)))


@computation("newly_employed", inputs=("persons", "work"), covers=_WORK)
def newly_employed(t: Tables, periods: Periods) -> Measure:
    w = _employed(t, periods)
    began = (w.start_date >= w.period_start) & (w.start_date <= w.period_end)
    return Measure(_persons_with(t, w.filter(began)))


@computation(
    "trained_persons",
    inputs=("persons", "training"),
    covers=_dated("training", "end_date", within=False),
)
def trained_persons(t: Tables, periods: Periods) -> Measure:
    c = _over(t["training"], periods)
    ended = (c.end_date >= c.period_start) & (c.end_date <= c.period_end)
    return Measure(_persons_with(t, c.filter(ended)))


@computation("zero_employment_households", inputs=("persons", "work"), covers=_WORK)
def zero_employment_households(t: Tables, periods: Periods) -> Measure:
    """The employment module's own definition, once per period (it takes a day)."""
    persons = t.arrow["persons"].drop_columns(["date_of_death"])
    parts = []
    for period in periods.items:
        homes = employment_queries.zero_employment_households(
            persons, t.arrow["work"], period.end, *WORKING_AGE
        )
        parts.append(
            homes.select(
                year=ibis.literal(period.year, "int64"),
                quarter=ibis.literal(period.quarter, "int64"),
                key=homes.household.cast("int64"),
                area=homes.area,
            )
        )
    return Measure(ibis.union(*parts) if len(parts) > 1 else parts[0])


@computation(
    "open_findings",
    inputs=("findings",),
    covers=_dated("findings", "found_at", within=False),
)
def open_findings(t: Tables, periods: Periods) -> Measure:
    f = _over(t["findings"], periods)
    still_open = f.filter(
        (f.found_at < f.cutoff) & (f.closed_at.isnull() | (f.closed_at >= f.cutoff))
    )
    return Measure(_counted(still_open, still_open.finding_id, still_open.area))


# --- one-stop services: devices, child rehabilitation, renovations, facilities -------------


def _handed_over(t: Tables, periods: Periods) -> ir.Table:
    h = _over(t["handovers"], periods)
    return _person_periods(h.filter(_in_period(h, h.handed_over_on)))


def _applications(t: Tables, periods: Periods, service: str) -> ir.Table:
    a = _over(t["applications"], periods)
    return a.filter(a.service == service)


def _rehab_served(t: Tables, periods: Periods) -> ir.Table:
    r = _over(t["rehab_records"], periods)
    return _person_periods(r.filter(_in_period(r, r.month)))


_HANDOVERS = _dated("handovers", "handed_over_on", within=False)
_REHAB_RECORDS = _dated("rehab_records", "month", within=False)


@computation(
    "device_fitting_rate",
    inputs=("persons", "needs", "applications", "handovers"),
    covers=_any(_HANDOVERS, _applied(DEVICE_SERVICE)),
)
def device_fitting_rate(t: Tables, periods: Periods) -> Measure:
    """Persons handed a device in the period, of those who stated a device need in the
    year's survey, applied for a device in the period or were handed one (a fitting shows
    the need, and keeps the rate at or below 100 % when the application was earlier)."""
    fitted = _handed_over(t, periods)
    a = _applications(t, periods, DEVICE_SERVICE)
    applied = _person_periods(a.filter(_in_period(a, a.submitted_on)))
    needed = _person_periods(_stated_needs(t, periods, NeedKind.ASSISTIVE_DEVICE))
    needing = _persons_with(t, ibis.union(fitted, applied, needed, distinct=True))
    return _share_served(needing, fitted)


@computation("child_rehabilitation", inputs=("persons", "rehab_records"), covers=_REHAB_RECORDS)
def child_rehabilitation(t: Tables, periods: Periods) -> Measure:
    """Children with at least one monthly service record for a month of the period (the
    programme's age range is its own parameter; every child it serves counts)."""
    return Measure(_persons_with(t, _rehab_served(t, periods)))


@computation(
    "home_renovations",
    inputs=("persons", "applications"),
    covers=_applied(RENOVATION_SERVICE),
)
def home_renovations(t: Tables, periods: Periods) -> Measure:
    """Households (of the applicant; a person without one counts as their own) with a
    renovation application completed in the period."""
    a = _applications(t, periods, RENOVATION_SERVICE)
    done = a.filter((a.app_status == ApplicationStatus.COMPLETED) & _in_period(a, a.closed_on))
    p = t["persons"].select("person_id", "household_id", "area")
    joined = done.join(p, done.person_id == p.person_id)
    household = ibis.coalesce(joined.household_id, -joined.person_id)
    return Measure(_counted(joined, household, joined.area))


@computation(
    "rehab_coverage",
    inputs=("persons", "needs", "handovers", "rehab_records"),
    covers=_any(_HANDOVERS, _REHAB_RECORDS),
)
def rehab_coverage(t: Tables, periods: Periods) -> Measure:
    """Certificate holders at the end of the period who received a basic rehabilitation
    service in it (a monthly rehabilitation record, a device handed over, or a rehabilitation
    need of the year recorded as met), of the holders who needed one (a rehabilitation or
    device need of the year's survey not declined, or a service received)."""
    n = _stated_needs(t, periods, NeedKind.REHABILITATION)
    met = n.filter((n.status == NeedStatus.MET) & n.closed_at.notnull() & (n.closed_at < n.cutoff))
    served = ibis.union(
        _handed_over(t, periods),
        _rehab_served(t, periods),
        _person_periods(met),
        distinct=True,
    )
    stated = _person_periods(
        _stated_needs(t, periods, NeedKind.REHABILITATION, NeedKind.ASSISTIVE_DEVICE)
    )
    needing = ibis.union(stated, served, distinct=True)
    holders = certified(t, periods)
    base = _counted(holders, holders.person_id, holders.area)
    return _share_served(
        base.semi_join(needing, [base.key == needing.person_id, *_same_period(base, needing)]),
        served,
    )


def _facilities_of(kind: str) -> Computation:
    def facilities(t: Tables, periods: Periods) -> Measure:
        """Facilities of the kind designated on the last day of the period, in their area."""
        f = _over(t["facilities"], periods)
        end = f.period_end
        designated = f.filter(
            (f.kind == kind)
            & (f.designated_from.isnull() | (f.designated_from <= end))
            & (f.designated_until.isnull() | (f.designated_until >= end))
        )
        return Measure(_counted(designated, designated.facility_id, designated.area))

    return facilities


# The catalogue's facility counts the directory can answer. 示范性 care institutions and the
# county "三者有其二" are not recorded as such there, so they stay reported.
FACILITY_COUNTS = {
    "disabled_persons_homes": FacilityKind.DISABLED_HOME,
    "rehab_stations": FacilityKind.REHAB_STATION,
    "legal_aid_stations": FacilityKind.LEGAL_AID_STATION,
}
for _code, _kind in FACILITY_COUNTS.items():
    computation(_code, inputs=("facilities",), covers=_designated(_kind))(_facilities_of(_kind))
