"""The monthly notice (月通报): a ``MonthlyReport`` turned into the context of ``monthly_notice.docx``.

Every number and date is formatted here, in Chinese, so the template only places text and a secretariat
editing it in Word never has to write a Jinja filter.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from ..models import MonthlyReport, ProjectProgress, TaskProgress, UnitState
from .chart import progress_chart
from .engine import (
    chinese_ordinal,
    clean_text,
    find_template,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    load_template,
    render_to_file,
    today_local,
    zone,
)
from .gbt import ISSUER_PT, IssuerMark, issuer_size, time_zone_text

NOTICE_TEMPLATE = "monthly_notice.docx"
CHART_WIDTH_MM = 140
ISSUE_TEXT_LIMIT = 120  # a unit's 存在问题 quoted in the notice is cut after this many characters

# Which reporting states the notice names, in the order and words it names them.
NAMED_UNIT_STATES: tuple[tuple[UnitState, str], ...] = (
    ("late", "逾期报送"),
    ("rejected", "报送材料未通过审核"),
    ("missing", "未报送"),
)
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
    unit_groups = []
    for state, label in NAMED_UNIT_STATES:
        named = report.units_in(state)
        if named:
            names = "、".join(clean_text(u.name) or clean_text(u.code) for u in named)
            unit_groups.append({"label": label, "count": len(named), "names": names})

    task_groups = []
    for state, label in NAMED_TASK_STATES:
        named = [t for t in tasks if t.state == state]
        if not named:
            continue
        heading = f"（{chinese_ordinal(len(task_groups) + 1)}）{label}（{len(named)}项）"
        rows = [
            {
                "no": i,
                "task_id": clean_text(t.task_id),
                "name": clean_text(t.name),
                "lead_unit_name": clean_text(t.lead_unit_name) or clean_text(t.lead_unit),
                "detail": _task_detail(t),
            }
            for i, t in enumerate(named, start=1)
        ]
        task_groups.append({"heading": heading, "tasks": rows})

    def count(state: str) -> int:
        return sum(1 for t in tasks if t.state == state)

    return {
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
        "expected_count": len(units),
        "on_time_count": len(report.units_in("on_time")),
        "late_count": len(report.units_in("late")),
        "rejected_count": len(report.units_in("rejected")),
        "missing_count": len(report.units_in("missing")),
        "unit_groups": unit_groups,
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
        # 四、下步要求
        "requirements": [r for r in (clean_text(x).strip() for x in report.requirements) if r],
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
                "task_id": clean_text(t.task_id),
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


def render_monthly_notice(
    report: MonthlyReport,
    out_path: Path,
    *,
    template: Path | None = None,
    workspace_templates: Path | None = None,
    draw_chart: Callable[[Sequence[ProjectProgress], Path], Path] = progress_chart,
) -> Path:
    """Render the monthly notice (.docx) with its progress chart to ``out_path`` and return the path.

    ``draw_chart`` draws the chart (``ChartProcess.draw`` has it drawn by a process started earlier).
    """
    path = find_template(NOTICE_TEMPLATE, template, workspace_templates)
    tpl = load_template(path, in_place=True)  # 附件 tables of 10,000 rows: no quadratic body move
    with tempfile.TemporaryDirectory(prefix="docgen-chart-") as tmp:
        chart = None
        if report.projects:
            png = draw_chart(report.projects, Path(tmp) / "progress.png")
            chart = InlineImage(tpl, str(png), width=Mm(CHART_WIDTH_MM))
        # The image is read into the package during rendering, so the temporary file may go after.
        context = notice_context(report, chart, issuer_size(tpl))
        return render_to_file(tpl, context, Path(out_path))
