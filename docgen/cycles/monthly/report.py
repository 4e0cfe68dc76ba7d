"""The monthly report model: who reported, how each task progresses, the month's totals.

Plain dataclasses with ``to_dict``/``from_dict``, so a report crosses from the compute task to the render
task as a JSON file, and rendering never needs to know where the numbers came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Literal

from ...models import UnitState, UnitStatus, jsonable

TaskState = Literal["completed", "on_track", "lagging", "overdue", "unreported"]

TASK_STATE_LABELS: dict[str, str] = {
    "completed": "已完成",
    "on_track": "正常推进",
    "lagging": "进度滞后",
    "overdue": "逾期未完成",
    "unreported": "未报进度",
}


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
class Totals:
    activities: int = 0
    participants: int = 0
    funds_10k_yuan: float = 0.0


@dataclass
class MonthlyReport:
    """Everything the monthly notice says, computed from the registry and the accepted submissions."""

    campaign: str
    secretariat: str
    period: str
    period_label: str
    deadline: datetime
    units: list[UnitStatus]
    tasks: list[TaskProgress]
    projects: list[ProjectProgress]
    totals: Totals
    requirements: list[str]
    recipients: str = "各成员单位"
    cc: tuple[str, ...] = ()  # 抄送 of the 版记 (campaign.yaml's cc)
    printed_by: str = ""  # 印发机关 of the 版记 (campaign.yaml's printed_by, else the secretariat)
    doc_number: str = ""  # set when the notice is numbered (publishing layer), e.g. 创建办〔2026〕7号
    issue_date: date | None = None
    timezone: str = "Asia/Shanghai"  # the campaign's: the notice shows its dates and times in this zone

    def units_in(self, state: UnitState) -> list[UnitStatus]:
        return [u for u in self.units if u.state == state]

    def tasks_in(self, state: TaskState) -> list[TaskProgress]:
        return [t for t in self.tasks if t.state == state]

    def summary(self) -> dict[str, Any]:
        """The machine-readable summary written beside the notice as ``summary.json``."""
        return {
            "period": self.period,
            "doc_number": self.doc_number,
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

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MonthlyReport:
        return cls(
            campaign=d["campaign"],
            secretariat=d["secretariat"],
            period=d["period"],
            period_label=d["period_label"],
            deadline=datetime.fromisoformat(d["deadline"]),
            units=[
                UnitStatus.from_dict(u) for u in d["units"]
            ],
            tasks=[
                TaskProgress(
                    **{
                        **t,
                        "start_date": date.fromisoformat(t["start_date"]),
                        "deadline": date.fromisoformat(t["deadline"]),
                    }
                )
                for t in d["tasks"]
            ],
            projects=[ProjectProgress(**p) for p in d["projects"]],
            totals=Totals(**d["totals"]),
            requirements=list(d["requirements"]),
            recipients=d.get("recipients", "各成员单位"),
            cc=tuple(d.get("cc") or ()),
            printed_by=d.get("printed_by", ""),
            doc_number=d.get("doc_number", ""),
            issue_date=date.fromisoformat(d["issue_date"]) if d.get("issue_date") else None,
            timezone=d.get("timezone", "Asia/Shanghai"),
        )
