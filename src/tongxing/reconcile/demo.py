"""A demo death list from civil affairs, for ``make demo``: some of the persons on it
were paid in the demo county's locked payroll month after the date of death, others are
only still alive in the registry. The county officer uploads it on the department lists
page and runs the comparison; the worklist then shows "deceased but still paid".
Generated into var/, never committed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from django.conf import settings

from tongxing.benefits.models import BatchStatus, PayrollBatch, PayrollLine
from tongxing.benefits.payroll import add_months
from tongxing.core.scoping import prefix_q
from tongxing.exchange.demo import DEMO_COUNTY
from tongxing.registry.models import Person, PersonStatus

STILL_PAID = 8
ONLY_ALIVE = 4


def demo_path() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "department-deaths-demo.xlsx"


def make_demo_list(path: Path | None = None) -> tuple[Path, int, int]:
    """Write the list; returns its path, how many were paid after death, how many not."""
    batch = (
        PayrollBatch.objects.filter(county_id=DEMO_COUNTY, status=BatchStatus.LOCKED)
        .order_by("-month")
        .first()
    )
    if batch is None:
        raise ValueError("No locked payroll in the demo county: run generate_benefit_demo first.")
    died_on = add_months(batch.month, -1) + dt.timedelta(days=14)
    paid_ids = list(
        PayrollLine.objects.filter(batch=batch, for_month=batch.month, amount__gt=0)
        .filter(person__status=PersonStatus.ACTIVE)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()[: STILL_PAID * 3]
    )[::3][:STILL_PAID]
    paid = list(Person.objects.filter(pk__in=paid_ids).order_by("pk"))
    unpaid = list(
        Person.objects.filter(prefix_q("area_id", DEMO_COUNTY), status=PersonStatus.ACTIVE)
        .exclude(pk__in=PayrollLine.objects.filter(batch=batch).values("person_id"))
        .order_by("pk")[:ONLY_ALIVE]
    )
    path = path or demo_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("死亡名单")
    text = workbook.add_format({"num_format": "@"})
    sheet.write_row(0, 0, ["身份证号", "姓名", "死亡日期", "火化地点"])
    for i, person in enumerate([*paid, *unpaid], start=1):
        sheet.write_string(i, 0, person.id_number, text)
        sheet.write_string(i, 1, person.name)
        sheet.write_string(i, 2, died_on.isoformat())
        sheet.write_string(i, 3, "巴中市殡仪馆")
    workbook.close()
    return path, len(paid), len(unpaid)
