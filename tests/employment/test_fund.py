"""The employment security fund at every band boundary, the small-employer exemption and
the parameters' dates, on crafted tables; and the flags for employees who cannot count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from tongxing.benefits.models import Origin, Parameter, ParameterValue, ValueStatus
from tongxing.benefits.parameters import ParameterSet, load_parameters
from tongxing.employment import fund

REGION = "sichuan-bazhong"
VALID_UNTIL = dt.date(2035, 1, 1)


@pytest.fixture
def parameters(db) -> ParameterSet:
    load_parameters(REGION)
    return ParameterSet.load(fund.KEYS)


def employee(
    declaration_id,
    row_id,
    person_id,
    *,
    grade=3,
    status="valid",
    born=dt.date(1985, 6, 1),
    until=VALID_UNTIL,
    issued=dt.date(2020, 1, 1),
):
    return {
        "row_id": row_id,
        "declaration_id": declaration_id,
        "person_id": person_id,
        "birth_date": born,
        "cert_status": status,
        "grade": grade,
        "issue_date": issued,
        "valid_until": until,
    }


def run(parameters, year, staff, wages, employees=(), *, public=False):
    """One declaration of ``staff`` average staff and ``wages`` yuan; returns its row."""
    declarations = pa.Table.from_pylist(
        [
            {
                "declaration_id": 1,
                "employer_id": 1,
                "area": "511902",
                "is_public_body": public,
                "staff_c": int(Decimal(staff) * 100),
                "wages_fen": int(Decimal(wages) * 100),
            }
        ],
        schema=fund.DECLARATIONS,
    )
    rows = pa.Table.from_pylist(list(employees), schema=fund.EMPLOYEES)
    p = fund.fund_parameters(parameters, year)
    return fund.Outcome(fund.compute(declarations, rows, p).declarations.to_pylist()[0])


def counted(n, grade=3):
    return [employee(1, i, i, grade=grade) for i in range(1, n + 1)]


# staff year, average staff, total wages, employees counted, band, amount due, fund payable
SCENARIOS = [
    # Nobody employed: below the 1 % threshold, 90 % of 1.6 × 100,000.
    (2024, "100", "10000000", 0, "below_threshold", "160000.00", "144000.00"),
    # Exactly 1 %: the threshold itself is in the 50 % band.
    (2024, "100", "10000000", 1, "from_threshold", "60000.00", "30000.00"),
    # Just below 1 % (1 of 100.01): 90 %; the average wage rounds to the fen first.
    (2024, "100.01", "10000000", 1, "below_threshold", "60010.00", "54009.00"),
    # Exactly the quota, 1 of 62.5 = 1.6 %: nothing to pay.
    (2024, "62.5", "6250000", 1, "met", "0.00", "0.00"),
    # Just below the quota: 50 % of a shortfall of 0.00016 persons.
    (2024, "62.51", "6251000", 1, "from_threshold", "16.00", "8.00"),
    # 30 staff: exempt; 30.01: not, and below the threshold.
    (2024, "30", "3000000", 0, "exempt", "48000.00", "0.00"),
    (2024, "30.01", "3001000", 0, "below_threshold", "48016.00", "43214.40"),
    # The reductions and the exemption are levied until 2027-12-31: staff year 2026 is
    # the last with them, 2027 pays in full.
    (2026, "30", "3000000", 0, "exempt", "48000.00", "0.00"),
    (2027, "30", "3000000", 0, "full", "48000.00", "48000.00"),
    (2026, "100", "10000000", 0, "below_threshold", "160000.00", "144000.00"),
    (2027, "100", "10000000", 0, "full", "160000.00", "160000.00"),
    (2027, "100", "10000000", 1, "full", "60000.00", "60000.00"),
    # The quota ratio is in force from 2023-01-01: the levy of staff year 2022.
    (2022, "100", "10000000", 1, "from_threshold", "60000.00", "30000.00"),
]


@pytest.mark.parametrize(("year", "staff", "wages", "n", "band", "due", "levy"), SCENARIOS)
def test_the_fund_follows_the_bands_the_exemption_and_the_parameter_dates(
    parameters, year, staff, wages, n, band, due, levy
):
    outcome = run(parameters, year, staff, wages, counted(n))
    assert (outcome.band, outcome.amount_due, outcome.levy) == (band, Decimal(due), Decimal(levy))


def test_a_year_levied_before_the_quota_ratio_is_in_force_is_not_computed(parameters):
    with pytest.raises(fund.FundNotConfigured, match="starts on 2023-01-01"):
        fund.fund_parameters(parameters, 2021)


def test_a_grade_1_or_2_employee_counts_twice_while_the_parameter_says_so(parameters):
    severe = run(parameters, 2024, "125", "12500000", counted(1, grade=2))
    mild = run(parameters, 2024, "125", "12500000", counted(1, grade=3))
    assert (severe.row["counted"], severe.band, severe.levy) == (2, "met", Decimal("0.00"))
    assert (mild.row["counted"], mild.band, mild.levy) == (
        1,
        "below_threshold",
        Decimal("90000.00"),
    )


def test_without_a_local_average_wage_the_cap_is_not_applied_and_the_explanation_says_so(
    parameters,
):
    outcome = run(parameters, 2024, "100", "20000000")
    assert (outcome.row["wage_used_fen"], outcome.levy) == (20_000_000, Decimal("288000.00"))
    p = fund.fund_parameters(parameters, 2024)
    cap_step = fund.steps(outcome, p)[5]
    assert cap_step.not_applied.startswith("The cap was not applied: ")
    assert "employment_fund.local_average_wage has no approved value yet" in cap_step.not_applied


def test_with_a_local_average_wage_approved_the_wage_is_capped_at_twice_it(parameters):
    ParameterValue.objects.create(
        parameter=Parameter.objects.get(key=fund.LOCAL_AVERAGE_WAGE),
        effective_from=dt.date(2025, 1, 1),
        value="80000.00",
        source="test notice",
        verified=True,
        origin=Origin.PROPOSAL,
        status=ValueStatus.APPROVED,
    )
    outcome = run(ParameterSet.load(fund.KEYS), 2024, "100", "20000000")
    assert (outcome.row["wage_used_fen"], outcome.levy) == (16_000_000, Decimal("230400.00"))
    # Levied before the value starts: no cap.
    earlier = run(ParameterSet.load(fund.KEYS), 2023, "100", "20000000")
    assert earlier.row["wage_used_fen"] == 20_000_000


def test_the_explanation_shows_each_step_and_marks_the_unverified_quota_ratio(parameters):
    outcome = run(parameters, 2024, "100", "10000000", counted(1))
    p = fund.fund_parameters(parameters, 2024)
    steps = fund.steps(outcome, p)
    assert [s.figure for s in steps] == [
        "100",
        "1",
        "1.6",
        "0.6",
        "100000.00",
        "100000.00",
        "60000.00",
        f"{fund.BANDS['from_threshold']}: 50 %",
        "30000.00",
    ]
    ratio = steps[2].parameters[0]
    assert (ratio.key, ratio.value, ratio.verified) == (fund.QUOTA_RATIO, Decimal("1.6"), False)
    assert p.any_unverified is True


def test_employees_who_cannot_count_are_flagged_with_the_reason(parameters):
    rows = [
        employee(1, 1, 10),  # counts
        employee(1, 2, 10),  # the same person again
        employee(1, 3, 11, status=None, grade=None),
        employee(1, 4, 12, status="cancelled"),
        employee(1, 5, 13, status="frozen"),
        employee(1, 6, 14, until=dt.date(2024, 12, 30)),  # past its term on 31 December
        employee(1, 7, 15, issued=dt.date(2025, 1, 2)),  # issued after the year
        employee(1, 8, 16, born=dt.date(1965, 1, 1)),  # 59 on 31 December 2024: counts
        employee(1, 9, 17, born=dt.date(1964, 12, 31)),  # 60
        employee(1, 10, 18, born=dt.date(2009, 1, 1)),  # 15
        employee(2, 11, 19),  # first declared by employer 2
        employee(1, 12, 19),
        employee(1, 13, 20, status="renewing"),  # being renewed: counts
    ]
    p = fund.fund_parameters(parameters, 2024)
    result = fund.compute(
        pa.Table.from_pylist(
            [
                {
                    "declaration_id": d,
                    "employer_id": d,
                    "area": "511902",
                    "is_public_body": False,
                    "staff_c": 10000,
                    "wages_fen": 10**9,
                }
                for d in (1, 2)
            ],
            schema=fund.DECLARATIONS,
        ),
        pa.Table.from_pylist(rows, schema=fund.EMPLOYEES),
        p,
    )
    reasons = {r["row_id"]: r["reason"] for r in result.employees.to_pylist()}
    assert reasons == {
        1: None,
        2: "listed_twice",
        3: "no_certificate",
        4: "certificate_not_in_force",
        5: "certificate_not_in_force",
        6: "certificate_expired",
        7: "certificate_not_in_force",
        8: None,
        9: "outside_working_age",
        10: "outside_working_age",
        11: None,
        12: "declared_by_another_employer",
        13: None,
    }
    by_declaration = {r["declaration_id"]: r for r in result.declarations.to_pylist()}
    assert (by_declaration[1]["listed"], by_declaration[1]["counted"]) == (12, 3)
    assert (by_declaration[2]["listed"], by_declaration[2]["counted"]) == (1, 1)
