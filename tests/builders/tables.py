"""One table as units save it (.xlsx via openpyxl, or .csv in any encoding), and cells typed as people type them."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Mapping, Sequence, Set
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from docgen.contracts import load_contract

_HEADER_FONT = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_THIN = Side(style="thin", color="BFBFBF")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def contract_headers(name: str) -> list[str]:
    """The Chinese headers (each field's title) of data contract ``name``, in the contract's order.

    The builders take their tables' headers from here, so a contract that renames or adds a column
    changes what they write instead of leaving them stale; their rows follow the same order.
    """
    return [f.header for f in load_contract(name).fields]


def write_table(
    path: Path,
    headers: list[str],
    rows: Sequence[Sequence[object]],
    *,
    title: str | None = None,
    instructions: str | None = None,
    trailing_blank_rows: int = 0,
    extra_columns: Mapping[str, Sequence[object]] | None = None,
    encoding: str = "utf-8-sig",
    percent_columns: Set[str] = frozenset(),
) -> Path:
    """Write a table the way people save it: ``.xlsx`` via openpyxl or ``.csv`` in ``encoding``.

    ``title`` goes in a row above the header (merged across in xlsx), ``instructions`` (should start
    with 填表说明：) in a row right below it. ``trailing_blank_rows`` adds empty rows after the data
    (bordered but valueless cells in xlsx, so they count in the sheet's dimension as Excel's do).
    ``extra_columns`` appends note columns after ``headers`` (values per data row, missing ones blank).
    ``percent_columns`` formats those xlsx cells as ``0%`` (give fractions, 0.85); in CSV they are
    written as the text ``85%``, as Excel exports them. ``encoding`` applies to CSV only.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = dict(extra_columns or {})
    all_headers = [*headers, *extra]
    body = [
        [*row, *[(vals[i] if i < len(vals) else None) for vals in extra.values()]]
        for i, row in enumerate(rows)
    ]
    percent_idx = {i for i, h in enumerate(all_headers) if h in percent_columns}
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(path, all_headers, body, title, instructions, trailing_blank_rows, percent_idx)
    elif suffix == ".csv":
        _write_csv(path, all_headers, body, title, instructions, trailing_blank_rows, percent_idx, encoding)
    else:
        raise ValueError(f"unsupported table suffix {path.suffix!r}: use .xlsx or .csv")
    return path


def _write_xlsx(
    path: Path,
    headers: list[str],
    body: list[list[object]],
    title: str | None,
    instructions: str | None,
    trailing: int,
    percent_idx: set[int],
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ncols = len(headers)
    last = get_column_letter(ncols)
    r = 0  # the row just appended: ws.max_row scans every cell, which made big tables quadratic
    if title:
        ws.append([title])
        r += 1
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(r, 1).font = _TITLE_FONT
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
    ws.append(headers)
    r += 1
    for cell in ws[r]:
        cell.font = _HEADER_FONT
    if instructions:
        ws.append([instructions])
        r += 1
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(r, 1).alignment = Alignment(wrap_text=True)
    for row in body:
        ws.append(list(row))
        r += 1
        for c, value in enumerate(row):
            cell = ws.cell(r, c + 1)
            if c in percent_idx and isinstance(value, int | float):
                cell.number_format = "0%"
            elif isinstance(value, date | datetime):
                cell.number_format = "yyyy-mm-dd"
    start = r + 1
    for r in range(start, start + trailing):
        for c in range(1, ncols + 1):
            ws.cell(r, c).border = _GRID  # styled, valueless: what a formatted blank row looks like
    for c, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(40, 2 * len(h) + 2))
    wb.save(path)
    _freeze_xlsx(path)


FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
"""The time every zip entry of a written .xlsx or .docx carries: reproducible bytes."""
_CORE_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _freeze_xlsx(path: Path) -> None:
    """Pin the zip entry times and docProps dates, so regenerating the demo gives byte-identical files."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _CORE_STAMP.sub(rb"\g<1>2026-01-01T00:00:00Z\g<2>", data)
            zout.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)


def _write_csv(
    path: Path,
    headers: list[str],
    body: list[list[object]],
    title: str | None,
    instructions: str | None,
    trailing: int,
    percent_idx: set[int],
    encoding: str,
) -> None:
    ncols = len(headers)
    pad = [""] * (ncols - 1)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        if title:
            w.writerow([title, *pad])
        w.writerow(headers)
        if instructions:
            w.writerow([instructions, *pad])
        for row in body:
            w.writerow([_csv_cell(v, i in percent_idx) for i, v in enumerate(row)])
        for _ in range(trailing):
            w.writerow([""] * ncols)


def _csv_cell(value: object, percent: bool) -> str:
    if value is None:
        return ""
    if percent and isinstance(value, int | float):
        return f"{value * 100:g}%"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def to_fullwidth(text: object) -> str:
    """``85`` → ``８５``: digits (and . % ,) as a Chinese IME types them in full-width mode."""
    return str(text).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789.%,"})


def cn_date(d: date, *, fullwidth: bool = False) -> str:
    """``date(2026, 9, 30)`` → ``2026年9月30日`` (``２０２６年９月３０日`` with ``fullwidth``): a date typed as text."""
    text = f"{d.year}年{d.month}月{d.day}日"
    return to_fullwidth(text) if fullwidth else text

