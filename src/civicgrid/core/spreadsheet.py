"""Spreadsheets in and out, safely: every .xlsx/.csv the platform writes and every .xlsx it reads.

Out (``safe_cell``, ``workbook``, ``write_xlsx``, ``write_csv``): a stored text may hold
characters that XML 1.0 forbids (``\\x07``: openpyxl refuses the whole file) or start like a
formula (``=HYPERLINK("http://…?"&C2)``: live in Excel or WPS, and in any CSV saved from the
workbook). Each text cell is cleaned the same way: characters illegal in XML dropped, and a
cell starting with ``= + - @``, a tab or a carriage return (or their full-width forms) is
prefixed with an apostrophe, as the OWASP CSV-injection guidance asks. Numbers and dates stay
numbers and dates. Rows already stored with such characters export fine.

In (``read_xlsx_rows``): an .xlsx is a zip of XML whose ``<dimension>`` tag says how big the
sheet is — a 5 KB file can claim A1:XFD1048576, and openpyxl's own row iterator pads every
missing row and column up to it. Here the archive's sizes are checked before anything is read
(members, uncompressed bytes of the sheet and the shared strings), the dimension tag is never
used, and the sheet is parsed cell by cell: the first cell beyond the row or column limit stops
the read with a message naming it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import iterparse

from django.conf import settings
from django.utils.translation import gettext as _

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates and U+FFFE/U+FFFF.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# OWASP: a cell starting with one of these is read as a formula by some spreadsheet program.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
CELL_MAX_CHARS = 32_767  # Excel's limit for one cell


def safe_text(text: str) -> str:
    """Text fit for a spreadsheet cell: no XML-illegal characters, no formula start."""
    text = _ILLEGAL_XML.sub("", text)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text[:CELL_MAX_CHARS]


def safe_cell(value):
    """A cell value as it may be written: numbers, dates and None as they are, text cleaned."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if hasattr(value, "isoformat"):  # date, datetime, time
        return value
    return safe_text(str(value))  # str, lazy translations, anything else as its text


def safe_row(row: Iterable) -> list:
    return [safe_cell(v) for v in row]


class SafeSheet:
    """A write-only sheet whose ``append`` cleans every cell."""

    def __init__(self, sheet):
        self._sheet = sheet

    def append(self, row: Iterable) -> None:
        self._sheet.append(safe_row(row))


class SafeWorkbook:
    """openpyxl's write-only workbook with cleaned cells: ``create_sheet``, ``append``, ``save``."""

    def __init__(self):
        from openpyxl import Workbook

        self._book = Workbook(write_only=True)

    def create_sheet(self, title: str) -> SafeSheet:
        # sheet titles may not hold []:*?/\ and have at most 31 characters
        return SafeSheet(self._book.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "_", safe_text(str(title)))[:31]))

    def save(self, target) -> None:
        self._book.save(target)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def workbook() -> SafeWorkbook:
    return SafeWorkbook()


def write_xlsx(header: list, rows: Iterable[Iterable], *, title: str = "export") -> bytes:
    """One sheet: a header row, then the rows (streamed, openpyxl's write-only mode)."""
    book = workbook()
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
    return book.to_bytes()


def write_csv(header: list, rows: Iterable[Iterable]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel in China reads it), cells cleaned like the .xlsx."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(["" if v is None else v for v in safe_row(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- reading ------------------------------------------------------------------------------------
class SpreadsheetError(ValueError):
    """The workbook cannot be read within the limits; the message says which limit, for the user."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_rows() -> int:
    return _limit("CIVICGRID_IMPORT_MAX_ROWS", 200_000)


def max_columns() -> int:
    return _limit("CIVICGRID_SPREADSHEET_MAX_COLUMNS", 100)


def max_xml_bytes() -> int:
    """Uncompressed size of one sheet's XML (≈ 400 bytes per row of a 13-column ledger)."""
    return _limit("CIVICGRID_SPREADSHEET_MAX_XML_BYTES", 256 * 1024 * 1024)


def max_shared_strings_bytes() -> int:
    """openpyxl keeps every shared string in memory, so they are capped on their own."""
    return _limit("CIVICGRID_SPREADSHEET_MAX_SHARED_STRINGS_BYTES", 64 * 1024 * 1024)


MAX_MEMBERS = 1_000


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_archive(data: bytes) -> zipfile.ZipFile:
    """The zip's directory, checked before anything is decompressed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SpreadsheetError(_("The file is not a readable .xlsx workbook (%(e)s).") % {"e": type(exc).__name__})
    if len(members) > MAX_MEMBERS:
        raise SpreadsheetError(_("The workbook has more than %(n)s parts; save it again as a plain .xlsx.")
                               % {"n": MAX_MEMBERS})
    total = 0
    for info in members:
        name = info.filename.lower()
        total += info.file_size
        if name.endswith("sharedstrings.xml") and info.file_size > max_shared_strings_bytes():
            raise SpreadsheetError(_("The workbook's texts take more than %(n)s MB uncompressed; split the file.")
                                   % {"n": max_shared_strings_bytes() // 1048576})
        if name.startswith("xl/worksheets/") and info.file_size > max_xml_bytes():
            raise SpreadsheetError(_("A sheet of the workbook takes more than %(n)s MB uncompressed; split the file.")
                                   % {"n": max_xml_bytes() // 1048576})
    if total > max_xml_bytes() + max_shared_strings_bytes() + 16 * 1048576:
        raise SpreadsheetError(_("The workbook takes more than %(n)s MB uncompressed; split the file.")
                               % {"n": (max_xml_bytes() + max_shared_strings_bytes()) // 1048576})
    return archive


def read_xlsx_rows(data: bytes, *, row_limit: int | None = None, column_limit: int | None = None
                   ) -> Iterator[tuple[int, list]]:
    """(row number, [cell values]) of the first sheet, in file order, for rows that have cells.

    Values are as openpyxl reads them with ``data_only`` (text, numbers, dates). A cell beyond
    ``row_limit`` (+1 for the header) or ``column_limit`` raises ``SpreadsheetError`` at once,
    naming the cell; the ``<dimension>`` tag is ignored.
    """
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser

    row_limit = (row_limit or max_rows()) + 1  # the header
    column_limit = column_limit or max_columns()
    _check_archive(data).close()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise SpreadsheetError(_("The file is not a readable .xlsx workbook (%(e)s).") % {"e": type(exc).__name__})
    try:
        parser = WorkSheetParser(None, sheet._shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        with sheet._get_source() as source:
            yield from _parse(source, parser, row_limit, column_limit, CELL_TAG, ROW_TAG)
    finally:
        book.close()


def _parse(source, parser, row_limit: int, column_limit: int, cell_tag: str, row_tag: str):
    row_number = 0
    cells: dict[int, object] = {}
    parent = None
    try:
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == row_tag:
                    given = element.get("r")
                    row_number = int(given) if given else row_number + 1
                    if row_number > row_limit:
                        raise SpreadsheetError(
                            _("The sheet has a row %(row)s; at most %(n)s rows can be read (the dimension "
                              "the file claims is not used). Remove the rows below your data or split the file.")
                            % {"row": row_number, "n": row_limit - 1})
                    parser.row_counter, parser.col_counter = row_number, 0
                    cells = {}
                elif parent is None and tag.endswith("}sheetData"):
                    parent = element
                continue
            if tag == cell_tag:
                cell = parser.parse_cell(element)
                element.clear()
                if cell["column"] > column_limit or cell["row"] > row_limit:
                    raise SpreadsheetError(
                        _("The sheet has a cell at %(cell)s; at most %(n)s columns and %(rows)s rows can be read. "
                          "Delete what lies beyond your data or split the file.")
                        % {"cell": f"{_column_letters(cell['column'])}{cell['row']}", "n": column_limit,
                           "rows": row_limit - 1})
                if cell["value"] is not None:
                    cells[cell["column"]] = cell["value"]
            elif tag == row_tag:
                element.clear()
                if parent is not None:
                    parent.clear()  # drop the finished rows: memory stays one row
                if cells:
                    width = max(cells)
                    yield row_number, [cells.get(i) for i in range(1, width + 1)]
    except SpreadsheetError:
        raise
    except Exception as exc:  # noqa: BLE001 - broken XML, bad references, bad numbers
        raise SpreadsheetError(_("The file is not a readable .xlsx workbook (%(e)s).") % {"e": type(exc).__name__})
