"""The annual documents: what the acceptance report (验收报告) and the score sheet (验收评分汇总表) say about
a hand-built year (five units, four indicators, a tie, a unit that sent nothing and one whose files were
refused, indicators no assessor scored, self-assessments above and below the assessment). Expected values
are written out, not computed by the module.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
from docx.document import Document as DocumentObject
from docx.shared import Emu, Mm
from docxtpl import InlineImage

from docgen.cycles.annual.documents import (
    CHART_WIDTH_MM,
    REPORT_TEMPLATE,
    SCORE_SHEET,
    report_context,
    report_name,
    score_chart,
    write_score_sheet,
)
from docgen.cycles.annual.report import NOTICE_KEY, AnnualReport, IndicatorInfo, IndicatorLoss, UnitScore
from docgen.models import UnitStatus
from docgen.render.engine import REPO_TEMPLATES, load_template, render_to_file
from docgen.render.gbt import issuer_size

from .reading import body_tables, paragraphs, rows, section

ROOT = Path(__file__).resolve().parents[1]
SH = ZoneInfo("Asia/Shanghai")
DANGER = "<b>&{{x}}{{ 7*7 }}"  # what a unit might type: markup, an XML entity start, Jinja
MZ = f"市民族宗教事务局{DANGER}"
FORMULA = "=SUM(A1)"

INDICATORS = [
    IndicatorInfo("1.1", "组织领导", "领导机构健全", 10),
    IndicatorInfo("1.2", "组织领导", "工作机制完善", 20),
    IndicatorInfo("2.1", "宣传教育", "宣传阵地建设", 30),
    IndicatorInfo("2.2", "宣传教育", "主题活动开展", 40),
]


def score(
    code: str, name: str, total: float, grade: str, rank: int, scores: list[float | None],
    self_scores: list[float] | None = None,
) -> UnitScore:
    ids = [i.indicator_id for i in INDICATORS]
    return UnitScore(
        code=code, name=name, total=total, grade=grade, rank=rank,
        scores=dict(zip(ids, scores, strict=True)),
        self_scores=dict(zip(ids, self_scores or [None] * 4, strict=True)),
        self_total=sum(self_scores) if self_scores else None,
        unscored=[i for i, v in zip(ids, scores, strict=True) if v is None],
        assessors=2,
    )  # fmt: skip


def make_report() -> AnnualReport:
    units = [
        UnitStatus("JY01", "青禾市教育局", "部门", "on_time", datetime(2026, 1, 8, 9, 0, tzinfo=SH), "a.xlsx"),
        UnitStatus("BM03", MZ, "部门", "late", datetime(2026, 1, 11, 9, 0, tzinfo=SH), "b.xlsx"),
        UnitStatus("XC03", "青禾镇人民政府", "乡镇街道", "on_time", datetime(2026, 1, 9, 9, 0, tzinfo=SH), "c.xlsx"),
        UnitStatus("SQ04", "团结社区居委会", "社区", "missing"),
        UnitStatus("QY05", "青禾乳业有限公司", "企业", "rejected", datetime(2026, 1, 9, 15, 0, tzinfo=SH), "e.xlsx"),
    ]  # fmt: skip
    scores = [  # ranking order; BM03 and XC03 tie (registry order)
        score("JY01", "青禾市教育局", 91.5, "优秀", 1, [9, 18, 27.5, 37], [10, 19, 29, 37]),
        score("BM03", MZ, 84, "良好", 2, [8, 17, 25, 34], [8, 16, 24, 32]),
        score("XC03", "青禾镇人民政府", 84, "良好", 2, [10, 16, 26, 32], [10, 16, 26, 32]),
        score("SQ04", "团结社区居委会", 65, "合格", 4, [6, None, 24, 35]),
        score("QY05", "青禾乳业有限公司", 44, "不合格", 5, [8, 14, 22, None]),
    ]
    losses = [  # by points lost, most first
        IndicatorLoss("2.2", "宣传教育", "主题活动开展", 40, 34.5, 5.5, 4),
        IndicatorLoss("2.1", "宣传教育", "宣传阵地建设", 30, 24.9, 5.1, 5),
        IndicatorLoss("1.2", "组织领导", "工作机制完善", 20, 16.25, 3.75, 4),
        IndicatorLoss("1.1", "组织领导", "领导机构健全", 10, 8.2, 1.8, 5),
    ]
    return AnnualReport(
        campaign="创建全国民族团结进步示范区",
        secretariat="青禾市创建办",
        period="2025",
        period_label="2025年度",
        year=2025,
        deadline=datetime(2026, 1, 10, 17, 0, tzinfo=SH),
        units=units,
        indicators=list(INDICATORS),
        scores=scores,
        losses=losses,
        summaries=[],
        grade_thresholds=[("优秀", 90.0), ("良好", 80.0), ("合格", 60.0)],
        requirements=["对照扣分说明逐项整改。", f"健全资料台账{DANGER}。"],
        numbers={NOTICE_KEY: "创建办〔2026〕1号"},
        issue_date=date(2026, 1, 20),
    )


def render_report(report: AnnualReport, out: Path, with_chart: bool = True) -> Path:
    tpl = load_template(REPO_TEMPLATES / REPORT_TEMPLATE)
    chart = None
    if with_chart:
        png = score_chart(report, out.parent / "scores.png")
        chart = InlineImage(tpl, str(png), width=Mm(CHART_WIDTH_MM))
    return render_to_file(tpl, report_context(report, chart, issuer_size(tpl)), out)


@pytest.fixture(scope="module")
def report_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_report(make_report(), tmp_path_factory.mktemp("annual") / "通报.docx")


@pytest.fixture(scope="module")
def notice(report_path: Path) -> DocumentObject:
    return docx.Document(str(report_path))


# ---------------------------------------------------------------- names


def test_file_names() -> None:
    report = make_report()
    assert report_name(report) == "2025年度测评验收报告（创建办〔2026〕1号）.docx"
    report.numbers = {}
    assert report_name(report) == "2025年度测评验收报告.docx"
    assert REPORT_TEMPLATE == "acceptance_report.docx" and SCORE_SHEET == "验收评分汇总表.xlsx"


# ---------------------------------------------------------------- the acceptance notice


def test_heading_and_overall_figures(notice: DocumentObject) -> None:
    assert paragraphs(notice)[:5] == [
        "青禾市创建办文件",
        "创建办〔2026〕1号",
        "关于2025年度创建全国民族团结进步示范区\n测评验收情况的报告",
        "各成员单位：",
        "按照创建全国民族团结进步示范区测评体系，青禾市创建办组织对各成员单位2025年度创建工作进行了测评验收。"
        "现将验收情况报告如下。",
    ]
    assert section(notice, "一、总体情况", "二、得分与等次") == [
        "2025年度测评验收材料应于2026年1月10日17:00（北京时间）前报送。应报送单位5家，已报送3家（其中逾期报送1家），"
        "未报送或报送材料未通过审核2家。",
        "未报送或报送材料未通过审核的单位：团结社区居委会、青禾乳业有限公司（详见第五部分）。",
        "测评体系共4项指标，满分100分。纳入验收评分的单位5家，平均得分73.7分，最高91.5分，最低44分。等次按总分评定："
        "90分及以上为优秀，80分及以上、不足90分为良好，60分及以上、不足80分为合格，不足60分为不合格。"
        "评定优秀1家、良好2家、合格1家、不合格1家（图1）。",
        "",  # the chart
        "图1  验收得分等次分布",
    ]
    assert len(notice.inline_shapes) == 1
    assert abs(notice.inline_shapes[0].width.mm - 140) < 1


def test_ranking_table_with_the_tie_grades_and_gaps(notice: DocumentObject) -> None:
    assert section(notice, "二、得分与等次", "三、失分较多的指标") == [
        "各单位验收得分及等次如下（表1）：",
        "表1  各单位验收得分及等次",
        "注：名次按验收总分由高到低排列，总分相同的名次并列；自评与验收差距为自评总分减验收总分，正数表示自评高于验收；"
        "“—”表示未报送自评表。",
        "以下单位有指标未评分，总分按已评分的指标计算：",
        "1. 团结社区居委会：未评分指标1项（1.2 工作机制完善）。",
        "2. 青禾乳业有限公司：未评分指标1项（2.2 主题活动开展）。",
    ]
    assert rows(notice.tables[0]) == [
        ["名次", "单位", "总分", "等次", "自评总分", "自评与验收差距"],
        ["1", "青禾市教育局", "91.5", "优秀", "95", "+3.5"],
        ["2", MZ, "84", "良好", "80", "-4"],
        ["2", "青禾镇人民政府", "84", "良好", "84", "0"],
        ["4", "团结社区居委会", "65", "合格", "—", "—"],
        ["5", "青禾乳业有限公司", "44", "不合格", "—", "—"],
    ]


def test_indicators_losing_most_and_units_with_the_largest_gaps(notice: DocumentObject) -> None:
    assert section(notice, "三、失分较多的指标", "四、自评与验收差距较大的单位") == [
        "按各指标在已评分单位中的平均失分排序，失分较多的4项指标如下：",
        "1. 2.2 主题活动开展（宣传教育）：分值40分，平均得分34.5分，平均失分5.5分，失分率13.8%。",
        "2. 2.1 宣传阵地建设（宣传教育）：分值30分，平均得分24.9分，平均失分5.1分，失分率17%。",
        "3. 1.2 工作机制完善（组织领导）：分值20分，平均得分16.25分，平均失分3.75分，失分率18.8%。",
        "4. 1.1 领导机构健全（组织领导）：分值10分，平均得分8.2分，平均失分1.8分，失分率18%。",
        "各成员单位要对照上述指标的评分标准逐项查找差距，补齐短板。",
    ]
    assert section(notice, "四、自评与验收差距较大的单位", "五、未报送材料的单位") == [
        "自评总分与验收总分差距较大的2家单位如下：",
        f"1. {MZ}：自评总分80分，验收总分84分，自评低于验收4分。",
        "2. 青禾市教育局：自评总分95分，验收总分91.5分，自评高于验收3.5分。",
        "以上单位要对照测评体系和评分标准，认真分析自评与验收得分存在差距的原因，今后要实事求是开展自评。",
    ]


def test_missing_units_requirements_and_signature(notice: DocumentObject) -> None:
    assert section(notice, "五、未报送材料的单位", "六、下步要求") == [
        "报送材料未通过审核的单位（1家）：青禾乳业有限公司。",
        "未报送的单位（1家）：团结社区居委会。",
        "以上单位要向青禾市创建办书面说明原因。",
    ]
    assert section(notice, "六、下步要求", "附件：1. 2025年度验收评分汇总表") == [
        "1. 对照扣分说明逐项整改。",
        f"2. 健全资料台账{DANGER}。",
    ]
    texts = paragraphs(notice)
    assert texts[texts.index("附件：1. 2025年度验收评分汇总表") + 1 :][:4] == [
        "青禾市创建办", "2026年1月20日", "附件1", "2025年度验收评分汇总表",
    ]  # fmt: skip


def test_attachment_score_table_units_by_indicators(notice: DocumentObject) -> None:
    assert len(body_tables(notice)) == 2
    table = notice.tables[1]
    assert rows(table) == [
        ["名次", "单位", "1.1\n10分", "1.2\n20分", "2.1\n30分", "2.2\n40分", "总分", "等次"],
        ["1", "青禾市教育局", "9", "18", "27.5", "37", "91.5", "优秀"],
        ["2", MZ, "8", "17", "25", "34", "84", "良好"],
        ["2", "青禾镇人民政府", "10", "16", "26", "32", "84", "良好"],
        ["4", "团结社区居委会", "6", "—", "24", "35", "65", "合格"],
        ["5", "青禾乳业有限公司", "8", "14", "22", "—", "44", "不合格"],
    ]
    widths = [Emu(c.width).mm for c in table.rows[0].cells]
    assert abs(sum(widths) - 156) < 0.5  # the type area
    assert widths[2:6] == [pytest.approx(16, abs=0.1)] * 4 and widths[1] > 50
    assert {c.paragraphs[0].style.name for c in table.rows[0].cells} == {"附件表头"}
    assert table.rows[2].cells[1].paragraphs[0].style.name == "附件表格居左"
    texts = paragraphs(notice)[:-1]  # the last is the 版记's anchor
    assert texts[-2:] == [
        "注：表中为各指标的验收得分（多名评审人员评分的取平均分），表头为指标编号和分值；“—”表示该指标未评分，"
        "总分按已评分的指标计算。",
        "指标：1.1 领导机构健全（10分）；1.2 工作机制完善（20分）；2.1 宣传阵地建设（30分）；2.2 主题活动开展（40分）",
    ]


def test_many_indicators_go_on_in_further_tables(tmp_path: Path) -> None:
    report = make_report()
    report.indicators = [IndicatorInfo(f"{n // 5 + 1}.{n % 5 + 1}", "一级", f"指标{n}", 5) for n in range(15)]
    for s in report.scores:
        s.scores = {i.indicator_id: 4.5 for i in report.indicators}
        s.unscored = []
    doc = docx.Document(str(render_report(report, tmp_path / "many.docx", with_chart=False)))
    texts = paragraphs(doc)
    assert [t for t in texts if t.startswith("指标") and "至" in t] == ["指标1.1至1.5", "指标2.1至2.5", "指标3.1至3.5"]
    attachment = body_tables(doc)[1:]
    assert len(attachment) == 3
    for table in attachment:
        assert len(table.columns) == 2 + 5 + 2 and len(table.rows) == 6
        assert abs(sum(Emu(c.width).mm for c in table.rows[0].cells) - 156) < 0.5
    assert rows(attachment[2])[1] == ["1", "青禾市教育局", "4.5", "4.5", "4.5", "4.5", "4.5", "91.5", "优秀"]


def test_unit_text_comes_out_literally(notice: DocumentObject, report_path: Path) -> None:
    text = "\n".join(paragraphs(notice))
    assert MZ in text and "市民族宗教事务局<b>&{{x}}49" not in text
    assert MZ in [c.text for c in notice.tables[1].rows[2].cells]
    xml = zipfile.ZipFile(report_path).read("word/document.xml").decode("utf-8")
    assert "&lt;b&gt;&amp;{{x}}{{ 7*7 }}" in xml and "<b>" not in xml


def test_empty_sections_say_so(tmp_path: Path) -> None:
    report = make_report()
    for unit in report.units:
        unit.state = "on_time"
    for s in report.scores:
        s.self_total = s.total
        s.unscored = []
    report.losses = [IndicatorLoss(i.indicator_id, i.level1, i.level2, i.points, i.points, 0, 5) for i in INDICATORS]
    doc = docx.Document(str(render_report(report, tmp_path / "a.docx")))
    assert section(doc, "一、总体情况", "二、得分与等次")[0].endswith("已报送5家（其中逾期报送0家），未报送或报送材料未通过审核0家。")
    assert "的单位：" not in "".join(section(doc, "一、总体情况", "二、得分与等次"))
    assert section(doc, "二、得分与等次", "三、失分较多的指标")[-1].startswith("注：")
    assert section(doc, "三、失分较多的指标", "四、自评与验收差距较大的单位") == ["各项指标均未失分。"]
    assert section(doc, "四、自评与验收差距较大的单位", "五、未报送材料的单位") == ["未发现自评总分与验收总分存在差距的单位。"]
    assert section(doc, "五、未报送材料的单位", "六、下步要求") == ["各成员单位均已报送测评验收材料。"]

    report.scores, report.losses = [], []
    doc = docx.Document(str(render_report(report, tmp_path / "b.docx")))
    assert section(doc, "一、总体情况", "二、得分与等次")[1:] == ["本年度尚无验收评分结果。"]
    assert section(doc, "二、得分与等次", "三、失分较多的指标") == ["本年度尚无验收评分结果。"]
    assert paragraphs(doc)[-2:] == ["本年度尚无验收评分结果。", ""]  # then the 版记's anchor
    assert body_tables(doc) == [] and len(doc.inline_shapes) == 0


def test_grade_rule_follows_the_campaigns_grades(tmp_path: Path) -> None:
    report = make_report()
    report.grade_thresholds = [("合格", 60.0), ("优秀", 85.5), ("达标", 60.0)]
    report.lowest_grade = "待改进"
    context = report_context(report)
    assert context["grade_rule_text"] == "85.5分及以上为优秀，60分及以上、不足85.5分为合格，不足60分为待改进"
    # the grades a total can get (达标 cannot: 合格 comes first), zeros included; then those the report's
    # scores have that the thresholds do not name (an older report's), as they come
    assert context["grade_text"] == "评定优秀1家、合格1家、待改进0家、良好2家、不合格1家"


def test_score_chart_is_reproducible(tmp_path: Path) -> None:
    first = score_chart(make_report(), tmp_path / "a.png").read_bytes()
    second = score_chart(make_report(), tmp_path / "b.png").read_bytes()
    assert first.startswith(b"\x89PNG") and b"Software" not in first
    assert first == second
    report = make_report()
    report.scores = []
    assert score_chart(report, tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")


# ---------------------------------------------------------------- the score sheet


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = make_report()
    report.units[4].name = report.scores[4].name = FORMULA  # a name that looks like a formula stays text
    return write_score_sheet(report, tmp_path_factory.mktemp("sheet") / SCORE_SHEET)


def values(ws, first: int, last: int) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first, max_row=last)]


def test_score_sheet_a_row_per_unit_in_ranking_order(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == ["评分汇总", "指标"]
    ws = wb["评分汇总"]
    assert ws["A1"].value == "2025年度验收评分汇总表" and "A1:L1" in ws.merged_cells
    assert values(ws, 2, ws.max_row) == [
        ["名次", "单位代码", "单位名称", "1.1 领导机构健全（10分）", "1.2 工作机制完善（20分）", "2.1 宣传阵地建设（30分）",
         "2.2 主题活动开展（40分）", "总分", "等次", "自评总分", "差距", "未评分指标"],
        [1, "JY01", "青禾市教育局", 9, 18, 27.5, 37, 91.5, "优秀", 95, 3.5, None],
        [2, "BM03", MZ, 8, 17, 25, 34, 84, "良好", 80, -4, None],
        [2, "XC03", "青禾镇人民政府", 10, 16, 26, 32, 84, "良好", 84, 0, None],
        [4, "SQ04", "团结社区居委会", 6, None, 24, 35, 65, "合格", None, None, "1.2"],
        [5, "QY05", FORMULA, 8, 14, 22, None, 44, "不合格", None, None, "2.2"],
    ]  # fmt: skip
    for row in ws.iter_rows(min_row=3):
        assert [c.data_type for c in row[3:8]] == ["n"] * 5  # numbers, also the empty ones
        assert row[0].data_type == "n" and row[2].data_type == "s" and row[8].data_type == "s"
    assert ws["C7"].value == FORMULA and ws["C7"].data_type == "s"
    # a score no assessor gave: empty, tinted and noted; a scored one: neither
    for ref in ("E6", "G7"):
        assert ws[ref].fill.fgColor.rgb == "00FFEB9C" and ws[ref].comment.text == "未评分"
    assert ws["E5"].fill.fill_type is None and ws["E5"].comment is None
    assert ws.auto_filter.ref == "A2:L7"
    assert ws.freeze_panes == "D3"  # right of the unit's name, below the header
    assert ws.column_dimensions["C"].width == 24 and ws.column_dimensions["D"].width == 10


def test_indicator_sheet(workbook: Path) -> None:
    ws = openpyxl.load_workbook(workbook)["指标"]
    assert values(ws, 2, ws.max_row) == [
        ["编号", "一级指标", "二级指标", "分值", "平均得分", "平均失分"],
        ["1.1", "组织领导", "领导机构健全", 10, 8.2, 1.8],
        ["1.2", "组织领导", "工作机制完善", 20, 16.25, 3.75],
        ["2.1", "宣传教育", "宣传阵地建设", 30, 24.9, 5.1],
        ["2.2", "宣传教育", "主题活动开展", 40, 34.5, 5.5],
    ]
    assert ws["A3"].data_type == "s" and ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:F6"


def test_score_sheet_holds_no_formula(workbook: Path) -> None:
    with zipfile.ZipFile(workbook) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
