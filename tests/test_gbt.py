"""GB/T 9704-2012 elements every issued document carries: the 版记 (抄送, 印发机关, 印发日期) with its rules,
the 公文标题 in lines broken between words, the 催报's own 发文字号, and the file's properties (title, author,
dates) on every .docx docgen writes, read back from real runs on real workspaces."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn

from docgen.config import Campaign
from docgen.errors import WorkspaceError
from docgen.pipeline import run_cycle
from docgen.reminders import remind
from docgen.render.gbt import TitleLines, split_title, text_units

from .builders import CST
from .builders.registry import write_campaign
from .conftest import LATE, ON_TIME, Dropper, row
from .pdfs import needs_office
from .reading import colophon
from .test_annual_cycle import outbox as annual_outbox
from .test_annual_cycle import year  # noqa: F401 - the annual workspace fixture
from .test_quarterly_cycle import first_quarter, second_quarter
from .test_reminders import BEFORE, DROPPED, NOV2

SECRETARIAT = "青禾市创建全国民族团结进步示范市工作领导小组办公室"  # the sample campaign's
CC = ["市委办公室", "市政府办公室", "市人大常委会办公室"]
CC_LINE = "抄送：市委办公室，市政府办公室，市人大常委会办公室。"


# ---------------------------------------------------------------- titles split by meaning

CAMPAIGN = "青禾市创建全国民族团结进步示范市"
TITLES = [  # (title, phrases kept whole, the lines as a clerk would break them)
    ("关于2026年10月民族团结进步创建工作情况的通报", (),
     ["关于2026年10月民族团结进步", "创建工作情况的通报"]),
    (f"关于2026年10月{CAMPAIGN}工作进展情况的通报", (CAMPAIGN, "2026年10月"),
     ["关于2026年10月", CAMPAIGN, "工作进展情况的通报"]),
    (f"关于2026年第三季度{CAMPAIGN}督查情况的通报", (CAMPAIGN, "2026年第三季度"),
     ["关于2026年第三季度", CAMPAIGN, "督查情况的通报"]),
    ("关于2025年度创建全国民族团结进步示范区测评验收情况的报告", ("创建全国民族团结进步示范区", "2025年度"),
     ["关于2025年度创建全国民族团结进步示范区", "测评验收情况的报告"]),
    ("关于催报2026年10月月度进展报送表的通知", ("2026年10月", "月度进展报送表"),
     ["关于催报2026年10月", "月度进展报送表的通知"]),
    ("关于2026年第三季度创建全国文明城市督查情况的通报", ("创建全国文明城市", "2026年第三季度"),
     ["关于2026年第三季度", "创建全国文明城市督查情况的通报"]),
    ("整改通知书", (), ["整改通知书"]),
    ("关于催报2026年11月月度进展报送表的通知", (), ["关于催报2026年11月", "月度进展报送表的通知"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "keep", "lines"), TITLES)
def test_titles_break_between_words(title: str, keep: tuple[str, ...], lines: list[str]) -> None:
    assert split_title(title, keep) == lines


def test_a_name_too_long_for_a_line_still_breaks_between_words() -> None:
    name = "某某自治州某某县创建全国民族团结进步示范县工作领导小组"  # 26 characters: cannot stay whole
    lines = split_title(f"关于2026年10月{name}工作进展情况的通报", [name])
    assert "".join(lines) == f"关于2026年10月{name}工作进展情况的通报"
    assert lines == ["关于2026年10月某某自治州", "某某县创建全国民族团结进步示范县", "工作领导小组工作进展情况的通报"]


def test_a_title_of_very_long_names_is_still_laid_out_in_lines_that_fit() -> None:
    name = "某某省某某自治州某某县某某乡镇创建全国民族团结进步示范县工作领导小组办公室和某某市文明城市创建工作指挥部" * 2
    lines = split_title(f"关于2026年10月{name}工作进展情况的通报", [name])
    assert "".join(lines) == f"关于2026年10月{name}工作进展情况的通报"
    assert all(text_units(line) <= 19.5 for line in lines) and len(lines) == 7
    assert sum("民族团结进步" in line for line in lines) == 2  # each whole on its line


def test_title_lines_are_one_run_with_line_breaks() -> None:
    title = TitleLines("关于2026年10月民族团结进步创建工作情况的<通报>&")
    assert str(title) == "关于2026年10月民族团结进步创建工作情况的<通报>&"
    assert title.__html__() == (
        '<w:r><w:t xml:space="preserve">关于2026年10月民族团结进步</w:t><w:br/>'
        '<w:t xml:space="preserve">创建工作情况的&lt;通报&gt;&amp;</w:t></w:r>'
    )


# ---------------------------------------------------------------- campaign.yaml: cc and printed_by

BASE = {"name": "甲", "secretariat": "甲办", "doc_number_prefix": "甲〔2026〕"}


def test_cc_and_printed_by_are_optional() -> None:
    plain = Campaign.from_dict(dict(BASE))
    assert (plain.cc, plain.printed_by, plain.printer) == ((), "", "甲办")
    full = Campaign.from_dict({**BASE, "cc": [" 市委办公室", "市政府办公室", "市委办公室"], "printed_by": "甲办秘书科"})
    assert (full.cc, full.printer) == (("市委办公室", "市政府办公室"), "甲办秘书科")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("cc", "市委办公室", "cc（抄送机关）应为机关名称的列表"),
    ("cc", ["市委办公室", 3], "cc（抄送机关）应为机关名称的列表"),
    ("cc", {"a": 1}, "cc（抄送机关）应为机关名称的列表"),
    ("printed_by", ["甲办"], "printed_by（印发机关）应为一个机关名称"),
])  # fmt: skip
def test_malformed_cc_or_printed_by_is_told_in_chinese(key: str, value: object, message: str) -> None:
    with pytest.raises(WorkspaceError, match=message):
        Campaign.from_dict({**BASE, key: value})


# ---------------------------------------------------------------- reading a document back


def assert_rules(doc: DocumentObject) -> None:
    """The 版记's rules: the first and last thick (1 pt ≈ 0.35 mm), between them thin (0.75 pt ≈ 0.25 mm),
    no vertical ones, as wide as the type area, at the foot of the type area."""
    pr = doc.tables[-1]._tbl.tblPr
    borders = {b.tag.split("}")[1]: (b.get(qn("w:val")), b.get(qn("w:sz"))) for b in pr.find(qn("w:tblBorders"))}
    assert (borders["top"], borders["bottom"], borders["insideH"]) == (("single", "8"),) * 2 + (("single", "6"),)
    assert {borders[e][0] for e in ("left", "right", "insideV")} == {"nil"}
    assert pr.find(qn("w:tblW")).get(qn("w:w")) == "8844"  # 156 mm
    assert pr.find(qn("w:tblpPr")).get(qn("w:tblpYSpec")) == "bottom"


def assert_properties(path: Path, title: str, issued: date | datetime) -> None:
    """Title, author and dates as Word, WPS and the PDF show them. A date is stamped at noon in Shanghai
    (04:00 UTC); a receipt at its own moment."""
    props = docx.Document(str(path)).core_properties
    assert props.title == title
    assert props.author == props.last_modified_by == SECRETARIAT
    moment = issued if isinstance(issued, datetime) else datetime(issued.year, issued.month, issued.day, 12, tzinfo=CST)
    expected = moment.astimezone(UTC)
    assert props.created == props.modified == expected
    assert "模板" not in (props.title + props.comments)


def title_of(doc: DocumentObject) -> str:
    (title,) = [p for p in doc.paragraphs if p.style.name == "公文标题"]
    return title.text


def printed(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日印发"


# ---------------------------------------------------------------- the monthly notice and receipts


@pytest.fixture
def october_with_cc(workspace: Path, drop: Dropper) -> Path:
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 0}, cc=CC, printed_by="青禾市创建办秘书科")
    drop("A01", [row("A01", "T1", 30)])
    drop("B01", [row("B01", "T1", 90), row("B01", "T2", 80)], when=LATE)
    return workspace


def test_monthly_notice_colophon_title_and_properties(october_with_cc: Path) -> None:
    run = run_cycle(october_with_cc, "monthly", "2026-10")
    issued = run.report.issue_date
    doc = docx.Document(str(run.notice))
    assert colophon(doc) == [
        [CC_LINE, CC_LINE],  # one cell across both columns
        ["青禾市创建办秘书科", printed(issued)],
    ]
    assert_rules(doc)
    assert title_of(doc) == f"关于2026年10月\n{CAMPAIGN}\n工作进展情况的通报"
    assert_properties(run.notice, f"关于2026年10月{CAMPAIGN}工作进展情况的通报", issued)

    (receipt,) = (october_with_cc / "receipts/monthly/2026-10/A01").glob("*.回执.docx")
    assert_properties(receipt, "材料报送回执", ON_TIME)
    assert not any(t._tbl.tblPr.find(qn("w:tblpPr")) is not None for t in docx.Document(str(receipt)).tables)


# ---------------------------------------------------------------- the quarterly documents


def test_quarterly_notice_and_rectification_notices(workspace: Path) -> None:
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 0}, cc=CC)
    first_quarter(workspace)
    run = run_cycle(workspace, "quarterly", "2026-Q1")
    issued = run.report.issue_date
    folder = workspace / "outbox/quarterly/2026-Q1"
    (notice,) = folder.glob("*督查通报*.docx")
    doc = docx.Document(str(notice))
    assert colophon(doc) == [[CC_LINE, CC_LINE], [SECRETARIAT, printed(issued)]]  # 印发机关: the secretariat
    assert_rules(doc)
    assert title_of(doc) == f"关于2026年第一季度\n{CAMPAIGN}\n督查情况的通报"
    assert_properties(notice, f"关于2026年第一季度{CAMPAIGN}督查情况的通报", issued)
    rectifications = sorted(folder.glob("整改通知书_*.docx"))
    assert len(rectifications) == 3
    for path in rectifications:
        doc = docx.Document(str(path))
        assert colophon(doc) == [[CC_LINE, CC_LINE], [SECRETARIAT, printed(issued)]]
        assert title_of(doc) == "整改通知书"
        assert_properties(path, "整改通知书", issued)
    second_quarter(workspace)  # a later quarter: the same 版记 under its own date
    later = run_cycle(workspace, "quarterly", "2026-Q2")
    (notice,) = (workspace / "outbox/quarterly/2026-Q2").glob("*督查通报*.docx")
    assert colophon(docx.Document(str(notice)))[-1] == [SECRETARIAT, printed(later.report.issue_date)]


# ---------------------------------------------------------------- the reminder: its own issuing sequence


def test_reminder_numbers_its_own_sequence_and_has_a_colophon_without_cc(workspace: Path, drop: Dropper) -> None:
    drop("A01", [row("A01", "T1", 150)], name="先错了.xlsx", when=BEFORE)
    drop("C01", [row("C01", "T3", 101)], name="错误的表.xlsx", when=DROPPED)
    first = remind(workspace, "monthly", "2026-10", today=NOV2)
    doc = docx.Document(str(first.paths[0]))
    texts = [p.text for p in doc.paragraphs]
    assert texts[1] == "创建办催〔2026〕1号"  # the 发文字号 line under the 发文机关标志
    assert json.loads(first.paths[1].read_text(encoding="utf-8"))["doc_number"] == "创建办催〔2026〕1号"
    assert colophon(doc) == [[SECRETARIAT, "2026年11月2日印发"]]  # no cc in campaign.yaml: no 抄送 row
    assert_rules(doc)
    assert title_of(doc) == "关于催报2026年10月\n月度进展报送表的通知"
    assert_properties(first.paths[0], "关于催报2026年10月月度进展报送表的通知", date(2026, 11, 2))

    again = remind(workspace, "monthly", "2026-10", today=NOV2.replace(hour=15))  # a rerun the same day
    assert [p.text for p in docx.Document(str(again.paths[0])).paragraphs][1] == "创建办催〔2026〕1号"
    next_day = remind(workspace, "monthly", "2026-10", today=datetime(2026, 11, 4, 9, 0, tzinfo=CST))
    assert [p.text for p in docx.Document(str(next_day.paths[0])).paragraphs][1] == "创建办催〔2026〕2号"
    run = run_cycle(workspace, "monthly", "2026-10")  # the main register is untouched by reminders
    assert run.report.doc_number == "创建办〔2026〕1号"


def test_reminder_number_prefix_may_be_set(workspace: Path, drop: Dropper) -> None:
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 0},
                   reminders={"number_prefix": "青创催〔{year}〕"})  # fmt: skip
    first = remind(workspace, "monthly", "2026-10", today=NOV2)
    assert [p.text for p in docx.Document(str(first.paths[0])).paragraphs][1] == "青创催〔2026〕1号"


# ---------------------------------------------------------------- the annual report, the volume, their PDFs


@pytest.fixture
def year_with_cc(year: Path) -> Path:  # noqa: F811 - the fixture imported above
    write_campaign(year, doc_number_prefix="创建办〔{year}〕", intake={"max_file_mb": 5, "settle_seconds": 0}, cc=CC)
    return year


def test_acceptance_report_and_volume(year_with_cc: Path) -> None:
    run = run_cycle(year_with_cc, "annual", "2025")
    issued = run.report.issue_date
    (report,) = annual_outbox(year_with_cc).glob("*验收报告*.docx")
    doc = docx.Document(str(report))
    assert colophon(doc) == [[CC_LINE, CC_LINE], [SECRETARIAT, printed(issued)]]
    assert_rules(doc)
    assert title_of(doc) == f"关于2025年度\n{CAMPAIGN}\n测评验收情况的报告"
    assert_properties(report, f"关于2025年度{CAMPAIGN}测评验收情况的报告", issued)
    (volume,) = annual_outbox(year_with_cc).glob("*汇编*.docx")
    assert_properties(volume, "2025年度工作汇编", issued)
    assert not any(t._tbl.tblPr.find(qn("w:tblpPr")) is not None for t in docx.Document(str(volume)).tables)


@needs_office
def test_pdf_ends_with_the_colophon_and_carries_the_title(year_with_cc: Path) -> None:
    from pypdf import PdfReader

    run = run_cycle(year_with_cc, "annual", "2025")  # its run makes the PDFs
    (pdf,) = annual_outbox(year_with_cc).glob("*验收报告*.pdf")
    reader = PdfReader(str(pdf))
    assert reader.metadata.title == f"关于2025年度{CAMPAIGN}测评验收情况的报告"
    last = "".join(reader.pages[-1].extract_text().split())  # the PDF's text without its spacing
    last = re.sub(r"—\d+—", "", last)  # the page number
    assert last.endswith(f"{CC_LINE}{SECRETARIAT}{printed(run.report.issue_date)}")
    (volume_pdf,) = annual_outbox(year_with_cc).glob("*汇编*.pdf")
    assert PdfReader(str(volume_pdf)).metadata.title == "2025年度工作汇编"
