"""Import files made in the test: rows as dicts keyed by template header."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tongxing.exchange.template import COLUMNS

HEADERS = [column.header for column in COLUMNS]


def row(**values: str) -> dict[str, str]:
    """A valid new person in the test village, overridable by header."""
    id_number = values.pop("身份证号", None) or factories.new_id_number(dt.date(1970, 3, 4))
    base = {
        "姓名": "王五",
        "身份证号": id_number,
        "户籍类型": "农村",
        "村（社区）代码": factories.VILLAGE,
        "住址": "东城街道2号",
        "联系电话": "13900001111",
        "残疾类别": "肢体",
        "残疾等级": "二级",
        "发证日期": "2021-05-06",
    }
    return base | values


def xlsx_bytes(
    rows: list[dict],
    headers: list[str] | None = None,
    tmp: Path | None = None,
    numbers: dict[tuple[int, str], float] | None = None,
    merge: str | None = None,
) -> bytes:
    headers = headers or HEADERS
    path = (tmp or Path("/tmp")) / f"import-{id(rows)}.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("残疾人登记")
    sheet.write_row(0, 0, headers)
    for r, values in enumerate(rows, start=1):
        for c, header in enumerate(headers):
            if numbers and (r, header) in numbers:
                sheet.write_number(r, c, numbers[(r, header)])
            else:
                sheet.write_string(r, c, str(values.get(header, "")))
    if merge:
        sheet.merge_range(merge, "")
    workbook.close()
    data = path.read_bytes()
    path.unlink()
    return data


def csv_bytes(rows: list[dict], encoding: str = "utf-8", headers: list[str] | None = None) -> bytes:
    headers = headers or HEADERS
    lines = [",".join(headers)]
    for values in rows:
        lines.append(",".join(str(values.get(h, "")) for h in headers))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(data: bytes, name: str = "persons.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
