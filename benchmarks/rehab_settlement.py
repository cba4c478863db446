"""Child rehabilitation settlement: the DuckDB step that limits each child's claim by what
is left of the yearly cap, on synthetic Arrow inputs (no database: this times the
computation the settlement runs inside its transaction, not the reads around it).

For --children records of one institution-month and --history earlier settled lines of the
same children (at any institution), prints the median of --repeat runs of
``settle_lines`` and of a plain Python dict loop doing the same arithmetic, and checks
that both give the same payable total. A script, not a test.

    .venv/bin/python benchmarks/rehab_settlement.py --children 5000 --history 50000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
os.environ.setdefault("TONGXING_MASTER_KEY", "5a" * 32)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=5000)
    parser.add_argument("--history", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    import pyarrow as pa

    from tongxing.benefits.parameters import ParameterAt
    from tongxing.rehab.settlement import PAID, RECORDS, Caps, settle_lines

    rng = random.Random(2025)
    month = dt.date(2025, 11, 1)
    children = list(range(1, args.children + 1))
    records = pa.table(
        {
            "record_id": children,
            "child_id": children,
            "birth_date": [
                dt.date(2019 + rng.randrange(7), 1 + rng.randrange(12), 1) for _ in children
            ],
            "claimed_fen": [rng.randrange(50_000, 400_000) for _ in children],
        },
        schema=RECORDS,
    )
    paid = pa.table(
        {
            "child_id": [rng.choice(children) for _ in range(args.history)],
            "payable_fen": [rng.randrange(50_000, 300_000) for _ in range(args.history)],
        },
        schema=PAID,
    )

    def at(value: str) -> ParameterAt:
        return ParameterAt("k", value, "CNY_per_year", dt.date(2018, 10, 1), "bench", False)

    caps = Caps(6, at("20000.00"), at("12000.00"), ())

    def python_loop() -> int:
        before: dict[int, int] = {}
        for child, fen in zip(
            paid["child_id"].to_pylist(), paid["payable_fen"].to_pylist(), strict=True
        ):
            before[child] = before.get(child, 0) + fen
        total = 0
        for row in records.to_pylist():
            born = row["birth_date"]
            age = month.year - born.year - ((born.month, born.day) > (month.month, month.day))
            cap = 2_000_000 if age <= 6 else 1_200_000
            total += min(row["claimed_fen"], max(cap - before.get(row["child_id"], 0), 0))
        return total

    duck, loop = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        lines = settle_lines(records, paid, month, caps)
        duck.append(time.perf_counter() - start)
        start = time.perf_counter()
        expected = python_loop()
        loop.append(time.perf_counter() - start)
    got = sum(lines["payable_fen"].to_pylist())
    assert got == expected, (got, expected)
    d, p = statistics.median(duck) * 1000, statistics.median(loop) * 1000
    print(
        f"children {args.children:,}, earlier lines {args.history:,}, payable {got / 100:,.2f} yuan"
    )
    print(f"settle_lines (DuckDB, incl. connect): median {d:.1f} ms")
    print(f"python dict loop                    : median {p:.1f} ms  (ratio {d / p:.2f}x)")


if __name__ == "__main__":
    main()
