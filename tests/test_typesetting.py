"""Typesetting (issue 14, item 4): what keeps a printed page whole, read back from the documents made.

From the .docx: widow/orphan control on the body styles, keep-with-next on headings, table captions and
the paragraph introducing a table, a header row that repeats and rows that cannot split in every table of
every kind of document, the 落款 kept with the text before it, codes whose hyphens never end a line. The
汇编's 说明 names the units it leaves out and why, and the 验收报告 names the same ones. Where LibreOffice
is installed, the PDFs: no page holding only a date or a 落款, no item code split over two lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.enum.text import WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm

from docgen.pipeline import run_cycle
from docgen.render import REPO_TEMPLATES, render_receipt
from docgen.render.engine import keep_whole, settle_for_print
from docgen.render.pdf import to_pdf
from docgen.render.volume import Chapter, compose_volume
from docgen.resources import set_drop_time

from . import test_annual_documents as annual_docs
from . import test_quarterly_documents as quarterly_docs
from . import test_render as monthly_docs
from .builders.registry import sample_indicators, write_campaign, write_registry
from .conftest import TASKS, UNITS
from .pdfs import needs_office
from .test_annual_cycle import IDS, LI, SCORE_HEADERS, SELF_HEADERS, WHEN, put, scores, summary_docx
from .test_volume import ISSUED

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADING_STYLES = ("一级标题", "二级标题", "三级标题")
CLOSING_STYLES = ("附件说明", "发文机关署名")
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
PAGE_NUMBER = re.compile(r"^—\s*\d+\s*—$")


# ---------------------------------------------------------------- reading the .docx


def _keeps_next(doc: DocumentObject, p: docx.text.paragraph.Paragraph) -> bool:
    """keep-with-next on the paragraph itself, else from its style (or a style it is based on)."""
    if p._p.find(f"{W}pPr/{W}keepNext") is not None:
        return p._p.find(f"{W}pPr/{W}keepNext").get(qn("w:val")) not in ("0", "false", "off")
    style = p.style
    while style is not None:
        if style.paragraph_format.keep_with_next is not None:
            return bool(style.paragraph_format.keep_with_next)
        style = style.base_style
    return False


def _body_blocks(doc: DocumentObject) -> list:
    return [el for el in doc.element.body if el.tag in (f"{W}p", f"{W}tbl")]


def check_typesetting(doc: DocumentObject, *, headerless: int = 0) -> None:
    """What every rendered document must hold (``headerless``: how many key/value tables with no
    header row the document has, first in it, e.g. a receipt's registration table)."""
    for name in ("公文正文", *HEADING_STYLES, "表题", "成文日期", "发文机关署名", "附件表格"):
        assert doc.styles[name].paragraph_format.widow_control is True, name
    for name in (*HEADING_STYLES, "表题", "附件说明", "发文机关署名", "附件标识", "附件标题", "附件表头"):
        assert doc.styles[name].paragraph_format.keep_with_next is True, name
    used = {p.style.name for p in doc.paragraphs}
    for p in doc.paragraphs:
        if p.style.name in HEADING_STYLES or p.style.name == "表题":
            assert _keeps_next(doc, p), p.text
    assert used  # a document was read

    blocks = _body_blocks(doc)
    tables = [el for el in blocks if el.tag == f"{W}tbl"]
    assert tables, "every kind of document checked here has a table"
    for index, tbl in enumerate(tables):
        rows = tbl.findall(f"{W}tr")
        for row in rows:
            assert row.find(f"{W}trPr/{W}cantSplit") is not None, "a row that may split across pages"
        floating = tbl.find(f"{W}tblPr/{W}tblpPr") is not None  # the 版记, anchored at the page's foot
        if index >= headerless and not floating:
            assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None, "a header row that does not repeat"
        if len(rows) >= 3:  # the last row never alone on a page: the row before it keeps with it
            assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in rows[-2].iter(f"{W}p"))
        if len(rows) >= 4 and index >= headerless:  # nor a header with a single row at the foot of a page
            assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in rows[1].iter(f"{W}p"))
        if floating:
            continue
        # what comes right before the table (its caption, or the sentence introducing it) keeps with it
        before = tbl.getprevious()
        assert before is not None and before.tag == f"{W}p"
        paragraph = docx.text.paragraph.Paragraph(before, doc._body)
        assert _keeps_next(doc, paragraph), paragraph.text

    # the 落款 (附件说明 or 署名 + 成文日期) keeps with the last body paragraph before it
    closing = [p for p in doc.paragraphs if p.style.name in CLOSING_STYLES]
    assert closing, "every 公文 ends with its 落款"
    before = closing[0]._p.getprevious()
    assert before is not None and before.tag == f"{W}p"
    assert _keeps_next(doc, docx.text.paragraph.Paragraph(before, doc._body))
    assert any(p.style.name == "成文日期" and DATE.match(p.text) for p in doc.paragraphs)


def test_the_monthly_notice(tmp_path: Path) -> None:
    out = monthly_docs.render_monthly_notice(monthly_docs.make_report(), tmp_path / "月通报.docx")
    check_typesetting(docx.Document(str(out)))


def test_a_returned_receipt(tmp_path: Path) -> None:
    out = render_receipt(monthly_docs.make_receipt(accepted=False), tmp_path / "回执.docx")
    check_typesetting(docx.Document(str(out)), headerless=1)


def test_the_quarterly_notice_and_a_rectification_notice(tmp_path: Path) -> None:
    report = quarterly_docs.make_report()
    notice = docx.Document(str(quarterly_docs.render_notice(report, tmp_path / "督查通报.docx")))
    check_typesetting(notice)
    check_typesetting(docx.Document(str(quarterly_docs.render_rectification(report, "JY01", tmp_path / "整改.docx"))))


def test_the_acceptance_report(tmp_path: Path) -> None:
    out = annual_docs.render_report(annual_docs.make_report(), tmp_path / "验收报告.docx")
    check_typesetting(docx.Document(str(out)))


# ---------------------------------------------------------------- codes kept whole


def test_codes_hyphens_never_end_a_line_and_still_read_as_hyphens(tmp_path: Path) -> None:
    report = quarterly_docs.make_report()
    path = quarterly_docs.render_notice(report, tmp_path / "督查通报.docx", with_chart=False)
    doc = docx.Document(str(path))
    body = doc.element.body
    # the text reads as typed (python-docx gives a w:noBreakHyphen as "-") ...
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "WT2026-Q2-02" in text and "\u2011" not in text
    (table,) = [t for t in doc.tables if t.rows[0].cells[1].text == "问题编号"]
    assert [r.cells[1].text for r in table.rows[1:]][:2] == ["WT2026-Q2-01", "WT2026-Q2-02"]
    # ... but no hyphen of a code is a plain one that a line may break after
    for t in body.iter(f"{W}t"):
        assert not re.search(r"WT2026-|Q[1-4]-\d", t.text or ""), t.text
    shown = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    occurrences = sum(s.count(i.problem_id) for s in shown for i in report.items)
    assert occurrences >= 6  # the items named in the text and the open items' table
    assert len(list(body.iter(f"{W}noBreakHyphen"))) == 2 * occurrences  # two hyphens in each code
    # the 问题编号 column holds a 12-character code on one line: 12 pt Times New Roman, 27.3 mm
    width_mm = table.columns[1].width.mm
    assert width_mm >= 29.0


def test_keep_whole_and_settle_for_print() -> None:
    assert keep_whole("DC2026Q2-002") == "DC2026Q2\u2011002"
    assert keep_whole(None) == ""
    p = docx.Document().add_paragraph("问题 " + keep_whole("A-1-B") + " 已整改")
    settle_for_print(p._p.getparent())
    (run,) = p._p.findall(f"{W}r")
    assert [el.tag.split("}")[1] for el in run if el.tag != f"{W}rPr"] == [
        "t", "noBreakHyphen", "t", "noBreakHyphen", "t",
    ]  # fmt: skip
    assert p.text == "问题 A-1-B 已整改"


# ---------------------------------------------------------------- the volume and the report agree


@pytest.fixture
def year_with_gaps(tmp_path: Path) -> Path:
    """2025: A01 sends everything; B01 a self-assessment and a summary that is returned (it has no text);
    C01 only a self-assessment; D01 nothing at all."""
    root = tmp_path / "ws"
    write_campaign(root, doc_number_prefix="创建办〔{year}〕", intake={"max_file_mb": 5, "settle_seconds": 0})
    write_registry(root, UNITS, TASKS, sample_indicators())
    points = (10, 10, 15, 10, 20, 15, 10, 10)
    for unit in ("A01", "B01", "C01"):
        put(root, unit, "自评表.xlsx", SELF_HEADERS, [[i, p, "已落实", "文件"] for i, p in zip(IDS, points, strict=True)])
    summary_docx(root / "intake/annual/2025/A01/总结.docx", "青禾镇人民政府",
                 headings=("一、基本情况", "二、主要做法", "三、取得成效", "四、存在问题", "五、下步打算"))
    empty = root / "intake/annual/2025/B01/总结.docx"
    docx.Document().save(str(empty))
    set_drop_time(empty, WHEN)
    put(root, "_assessors", "李娜.csv", SCORE_HEADERS, scores(LI))
    return root


def test_the_volume_says_which_units_it_leaves_out_and_the_report_names_them_too(year_with_gaps: Path) -> None:
    run_cycle(year_with_gaps, "annual", "2025")
    out = year_with_gaps / "outbox" / "annual" / "2025"
    volume = docx.Document(str(out / "2025年度工作汇编.docx"))
    texts = [p.text for p in volume.paragraphs]
    headings = [p.text for p in volume.paragraphs if p.style.style_id == "Heading1"]
    assert headings == ["说明", "青禾镇人民政府2025年度工作总结"]  # after the contents, before the first chapter
    toc = [p.text.strip() for p in volume.paragraphs if p.style.style_id == "TOC1"]
    assert toc == headings
    notes = texts[texts.index("说明") + 1 : texts.index("青禾镇人民政府2025年度工作总结")]
    assert notes == [
        "本汇编收录1个成员单位的2025年度工作总结，按成员单位名册顺序编排。",
        "以下3个成员单位的年度工作总结未收入本汇编：",
        "1. 市民族宗教事务局：年度工作总结已退回（文档没有正文内容），未重新报送。",
        "2. 青禾市第一中学：未报送年度工作总结。",
        "3. 青禾乳业有限公司：未报送年度工作总结。",
    ]
    (report_path,) = out.glob("*验收报告*.docx")
    report = [p.text for p in docx.Document(str(report_path)).paragraphs]
    assert ("年度工作总结未收入年度工作汇编的单位（3家）：市民族宗教事务局（退回：文档没有正文内容）、"
            "青禾市第一中学（未报送）、青禾乳业有限公司（未报送）。") in report
    assert "未报送的单位（1家）：青禾乳业有限公司。" in report  # sent nothing at all: named as before


# ---------------------------------------------------------------- what a unit's document ends with


def unit_with_closing(path: Path, filler: int, *, trailing: bool = False, table: bool = False) -> Path:
    """A unit's summary: ``filler`` one-line paragraphs, then its name and the date (its 落款); with
    ``trailing``, a page break after the date and empty paragraphs after it, as Word users leave them."""
    doc = docx.Document()
    doc.add_paragraph("一、基本情况", style="Heading 1")
    if table:  # as python-docx and Word write a table: rows that may split, a first row that does not repeat
        grid = doc.add_table(rows=4, cols=2)
        for i, row in enumerate(grid.rows):
            row.cells[0].text, row.cells[1].text = ("项目", "完成情况") if i == 0 else (f"项目{i}", "已完成")
    for i in range(filler):
        doc.add_paragraph(f"第{i + 1}项工作按计划推进，取得阶段性成效。")
    doc.add_paragraph("青禾市民族宗教事务局")
    last = doc.add_paragraph("2026年1月5日")
    last.paragraph_format.widow_control = False  # set by hand in the unit's file: the volume does not keep it
    if trailing:
        last.add_run().add_break(WD_BREAK.PAGE)
        doc.add_paragraph("")
        doc.add_paragraph("  ")
    doc.sections[0].page_width = Mm(210)
    doc.save(str(path))
    return path


def test_a_units_trailing_blank_lines_and_page_break_go_and_its_closing_lines_keep_with_the_text(
    tmp_path: Path,
) -> None:
    unit = unit_with_closing(tmp_path / "u.docx", 3, trailing=True, table=True)
    out = tmp_path / "汇编.docx"
    result = compose_volume({"campaign": "甲", "title": "乙", "secretariat": "丙", "date_text": "2026年1月20日"},
                            [Chapter("市民族宗教事务局", unit)], out, template=REPO_TEMPLATES / "volume.docx",
                            issued=ISSUED)
    doc = docx.Document(str(out))
    blocks = _body_blocks(doc)
    last = [el for el in blocks if el.find(f"{W}pPr/{W}sectPr") is None]
    # nothing after the date; the name and the date are one paragraph of two lines, kept together
    assert "".join(t.text or "" for t in last[-1].iter(f"{W}t")) == "青禾市民族宗教事务局2026年1月5日"
    assert [br.get(f"{W}type") for br in doc.element.body.iter(f"{W}br")] == [None]  # the line break only
    assert result.dropped.get("末尾空行") == 2 and result.dropped.get("末尾分页符") == 1
    paragraphs = [docx.text.paragraph.Paragraph(el, doc._body) for el in last[-3:]]
    assert paragraphs[-1].text == "青禾市民族宗教事务局\n2026年1月5日"
    assert paragraphs[-1].paragraph_format.keep_together is True
    # two lines of text before it keep with it
    assert [_keeps_next(doc, p) for p in paragraphs] == [True, True, False]
    assert not list(doc.element.body.iter(f"{W}widowControl"))  # the styles' widow control holds
    assert doc.styles["公文正文"].paragraph_format.widow_control is True
    # the unit's table: no row splits, the first row repeats and stays with two rows, the last is not alone
    (table,) = doc.tables
    rows = table._tbl.findall(f"{W}tr")
    assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
    assert [r.find(f"{W}trPr/{W}tblHeader") is not None for r in rows] == [True, False, False, False]
    keeps = [all(p.find(f"{W}pPr/{W}keepNext") is not None for p in r.iter(f"{W}p")) for r in rows]
    assert keeps == [True, True, True, False]


@needs_office
def test_no_volume_page_holds_only_a_signature_or_a_date(tmp_path: Path) -> None:
    """Chapters of 12 … 24 lines of text then a 落款: without keeping the closing lines with the text, some
    of them end on a page of their own."""
    chapters = [Chapter(f"第{n}单位", unit_with_closing(tmp_path / f"{n}.docx", n)) for n in range(12, 25)]
    out = tmp_path / "汇编.docx"
    compose_volume({"campaign": "创建活动", "title": "2025年度工作汇编", "secretariat": "创建办",
                    "date_text": "2026年1月20日"}, chapters, out, template=REPO_TEMPLATES / "volume.docx", issued=ISSUED,
                   notes=["本汇编收录13个成员单位的2025年度工作总结。", "应报送年度工作总结的成员单位均已收入本汇编。"])
    result = to_pdf(out, tmp_path / "汇编.pdf", timeout=300)
    if result.path is None:
        pytest.skip(f"no PDF: {result.skipped_reason}")
    from pypdf import PdfReader  # noqa: PLC0415

    pages = PdfReader(str(result.path)).pages
    assert len(pages) > len(chapters) + 2
    authorities = {"青禾市民族宗教事务局", "创建办"}
    for number, page in enumerate(pages, start=1):
        lines = [re.sub(r"\s+", "", line) for line in (page.extract_text() or "").splitlines()]
        body = [x for x in lines if x and not PAGE_NUMBER.match(x) and not DATE.match(x) and x not in authorities]
        assert len(body) >= 2, f"page {number} holds only {lines}"


@needs_office
def test_no_item_code_is_split_in_a_quarterly_notices_pdf(tmp_path: Path) -> None:
    report = quarterly_docs.make_report()
    path = quarterly_docs.render_notice(report, tmp_path / "督查通报.docx", with_chart=False)
    result = to_pdf(path, tmp_path / "督查通报.pdf", timeout=300)
    if result.path is None:
        pytest.skip(f"no PDF: {result.skipped_reason}")
    from pypdf import PdfReader  # noqa: PLC0415

    # every code the .docx shows, as often as it shows it, is whole on one line of the PDF's text
    doc = docx.Document(str(path))
    shown = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    text = "\n".join(page.extract_text() or "" for page in PdfReader(str(result.path)).pages)
    # (pypdf joins a table cell's lines with a space: a code broken in its cell reads "WT202 6-Q2-01")
    lines = [line.replace("\u2011", "-") for line in text.splitlines()]
    codes = sorted({i.problem_id for i in report.items})
    expected = {c: sum(s.count(c) for s in shown) for c in codes}
    assert sum(expected.values()) >= 6  # the named items and the open items' table
    assert {c: sum(line.count(c) for line in lines) for c in codes} == expected
