"""End-to-end cost of field encryption: demo generation and reading persons back,
encrypted (as shipped) against a plaintext baseline.

The baseline swaps the encrypted fields' conversion for identity and the blind index for
the plain value, in this process only, so the same generator and the same queries run
both ways on fresh SQLite databases. Prints medians and the overhead ratio against the
≤ 25 % target; the per-value primitive costs are in crypto_primitives.py. Import and
payroll do not exist yet: their overhead is measured when those issues land.

    .venv/bin/python benchmarks/crypto.py --persons 114000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TARGET = 0.25


def one_run(persons: int, plaintext: bool) -> dict[str, float]:
    """Runs in a child process (Django is set up once per process)."""
    folder = tempfile.mkdtemp(prefix="tongxing-crypto-bench-")
    os.environ |= {
        "TONGXING_VAR_DIR": folder,
        "TONGXING_MASTER_KEY": "7e" * 32,
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
    }
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxing.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from tongxing.core import fields

    if plaintext:
        fields.EncryptedTextField.get_prep_value = lambda self, value: value
        fields.EncryptedTextField.from_db_value = lambda self, value, *args: value

        def plain_index(self, instance, add):
            value = getattr(instance, self.source) or ""
            setattr(instance, self.attname, value)
            return value

        fields.BlindIndexField.pre_save = plain_index

    from tongxing.registry.models import Person

    call_command("migrate", verbosity=0)
    call_command("load_region", verbosity=0)
    started = time.perf_counter()
    call_command("generate_demo", persons=persons, seed=7, verbosity=0)
    generation = time.perf_counter() - started
    started = time.perf_counter()
    rows = 0
    for person in Person.objects.only("id_number", "phone", "address").iterator(chunk_size=5000):
        rows += bool(person.id_number)
    read_back = time.perf_counter() - started
    return {"generation": generation, "read_back": read_back, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=114_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["encrypted", "plaintext"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.persons, args.child == "plaintext")))
        return
    figures: dict[str, dict[str, list[float]]] = {"encrypted": {}, "plaintext": {}}
    for _ in range(args.runs):
        for mode in ("plaintext", "encrypted"):  # alternate so load drifts hit both
            command = [sys.executable, __file__, "--persons", str(args.persons), "--child", mode]
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            for key, value in json.loads(out.strip().splitlines()[-1]).items():
                figures[mode].setdefault(key, []).append(value)
    print(f"{args.persons} persons, SQLite, median of {args.runs} runs")
    print(f"  {'phase':<24} {'plaintext s':>12} {'encrypted s':>12} {'overhead':>9}  target")
    for phase in ("generation", "read_back"):
        plain = statistics.median(figures["plaintext"][phase])
        secret = statistics.median(figures["encrypted"][phase])
        overhead = secret / plain - 1
        verdict = "ok" if overhead <= TARGET else "OVER"
        label = "demo generation" if phase == "generation" else "read back ID/phone/address"
        print(f"  {label:<24} {plain:12.2f} {secret:12.2f} {overhead:8.0%}  ≤25% {verdict}")


if __name__ == "__main__":
    main()
