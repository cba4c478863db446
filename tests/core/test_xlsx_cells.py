"""``xlsx_file`` writes figures as numbers and dates as dates, and only text is neutralised."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl

from tongxing.core.exports import xlsx_file


def test_figures_are_numbers_dates_are_dates_and_text_stays_neutralised_text():
    out = xlsx_file(
        ["a", "b", "c", "d", "e", "f", "g"],
        [
            [
                Decimal("1234.56"),
                12,
                dt.date(2025, 12, 31),
                "=SUM(A1)",
                True,
                513701201001011234,
                "513701201001011234",
            ]
        ],
        preamble=[["Statement"], ["Total", Decimal("1234.56")]],
    )
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Statement", None)
    assert rows[1][:2] == ("Total", 1234.56)
    assert rows[2] == (None,) * 7
    assert rows[3] == ("a", "b", "c", "d", "e", "f", "g")
    assert rows[4] == (
        1234.56,
        12,
        dt.datetime(2025, 12, 31),
        "'=SUM(A1)",
        "True",
        "513701201001011234",  # too long for an exact number: kept as text
        "513701201001011234",
    )
    assert sheet.cell(row=5, column=1).number_format == "0.00"
    assert sheet.cell(row=5, column=3).number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A5"


def test_without_a_preamble_the_header_is_the_first_row():
    sheet = openpyxl.load_workbook(xlsx_file(["n"], [[Decimal("0.10")]])).active
    assert list(sheet.iter_rows(values_only=True)) == [("n",), (0.1,)]
    assert sheet.freeze_panes == "A2"
