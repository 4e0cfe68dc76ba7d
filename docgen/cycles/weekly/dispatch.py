"""The 调度通报: a ``WeeklyReport`` turned into the context of ``weekly_dispatch.docx``.

Every number and date is formatted here, in Chinese, so the template only places text.
"""

from __future__ import annotations

from typing import Any

from ...cycle import Document
from ...render.document import Canvas
from ...render.engine import (
    clean_text,
    format_date,
    format_datetime,
    keep_whole,
    requirement_lines,
    today_local,
    who_reported_context,
    zone,
)
from ...render.gbt import ISSUER_PT, IssuerMark, report_official_context
from .report import NOTICE_KEY, Milestone, WeeklyReport

DISPATCH_TEMPLATE = "weekly_dispatch.docx"
TEXT_LIMIT = 120  # a unit's 堵点 or 需协调事项 quoted in the notice is cut after this many characters


def _quoted(text: str) -> str:
    text = clean_text(text).strip().rstrip("。；;，,. ")
    return text[:TEXT_LIMIT] + "……" if len(text) > TEXT_LIMIT else text


def _project(m: Milestone) -> str:
    return f"{keep_whole(m.project_id)} {clean_text(m.project_name)}"


def _milestone(m: Milestone) -> str:
    return f"节点{m.milestone_no} {clean_text(m.name)}"


def dispatch_context(report: WeeklyReport, issuer_pt: float = ISSUER_PT) -> dict[str, Any]:
    """Everything ``weekly_dispatch.docx`` uses, as text."""
    tz = zone(report.timezone)
    behind = report.behind
    return {
        **report_official_context(report, dispatch_title(report)),
        "secretariat": clean_text(report.secretariat),
        "issuer_mark": IssuerMark(f"{clean_text(report.secretariat)}文件", issuer_pt),
        "doc_number": clean_text(report.doc_number),
        "campaign": clean_text(report.campaign),
        "period_label": clean_text(report.period_label),
        "recipients": clean_text(report.recipients),
        "week_end_text": format_date(report.week_end),
        "deadline_text": format_datetime(report.deadline, tz=tz),
        "issue_date_text": format_date(report.issue_date or today_local(tz)),
        # 一、总体情况
        "project_count": len(report.projects),
        "milestone_count": len(report.milestones),
        "done_count": len(report.done),
        "finished_count": len(report.finished),
        "behind_count": len(behind),
        "behind_project_count": len({m.project_id for m in behind}),
        "blocked_count": len(report.blocked),
        # 二、进度滞后的项目
        "behind_rows": [
            {"no": i, "project": _project(m), "unit": clean_text(m.unit_name), "milestone": _milestone(m),
             "planned": format_date(m.planned), "days": f"{m.days_behind}天"}
            for i, m in enumerate(behind, start=1)
        ],
        # 三、本周完成的节点
        "finished_rows": [
            {"no": i, "project": _project(m), "milestone": _milestone(m), "planned": format_date(m.planned),
             "completed": f"于{format_date(m.completed_on)}完成" if m.completed_on else "已完成"}
            for i, m in enumerate(report.finished, start=1)
        ],
        # 四、需协调解决的问题
        "blocked_rows": [
            {"no": i, "project": _project(m), "unit": clean_text(m.unit_name), "milestone": _milestone(m),
             "issues": _quoted(m.issues) or "—", "coordination": _quoted(m.coordination)}
            for i, m in enumerate(report.blocked, start=1)
        ],
        # 五、报送情况
        **who_reported_context(report.units),
        # 六、下步要求
        "requirements": requirement_lines(report.requirements),
    }


def week_name(report: WeeklyReport) -> str:
    """``2026年第49周``: the period's label without its dates."""
    return clean_text(report.period_label).split("（")[0]


def dispatch_title(report: WeeklyReport) -> str:
    """The 公文标题: ``关于2026年第49周重点项目推进情况的调度通报``."""
    return f"关于{week_name(report)}重点项目推进情况的调度通报"


def dispatch_name(report: WeeklyReport) -> str:
    """``2026年第49周调度通报（创建办调〔2026〕3号）.docx``."""
    week = week_name(report)
    return f"{week}调度通报（{report.doc_number}）.docx" if report.doc_number else f"{week}调度通报.docx"


def dispatch_document(report: WeeklyReport) -> Document:
    def context(canvas: Canvas) -> dict[str, Any]:
        return dispatch_context(report, canvas.issuer_pt)

    return Document(dispatch_name(report), template=DISPATCH_TEMPLATE, context=context, number_key=NOTICE_KEY)
