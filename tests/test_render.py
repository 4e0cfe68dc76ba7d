"""The rendering layer: what the notice and receipts say, their GB/T 9704 layout, the chart's font,
and that nothing a unit typed is evaluated or breaks the document."""

from __future__ import annotations

import importlib.util
import warnings
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table

from docgen.cycles.monthly.notice import notice_context, progress_chart, render_monthly_notice
from docgen.cycles.monthly.report import MonthlyReport, ProjectProgress, TaskProgress, Totals
from docgen.models import Problem, Receipt, UnitStatus
from docgen.render import (
    MAX_PROBLEM_ROWS,
    RenderError,
    cjk_font_path,
    format_datetime,
    format_number,
    format_percent,
    receipt_context,
    render_receipt,
)

from .reading import body_tables

SH = ZoneInfo("Asia/Shanghai")
DANGER = "{{ 7*7 }}<b>&"  # what a unit might type: Jinja, markup, an XML entity start
DEADLINE = datetime(2026, 11, 5, 17, 0, tzinfo=SH)
ROOT = Path(__file__).resolve().parents[1]


def make_report() -> MonthlyReport:
    units = [
        UnitStatus("XC01", "青禾镇人民政府", "乡镇街道", "on_time", datetime(2026, 11, 3, 9, 12, tzinfo=SH), "a.xlsx"),
        UnitStatus("BM02", "市教育局", "部门", "late", datetime(2026, 11, 6, 8, 30, tzinfo=SH), "b.xlsx"),
        UnitStatus("BM03", f"市民族宗教事务局{DANGER}", "部门", "rejected",
                   datetime(2026, 11, 4, 10, 0, tzinfo=SH), "c.xlsx"),
        UnitStatus("SQ04", "团结社区居委会", "社区", "missing"),
        UnitStatus("QY05", "青禾乳业有限公司", "企业", "on_time", datetime(2026, 11, 5, 16, 59, tzinfo=SH), "e.xlsx"),
    ]  # fmt: skip
    tasks = [
        TaskProgress("T1", "开展民族团结进步宣传月活动", "宣传教育工程", "BM02", "市教育局",
                     date(2026, 1, 1), date(2026, 12, 31), 90.0, 83.3, "on_track"),
        TaskProgress("T2", "建设石榴籽家园", "宣传教育工程", "XC01", "青禾镇人民政府",
                     date(2026, 3, 1), date(2026, 12, 31), 40.0, 80.0, "lagging", "资金未到位"),
        TaskProgress("T3", f"创建示范单位{DANGER}", "基层创建工程", "BM03", f"市民族宗教事务局{DANGER}",
                     date(2026, 1, 1), date(2026, 9, 30), 80.5, 100.0, "overdue", f"场地{DANGER}"),
        TaskProgress("T4", "建设社区融嵌服务站", "基层创建工程", "SQ04", "团结社区居委会",
                     date(2026, 1, 1), date(2026, 12, 31), None, 83.3, "unreported"),
        TaskProgress("T5", "宣讲民族工作条例", "法治保障工程", "XC01", "青禾镇人民政府",
                     date(2026, 1, 1), date(2026, 6, 30), 100.0, 100.0, "completed"),
    ]  # fmt: skip
    return MonthlyReport(
        campaign="创建全国民族团结进步示范区",
        secretariat="青禾市创建办",
        period="2026-10",
        period_label="2026年10月",
        deadline=DEADLINE,
        units=units,
        tasks=tasks,
        projects=[
            ProjectProgress("宣传教育工程", 2, 2, 65.0),
            ProjectProgress("基层创建工程", 2, 1, 40.25),
            ProjectProgress("法治保障工程", 1, 1, 100.0),
        ],
        totals=Totals(activities=37, participants=5120, funds_10k_yuan=12.5),
        requirements=["压实工作责任，确保各项任务按时间节点推进。", f"加强宣传{DANGER}，营造浓厚氛围。"],
        numbers={"notice": "创建办〔2026〕7号"},
        issue_date=date(2026, 11, 6),
    )


def make_receipt(accepted: bool, problems: int = 3) -> Receipt:
    errors = [
        Problem("完成进度应为0到100之间的数字", row=5, column="完成进度(%)", value=f"12０{DANGER}", cell="E5"),
        Problem("缺少必填列“本月进展”"),
        Problem("联系电话格式不正确", row=7, column="联系电话", value="1234"),
    ] + [Problem(f"第{i}个问题", row=10 + i, column="本月进展", value="x") for i in range(max(0, problems - 3))]
    return Receipt(
        file=f"月度进展{DANGER}.xlsx",
        unit="BM03",
        unit_name=f"市民族宗教事务局{DANGER}",
        cycle="monthly",
        period="2026-10",
        period_label="2026年10月",
        received_at=datetime(2026, 11, 4, 2, 30, tzinfo=ZoneInfo("UTC")),  # 10:30 in Shanghai
        sha256="ab" * 32,
        accepted=accepted,
        errors=[] if accepted else errors[:problems],
        submission_type="月度进展报送表",
        rows=12 if accepted else 0,
        deadline=DEADLINE,
        secretariat="青禾市创建办",
    )


def full_text(doc: DocumentObject) -> str:
    """Every paragraph and table cell, so an assertion does not depend on where a sentence sits."""
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def data_rows(table: Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[1:]]


@pytest.fixture(scope="module")
def notice_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_monthly_notice(make_report(), tmp_path_factory.mktemp("notice") / "通报.docx")


@pytest.fixture(scope="module")
def notice(notice_path: Path) -> DocumentObject:
    return docx.Document(str(notice_path))


# ---------------------------------------------------------------- the monthly notice


def test_notice_names_units_tasks_totals_and_requirements(notice: DocumentObject) -> None:
    text = full_text(notice)
    body = "\n".join(p.text for p in notice.paragraphs)
    assert "创建办〔2026〕7号" in body
    assert "青禾市创建办文件" in body
    # the title in lines broken between words, the campaign's name whole (菱形)
    assert "关于2026年10月\n创建全国民族团结进步示范区\n工作进展情况的通报" in body
    assert "各成员单位：" in body
    assert "应报送单位5家，其中按时报送2家，逾期报送1家，报送材料未通过审核1家，未报送1家" in body
    assert "逾期报送的单位（1家）：市教育局。" in body
    assert f"报送材料未通过审核的单位（1家）：市民族宗教事务局{DANGER}。" in body
    assert "未报送的单位（1家）：团结社区居委会。" in body
    # lagging / overdue / unreported tasks: id, name and lead unit named in 三、存在问题
    problems = body.split("三、存在问题")[1].split("四、下步要求")[0]
    assert "（一）进度滞后的任务（1项）" in problems
    assert "T2 建设石榴籽家园（牵头单位：青禾镇人民政府）" in problems
    assert "滞后40个百分点" in problems and "资金未到位" in problems
    assert f"T3 创建示范单位{DANGER}（牵头单位：市民族宗教事务局{DANGER}）" in problems
    assert "完成时限为2026年9月30日" in problems
    assert "T4 建设社区融嵌服务站（牵头单位：团结社区居委会）" in problems
    assert "以上任务的牵头单位要" in problems
    assert "T1 " not in problems and "T5 " not in problems  # on track and completed tasks are not named
    assert "开展活动37场次，参与5120人次，投入经费12.5万元" in body
    assert "平均完成进度65%" in body and "平均完成进度40.3%" in body and "平均完成进度100%" in body
    assert "1. 压实工作责任，确保各项任务按时间节点推进。" in body
    assert f"2. 加强宣传{DANGER}，营造浓厚氛围。" in body
    assert "2026年11月5日17:00前报送" in body
    # closing: authority then date (Arabic numerals), right-aligned, before the attachments
    paragraphs = [p.text for p in notice.paragraphs]
    i = paragraphs.index("2026年11月6日")
    assert paragraphs[i - 1] == "青禾市创建办"
    for paragraph in notice.paragraphs[i - 1 : i + 1]:
        assert paragraph.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert i < paragraphs.index("附件1") < paragraphs.index("附件2")
    assert "{%" not in text and "{{ secretariat" not in text


def test_notice_attachment_tables_list_every_unit_and_task(notice: DocumentObject) -> None:
    report = make_report()
    unit_table, task_table = body_tables(notice)
    assert [c.text for c in unit_table.rows[0].cells] == ["序号", "单位代码", "单位名称", "单位类别", "报送状态", "报送时间"]
    assert data_rows(unit_table) == [
        [str(i), u.code, u.name, u.category, u.state_label, format_datetime(u.received_at)]
        for i, u in enumerate(report.units, start=1)
    ]
    assert data_rows(unit_table)[1][5] == "2026年11月6日08:30"
    assert data_rows(unit_table)[3][5] == "—"
    assert [c.text for c in task_table.rows[0].cells] == [
        "序号", "任务编号", "任务名称", "所属工程", "牵头单位", "完成进度", "应达进度", "状态"
    ]  # fmt: skip
    assert data_rows(task_table) == [
        [str(i), t.task_id, t.name, t.project, t.lead_unit_name, format_percent(t.progress),
         format_percent(t.expected), t.state_label]
        for i, t in enumerate(report.tasks, start=1)
    ]  # fmt: skip
    assert data_rows(task_table)[2][5:] == ["80.5%", "100%", "逾期未完成"]
    assert data_rows(task_table)[3][5] == "—"
    # the header row repeats on each page
    assert unit_table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_unit_text_comes_out_literally(notice: DocumentObject, notice_path: Path) -> None:
    text = full_text(notice)
    assert f"市民族宗教事务局{DANGER}" in text
    assert "市民族宗教事务局49" not in text and "<b>" in text
    xml = zipfile.ZipFile(notice_path).read("word/document.xml").decode("utf-8")
    assert "{{ 7*7 }}&lt;b&gt;&amp;" in xml


def test_control_characters_from_excel_do_not_break_the_document(tmp_path: Path) -> None:
    report = make_report()
    report.units[0].name = "青禾镇\x0b人民\x07政府\x0c"
    report.projects = []  # no chart: keeps this test fast
    out = render_monthly_notice(report, tmp_path / "n.docx")
    assert "青禾镇人民政府" in full_text(docx.Document(str(out)))


def test_layout_follows_gbt_9704(notice: DocumentObject) -> None:
    for section in notice.sections:
        for actual, expected in (
            (section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
            (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26),
        ):  # fmt: skip
            assert abs(actual.mm - expected) <= 0.5
        grid = section._sectPr.find(qn("w:docGrid"))
        assert grid.get(qn("w:type")) == "lines"  # a character grid breaks LibreOffice
        assert 22 * int(grid.get(qn("w:linePitch"))) / 20 <= Mm(225).pt  # 22 lines fit the type area
    styles = notice.styles
    body = styles["公文正文"]
    assert body.font.size.pt == 16
    assert body.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert abs(body.paragraph_format.line_spacing.pt - 28.95) < 0.1
    assert body.paragraph_format.first_line_indent.pt == 32
    title = styles["公文标题"]
    assert title.font.size.pt == 22 and title.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert styles["一级标题"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert styles["二级标题"].element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    assert str(styles["发文机关标志"].font.color.rgb) == "FF0000"
    rule = styles["发文字号"].element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"
    used = {p.style.name for p in notice.paragraphs}
    assert {"公文正文", "公文标题", "一级标题", "二级标题", "发文机关署名", "成文日期"} <= used


def test_footer_has_page_numbers_odd_right_even_left(notice: DocumentObject) -> None:
    assert notice.settings.odd_and_even_pages_header_footer
    section = notice.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        assert not footer.is_linked_to_previous
        xml = footer._element.xml
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
        paragraph = footer.paragraphs[0]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert paragraph.alignment == getattr(WD_ALIGN_PARAGRAPH, side.upper())
        assert paragraph.style.font.size.pt == 14
        assert paragraph.style.element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_chart_is_embedded(notice: DocumentObject, notice_path: Path) -> None:
    assert len(notice.inline_shapes) == 1
    names = zipfile.ZipFile(notice_path).namelist()
    assert any(n.startswith("word/media/") and n.endswith(".png") for n in names)
    assert abs(notice.inline_shapes[0].width.mm - 140) < 1


# ---------------------------------------------------------------- the chart


def test_chart_uses_the_cjk_font_shipped_by_mplfonts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.backends import backend_agg

    used: list[str] = []
    original = backend_agg.get_font

    def spy(paths: Any, *args: Any, **kwargs: Any) -> Any:
        used.append(str(paths[0] if isinstance(paths, list | tuple) else paths))
        return original(paths, *args, **kwargs)

    monkeypatch.setattr(backend_agg, "get_font", spy)
    projects = make_report().projects
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would fail the test
        first = progress_chart(projects, tmp_path / "a.png")
    second = progress_chart(projects, tmp_path / "b.png")

    font = cjk_font_path()
    spec = importlib.util.find_spec("mplfonts")
    assert spec is not None and font.is_relative_to(Path(next(iter(spec.submodule_search_locations))))
    assert font.name == "NotoSansCJKsc-Regular.otf"
    assert used and {Path(p).resolve() for p in used} == {font.resolve()}
    png = first.read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert png == second.read_bytes()  # deterministic


# ---------------------------------------------------------------- receipts


def test_rejected_receipt_lists_problems_and_asks_to_resubmit(tmp_path: Path) -> None:
    out = render_receipt(make_receipt(accepted=False), tmp_path / "回执.docx")
    doc = docx.Document(str(out))
    text = full_text(doc)
    assert "材料报送回执" in text
    info = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert info["报送单位"] == f"市民族宗教事务局{DANGER}"  # named, not coded
    assert info["报送文件"] == f"月度进展{DANGER}.xlsx"
    assert info["报送类型"] == "月度进展报送表"
    assert info["期次"] == "2026年10月"
    assert info["接收时间"] == "2026年11月4日10:30"  # UTC 02:30 shown in Asia/Shanghai
    assert info["截止时间"] == "2026年11月5日17:00"
    assert info["是否按时"] == "按时"
    assert "ab" * 32 not in text and "SHA" not in text  # the hash is the JSON receipt's, not the unit's
    assert info["处理结果"] == "退回"
    assert data_rows(doc.tables[1]) == [
        ["1", "5", "完成进度(%)（E5）", f"12０{DANGER}", "完成进度应为0到100之间的数字"],
        ["2", "—", "整个文件", "", "缺少必填列“本月进展”"],
        ["3", "7", "联系电话", "1234", "联系电话格式不正确"],
    ]
    assert "于2026年11月5日17:00前重新报送" in text
    assert "替换本期此前报送的材料" in text
    assert "已接收数据" not in text
    assert [p.text for p in doc.paragraphs][-2:] == ["青禾市创建办", "2026年11月4日"]


def test_accepted_receipt_reports_rows(tmp_path: Path) -> None:
    receipt = make_receipt(accepted=True)
    receipt.received_at = datetime(2026, 11, 6, 8, 30, tzinfo=SH)  # after the deadline
    doc = docx.Document(str(render_receipt(receipt, tmp_path / "回执.docx")))
    text = full_text(doc)
    assert len(doc.tables) == 1  # no problem table
    info = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert info["处理结果"] == "接收" and info["是否按时"] == "逾期"
    assert "已接收数据12行" in text
    assert "按逾期报送登记" in text
    assert "重新报送。" not in text and "未予接收" not in text


def test_receipt_problem_table_is_capped(tmp_path: Path) -> None:
    doc = docx.Document(str(render_receipt(make_receipt(False, problems=450), tmp_path / "r.docx")))
    assert len(doc.tables[1].rows) == 1 + MAX_PROBLEM_ROWS
    assert "另有250个问题未在此列出，完整问题清单见随本回执发回的标注表格中的“问题清单”工作表。" in full_text(doc)
    summary = replace(make_receipt(False, problems=450), file="年度工作总结.docx")  # no annotated copy
    doc = docx.Document(str(render_receipt(summary, tmp_path / "s.docx")))
    assert "另有250个问题未在此列出，完整问题清单请向青禾市创建办索取。" in full_text(doc)


# ---------------------------------------------------------------- templates


def test_workspace_template_overrides_and_typos_are_refused(tmp_path: Path) -> None:
    workspace_templates = tmp_path / "templates"
    workspace_templates.mkdir()
    custom = docx.Document()
    custom.add_paragraph("自定义回执：{{ unit_name }}，{{ result }}")
    custom.save(str(workspace_templates / "receipt.docx"))
    out = render_receipt(make_receipt(True), tmp_path / "a.docx", workspace_templates=workspace_templates)
    assert f"自定义回执：市民族宗教事务局{DANGER}，接收" in full_text(docx.Document(str(out)))

    # a folder without the template falls back to the shipped one
    out = render_receipt(make_receipt(True), tmp_path / "b.docx", workspace_templates=tmp_path / "none")
    shipped = render_receipt(make_receipt(True), tmp_path / "shipped.docx")
    assert full_text(docx.Document(str(out))) == full_text(docx.Document(str(shipped)))
    assert "自定义回执" not in full_text(docx.Document(str(out)))

    typo = docx.Document()
    typo.add_paragraph("{{ secretarat }}")
    typo.save(str(tmp_path / "typo.docx"))
    with pytest.raises(RenderError, match="secretarat"):
        render_receipt(make_receipt(True), tmp_path / "c.docx", template=tmp_path / "typo.docx")
    assert not (tmp_path / "c.docx").exists()
    with pytest.raises(RenderError, match="找不到模板"):
        render_receipt(make_receipt(True), tmp_path / "d.docx", template=tmp_path / "missing.docx")


def test_sandbox_refuses_unsafe_template_code(tmp_path: Path) -> None:
    evil = docx.Document()
    evil.add_paragraph("{{ unit.__class__.__mro__[1].__subclasses__() }}")
    evil.save(str(tmp_path / "evil.docx"))
    with pytest.raises(RenderError, match="unsafe|不安全|access"):
        render_receipt(make_receipt(True), tmp_path / "e.docx", template=tmp_path / "evil.docx")


def test_number_and_date_formatting() -> None:
    assert format_percent(85.0) == "85%"
    assert format_percent(85.25) == "85.3%"
    assert format_percent(None) == "—"
    assert format_number(12.50) == "12.5" and format_number(3.0) == "3" and format_number(-0.0001) == "0"
    assert format_datetime(datetime(2026, 11, 4, 16, 0, tzinfo=ZoneInfo("UTC"))) == "2026年11月5日00:00"


# ---------------------------------------------------------------- the campaign's time zone


def test_receipt_shows_times_in_the_campaigns_time_zone(tmp_path: Path) -> None:
    from docgen.config import Campaign

    from .conftest import parse_period

    campaign = Campaign.from_dict(
        {"name": "创建", "secretariat": "创建办", "doc_number_prefix": "创建办〔2026〕", "timezone": "Asia/Urumqi"}
    )
    receipt = make_receipt(accepted=False)
    receipt.timezone = campaign.timezone
    receipt.deadline = parse_period("monthly", "2026-10", campaign).deadline  # 17:00 in Urumqi = 19:00 in Shanghai
    receipt.received_at = datetime(2026, 11, 5, 10, 30, tzinfo=ZoneInfo("UTC"))  # 16:30 in Urumqi
    doc = docx.Document(str(render_receipt(receipt, tmp_path / "回执.docx")))
    info = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert info["接收时间"] == "2026年11月5日16:30"
    assert info["截止时间"] == "2026年11月5日17:00"
    assert info["是否按时"] == "按时"
    assert "于2026年11月5日17:00前重新报送" in full_text(doc)


def test_a_day_boundary_is_the_campaigns_day() -> None:
    receipt = make_receipt(accepted=True)
    receipt.timezone = "Europe/Berlin"
    receipt.received_at = datetime(2026, 11, 4, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on the 5th in Berlin
    receipt.deadline = datetime(2026, 11, 5, 17, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    context = receipt_context(receipt)
    assert context["received_text"] == "2026年11月5日00:30"
    assert context["deadline_text"] == "2026年11月5日17:00"
    assert context["issue_date_text"] == "2026年11月5日"
    receipt.timezone = "Asia/Shanghai"
    assert receipt_context(receipt)["received_text"] == "2026年11月5日07:30"
    receipt.timezone = "Mars/Olympus_Mons"
    with pytest.raises(RenderError, match="未知的时区"):
        receipt_context(receipt)


def test_monthly_report_carries_the_campaigns_time_zone_into_the_notice() -> None:
    from docgen.config import Campaign
    from docgen.cycles.monthly.rules import Submission, build_monthly_report
    from docgen.models import Registry

    from .conftest import TASKS, UNITS, parse_period

    campaign = Campaign.from_dict(
        {"name": "创建", "secretariat": "创建办", "doc_number_prefix": "创建办〔2026〕", "timezone": "Europe/Berlin"}
    )
    registry = Registry(units={u.code: u for u in UNITS}, tasks={t.task_id: t for t in TASKS})
    dropped = datetime(2026, 11, 3, 9, 15, tzinfo=ZoneInfo("UTC"))  # 10:15 in Berlin, 17:15 in Shanghai
    report = build_monthly_report(
        campaign, registry, parse_period("monthly", "2026-10", campaign), [Submission("A01", "a.xlsx", dropped, True)]
    )
    assert report.timezone == "Europe/Berlin"
    assert MonthlyReport.from_dict(report.to_dict()).timezone == "Europe/Berlin"
    context = notice_context(report)
    assert context["deadline_text"] == "2026年11月5日17:00"  # 17:00 in Berlin, not 00:00 the next day
    assert context["unit_rows"][0]["received"] == "2026年11月3日10:15"
    assert context["time_zone_text"] == "当地时间（时区Europe/Berlin）"
    assert notice_context(make_report())["time_zone_text"] == "北京时间"


def test_old_report_json_without_time_zone_reads_as_shanghai() -> None:
    data = make_report().to_dict()
    assert data["timezone"] == "Asia/Shanghai"
    del data["timezone"]
    assert MonthlyReport.from_dict(data).timezone == "Asia/Shanghai"


# ---------------------------------------------------------------- notes on a receipt


def test_receipt_shows_each_note_after_the_result(tmp_path: Path) -> None:
    receipt = make_receipt(accepted=False)
    receipt.notes = ["文件修改时间晚于系统时间，按首次发现时间计", "  ", f"标注副本未能生成{DANGER}\x0b"]
    assert receipt.to_dict()["notes"] == receipt.notes
    doc = docx.Document(str(render_receipt(receipt, tmp_path / "回执.docx")))
    paragraphs = [p.text for p in doc.paragraphs]
    notes = [p for p in paragraphs if p.startswith("说明：")]
    assert notes == ["说明：文件修改时间晚于系统时间，按首次发现时间计", f"说明：标注副本未能生成{DANGER}"]
    first = paragraphs.index(notes[0])
    assert paragraphs.index(next(p for p in paragraphs if "重新报送。" in p)) < first  # after the result
    assert paragraphs[first + 2 :] == ["青禾市创建办", "2026年11月4日"]  # then the signature
    for paragraph in doc.paragraphs[first : first + 2]:
        assert paragraph.style.name == "公文正文" and paragraph.paragraph_format.keep_with_next


def test_receipt_without_notes_has_no_note_paragraph(tmp_path: Path) -> None:
    receipt = make_receipt(accepted=True)
    assert receipt.to_dict()["notes"] == []
    doc = docx.Document(str(render_receipt(receipt, tmp_path / "回执.docx")))
    assert not [p.text for p in doc.paragraphs if "说明：" in p.text]
    assert [p.text for p in doc.paragraphs][-2:] == ["青禾市创建办", "2026年11月4日"]


# ---------------------------------------------------------------- fixed headings of the rendered documents


def test_rendered_notice_has_its_fixed_headings(notice: DocumentObject) -> None:
    headings = [
        (p.style.name, p.text)
        for p in notice.paragraphs
        if p.style.name in ("公文标题", "一级标题", "二级标题", "附件说明", "附件说明续行", "附件标识", "附件标题", "图题")
    ]
    assert headings == [
        ("公文标题", "关于2026年10月\n创建全国民族团结进步示范区\n工作进展情况的通报"),
        ("一级标题", "一、报送情况"),
        ("一级标题", "二、工作进展"),
        ("图题", "图1  各工程平均完成进度"),
        ("一级标题", "三、存在问题"),
        ("二级标题", "（一）进度滞后的任务（1项）"),
        ("二级标题", "（二）逾期未完成的任务（1项）"),
        ("二级标题", "（三）未报进度的任务（1项）"),
        ("一级标题", "四、下步要求"),
        ("附件说明", "附件：1. 2026年10月成员单位报送情况表"),
        ("附件说明续行", "2. 2026年10月任务进展情况表"),
        ("附件标识", "附件1"),
        ("附件标题", "2026年10月成员单位报送情况表"),
        ("附件标识", "附件2"),
        ("附件标题", "2026年10月任务进展情况表"),
    ]
    notes = [p.text for p in notice.paragraphs if p.style.name == "表注"]
    assert notes == [
        "注：报送时间为北京时间；报送截止时间为2026年11月5日17:00。",
        "注：完成进度为牵头单位报送的完成进度；应达进度按任务起止时间中已过去的比例计算；“—”表示未报进度。",
    ]


def test_rendered_receipt_has_its_fixed_title_and_table_headers(tmp_path: Path) -> None:
    doc = docx.Document(str(render_receipt(make_receipt(accepted=False), tmp_path / "回执.docx")))
    assert [(p.style.name, p.text) for p in doc.paragraphs[:2]] == [
        ("公文标题", "材料报送回执"),
        ("主送机关", f"市民族宗教事务局{DANGER}："),
    ]
    assert [row.cells[0].text for row in doc.tables[0].rows] == [
        "报送单位", "报送文件", "报送类型", "期次", "接收时间", "截止时间", "是否按时", "处理结果",
    ]  # fmt: skip
    assert [c.text for c in doc.tables[1].rows[0].cells] == ["序号", "行号", "列名", "填写的值", "问题说明"]
    assert {c.paragraphs[0].style.name for c in doc.tables[1].rows[0].cells} == {"附件表头"}
    assert [p.style.name for p in doc.paragraphs[-2:]] == ["发文机关署名", "成文日期"]


def test_chart_drawn_by_the_early_process_equals_the_one_drawn_here(tmp_path: Path) -> None:
    from docgen.render.chart import ChartProcess

    projects = [ProjectProgress("宣传教育工程", 3, 2, 62.5), ProjectProgress("共同富裕工程", 2, 0, None)]
    here = progress_chart(projects, tmp_path / "here.png").read_bytes()
    with ChartProcess() as charts:
        assert charts.draw(progress_chart, projects, tmp_path / "early.png").read_bytes() == here
        charts._process.kill()  # gone: the chart is drawn here instead, the same
        charts._process.join()
        assert charts.draw(progress_chart, projects, tmp_path / "fallback.png").read_bytes() == here
