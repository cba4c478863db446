"""The import report as an .xlsx: the rows with problems, as they were in the file, with
the bad cells marked (a fill, a border and a comment) and every reason written out in
the last column, so nothing depends on colour alone. The same file is what the officer
corrects and uploads again: its two extra columns are ignored on import."""

from __future__ import annotations

import tempfile
from collections import defaultdict

import xlsxwriter
from django.utils.translation import gettext as _

from tongxing.core.exports import neutralise
from tongxing.exchange.actions import stored_path
from tongxing.exchange.models import ImportBatch
from tongxing.exchange.reading import FileRejected, read_sheet
from tongxing.exchange.template import REASON_COLUMN, ROW_COLUMN, SHEET_NAME

MAX_COMMENTS = 5000  # comments are heavy in .xlsx; past this the reason column carries it


def report_xlsx(batch: ImportBatch) -> tempfile.SpooledTemporaryFile:
    problems = list(batch.problems.values_list("row", "column", "message"))
    by_row: dict[int, list[tuple[str, str]]] = defaultdict(list)
    file_level = []
    for row, column, message in problems:
        if row is None:
            file_level.append((column, message))
        else:
            by_row[row].append((column, message))
    try:
        sheet = read_sheet(stored_path(batch))
    except FileRejected:
        sheet = None
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook = xlsxwriter.Workbook(out, {"strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    bad = workbook.add_format(
        {"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 2, "border_color": "#9C0006"}
    )
    rows_sheet = workbook.add_worksheet(SHEET_NAME)
    if sheet is not None and by_row:
        headers = sheet.headers
        position = {h: i for i, h in enumerate(headers)}
        rows_sheet.write_row(0, 0, [neutralise(h) for h in headers], bold)
        rows_sheet.write_string(0, len(headers), ROW_COLUMN, bold)
        rows_sheet.write_string(0, len(headers) + 1, REASON_COLUMN, bold)
        index_of = {row: i for i, row in enumerate(sheet.rows)}
        comments = 0
        out_row = 1
        for row in sorted(by_row):
            if row not in index_of:
                continue
            values = sheet.frame.row(index_of[row])
            marked = defaultdict(list)
            for column, message in by_row[row]:
                marked[position.get(column)].append(message)
            for i, value in enumerate(values):
                text = neutralise(value)
                if i in marked:
                    rows_sheet.write_string(out_row, i, text, bad)
                    if comments < MAX_COMMENTS:
                        rows_sheet.write_comment(out_row, i, "\n".join(marked[i]))
                        comments += 1
                else:
                    rows_sheet.write_string(out_row, i, text)
            rows_sheet.write_number(out_row, len(headers), row)
            reasons = [f"{column or _('row')}: {message}" for column, message in by_row[row]]
            rows_sheet.write_string(out_row, len(headers) + 1, neutralise("；".join(reasons)))
            out_row += 1
        rows_sheet.freeze_panes(1, 0)
    if file_level:
        notes = workbook.add_worksheet(_("Whole file"))
        notes.write_row(0, 0, [_("Column"), _("Reason")], bold)
        for i, (column, message) in enumerate(file_level, start=1):
            notes.write_string(i, 0, neutralise(column))
            notes.write_string(i, 1, neutralise(message))
    workbook.close()
    out.seek(0)
    return out
