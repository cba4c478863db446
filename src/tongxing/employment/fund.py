"""The employment security fund (残疾人就业保障金) of a staff year, per domain.md §5.

Written once as Ibis expressions over two Arrow tables (declarations, declared employees)
and used both for every declaration of a year and for one employer's explanation, so the
list and the explanation cannot disagree.

**Which year, which day.** A declaration is for a *staff year* Y (上年在职职工人数 …); the
fund is levied in Y + 1, so the parameters are read on 1 January of Y + 1 (the 2023
reductions "from 2023-01-01 to 2027-12-31" apply to the levies of 2023 to 2027, that is to
staff years 2022 to 2026). Certificates and ages are taken on 31 December of Y: an
employee counts when their certificate was in force and not past its term on that day and
their age was within the working-age parameters.

**Exact arithmetic.** Everything is an integer in a fixed unit, so the database engine
needs no decimals: staff in hundredths of a person, money in fen, percentages in basis
points (hundredths of a percent), and person counts in millionths of a person
(hundredths of a person × basis points). Roundings are half up, to the fen: the average
wage (total wages ÷ staff), the amount due (shortfall × wage), and the levy (amount due ×
the band's share).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.utils.translation import gettext_lazy as _

from tongxing.benefits.facts import age_on
from tongxing.benefits.parameters import ParameterAt, ParameterLookupError, ParameterSet
from tongxing.core.arrowio import fetch_arrow

PREFIX = "employment_fund."
QUOTA_RATIO = PREFIX + "quota_ratio"
EXEMPTION = PREFIX + "small_employer_exemption_max_staff"
BAND_THRESHOLD = PREFIX + "reduced_levy.band_threshold"
SHARE_BELOW = PREFIX + "reduced_levy.share_below_threshold"
SHARE_FROM = PREFIX + "reduced_levy.share_from_threshold_to_quota"
WAGE_CAP_MULTIPLE = PREFIX + "wage_cap_multiple"
LOCAL_AVERAGE_WAGE = PREFIX + "local_average_wage"
COUNTS_DOUBLE = PREFIX + "grade_1_2_counts_double"
AGE_MIN = "employment.working_age_min"
AGE_MAX = "employment.working_age_max"
KEYS = (
    QUOTA_RATIO,
    EXEMPTION,
    BAND_THRESHOLD,
    SHARE_BELOW,
    SHARE_FROM,
    WAGE_CAP_MULTIPLE,
    LOCAL_AVERAGE_WAGE,
    COUNTS_DOUBLE,
    AGE_MIN,
    AGE_MAX,
)

PERSON_UNITS = 1_000_000  # millionths of a person: hundredths of staff × basis points
BASIS_POINTS = 10_000  # of 100 %
IN_FORCE = ("valid", "renewing")

# Why a declared employee does not count, in the order they are tested.
REASONS = {
    "no_certificate": _("holds no disability certificate"),
    "certificate_not_in_force": _("certificate frozen, cancelled or not yet issued"),
    "certificate_expired": _("certificate past its term"),
    "outside_working_age": _("outside working age"),
    "listed_twice": _("listed twice in this declaration"),
    "declared_by_another_employer": _("already declared by another employer for this year"),
}
BANDS = {
    "exempt": _("exempt: small employer"),
    "met": _("quota met: nothing to pay"),
    "full": _("below the quota: full amount (no reduction in force)"),
    "from_threshold": _("below the quota but at or above the band threshold: reduced share"),
    "below_threshold": _("below the band threshold: reduced share"),
}

DECLARATIONS = pa.schema(
    [
        ("declaration_id", pa.int64()),
        ("employer_id", pa.int64()),
        ("area", pa.string()),
        ("is_public_body", pa.bool_()),
        ("staff_c", pa.int64()),  # average staff in hundredths of a person
        ("wages_fen", pa.int64()),
    ]
)
EMPLOYEES = pa.schema(
    [
        ("row_id", pa.int64()),
        ("declaration_id", pa.int64()),
        ("person_id", pa.int64()),
        ("birth_date", pa.date32()),
        ("cert_status", pa.string()),
        ("grade", pa.int64()),
        ("issue_date", pa.date32()),
        ("valid_until", pa.date32()),
    ]
)


class FundNotConfigured(Exception):
    """A parameter the fund cannot be computed without has no value for the year."""


@dataclass(frozen=True)
class MaybeParameter:
    """A parameter that may rightly be absent (ended, or never found): its value or why not."""

    at: ParameterAt | None
    reason: str = ""

    @property
    def value(self) -> Any:
        return self.at.value if self.at else None


@dataclass(frozen=True)
class FundParameters:
    """The parameter values for one staff year, read on the levy day."""

    year: int
    levy_day: dt.date
    quota_ratio: ParameterAt
    age_min: ParameterAt
    age_max: ParameterAt
    exemption: MaybeParameter
    band_threshold: MaybeParameter
    share_below: MaybeParameter
    share_from: MaybeParameter
    wage_cap_multiple: MaybeParameter
    local_average_wage: MaybeParameter
    counts_double: MaybeParameter

    @property
    def reductions(self) -> bool:
        return all(p.at for p in (self.band_threshold, self.share_below, self.share_from))

    @property
    def wage_cap_fen(self) -> int | None:
        if not (self.wage_cap_multiple.at and self.local_average_wage.at):
            return None
        return int(self.wage_cap_multiple.value * self.local_average_wage.value * 100)

    @property
    def used(self) -> list[ParameterAt]:
        """Every value the computation used, for the explanation."""
        return [
            at
            for at in (
                self.quota_ratio,
                self.age_min,
                self.age_max,
                *(
                    o.at
                    for o in (
                        self.exemption,
                        self.band_threshold,
                        self.share_below,
                        self.share_from,
                        self.wage_cap_multiple,
                        self.local_average_wage,
                        self.counts_double,
                    )
                ),
            )
            if at is not None
        ]

    @property
    def any_unverified(self) -> bool:
        return any(not at.verified for at in self.used)


def levy_day(year: int) -> dt.date:
    return dt.date(year + 1, 1, 1)


def fund_parameters(parameters: ParameterSet, year: int) -> FundParameters:
    """The values in force on the levy day of staff year ``year``; raises
    :class:`FundNotConfigured` when the quota ratio or the working ages have none."""
    day = levy_day(year)

    def required(key: str) -> ParameterAt:
        try:
            return parameters.at(key, day)
        except ParameterLookupError as error:
            raise FundNotConfigured(str(error)) from None

    def optional(key: str) -> MaybeParameter:
        try:
            return MaybeParameter(parameters.at(key, day))
        except ParameterLookupError as error:
            return MaybeParameter(None, str(error))

    return FundParameters(
        year=year,
        levy_day=day,
        quota_ratio=required(QUOTA_RATIO),
        age_min=required(AGE_MIN),
        age_max=required(AGE_MAX),
        exemption=optional(EXEMPTION),
        band_threshold=optional(BAND_THRESHOLD),
        share_below=optional(SHARE_BELOW),
        share_from=optional(SHARE_FROM),
        wage_cap_multiple=optional(WAGE_CAP_MULTIPLE),
        local_average_wage=optional(LOCAL_AVERAGE_WAGE),
        counts_double=optional(COUNTS_DOUBLE),
    )


def basis_points(percent: Decimal) -> int:
    scaled = percent * 100
    if scaled != scaled.to_integral_value():
        raise FundNotConfigured(f"{percent} % has more than 2 decimal places")
    return int(scaled)


# --- the computation ------------------------------------------------------------------------


def employee_rows(employees: ir.Table, p: FundParameters) -> ir.Table:
    """Each declared employee with ``reason`` (null when they count) and ``weight``."""
    e = employees
    year_end = ibis.literal(dt.date(p.year, 12, 31))
    age = age_on(e.birth_date, year_end)
    first = e.group_by("person_id").aggregate(
        first_row=e.row_id.min(), first_declaration=e.declaration_id.argmin(e.row_id)
    )
    j = e.join(first, "person_id")
    reason = ibis.cases(
        (j.cert_status.isnull(), "no_certificate"),
        (
            ~j.cert_status.isin(IN_FORCE) | (j.issue_date > year_end),
            "certificate_not_in_force",
        ),
        (j.valid_until < year_end, "certificate_expired"),
        (
            (age < int(p.age_min.value)) | (age > int(p.age_max.value)),
            "outside_working_age",
        ),
        (
            (j.row_id != j.first_row) & (j.declaration_id == j.first_declaration),
            "listed_twice",
        ),
        (j.row_id != j.first_row, "declared_by_another_employer"),
        else_=ibis.null("string"),
    )
    double = bool(p.counts_double.value)
    weight = ibis.ifelse(
        reason.isnull(), ibis.ifelse((j.grade <= 2) & ibis.literal(double), 2, 1), 0
    )
    return j.select(
        row_id=j.row_id,
        declaration_id=j.declaration_id,
        person_id=j.person_id,
        grade=j.grade,
        age=age,
        reason=reason,
        weight=weight.cast("int64"),
    )


def declaration_rows(declarations: ir.Table, employees: ir.Table, p: FundParameters) -> ir.Table:
    """One row per declaration: the counts, each step's figure and the levy in fen."""
    rows = employee_rows(employees, p)
    counts = rows.group_by("declaration_id").aggregate(
        listed=rows.row_id.count(),
        counted_persons=rows.reason.isnull().sum().cast("int64"),
        counted=rows.weight.sum().cast("int64"),
    )
    d = declarations.left_join(counts, "declaration_id").drop("declaration_id_right")
    listed = d.listed.fill_null(0)
    counted = d.counted.fill_null(0)
    staff = d.staff_c
    ratio_bp = basis_points(p.quota_ratio.value)
    required_u = staff * ratio_bp
    counted_u = counted * PERSON_UNITS
    shortfall_u = ibis.greatest(required_u - counted_u, 0)
    exempt = staff <= int(p.exemption.value) * 100 if p.exemption.at else ibis.literal(False)
    average_wage = (d.wages_fen * 200 + staff) // (staff * 2)
    cap = p.wage_cap_fen
    wage_used = ibis.least(average_wage, cap) if cap is not None else average_wage
    amount_due = (shortfall_u * wage_used + PERSON_UNITS // 2) // PERSON_UNITS
    if p.reductions:
        below = counted_u < staff * basis_points(p.band_threshold.value)
        band = ibis.cases(
            (exempt, "exempt"),
            (shortfall_u == 0, "met"),
            (below, "below_threshold"),
            else_="from_threshold",
        )
        share = ibis.cases(
            (band == "below_threshold", basis_points(p.share_below.value)),
            (band == "from_threshold", basis_points(p.share_from.value)),
            else_=0,
        )
    else:
        band = ibis.cases((exempt, "exempt"), (shortfall_u == 0, "met"), else_="full")
        share = ibis.ifelse(band == "full", BASIS_POINTS, 0)
    levy = (amount_due * share + BASIS_POINTS // 2) // BASIS_POINTS
    return d.select(
        declaration_id=d.declaration_id,
        employer_id=d.employer_id,
        area=d.area,
        is_public_body=d.is_public_body,
        staff_c=staff,
        wages_fen=d.wages_fen,
        listed=listed.cast("int64"),
        counted_persons=d.counted_persons.fill_null(0).cast("int64"),
        counted=counted,
        required_u=required_u.cast("int64"),
        shortfall_u=shortfall_u.cast("int64"),
        average_wage_fen=average_wage.cast("int64"),
        wage_used_fen=wage_used.cast("int64"),
        amount_due_fen=amount_due.cast("int64"),
        band=band,
        share_bp=share.cast("int64"),
        levy_fen=levy.cast("int64"),
    )


@dataclass
class FundResult:
    parameters: FundParameters
    declarations: pa.Table  # declaration_rows
    employees: pa.Table  # employee_rows


def compute(declarations: pa.Table, employees: pa.Table, p: FundParameters) -> FundResult:
    """Run both expressions in one in-process DuckDB."""
    con = ibis.duckdb.connect()
    d = ibis.memtable(declarations.cast(DECLARATIONS))
    e = ibis.memtable(employees.cast(EMPLOYEES))
    return FundResult(
        parameters=p,
        declarations=con.to_pyarrow(declaration_rows(d, e, p)),
        employees=con.to_pyarrow(employee_rows(e, p)),
    )


# --- reading the inputs ---------------------------------------------------------------------

_DECLARATION_COLUMNS = """
SELECT d.id, d.employer_id, e.area_id, e.is_public_body,
       CAST(ROUND(d.average_staff * 100) AS BIGINT), CAST(ROUND(d.total_wages * 100) AS BIGINT)
FROM employment_declaration d JOIN employment_employer e ON e.id = d.employer_id
"""
_DECLARATIONS_OF_YEAR = _DECLARATION_COLUMNS + "WHERE d.year = %s AND e.area_id LIKE %s"
_ONE_DECLARATION = _DECLARATION_COLUMNS + "WHERE d.id = %s"
_EMPLOYEE_COLUMNS = """
SELECT de.id, de.declaration_id, de.person_id, p.birth_date, c.status, c.grade,
       c.issue_date, c.valid_until
FROM employment_declaredemployee de
JOIN employment_declaration d ON d.id = de.declaration_id
JOIN registry_person p ON p.id = de.person_id
LEFT JOIN registry_disabilitycertificate c ON c.person_id = de.person_id
"""
_EMPLOYEES_OF_YEAR = _EMPLOYEE_COLUMNS + "WHERE d.year = %s"
# The same columns, for the persons one declaration lists (their rows in any declaration).
_EMPLOYEES_LIKE_DECLARATION = """
SELECT de.id, de.declaration_id, de.person_id, p.birth_date, c.status, c.grade,
       c.issue_date, c.valid_until
FROM employment_declaredemployee de
JOIN employment_declaration d ON d.id = de.declaration_id
JOIN registry_person p ON p.id = de.person_id
LEFT JOIN registry_disabilitycertificate c ON c.person_id = de.person_id
JOIN (SELECT DISTINCT person_id FROM employment_declaredemployee WHERE declaration_id = %s) mine
  ON mine.person_id = de.person_id
WHERE d.year = %s
"""


def read_year(year: int, area_code: str) -> tuple[pa.Table, pa.Table]:
    """The declarations of ``year`` by employers in ``area_code``, and every declared
    employee of the year city-wide: a person declared by an employer elsewhere must still
    count only once."""
    declarations = fetch_arrow(_DECLARATIONS_OF_YEAR, [year, f"{area_code}%"], DECLARATIONS)
    employees = fetch_arrow(_EMPLOYEES_OF_YEAR, [year], EMPLOYEES)
    return declarations, employees


def read_declaration(declaration_id: int, year: int) -> tuple[pa.Table, pa.Table]:
    """One declaration, and the year's rows of the persons it lists (theirs and any other
    employer's), which is all its duplicates depend on."""
    declarations = fetch_arrow(_ONE_DECLARATION, [declaration_id], DECLARATIONS)
    employees = fetch_arrow(_EMPLOYEES_LIKE_DECLARATION, [declaration_id, year], EMPLOYEES)
    return declarations, employees


# --- figures for people ---------------------------------------------------------------------


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def plain(number: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form (100, not 1E+2)."""
    return Decimal(format(number.normalize(), "f"))


def persons(units: int) -> Decimal:
    """Millionths of a person as a decimal number of persons (the shortfall need not be
    whole)."""
    return plain(Decimal(units) / PERSON_UNITS)


@dataclass
class Step:
    label: str
    figure: str
    detail: str = ""
    parameters: list[ParameterAt] = field(default_factory=list)
    not_applied: str = ""


@dataclass
class Outcome:
    """One declaration's figures, as Decimal, read from :func:`declaration_rows`."""

    row: dict[str, Any]

    @property
    def staff(self) -> Decimal:
        return plain(Decimal(self.row["staff_c"]) / 100)

    @property
    def levy(self) -> Decimal:
        return yuan(self.row["levy_fen"])

    @property
    def amount_due(self) -> Decimal:
        return yuan(self.row["amount_due_fen"])

    @property
    def shortfall(self) -> Decimal:
        return persons(self.row["shortfall_u"])

    @property
    def required(self) -> Decimal:
        return persons(self.row["required_u"])

    @property
    def actual_ratio(self) -> Decimal:
        """The employer's ratio in percent, to 2 places (for display only)."""
        return (Decimal(self.row["counted"]) * 10000 / self.row["staff_c"]).quantize(
            Decimal("0.01")
        )

    @property
    def band(self) -> str:
        return self.row["band"]

    @property
    def band_label(self) -> str:
        return str(BANDS[self.row["band"]])

    @property
    def below_quota(self) -> bool:
        return self.row["shortfall_u"] > 0


def steps(outcome: Outcome, p: FundParameters) -> list[Step]:
    """The explanation: each step's figure from the computed row, with the parameters."""
    row = outcome.row
    result = [
        Step(
            str(_("Average staff in the year")),
            str(outcome.staff),
            str(
                _("Small employers with at most %(n)s staff are exempt.") % {"n": p.exemption.value}
            )
            if p.exemption.at
            else "",
            [p.exemption.at] if p.exemption.at else [],
            ""
            if p.exemption.at
            else str(_("No exemption in force: %(why)s") % {"why": p.exemption.reason}),
        ),
        Step(
            str(_("Disabled employees counted")),
            str(row["counted"]),
            str(
                _(
                    "%(listed)s listed, %(persons)s counted; "
                    "grade 1–2 employees count twice: %(double)s."
                )
                % {
                    "listed": row["listed"],
                    "persons": row["counted_persons"],
                    "double": _("yes") if p.counts_double.value else _("no"),
                }
            ),
            [at for at in (p.counts_double.at, p.age_min, p.age_max) if at is not None],
            "" if p.counts_double.at else p.counts_double.reason,
        ),
        Step(
            str(_("Disabled employees required (staff × quota ratio)")),
            str(outcome.required),
            str(
                _("%(staff)s × %(ratio)s %%")
                % {"staff": outcome.staff, "ratio": p.quota_ratio.value}
            ),
            [p.quota_ratio],
        ),
        Step(
            str(_("Shortfall (required − counted, not below 0)")),
            str(outcome.shortfall),
            str(_("The employer's own ratio: %(ratio)s %%") % {"ratio": outcome.actual_ratio}),
        ),
        Step(
            str(_("Average wage (total wages ÷ staff)")),
            str(yuan(row["average_wage_fen"])),
            str(_("Total wages %(wages)s yuan") % {"wages": yuan(row["wages_fen"])}),
        ),
        Step(
            str(_("Wage used (capped at a multiple of the local average wage)")),
            str(yuan(row["wage_used_fen"])),
            "",
            [at for at in (p.wage_cap_multiple.at, p.local_average_wage.at) if at is not None],
            ""
            if p.wage_cap_fen is not None
            else str(
                _("The cap was not applied: %(why)s")
                % {"why": p.local_average_wage.reason or p.wage_cap_multiple.reason}
            ),
        ),
        Step(
            str(_("Amount due (shortfall × wage used)")),
            str(outcome.amount_due),
        ),
        Step(
            str(_("Band and share payable")),
            f"{outcome.band_label}: {plain(Decimal(row['share_bp']) / 100)} %",
            "",
            [at for at in (p.band_threshold.at, p.share_below.at, p.share_from.at) if at],
            ""
            if p.reductions
            else str(_("No reduction in force: %(why)s") % {"why": p.band_threshold.reason}),
        ),
        Step(str(_("Fund payable (yuan)")), str(outcome.levy)),
    ]
    return result
