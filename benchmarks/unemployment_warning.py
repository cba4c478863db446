"""The unemployment warning over --persons persons: the same Ibis expression as the warning
page (tongxing.employment.warning.warnings), on generated Arrow tables, on DuckDB.

About 60 % of the persons have a status history (one to three periods: employed, seeking,
not seeking, some employment ended recently), ages spread over 0–90 so some are outside
working age, 2 % deceased. Parameters come from the region pack's files (no database).
Prints the median of --runs timings, the warned count and the peak memory; reading the
inputs from the database is not included (see benchmarks/payroll.py for that cost). A
script, not a test: numbers vary with the machine's load.

    .venv/bin/python benchmarks/unemployment_warning.py --persons 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import time

from quota import pack_parameters, setup_django

DAY = dt.date(2025, 12, 31)
TARGET_S = 10.0  # issue 6's monthly screening of 1 M persons, for comparison


def generate(persons: int, seed: int):
    import numpy as np
    import pyarrow as pa

    from tongxing.employment import warning

    rng = np.random.default_rng(seed)
    epoch = dt.date(1970, 1, 1)
    day = (DAY - epoch).days
    ids = np.arange(1, persons + 1, dtype=np.int64)
    born = day - rng.integers(0, 90 * 365, persons)
    people = pa.table(
        {
            "person_id": ids,
            "area": rng.choice(np.array(["511902001001", "511921001002", "511923003004"]), persons),
            "birth_date": pa.array(born.astype("int32"), pa.date32()),
            "status": rng.choice(np.array(["active", "deceased"]), persons, p=[0.98, 0.02]),
        },
        schema=warning.PERSONS,
    )
    # Up to three consecutive periods per person with a history; the last one is open.
    with_history = ids[rng.random(persons) < 0.6]
    rows_person, rows_status, rows_start, rows_end = [], [], [], []
    kinds = np.array(["employed", "seeking", "not_seeking"])
    for periods in (1, 2, 3):
        chosen = with_history[rng.random(with_history.size) < 1 / periods]
        start = day - rng.integers(30, 3_000, chosen.size)
        for k in range(periods):
            length = rng.integers(30, 1_000, chosen.size)
            last = k == periods - 1
            rows_person.append(chosen)
            rows_status.append(rng.choice(kinds, chosen.size, p=[0.5, 0.3, 0.2]))
            rows_start.append(start)
            rows_end.append(np.where(last, -1, start + length - 1))
            start = start + length
    end = np.concatenate(rows_end)
    statuses = pa.table(
        {
            "person_id": np.concatenate(rows_person),
            "status": np.concatenate(rows_status),
            "start_date": pa.array(np.concatenate(rows_start).astype("int32"), pa.date32()),
            "end_date": pa.array(end.astype("int32"), pa.date32(), mask=end < 0),
        },
        schema=warning.STATUSES,
    )
    return people, statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    setup_django()
    import ibis

    from tongxing.employment import warning

    age_min, age_max, months = warning.period(pack_parameters(), DAY)
    persons, statuses = generate(args.persons, args.seed)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        expr = warning.warnings(persons, statuses, DAY, age_min, age_max, months)
        result = ibis.duckdb.connect().to_pyarrow(expr)
        timings.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reasons = result.group_by("reason").aggregate([("person_id", "count")]).to_pylist()
    median = statistics.median(timings)
    print(
        f"unemployment warning: {persons.num_rows:,} persons, {statuses.num_rows:,} status "
        f"periods, day {DAY}, working age {age_min}-{age_max}, {months} months"
    )
    print(
        "  warned: "
        + ", ".join(f"{r['reason']} {r['person_id_count']:,}" for r in reasons)
        + f" (total {result.num_rows:,})"
    )
    print(
        f"  computation: median {median:.2f} s of {args.runs} "
        f"(min {min(timings):.2f}, max {max(timings):.2f}); "
        f"ratio to the 10 s monthly-screening target {median / TARGET_S:.2f}"
    )
    print(
        f"  peak memory (process RSS): {peak / 1024:.0f} MB "
        f"(after generating the tables: {rss_before / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
