"""The files a locked payroll issues: the bank (一卡通) payment file, the list of premiums
paid to the pension fund, and the list of recoveries.

Everything comes from the batch's own lines (name, ID and account were copied onto them
when the batch was prepared), sorted by a total order, so generating a file again gives
the same bytes; the SM3 digest of the payment file is kept when the batch is locked.
One row per person and benefit: this month's amount, arrears and recoveries netted. A
person owed less than nothing is not in the bank file but in the recovery list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils import translation

from tongxing.benefits.models import PayrollBatch, PayrollLine
from tongxing.benefits.rules import BY_CODE
from tongxing.benefits.rules.base import PAYS_PERSON
from tongxing.core.exports import neutralise

HEADERS = ("序号", "姓名", "身份证号", "开户银行", "账号", "金额", "补贴项目", "所属月份", "乡镇")


@dataclass(frozen=True)
class PaymentRow:
    person_id: int
    name: str
    id_number: str
    bank: str
    account_number: str
    amount: Decimal
    benefit: str
    township: str


def _rows(batch: PayrollBatch, *, to_person: bool, owed: bool) -> list[PaymentRow]:
    codes = [code for code, b in BY_CODE.items() if (b.payee == PAYS_PERSON) == to_person]
    lines = (
        PayrollLine.objects.filter(batch=batch, benefit__in=codes)
        .only(
            "person_id",
            "benefit",
            "amount",
            "name",
            "id_number",
            "bank",
            "account_number",
            "township",
        )
        .order_by("person_id", "benefit", "for_month", "kind")
    )
    rows = []
    for (person_id, benefit), group in itertools.groupby(
        lines, key=lambda x: (x.person_id, x.benefit)
    ):
        group = list(group)
        total = sum((line.amount for line in group), Decimal("0.00"))
        if total == 0 or (total > 0) != owed:
            continue
        line = next((x for x in group if x.kind == "regular"), group[0])
        rows.append(
            PaymentRow(
                person_id=person_id,
                name=line.name,
                id_number=str(line.id_number or ""),
                bank=line.bank,
                account_number=str(line.account_number or ""),
                amount=total,
                benefit=_chinese(BY_CODE[benefit].name),
                township=line.township,
            )
        )
    # Township first, as the bank and the townships read it; this month's line decides.
    rows.sort(key=lambda row: (row.township, row.person_id, row.benefit))
    return rows


def _chinese(text: Any) -> str:
    with translation.override("zh-hans"):
        return str(text)


def _table(batch: PayrollBatch, rows: list[PaymentRow]) -> list[list[str]]:
    """The rows as text cells; benefit names in Chinese whatever the user's language,
    because the file goes to the bank."""
    month = batch.month.strftime("%Y-%m")
    return [
        [
            str(i),
            neutralise(row.name),
            row.id_number,
            neutralise(row.bank),
            row.account_number,
            f"{row.amount:.2f}",
            row.benefit,
            month,
            row.township,
        ]
        for i, row in enumerate(rows, start=1)
    ]


def _csv(table: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(table)
    # With a byte-order mark, Excel opens the Chinese text correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def payment_file_csv(batch: PayrollBatch) -> bytes:
    return _csv(_table(batch, _rows(batch, to_person=True, owed=True)))


def premium_list_csv(batch: PayrollBatch) -> bytes:
    return _csv(_table(batch, _rows(batch, to_person=False, owed=True)))


def recovery_list_csv(batch: PayrollBatch) -> bytes:
    return _csv(
        _table(
            batch,
            _rows(batch, to_person=True, owed=False) + _rows(batch, to_person=False, owed=False),
        )
    )


def payment_file_xlsx(batch: PayrollBatch) -> bytes:
    table = _table(batch, _rows(batch, to_person=True, owed=True))
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    # A fixed creation time keeps the bytes the same each time the file is made.
    created = batch.locked_at or dt.datetime(batch.month.year, batch.month.month, 1, tzinfo=dt.UTC)
    workbook.set_properties({"created": created.replace(tzinfo=None), "title": "payment file"})
    sheet = workbook.add_worksheet(batch.month.strftime("%Y-%m"))
    text = workbook.add_format({"num_format": "@"})
    money = workbook.add_format({"num_format": "0.00"})
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(table, start=1):
        for c, value in enumerate(row):
            if c == 5:
                sheet.write_number(r, c, float(value), money)
            else:
                # Text, so an ID or account number never turns into a number or a formula.
                sheet.write_string(r, c, value, text)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 4, 22)
    sheet.set_column(6, 6, 36)
    workbook.close()
    return out.getvalue()
