"""The monthly notice (月通报): a ``MonthlyReport`` turned into the context of ``monthly_notice.docx``.

Every number and date is formatted here, in Chinese, so the template only places text and a secretariat
editing it in Word never has to write a Jinja filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from docxtpl import InlineImage

from ...cycle import Document
from ...render.chart import horizontal_bars
from ...render.document import Canvas, render_document
from ...render.engine import (
    chinese_ordinal,
    clean_text,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    keep_whole,
    requirement_lines,
    today_local,
    who_reported_context,
    zone,
)
from ...render.gbt import ISSUER_PT, IssuerMark, report_official_context, time_zone_text
from .report import LowerLevel, MonthlyReport, ProjectProgress, TaskProgress

NOTICE_TEMPLATE = "monthly_notice.docx"
BAR_COLOR = "#2F5597"
CHART_WIDTH_MM = 140
ISSUE_TEXT_LIMIT = 120  # a unit's 存在问题 quoted in the notice is cut after this many characters

NAMED_TASK_STATES: tuple[tuple[str, str], ...] = (
    ("lagging", "进度滞后的任务"),
    ("overdue", "逾期未完成的任务"),
    ("unreported", "未报进度的任务"),
)


def _task_detail(task: TaskProgress) -> str:
    """Why a task is named, in one clause: its progress against where it should be."""
    progress, expected = format_percent(task.progress), format_percent(task.expected)
    if task.state == "overdue":
        done = "未报进度" if task.progress is None else f"目前完成进度{progress}"
        detail = f"完成时限为{format_date(task.deadline)}，{done}，已逾期"
    elif task.state == "unreported" or task.progress is None:
        detail = f"牵头单位本月未报送进度，应达进度{expected}"
    else:
        gap = format_number(task.expected - task.progress, 1)
        detail = f"完成进度{progress}，应达进度{expected}，滞后{gap}个百分点"
    issues = clean_text(task.issues).strip().rstrip("。；;，,. ")
    if issues:
        if len(issues) > ISSUE_TEXT_LIMIT:
            issues = issues[:ISSUE_TEXT_LIMIT] + "……"
        detail += f"；牵头单位反映的问题：{issues}"
    return detail


def lower_level_text(level: LowerLevel) -> str:
    """What the notice says of a child (a county), after its name: its named tasks with their lead units,
    then its units that reported late, were returned or did not report, e.g.
    任务“建设石榴籽家园”（牵头单位：青禾镇）进度滞后；县教育局未报送，城关街道逾期报送。"""
    clauses = []
    tasks = [f"任务“{clean_text(t.task)}”（牵头单位：{clean_text(t.unit)}）{clean_text(t.state)}"
             for t in level.lagging]
    if tasks:
        clauses.append("，".join(tasks))
    units = [f"{'、'.join(clean_text(n) for n in names)}{label}" for names, label in (
        (level.missing_units, "未报送"), (level.late_units, "逾期报送"), (level.rejected_units, "报送未通过审核"))
        if names]
    if units:
        clauses.append("，".join(units))
    return "；".join(clauses) + "。" if clauses else ""


def notice_context(
    report: MonthlyReport, chart: InlineImage | None = None, issuer_pt: float = ISSUER_PT
) -> dict[str, Any]:
    """Everything ``monthly_notice.docx`` uses, as text: the template never formats anything itself.

    ``chart`` is the progress chart already bound to the template being rendered (an ``InlineImage``
    needs its template); without it the chart paragraph renders empty. ``issuer_pt`` is the size of the
    template's 发文机关标志 style, which the mark is fitted to.
    """
    units, tasks = report.units, report.tasks
    tz = zone(report.timezone)

    task_groups = []
    for state, label in NAMED_TASK_STATES:
        named = [t for t in tasks if t.state == state]
        if not named:
            continue
        heading = f"（{chinese_ordinal(len(task_groups) + 1)}）{label}（{len(named)}项）"
        rows = [
            {
                "no": i,
                "task_id": keep_whole(t.task_id),
                "name": clean_text(t.name),
                "lead_unit_name": clean_text(t.lead_unit_name) or clean_text(t.lead_unit),
                "detail": _task_detail(t),
            }
            for i, t in enumerate(named, start=1)
        ]
        task_groups.append({"heading": heading, "tasks": rows})

    def count(state: str) -> int:
        return sum(1 for t in tasks if t.state == state)

    lower = [{"name": clean_text(level.name), "text": lower_level_text(level)}
             for level in report.lower_levels if level.named]

    return {
        **report_official_context(report, notice_title(report)),
        "secretariat": clean_text(report.secretariat),
        "issuer_mark": IssuerMark(f"{clean_text(report.secretariat)}文件", issuer_pt),
        "doc_number": clean_text(report.doc_number),
        "campaign": clean_text(report.campaign),
        "period_label": clean_text(report.period_label),
        "recipients": clean_text(report.recipients),
        "deadline_text": format_datetime(report.deadline, tz=tz),
        "issue_date_text": format_date(report.issue_date or today_local(tz)),
        "time_zone_text": time_zone_text(report.timezone),
        # 一、报送情况
        **who_reported_context(report.units),
        # 二、工作进展
        "activities": str(report.totals.activities),
        "participants": str(report.totals.participants),
        "funds": format_number(report.totals.funds_10k_yuan, 2),
        "task_count": len(tasks),
        "completed_count": count("completed"),
        "on_track_count": count("on_track"),
        "lagging_count": count("lagging"),
        "overdue_count": count("overdue"),
        "unreported_count": count("unreported"),
        "projects": [
            {
                "no": i,
                "name": clean_text(p.project),
                "tasks": p.tasks,
                "reported": p.reported,
                "average": format_percent(p.average_progress, missing="—（均未报进度）"),
            }
            for i, p in enumerate(report.projects, start=1)
        ],
        "progress_chart": chart if chart is not None else "",
        # 三、存在问题
        "task_groups": task_groups,
        "lower_heading": f"（{chinese_ordinal(len(task_groups) + 1)}）县区存在的问题" if lower else "",
        "lower_levels": lower,  # one paragraph per child with something to name (levels.drill)
        # 四、下步要求
        "requirements": requirement_lines(report.requirements),
        # 附件1, 附件2
        "unit_rows": [
            {
                "no": i,
                "code": clean_text(u.code),
                "name": clean_text(u.name),
                "category": clean_text(u.category),
                "state": u.state_label,
                "received": format_datetime(u.received_at, tz=tz),
            }
            for i, u in enumerate(units, start=1)
        ],
        "task_rows": [
            {
                "no": i,
                "task_id": keep_whole(t.task_id),
                "name": clean_text(t.name),
                "project": clean_text(t.project),
                "lead_unit_name": clean_text(t.lead_unit_name) or clean_text(t.lead_unit),
                "progress": format_percent(t.progress),
                "expected": format_percent(t.expected),
                "state": t.state_label,
            }
            for i, t in enumerate(tasks, start=1)
        ],
    }


def notice_title(report: MonthlyReport) -> str:
    """The notice's 公文标题."""
    return f"关于{clean_text(report.period_label)}{clean_text(report.campaign)}工作进展情况的通报"


def notice_document(report: MonthlyReport) -> Document:
    """The notice as the monthly cycle issues it: numbered, its 附件 tables possibly 10,000 rows long."""
    def context(canvas: Canvas) -> dict[str, Any]:
        chart = canvas.chart(progress_chart, report.projects, CHART_WIDTH_MM) if report.projects else None
        return notice_context(report, chart, canvas.issuer_pt)

    return Document(notice_name(report), template=NOTICE_TEMPLATE, context=context, number_key="notice",
                    in_place=True)


def notice_name(report: MonthlyReport) -> str:
    """The notice's file name: ``2026年10月月通报（创建办〔2026〕1号）.docx``."""
    if report.doc_number:
        return f"{report.period_label}月通报（{report.doc_number}）.docx"
    return f"{report.period_label}月通报.docx"


def render_monthly_notice(
    report: MonthlyReport, out_path: Path, *, template: Path | None = None, workspace_templates: Path | None = None,
) -> Path:
    """Render the monthly notice (.docx) with its progress chart to ``out_path`` and return the path."""
    document = replace(notice_document(report), file_name=Path(out_path).name)
    rendered = render_document(document, Path(out_path).parent, workspace_templates=workspace_templates,
                               template=template)
    assert rendered.path is not None
    return rendered.path


def progress_chart(projects: Sequence[ProjectProgress], out_png: Path) -> Path:
    """Draw average progress (%) by 工程 to ``out_png`` (reproducibly) and return it."""
    names = [clean_text(p.project) or "（未分类）" for p in projects]
    averages = [p.average_progress for p in projects]  # None: no task of the 工程 reported
    values = [0.0 if a is None else max(0.0, min(100.0, float(a))) for a in averages]
    with horizontal_bars(len(projects), out_png) as chart:
        ax = chart.ax
        if projects:
            ax.barh(chart.positions, values, height=0.6, color=BAR_COLOR)
            for y, value, average in zip(chart.positions, values, averages, strict=True):
                label = "未报进度" if average is None else format_percent(value)
                ax.text(value + 1.5, y, label, va="center", fontproperties=chart.small)
        else:
            ax.text(50, 0, "本期无任务进度数据", ha="center", va="center", fontproperties=chart.font)
        ax.set_yticks(chart.positions, labels=names, fontproperties=chart.font)
        ax.set_xlim(0, 110)
        ticks = [0, 20, 40, 60, 80, 100]
        ax.set_xticks(ticks, labels=[f"{t}%" for t in ticks], fontproperties=chart.small)
        ax.set_xlabel("平均完成进度", fontproperties=chart.font)
    return Path(out_png)
