"""The quarterly report model: the ledger as it stands at a quarter's end, and who reported.

Plain dataclasses: the report crosses from the compute task to the render task as a JSON file (the one
serializer of ``docgen.cycle.Report``), and rendering never needs to know how the states were reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ...cycle import Report
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
class QuarterlyReport(Report):
    """Everything the quarter's documents say, computed from the ledger's events and the quarter's files.

    Its issuing numbers (the header's ``numbers``): the inspection notice's (``NOTICE_KEY``) and each
    rectification notice's (``RECTIFICATION_KEY`` + the unit's code). ``units``: the units expected to
    report on their items, with their reporting status.
    """

    campaign: str
    secretariat: str
    period_end: date
    cutoff: datetime  # the moment the figures are taken at (``rules.cutoff``); every “截至” prints it
    items: list[LedgerItem]  # every item filed in this quarter or earlier, in filing order
    history: list[HistoryEntry]  # every change counted up to the quarter's cut-off, in the order applied
    requirements: list[str]
    recipients: str = "各成员单位"
    cc: tuple[str, ...] = ()  # 抄送 of the 版记 (campaign.yaml's cc)
    printed_by: str = ""  # 印发机关 of the 版记 (campaign.yaml's printed_by, else the secretariat)
    timezone: str = "Asia/Shanghai"
    channel: str = ""  # campaign.yaml's submission_channel: how a unit sends its 整改情况报送表, in its words

    @property
    def doc_number(self) -> str | None:
        """The inspection notice's issuing number."""
        return self.numbers.get(NOTICE_KEY)

    @property
    def rectification_numbers(self) -> dict[str, str]:
        """Unit code → its 整改通知书's issuing number, in the order given."""
        return {key.removeprefix(RECTIFICATION_KEY): number for key, number in self.numbers.items()
                if key.startswith(RECTIFICATION_KEY)}

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
            "doc_number": self.doc_number or "",
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
            "rectification_numbers": self.rectification_numbers,
        }
