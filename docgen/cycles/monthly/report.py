"""The monthly report model: who reported, how each task progresses, the month's totals.

Plain dataclasses, so a report crosses from the compute task to the render task as a JSON file (the one
serializer of ``docgen.cycle.Report``), and rendering never needs to know where the numbers came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from ...cycle import Report

TaskState = Literal["completed", "on_track", "lagging", "overdue", "unreported"]

TASK_STATE_LABELS: dict[str, str] = {
    "completed": "已完成",
    "on_track": "正常推进",
    "lagging": "进度滞后",
    "overdue": "逾期未完成",
    "unreported": "未报进度",
}


@dataclass
class Totals:
    activities: int = 0
    participants: int = 0
    funds_10k_yuan: float = 0.0


@dataclass
class TaskProgress:
    """One considered task's progress against its time window."""

    task_id: str
    name: str
    project: str
    lead_unit: str
    lead_unit_name: str
    start_date: date
    deadline: date
    progress: float | None  # the lead unit's 完成进度(%), None when it did not report the task
    expected: float  # elapsed share of the time window × 100, clipped to [0, 100]
    state: TaskState
    issues: str = ""  # 存在问题 from the lead unit's row
    text: str = ""  # 本月进展 from the lead unit's row
    plan: str = ""  # 下月计划 from the lead unit's row
    totals: Totals | None = None  # the task's rows summed over every unit that reported it

    @property
    def state_label(self) -> str:
        return TASK_STATE_LABELS[self.state]


@dataclass
class ProjectProgress:
    """Average progress of the tasks of one 工程 that reported it (``reported`` of ``tasks``)."""

    project: str
    tasks: int
    reported: int
    average_progress: float | None  # None when no task of the 工程 reported progress


@dataclass
class LowerTask:
    """A task of a level below that its own notice named: lagging, overdue or not reported."""

    task_id: str
    task: str  # its name
    unit: str  # its lead unit's name, in that level's registry
    state: str  # as that level's notice says it: 进度滞后, 逾期未完成, 未报进度


@dataclass
class LowerLevel:
    """A child of this campaign (a county of a city, ``levels.children``) as this notice names it, two
    levels down (``levels.drill``): the units and tasks of its own latest report to this level
    (``Inputs.lower``)."""

    code: str  # its 单位代码 in this registry
    name: str  # its name in this registry
    late_units: list[str] = field(default_factory=list)  # its own units' names
    rejected_units: list[str] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)
    lagging: list[LowerTask] = field(default_factory=list)

    @property
    def named(self) -> bool:
        """Whether it has anything for the notice to name."""
        return bool(self.late_units or self.rejected_units or self.missing_units or self.lagging)


@dataclass
class MonthlyReport(Report):
    """Everything the monthly notice says, computed from the registry and the accepted submissions (the
    notice's issuing number is the header's, key ``notice``)."""

    campaign: str
    secretariat: str
    tasks: list[TaskProgress]
    projects: list[ProjectProgress]
    totals: Totals
    requirements: list[str]
    recipients: str = "各成员单位"
    cc: tuple[str, ...] = ()  # 抄送 of the 版记 (campaign.yaml's cc)
    printed_by: str = ""  # 印发机关 of the 版记 (campaign.yaml's printed_by, else the secretariat)
    timezone: str = "Asia/Shanghai"  # the campaign's: the notice shows its dates and times in this zone
    lower_levels: list[LowerLevel] = field(default_factory=list)  # the children, when levels.drill

    def tasks_in(self, state: TaskState) -> list[TaskProgress]:
        return [t for t in self.tasks if t.state == state]

    def summary(self) -> dict[str, Any]:
        """The machine-readable summary written beside the notice as ``summary.json`` (``lower_levels`` only
        for a campaign that drills down into its children)."""
        summary: dict[str, Any] = {
            "period": self.period,
            "doc_number": self.doc_number or "",
            "expected_units": [u.code for u in self.units],
            "on_time_units": [u.code for u in self.units_in("on_time")],
            "late_units": [u.code for u in self.units_in("late")],
            "rejected_units": [u.code for u in self.units_in("rejected")],
            "missing_units": [u.code for u in self.units_in("missing")],
            "considered_tasks": [t.task_id for t in self.tasks],
            "lagging_tasks": [t.task_id for t in self.tasks_in("lagging")],
            "overdue_tasks": [t.task_id for t in self.tasks_in("overdue")],
            "unreported_tasks": [t.task_id for t in self.tasks_in("unreported")],
            "totals": asdict(self.totals),
        }
        if self.lower_levels:
            summary["lower_levels"] = [asdict(level) for level in self.lower_levels]
        return summary
