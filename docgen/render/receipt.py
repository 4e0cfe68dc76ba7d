"""The receipt (回执) for one dropped file, rendered from ``receipt.docx``.

A unit reads it right after dropping a file: what was received, whether it was on time, and either
how many rows were accepted or every problem with its Excel row and column, so the unit can fix the file
and resubmit before the deadline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import Problem, Receipt
from .engine import (
    PROPERTIES,
    DocumentProperties,
    channel_sentence,
    clean_text,
    find_template,
    format_date,
    format_datetime,
    zone,
)
from .fast import compiled_template, render_cached

RECEIPT_TEMPLATE = "receipt.docx"
MAX_PROBLEM_ROWS = 200  # the rest are in the JSON receipt; a 5,000-row table helps nobody
VALUE_LIMIT = 60  # characters of a submitted value shown in the table
DEFAULT_SECRETARIAT = "创建办"
ANNOTATED_SUFFIXES = (".xlsx", ".csv")  # a returned file of these types gets an annotated copy (receipts.py)
RECEIPT_TITLE = "材料报送回执"  # the receipt template's title: the file's title property too


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "……"


def _problem_row(no: int, problem: Problem) -> dict[str, Any]:
    column = clean_text(problem.column)
    if problem.cell and column:
        column = f"{column}（{clean_text(problem.cell)}）"
    return {
        "no": no,
        "row": "—" if problem.row is None else str(problem.row),
        "column": column or clean_text(problem.cell) or "整个文件",
        "value": _shorten(clean_text(problem.value), VALUE_LIMIT),
        "message": clean_text(problem.message),
    }


def receipt_context(receipt: Receipt) -> dict[str, Any]:
    """Everything ``receipt.docx`` uses, formatted in Chinese, times in the campaign's time zone.

    What the unit reads names no folder, hash or field: ``unit`` and ``sha256`` stay in the context for a
    workspace's older copy of the template only (the JSON receipt keeps both)."""
    tz = zone(receipt.timezone)
    on_time = receipt.on_time
    shown = receipt.errors[:MAX_PROBLEM_ROWS]
    returned = receipt.returned_at  # an accepted file returned by the review: dated the day it was returned
    answered_at = returned or receipt.received_at
    if receipt.deadline is not None and (answered_at <= receipt.deadline if returned else on_time):
        resubmit_by = f"于{format_datetime(receipt.deadline, tz=tz)}前"
    else:
        resubmit_by = "尽快"
    secretariat = clean_text(receipt.secretariat) or DEFAULT_SECRETARIAT
    if receipt.file.lower().endswith(ANNOTATED_SUFFIXES):
        more_where = "完整问题清单见随本回执发回的标注表格中的“问题清单”工作表。"
    else:
        more_where = f"完整问题清单请向{secretariat}索取。"
    return {
        PROPERTIES: DocumentProperties(RECEIPT_TITLE, secretariat, answered_at, receipt.timezone),
        "unit": clean_text(receipt.unit),
        "unit_name": clean_text(receipt.unit_name) or clean_text(receipt.unit),
        "file": clean_text(receipt.file),
        "submission_type": clean_text(receipt.submission_type) or "—",
        "period_label": clean_text(receipt.period_label) or clean_text(receipt.period),
        "received_text": format_datetime(receipt.received_at, tz=tz),
        "deadline_text": format_datetime(receipt.deadline, missing="未设定", tz=tz),
        "on_time_text": {True: "按时", False: "逾期", None: "—"}[on_time],
        "late": on_time is False,
        "sha256": clean_text(receipt.sha256) or "—",
        "accepted": receipt.accepted,
        "result": "接收" if receipt.accepted else "审核退回" if returned else "退回",
        "rows": receipt.rows,
        "problem_count": len(receipt.errors),
        "problems": [_problem_row(i, p) for i, p in enumerate(shown, start=1)],
        "problems_more": len(receipt.errors) - len(shown),
        "more_where": more_where,
        "resubmit_by": resubmit_by,
        "channel": channel_sentence(receipt.channel, secretariat),
        "secretariat": secretariat,
        "issue_date_text": format_date(answered_at, tz),
        "notes": [note for note in (clean_text(n).strip() for n in receipt.notes) if note],
    }


def prepare_receipt(*, template: Path | None = None, workspace_templates: Path | None = None) -> None:
    """Compile the receipt template now, so processes forked after this inherit it ready to use."""
    compiled_template(find_template(RECEIPT_TEMPLATE, template, workspace_templates))


def render_receipt(
    receipt: Receipt,
    out_path: Path,
    *,
    template: Path | None = None,
    workspace_templates: Path | None = None,
) -> Path:
    """Render the receipt (.docx) to ``out_path`` and return the path.

    The template is compiled once per process and version of the file (``render_cached``): a receipt
    costs about a millisecond, and comes out as docxtpl renders it.
    """
    path = find_template(RECEIPT_TEMPLATE, template, workspace_templates)
    return render_cached(path, receipt_context(receipt), Path(out_path))
