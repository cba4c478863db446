"""`make demo` writes a death list that, uploaded by the demo county officer, puts
"deceased but still paid" on the worklist, with the money paid after each death."""

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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from tongxing.accounts.models import User
from tongxing.reconcile import actions
from tongxing.reconcile.demo import demo_path
from tongxing.reconcile.models import Finding
county = User.objects.get(username="county")
today = timezone.localdate()
upload = SimpleUploadedFile("deaths.xlsx", demo_path().read_bytes())
actions.upload_list(county, "civil_deaths", today, upload, today)
counts = actions.run_reconciliation(county, today)
paid = Finding.objects.filter(rule="deceased_paid")
print(json.dumps({
    "paid": counts["deceased_paid"],
    "alive": counts["deceased_alive"],
    "amounts_positive": all(f.amount > 0 for f in paid),
    "months": sorted({f.evidence["months"] for f in paid}),
}))
"""


def test_the_demo_death_list_shows_deceased_persons_still_paid(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TONGXING_TEST_DB_TEMPLATE"}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        TONGXING_VAR_DIR=str(tmp_path),
        TONGXING_MASTER_KEY_FILE=str(settings.TONGXING_MASTER_KEY_FILE),
        DEBUG="true",
        PYTHONPATH=str(ROOT / "src"),
        DJANGO_SETTINGS_MODULE="tongxing.settings",
    )
    prepared = subprocess.run(
        [sys.executable, "manage.py", "prepare_demo", "--persons", "1500"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert "8 paid after death, 4 only still alive" in prepared.stdout
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
    assert out == {"paid": 8, "alive": 4, "amounts_positive": True, "months": [1]}
