"""What a county's issued month sends up to the city: its 月度进展报送表, filled from its own notice.

One row for each task the city's form asks of the county (the city's tasks it leads or cooperates on),
as the county's own figures give it: the 完成进度 of the county unit that leads the task there, its 本月进展
(named), 存在问题 and 下月计划, and the task's 活动场次, 参与人次 and 投入经费 summed over every county unit
that reported it. A task no county unit reported gets no row (the city's receipt then says the county still
owes it). Beside the rows, the county's own figures (``detail``) for the city's notice to drill down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...cycle import Upward
from .report import MonthlyReport, TaskProgress

KIND = "monthly_progress"
TEXT_LIMIT = 500  # 本月进展's maximum length in the contract


def upward(report: MonthlyReport, asked: Mapping[str, Sequence[Mapping[str, Any]]], unit: str) -> Upward | None:
    """The county's rows for the tasks the city asks of it, and its figures beside them."""
    if KIND not in asked:
        return None
    by_task = {t.task_id: t for t in report.tasks}
    rows = [_row(by_task[a["task_id"]], unit) for a in asked[KIND]
            if a.get("task_id") in by_task and by_task[a["task_id"]].progress is not None]
    return Upward(KIND, rows, detail(report, unit))


def _row(task: TaskProgress, unit: str) -> dict[str, Any]:
    totals = task.totals
    text = f"{task.lead_unit_name}：{task.text}" if task.text else f"{task.lead_unit_name}牵头推进"
    return {
        "unit_code": unit, "task_id": task.task_id, "progress_text": text[:TEXT_LIMIT],
        "completion_pct": task.progress,
        "activities": totals.activities if totals else 0, "participants": totals.participants if totals else 0,
        "funds_10k_yuan": totals.funds_10k_yuan if totals else 0.0,
        "issues": task.issues[:TEXT_LIMIT], "next_month_plan": task.plan[:TEXT_LIMIT],
    }


def detail(report: MonthlyReport, unit: str) -> dict[str, Any]:
    """The county's own figures: who reported there, its lagging tasks with their lead units, its totals."""
    def names(state: str) -> list[str]:
        return [u.name for u in report.units_in(state)]  # type: ignore[arg-type]

    return {
        "unit": unit, "name": report.secretariat, "period": report.period, "doc_number": report.doc_number or "",
        "expected": len(report.units), "on_time": len(report.units_in("on_time")),
        "late": len(report.units_in("late")), "rejected": len(report.units_in("rejected")),
        "missing": len(report.units_in("missing")),
        "late_units": names("late"), "rejected_units": names("rejected"), "missing_units": names("missing"),
        "lagging": [{"task_id": t.task_id, "task": t.name, "unit": t.lead_unit_name, "state": t.state_label}
                    for t in report.tasks if t.state in ("lagging", "overdue", "unreported")],
        "totals": {"activities": report.totals.activities, "participants": report.totals.participants,
                   "funds_10k_yuan": report.totals.funds_10k_yuan},
    }
