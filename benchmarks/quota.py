"""The employment security fund of a staff year for --declarations employer declarations
with --employees declared-employee rows: the same Ibis computation as the fund page
(tongxing.employment.fund.compute), on generated Arrow tables.

Parameters come from the region pack's files, read without a database. Persons are drawn
from a pool smaller than the rows, so some are declared twice or by two employers, and a
few certificates are cancelled or expired, as in real declarations. Prints the median of
--runs timings, the ratio to the 5 s target and the process's peak memory. A script, not
a test: numbers vary with the machine's load.

    .venv/bin/python benchmarks/quota.py --declarations 50000 --employees 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET_S = 5.0
YEAR = 2025


def setup_django() -> None:
    os.environ.setdefault("TONGXING_VAR_DIR", str(ROOT / "var" / "bench"))
    os.environ.setdefault("TONGXING_MASTER_KEY", "5a" * 32)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-" + "x" * 30)
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    import django

    django.setup()


def pack_parameters():
    """The region pack's values as a ParameterSet, from the files (no database)."""
    from django.conf import settings

    from tongxing.areas.loading import region_dir
    from tongxing.benefits.models import ParameterValue
    from tongxing.benefits.parameters import ParameterSet, read_parameter_files

    rows = {
        spec.key: (
            spec.unit,
            [
                ParameterValue(
                    effective_from=v.effective_from,
                    value=v.value,
                    source=v.source,
                    verified=v.verified,
                    note=v.note,
                )
                for v in spec.values
            ],
        )
        for spec in read_parameter_files(region_dir(settings.TONGXING_REGION))
    }
    return ParameterSet(rows)


def generate(declarations: int, employees: int, seed: int):
    import numpy as np
    import pyarrow as pa

    from tongxing.employment import fund

    rng = np.random.default_rng(seed)
    staff_c = rng.integers(1_000, 200_000, declarations)  # 10 to 2,000 staff
    decl = pa.table(
        {
            "declaration_id": np.arange(1, declarations + 1, dtype=np.int64),
            "employer_id": np.arange(1, declarations + 1, dtype=np.int64),
            "area": pa.array(["511902001001"] * declarations),
            "is_public_body": rng.random(declarations) < 0.1,
            "staff_c": staff_c,
            "wages_fen": staff_c * rng.integers(4_000_000, 12_000_000, declarations) // 100,
        },
        schema=fund.DECLARATIONS,
    )
    epoch = dt.date(1970, 1, 1)
    # Mostly of working age in 2025 (born 1966 to 2009), a few just outside.
    born = rng.integers(
        (dt.date(1964, 6, 1) - epoch).days, (dt.date(2009, 12, 31) - epoch).days, employees
    )
    # Each person once, except 2 % of rows naming someone already declared.
    person = rng.permutation(employees).astype(np.int64) + 1
    again = rng.random(employees) < 0.02
    person[again] = rng.integers(1, employees + 1, int(again.sum()))
    status = rng.choice(
        np.array(["valid", "renewing", "frozen", "cancelled"]),
        employees,
        p=[0.95, 0.02, 0.02, 0.01],
    )
    issued = (dt.date(2016, 1, 1) - epoch).days
    emp = pa.table(
        {
            "row_id": np.arange(1, employees + 1, dtype=np.int64),
            "declaration_id": rng.integers(1, declarations + 1, employees),
            "person_id": person,
            "birth_date": pa.array(born.astype("int32"), pa.date32()),
            "cert_status": pa.array(status),
            "grade": rng.integers(1, 5, employees),
            "issue_date": pa.array(np.full(employees, issued, dtype="int32"), pa.date32()),
            "valid_until": pa.array(
                (issued + rng.integers(3_600, 5_000, employees)).astype("int32"), pa.date32()
            ),
        },
        schema=fund.EMPLOYEES,
    )
    return decl, emp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--declarations", type=int, default=50_000)
    parser.add_argument("--employees", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    setup_django()
    from tongxing.employment import fund

    p = fund.fund_parameters(pack_parameters(), YEAR)
    declarations, employees = generate(args.declarations, args.employees, args.seed)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = fund.compute(declarations, employees, p)
        timings.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = result.declarations
    flagged = result.employees.filter(result.employees["reason"].is_valid()).num_rows
    levy = sum(rows.column("levy_fen").to_pylist()) / 100
    median = statistics.median(timings)
    print(
        f"quota: {rows.num_rows:,} declarations, {result.employees.num_rows:,} employee rows "
        f"({flagged:,} flagged), staff year {YEAR}, fund payable {levy:,.2f} yuan"
    )
    print(
        f"  fund computation: median {median:.2f} s of {args.runs} "
        f"(min {min(timings):.2f}, max {max(timings):.2f}); target {TARGET_S:.0f} s, "
        f"ratio {median / TARGET_S:.2f}"
    )
    print(
        f"  peak memory (process RSS): {peak / 1024:.0f} MB "
        f"(after generating the tables: {rss_before / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
