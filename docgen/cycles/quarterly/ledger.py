"""The quarterly cycle's ledger (整改台账): pure functions from submissions to events, and events to states.

Each problem of an inspection's problem list is an item that goes 挂号 → 整改中 → 已整改待复查 → 销号,
or back to 挂号 when a recheck fails. The ledger is kept as append-only events, never as states: the state
of an item at any moment is the fold of its events up to then, its history is its events, and applying a
file a second time adds nothing because its events are already there. No files, no database, no clock:
intake stores the events, this module only says what they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal

from ...models import Problem
from ...serialize import from_jsonable, jsonable

ItemState = Literal["open", "rectifying", "awaiting_recheck", "closed"]
EventKind = Literal["filed", "reported", "recheck_passed", "recheck_failed"]
Action = Literal["filed", "reported", "rechecked"]
"""What a row of a submission asks of an item: file it, report on it, or recheck it."""
SubmissionKind = Literal["inspection_problems", "rectification_report", "recheck_results"]
"""The quarterly submission kinds, named as their data contracts."""

ITEM_STATE_LABELS: dict[str, str] = {
    "open": "挂号",
    "rectifying": "整改中",
    "awaiting_recheck": "已整改待复查",
    "closed": "销号",
}
EVENT_KIND_LABELS: dict[str, str] = {
    "filed": "督查挂号",
    "reported": "单位报送整改情况",
    "recheck_passed": "复查通过",
    "recheck_failed": "复查不通过",
}
RECTIFICATION_STATUSES = ("未启动", "整改中", "已完成")
RECHECK_VERDICTS = ("通过", "不通过")
ACTIONS: dict[str, Action] = {
    "inspection_problems": "filed",
    "rectification_report": "reported",
    "recheck_results": "rechecked",
}

QUARTERLY_SOURCE = "季度督查"


def source_of(origin: str) -> str:
    """An item's 来源 as the ledger shows it: the inspection that found it, else the quarterly inspection."""
    return origin or QUARTERLY_SOURCE


# what a reported 整改状态 makes of an item, by its current state; a pair missing here is refused
_REPORTED: dict[tuple[str, str], ItemState] = {
    ("open", "未启动"): "open",
    ("open", "整改中"): "rectifying",
    ("open", "已完成"): "awaiting_recheck",
    ("rectifying", "整改中"): "rectifying",
    ("rectifying", "已完成"): "awaiting_recheck",
    ("awaiting_recheck", "已完成"): "awaiting_recheck",  # the same report again: harmless
}


class TransitionRefused(ValueError):
    """A row that cannot change its item; the message is told to whoever submitted the file.

    ``column`` is the Chinese header the refusal is about, for the receipt (None: the action's own column).
    """

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Item:
    """One problem of a problem list (问题清单), as filed by the inspection team; it never changes."""

    problem_id: str
    unit: str
    problem_type: str
    description: str
    requirement: str
    deadline: date  # 整改时限
    filed: date  # 督查日期
    team: str  # 督查组
    origin: str = ""  # 来源: the inspection that found it when not a quarter's (another cycle filing in this ledger)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], origin: str = "") -> Item:
        """An item from a row of the inspection_problems contract (its field names)."""
        return cls(
            problem_id=row["problem_id"],
            unit=row["unit_code"],
            problem_type=row["problem_type"],
            description=row["description"],
            requirement=row["requirement"],
            deadline=row["deadline"],
            filed=row["inspection_date"],
            team=row["inspection_team"],
            origin=origin,
        )

    def to_dict(self) -> dict[str, Any]:
        d = jsonable(self)
        if not self.origin:  # a quarter's item is stored as before the ledger was shared
            del d["origin"]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Item:
        return from_jsonable(cls, d)


@dataclass(frozen=True)
class Event:
    """One change of one item, as stored: never updated, never deleted.

    ``source`` is the submission that caused it: an id unique to that one submission (the state
    database's submission id), not a file name a unit may drop again next quarter, since applying
    skips an item that already has an event from the same source. ``value`` the 整改状态 or 复查结论 as
    written; a ``filed`` event carries the item itself, so the events alone rebuild the ledger. A report
    that leaves the state as it was is an event too (from == to): the ledger then knows the file was
    applied, and applying it again adds nothing.
    """

    item_id: str
    from_state: ItemState | None  # None for ``filed``
    to_state: ItemState
    at: datetime
    source: str
    kind: EventKind
    value: str = ""
    item: Item | None = None

    @property
    def changes_state(self) -> bool:
        return self.from_state != self.to_state

    def to_dict(self) -> dict[str, Any]:
        """The event as stored (JSON)."""
        return {**jsonable(self), "item": self.item.to_dict() if self.item else None}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Event:
        return from_jsonable(cls, d)


@dataclass(frozen=True)
class ItemStatus:
    """An item as the fold of its events: where it stands, how often its recheck failed, its history."""

    item: Item
    state: ItemState
    failed_rechecks: int = 0
    last_change: datetime | None = None  # when the state last changed (filing included)
    events: tuple[Event, ...] = field(default=(), repr=False)

    @property
    def state_label(self) -> str:
        return ITEM_STATE_LABELS[self.state]

    @property
    def sources(self) -> frozenset[str]:
        """The submissions already applied to this item."""
        return frozenset(e.source for e in self.events)


Ledger = Mapping[str, ItemStatus]
"""The fold of all events so far, by problem id."""


# ---------------------------------------------------------------- transitions


def transition(state: ItemState | None, action: Action, value: str | None = None) -> ItemState:
    """The state an item goes to when a row asks ``action`` of it; raises TransitionRefused with the reason.

    ``state`` is None for an item not yet in the ledger; ``value`` is the 整改状态 of a report or the
    复查结论 of a recheck. A report never moves an item back (a unit that said 已完成 waits for the
    recheck), and only an item awaiting recheck can be rechecked.
    """
    if action == "filed":
        if state is not None:
            raise TransitionRefused("该问题编号已挂号，不能重复挂号", "问题编号")
        return "open"
    if state is None:
        raise TransitionRefused("问题编号不在整改台账中，请核对问题编号", "问题编号")
    if action == "reported":
        if value not in RECTIFICATION_STATUSES:
            raise TransitionRefused(f"整改状态只能填写：{'、'.join(RECTIFICATION_STATUSES)}")
        if state == "closed":
            raise TransitionRefused("该问题已销号，无需再报送整改情况")
        new = _REPORTED.get((state, value))
        if new is None:
            raise TransitionRefused(
                f"该问题当前为“{ITEM_STATE_LABELS[state]}”，整改状态不能改报为“{value}”"
            )
        return new
    if action == "rechecked":
        if value not in RECHECK_VERDICTS:
            raise TransitionRefused(f"复查结论只能填写：{'、'.join(RECHECK_VERDICTS)}")
        if state == "closed":
            raise TransitionRefused("该问题已销号，不能再次复查")
        if state != "awaiting_recheck":
            raise TransitionRefused(
                f"该问题当前为“{ITEM_STATE_LABELS[state]}”，单位尚未报告整改完成，不能复查"
            )
        return "closed" if value == "通过" else "open"
    raise ValueError(f"unknown action {action!r}")


def event_kind(action: Action, value: str | None = None) -> EventKind:
    """The kind of the event a successful ``action`` records."""
    if action == "rechecked":
        return "recheck_passed" if value == "通过" else "recheck_failed"
    return "filed" if action == "filed" else "reported"


# ---------------------------------------------------------------- the fold


def fold(events: Iterable[Event], until: datetime | None = None) -> dict[str, ItemStatus]:
    """The ledger after ``events`` (in the order they were appended), or after those at or before ``until``.

    ``until`` keeps the events whose ``at`` (when their file was received) is not after it; the events
    are taken in the order given, which is the order the files were applied.
    Raises ValueError on events that do not follow from each other (an event from a state the item is
    not in, or before the item was filed): stored events are never wrong, so this is a fault, not data.
    """
    ledger: dict[str, ItemStatus] = {}
    for e in events:
        if until is not None and e.at > until:
            continue
        current = ledger.get(e.item_id)
        if e.kind == "filed":
            if current is not None or e.item is None:
                raise ValueError(f"event {e}: an item is filed once, with its content")
            ledger[e.item_id] = ItemStatus(e.item, e.to_state, 0, e.at, (e,))
            continue
        if current is None or current.state != e.from_state:
            raise ValueError(f"event {e}: item {e.item_id} is not in state {e.from_state}")
        ledger[e.item_id] = _advance(current, e)
    return ledger


def _advance(status: ItemStatus, e: Event) -> ItemStatus:
    return replace(
        status,
        state=e.to_state,
        failed_rechecks=status.failed_rechecks + (e.kind == "recheck_failed"),
        last_change=e.at if e.changes_state else status.last_change,
        events=(*status.events, e),
    )


def is_overdue(item: Item, status: ItemStatus, cutoff_day: date) -> bool:
    """逾期: due strictly before the cut-off's day and not closed then (``status`` is the fold then).

    An item due on the cut-off's very day still had that day to finish: it is not overdue yet.
    """
    return item.deadline < cutoff_day and status.state != "closed"


# ---------------------------------------------------------------- applying a submission


def apply_submission(
    ledger: Ledger,
    kind: SubmissionKind,
    rows: Sequence[Mapping[str, Any]],
    source: str,
    at: datetime,
    *,
    unit: str | None = None,
    excel_rows: Sequence[int] | None = None,
    origin: str = "",
) -> tuple[list[Event], list[Problem]]:
    """The events one accepted file adds to ``ledger``, or the refusal of each row that cannot apply.

    ``rows`` are the file's typed rows as its contract yields them, ``excel_rows`` their Excel row numbers
    (for the receipt), ``unit`` the unit whose folder a rectification report came from. A file is applied
    whole or not at all: when any row is refused no event is returned, so a rejected file changes
    nothing. A row whose item already has an event from ``source`` is skipped, and a problem filed again
    with the same content adds nothing: applying a quarter twice adds nothing twice. ``origin``: the
    来源 of the items it files, when another cycle (an ad-hoc inspection) files in this ledger.
    """
    action = ACTIONS[kind]
    working: dict[str, ItemStatus] = dict(ledger)
    events: list[Event] = []
    problems: list[Problem] = []
    for i, row in enumerate(rows):
        excel_row = excel_rows[i] if excel_rows is not None else None
        item_id = row["problem_id"]
        current = working.get(item_id)
        if current is not None and source in current.sources:
            continue
        try:
            event = _event_for(current, action, row, source, at, unit, origin)
        except TransitionRefused as exc:
            column = exc.column or _ACTION_COLUMN[action]
            problems.append(Problem(message=str(exc), row=excel_row, column=column, value=_shown(row, column)))
            continue
        if event is None:
            continue
        events.append(event)
        working[item_id] = fold([event])[item_id] if event.kind == "filed" else _advance(working[item_id], event)
    return ([], problems) if problems else (events, [])


def _event_for(
    current: ItemStatus | None, action: Action, row: Mapping[str, Any], source: str, at: datetime, unit: str | None,
    origin: str = "",
) -> Event | None:
    """The event one row records, None when it records nothing; raises TransitionRefused."""
    item_id = row["problem_id"]
    if action == "filed":
        item = Item.from_row(row, origin)
        if current is not None:
            if current.item == item:
                return None
            raise TransitionRefused(
                f"问题编号“{item_id}”已在台账中挂号（{_cn_date(current.item.filed)}督查，"
                f"单位 {current.item.unit}），内容与本表不同；新问题请另行编号，已挂号的问题不能改动",
                "问题编号",
            )
        return Event(item_id, None, transition(None, "filed"), at, source, "filed", item=item)
    if current is None:
        raise TransitionRefused(f"问题编号“{item_id}”不在整改台账中，请照整改通知书核对问题编号", "问题编号")
    value = row["status"] if action == "reported" else row["verdict"]
    if action == "reported":
        if unit is not None and current.item.unit != unit:
            raise TransitionRefused(f"问题“{item_id}”不是本单位的问题，只能报送本单位的问题", "问题编号")
        done = row.get("completion_date")
        if isinstance(done, date) and done < current.item.filed:
            raise TransitionRefused(f"完成日期不能早于该问题的督查日期（{_cn_date(current.item.filed)}）", "完成日期")
    new = transition(current.state, action, value)
    return Event(item_id, current.state, new, at, source, event_kind(action, value), value=value)


_ACTION_COLUMN: dict[str, str] = {"filed": "问题编号", "reported": "整改状态", "rechecked": "复查结论"}
_FIELD_OF_COLUMN = {"问题编号": "problem_id", "整改状态": "status", "复查结论": "verdict", "完成日期": "completion_date"}


def _shown(row: Mapping[str, Any], column: str) -> str | None:
    value = row.get(_FIELD_OF_COLUMN[column])
    if value is None:
        return None
    return _cn_date(value) if isinstance(value, date) else str(value)


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"
