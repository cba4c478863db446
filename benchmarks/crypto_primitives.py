"""Cost of the crypto primitives per value: SM4-GCM encrypt, HMAC-SM3 blind index, decrypt.

Why: every ID number saved is encrypted and indexed, and every one shown or exported is
decrypted, so these per-value figures bound the overhead of field encryption on demo-data
generation, import and payroll. Synthetic, valid 18-character ID numbers; no database.

    .venv/bin/python benchmarks/crypto_primitives.py            # 1,000,000 values, 3 runs
    .venv/bin/python benchmarks/crypto_primitives.py --n 10000  # quick check

Each phase is timed over all values; the median of the runs is printed, wall clock and
CPU time of this process (the two differ when other jobs share the cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tongxing.core import crypto
from tongxing.core.idnumbers import make_id_number

CONTEXT = "registry.person.id_number"
AREAS = ("511902", "511903", "511921", "511922", "511923", "513001", "513701")


def synthetic_id_numbers(n: int, seed: int = 20240601) -> list[str]:
    """Valid-looking ID numbers (real dates, correct check character), about 9 % with X."""
    rng = random.Random(seed)
    start = dt.date(1930, 1, 1).toordinal()
    span = dt.date(2020, 12, 31).toordinal() - start
    numbers = []
    for _ in range(n):
        birth = dt.date.fromordinal(start + rng.randrange(span))
        numbers.append(make_id_number(rng.choice(AREAS), birth, rng.randrange(1000)))
    return numbers


def median_seconds(runs: int, phase: Callable[[], object]) -> tuple[float, float]:
    """Median wall-clock and CPU seconds; CPU time shows the cost on a busy shared machine."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        phase()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def report(label: str, timing: tuple[float, float], n: int) -> None:
    seconds, cpu = timing
    print(
        f"{label:<22} {seconds:8.2f} s  {seconds / n * 1e6:7.2f} µs/value  "
        f"{n / seconds:>10,.0f} values/s  (CPU {cpu:.2f} s, {cpu / n * 1e6:.2f} µs/value)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values per phase")
    parser.add_argument("--runs", type=int, default=3, help="runs per phase (median printed)")
    args = parser.parse_args()

    crypto.self_test()
    master = crypto.generate_master_key()
    key = crypto.unwrap_data_key(master, crypto.wrap_data_key(master, crypto.new_data_key(1)))
    ring = crypto.Keyring([key], active_version=1)
    values = synthetic_id_numbers(args.n)
    encrypt, blind_index, decrypt = ring.encrypt, ring.blind_index, ring.decrypt

    tokens = [encrypt(v, context=CONTEXT) for v in values]

    def encrypt_only() -> None:
        for v in values:
            encrypt(v, context=CONTEXT)

    def index_only() -> None:
        for v in values:
            blind_index(v, context=CONTEXT)

    def encrypt_and_index() -> list[tuple[str, str]]:
        return [(encrypt(v, context=CONTEXT), blind_index(v, context=CONTEXT)) for v in values]

    def decrypt_all() -> list[str]:
        return [decrypt(t, context=CONTEXT) for t in tokens]

    print(f"{args.n:,} synthetic ID numbers, median of {args.runs} runs, one core")
    report("encrypt (SM4-GCM)", median_seconds(args.runs, encrypt_only), args.n)
    report("blind index (HMAC-SM3)", median_seconds(args.runs, index_only), args.n)
    report("encrypt + blind index", median_seconds(args.runs, encrypt_and_index), args.n)
    report("decrypt (SM4-GCM)", median_seconds(args.runs, decrypt_all), args.n)

    if decrypt_all() != values:  # outside the timings: the figures are for correct work
        raise SystemExit("decrypted values differ from the originals")
    print(f"token length {len(tokens[0])} characters, index length 64 hex characters")


if __name__ == "__main__":
    main()
