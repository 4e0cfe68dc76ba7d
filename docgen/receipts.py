"""Write a submission's receipts: JSON for machines, .docx for people, and for a rejected spreadsheet an
annotated copy with each bad cell highlighted and explained in a comment.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from .formats.tables import read_csv_rows
from .models import Receipt
from .workspace import Workspace

log = logging.getLogger(__name__)

_BAD_FILL = "FFFF9999"
_UNSAFE = re.compile(r"[^\w.\-（）()\u4e00-\u9fff]+")


def receipt_stem(receipt: Receipt) -> str:
    """``20261103-101500_进展表.xlsx``: the receive time keeps every version's receipts apart."""
    tz = receipt.deadline.tzinfo if receipt.deadline else None  # the campaign's time zone
    stamp = receipt.received_at.astimezone(tz).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}_{_UNSAFE.sub('_', receipt.file)[:120]}"


def write_receipts(ws: Workspace, receipt: Receipt, source: Path | None) -> list[Path]:
    """Write the receipts of one submission into ``receipts/<cycle>/<period>/<unit>/``."""
    from .render import render_receipt  # noqa: PLC0415 - rendering is the heavier layer

    folder = ws.receipts_dir(receipt.cycle, receipt.period, _UNSAFE.sub("_", receipt.unit))
    folder.mkdir(parents=True, exist_ok=True)
    stem = receipt_stem(receipt)
    written = []
    json_path = folder / f"{stem}.回执.json"
    json_path.write_text(json.dumps(receipt.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    written.append(json_path)
    written.append(
        render_receipt(receipt, folder / f"{stem}.回执.docx", workspace_templates=ws.templates_dir)
    )
    if not receipt.accepted and source is not None and source.suffix.lower() in (".xlsx", ".csv"):
        annotated = annotate(source, receipt, folder / f"{stem}.标注.xlsx")
        if annotated is not None:
            written.append(annotated)
    return written


def annotate(source: Path, receipt: Receipt, out: Path) -> Path | None:
    """A copy of the spreadsheet with bad cells filled red and commented, plus a sheet listing every problem.

    Returns None when the file cannot be opened at all (the receipt already says so).
    """
    import openpyxl  # noqa: PLC0415
    from openpyxl.comments import Comment  # noqa: PLC0415
    from openpyxl.styles import Font, PatternFill  # noqa: PLC0415

    try:
        if source.suffix.lower() == ".xlsx":
            book = openpyxl.load_workbook(source)
            sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
        else:
            book = openpyxl.Workbook()
            sheet = book.active
            for row in read_csv_rows(source):
                sheet.append(row)
    except Exception as exc:  # a file openpyxl cannot open is already explained in the receipt
        log.info("无法生成标注副本 %s：%s", source.name, exc)
        return None
    fill = PatternFill("solid", start_color=_BAD_FILL, end_color=_BAD_FILL)
    notes: dict[str, list[str]] = {}
    for p in receipt.errors:
        if p.cell:
            notes.setdefault(p.cell, []).append(p.message)
    for cell_ref, messages in notes.items():
        cell = sheet[cell_ref]
        cell.fill = fill
        cell.comment = Comment("\n".join(messages), "创建办")
    listing = book.create_sheet("问题清单", 0)
    listing.append(["序号", "行号", "列名", "单元格", "填写的值", "问题说明"])
    for c in listing[1]:
        c.font = Font(bold=True)
    for i, p in enumerate(receipt.errors, start=1):
        listing.append([i, p.row, p.column, p.cell, p.value, p.message])
    for col, width in zip("ABCDEF", (6, 8, 18, 10, 24, 70), strict=True):
        listing.column_dimensions[col].width = width
    book.active = 0
    book.save(out)
    return out

