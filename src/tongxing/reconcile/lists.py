"""Checking a department's file against its kind's declared columns.

The file is read by the registry import's reader (:func:`tongxing.exchange.reading.read_sheet`:
.xlsx or CSV in UTF-8 or GBK, renamed and old files refused) and problems are the import's
(:class:`tongxing.exchange.validation.Problem`: row, column, masked value, reason), so an
officer reads both reports the same way. A list is accepted whole or not at all, so the
check returns either rows or problems.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tongxing.core.idnumbers import parse_id_number
from tongxing.core.masking import mask_id_number
from tongxing.exchange.reading import MAX_ROWS, FileRejected, read_sheet
from tongxing.exchange.template import normalise_header
from tongxing.exchange.validation import (
    SCIENTIFIC_RE,
    Problem,
    file_problem,
    parse_date,
    stored_as_number,
)
from tongxing.reconcile.kinds import MAX_AMOUNT, Column, ColumnType, ListKind

MAX_PROBLEMS = 10_000  # past this the report says how many more, not each


@dataclass
class Checked:
    rows: list[dict] = field(default_factory=list)  # slot → value, plus "row"
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    @property
    def accepted(self) -> bool:
        return not self.problems and bool(self.rows)


def _headers(kind: ListKind, headers: list[str], checked: Checked) -> dict[str, int]:
    by_name = {}
    for column in kind.columns:
        for name in (column.header, *column.aliases):
            by_name[normalise_header(name)] = column
    positions: dict[str, int] = {}
    for i, header in enumerate(headers):
        column = by_name.get(normalise_header(header))
        if column is None:
            continue  # departments add their own columns; only the declared ones are read
        if column.header in positions:
            checked.add(
                file_problem(
                    "duplicate_column",
                    _("The column “%(header)s” appears twice.") % {"header": column.header},
                    column.header,
                )
            )
        positions[column.header] = i
    for column in kind.columns:
        if column.required and column.header not in positions:
            checked.add(
                file_problem(
                    "missing_column",
                    _(
                        "The column “%(header)s” is missing. If it is there under another "
                        "name, rename its header to “%(header)s”."
                    )
                    % {"header": column.header},
                    column.header,
                )
            )
    return positions


def _value(column: Column, text: str, today: dt.date) -> object:
    """The cell as stored; raises ``ValidationError`` with the reason."""
    if column.type == ColumnType.ID_NUMBER:
        if SCIENTIFIC_RE.match(text):
            raise ValidationError(
                _(
                    "The ID number was stored as a number and shows in scientific notation "
                    "(like 5.1E+17): its digits are lost. Format the column as text and type "
                    "the numbers again."
                ),
                code="id_scientific",
            )
        if stored_as_number(text, "id_number"):
            raise ValidationError(
                _(
                    "This looks like an ID number stored as a number, which loses its last "
                    "digits: format the column as text and type the numbers again."
                ),
                code="id_stored_as_number",
            )
        return parse_id_number(text, today=today).number
    if column.type == ColumnType.DATE:
        try:
            day = parse_date(text)
        except ValueError:
            raise ValidationError(
                _("Not a date: write it as 2024-03-01."), code="bad_date"
            ) from None
        if day is not None and day > today:
            raise ValidationError(_("This date is in the future."), code="future_date")
        return day
    if column.type == ColumnType.CHOICE:
        if text not in column.choices:
            raise ValidationError(
                _("Write one of: %(words)s.") % {"words": "、".join(column.choices)},
                code="bad_choice",
            )
        return column.choices[text]
    if column.type == ColumnType.AMOUNT:
        try:
            amount = Decimal(text.replace(",", "").removesuffix("元"))
        except InvalidOperation:
            raise ValidationError(_("Not an amount in yuan."), code="bad_amount") from None
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            raise ValidationError(_("Not an amount in yuan."), code="bad_amount")
        return amount.quantize(Decimal("0.01"))
    if len(text) > column.max_length:
        raise ValidationError(
            _("Longer than %(max)d characters.") % {"max": column.max_length}, code="too_long"
        )
    return text


def check_list(kind: ListKind, path: Path, today: dt.date) -> Checked:
    """Every row of the file at ``path`` as ``kind`` declares it, or every problem."""
    checked = Checked()
    try:
        sheet = read_sheet(path)
    except FileRejected as rejected:
        checked.add(file_problem(rejected.code, rejected.message))
        return checked
    positions = _headers(kind, sheet.headers, checked)
    if sheet.frame.height > MAX_ROWS:
        checked.add(
            file_problem(
                "too_many_rows",
                _("The file has %(rows)d rows; split it into files of at most %(max)d.")
                % {"rows": sheet.frame.height, "max": MAX_ROWS},
            )
        )
    if checked.problems:
        return checked
    columns = [c for c in kind.columns if c.header in positions]
    cells = []
    for column in columns:
        cell = pl.col(f"c{positions[column.header]}").fill_null("")
        if column.type in (ColumnType.ID_NUMBER, ColumnType.DATE, ColumnType.AMOUNT):
            cell = cell.str.normalize("NFKC").str.replace_all(r"\s+", "").str.to_uppercase()
        else:
            cell = cell.str.normalize("NFKC").str.strip_chars()
        cells.append(cell.alias(column.header))
    frame = sheet.frame.select(cells)
    seen: dict[str, int] = {}
    for index, values in enumerate(frame.iter_rows()):
        if not any(values):
            continue
        row_number = sheet.rows[index]
        row: dict = {"row": row_number}
        for column, text in zip(columns, values, strict=True):
            shown = mask_id_number(text) if column.type == ColumnType.ID_NUMBER else text
            if not text:
                if column.required:
                    checked.add(Problem(row_number, column.header, "", "required", _("Required.")))
                continue
            try:
                row[column.slot] = _value(column, text, today)
            except ValidationError as error:
                message = error.message % error.params if error.params else error.message
                checked.add(
                    Problem(row_number, column.header, shown[:200], error.code, str(message))
                )
        number = row.get("id_number")
        if number:
            key = f"{number}|{row.get('status', '')}"
            if key in seen:
                checked.add(
                    Problem(
                        row_number,
                        kind.columns[0].header,
                        mask_id_number(number),
                        "duplicate_in_file",
                        _("This ID number is already on row %(row)d.") % {"row": seen[key]},
                    )
                )
            seen.setdefault(key, row_number)
        checked.rows.append(row)
    if not checked.rows and not checked.problems:
        checked.add(file_problem("no_rows", _("The sheet has its headers but no rows.")))
    return checked
