"""The weekly report model: each key project's milestones against their reverse schedule (倒排工期) at the
week's end, what blocks them, and who reported.

Plain dataclasses with ``to_dict``/``from_dict``, so a report crosses from the compute task to the render
task as a JSON file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from ...models import UnitState, UnitStatus, jsonable

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


@dataclass
class WeeklyReport:
    """Everything the 调度通报 says, computed from the register and the accepted reports up to the week."""

    campaign: str
    secretariat: str
    period: str
    period_label: str
    week_start: date
    week_end: date
    deadline: datetime
    units: list[UnitStatus]
    milestones: list[Milestone]
    requirements: list[str]
    recipients: str = "各成员单位"
    cc: tuple[str, ...] = ()
    printed_by: str = ""
    doc_number: str = ""  # e.g. 创建办调〔2026〕3号
    issue_date: date | None = None
    timezone: str = "Asia/Shanghai"

    def units_in(self, state: UnitState) -> list[UnitStatus]:
        return [u for u in self.units if u.state == state]

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
            "doc_number": self.doc_number,
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

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WeeklyReport:
        def milestone(m: dict[str, Any]) -> Milestone:
            return Milestone(**{**m, "planned": date.fromisoformat(m["planned"]),
                                "completed_on": date.fromisoformat(m["completed_on"]) if m.get("completed_on") else None})

        return cls(
            campaign=d["campaign"], secretariat=d["secretariat"], period=d["period"], period_label=d["period_label"],
            week_start=date.fromisoformat(d["week_start"]), week_end=date.fromisoformat(d["week_end"]),
            deadline=datetime.fromisoformat(d["deadline"]),
            units=[UnitStatus.from_dict(u) for u in d["units"]],
            milestones=[milestone(m) for m in d["milestones"]],
            requirements=list(d["requirements"]),
            recipients=d.get("recipients", "各成员单位"),
            cc=tuple(d.get("cc") or ()),
            printed_by=d.get("printed_by", ""),
            doc_number=d.get("doc_number", ""),
            issue_date=date.fromisoformat(d["issue_date"]) if d.get("issue_date") else None,
            timezone=d.get("timezone", "Asia/Shanghai"),
        )
