"""Reading an uploaded registry file into a table of text cells, whatever it really is.

The file's first bytes decide how it is read, never its name: a renamed Word file or an
old .xls is refused with its reason. .xlsx goes through fastexcel (calamine), every cell
as text (a number cell reads as its digits, which the checks recognise). Merged cells come from the
sheet's XML, which fastexcel does not expose. CSV is UTF-8 (with or without a BOM) or,
failing that, GB18030, the superset of GBK that Chinese Excel writes.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import polars as pl
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, .et of the 1997–2003 formats
BINARY_MARKERS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"\x1f\x8b", b"7z")
MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")
MAX_ROWS = 1_100_000


class FileRejected(Exception):
    """The file as a whole cannot be read; ``code`` names the reason for the counts."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MergedRange:
    ref: str
    first_row: int
    last_row: int
    first_column: int  # 0-based sheet column
    last_column: int


@dataclass
class Sheet:
    """The cells as text. ``frame`` has one column per header position (``c0``, ``c1``…),
    the header row excluded; ``rows[i]`` is the sheet row number of data row ``i``."""

    headers: list[str]
    frame: pl.DataFrame
    rows: list[int]
    file_format: str
    encoding: str = ""
    column_letters: list[str] = field(default_factory=list)
    merged: list[MergedRange] = field(default_factory=list)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def read_sheet(path: Path) -> Sheet:
    """The first sheet of an .xlsx, or a CSV. Raises :class:`FileRejected`."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise FileRejected("empty_file", _("The file is empty."))
    if head.startswith(OLE_MAGIC):
        raise FileRejected(
            "old_excel",
            _(
                "This is an old Excel (.xls) or Word file. Open it in Excel or WPS and "
                "save it as .xlsx (Excel workbook), then upload that."
            ),
        )
    if head.startswith(XLSX_MAGIC):
        return _read_xlsx(path)
    if head.startswith(BINARY_MARKERS) or b"\x00" in _sample(path):
        raise FileRejected(
            "not_a_table",
            _("This file is not a spreadsheet. Upload the .xlsx template or a .csv file."),
        )
    return _read_csv(path)


def _sample(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4096)


def _read_xlsx(path: Path) -> Sheet:
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception:  # calamine says "zip error", "invalid file"…: all mean not .xlsx
        raise FileRejected(
            "not_xlsx",
            _(
                "This file is not an Excel workbook (.xlsx), though it may be named like "
                "one. Save it from Excel or WPS as .xlsx and upload it again."
            ),
        ) from None
    if not reader.sheet_names:
        raise FileRejected("no_sheet", _("The workbook has no sheet."))
    try:
        # skip_rows=0 keeps blank rows above the header, so row i is sheet row i + 1.
        sheet = reader.load_sheet(0, header_row=None, dtypes="string", skip_rows=0)
        frame = sheet.to_polars()
    except fastexcel.FastExcelError as error:
        raise FileRejected(
            "unreadable_sheet",
            _("The first sheet cannot be read: %(reason)s") % {"reason": str(error)[:200]},
        ) from None
    columns = sheet.selected_columns
    letters = [column_letter(c.absolute_index) for c in columns]
    first_column = columns[0].absolute_index if columns else 0
    if frame.height == 0 or frame.width == 0:
        raise FileRejected("no_rows", _("The first sheet is empty."))
    # The header is the first row with any text in it.
    non_empty = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    header_at = non_empty.arg_true()
    if header_at.len() == 0:
        raise FileRejected("no_rows", _("The first sheet is empty."))
    header_index = int(header_at[0])
    headers = [("" if v is None else str(v)) for v in frame.row(header_index)]
    data = frame.slice(header_index + 1)
    data.columns = [f"c{i}" for i in range(data.width)]
    first_row = header_index + 2
    merged = [
        r
        for r in _merged_ranges(path)
        if r.last_column >= first_column and r.last_row >= header_index + 1
    ]
    return Sheet(
        headers=headers,
        frame=data,
        rows=list(range(first_row, first_row + data.height)),
        file_format="xlsx",
        column_letters=letters,
        merged=[
            MergedRange(
                r.ref,
                r.first_row,
                r.last_row,
                r.first_column - first_column,
                r.last_column - first_column,
            )
            for r in merged
        ],
    )


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    namespaces = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
        first = workbook.find("m:sheets/m:sheet", namespaces)
        rel_id = first.get(f"{{{namespaces['r']}}}id") if first is not None else None
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
        for rel in rels.findall("p:Relationship", namespaces):
            if rel.get("Id") == rel_id:
                target = rel.get("Target", "").lstrip("/")
                return target if target.startswith("xl/") else f"xl/{target}"
    except (KeyError, ElementTree.ParseError):
        pass
    return "xl/worksheets/sheet1.xml"


def _merged_ranges(path: Path) -> list[MergedRange]:
    """Merged ranges of the first sheet, from its XML (they follow the cell data)."""
    ranges = []
    try:
        with zipfile.ZipFile(path) as archive:
            part = _first_sheet_part(archive)
            with archive.open(part) as stream:
                for chunk in _chunks_with_overlap(stream):
                    # Every match holds "mergeCell"; the byte search skips the cell data
                    # ten times faster than the regex, which stops at every "<".
                    if b"mergeCell" not in chunk:
                        continue
                    for match in MERGE_RE.finditer(chunk):
                        c1, r1, c2, r2 = match.groups()
                        c2, r2 = c2 or c1, r2 or r1
                        ref = f"{c1.decode()}{r1.decode()}:{c2.decode()}{r2.decode()}"
                        ranges.append(
                            MergedRange(
                                ref,
                                int(r1),
                                int(r2),
                                _column_index(c1.decode()),
                                _column_index(c2.decode()),
                            )
                        )
    except (KeyError, zipfile.BadZipFile):
        return []
    return list(dict.fromkeys(ranges))


def _chunks_with_overlap(stream: io.BufferedIOBase, size: int = 1 << 20) -> Iterator[bytes]:
    tail = b""
    while chunk := stream.read(size):
        data = tail + chunk
        yield data
        tail = data[-200:]


def _read_csv(path: Path) -> Sheet:
    raw = path.read_bytes()
    if raw.startswith(codecs.BOM_UTF8):
        text, encoding = raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    else:
        try:
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                raise FileRejected(
                    "unknown_encoding",
                    _("The CSV file is neither UTF-8 nor GBK text. Save it as CSV (UTF-8)."),
                ) from None
    if not text.strip():
        raise FileRejected("empty_file", _("The file is empty."))
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            has_header=False,
            infer_schema=False,
            quote_char='"',
        )
    except pl.exceptions.PolarsError as error:
        raise FileRejected(
            "bad_csv",
            _("The CSV file cannot be read: %(reason)s") % {"reason": str(error).splitlines()[0]},
        ) from None
    headers = [("" if v is None else str(v)) for v in frame.row(0)]
    data = frame.slice(1)
    data.columns = [f"c{i}" for i in range(data.width)]
    return Sheet(
        headers=headers,
        frame=data,
        rows=list(range(2, 2 + data.height)),
        file_format="csv",
        encoding=encoding,
        column_letters=[column_letter(i) for i in range(len(headers))],
    )
