"""The annual documents: an ``AnnualReport`` turned into the context of ``acceptance_report.docx`` (the
acceptance report, 验收报告), its score chart, and the score sheet (验收评分汇总表.xlsx).

As in the other cycles, every number and date is formatted here, in Chinese, so a template only places
text and a secretariat editing it in Word never writes a Jinja filter. Unit text goes through
``clean_text``; rendering autoescapes it.

The notice's 附件1 has one column per indicator, which a template cannot lay out: a docxtpl column loop
gives every column the same width (and Word keeps the template's cell widths). So the context brings
that table whole (``ScoreTable``, placed by ``{{p score_table }}``), its column widths computed for the
indicator system at hand and split into several tables when the indicators do not fit one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docxtpl import InlineImage
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ...atomic import replacing
from ...filenames import safe_component
from ...formats import sheets
from ...render.chart import horizontal_bars
from ...render.engine import (
    clean_text,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    number_suffix,
    requirement_lines,
    today_local,
    zone,
)
from ...render.gbt import ISSUER_PT, IssuerMark, report_official_context, time_zone_text
from .report import AnnualReport, IndicatorInfo, LeftOut, UnitScore

REPORT_TEMPLATE = "acceptance_report.docx"
SCORE_SHEET = "验收评分汇总表.xlsx"
CHART_WIDTH_MM = 140
TOP_LOSSES = 5  # 三、失分较多的指标: at most this many
TOP_GAPS = 5  # 四、自评与验收差距较大的单位: at most this many
MISSING = "—"  # a value the report does not have (no self-assessment, an indicator not scored)

# Which reporting states 五、未报送材料的单位 names, in the order and words it names them.
NAMED_UNIT_STATES: tuple[tuple[str, str], ...] = (
    ("rejected", "报送材料未通过审核"),
    ("missing", "未报送"),
)
SUBMITTED_STATES = ("on_time", "late")
LEFT_OUT_LABEL = "年度工作总结未收入年度工作汇编"  # 五's group of the units the volume has no chapter for
_CLAUSE_END = re.compile(r"[，；。,;]")


# ---------------------------------------------------------------- names


def report_title(report: AnnualReport) -> str:
    """The report's title, as the campaign names it (验收报告)."""
    return f"关于{clean_text(report.period_label)}{clean_text(report.campaign)}测评验收情况的报告"


def report_name(report: AnnualReport) -> str:
    """``2025年度测评验收报告（创建办〔2026〕1号）.docx``; without the number when there is none."""
    return f"{safe_component(clean_text(report.period_label), 60)}测评验收报告{number_suffix(report.doc_number)}.docx"


# ---------------------------------------------------------------- shared facts


def unit_name(report: AnnualReport, unit_code: str) -> str:
    """A unit's name as the registry has it, else as its scores have it, else its code."""
    for unit in report.units:
        if unit.code == unit_code and clean_text(unit.name).strip():
            return clean_text(unit.name).strip()
    for score in report.scores:
        if score.code == unit_code and clean_text(score.name).strip():
            return clean_text(score.name).strip()
    return clean_text(unit_code)


def _points(value: float) -> str:
    """A score as the documents show it: 85.25, 85.5, 85 (two decimals at most, half up)."""
    return format_number(value, 2)


def _cents(value: float) -> float:
    """A score for the workbook: two decimals, half up (the rules already round; this keeps it so)."""
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _signed(value: float | None) -> str:
    """A gap as the ranking table shows it: +4.5, -2, 0, or — without a self-assessment."""
    if value is None:
        return MISSING
    text = _points(value)
    return f"+{text}" if value > 0 and text != "0" else text


def _indicator_label(indicator: IndicatorInfo) -> str:
    """``1.1 组织机构健全``: the number and the 二级指标, as the text names an indicator."""
    level2 = clean_text(indicator.level2).strip()
    return f"{clean_text(indicator.indicator_id)} {level2}".strip()


def grade_order(report: AnnualReport) -> list[str]:
    """The grades a total can get, from the highest to ``lowest_grade``, each once."""
    order: list[str] = []
    for grade, _ in _reachable_thresholds(report):
        if grade not in order:
            order.append(grade)
    if report.lowest_grade not in order:
        order.append(report.lowest_grade)
    for score in report.scores:  # a grade the thresholds do not name (an older report): last
        if score.grade not in order:
            order.append(score.grade)
    return order


def _reachable_thresholds(report: AnnualReport) -> list[tuple[str, float]]:
    """(grade, minimum), highest first, without grades a higher one with the same minimum shadows."""
    result: list[tuple[str, float]] = []
    for grade, minimum in sorted(report.grade_thresholds, key=lambda p: -p[1]):
        if not result or minimum < result[-1][1]:
            result.append((grade, minimum))
    return result


def grade_rule_text(report: AnnualReport) -> str:
    """``90分及以上为优秀，80分及以上、不足90分为良好，60分及以上、不足80分为合格，不足60分为不合格``."""
    thresholds = _reachable_thresholds(report)
    lowest = clean_text(report.lowest_grade)
    if not thresholds:
        return f"均评定为{lowest}"
    parts = []
    previous: float | None = None
    for grade, minimum in thresholds:
        bound = f"{_points(minimum)}分及以上"
        if previous is not None:
            bound += f"、不足{_points(previous)}分"
        parts.append(f"{bound}为{clean_text(grade)}")
        previous = minimum
    parts.append(f"不足{_points(thresholds[-1][1])}分为{lowest}")
    return "，".join(parts)


def grade_counts(report: AnnualReport) -> dict[str, int]:
    """How many units each grade has, every grade from the highest to the lowest (zeros included)."""
    counts = Counter(s.grade for s in report.scores)
    return {grade: counts.get(grade, 0) for grade in grade_order(report)}


# ---------------------------------------------------------------- units the volume leaves out


def returned_because(entry: LeftOut) -> str:
    """Why a summary was returned, in short words: the first clause of the receipt's first problem
    (``文档没有正文内容``), and how many problems there were when more than one; "" when unknown."""
    if not entry.problems:
        return ""
    first = _CLAUSE_END.split(clean_text(entry.problems[0]).strip(), maxsplit=1)[0].strip()
    more = f"等{len(entry.problems)}处问题" if len(entry.problems) > 1 else ""
    return f"{first}{more}"


def left_out_label(entry: LeftOut) -> str:
    """``未报送`` or ``退回：文档没有正文内容``: why a unit has no chapter, as the report names it."""
    if not entry.returned:
        return "未报送"
    reason = returned_because(entry)
    return f"退回：{reason}" if reason else "退回"


def volume_notes(report: AnnualReport) -> list[str]:
    """The paragraphs of the volume's 说明: what it holds, then each expected unit it leaves out and why."""
    period = clean_text(report.period_label)
    lines = [f"本汇编收录{len(report.summaries)}个成员单位的{period}工作总结，按成员单位名册顺序编排。"]
    if not report.left_out:
        lines.append("应报送年度工作总结的成员单位均已收入本汇编。")
        return lines
    lines.append(f"以下{len(report.left_out)}个成员单位的年度工作总结未收入本汇编：")
    for no, entry in enumerate(report.left_out, start=1):
        name = clean_text(entry.unit_name).strip() or clean_text(entry.unit)
        if not entry.returned:
            lines.append(f"{no}. {name}：未报送年度工作总结。")
        else:
            reason = returned_because(entry)
            lines.append(f"{no}. {name}：年度工作总结已退回{f'（{reason}）' if reason else ''}，未重新报送。")
    return lines


# ---------------------------------------------------------------- the acceptance notice


def report_context(
    report: AnnualReport, chart: InlineImage | None = None, issuer_pt: float = ISSUER_PT
) -> dict[str, Any]:
    """Everything ``acceptance_report.docx`` uses, as text (and 附件1's table as a ``ScoreTable``).

    ``chart`` is the score chart already bound to the template being rendered (an ``InlineImage``
    needs its template); without it the chart paragraph renders empty. ``issuer_pt`` is the size of the
    template's 发文机关标志 style (``render.gbt.issuer_size``), which the mark is fitted to.
    """
    tz = zone(report.timezone)
    secretariat = clean_text(report.secretariat)
    scores = report.scores
    name_of = {s.code: unit_name(report, s.code) for s in scores}

    def in_state(*states: str) -> list[str]:
        return [unit_name(report, u.code) for u in report.units if u.state in states]

    unit_groups = []
    for state, label in NAMED_UNIT_STATES:
        named = in_state(state)
        if named:
            unit_groups.append({"label": label, "count": len(named), "names": "、".join(named)})
    if report.left_out:  # the same units, in the same words, as the volume's 说明
        names = "、".join(f"{unit_name(report, e.unit)}（{left_out_label(e)}）" for e in report.left_out)
        unit_groups.append({"label": LEFT_OUT_LABEL, "count": len(report.left_out), "names": names})

    indicators = {i.indicator_id: i for i in report.indicators}
    totals = [s.total for s in scores]
    losses = [loss for loss in report.losses if loss.lost > 0][:TOP_LOSSES]
    gaps = sorted(
        (s for s in scores if s.gap is not None and s.gap != 0),
        key=lambda s: -abs(s.gap or 0),  # stable: equal gaps stay in ranking order
    )[:TOP_GAPS]
    counts = grade_counts(report)
    return {
        **report_official_context(report, report_title(report)),
        "secretariat": secretariat,
        "issuer_mark": IssuerMark(f"{secretariat}文件", issuer_pt),
        "doc_number": clean_text(report.doc_number),
        "campaign": clean_text(report.campaign),
        "period_label": clean_text(report.period_label),
        "recipients": clean_text(report.recipients),
        "issue_date_text": format_date(report.issue_date or today_local(tz)),
        "deadline_text": format_datetime(report.deadline, tz=tz),
        "time_zone_text": time_zone_text(report.timezone),
        # 一、总体情况
        "expected_count": len(report.units),
        "submitted_count": len(in_state(*SUBMITTED_STATES)),
        "on_time_count": len(in_state("on_time")),
        "late_count": len(in_state("late")),
        "missing_count": len(report.missing_units),
        "missing_names": "、".join(unit_name(report, code) for code in report.missing_units),
        "indicator_count": len(report.indicators),
        "full_points": _points(sum(i.points for i in report.indicators)),
        "ranked_count": len(scores),
        "average_total": _points(sum(totals) / len(totals)) if totals else MISSING,
        "top_total": _points(max(totals)) if totals else MISSING,
        "bottom_total": _points(min(totals)) if totals else MISSING,
        "grade_rule_text": grade_rule_text(report),
        "grade_text": "评定" + "、".join(f"{clean_text(g)}{n}家" for g, n in counts.items()),
        "score_chart": chart if chart is not None else "",
        # 二、得分与等次
        "rank_rows": [
            {
                "rank": s.rank,
                "name": name_of[s.code],
                "total": _points(s.total),
                "grade": clean_text(s.grade),
                "self_total": MISSING if s.self_total is None else _points(s.self_total),
                "gap": _signed(s.gap),
            }
            for s in scores
        ],
        "unscored_units": [
            {
                "no": no,
                "name": name_of[s.code],
                "count": len(s.unscored),
                "indicators": "、".join(
                    _indicator_label(indicators[i]) if i in indicators else clean_text(i) for i in s.unscored
                ),
            }
            for no, s in enumerate((s for s in scores if s.unscored), start=1)
        ],
        # 三、失分较多的指标
        "loss_count": len(losses),
        "loss_rows": [
            {
                "no": no,
                "indicator_id": clean_text(loss.indicator_id),
                "level1": clean_text(loss.level1),
                "level2": clean_text(loss.level2),
                "points": _points(loss.points),
                "average": _points(loss.average),
                "lost": _points(loss.lost),
                "rate": format_percent(loss.lost / loss.points * 100 if loss.points else None),
            }
            for no, loss in enumerate(losses, start=1)
        ],
        # 四、自评与验收差距较大的单位
        "gap_count": len(gaps),
        "gap_rows": [
            {
                "no": no,
                "name": name_of[s.code],
                "self_total": _points(s.self_total or 0),
                "total": _points(s.total),
                "direction": "高于" if (s.gap or 0) > 0 else "低于",
                "gap": _points(abs(s.gap or 0)),
            }
            for no, s in enumerate(gaps, start=1)
        ],
        # 五、未报送材料的单位
        "unit_groups": unit_groups,
        # 六、下步要求
        "requirements": requirement_lines(report.requirements),
        # 附件1
        "score_table": ScoreTable(report),
        "indicator_legend": "；".join(
            f"{_indicator_label(i)}（{_points(i.points)}分）" for i in report.indicators
        ),
    }


# ---------------------------------------------------------------- 附件1's table


TYPE_WIDTH_MM = 156.0  # GB/T 9704-2012 type area
RANK_MM, TOTAL_MM, GRADE_MM = 11.0, 14.0, 16.0  # 名次; 100.00; 不合格 (12 pt, 1 mm cell margins)
UNIT_MIN_MM = 30.0  # seven characters of a unit's name a line
INDICATOR_MIN_MM, INDICATOR_MAX_MM = 11.0, 16.0  # a score such as 10.25; no wider than needed
MAX_INDICATORS_PER_TABLE = int((TYPE_WIDTH_MM - RANK_MM - UNIT_MIN_MM - TOTAL_MM - GRADE_MM) // INDICATOR_MIN_MM)

# The template's named styles, by style id (tests/test_templates.py checks the template defines them).
HEADER_STYLE = "GongwenTableHeader"
CELL_STYLE = "GongwenTableText"
CELL_LEFT_STYLE = "GongwenTableTextLeft"
CAPTION_STYLE = "GongwenFigureCaption"


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def indicator_chunks(indicators: Sequence[IndicatorInfo]) -> list[list[IndicatorInfo]]:
    """The indicators split into as few tables as fit the type area, of nearly equal size, in order."""
    if not indicators:
        return [[]]
    parts = math.ceil(len(indicators) / MAX_INDICATORS_PER_TABLE)
    size, extra = divmod(len(indicators), parts)
    chunks, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        chunks.append(list(indicators[start:end]))
        start = end
    return chunks


def column_widths(indicator_count: int) -> list[float]:
    """Widths in mm of 名次, 单位, each indicator, 总分, 等次: the whole type area, names getting the rest."""
    fixed = RANK_MM + TOTAL_MM + GRADE_MM
    each = min(INDICATOR_MAX_MM, (TYPE_WIDTH_MM - fixed - UNIT_MIN_MM) / indicator_count) if indicator_count else 0
    unit = TYPE_WIDTH_MM - fixed - each * indicator_count
    return [RANK_MM, unit, *([each] * indicator_count), TOTAL_MM, GRADE_MM]


class ScoreTable:
    """附件1 (units × indicators) as WordprocessingML tables, for a ``{{p score_table }}`` paragraph.

    One row per unit in ranking order: 名次, 单位, the score on each indicator (— when not scored), 总分,
    等次. The header names each indicator by its number and points (the legend under the table gives
    the names). The paragraphs use the template's table styles, so restyling 附件表格 in Word restyles
    this table too. Indicators that do not fit the type area go on into a further table with the same
    rows, each table then headed by the indicators it holds.
    """

    def __init__(self, report: AnnualReport) -> None:
        self.chunks = indicator_chunks(report.indicators)
        self.rows = [(s, unit_name(report, s.code)) for s in report.scores]

    def __html__(self) -> str:
        parts = []
        for chunk in self.chunks:
            if len(self.chunks) > 1:
                first, last = clean_text(chunk[0].indicator_id), clean_text(chunk[-1].indicator_id)
                parts.append(_xml_paragraph(f"指标{first}至{last}", CAPTION_STYLE, keep_next=True))
            parts.append(self._table(chunk))
        return "".join(parts)

    def __str__(self) -> str:
        return "；".join(f"{s.rank} {name} {_points(s.total)} {clean_text(s.grade)}" for s, name in self.rows)

    def _table(self, indicators: Sequence[IndicatorInfo]) -> str:
        widths = [_twips(mm) for mm in column_widths(len(indicators))]
        borders = "".join(
            f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        margins = "".join(
            f'<w:{edge} w:w="{w}" w:type="dxa"/>' for edge, w in (("top", 0), ("left", 57), ("bottom", 0), ("right", 57))
        )
        props = (
            f'<w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
            f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            f"<w:tblCellMar>{margins}</w:tblCellMar></w:tblPr>"
        )
        grid = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
        header = [
            [("名次", HEADER_STYLE)], [("单位", HEADER_STYLE)],
            *([(clean_text(i.indicator_id), HEADER_STYLE), (f"{_points(i.points)}分", HEADER_STYLE)] for i in indicators),
            [("总分", HEADER_STYLE)], [("等次", HEADER_STYLE)],
        ]  # fmt: skip
        rows = [_xml_row(header, widths, header=True)]
        for score, name in self.rows:
            cells = [
                [(str(score.rank), CELL_STYLE)],
                [(name, CELL_LEFT_STYLE)],
                *([(_score_text(score, i.indicator_id), CELL_STYLE)] for i in indicators),
                [(_points(score.total), CELL_STYLE)],
                [(clean_text(score.grade), CELL_STYLE)],
            ]
            rows.append(_xml_row(cells, widths))
        return f"<w:tbl>{props}{grid}{''.join(rows)}</w:tbl>"


def _score_text(score: UnitScore, indicator_id: str) -> str:
    value = score.scores.get(indicator_id)
    return MISSING if value is None else _points(value)


def _xml_paragraph(text: str, style: str, *, keep_next: bool = False) -> str:
    keep = "<w:keepNext/>" if keep_next else ""
    run = f'<w:r><w:t xml:space="preserve">{escape(clean_text(text))}</w:t></w:r>' if text else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{keep}</w:pPr>{run}</w:p>'


def _xml_row(cells: Sequence[Sequence[tuple[str, str]]], widths: Sequence[int], *, header: bool = False) -> str:
    """A row that never splits across pages; the header row repeats on every page."""
    props = "<w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if header else "") + "</w:trPr>"
    tcs = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
        + "".join(_xml_paragraph(text, style) for text, style in paragraphs)
        + "</w:tc>"
        for paragraphs, width in zip(cells, widths, strict=True)
    )
    return f"<w:tr>{props}{tcs}</w:tr>"


# ---------------------------------------------------------------- the chart


GRADE_COLORS = ("#548235", "#70AD47", "#5B9BD5", "#FFC000", "#ED7D31")  # the passing grades, best first
LOWEST_COLOR = "#C00000"


def _grade_labels(report: AnnualReport) -> dict[str, str]:
    """``优秀（≥90分）`` … ``不合格（<60分）``: a grade with the totals it takes."""
    thresholds = _reachable_thresholds(report)
    labels = {grade: f"{clean_text(grade)}（≥{_points(minimum)}分）" for grade, minimum in thresholds}
    if thresholds:
        labels[report.lowest_grade] = f"{clean_text(report.lowest_grade)}（<{_points(thresholds[-1][1])}分）"
    return labels


def score_chart(report: AnnualReport, out_png: Path) -> Path:
    """Draw how many units each grade has, best grade on top, to ``out_png`` (reproducibly)."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    counts = grade_counts(report)
    labels = _grade_labels(report)
    names = [labels.get(g, clean_text(g)) for g in counts]
    values = list(counts.values())
    colors = [
        LOWEST_COLOR if g == report.lowest_grade else GRADE_COLORS[min(i, len(GRADE_COLORS) - 1)]
        for i, g in enumerate(counts)
    ]
    top = max(values, default=0)
    right = max(top, 1) * 1.18  # room for the count after the longest bar
    with horizontal_bars(len(names), out_png) as chart:
        ax = chart.ax
        if report.scores:
            ax.barh(chart.positions, values, height=0.6, color=colors)
            for y, n in zip(chart.positions, values, strict=True):
                ax.text(n + right * 0.015, y, f"{n}家", va="center", fontproperties=chart.small)
        else:
            ax.text(right / 2, 0, "尚无验收评分结果", ha="center", va="center", fontproperties=chart.font)
        ax.set_yticks(chart.positions, labels=names, fontproperties=chart.font)
        ax.set_xlim(0, right)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for label in ax.get_xticklabels():
            label.set_fontproperties(chart.small)
        ax.set_xlabel("单位数（家）", fontproperties=chart.font)
    return Path(out_png)


# ---------------------------------------------------------------- the score sheet


UNSCORED_FILL = "FFEB9C"  # Excel's "neutral" tint
UNSCORED_NOTE = "未评分"
SCORE_WIDTH = 10  # an indicator's header wraps to three or four lines; a score takes five characters
INDICATOR_COLUMNS = (  # header, width in Excel's units (a CJK character takes two)
    ("编号", 8), ("一级指标", 16), ("二级指标", 24), ("分值", 7), ("平均得分", 9), ("平均失分", 9),
)  # fmt: skip
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3


def score_header(indicator: IndicatorInfo) -> str:
    """``1.1 组织机构健全（10分）``: an indicator's column in the score sheet."""
    return f"{_indicator_label(indicator)}（{_points(indicator.points)}分）"


def score_sheet_title(report: AnnualReport) -> str:
    """``2025年度验收评分汇总表``: the workbook's title, as the report's attachment names it."""
    return f"{clean_text(report.period_label)}验收评分汇总表"


def write_score_sheet(report: AnnualReport, path: Path) -> Path:
    """Write 验收评分汇总表.xlsx (sheets 评分汇总, 指标) atomically to ``path`` and return it.

    评分汇总: the title, then a row per unit in ranking order, one column per indicator; a score no
    assessor gave is an empty cell, tinted and noted 未评分. Numbers are numbers (so the secretariat can
    sort and sum them); every text is stored as text, never as a formula. Both sheets are set up for A4
    (``formats.sheets``): landscape, fit to the page's width, the header on every page.
    """
    title = score_sheet_title(report)
    wb = Workbook()
    ws = wb.active
    ws.title = "评分汇总"
    columns = [
        ("名次", 5), ("单位代码", 8), ("单位名称", 24),
        *((score_header(i), SCORE_WIDTH) for i in report.indicators),
        ("总分", 7), ("等次", 6), ("自评总分", 7), ("差距", 6), ("未评分指标", 16),
    ]  # fmt: skip
    sheets.title_row(ws, title, len(columns))
    _header(ws, columns)
    first_score = 4
    for row, s in enumerate(report.scores, start=FIRST_ROW):
        values: list[Any] = [
            s.rank, s.code, unit_name(report, s.code),
            *(None if (v := s.scores.get(i.indicator_id)) is None else _cents(v) for i in report.indicators),
            _cents(s.total), s.grade, None if s.self_total is None else _cents(s.self_total),
            None if s.gap is None else _cents(s.gap), "、".join(clean_text(i) for i in s.unscored),
        ]  # fmt: skip
        _row(ws, row, values, left=(3, len(values)))
        for col, indicator in enumerate(report.indicators, start=first_score):
            if s.scores.get(indicator.indicator_id) is None:
                cell = ws.cell(row, col)
                sheets.fill(cell, UNSCORED_FILL)
                cell.comment = Comment(UNSCORED_NOTE, clean_text(report.secretariat) or "docgen", width=80, height=24)
    widths = [width for _header_text, width in columns]
    sheets.fit_rows(ws, HEADER_ROW, ws.max_row, widths)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{max(ws.max_row, HEADER_ROW)}"
    # the header, and 名次 / 代码 / 名称 stay in view (and print on every page, should the table need two across)
    sheets.set_up_page(ws, widths, header_rows=(HEADER_ROW, HEADER_ROW), freeze=f"D{FIRST_ROW}", title_cols="A:C")

    sheet = wb.create_sheet("指标")
    sheets.title_row(sheet, f"{title}（指标）", len(INDICATOR_COLUMNS))
    _header(sheet, INDICATOR_COLUMNS)
    losses = {loss.indicator_id: loss for loss in report.losses}
    for row, i in enumerate(report.indicators, start=FIRST_ROW):
        loss = losses.get(i.indicator_id)
        _row(sheet, row, [
            i.indicator_id, i.level1, i.level2, _cents(i.points),
            None if loss is None else _cents(loss.average), None if loss is None else _cents(loss.lost),
        ], left=(2, 3))  # fmt: skip
    widths = [width for _header_text, width in INDICATOR_COLUMNS]
    sheets.fit_rows(sheet, HEADER_ROW, sheet.max_row, widths)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(INDICATOR_COLUMNS))}{sheet.max_row}"
    sheets.set_up_page(sheet, widths, header_rows=(HEADER_ROW, HEADER_ROW), freeze=f"A{FIRST_ROW}")

    tz = zone(report.timezone)
    sheets.set_properties(wb, title=title, creator=clean_text(report.secretariat),
                          issued=report.issue_date or today_local(tz))  # fmt: skip
    path = Path(path)
    with replacing(path) as tmp:
        sheets.save(wb, tmp)
    return path


def _put(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """One cell; text always as text (never a formula)."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"  # openpyxl takes a string starting with "=" for a formula otherwise
    else:
        cell.value = value
    return cell


def _row(ws: Worksheet, row: int, values: Sequence[Any], left: Collection[int] = ()) -> None:
    """A table row: bordered, wrapped, centred but for the ``left`` columns (names, lists)."""
    for col, value in enumerate(values, start=1):
        sheets.framed(_put(ws, row, col, value), center=col not in left)


def _header(ws: Worksheet, columns: Sequence[tuple[str, float]]) -> None:
    for col, (title, _width) in enumerate(columns, start=1):
        sheets.header_cell(_put(ws, HEADER_ROW, col, title))


