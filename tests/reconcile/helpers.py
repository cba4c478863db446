"""Department lists made in the test, as CSV, and the findings as comparable tuples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from tongxing.benefits.models import BatchStatus, PayrollBatch, PayrollLine
from tongxing.reconcile import actions
from tongxing.reconcile.models import DepartmentList, Finding

ON = dt.date(2025, 6, 15)


def csv_file(rows: list[list[str]], name: str = "list.csv", encoding: str = "utf-8"):
    text = "\n".join(",".join(cells) for cells in rows) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(actor, kind: str, header: list[str], rows: list[list[str]], day=ON) -> DepartmentList:
    return actions.upload_list(actor, kind, day, csv_file([header, *rows]), ON)


def paid(person, month: dt.date, amount: str, status: str = BatchStatus.LOCKED) -> None:
    """A payroll line for ``month``, written directly: the payroll is tested on its own."""
    batch, _ = PayrollBatch.objects.get_or_create(
        county_id="511902",
        month=month,
        defaults={"status": status, "prepared_by_id": _preparer()},
    )
    PayrollLine.objects.create(
        batch=batch,
        person=person,
        benefit="nursing_subsidy",
        kind="regular",
        for_month=month,
        amount=Decimal(amount),
        township=person.area_id[:9],
        village=person.area_id,
    )


def _preparer() -> int:
    from tongxing.accounts.models import User

    return User.objects.get(username="county").pk


def findings() -> set[tuple]:
    return {
        (f.rule, f.person.name, f.department_list_id, f.amount, f.status)
        for f in Finding.objects.select_related("person")
    }
