"""Write a submission's receipts: JSON for machines, .docx for people, and for a rejected spreadsheet an
annotated copy with each bad cell highlighted and explained in a comment.

Every dropped file gets exactly one set of receipts, whatever its name: names are made safe and unique
(``filenames.safe_component``), and the annotated copy, the one part that reads the unit's file again,
can fail without costing the unit its receipt. Nothing from a unit's cells is live in the copy: it is a
new workbook holding the values as read, every text written as text.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .atomic import replacing
from .config import IntakeLimits
from .filenames import display_name, safe_component
from .formats.guard import column_letters
from .formats.tables import HEADER_SEARCH_ROWS, FileRejected, read_grid
from .models import RECEIPT, Problem, Receipt
from .validation import read_limits
from .workspace import Workspace

log = logging.getLogger(__name__)

_BAD_FILL = "FFFF9999"
NAME_BYTES = 160  # of the file's name in a receipt's name: + time stamp and suffix stays far below 255
UNIT_BYTES = 100
MAX_COMMENTS = 1000  # cells explained in a comment; every bad cell is filled and listed in 问题清单
_LISTING = "问题清单"
_LISTING_HEADERS = ("序号", "行号", "列名", "单元格", "填写的值", "问题说明")
_LISTING_WIDTHS = (5.0, 6.0, 16.0, 8.0, 20.0, 39.0)  # fits A4 portrait at 100 %
_SURROGATE = re.compile("[\ud800-\udfff]")
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def receipt_stem(receipt: Receipt) -> str:
    """``20261103-101500_进展表.xlsx``: the receive time keeps every version's receipts apart, and the
    file's name is made safe and unique (any bytes, any length, any characters)."""
    tz = receipt.deadline.tzinfo if receipt.deadline else None  # the campaign's time zone
    stamp = receipt.received_at.astimezone(tz).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}_{safe_component(receipt.file, NAME_BYTES)}"


def receipts_folder(ws: Workspace, receipt: Receipt) -> Path:
    """``receipts/<cycle>/<period>/<unit>/``, the unit's folder name made safe like a file's."""
    return ws.receipts_dir(receipt.cycle, receipt.period, safe_component(receipt.unit, UNIT_BYTES))


def prepare(ws: Workspace) -> None:
    """Load the renderer and compile the receipt template in this process, before workers fork from it."""
    from .render.receipt import prepare_receipt  # noqa: PLC0415 - rendering is the heavier layer

    prepare_receipt(workspace_templates=ws.templates_dir)


def write_receipts(ws: Workspace, receipt: Receipt, source: Path | None, *, label: str = RECEIPT) -> list[Path]:
    """Write the receipts of one submission into ``receipts/<cycle>/<period>/<unit>/``: ``<stem>.<label>.json``
    and ``.docx`` (``label``: 回执, or 退回回执 for the review's return of an accepted file).

    The annotated copy comes first: if it cannot be made, ``receipt.notes`` says so and the JSON and
    .docx receipts are written all the same.
    """
    from .render import render_receipt  # noqa: PLC0415 - rendering is the heavier layer

    shown = replace(receipt, file=display_name(receipt.file), unit=display_name(receipt.unit))
    folder = receipts_folder(ws, receipt)
    folder.mkdir(parents=True, exist_ok=True)
    stem = _claim_stem(folder, receipt_stem(receipt), shown, label)
    written: list[Path] = []
    if not receipt.accepted and source is not None and source.suffix.lower() in (".xlsx", ".csv"):
        annotated = _annotate_or_note(source, receipt, folder / f"{stem}.标注.xlsx", ws.campaign.intake)
        if annotated is not None:
            written.append(annotated)
    json_path = folder / f"{stem}.{label}.json"
    with replacing(json_path) as tmp:
        tmp.write_bytes(json.dumps(shown.to_dict(), ensure_ascii=False, indent=2).encode("utf-8"))
    written.insert(0, json_path)
    written.insert(1, render_receipt(shown, folder / f"{stem}.{label}.docx", workspace_templates=ws.templates_dir))
    return written


def _identity(d: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(d.get(k) for k in ("file", "unit", "cycle", "period", "received_at", "sha256"))


def _claim_stem(folder: Path, stem: str, shown: Receipt, label: str) -> str:
    """``stem``, unless its receipts answer another submission (same display name, same second): then
    ``stem-2``, ``stem-3`` … A rerun for the same submission finds its own receipts and rewrites them."""
    mine = _identity(shown.to_dict())
    candidate, n = stem, 1
    while True:
        existing = folder / f"{candidate}.{label}.json"
        try:
            theirs = _identity(json.loads(existing.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return candidate
        except (OSError, ValueError):  # unreadable or half-written: most likely our own earlier attempt
            return candidate
        if theirs == mine:
            return candidate
        n += 1
        candidate = f"{stem}-{n}"


def _annotate_or_note(source: Path, receipt: Receipt, out: Path, limits: IntakeLimits) -> Path | None:
    """The annotated copy, or None with a note in the receipt saying why there is none."""
    try:
        return annotate(source, receipt, out, limits)
    except FileRejected as exc:
        # The file cannot be read within the limits: the receipt's own problem already says so, unless
        # validation read it and found cell problems (it should not happen, but then the unit is told).
        if any(p.cell for p in receipt.errors):
            receipt.notes.append(f"标注副本未能生成：{exc}，请对照回执中的问题清单修改")
        return None
    except Exception:  # the copy is a convenience: it must never cost the unit its receipt
        log.exception("生成标注副本失败：%s", display_name(source.name))
        receipt.notes.append("标注副本未能生成：系统处理该文件时出错，请对照回执中的问题清单修改")
        return None


def annotate(source: Path, receipt: Receipt, out: Path, limits: IntakeLimits | None = None) -> Path:
    """A new workbook: 问题清单 first (every problem), then the submitted sheet's values as read, with each
    bad cell filled red and explained in a comment.

    Built from the grid the validator read (calamine values for .xlsx, so formulas are not carried,
    only their cached values; CSV fields as text), every text written as a text cell: no formula,
    hyperlink, external link, DDE or macro of the unit's reaches the copy. Raises FileRejected when the
    file cannot be read within ``limits``.
    """
    import openpyxl  # noqa: PLC0415
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.cell.cell import Cell  # noqa: PLC0415
    from openpyxl.comments import Comment  # noqa: PLC0415
    from openpyxl.styles import Alignment, PatternFill  # noqa: PLC0415

    from .formats import sheets  # noqa: PLC0415 - openpyxl

    grid = read_grid(source, read_limits(limits))
    shown_name = _clean(display_name(receipt.file))
    title = f"《{shown_name}》填报问题清单"
    book = openpyxl.Workbook(write_only=True)
    listing = book.create_sheet(_LISTING)
    sheets.set_up_page(listing, _LISTING_WIDTHS, header_rows=(2, 2), freeze="A3")
    sheets.title_row(listing, title, len(_LISTING_WIDTHS))
    listing.row_dimensions[2].height = sheets.row_height(_LISTING_HEADERS, _LISTING_WIDTHS)
    listing.append([sheets.styled(listing, text, bold=True, center=True) for text in _LISTING_HEADERS])
    for i, p in enumerate(receipt.errors, start=1):
        values = [i, p.row, *(None if v is None else _clean(str(v)) for v in (p.column, p.cell, p.value, p.message))]
        listing.row_dimensions[i + 2].height = sheets.row_height(values, _LISTING_WIDTHS)
        listing.append([sheets.styled(listing, v) for v in values])

    sheet = book.create_sheet(_sheet_title(grid.sheet))
    bad = _bad_cells(receipt.errors)
    fill = PatternFill("solid", start_color=_BAD_FILL, end_color=_BAD_FILL)
    wrapped = Alignment(wrap_text=True, vertical="center")
    width = max((len(r) for r in grid.rows), default=0)
    bad_width: dict[int, int] = {}  # per row, the last column with a bad cell (a CSV row may be shorter)
    for r, c in bad:
        if c <= width:
            bad_width[r] = max(bad_width.get(r, 0), c)
    # The copy keeps the unit's rows where they were, so the cells 问题清单 names are where it says: no
    # title row here; the title prints in the page header instead, and the table from its header row on
    # is bordered, wrapped and repeated on every page.
    header = _header_row(grid.rows)
    widths = _copy_widths(grid.rows[header - 1 :], width)
    if width:
        sheets.set_up_page(sheet, widths, header_rows=(header, header), freeze=f"A{header + 1}", title_cols=None)
        sheets.running_title(sheet, f"《{shown_name}》标注副本")
    commented = 0
    for r, values in enumerate(grid.rows, start=1):
        row_width = max(len(values), bad_width.get(r, 0))
        in_table = r >= header
        # a line of text above the table (a form's title, its 填表说明): across the table, wrapped, so it
        # neither runs off the page nor widens what is printed
        spanning = not in_table and width > 1 and _only_first(values) and bad_width.get(r, 0) <= 1
        if in_table:
            row_width = max(row_width, width)
            sheet.row_dimensions[r].height = sheets.row_height([_shown(v) for v in values], widths)
        elif spanning:
            sheet.merged_cells.add(f"A{r}:{column_letters(width)}{r}")
            sheet.row_dimensions[r].height = sheets.row_height([_shown(values[0])], [sum(widths)])
        cells: list[Any] = []
        for c in range(1, row_width + 1):
            value = values[c - 1] if c <= len(values) else None
            cell = _value_cell(sheet, value)
            messages = bad.get((r, c))
            if messages is None and not in_table and not spanning:
                cells.append(cell)
                continue
            if not isinstance(cell, Cell):
                cell = WriteOnlyCell(sheet, cell)
            if in_table:
                cell.border = sheets.GRID
            if in_table or spanning:
                cell.alignment = wrapped
            if messages is not None:
                cell.fill = fill
                if commented < MAX_COMMENTS:
                    cell.comment = Comment(_clean("\n".join(messages))[:2000], _clean(receipt.secretariat) or "创建办")
                    commented += 1
            cells.append(cell)
        sheet.append(cells)
    sheets.set_properties(book, title=title, creator=_clean(receipt.secretariat))
    with replacing(out) as tmp:
        sheets.save(book, tmp)
    return out


def _only_first(values: list[Any]) -> bool:
    """A row whose only content is its first cell."""
    return bool(values) and values[0] not in (None, "") and all(v in (None, "") for v in values[1:])


def _header_row(rows: list[list[Any]]) -> int:
    """The Excel row of the copy's header: among the first rows, the first that fills the most columns
    with text (a form's title and 填表说明 above it fill one cell each); 1 for an empty sheet."""
    def filled(row: list[Any]) -> int:
        texts = [v for v in row if v not in (None, "")]
        return len(texts) if all(isinstance(v, str) for v in texts) else 0

    head = rows[:HEADER_SEARCH_ROWS]
    most = max((filled(r) for r in head), default=0)
    return next((i for i, r in enumerate(head, start=1) if most and filled(r) == most), 1)


def _copy_widths(rows: list[list[Any]], width: int) -> list[float]:
    """Column widths for the copy: its texts' widths (header and the first rows), between 8 and 30 units,
    narrowed so the copy prints at a readable scale (``formats.sheets.fit_widths``)."""
    from .formats import sheets  # noqa: PLC0415

    wanted = []
    for c in range(width):
        seen = [sheets.text_width(_shown(r[c])) for r in rows[:200] if c < len(r) and r[c] not in (None, "")]
        wanted.append(float(min(30, max(8, max(seen, default=0) + 2))))
    return sheets.fit_widths(wanted, [8.0] * width)


def _shown(value: Any) -> str:
    """A value as the copy shows it, to measure (dates as yyyy-mm-dd)."""
    from .formats import sheets  # noqa: PLC0415

    return sheets.shown_text(value)


def _bad_cells(problems: list[Problem]) -> dict[tuple[int, int], list[str]]:
    """(Excel row, column number) → messages, for every problem that names a cell."""
    from .formats.guard import column_number  # noqa: PLC0415

    cells: dict[tuple[int, int], list[str]] = {}
    for p in problems:
        if not p.cell:
            continue
        letters = p.cell.rstrip("0123456789")
        digits = p.cell[len(letters):]
        if not letters.isalpha() or not digits.isdigit():
            continue
        cells.setdefault((int(digits), column_number(letters)), []).append(p.message)
    return cells


def _text_cell(sheet: Any, value: Any) -> Any:
    """A cell holding ``value`` as text, even when it starts with = (openpyxl would make it a formula)."""
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    if value is None:
        return None
    cell = WriteOnlyCell(sheet, _clean(str(value)))
    cell.data_type = "s"
    return cell


def _value_cell(sheet: Any, value: Any) -> Any:
    """Numbers, dates and booleans as they are; anything else a text cell (never a formula)."""
    if value == "":
        return None
    if value is None or isinstance(value, bool | int | float | datetime | date | time | timedelta):
        return value
    return _text_cell(sheet, value)


def _clean(text: str) -> str:
    """Text openpyxl can write: characters XML forbids dropped, at most 32,767 characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415

    return ILLEGAL_CHARACTERS_RE.sub("", display_name(text) if _SURROGATE.search(text) else text)[:32767]




def _sheet_title(name: str | None) -> str:
    """The submitted sheet's name where Excel allows it (31 characters, none of []:*?/\\), else 报送内容."""
    title = (name or "").translate(_SHEET_FORBIDDEN).strip("' ")[:31]
    if not title or title == _LISTING or title.lower() == "history":
        return "报送内容"
    return title
