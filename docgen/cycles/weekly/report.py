"""The weekly report model: each key project's milestones against their reverse schedule (倒排工期) at the
week's end, what blocks them, and who reported.

Plain dataclasses, so a report crosses from the compute task to the render task as a JSON file (the one
serializer of ``docgen.cycle.Report``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ...cycle import Report

KEY_PROJECTS = "key_projects"  # the register's contract (registry/重点项目节点.xlsx)
REGISTER_FILE = "重点项目节点"
YES = "是"
NOTICE_KEY = "dispatch"  # the issuing number of the 调度通报


@dataclass
class Milestone:
    """One milestone of a key project as the week's end finds it."""

    project_id: str
    project_name: str
    category: str
    unit: str
    unit_name: str
    milestone_no: int
    name: str
    planned: date
    done: bool = False
    completed_on: date | None = None  # as the unit reported it
    finished_this_week: bool = False  # first reported done in this week's report
    behind: bool = False  # planned on or before the week's end and not done
    days_behind: int = 0  # week's end − planned date, for a milestone behind
    progress: str = ""  # 当前进展 of the unit's latest report on it (up to this week)
    issues: str = ""  # 存在问题/堵点 of this week's report
    needs_coordination: bool = False  # this week's report asks for 协调
    coordination: str = ""  # 需协调事项 of this week's report
    reported_this_week: bool = False

    @property
    def key(self) -> str:
        """``XM01#2``: how the summary names a milestone."""
        return f"{self.project_id}#{self.milestone_no}"

    @property
    def state_label(self) -> str:
        if self.done:
            return "本周完成" if self.finished_this_week else "已完成"
        return f"滞后{self.days_behind}天" if self.behind else "未到期"


@dataclass(kw_only=True)
class WeeklyReport(Report):
    """Everything the 调度通报 says, computed from the register and the accepted reports up to the week (its
    issuing number is the header's, key ``dispatch``)."""

    campaign: str
    secretariat: str
    week_start: date
    week_end: date
    milestones: list[Milestone]
    requirements: list[str]
    recipients: str = "各成员单位"
    cc: tuple[str, ...] = ()
    printed_by: str = ""
    timezone: str = "Asia/Shanghai"

    @property
    def projects(self) -> list[str]:
        """The projects' 项目编号, in the register's order."""
        return list(dict.fromkeys(m.project_id for m in self.milestones))

    @property
    def behind(self) -> list[Milestone]:
        """The milestones behind schedule, most days behind first (then the register's order)."""
        return sorted((m for m in self.milestones if m.behind), key=lambda m: -m.days_behind)

    @property
    def finished(self) -> list[Milestone]:
        return [m for m in self.milestones if m.finished_this_week]

    @property
    def blocked(self) -> list[Milestone]:
        return [m for m in self.milestones if m.needs_coordination]

    @property
    def done(self) -> list[Milestone]:
        return [m for m in self.milestones if m.done]

    def summary(self) -> dict[str, Any]:
        """The machine-readable summary written beside the notice as ``summary.json``."""
        return {
            "period": self.period,
            "doc_number": self.doc_number or "",
            "projects": len(self.projects),
            "milestones": len(self.milestones),
            "done": [m.key for m in self.done],
            "behind": {m.key: m.days_behind for m in self.behind},
            "behind_projects": list(dict.fromkeys(m.project_id for m in self.behind)),
            "finished": [m.key for m in self.finished],
            "blocked": {m.key: m.coordination for m in self.blocked},
            "expected_units": [u.code for u in self.units],
            "on_time_units": [u.code for u in self.units_in("on_time")],
            "late_units": [u.code for u in self.units_in("late")],
            "rejected_units": [u.code for u in self.units_in("rejected")],
            "missing_units": [u.code for u in self.units_in("missing")],
        }
