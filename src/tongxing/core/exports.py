"""Writing tables for people to open in Excel: .xlsx and .csv, safe against formula injection.

Every list a user exports and every report the import hands back goes through here, so
the neutralising of formula-like cells and the CSV's byte-order mark live in one place.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils import timezone

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# CR, lets a following character start one): OWASP's CSV-injection list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel keeps 15 significant digits: a longer integer (an ID or account number passed as
# an int by mistake) is written as text rather than silently rounded.
EXACT_INT_LIMIT = 10**15
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> str:
    """The cell text, with a leading apostrophe when it would otherwise start a formula.

    The apostrophe is what Excel itself uses to mark "text, not a formula"; the value
    stays readable and nothing a person typed is lost.
    """
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (without it Excel reads Chinese as GBK), in chunks
    of about a thousand rows for a streaming response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield codecs.BOM_UTF8
    writer.writerow([neutralise(h) for h in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(value) for value in row])
        if count % 1000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    preamble: Sequence[Sequence[Any]] = (),
) -> tempfile.SpooledTemporaryFile:
    """An .xlsx built row by row in xlsxwriter's constant-memory mode.

    ``preamble`` rows (a statement's title and its label/value lines) come first, then a
    blank row, the bold ``header`` (frozen) and the ``rows``. Decimals (money, shown with
    2 places), ints and floats are written as numbers so a spreadsheet can sum them;
    dates and datetimes as dates. Everything else is text, neutralised: an ID number
    must be passed as a string, or it would lose its last digits as a number.
    """
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_numbers": False, "in_memory": False}
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    formats = {
        "bold": workbook.add_format({"bold": True}),
        "money": workbook.add_format({"num_format": "0.00"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    number = 0
    for line in preamble:
        _write_row(worksheet, number, line, formats)
        number += 1
    if preamble:
        number += 1  # a blank row between the statement's header block and the table
    worksheet.write_row(number, 0, [neutralise(h) for h in header], formats["bold"])
    worksheet.freeze_panes(number + 1, 0)
    for offset, row in enumerate(rows, start=number + 1):
        _write_row(worksheet, offset, row, formats)
    workbook.close()
    out.seek(0)
    return out


def _write_row(worksheet: Any, number: int, row: Sequence[Any], formats: dict) -> None:
    for column, value in enumerate(row):
        _write_cell(worksheet, number, column, value, formats)


def _plain_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) < EXACT_INT_LIMIT
    return isinstance(value, float) and math.isfinite(value)


def _write_cell(worksheet: Any, row: int, column: int, value: Any, formats: dict) -> None:
    # bool is an int subclass, but "True" in a sum would be wrong: it stays text.
    if isinstance(value, Decimal) and value.is_finite():
        worksheet.write_number(row, column, float(value), formats["money"])
    elif _plain_number(value):
        worksheet.write_number(row, column, value)
    elif isinstance(value, dt.datetime):
        # Excel has no time zones: write the local wall-clock time people expect.
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        worksheet.write_datetime(row, column, local.replace(tzinfo=None), formats["datetime"])
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, column, value, formats["date"])
    else:
        worksheet.write_string(row, column, neutralise(value))
