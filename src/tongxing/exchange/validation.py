"""Checking every row of a registry import, before anything is written.

Cells are folded in bulk with polars (full-width digits and letters in the identifier and
code columns, surrounding spaces everywhere); each row then goes through the registry's
own field checks (:func:`tongxing.registry.actions.check_person_fields` and
:func:`~tongxing.registry.actions.check_certificate_fields`), so an import accepts exactly
what the registration form accepts. Duplicates inside the file are found with a dict, and
against the registry by blind index, computed for the whole file and looked up in chunks
of a few thousand: never one query per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxing.accounts.models import User
from tongxing.areas.models import Area, AreaLevel
from tongxing.core.fields import index_values
from tongxing.core.idnumbers import (
    CHECK_CHARS,
    EARLIEST_BIRTH,
    WEIGHTS,
    check_character,
    parse_id_number,
)
from tongxing.core.masking import mask_certificate_number, mask_id_number, mask_phone
from tongxing.core.pinyin import pinyin_keys
from tongxing.exchange.reading import MAX_ROWS, Sheet, column_letter
from tongxing.exchange.template import (
    BY_KEY,
    CATEGORY_WORDS,
    COLUMNS,
    GRADE_WORDS,
    HEADER_KEYS,
    HUKOU_WORDS,
    IGNORED_HEADERS,
    RELATION_WORDS,
    normalise_header,
)
from tongxing.registry.actions import (
    CERTIFICATE_TERM_YEARS,
    DUPLICATE_CERTIFICATE,
    CertificateData,
    ImportedPerson,
    PersonChange,
    PersonData,
    add_years,
    check_certificate_fields,
    check_person_fields,
)
from tongxing.registry.models import (
    CERTIFICATE_NUMBER,
    RESIDENT_ID,
    Category,
    DisabilityCertificate,
    Person,
    Relation,
)

Progress = Callable[[int, int, str], None]
CHUNK = 2000  # blind indexes per lookup query
PROGRESS_EVERY = 10_000
IDENTIFIER_KEYS = ("id_number", "guardian_id_number", "household_head_id_number")
NUMBER_KEYS = (*IDENTIFIER_KEYS, "certificate_number")
# Columns whose content is digits and codes: folded to half-width and stripped of spaces.
CODE_KEYS = (*NUMBER_KEYS, "area", "phone", "guardian_phone", "issue_date", "valid_until")
CODE_KEYS += ("category", "grade", "multiple_detail", "hukou_type", "relation_to_head")
MASKS = {
    "id_number": mask_id_number,
    "guardian_id_number": mask_id_number,
    "household_head_id_number": mask_id_number,
    "certificate_number": mask_certificate_number,
    "phone": mask_phone,
    "guardian_phone": mask_phone,
}
# Person fields an import row may change on a registered person.
UPDATABLE = (
    "name",
    "ethnicity",
    "hukou_type",
    "area",
    "address",
    "phone",
    "guardian_name",
    "guardian_id_number",
    "guardian_phone",
    "guardian_relation",
)
SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?E\+?\d+$")
# Spaces are gone by now (code columns are compacted), so a time follows the day directly.
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:T?\d{1,2}:[\d:.]+)?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
SERIAL_RE = re.compile(r"^(\d{5})(?:\.0+)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)
KIND_SPLIT_RE = re.compile(r"[,，、;；/\s]+")

# Every reason a row or file can be refused, for the counts on the report page.
REASONS: dict[str, Any] = {
    "empty_file": gettext_lazy("Empty file"),
    "old_excel": gettext_lazy("Old .xls format"),
    "not_a_table": gettext_lazy("Not a spreadsheet"),
    "not_xlsx": gettext_lazy("Not an .xlsx workbook"),
    "no_sheet": gettext_lazy("No sheet"),
    "unreadable_sheet": gettext_lazy("Sheet cannot be read"),
    "no_rows": gettext_lazy("No rows"),
    "unknown_encoding": gettext_lazy("Unknown text encoding"),
    "bad_csv": gettext_lazy("Malformed CSV"),
    "too_many_rows": gettext_lazy("Too many rows"),
    "missing_column": gettext_lazy("Column missing"),
    "duplicate_column": gettext_lazy("Column twice"),
    "unknown_column": gettext_lazy("Column not in the template (ignored)"),
    "merged_cells": gettext_lazy("Merged cells"),
    "required": gettext_lazy("Required value missing"),
    "bad_choice": gettext_lazy("Value not one of those allowed"),
    "bad_date": gettext_lazy("Not a date"),
    "id_stored_as_number": gettext_lazy("ID number stored as a number"),
    "id_scientific": gettext_lazy("ID number in scientific notation"),
    "id_missing_x": gettext_lazy("ID number lost its X"),
    "id_length": gettext_lazy("ID number of wrong length"),
    "id_characters": gettext_lazy("ID number with wrong characters"),
    "id_birth_date": gettext_lazy("Birth date in ID number impossible"),
    "id_check_character": gettext_lazy("ID number check character wrong"),
    "certificate_format": gettext_lazy("Certificate number malformed"),
    "certificate_id_mismatch": gettext_lazy("Certificate number not of this ID"),
    "certificate_category_mismatch": gettext_lazy("Certificate number and category differ"),
    "certificate_grade_mismatch": gettext_lazy("Certificate number and grade differ"),
    "area_unknown": gettext_lazy("Area code unknown"),
    "area_outside": gettext_lazy("Area outside your area"),
    "area_not_village": gettext_lazy("Area not a village or community"),
    "area_level": gettext_lazy("Area not a village or community"),
    "multiple_detail_not_multiple": gettext_lazy("Kinds given for a single disability"),
    "multiple_detail_kinds": gettext_lazy("Multiple disability kinds wrong"),
    "issued_before_birth": gettext_lazy("Certificate issued before birth"),
    "issued_in_future": gettext_lazy("Issue date in the future"),
    "valid_until_before_issue": gettext_lazy("Valid-until date not after issue"),
    "duplicate_in_file": gettext_lazy("ID number twice in the file"),
    "duplicate_certificate": gettext_lazy("Certificate number already registered"),
    "registered_outside": gettext_lazy("Person registered outside your area"),
    "certificate_differs": gettext_lazy("Certificate differs from the registry"),
    "household_differs": gettext_lazy("Household differs from the registry"),
    "head_not_found": gettext_lazy("Head of household not found"),
    "head_has_problems": gettext_lazy("Head of household's row has problems"),
    "head_is_member": gettext_lazy("Head of household is in another household"),
    "relation_required": gettext_lazy("Relation to head missing"),
    "relation_without_head": gettext_lazy("Relation given without a head"),
}
NOTICES = {"unknown_column"}


@dataclass
class Problem:
    row: int | None  # the sheet row; None for the whole file
    column: str  # the header of the column, as in the template
    value: str  # masked for identifiers
    code: str
    message: str

    @property
    def notice(self) -> bool:
        return self.code in NOTICES


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    new: list[ImportedPerson] = field(default_factory=list)
    changes: list[PersonChange] = field(default_factory=list)
    unchanged: int = 0
    rows_total: int = 0

    @property
    def file_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.row is None and not p.notice]

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.problems if p.row is not None}


@dataclass
class _Row:
    index: int
    row: int
    person: dict[str, Any]
    certificate: dict[str, Any]
    head_id: str
    relation: str
    valid_until_given: bool = True
    number_given: bool = True
    existing: tuple[int, str, int | None] | None = None  # pk, area code, household
    head_row: int | None = None
    household_id: int | None = None


@dataclass
class RowChecks:
    problems: list[Problem]
    rows_total: int
    candidates: list[_Row]
    # {context: {value: its blind indexes, active key version first}}, filled as the rows
    # are looked up in the registry and kept with the checks: the apply looks the same
    # values up again and writes the active indexes, and computing each HMAC-SM3 three
    # times was a tenth of importing a person.
    indexes: dict[str, dict[str, list[str]]] = field(default_factory=dict)


# The modules whose code decides what the row checks find: a kept RowChecks made by other
# code (an upgrade between the dry run and the apply) is not used.
_CHECKING_MODULES = (
    "tongxing.exchange.validation",
    "tongxing.exchange.reading",
    "tongxing.exchange.template",
    "tongxing.registry.actions",
    "tongxing.core.idnumbers",
    "tongxing.core.pinyin",
)


_KEY_PROBE = "tongxing import checks"  # a fixed value whose indexes name the index keys


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in _CHECKING_MODULES:
        digest.update(Path(sys.modules[name].__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


def _plain(value: Any) -> Any:
    """A cell value as marshal takes it: a date or an area becomes a tagged tuple (no
    checked value is a tuple), a choice its plain value."""
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool:
        return value
    if kind is dt.date:
        return ("d", value.toordinal())
    if isinstance(value, Area):
        return ("a", value.code)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    raise TypeError(f"cannot keep a {kind.__name__} from the row checks")


_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def _pack_column(values: list[Any]) -> tuple[str, list[Any]]:
    """One field of every kept row, tagged by how it is kept: plain values as they are,
    dates as day numbers, areas as codes, anything else value by value (:func:`_plain`)."""
    kinds = set(map(type, values))
    if kinds <= _PLAIN_TYPES:
        return "p", values
    if kinds <= {dt.date, type(None)}:
        return "d", [None if v is None else v.toordinal() for v in values]
    if kinds == {Area}:
        return "a", [v.code for v in values]
    return "x", [_plain(v) for v in values]


def _unpack_column(tag: str, values: list[Any], areas: dict[str, Area]) -> list[Any]:
    if tag == "p":
        return values
    if tag == "d":
        ordinal = dt.date.fromordinal
        return [None if v is None else ordinal(v) for v in values]
    if tag == "a":
        return [areas[v] for v in values]

    def value(v: Any) -> Any:
        if type(v) is not tuple:
            return v
        return dt.date.fromordinal(v[1]) if v[0] == "d" else areas[v[1]]

    return [value(v) for v in values]


def pack_checks(checks: RowChecks, key: str) -> bytes:
    """The checks as bytes (marshal: plain values only, so nothing executes on loading),
    field by field: a million rows kept row by row cost 8 µs each to pack and as much
    to read back."""
    rows = checks.candidates
    person_keys = list(rows[0].person) if rows else []
    certificate_keys = list(rows[0].certificate) if rows else []
    meta = [
        [r.index for r in rows],
        [r.row for r in rows],
        [r.head_id for r in rows],
        [_plain(r.relation) for r in rows],
        [r.valid_until_given for r in rows],
        [r.number_given for r in rows],
    ]
    body = (
        key,
        checks.rows_total,
        [(p.row, str(p.column), str(p.value), p.code, str(p.message)) for p in checks.problems],
        person_keys,
        certificate_keys,
        meta,
        [_pack_column([r.person[k] for r in rows]) for k in person_keys],
        [_pack_column([r.certificate[k] for r in rows]) for k in certificate_keys],
        [(context, list(known), list(known.values())) for context, known in checks.indexes.items()],
    )
    return marshal.dumps(body)


def unpack_checks(data: bytes, key: str, areas: dict[str, Area]) -> RowChecks | None:
    """What :func:`pack_checks` kept, or None when it was made under another key. The
    caller has checked the bytes against the digest kept in the database."""
    kept = marshal.loads(data)  # noqa: S302 - our own bytes, their SHA-256 checked first
    kept_key, rows_total, problems, person_keys, certificate_keys, meta, persons, certs, ix = kept
    if kept_key != key:
        return None
    persons = [_unpack_column(tag, values, areas) for tag, values in persons]
    certs = [_unpack_column(tag, values, areas) for tag, values in certs]
    fields = zip(
        zip(*meta, strict=True), zip(*persons, strict=True), zip(*certs, strict=True), strict=True
    )
    candidates = [
        _Row(
            index,
            row,
            dict(zip(person_keys, person, strict=True)),
            dict(zip(certificate_keys, cert, strict=True)),
            head_id,
            relation,
            valid_until_given=until_given,
            number_given=number_given,
        )
        for (
            index,
            row,
            head_id,
            relation,
            until_given,
            number_given,
        ), person, cert in fields
    ]
    indexes = {context: dict(zip(values, known, strict=True)) for context, values, known in ix}
    return RowChecks([Problem(*p) for p in problems], rows_total, candidates, indexes)


def _no_progress(done: int, total: int, message: str) -> None:
    return None


def file_problem(code: str, message: str, column: str = "") -> Problem:
    return Problem(None, column, "", code, message)


@lru_cache(maxsize=20_000)
def parse_date(text: str) -> dt.date | None:
    """A date as people and Excel write it: 2020-03-01, 2020/3/1, 2020年3月1日, 20200301,
    an Excel date cell ("2020-03-01 00:00:00") or an Excel day number (43891)."""
    if not text:
        return None
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise ValueError(text) from None
    serial = SERIAL_RE.match(text)
    if serial and 10_000 <= int(serial[1]) <= 80_000:  # 1927 to 2119
        return EXCEL_EPOCH + dt.timedelta(days=int(serial[1]))
    raise ValueError(text)


def stored_as_number(value: str, key: str) -> bool:
    """An identifier that fails its check and is exactly a double's value: what a number
    cell holds once Excel has rounded an 18- or 20-digit number to 15 significant digits
    (511902196005170014 becomes 511902196005170000). A typing mistake is a double by chance
    only once in 64 tries, and the message says "looks like"."""
    if not value.isdigit() or len(value) < 16:
        return False
    number = int(value)
    if int(float(number)) != number:
        return False
    try:
        if key == "certificate_number":
            parse_id_number(value[:18])
        else:
            parse_id_number(value)
    except ValidationError:
        return True
    return False


def _kinds(text: str) -> str:
    """多重 kinds as "2,3", from digits or words ("听力、言语"); raises KeyError."""
    parts = [p for p in KIND_SPLIT_RE.split(text) if p]
    return ",".join(str(int(CATEGORY_WORDS[p])) for p in parts)


class Validator:
    """Checks one sheet for ``actor``: their area bounds every row."""

    def __init__(self, actor: User, today: dt.date, progress: Progress | None = None):
        self.actor = actor
        self.today = today
        self.progress = progress or _no_progress
        self.scope = actor.area_id or "-"
        self.levels = dict(Area.objects.values_list("code", "level"))
        self.villages = {
            a.code: a
            for a in Area.objects.filter(code__startswith=self.scope, level=AreaLevel.VILLAGE)
        }
        self.outcome = Outcome()
        self.headers: dict[str, str] = {}  # key → header text in this file
        self.indexes: dict[str, dict[str, list[str]]] = {}  # see finish and RowChecks

    # --- helpers ---------------------------------------------------------------------

    def add(self, row: int | None, key: str, value: str, code: str, message: str) -> None:
        column = self.headers.get(key) or (BY_KEY[key].header if key in BY_KEY else key)
        shown = MASKS[key](value) if key in MASKS and value else value
        self.outcome.problems.append(Problem(row, column, (shown or "")[:200], code, message))

    def add_errors(self, row: int, cells: dict[str, str], errors: dict, skip: set[str]) -> None:
        for name, field_errors in errors.items():
            if name in skip:
                continue
            for error in field_errors:
                message = error.message % error.params if error.params else error.message
                self.add(row, name, cells.get(name, ""), error.code or "invalid", str(message))

    # --- the whole file ---------------------------------------------------------------

    def check_headers(self, sheet: Sheet) -> dict[str, int]:
        positions: dict[str, int] = {}
        letters = sheet.column_letters or [column_letter(i) for i in range(len(sheet.headers))]
        for i, header in enumerate(sheet.headers):
            name = normalise_header(header)
            if not name or name in IGNORED_HEADERS:
                continue
            key = HEADER_KEYS.get(name)
            if key is None:
                self.outcome.problems.append(
                    file_problem(
                        "unknown_column",
                        _("Column %(letter)s “%(header)s” is not in the template; it is ignored.")
                        % {"letter": letters[i], "header": header},
                        header,
                    )
                )
            elif key in positions:
                self.outcome.problems.append(
                    file_problem(
                        "duplicate_column",
                        _(
                            "The column “%(header)s” appears twice "
                            "(columns %(first)s and %(second)s)."
                        )
                        % {
                            "header": BY_KEY[key].header,
                            "first": letters[positions[key]],
                            "second": letters[i],
                        },
                        header,
                    )
                )
            else:
                positions[key] = i
                self.headers[key] = header
        for column in COLUMNS:
            if column.required and column.key not in positions:
                self.outcome.problems.append(
                    file_problem(
                        "missing_column",
                        _(
                            "The column “%(header)s” is missing. If it is there under another "
                            "name, rename its header to “%(header)s” as in the template."
                        )
                        % {"header": column.header},
                        column.header,
                    )
                )
        return positions

    def run(self, sheet: Sheet) -> Outcome:
        return self.finish(self.check_sheet(sheet))

    def check_sheet(self, sheet: Sheet) -> RowChecks:
        """Every check that needs only the file, the day and the officer's areas: what the
        dry run keeps (see :func:`pack_checks`) so that applying need not repeat it."""
        candidates = self._check_sheet(sheet)
        return RowChecks(list(self.outcome.problems), self.outcome.rows_total, candidates)

    def finish(self, checks: RowChecks) -> Outcome:
        """The checks against the registry as it is now, after :meth:`check_sheet`."""
        self.outcome.problems = list(checks.problems)
        self.outcome.rows_total = checks.rows_total
        self.indexes = checks.indexes
        try:
            if checks.candidates:
                self.check_against_registry(checks.candidates)
        finally:
            # The new persons hold their own indexes; the rest of the apply need not hold
            # two million of them (the dry run keeps them through ``checks``).
            self.indexes = {}
        return self.outcome

    def checks_key(self) -> str:
        """What a kept :class:`RowChecks` depends on besides the file: the checking code,
        the day, the officer's area, the areas known and the language of the messages."""
        areas = hashlib.sha256(
            "\n".join(f"{code} {level}" for code, level in sorted(self.levels.items())).encode()
        ).hexdigest()
        language = translation.get_language() or ""
        # The kept blind indexes hold only under the same index keys, active one first.
        keys = ",".join(index_values(_KEY_PROBE, RESIDENT_ID))
        return f"{_code_fingerprint()}|{self.today}|{self.scope}|{areas}|{language}|{keys}"

    def _check_sheet(self, sheet: Sheet) -> list[_Row]:
        positions = self.check_headers(sheet)
        if sheet.frame.height > MAX_ROWS:
            self.outcome.problems.append(
                file_problem(
                    "too_many_rows",
                    _("The file has %(rows)d rows; split it into files of at most %(max)d.")
                    % {"rows": sheet.frame.height, "max": MAX_ROWS},
                )
            )
        header_row = sheet.rows[0] - 1 if sheet.rows else 1
        for merged in sheet.merged:
            if merged.first_row <= header_row:
                self.outcome.problems.append(
                    file_problem(
                        "merged_cells",
                        _(
                            "The header cells %(ref)s are merged: give every column its own "
                            "header cell, as in the template."
                        )
                        % {"ref": merged.ref},
                    )
                )
        if self.outcome.file_problems:
            return []
        frame = self.normalised(sheet, positions)
        blank = frame.select(pl.all_horizontal(pl.all() == "")).to_series()
        self.outcome.rows_total = int((~blank).sum())
        if self.outcome.rows_total == 0:
            self.outcome.problems.append(
                file_problem("no_rows", _("The sheet has its headers but no rows to import."))
            )
            return []
        self.check_merged(sheet, positions)
        return self.check_rows(sheet, frame, blank, positions)

    def normalised(self, sheet: Sheet, positions: dict[str, int]) -> pl.DataFrame:
        columns = []
        for column in COLUMNS:
            if column.key not in positions:
                columns.append(pl.lit("").alias(column.key))
                continue
            cell = pl.col(f"c{positions[column.key]}").fill_null("")
            if column.key in CODE_KEYS:
                cell = cell.str.normalize("NFKC").str.replace_all(r"\s+", "").str.to_uppercase()
            else:
                cell = cell.str.strip_chars()
            columns.append(cell.alias(column.key))
        return sheet.frame.select(columns)

    def check_merged(self, sheet: Sheet, positions: dict[str, int]) -> None:
        keys_at = {i: key for key, i in positions.items()}
        first_row = sheet.rows[0] if sheet.rows else 2
        for merged in sheet.merged:
            key = next(
                (
                    keys_at[i]
                    for i in range(merged.first_column, merged.last_column + 1)
                    if i in keys_at
                ),
                None,
            )
            for row in range(max(merged.first_row, first_row), merged.last_row + 1):
                self.add(
                    row,
                    key or "",
                    "",
                    "merged_cells",
                    _("Cells %(ref)s are merged: unmerge them and fill in every cell.")
                    % {"ref": merged.ref},
                )

    # --- row by row -------------------------------------------------------------------

    def sure_rows(
        self, sheet: Sheet, frame: pl.DataFrame, blank: pl.Series
    ) -> tuple[pl.Series, list[_Row]]:
        """The rows that pass every row check, found with column expressions over the whole
        sheet, and their checked values exactly as :meth:`check_rows` makes them one by one.

        A million rows checked one at a time spent 34 µs each in Python; most files are
        mostly right, and a right row needs no message. Any row in doubt (a household
        member, a guardian's ID number, a 多重 certificate, a control character on which
        Python's and polars' idea of a space differ) is left to the row-by-row checks,
        which find and word its problems. Returns the mask of the sure rows and their rows.
        """
        c = pl.col
        number = c("id_number")
        year = number.str.slice(6, 4).cast(pl.Int32, strict=False).clip(1, 9999)
        month = number.str.slice(10, 2).cast(pl.Int32, strict=False)
        day = number.str.slice(12, 2).cast(pl.Int32, strict=False)
        last_day = pl.date(year, month.clip(1, 12), 1).dt.month_end().dt.day().cast(pl.Int32)
        birth = pl.date(year, month.clip(1, 12), day.clip(1, last_day))
        weighted = pl.sum_horizontal(
            number.str.slice(i, 1).cast(pl.Int32, strict=False) * weight
            for i, weight in enumerate(WEIGHTS)
        )
        expected = (weighted % 11).replace_strict(
            dict(enumerate(CHECK_CHARS)), return_dtype=pl.String
        )
        resident = (
            number.str.contains(r"^[0-9]{17}[0-9X]$")
            & month.is_between(1, 12)
            & day.is_between(1, last_day)
            & (birth >= EARLIEST_BIRTH)
            & (birth <= self.today)
            & (number.str.slice(17, 1) == expected)
        )
        category = c("category").replace_strict(
            {word: int(value) for word, value in CATEGORY_WORDS.items()},
            default=None,
            return_dtype=pl.Int64,
        )
        grade = c("grade").replace_strict(GRADE_WORDS, default=None, return_dtype=pl.Int64)
        hukou = c("hukou_type").replace_strict(
            {word: str(value.value) for word, value in HUKOU_WORDS.items()},
            default=None,
            return_dtype=pl.String,
        )
        heads = ["", *(word for word, value in RELATION_WORDS.items() if value == Relation.HEAD)]
        derived = pl.concat_str(number, category.cast(pl.String), grade.cast(pl.String))
        given = c("certificate_number")
        reissued = (given.str.slice(0, 20) == derived) & given.str.slice(20).str.contains(
            r"^B[1-9][0-9]{0,8}$"
        )
        reissue = (
            pl.when(given.str.len_chars() > 20)
            .then(given.str.slice(21).cast(pl.Int64, strict=False))
            .otherwise(0)
        )
        # Dates and names repeat: each distinct one is parsed (or spelt) once, in Python,
        # by the same functions as the row checks.
        issued, until = self._date_pairs(frame)
        pair = pl.concat_str(c("issue_date"), c("valid_until"), separator="\x00")
        issue_date = pair.replace_strict(issued, default=None, return_dtype=pl.Date)
        valid_until = pair.replace_strict(until, default=None, return_dtype=pl.Date)
        spelt = {name: pinyin_keys(name) for name in frame["name"].unique().to_list() if name}
        sure = (
            ~pl.lit(blank)
            & resident
            & (c("name") != "")
            & hukou.is_not_null()
            & c("area").is_in(list(self.villages))
            & category.is_not_null()
            & (category != int(Category.MULTIPLE))
            & (c("multiple_detail") == "")
            & grade.is_not_null()
            & (c("guardian_id_number") == "")
            & (c("household_head_id_number") == "")
            & c("relation_to_head").is_in(heads)
            & ((given == "") | (given == derived) | reissued)
            & reissue.is_not_null()
            & issue_date.is_not_null()
            & (issue_date >= birth)
            & (issue_date <= self.today)
            & ~pl.any_horizontal(pl.col(pl.String).str.contains(r"[\x00\x1c-\x1f]"))
        ).fill_null(False)
        values = [
            c("index"),
            number,
            birth,
            pl.when(number.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1)
            .then(pl.lit("M"))
            .otherwise(pl.lit("F")),
            c("name"),
            c("name").replace_strict(
                {n: keys[0] for n, keys in spelt.items()}, default="", return_dtype=pl.String
            ),
            c("name").replace_strict(
                {n: keys[1] for n, keys in spelt.items()}, default="", return_dtype=pl.String
            ),
            pl.when(c("ethnicity") == "").then(pl.lit("汉族")).otherwise(c("ethnicity")),
            hukou,
            c("area"),
            c("address"),
            c("phone"),
            c("guardian_name"),
            c("guardian_phone"),
            c("guardian_relation"),
            pl.when(given == "").then(derived).otherwise(given),
            category,
            grade,
            issue_date,
            valid_until,
            reissue,
            c("valid_until") != "",
            given != "",
        ]
        checked = frame.with_row_index("index").select(
            sure.alias("sure"), *(value.alias(f"v{i}") for i, value in enumerate(values))
        )
        mask = checked["sure"]
        columns = [s.to_list() for s in checked.filter(mask).iter_columns()][1:]
        villages, rows, head = self.villages, sheet.rows, Relation.HEAD
        return mask, [
            _Row(
                index,
                rows[index],
                {
                    "id_number": id_number,
                    "birth_date": birth_date,
                    "sex": sex,
                    "name": name,
                    "name_pinyin": name_pinyin,
                    "name_initials": name_initials,
                    "ethnicity": ethnicity,
                    "hukou_type": hukou_type,
                    "area": villages[area],
                    "address": address,
                    "phone": phone,
                    "guardian_name": guardian_name,
                    "guardian_id_number": "",
                    "guardian_phone": guardian_phone,
                    "guardian_relation": guardian_relation,
                },
                {
                    "number": certificate_number,
                    "category": category_value,
                    "grade": grade_value,
                    "multiple_detail": "",
                    "issue_date": issued_on,
                    "valid_until": valid_to,
                    "reissue_count": reissue_count,
                },
                "",
                head,
                valid_until_given=until_given,
                number_given=number_given,
            )
            for (
                index,
                id_number,
                birth_date,
                sex,
                name,
                name_pinyin,
                name_initials,
                ethnicity,
                hukou_type,
                area,
                address,
                phone,
                guardian_name,
                guardian_phone,
                guardian_relation,
                certificate_number,
                category_value,
                grade_value,
                issued_on,
                valid_to,
                reissue_count,
                until_given,
                number_given,
            ) in zip(*columns, strict=True)
        ]

    @staticmethod
    def _date_pairs(frame: pl.DataFrame) -> tuple[dict[str, dt.date], dict[str, dt.date]]:
        """For each distinct (issue date, valid-until) pair of cells that the row checks
        accept, keyed by the two texts joined with NUL: the issue date and the date the
        certificate is valid until (given, or ten years on)."""
        issued: dict[str, dt.date] = {}
        until: dict[str, dt.date] = {}
        for issue_text, until_text in frame.select("issue_date", "valid_until").unique().rows():
            try:
                issue, given_until = parse_date(issue_text), parse_date(until_text)
            except ValueError:
                continue
            if issue is None:
                continue
            last = given_until or add_years(issue, CERTIFICATE_TERM_YEARS)
            if last > issue:
                key = f"{issue_text}\x00{until_text}"
                issued[key], until[key] = issue, last
        return issued, until

    def check_rows(
        self, sheet: Sheet, frame: pl.DataFrame, blank: pl.Series, positions: dict[str, int]
    ) -> list[_Row]:
        keys = [column.key for column in COLUMNS]
        placeholder = Area(code="", level=AreaLevel.VILLAGE)
        total = frame.height
        self.progress(0, total, _("Checking rows"))
        sure, candidates = self.sure_rows(sheet, frame, blank)
        doubtful = ~sure & ~blank
        indexes = doubtful.arg_true().to_list()
        for done, (index, values) in enumerate(
            zip(indexes, frame.filter(doubtful).iter_rows(), strict=True)
        ):
            if done % PROGRESS_EVERY == 0:
                self.progress(index, total, _("Checking rows"))
            row = sheet.rows[index]
            cells = dict(zip(keys, values, strict=True))
            flagged: set[str] = set()

            def fail(
                key: str,
                code: str,
                message: Any,
                row: int = row,
                cells: dict[str, str] = cells,
                flagged: set[str] = flagged,
            ) -> None:
                flagged.add(key)
                self.add(row, key, cells[key], code, str(message))

            for key in NUMBER_KEYS:
                value = cells[key]
                if not value:
                    continue
                if stored_as_number(value, key):
                    fail(
                        key,
                        "id_stored_as_number",
                        _(
                            "This looks like a number Excel stored as a number, which keeps "
                            "only 15 digits and drops an X: format the column as text and type "
                            "the number again."
                        ),
                    )
                elif SCIENTIFIC_RE.match(value):
                    fail(
                        key,
                        "id_scientific",
                        _(
                            "The number is in scientific notation (%(value)s), so its last "
                            "digits are lost: format the column as text and type it again."
                        )
                        % {"value": value},
                    )
                elif (
                    key != "certificate_number"
                    and len(value) == 17
                    and value.isdigit()
                    and check_character(value) == "X"
                ):
                    fail(
                        key,
                        "id_missing_x",
                        _(
                            "The ID number has 17 digits and its last character would be "
                            "X: the X was lost, often because the cell held a number."
                        ),
                    )
            for column in COLUMNS:
                if column.required and not cells[column.key] and column.key not in flagged:
                    fail(
                        column.key,
                        "required",
                        _("%(column)s is required.") % {"column": column.header},
                    )
            hukou = HUKOU_WORDS.get(cells["hukou_type"])
            if hukou is None and cells["hukou_type"]:
                fail("hukou_type", "bad_choice", _("Write 城镇 or 农村."))
            category = CATEGORY_WORDS.get(cells["category"])
            if category is None and cells["category"]:
                fail("category", "bad_choice", _("Write a category 1–7 or its name, e.g. 肢体."))
            grade = GRADE_WORDS.get(cells["grade"])
            if grade is None and cells["grade"]:
                fail("grade", "bad_choice", _("Write a grade 1–4 or 一级 to 四级."))
            detail = ""
            if cells["multiple_detail"]:
                try:
                    detail = _kinds(cells["multiple_detail"])
                except (KeyError, ValueError):
                    fail(
                        "multiple_detail",
                        "bad_choice",
                        _("List the kinds as digits 1–6 or names, e.g. 听力、言语."),
                    )
            dates: dict[str, dt.date | None] = {}
            for key in ("issue_date", "valid_until"):
                try:
                    dates[key] = parse_date(cells[key])
                except ValueError:
                    dates[key] = None
                    fail(
                        key,
                        "bad_date",
                        _("“%(value)s” is not a date; write it as 2020-03-01.")
                        % {"value": cells[key]},
                    )
            relation = ""
            if cells["relation_to_head"]:
                relation = RELATION_WORDS.get(cells["relation_to_head"], "")
                if not relation:
                    fail(
                        "relation_to_head",
                        "bad_choice",
                        _("Write 配偶, 子女, 父母, 孙子女, 兄弟姐妹 or 其他."),
                    )
            area = self.area(row, cells["area"], fail) if cells["area"] else None
            head_id = cells["household_head_id_number"]
            person, errors = check_person_fields(
                PersonData(
                    id_number=cells["id_number"],
                    name=cells["name"],
                    hukou_type=hukou or "",
                    area=area or placeholder,
                    ethnicity=cells["ethnicity"],
                    address=cells["address"],
                    phone=cells["phone"],
                    guardian_name=cells["guardian_name"],
                    guardian_id_number=cells["guardian_id_number"],
                    guardian_phone=cells["guardian_phone"],
                    guardian_relation=cells["guardian_relation"],
                ),
                self.today,
            )
            self.add_errors(row, cells, errors, (flagged | {"area"}) if area is None else flagged)
            if head_id and "household_head_id_number" not in flagged:
                self.check_head_id(row, cells, head_id, fail)
            certificate: dict[str, Any] = {}
            if person and category and grade and dates["issue_date"]:
                certificate, errors = check_certificate_fields(
                    CertificateData(
                        category=int(category),
                        grade=grade,
                        issue_date=dates["issue_date"],
                        valid_until=dates["valid_until"],
                        multiple_detail=detail,
                        number=cells["certificate_number"]
                        if "certificate_number" not in flagged
                        else "",
                    ),
                    person["id_number"],
                    person["birth_date"],
                    self.today,
                )
                self.add_errors(row, cells, errors, flagged)
            elif category == Category.MULTIPLE and not detail and "multiple_detail" not in flagged:
                pass  # reported by the certificate check once the rest of the row is right
            if flagged or not person or not certificate:
                continue
            if head_id == person["id_number"]:
                head_id = ""
            if not head_id and relation and relation != Relation.HEAD:
                fail(
                    "relation_to_head",
                    "relation_without_head",
                    _("A relation is given but no head of household: fill in 户主身份证号."),
                )
                continue
            if head_id and (not relation or relation == Relation.HEAD):
                fail(
                    "relation_to_head",
                    "relation_required",
                    _("Say how the person is related to the head of household."),
                )
                continue
            if not head_id:
                relation = Relation.HEAD
            candidates.append(
                _Row(
                    index,
                    row,
                    person,
                    certificate,
                    head_id,
                    relation,
                    valid_until_given=bool(cells["valid_until"]),
                    number_given=bool(cells["certificate_number"]),
                )
            )
        self.progress(total, total, _("Checking rows"))
        candidates.sort(key=attrgetter("index"))  # two runs in row order: a merge
        bad = self.outcome.bad_rows
        return [c for c in candidates if c.row not in bad]

    def area(self, row: int, code: str, fail: Callable[..., None]) -> Area | None:
        village = self.villages.get(code)
        if village is not None:
            return village
        level = self.levels.get(code)
        if level is None:
            fail(
                "area",
                "area_unknown",
                _("No village or community has the code %(code)s.") % {"code": code},
            )
        elif level != AreaLevel.VILLAGE:
            fail(
                "area",
                "area_not_village",
                _("%(code)s is a %(level)s; give the 12-digit code of the village or community.")
                % {"code": code, "level": AreaLevel(level).label},
            )
        else:
            fail(
                "area",
                "area_outside",
                _("%(code)s is outside your area; you can import only into your own area.")
                % {"code": code},
            )
        return None

    def check_head_id(self, row: int, cells: dict, head_id: str, fail: Callable[..., None]) -> None:
        try:
            parse_id_number(head_id, today=self.today)
        except ValidationError as error:
            fail("household_head_id_number", error.code or "invalid", error.messages[0])

    # --- against the registry ---------------------------------------------------------

    def check_against_registry(self, candidates: list[_Row]) -> None:
        self.progress(0, len(candidates), _("Comparing with the registry"))
        by_id: dict[str, list[_Row]] = defaultdict(list)
        for candidate in candidates:
            by_id[candidate.person["id_number"]].append(candidate)
        for id_number, group in by_id.items():
            if len(group) > 1:
                rows = [c.row for c in group]
                for candidate in group:
                    others = "、".join(str(r) for r in rows if r != candidate.row)
                    self.add(
                        candidate.row,
                        "id_number",
                        id_number,
                        "duplicate_in_file",
                        _("The same ID number is also on row %(rows)s.") % {"rows": others},
                    )
        bad = self.outcome.bad_rows
        candidates = [c for c in candidates if c.row not in bad]
        wanted = {c.person["id_number"]: c for c in candidates}
        registered = _lookup(
            Person,
            "id_number_index",
            ("pk", "area_id", "household_id"),
            wanted,
            RESIDENT_ID,
            self.indexes,
        )
        for id_number, (pk, area_code, household) in registered.items():
            candidate = wanted[id_number]
            if not area_code.startswith(self.scope):
                self.add(
                    candidate.row,
                    "id_number",
                    id_number,
                    "registered_outside",
                    _(
                        "This person is registered outside your area; ask the area they are "
                        "registered in, or the city federation."
                    ),
                )
            candidate.existing = (pk, area_code, household)
        wanted = {c.certificate["number"]: c for c in candidates}
        clashes = _lookup(
            DisabilityCertificate,
            "number_index",
            ("person_id",),
            wanted,
            CERTIFICATE_NUMBER,
            self.indexes,
        )
        for number, (person_id,) in clashes.items():
            candidate = wanted[number]
            if candidate.existing is None or candidate.existing[0] != person_id:
                self.add(
                    candidate.row,
                    "certificate_number",
                    number,
                    "duplicate_certificate",
                    str(DUPLICATE_CERTIFICATE),
                )
        self.resolve_households(candidates)
        bad = self.outcome.bad_rows
        self.compare(c for c in candidates if c.row not in bad and c.existing)
        bad = self.outcome.bad_rows
        id_indexes, number_indexes = self.indexes[RESIDENT_ID], self.indexes[CERTIFICATE_NUMBER]
        for c in candidates:
            if c.row in bad or c.existing:
                continue
            self.outcome.new.append(
                ImportedPerson(
                    row=c.row,
                    person=c.person,
                    certificate=c.certificate,
                    relation_to_head=c.relation,
                    head_row=c.head_row,
                    household_id=c.household_id,
                    id_number_index=id_indexes[c.person["id_number"]][0],
                    number_index=number_indexes[c.certificate["number"]][0],
                )
            )
        self.outcome.changes = [c for c in self.outcome.changes if c.row not in bad]

    def resolve_households(self, candidates: list[_Row]) -> None:
        heads_in_file = {c.person["id_number"]: c for c in candidates if not c.head_id}
        members = [c for c in candidates if c.head_id]
        for c in candidates:
            c.head_row = None
            c.household_id = None
        wanted = {c.head_id: c for c in members if c.head_id not in heads_in_file}
        registered = _lookup(
            Person,
            "id_number_index",
            ("area_id", "household_id"),
            wanted,
            RESIDENT_ID,
            self.indexes,
        )
        bad = self.outcome.bad_rows
        all_ids = {c.person["id_number"] for c in candidates}
        for c in members:
            head = heads_in_file.get(c.head_id)
            household = None
            if head is not None:
                if head.row in bad:
                    self.add(
                        c.row,
                        "household_head_id_number",
                        c.head_id,
                        "head_has_problems",
                        _("The head of household's row %(row)d has problems; fix it first.")
                        % {"row": head.row},
                    )
                    continue
                if head.existing:
                    household = head.existing[2]
                else:
                    c.head_row = head.row
            elif c.head_id in registered and registered[c.head_id][0].startswith(self.scope):
                household = registered[c.head_id][1]
            elif c.head_id in all_ids:
                self.add(
                    c.row,
                    "household_head_id_number",
                    c.head_id,
                    "head_is_member",
                    _("That person is listed as a member of another household in this file."),
                )
                continue
            else:
                self.add(
                    c.row,
                    "household_head_id_number",
                    c.head_id,
                    "head_not_found",
                    _("No head of household with this ID number in the file or in your area."),
                )
                continue
            if c.existing and household != c.existing[2]:
                self.add(
                    c.row,
                    "household_head_id_number",
                    c.head_id,
                    "household_differs",
                    _(
                        "The person is registered in another household; household changes "
                        "are not made by import."
                    ),
                )
                continue
            c.household_id = household
            if household is None and c.head_row is None:
                self.add(
                    c.row,
                    "household_head_id_number",
                    c.head_id,
                    "head_not_found",
                    _("No head of household with this ID number in the file or in your area."),
                )

    def compare(self, candidates: Iterable[_Row]) -> None:
        """Registered persons: the fields that differ become a change; certificates must
        agree, as their changes are life events with rules of their own."""
        candidates = list(candidates)
        for start in range(0, len(candidates), CHUNK):
            chunk = candidates[start : start + CHUNK]
            persons = Person.objects.select_related("certificate", "area").in_bulk(
                [c.existing[0] for c in chunk]
            )
            for c in chunk:
                person = persons[c.existing[0]]
                values = {}
                for name in UPDATABLE:
                    new = c.person[name]
                    if new in ("", None) and name not in ("name", "hukou_type", "area"):
                        continue  # an empty optional cell leaves the registered value
                    old = getattr(person, name)
                    if new != old:
                        values[name] = new
                if "name" in values:
                    values["name_pinyin"] = c.person["name_pinyin"]
                    values["name_initials"] = c.person["name_initials"]
                certificate = getattr(person, "certificate", None)
                differs = self.certificate_differences(c, certificate)
                if differs:
                    self.add(
                        c.row,
                        differs[0],
                        str(c.certificate.get(differs[0], "")),
                        "certificate_differs",
                        _(
                            "%(column)s differs from the registry (%(old)s): record a "
                            "re-assessment, renewal or reissue on the person's page."
                        )
                        % {"column": BY_KEY[differs[0]].header, "old": differs[1]},
                    )
                    continue
                if values:
                    self.outcome.changes.append(PersonChange(c.row, person, values))
                else:
                    self.outcome.unchanged += 1
            self.progress(start + len(chunk), len(candidates), _("Comparing with the registry"))

    def certificate_differences(self, c: _Row, certificate: Any) -> tuple[str, Any] | None:
        if certificate is None:
            return ("category", "—")
        given = c.certificate
        checks = [
            ("category", certificate.category),
            ("grade", certificate.grade),
            ("multiple_detail", certificate.multiple_detail),
            ("issue_date", certificate.issue_date),
        ]
        for key, old in checks:
            if given[key] != old:
                return (key, old)
        if c.valid_until_given and given["valid_until"] != certificate.valid_until:
            return ("valid_until", certificate.valid_until)
        if c.number_given and given["number"] != certificate.number:
            return ("certificate_number", mask_certificate_number(certificate.number))
        return None


def _lookup(
    model: type[models.Model],
    index_field: str,
    columns: tuple[str, ...],
    wanted: dict[str, Any],
    context: str,
    indexes: dict[str, dict[str, list[str]]],
) -> dict[str, tuple]:
    """``{value: columns}`` of the rows whose blind index matches a wanted value, looked
    up in chunks under every key version held; a value's indexes are taken from
    ``indexes[context]`` if there and added to it if not.

    Plain SQL on plain columns: building the ORM's IN lookup prepared every one of the
    2,000 values of each chunk again, a third of the look-up's time.
    """
    by_index: dict[str, str] = {}
    known = indexes.setdefault(context, {})
    for value in wanted:
        values = known.get(value)
        if values is None:
            values = known[value] = index_values(value, context)
        for index in values:
            by_index[index] = value
    meta, quote = model._meta, connection.ops.quote_name
    names = [
        quote(meta.pk.column if name == "pk" else meta.get_field(name).column)
        for name in (index_field, *columns)
    ]
    # Only the model's own quoted names are formatted in; the values are parameters.
    select = f"SELECT {', '.join(names)} FROM {quote(meta.db_table)} WHERE {names[0]} IN "  # noqa: S608
    found: dict[str, tuple] = {}
    indexes = list(by_index)
    with connection.cursor() as cursor:
        for start in range(0, len(indexes), CHUNK):
            chunk = indexes[start : start + CHUNK]
            cursor.execute(select + f"({', '.join(['%s'] * len(chunk))})", chunk)
            for index, *rest in cursor.fetchall():
                found[by_index[index]] = tuple(rest)
    return found
