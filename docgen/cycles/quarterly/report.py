"""The quarterly report model: the ledger as it stands at a quarter's end, and who reported.

Plain dataclasses with ``to_dict``/``from_dict``: the report crosses from the compute task to the render
task as a JSON file, and rendering never needs to know how the states were reached.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ...models import UnitStatus, jsonable, optional_datetime
from .ledger import ITEM_STATE_LABELS, ItemState

RECTIFICATION_KEY = "rectification:"  # + unit code: the number key of a unit's 整改通知书
NOTICE_KEY = "notice"


@dataclass
class LedgerItem:
    """One item of the ledger at the quarter's cut-off (carried over, or filed during the quarter)."""

    problem_id: str
    unit: str
    unit_name: str
    problem_type: str
    description: str
    requirement: str
    deadline: date  # 整改时限
    filed: date  # 督查日期
    team: str  # 督查组
    state: ItemState  # at the quarter's cut-off
    failed_rechecks: int = 0  # 复查不通过次数, all quarters so far
    last_change: datetime | None = None  # 最近变更
    overdue: bool = False  # 逾期: due before the cut-off's day, not closed at the cut-off
    filed_in_quarter: bool = False
    closed_in_quarter: bool = False
    failed_in_quarter: bool = False  # a recheck failed during the quarter
    carried_over: bool = False  # filed in an earlier quarter and not closed at this one's start
    closed_at: datetime | None = None  # when it was closed, even after the cut-off (a notice demands no closed item)
    origin: str = ""  # 来源: the ad-hoc inspection that filed it in the shared ledger ("": the quarterly inspection)

    @property
    def state_label(self) -> str:
        return ITEM_STATE_LABELS[self.state]

    @property
    def closed(self) -> bool:
        return self.state == "closed"


@dataclass
class HistoryEntry:
    """One change of one item, as the 历史 sheet shows it."""

    problem_id: str
    unit: str
    from_state: ItemState | None
    to_state: ItemState
    at: datetime
    file: str  # the file that caused it
    kind: str  # Chinese: 督查挂号, 单位报送整改情况, 复查通过, 复查不通过
    value: str = ""
    period: str = ""  # the quarter whose folder the file came from

    @property
    def from_label(self) -> str:
        return ITEM_STATE_LABELS[self.from_state] if self.from_state else ""

    @property
    def to_label(self) -> str:
        return ITEM_STATE_LABELS[self.to_state]


@dataclass
class QuarterlyReport:
    """Everything the quarter's documents say, computed from the ledger's events and the quarter's files."""

    campaign: str
    secretariat: str
    period: str
    period_label: str
    period_end: date
    deadline: datetime
    cutoff: datetime  # the moment the figures are taken at (``rules.cutoff``); every “截至” prints it
    units: list[UnitStatus]  # expected units with their reporting status
    items: list[LedgerItem]  # every item filed in this quarter or earlier, in filing order
    history: list[HistoryEntry]  # every change counted up to the quarter's cut-off, in the order applied
    requirements: list[str]
    recipients: str = "各成员单位"
    cc: tuple[str, ...] = ()  # 抄送 of the 版记 (campaign.yaml's cc)
    printed_by: str = ""  # 印发机关 of the 版记 (campaign.yaml's printed_by, else the secretariat)
    doc_number: str = ""  # the inspection notice's issuing number
    rectification_numbers: dict[str, str] = field(default_factory=dict)  # unit code → 整改通知书's number
    issue_date: date | None = None
    timezone: str = "Asia/Shanghai"
    channel: str = ""  # campaign.yaml's submission_channel: how a unit sends its 整改情况报送表, in its words

    def units_in(self, state: str) -> list[UnitStatus]:
        return [u for u in self.units if u.state == state]

    def items_in(self, state: ItemState) -> list[LedgerItem]:
        return [i for i in self.items if i.state == state]

    @property
    def open_items(self) -> list[LedgerItem]:
        """Items not closed at the quarter's cut-off (挂号, 整改中, 已整改待复查)."""
        return [i for i in self.items if not i.closed]

    def closed_before_issue(self, item: LedgerItem) -> bool:
        """Closed after the cut-off but before the issue day: a notice no longer demands it."""
        if item.closed_at is None or self.issue_date is None:
            return False
        return item.closed_at.astimezone(ZoneInfo(self.timezone)).date() < self.issue_date

    @property
    def demanded_items(self) -> list[LedgerItem]:
        """The items a rectification notice demands: not closed at the cut-off, nor before the issue day."""
        return [i for i in self.open_items if not self.closed_before_issue(i)]

    @property
    def units_with_open_items(self) -> list[str]:
        """Unit codes with items not closed at the cut-off, in the order of ``units`` then of first appearance."""
        return self._units_of(self.open_items)

    @property
    def units_to_notify(self) -> list[str]:
        """The units sent a rectification notice: those with ``demanded_items``, in the same order."""
        return self._units_of(self.demanded_items)

    def _units_of(self, items: list[LedgerItem]) -> list[str]:
        codes = [u.code for u in self.units]
        found = {i.unit for i in items}
        return [c for c in codes if c in found] + sorted(found - set(codes))

    def summary(self) -> dict[str, Any]:
        """``summary.json``: problem ids and unit codes, as the issue's contract with other programs."""
        return {
            "period": self.period,
            "cutoff": self.cutoff.isoformat(),  # an ISO datetime with its offset: the figures' 截至
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "doc_number": self.doc_number,
            "filed": [i.problem_id for i in self.items if i.filed_in_quarter],
            "closed": [i.problem_id for i in self.items if i.closed_in_quarter],
            "awaiting_recheck": [i.problem_id for i in self.items_in("awaiting_recheck")],
            "rectifying": [i.problem_id for i in self.items_in("rectifying")],
            "open": [i.problem_id for i in self.items_in("open")],
            "overdue": [i.problem_id for i in self.items if i.overdue],
            "units_with_open_items": self.units_with_open_items,
            "expected_units": [u.code for u in self.units],
            "on_time_units": [u.code for u in self.units_in("on_time")],
            "late_units": [u.code for u in self.units_in("late")],
            "rejected_units": [u.code for u in self.units_in("rejected")],
            "missing_units": [u.code for u in self.units_in("missing")],
            "rectification_numbers": dict(self.rectification_numbers),
        }

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> QuarterlyReport:
        return cls(
            campaign=d["campaign"],
            secretariat=d["secretariat"],
            period=d["period"],
            period_label=d["period_label"],
            period_end=date.fromisoformat(d["period_end"]),
            deadline=datetime.fromisoformat(d["deadline"]),
            cutoff=datetime.fromisoformat(d["cutoff"]),
            units=[UnitStatus.from_dict(u) for u in d["units"]],
            items=[
                LedgerItem(**{**i, "deadline": date.fromisoformat(i["deadline"]),
                              "filed": date.fromisoformat(i["filed"]), "last_change": optional_datetime(i["last_change"]),
                              "closed_at": optional_datetime(i.get("closed_at"))})
                for i in d["items"]
            ],
            history=[HistoryEntry(**{**h, "at": datetime.fromisoformat(h["at"])}) for h in d["history"]],
            requirements=list(d["requirements"]),
            recipients=d.get("recipients", "各成员单位"),
            cc=tuple(d.get("cc") or ()),
            printed_by=d.get("printed_by", ""),
            doc_number=d.get("doc_number", ""),
            rectification_numbers=dict(d.get("rectification_numbers") or {}),
            issue_date=date.fromisoformat(d["issue_date"]) if d.get("issue_date") else None,
            timezone=d.get("timezone", "Asia/Shanghai"),
            channel=d.get("channel", ""),
        )
