"""`make demo` end to end in a process of its own, on a file SQLite database: the demo
population, its applications and last month's payroll locked through the real job; and
the rules' inputs read through ADBC equal to those read through Django's connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="runs its own SQLite file; the SQLite lane runs it"
)

CHECK = """
import django, json
django.setup()
from django.db import transaction
from tongxing.benefits.inputs import Scope, read_inputs
from tongxing.benefits.models import PayrollBatch
adbc = read_inputs(Scope.area("5119"))
with transaction.atomic():
    plain = read_inputs(Scope.area("5119"))
batch = PayrollBatch.objects.get()
print(json.dumps({
    "same": {name: adbc.tables[name].equals(table) for name, table in plain.tables.items()},
    "persons": adbc.persons.num_rows,
    "status": batch.status,
    "lines": batch.lines.count(),
    "summary_lines": batch.summary["lines"],
}))
"""


def test_the_demo_locks_last_months_payroll_and_adbc_reads_what_django_reads(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TONGXING_TEST_DB_TEMPLATE"}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        TONGXING_VAR_DIR=str(tmp_path),
        TONGXING_MASTER_KEY_FILE=str(settings.TONGXING_MASTER_KEY_FILE),
        DEBUG="true",
        PYTHONPATH=str(ROOT / "src"),
        DJANGO_SETTINGS_MODULE="tongxing.settings",
    )
    subprocess.run(
        [sys.executable, "manage.py", "prepare_demo", "--persons", "1500"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=240,
        capture_output=True,
    )
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["same"] == {name: True for name in out["same"]}
    # The generated 1,500 and the five named persons of the devices and rehabilitation
    # stories (devices/demo.py: 王借用, 赵已配, 张轮椅, 李小宝, 王小满), registered through
    # the registry's actions.
    assert out["persons"] == 1505
    assert out["status"] == "locked"
    assert out["lines"] == out["summary_lines"] > 0
