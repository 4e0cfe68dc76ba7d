"""The quarterly documents: what the inspection notice, a rectification notice and the ledger workbook say
about a hand-built quarter (items in every state, a failed recheck, overdue and carried-over items,
late / rejected / missing units). Expected values are written out, not computed by the module.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
from docx.document import Document as DocumentObject
from docx.shared import Mm
from docxtpl import InlineImage

from docgen.cycles.quarterly.documents import (
    CHART_WIDTH_MM,
    LEDGER_WORKBOOK,
    NOTICE_TEMPLATE,
    RECTIFICATION_TEMPLATE,
    notice_context,
    notice_name,
    problem_chart,
    rectification_context,
    rectification_name,
    write_ledger_workbook,
)
from docgen.cycles.quarterly.report import (
    NOTICE_KEY,
    RECTIFICATION_KEY,
    HistoryEntry,
    LedgerItem,
    QuarterlyReport,
)
from docgen.models import UnitStatus
from docgen.render.engine import REPO_TEMPLATES, load_template, render_to_file
from docgen.render.gbt import issuer_size

from .reading import body_tables, paragraphs, rows, section

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
DANGER = "{{ 7*7 }}<b>&"  # what a unit might type: Jinja, markup, an XML entity start
MZ = f"市民族宗教事务局{DANGER}"
FORMULA = "=SUM(A1) 台账数据未按月更新"


def item(
    pid: str, unit: str, name: str, ptype: str, description: str, deadline: date, state: str, **flags: object
) -> LedgerItem:
    return LedgerItem(
        problem_id=pid, unit=unit, unit_name=name, problem_type=ptype, description=description,
        requirement=f"{description}的整改要求", deadline=deadline, filed=date(2026, 6, 10), team="第一督查组",
        state=state, last_change=datetime(2026, 9, 20, 10, 0, tzinfo=SH), **flags,
    )  # fmt: skip


def make_report() -> QuarterlyReport:
    units = [
        UnitStatus("JY01", "青禾市教育局", "部门", "on_time", datetime(2026, 10, 8, 9, 0, tzinfo=SH), "a.xlsx"),
        UnitStatus("BM03", MZ, "部门", "late", datetime(2026, 10, 11, 9, 0, tzinfo=SH), "b.xlsx"),
        UnitStatus("XC03", "青禾镇人民政府", "乡镇街道", "rejected", datetime(2026, 10, 9, 9, 0, tzinfo=SH), "c.xlsx"),
        UnitStatus("SQ04", "团结社区居委会", "社区", "missing"),
        UnitStatus("QY05", "青禾乳业有限公司", "企业", "on_time", datetime(2026, 10, 9, 15, 0, tzinfo=SH), "e.xlsx"),
    ]  # fmt: skip
    items = [
        item("WT2026-Q2-01", "JY01", "青禾市教育局", "基础设施", "校园民族团结宣传栏内容陈旧", date(2026, 8, 31),
             "rectifying", overdue=True, carried_over=True),
        item("WT2026-Q2-02", "BM03", MZ, "宣传教育", FORMULA, date(2026, 9, 15), "open",
             failed_rechecks=1, overdue=True, failed_in_quarter=True, carried_over=True),
        item("WT2026-Q3-01", "JY01", "青禾市教育局", "制度建设", f"未建立创建工作台账{DANGER}", date(2026, 11, 30),
             "awaiting_recheck", filed_in_quarter=True),
        item("WT2026-Q3-02", "XC03", "青禾镇人民政府", "基础设施", "社区融嵌服务站未挂牌", date(2026, 12, 31), "open",
             filed_in_quarter=True),
        item("WT2026-Q3-03", "QY05", "青禾乳业有限公司", "宣传教育", "企业宣传阵地未设置", date(2026, 9, 20), "closed",
             filed_in_quarter=True, closed_in_quarter=True),
        # closed in the second quarter: in the ledger, not in this quarter's counts
        item("WT2026-Q1-01", "QY05", "青禾乳业有限公司", "制度建设", "未明确创建工作联络员", date(2026, 4, 30), "closed"),
        item("WT2026-Q2-03", "XC03", "青禾镇人民政府", "宣传教育", "宣传标语存在错别字", date(2026, 8, 31), "closed",
             failed_rechecks=1, closed_in_quarter=True, carried_over=True),
    ]  # fmt: skip
    history = [
        HistoryEntry("WT2026-Q2-02", "BM03", None, "open", datetime(2026, 6, 10, 10, 0, tzinfo=SH),
                     "问题清单.xlsx", "督查挂号", period="2026-Q2"),
        HistoryEntry("WT2026-Q2-02", "BM03", "open", "awaiting_recheck", datetime(2026, 7, 5, 9, 0, tzinfo=SH),
                     "整改情况.xlsx", "单位报送整改情况", "已完成", "2026-Q3"),
        HistoryEntry("WT2026-Q2-02", "BM03", "awaiting_recheck", "open", datetime(2026, 9, 20, 2, 30, tzinfo=UTC),
                     "复查结果.xlsx", "复查不通过", "不通过", "2026-Q3"),
    ]  # fmt: skip
    return QuarterlyReport(
        campaign="创建全国民族团结进步示范区",
        secretariat="青禾市创建办",
        period="2026-Q3",
        period_label="2026年第三季度",
        period_end=date(2026, 9, 30),
        deadline=datetime(2026, 10, 10, 17, 0, tzinfo=SH),
        cutoff=datetime(2026, 10, 10, 17, 0, tzinfo=SH),
        units=units,
        items=items,
        history=history,
        requirements=["压实整改责任，确保问题按时销号。", f"加强督导{DANGER}，防止问题反弹。"],
        numbers={NOTICE_KEY: "创建办〔2026〕5号", RECTIFICATION_KEY + "JY01": "创建办〔2026〕6号",
                 RECTIFICATION_KEY + "BM03": "创建办〔2026〕7号", RECTIFICATION_KEY + "XC03": "创建办〔2026〕8号"},
        issue_date=date(2026, 10, 12),
    )


def render_notice(report: QuarterlyReport, out: Path, with_chart: bool = True) -> Path:
    tpl = load_template(REPO_TEMPLATES / NOTICE_TEMPLATE)
    chart = None
    if with_chart:
        png = problem_chart(report, out.parent / "problems.png")
        chart = InlineImage(tpl, str(png), width=Mm(CHART_WIDTH_MM))
    return render_to_file(tpl, notice_context(report, chart, issuer_size(tpl)), out)


def render_rectification(report: QuarterlyReport, unit: str, out: Path) -> Path:
    tpl = load_template(REPO_TEMPLATES / RECTIFICATION_TEMPLATE)
    return render_to_file(tpl, rectification_context(report, unit, issuer_size(tpl)), out)


@pytest.fixture(scope="module")
def notice_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_notice(make_report(), tmp_path_factory.mktemp("quarterly") / "通报.docx")


@pytest.fixture(scope="module")
def notice(notice_path: Path) -> DocumentObject:
    return docx.Document(str(notice_path))


# ---------------------------------------------------------------- names


def test_file_names() -> None:
    report = make_report()
    assert notice_name(report) == "2026年第三季度督查通报（创建办〔2026〕5号）.docx"
    assert rectification_name(report, "JY01") == "整改通知书_青禾市教育局（创建办〔2026〕6号）.docx"
    assert rectification_name(report, "SQ04") == "整改通知书_团结社区居委会.docx"  # no number given
    unsafe = rectification_name(report, "BM03")
    assert unsafe.startswith("整改通知书_市民族宗教事务局") and unsafe.endswith("（创建办〔2026〕7号）.docx")
    assert not set(unsafe) & set("{}<>& *")
    del report.numbers[NOTICE_KEY]
    assert notice_name(report) == "2026年第三季度督查通报.docx"
    assert LEDGER_WORKBOOK == "整改台账.xlsx"


# ---------------------------------------------------------------- the inspection notice


def test_notice_heading_and_overall_figures(notice: DocumentObject) -> None:
    texts = paragraphs(notice)
    assert texts[:4] == [
        "青禾市创建办文件",
        "创建办〔2026〕5号",
        "关于2026年第三季度\n创建全国民族团结进步示范区\n督查情况的通报",  # 菱形, the campaign's name whole
        "各成员单位：",
    ]
    assert section(notice, "一、督查及整改总体情况", "二、逾期未整改问题")[:2] == [
        "2026年第三季度督查新发现问题3个，以前季度结转未销号问题3个，合计6个。本季度销号2个；"
        "截至2026年10月10日17:00，尚未销号4个，其中挂号2个、整改中1个、已整改待复查1个。"
        "未销号问题中逾期未整改2个；本季度复查未通过1个。",
        "按问题类型统计如下（表1、图1）：",
    ]
    assert rows(notice.tables[0]) == [
        ["序号", "问题类型", "问题数", "已销号", "未销号", "逾期"],
        ["1", "基础设施", "2", "0", "2", "1"],
        ["2", "宣传教育", "3", "2", "1", "1"],
        ["3", "制度建设", "1", "0", "1", "0"],
        ["合计", "", "6", "2", "4", "2"],
    ]
    assert len(notice.inline_shapes) == 1
    assert abs(notice.inline_shapes[0].width.mm - 140) < 1
    assert "图1  各类型问题整改情况" in texts


def test_notice_names_overdue_and_failed_items_with_their_units(notice: DocumentObject) -> None:
    assert section(notice, "二、逾期未整改问题", "三、复查未通过问题") == [
        "截至2026年10月10日17:00，以下2个问题已超过整改时限仍未销号，予以通报：",
        "1. 青禾市教育局：WT2026-Q2-01 校园民族团结宣传栏内容陈旧（问题类型：基础设施；整改时限为2026年8月31日；"
        "当时状态为“整改中”）。",
        f"2. {MZ}：WT2026-Q2-02 {FORMULA}（问题类型：宣传教育；整改时限为2026年9月15日；当时状态为“挂号”；"
        "复查未通过1次）。",
        "以上单位要切实履行整改主体责任，认真分析逾期原因，明确整改时限和责任人，尽快完成整改并报送整改情况。",
    ]
    assert section(notice, "三、复查未通过问题", "四、未按时报送整改情况的单位") == [
        "本季度复查中，以下1个问题整改不到位，复查未通过，退回重新整改：",
        f"1. {MZ}：WT2026-Q2-02 {FORMULA}（累计复查未通过1次；当时状态为“挂号”；已逾期）。",
        "以上单位要对照整改要求重新制定整改措施，确保真改实改，整改完成后再次报送整改情况。",
    ]


def test_notice_names_late_rejected_and_missing_units(notice: DocumentObject) -> None:
    assert section(notice, "四、未按时报送整改情况的单位", "五、下步要求") == [
        "2026年第三季度整改情况应于2026年10月10日17:00（北京时间）前报送。应报送单位5家，其中按时报送2家，"
        "逾期报送1家，报送材料未通过审核1家，未报送1家。",
        f"逾期报送的单位（1家）：{MZ}。",
        "报送材料未通过审核的单位（1家）：青禾镇人民政府。",
        "未报送的单位（1家）：团结社区居委会。",
        "以上单位要高度重视整改情况报送工作。逾期报送和未报送的单位要向青禾市创建办书面说明原因；"
        "报送材料未通过审核的单位要按回执逐项修改后重新报送。",
    ]
    assert section(notice, "五、下步要求", "附件：1. 2026年第三季度各单位问题整改情况统计表") == [
        "1. 压实整改责任，确保问题按时销号。",
        f"2. 加强督导{DANGER}，防止问题反弹。",
    ]
    texts = paragraphs(notice)
    assert texts[texts.index("2. 2026年第三季度未销号问题清单") + 1 :][:2] == ["青禾市创建办", "2026年10月12日"]


def test_notice_attachments_by_unit_and_open_items(notice: DocumentObject) -> None:
    assert rows(notice.tables[1]) == [
        ["序号", "单位", "问题数", "已销号", "未销号", "逾期"],
        ["1", "青禾市教育局", "2", "0", "2", "1"],
        ["2", MZ, "1", "0", "1", "1"],
        ["3", "青禾镇人民政府", "2", "1", "1", "0"],
        ["4", "青禾乳业有限公司", "1", "1", "0", "0"],
        ["合计", "", "6", "2", "4", "2"],
    ]
    assert rows(notice.tables[2]) == [
        ["序号", "问题编号", "单位", "问题类型", "问题描述", "整改时限", "当前状态", "备注"],
        ["1", "WT2026-Q2-01", "青禾市教育局", "基础设施", "校园民族团结宣传栏内容陈旧", "2026年8月31日", "整改中", "已逾期"],
        ["2", "WT2026-Q2-02", MZ, "宣传教育", FORMULA, "2026年9月15日", "挂号", "已逾期；复查未通过1次"],
        ["3", "WT2026-Q3-01", "青禾市教育局", "制度建设", f"未建立创建工作台账{DANGER}", "2026年11月30日",
         "已整改待复查", ""],
        ["4", "WT2026-Q3-02", "青禾镇人民政府", "基础设施", "社区融嵌服务站未挂牌", "2026年12月31日", "挂号", ""],
    ]  # fmt: skip
    assert len(body_tables(notice)) == 3


def test_unit_text_comes_out_literally(notice: DocumentObject, notice_path: Path) -> None:
    text = "\n".join(paragraphs(notice))
    assert MZ in text and "市民族宗教事务局49" not in text
    xml = zipfile.ZipFile(notice_path).read("word/document.xml").decode("utf-8")
    assert "{{ 7*7 }}&lt;b&gt;&amp;" in xml


def test_empty_sections_say_so(tmp_path: Path) -> None:
    report = make_report()
    report.items = [i for i in report.items if i.problem_id in ("WT2026-Q3-01", "WT2026-Q3-03")]
    for unit in report.units:
        unit.state = "on_time"
    doc = docx.Document(str(render_notice(report, tmp_path / "a.docx")))
    assert section(doc, "二、逾期未整改问题", "三、复查未通过问题") == ["本季度无逾期未整改问题。"]
    assert section(doc, "三、复查未通过问题", "四、未按时报送整改情况的单位") == ["本季度无复查未通过问题。"]
    assert section(doc, "四、未按时报送整改情况的单位", "五、下步要求")[1:] == [
        "各成员单位均按时报送整改情况，报送材料全部通过审核。"
    ]

    report.items = []
    doc = docx.Document(str(render_notice(report, tmp_path / "b.docx", with_chart=False)))
    assert section(doc, "一、督查及整改总体情况", "二、逾期未整改问题")[1:] == [
        "本季度无督查发现问题，也无以前季度结转的未销号问题。"
    ]
    texts = paragraphs(doc)
    assert "本季度无督查发现问题。" in texts
    assert "截至2026年10月10日17:00，督查发现问题已全部销号。" in texts
    assert body_tables(doc) == [] and len(doc.inline_shapes) == 0


def test_problem_chart_is_reproducible(tmp_path: Path) -> None:
    first = problem_chart(make_report(), tmp_path / "a.png").read_bytes()
    second = problem_chart(make_report(), tmp_path / "b.png").read_bytes()
    assert first.startswith(b"\x89PNG") and b"Software" not in first
    assert first == second


# ---------------------------------------------------------------- the rectification notices


def test_rectification_notice_lists_exactly_the_units_open_items(tmp_path: Path) -> None:
    doc = docx.Document(str(render_rectification(make_report(), "JY01", tmp_path / "jy.docx")))
    texts = paragraphs(doc)
    assert texts[:6] == [
        "青禾市创建办文件",
        "创建办〔2026〕6号",
        "整改通知书",
        "青禾市教育局：",
        "根据《关于2026年第三季度创建全国民族团结进步示范区督查情况的通报》（创建办〔2026〕5号），截至2026年10月10日17:00，"
        "你单位尚有2个督查发现问题未整改销号，其中已超过整改时限1个。",
        "具体问题如下：",  # a line of its own, kept with the table
    ]
    (table,) = body_tables(doc)
    assert rows(table) == [
        ["问题编号", "问题类型", "问题描述", "整改要求", "整改时限", "当前状态", "备注"],
        ["WT2026-Q2-01", "基础设施", "校园民族团结宣传栏内容陈旧", "校园民族团结宣传栏内容陈旧的整改要求", "2026年8月31日",
         "整改中", "已逾期"],
        ["WT2026-Q3-01", "制度建设", f"未建立创建工作台账{DANGER}", f"未建立创建工作台账{DANGER}的整改要求",
         "2026年11月30日", "已整改待复查", ""],
    ]  # fmt: skip
    assert texts[-4:-1] == [  # the last is the 版记's anchor
        "请你单位对照上述问题和整改要求，逐项制定整改措施、明确责任人和完成时限，于2027年1月10日17:00（北京时间）前"
        "报送整改情况报送表。报送渠道不变，如有疑问请与青禾市创建办联系。已逾期的问题要立即整改，并书面说明逾期原因；"
        "复查未通过的问题要重新制定整改措施。整改完成后由青禾市创建办组织复查，复查通过的予以销号。",
        "青禾市创建办",
        "2026年10月12日",
    ]


def test_rectification_notice_says_how_to_send_in_the_campaigns_words(tmp_path: Path) -> None:
    report = replace(make_report(), channel="请登录市创建办共享盘，将文件放入本单位的报送目录")
    texts = paragraphs(docx.Document(str(render_rectification(report, "JY01", tmp_path / "jy.docx"))))
    assert ("前报送整改情况报送表。请登录市创建办共享盘，将文件放入本单位的报送目录。已逾期的问题要立即整改"
            in texts[-4])  # before the 署名, the date and the 版记's anchor
    assert QuarterlyReport.from_dict(report.to_dict()).channel == report.channel  # kept in the stored report


def test_rectification_notice_without_overdue_items_does_not_count_them(tmp_path: Path) -> None:
    doc = docx.Document(str(render_rectification(make_report(), "XC03", tmp_path / "xc.docx")))
    assert paragraphs(doc)[4].endswith("你单位尚有1个督查发现问题未整改销号。")
    assert [row[0] for row in rows(doc.tables[0])] == ["问题编号", "WT2026-Q3-02"]


def test_rectification_notice_of_another_unit(tmp_path: Path) -> None:
    doc = docx.Document(str(render_rectification(make_report(), "BM03", tmp_path / "bm.docx")))
    texts = paragraphs(doc)
    assert texts[1] == "创建办〔2026〕7号" and texts[3] == f"{MZ}："
    assert texts[4].endswith("你单位尚有1个督查发现问题未整改销号，其中已超过整改时限1个。")
    assert rows(doc.tables[0])[1:] == [
        ["WT2026-Q2-02", "宣传教育", FORMULA, f"{FORMULA}的整改要求", "2026年9月15日", "挂号", "已逾期；复查未通过1次"],
    ]
    context = rectification_context(make_report(), "BM03", report_by=datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    assert context["deadline_text"] == "2026年11月1日10:00"


@pytest.mark.parametrize(("issued", "report_by", "late"), [
    (date(2026, 10, 12), "2027年1月10日17:00", False),  # after Q3's deadline: the next quarter's
    (date(2027, 1, 9), "2027年1月10日17:00", False),
    (date(2027, 1, 10), "2027年4月10日17:00", True),  # on the next deadline's day: never that same day
    (date(2027, 5, 3), "2027年7月10日17:00", True),
])
def test_the_report_by_date_is_after_the_issue_day(issued: date, report_by: str, late: bool) -> None:
    report = make_report()
    report.issue_date = issued
    context = rectification_context(report, "BM03")
    assert context["deadline_text"] == report_by
    assert (context["late_issue_text"] == "本通知书为补发。") is late


# ---------------------------------------------------------------- the ledger workbook


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ledger_workbook(make_report(), tmp_path_factory.mktemp("ledger") / LEDGER_WORKBOOK)


def values(ws, first: int, last: int) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first, max_row=last)]


def test_ledger_sheet_one_row_per_item(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == ["台账", "历史", "统计"]
    ws = wb["台账"]
    assert values(ws, 2, 4) == [
        ["问题编号", "单位", "问题类型", "问题描述", "整改要求", "整改时限", "当前状态", "是否逾期", "复查不通过次数", "最近变更",
         "来源"],
        ["WT2026-Q2-01", "青禾市教育局", "基础设施", "校园民族团结宣传栏内容陈旧", "校园民族团结宣传栏内容陈旧的整改要求",
         datetime(2026, 8, 31), "整改中", "是", 0, datetime(2026, 9, 20, 10, 0), "季度督查"],
        ["WT2026-Q2-02", MZ, "宣传教育", FORMULA, f"{FORMULA}的整改要求", datetime(2026, 9, 15), "挂号", "是", 1,
         datetime(2026, 9, 20, 10, 0), "季度督查"],
    ]  # fmt: skip
    assert ws.max_row == 9
    assert [ws.cell(r, 7).fill.fgColor.rgb for r in range(3, 10)] == [
        "00F8CBAD", "00FFC7CE", "00FFEB9C", "00FFC7CE", "00C6EFCE", "00C6EFCE", "00C6EFCE",
    ]  # fmt: skip
    assert ws.auto_filter.ref == "A2:K9"
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["D"].width == 34


def test_text_that_looks_like_a_formula_stays_text(workbook: Path) -> None:
    cell = openpyxl.load_workbook(workbook)["台账"]["D4"]
    assert cell.value == FORMULA and cell.data_type == "s"
    with zipfile.ZipFile(workbook) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)


def test_history_sheet_in_the_campaigns_time_zone(workbook: Path) -> None:
    ws = openpyxl.load_workbook(workbook)["历史"]
    assert values(ws, 2, 5) == [
        ["问题编号", "单位", "原状态", "新状态", "变更时间", "文件", "变更类型", "期次"],
        ["WT2026-Q2-02", MZ, None, "挂号", datetime(2026, 6, 10, 10, 0), "问题清单.xlsx", "督查挂号", "2026年第二季度"],
        ["WT2026-Q2-02", MZ, "挂号", "已整改待复查", datetime(2026, 7, 5, 9, 0), "整改情况.xlsx",
         "单位报送整改情况（已完成）", "2026年第三季度"],
        ["WT2026-Q2-02", MZ, "已整改待复查", "挂号", datetime(2026, 9, 20, 10, 30), "复查结果.xlsx", "复查不通过",
         "2026年第三季度"],
    ]  # fmt: skip
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:H5"
    assert ws["D5"].fill.fgColor.rgb == "00FFC7CE"


def test_statistics_sheet_by_unit_and_by_type(workbook: Path) -> None:
    ws = openpyxl.load_workbook(workbook)["统计"]
    assert values(ws, 2, 13) == [
        ["单位", "问题总数", "挂号", "整改中", "已整改待复查", "销号", "逾期"],
        ["青禾市教育局", 2, 0, 1, 1, 0, 1],
        [MZ, 1, 1, 0, 0, 0, 1],
        ["青禾镇人民政府", 2, 1, 0, 0, 1, 0],
        ["青禾乳业有限公司", 2, 0, 0, 0, 2, 0],
        ["合计", 7, 2, 1, 1, 3, 2],
        [None] * 7,
        ["问题类型", "问题总数", "挂号", "整改中", "已整改待复查", "销号", "逾期"],
        ["基础设施", 2, 1, 1, 0, 0, 1],
        ["宣传教育", 3, 1, 0, 0, 2, 1],
        ["制度建设", 2, 0, 0, 1, 1, 0],
        ["合计", 7, 2, 1, 1, 3, 2],
    ]
