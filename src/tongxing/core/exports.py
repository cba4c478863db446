"""Writing tables for people to open in Excel: .xlsx and .csv, safe against formula injection.

Every list a user exports and every report the import hands back goes through here, so
the neutralising of formula-like cells and the CSV's byte-order mark live in one place.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import xlsxwriter

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# CR, lets a following character start one): OWASP's CSV-injection list.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
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
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1"
) -> tempfile.SpooledTemporaryFile:
    """An .xlsx of text cells, built row by row in xlsxwriter's constant-memory mode.

    Every value is written as a string: an ID number written as a number would lose its
    last digits (Excel keeps 15 significant digits) and a formula-like value could run.
    """
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_numbers": False, "in_memory": False}
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, [neutralise(h) for h in header], bold)
    worksheet.freeze_panes(1, 0)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            worksheet.write_string(number, column, neutralise(value))
    workbook.close()
    out.seek(0)
    return out
