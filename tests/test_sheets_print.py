"""Every .xlsx docgen writes is set up for paper, read back from the file each real writer makes.

The 整改台账, the 验收评分汇总表, an annotated receipt (标注副本, written in write-only mode) and the fill-in
forms: A4, landscape only where the table is wider than a portrait page, fit to the page's width and never
to one page (fitToWidth = 1, fitToHeight = 0), the header repeated on every page and frozen, a title row
above it, borders on header and data cells, rows tall enough for their wrapped text, and the document
properties of the document, not openpyxl's.

The print scale is computed here from the file alone: A4 is 210 × 297 mm; the printable width is the
paper's width less the side margins read from the sheet; a column ``w`` units wide takes 7·w + 5 px at
96 dpi on paper (Excel's unit is the width of the default font's "0", 7 px for 11 pt Calibri, and each
column has 5 px of padding): (7·w + 5) × 25.4 / 96 mm, about 1.85 mm a unit. Fit to width prints at
min(1, printable / total).

With LibreOffice Calc installed, a ledger and a score sheet are printed to PDF and read back (pypdf):
every page carries its table's first header, so no column was split onto a page of its own.
"""

from __future__ import annotations

import math
import shutil
import unicodedata
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from docgen import intake
from docgen.contracts import load_contract
from docgen.cycles.annual.documents import write_score_sheet
from docgen.cycles.quarterly.documents import write_ledger_workbook
from docgen.forms import FormSpec, write_form
from docgen.issue_forms import issue_forms
from docgen.resources import build_demo_workspace, set_drop_time
from docgen.workspace import Workspace

from .builders import CST
from .conftest import Dropper, row
from .pdfs import convert
from .test_annual_documents import make_report as annual_report
from .test_forms import SUBMITTER_CONTRACTS, _calc_missing
from .test_quarterly_documents import make_report as quarterly_report

A4_MM = (210.0, 297.0)
MIN_SCALE = 0.70
ISSUED = date(2026, 10, 12)


def column_mm(width: float) -> float:
    """Millimetres a column of ``width`` units takes at 100 %: 7 px a unit plus 5 px padding, at 96 dpi."""
    return (7 * width + 5) * 25.4 / 96


def widths(ws: Worksheet, columns: int) -> list[float]:
    return [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, columns + 1)]


def scale(ws: Worksheet, columns: int) -> float:
    """The scale fit-to-width prints ``ws`` at on A4, from its orientation, margins and column widths."""
    paper = A4_MM[1] if ws.page_setup.orientation == "landscape" else A4_MM[0]
    printable = paper - (ws.page_margins.left + ws.page_margins.right) * 25.4
    return min(1.0, printable / sum(column_mm(w) for w in widths(ws, columns)))


def cjk_width(text: object) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def check_paper(ws: Worksheet, *, header: int, columns: int, last: int, title: str | None, freeze: str | None = None,
                ) -> None:
    """The print set-up of a table whose header is row ``header`` and whose data ends at row ``last``."""
    setup = ws.page_setup
    assert int(setup.paperSize) == 9, ws.title  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), ws.title
    assert ws.print_title_rows == f"${header}:${header}", ws.title
    assert ws.freeze_panes == (freeze or f"A{header + 1}"), ws.title
    assert scale(ws, columns) >= MIN_SCALE, (ws.title, scale(ws, columns))
    portrait = A4_MM[0] - (ws.page_margins.left + ws.page_margins.right) * 25.4
    wide = sum(column_mm(w) for w in widths(ws, columns)) > portrait
    assert setup.orientation == ("landscape" if wide else "portrait"), ws.title
    if title is not None:
        assert header == 2 and ws["A1"].value == title and ws["A1"].font.b, ws.title
        assert f"A1:{get_column_letter(columns)}1" in ws.merged_cells or columns == 1, ws.title
    for r in range(header, last + 1):
        if all(ws.cell(r, c).value is None for c in range(1, columns + 1)) and r < last and ws.title == "统计":
            continue  # the gap between the two tables of 统计
        for c in range(1, columns + 1):
            border = ws.cell(r, c).border
            assert all(s.style == "thin" for s in (border.left, border.right, border.top, border.bottom)), (
                ws.title, ws.cell(r, c).coordinate)
    check_heights(ws, header, last, columns)


def check_heights(ws: Worksheet, first: int, last: int, columns: int) -> None:
    """A row is at least as tall as its longest wrapped text needs: no fewer lines than its width (CJK two
    units) over the column's, 13 pt a line of 11 pt text (a row without a height is one line, 15 pt)."""
    for r in range(first, last + 1):
        height = ws.row_dimensions[r].height or 15
        for c in range(1, columns + 1):
            cell = ws.cell(r, c)
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            lines = sum(math.ceil(cjk_width(part) / widths(ws, columns)[c - 1]) or 1 for part in cell.value.split("\n"))
            assert height >= 13 * lines, (ws.title, cell.coordinate, cell.value, height)


def check_properties(path: Path, title: str, creator: str, issued: date | None) -> None:
    props = openpyxl.load_workbook(path).properties
    assert (props.title, props.creator) == (title, creator)
    assert props.creator != "openpyxl"
    if issued is not None:
        assert props.created == props.modified == datetime(issued.year, issued.month, issued.day)


# ---------------------------------------------------------------- the documents


def test_ledger_prints_on_a4(tmp_path: Path) -> None:
    report = replace(quarterly_report(), issue_date=ISSUED)
    path = write_ledger_workbook(report, tmp_path / "整改台账.xlsx")
    wb = openpyxl.load_workbook(path)
    ledger, history, stats = wb["台账"], wb["历史"], wb["统计"]
    check_paper(ledger, header=2, columns=10, last=2 + len(report.items), title="2026年第三季度整改台账")
    check_paper(history, header=2, columns=8, last=2 + len(report.history),
                title="2026年第三季度整改台账（状态变更记录）")
    check_paper(stats, header=2, columns=7, last=stats.max_row, title="2026年第三季度整改台账（统计）")
    assert ledger.page_setup.orientation == "landscape" and stats.page_setup.orientation == "portrait"
    # a problem code is never broken over two lines: its column holds the longest code
    assert ledger.column_dimensions["A"].width > max(cjk_width(i.problem_id) for i in report.items)
    check_properties(path, "2026年第三季度整改台账", "青禾市创建办", ISSUED)


def test_score_sheet_prints_on_a4(tmp_path: Path) -> None:
    report = annual_report()
    path = write_score_sheet(report, tmp_path / "验收评分汇总表.xlsx")
    wb = openpyxl.load_workbook(path)
    scores, indicators = wb["评分汇总"], wb["指标"]
    columns = 3 + len(report.indicators) + 5
    check_paper(scores, header=2, columns=columns, last=2 + len(report.scores), title="2025年度验收评分汇总表",
                freeze="D3")
    check_paper(indicators, header=2, columns=6, last=2 + len(report.indicators),
                title="2025年度验收评分汇总表（指标）")
    check_properties(path, "2025年度验收评分汇总表", "青禾市创建办", report.issue_date)


def test_score_sheet_with_many_indicators_splits_across_pages_not_below_the_floor(tmp_path: Path) -> None:
    """Thirty indicators do not fit one page's width at 70 %: the sheet prints on two pages across, the
    unit's columns repeated on each, rather than shrunk to an unreadable one."""
    report = annual_report()
    many = [replace(report.indicators[0], indicator_id=f"9.{n}", level2=f"指标{n}") for n in range(30)]
    path = write_score_sheet(replace(report, indicators=many), tmp_path / "验收评分汇总表.xlsx")
    ws = openpyxl.load_workbook(path)["评分汇总"]
    across = int(ws.page_setup.fitToWidth)
    assert across >= 2 and int(ws.page_setup.fitToHeight) == 0 and ws.print_title_cols == "$A:$C"
    assert min(1.0, across * (A4_MM[1] - 25.4 * 2 * ws.page_margins.left) / sum(
        column_mm(w) for w in widths(ws, 3 + 30 + 5))) >= MIN_SCALE


def test_annotated_receipt_prints_on_a4(workspace: Path, drop: Dropper) -> None:
    drop("A01", [row("A01", "T1", 150, **{"本月进展": "开展宣讲活动3场，" * 12}),
                 row("A01", "T9", 50, **{"参与人数(人次)": "很多"})], name="有错.xlsx")
    intake.collect(Workspace(workspace))
    (receipt,) = intake.process(Workspace(workspace))
    assert not receipt.accepted
    (path,) = (workspace / "receipts/monthly/2026-10/A01").glob("*.标注.xlsx")
    wb = openpyxl.load_workbook(path)
    listing = wb["问题清单"]
    title = "《有错.xlsx》填报问题清单"
    check_paper(listing, header=2, columns=6, last=2 + len(receipt.errors), title=title)
    assert listing["A2"].value == "序号" and listing["A2"].font.b
    copy = wb.worksheets[1]
    # the copy keeps the unit's rows where they were (the listing's cell references hold): its title is
    # in the page header, and its own header row (row 1 here) repeats
    header = next(r for r in range(1, 6) if copy.cell(r, 1).value == "单位代码")
    check_paper(copy, header=header, columns=copy.max_column, last=copy.max_row, title=None)
    assert "有错.xlsx" in copy.oddHeader.center.text
    assert copy.row_dimensions[header + 1].height >= 15 * 2  # the long 本月进展 wraps
    check_properties(path, title, Workspace(workspace).campaign.secretariat, None)


def test_annotated_copy_of_a_form_repeats_the_forms_header_row(tmp_path: Path) -> None:
    demo = build_demo_workspace(tmp_path / "demo")
    (form,) = issue_forms(demo, "monthly", "2026-11", unit="BM02")
    book = openpyxl.load_workbook(form)
    book.worksheets[0]["D4"] = 150  # 完成进度(%) over 100
    folder = demo / "intake/monthly/2026-11/BM02"
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / form.name)
    set_drop_time(folder / form.name, datetime(2026, 12, 2, 10, 0, tzinfo=CST))
    ws = Workspace(demo)
    intake.collect(ws)
    receipts = [r for r in intake.process(ws) if r.file == form.name]
    assert receipts and not receipts[0].accepted
    (path,) = (demo / "receipts/monthly/2026-11/BM02").glob("*.标注.xlsx")
    copy = openpyxl.load_workbook(path).worksheets[1]
    assert copy["A3"].value == "单位代码"  # the form's title and 填表说明 stay above, unbordered
    last = get_column_letter(copy.max_column)
    # ... each across the table and wrapped: a long line neither runs off the page nor widens the print
    assert {f"A1:{last}1", f"A2:{last}2"} <= {str(r) for r in copy.merged_cells.ranges}
    assert copy["A2"].alignment.wrap_text and copy.row_dimensions[2].height >= 15 * 2
    check_paper(copy, header=3, columns=copy.max_column, last=copy.max_row, title=None)


def test_every_form_prints_on_a4(tmp_path: Path) -> None:
    for name in SUBMITTER_CONTRACTS:
        contract = load_contract(name)
        spec = FormSpec(contract=contract, title=f"{contract.title}（测试）", blank_rows=5, issuer="青禾市创建办")
        path = write_form(spec, tmp_path / f"{name}.xlsx")
        ws = openpyxl.load_workbook(path).worksheets[0]
        columns = len(contract.fields)
        check_paper(ws, header=3, columns=columns, last=3 + 5, title=None, freeze="A4")
        assert ws["A1"].value == spec.title and f"A1:{get_column_letter(columns)}1" in ws.merged_cells
        check_properties(path, spec.title, "青禾市创建办", None)


def test_issued_forms_with_hints_print_on_a4(tmp_path: Path) -> None:
    demo = build_demo_workspace(tmp_path / "demo")
    written = [p for cycle, period in (("monthly", "2026-11"), ("quarterly", "2026-Q3"), ("annual", "2025"))
               for p in issue_forms(demo, cycle, period)]
    assert {p.name.split("_")[-2] for p in written} >= {"月度进展报送表", "问题清单", "复查结果", "自评表", "验收评分表"}
    for path in written:
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        check_paper(ws, header=3, columns=ws.max_column, last=ws.max_row, title=None, freeze="A4")
        assert wb.properties.title == ws["A1"].value
        assert wb.properties.creator == Workspace(demo).campaign.secretariat


# ---------------------------------------------------------------- printed by LibreOffice


def pdf_pages(path: Path, tmp_path: Path) -> list[str]:
    """The text of each page ``path`` prints to, through docgen's own PDF step (the workbook's page setup)."""
    from pypdf import PdfReader  # noqa: PLC0415

    tmp_path.mkdir(parents=True, exist_ok=True)
    return [page.extract_text() or "" for page in PdfReader(convert(path, tmp_path / f"{path.stem}.pdf")).pages]


def test_printed_ledger_and_score_sheet_keep_their_columns_together(tmp_path: Path) -> None:
    reason = _calc_missing()
    if reason:
        pytest.skip(reason)
    assert shutil.which("soffice")
    report: Any = replace(quarterly_report(), issue_date=ISSUED)
    ledger = write_ledger_workbook(report, tmp_path / "整改台账.xlsx")
    pages = pdf_pages(ledger, tmp_path / "ledger")
    # 台账, 历史 and 统计: a page or two each; every page starts its table with the first column's header
    assert 3 <= len(pages) <= 5, len(pages)
    for n, text in enumerate(pages, start=1):
        assert "问题编号" in text or "问题总数" in text, (n, text[:200])
    assert "2026年第三季度整改台账" in pages[0] and "问题描述" in pages[0] and "最近变更" in pages[0]

    scores = write_score_sheet(annual_report(), tmp_path / "验收评分汇总表.xlsx")
    pages = pdf_pages(scores, tmp_path / "scores")
    assert len(pages) == 2, len(pages)  # 评分汇总 and 指标, a page each
    assert "名次" in pages[0] and "未评分指标" in pages[0] and "2025年度验收评分汇总表" in pages[0]
    assert "编号" in pages[1] and "平均失分" in pages[1]
