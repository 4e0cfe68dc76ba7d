"""Spreadsheets for paper: one way every .xlsx docgen writes is set up to print on A4.

openpyxl sizes nothing itself and a fresh sheet prints in portrait at 100 %, split across columns, with
wrapped text overflowing rows of the default height. Each writer lays its table out (a title row, the
header, the rows) and calls these helpers, so every workbook a clerk opens prints the same way:

- a title row merged across the table, bold, above the header; thin borders on every table cell;
- column widths in Excel's unit (the width of a "0": 7 px at 96 dpi, plus 5 px of cell padding); a CJK
  or full-width character counts two units; row heights estimated from the lines wrapped text takes;
- A4, landscape when the table is wider than portrait's printable width, margins of 0.5 in at the
  sides, fit to page width and never to one page (``fitToWidth`` = pages across, ``fitToHeight`` = 0):
  the pages across are as few as keep the print scale at or above ``MIN_SCALE``, so a wide table is
  split into readable pages rather than shrunk to an unreadable one;
- the header rows repeated on every printed page, panes frozen below them, a page number in the footer;
- document properties: the document's title, its author, and its issue date as created and modified
  (openpyxl would stamp the time of saving and "openpyxl").

Writers in write-only mode (the annotated receipts, which stream a unit's whole sheet) use the same
helpers: set column widths and row heights before appending a row, and build cells with ``styled``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

AnySheet = Worksheet | WriteOnlyWorksheet

A4_MM = (210.0, 297.0)  # portrait width, height
SIDE_MARGIN_IN = 0.5
TOP_MARGIN_IN = 0.6
HEADER_MARGIN_IN = 0.3
MM_PER_INCH = 25.4
PX_PER_UNIT = 7  # a column width unit: the "0" of the default 11 pt font, 7 px at 96 dpi
PADDING_PX = 5  # Excel adds this much to every column
MIN_SCALE = 0.75  # the print scale a sheet keeps at least (the floor promised is 70 %; some slack)
LINE_PT = 15.0  # one line of 11 pt text, CJK included, with its leading
TITLE_PT = 16.0
MAX_ROW_PT = 409.0  # Excel's limit for a row's height

THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_FONT = Font(bold=True, size=TITLE_PT)
HEADER_FONT = Font(bold=True)
FOOTER = "第 &P 页，共 &N 页"


# ---------------------------------------------------------------- widths and heights


def text_width(text: object) -> int:
    """Width of ``text`` in column units: a CJK or full-width character counts two, anything else one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def shown_text(value: object) -> str:
    """What a cell shows, near enough to measure it: dates as yyyy-mm-dd (hh:mm), numbers as written."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def wrapped_lines(text: object, width: float) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` units wide (each line break starts one).

    A CJK glyph at 11 pt is a little wider than two "0"s and the cell keeps some padding, so a line holds
    somewhat fewer units than the column's width: an estimate one line too many beats a clipped line.
    """
    usable = max(1.0, width - 1)
    lines = shown_text(text).split("\n")
    return sum(max(1, math.ceil(_measured(line) / usable)) for line in lines)


def _measured(text: str) -> float:
    """``text_width`` with a CJK glyph at 2.2 units (at 11 pt it is 14.7 px against the "0"'s 7), and the
    ambiguous ones (“ ” ・ …) as wide, as Chinese fonts draw them."""
    return sum(2.2 if unicodedata.east_asian_width(ch) in "WFA" else 1.0 for ch in text)


def row_height(values: Sequence[object], widths: Sequence[float], *, line_pt: float = LINE_PT) -> float:
    """Points for a row whose cells wrap: the tallest cell's lines, at least one line."""
    lines = max((wrapped_lines(v, w) for v, w in zip(values, widths, strict=False) if v not in (None, "")),
                default=1)  # fmt: skip
    return float(min(MAX_ROW_PT, lines * line_pt + 5))


def column_mm(width: float) -> float:
    """Millimetres one column of ``width`` units takes on paper at 100 %."""
    return (PX_PER_UNIT * width + PADDING_PX) * MM_PER_INCH / 96


def printable_mm(*, landscape: bool) -> float:
    """The width A4 leaves between the side margins."""
    return (A4_MM[1] if landscape else A4_MM[0]) - 2 * SIDE_MARGIN_IN * MM_PER_INCH


def fit_widths(widths: Sequence[float], floors: Sequence[float], *, pages: int = 1) -> list[float]:
    """``widths`` narrowed, each no lower than its floor, so the table prints on ``pages`` landscape pages
    across at ``MIN_SCALE``: every column gives the same share of what it has above its floor, so the
    wide ones (whose text wraps) give most and the table keeps its proportions."""
    budget_px = pages * printable_mm(landscape=True) / MIN_SCALE * 96 / MM_PER_INCH - PADDING_PX * len(widths)
    excess = sum(widths) - budget_px / PX_PER_UNIT
    slack = sum(max(0.0, w - f) for w, f in zip(widths, floors, strict=True))
    if excess <= 0 or slack <= 0:
        return [float(w) for w in widths]
    keep = max(0.0, 1 - excess / slack)
    return [math.floor((f + (w - f) * keep if w > f else w) * 10) / 10 for w, f in zip(widths, floors, strict=True)]


# ---------------------------------------------------------------- cells and rows


def styled(ws: AnySheet, value: Any, *, bold: bool = False, wrap: bool = True, center: bool = False,
           border: bool = True) -> Cell:
    """A cell for a write-only sheet: bordered, wrapped, vertically centred (text always as text)."""
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        cell.data_type = "s"  # a text starting with "=" stays text, never a formula
    if bold:
        cell.font = HEADER_FONT
    cell.alignment = Alignment(wrap_text=wrap, vertical="center", horizontal="center" if center else None)
    if border:
        cell.border = GRID
    return cell


HEADER_FILL = "D9D9D9"  # the light grey under a table's header


def framed(cell: Cell, *, center: bool = False) -> Cell:
    """A table cell as every sheet draws it: bordered, wrapped, vertically centred (``center``: across too)."""
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center" if center else None)
    cell.border = GRID
    return cell


def header_cell(cell: Cell) -> Cell:
    """A table's header cell: framed and centred, bold, on a light grey."""
    framed(cell, center=True).font = HEADER_FONT
    return fill(cell, HEADER_FILL)


def fill(cell: Cell, rgb: str) -> Cell:
    """A cell filled solid with ``rgb``."""
    cell.fill = PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)
    return cell


def title_row(ws: AnySheet, title: str, columns: int, row: int = 1) -> None:
    """The document's title in row ``row`` (the first, in a write-only sheet), merged across the table."""
    last = get_column_letter(max(1, columns))
    ws.row_dimensions[row].height = 30
    alignment = Alignment(horizontal="center", vertical="center")
    if isinstance(ws, WriteOnlyWorksheet):
        cell = WriteOnlyCell(ws, title)
        cell.data_type = "s"
        cell.font, cell.alignment = TITLE_FONT, alignment
        ws.append([cell])
        if columns > 1:
            ws.merged_cells.add(CellRange(f"A{row}:{last}{row}"))
        return
    cell = ws.cell(row, 1, title)
    cell.data_type = "s"
    cell.font, cell.alignment = TITLE_FONT, alignment
    if columns > 1:
        ws.merge_cells(f"A{row}:{last}{row}")


def fit_rows(ws: Worksheet, first_row: int, last_row: int, widths: Sequence[float]) -> None:
    """Row heights for ``first_row``..``last_row`` from their wrapped text (Excel leaves them one line);
    a one-line row gets a little air too, so the table's rows look alike."""
    for r in range(first_row, last_row + 1):
        ws.row_dimensions[r].height = row_height([ws.cell(r, c).value for c in range(1, len(widths) + 1)], widths)


def set_widths(ws: AnySheet, widths: Sequence[float]) -> None:
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width


# ---------------------------------------------------------------- the page


def pages_across(widths: Sequence[float], *, landscape: bool) -> int:
    """Pages across a table needs to print at ``MIN_SCALE`` or more: 1 unless it is very wide."""
    content = sum(column_mm(w) for w in widths)
    return max(1, math.ceil(content * MIN_SCALE / printable_mm(landscape=landscape) - 1e-9))


def set_up_page(ws: AnySheet, widths: Sequence[float], *, header_rows: tuple[int, int], freeze: str,
                title_cols: str | None = None) -> None:
    """Columns, print set-up and frozen panes of a table whose header is ``header_rows`` (first, last).

    Portrait when the table fits portrait's printable width at 100 %, landscape otherwise; A4; fit to
    page width on as few pages across as keep ``MIN_SCALE`` (one, for every table docgen writes today),
    any number of pages down; the header repeated on every page and frozen; page numbers in the footer.
    ``title_cols`` (like ``"A:C"``) repeats those columns too, for a table that does need pages across.
    """
    set_widths(ws, widths)
    content = sum(column_mm(w) for w in widths)
    landscape = content > printable_mm(landscape=False)
    setup = ws.page_setup
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.orientation = "landscape" if landscape else "portrait"
    setup.fitToWidth = pages_across(widths, landscape=landscape)
    setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    margins = ws.page_margins
    margins.left = margins.right = SIDE_MARGIN_IN
    margins.top = margins.bottom = TOP_MARGIN_IN
    margins.header = margins.footer = HEADER_MARGIN_IN
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    if title_cols and setup.fitToWidth > 1:
        ws.print_title_cols = title_cols
    ws.freeze_panes = freeze
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = 9


def running_title(ws: AnySheet, title: str) -> None:
    """``title`` in the header of every printed page: for a sheet whose rows must stay where they are."""
    ws.oddHeader.center.text = title.replace("&", "&&")
    ws.oddHeader.center.size = 10


# ---------------------------------------------------------------- the file


def set_properties(wb: Workbook, *, title: str, creator: str = "", issued: date | None = None) -> None:
    """The title, author and dates Excel, WPS and a PDF export show: the document's, not openpyxl's.

    ``issued``: the issue date of an issued document, its created and modified time (midnight); without
    it, the time of writing stays.
    """
    props = wb.properties
    props.title = title
    props.creator = creator or None
    props.lastModifiedBy = creator or None
    if issued is not None:
        moment = datetime(issued.year, issued.month, issued.day)
        props.created = props.modified = moment


def save(wb: Workbook, path: Path) -> Path:
    """Write ``wb`` to ``path`` keeping its modified date (openpyxl's ``save`` stamps the time of saving)."""
    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return Path(path)
