"""The data every cycle shares: registry records, problems, receipts and units' reporting status.

Plain dataclasses, so a report holding them crosses to the render task as JSON (``docgen.serialize``),
and rendering never needs to know where the numbers came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

RETURNED_BY_REVIEW = "审核退回："  # the problem of an accepted file the review returned, before its comment
RECEIPT = "回执"  # ``<time>_<file>.回执.json`` / ``.docx``: the receipts of a dropped file
RETURN_RECEIPT = "退回回执"  # ``<time>_<file>.退回回执.json`` / ``.docx``: the review's return of an accepted one
UnitState = Literal["on_time", "late", "rejected", "missing"]

UNIT_STATE_LABELS: dict[str, str] = {
    "on_time": "按时报送",
    "late": "逾期报送",
    "rejected": "报送未通过",
    "missing": "未报送",
}


# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class Unit:
    """A member unit (成员单位)."""

    code: str
    name: str
    category: str = ""
    contact: str = ""
    phone: str = ""  # a mobile number here is whom the group robots @mention
    email: str = ""
    robot: str = ""  # the work group (its robot in campaign.yaml's delivery.robots) the unit is in


@dataclass(frozen=True)
class Task:
    """A task of the task list (任务清单): owned by a lead unit, helped by cooperating units."""

    task_id: str
    name: str
    project: str  # 所属工程
    lead_unit: str
    cooperating_units: tuple[str, ...]
    start_date: date
    deadline: date
    target_value: str = ""
    measure_unit: str = ""

    def involves(self, unit_code: str) -> bool:
        return unit_code == self.lead_unit or unit_code in self.cooperating_units

    @property
    def units(self) -> tuple[str, ...]:
        return (self.lead_unit, *[u for u in self.cooperating_units if u != self.lead_unit])


@dataclass(frozen=True)
class Indicator:
    """An indicator of the indicator system (测评体系)."""

    indicator_id: str
    level1: str
    level2: str
    content: str
    points: float
    scoring_rule: str = ""


@dataclass
class Registry:
    """What the secretariat keeps: units, tasks and indicators, keyed by their codes."""

    units: dict[str, Unit]
    tasks: dict[str, Task]
    indicators: dict[str, Indicator] = field(default_factory=dict)


# ---------------------------------------------------------------- problems and receipts


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submitted file, told the way the unit sees the file in Excel.

    ``row`` is the Excel row number (None for a problem with the whole file), ``column`` the Chinese
    header, ``cell`` the Excel address (e.g. ``C5``) when there is one.
    """

    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    cell: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Problem:
        """A problem as a receipt's JSON or the state database keeps it (``to_dict``)."""
        value = stored.get("value")
        return cls(message=str(stored.get("message") or ""), row=stored.get("row"), column=stored.get("column"),
                   value=None if value is None else str(value), cell=stored.get("cell"))

    def describe(self) -> str:
        """One line in Chinese: where, what value, what is wrong."""
        where = []
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"“{self.column}”列")
        head = "".join(where) or "整个文件"
        shown = f"（填写的值：{self.value}）" if self.value not in (None, "") else ""
        return f"{head}{shown}：{self.message}"


@dataclass
class Receipt:
    """The answer to one dropped file (回执). ``accepted`` is all or nothing for the file."""

    file: str
    unit: str
    unit_name: str
    cycle: str
    period: str
    period_label: str
    received_at: datetime
    sha256: str | None
    accepted: bool
    errors: list[Problem]
    submission_type: str = ""  # the contract's Chinese name, e.g. 月度进展报送表
    rows: int = 0
    deadline: datetime | None = None
    secretariat: str = ""
    timezone: str = "Asia/Shanghai"  # the campaign's: the receipt shows its times in this zone
    notes: list[str] = field(default_factory=list)  # shown on the receipt as 说明：…, e.g. why a time was used
    channel: str = ""  # campaign.yaml's submission_channel: how to send a corrected file, in the unit's words
    returned_at: datetime | None = None  # an accepted file the secretariat's review returned (退回回执), when
    returned_by: str = ""  # and who

    @property
    def on_time(self) -> bool | None:
        return None if self.deadline is None else self.received_at <= self.deadline

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "cycle": self.cycle,
            "period": self.period,
            "period_label": self.period_label,
            "received_at": self.received_at.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "on_time": self.on_time,
            "sha256": self.sha256,
            "accepted": self.accepted,
            "submission_type": self.submission_type,
            "rows": self.rows,
            "errors": [p.to_dict() for p in self.errors],
            "notes": list(self.notes),
            **({"returned_at": self.returned_at.isoformat(), "returned_by": self.returned_by}
               if self.returned_at else {}),
        }


# ---------------------------------------------------------------- who reported (every cycle)


@dataclass
class UnitStatus:
    """One expected unit's reporting status for the month."""

    code: str
    name: str
    category: str
    state: UnitState
    received_at: datetime | None = None  # first accepted file (on_time/late) or last dropped file (rejected)
    file: str | None = None  # the file whose data is used
    returned: str = ""  # rejected because the secretariat's review returned its accepted file: the comment

    @property
    def state_text(self) -> str:
        """The state as a document or a listing names it, with the review's comment when it returned the file."""
        return f"{self.state_label}（{RETURNED_BY_REVIEW}{self.returned}）" if self.returned else self.state_label

    @property
    def state_label(self) -> str:
        return UNIT_STATE_LABELS[self.state]

