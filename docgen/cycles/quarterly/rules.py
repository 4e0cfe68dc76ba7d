"""The quarterly cycle's rules: pure functions from the ledger's events and the quarter's files to a report.

No files, no database, no clock: the stored events, the period each came from and the quarter's
submissions are arguments, so the rules are read and tested on their own.

Each quarter has one cut-off (``cutoff``): its reporting deadline. A quarter's figures are the ledger
at that moment, and every document's “截至” prints it. An event counts from the first quarter, not
earlier than the one whose folder its file was dropped in, whose cut-off it was received by: a
rectification report or a recheck received after a quarter's cut-off counts in the next quarter, even
when dropped in the earlier quarter's folder. So a quarter's report built again later (with later
files in its folder) says the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ...config import Campaign
from ...cycle import FormContent, Inputs, Kind, LedgerView, unit_statuses
from ...errors import DocgenError
from ...models import Registry
from ...periods import Period
from .calendar import calendar_of
from .ledger import EVENT_KIND_LABELS, ITEM_STATE_LABELS, Event, ItemStatus, is_overdue, source_of
from .report import HistoryEntry, LedgerItem, QuarterlyReport

DEFAULT_REQUIREMENTS = (
    "各有关单位要对照督查问题清单和整改通知书，逐项制定整改措施，明确责任人和完成时限，确保问题整改到位。",
    "已完成整改的问题由督查组复查，复查通过的予以销号；复查不通过的重新挂号、继续整改，逾期未整改的予以通报。",
    "各有关单位要在规定时限内按时报送整改情况，如实填写整改措施、整改状态和佐证材料，未按时报送的要说明情况。",
)


def requirements(campaign: Campaign) -> list[str]:
    """下步要求 of the inspection notice: ``quarterly.requirements`` of campaign.yaml, else the defaults."""
    configured = campaign.section("quarterly").get("requirements")
    if isinstance(configured, str):
        configured = [configured]
    return [str(r) for r in configured] if configured else list(DEFAULT_REQUIREMENTS)


def fold_kept(events: Iterable[Event]) -> dict[str, ItemStatus]:
    """The ledger after a subset of the stored events, taking each event for the state it leads to.

    ``ledger.fold`` refuses events that do not follow from each other, because the whole log always
    does. A quarter's subset need not: a late file of an earlier quarter, applied after a later quarter's
    events, follows an event that the earlier quarter leaves out. So here each event simply moves its
    item to ``to_state`` (in the order given); ``last_change`` is when that differs from the state before.
    An event of an item not filed in the subset is left out (it cannot be shown without its item).
    """
    ledger: dict[str, ItemStatus] = {}
    for e in events:
        current = ledger.get(e.item_id)
        if e.kind == "filed":
            if current is None and e.item is not None:
                ledger[e.item_id] = ItemStatus(e.item, e.to_state, 0, e.at, (e,))
            continue
        if current is None:
            continue
        ledger[e.item_id] = replace(
            current,
            state=e.to_state,
            failed_rechecks=current.failed_rechecks + (e.kind == "recheck_failed"),
            last_change=e.at if e.to_state != current.state else current.last_change,
            events=(*current.events, e),
        )
    return ledger


def cutoff(campaign: Campaign, period: Period) -> datetime:
    """The quarter's cut-off: its reporting deadline (by default the 10th of the next month, 17:00).

    Units report their rectification by then, so the quarter's figures are taken at that moment; a file
    received later counts in the next quarter. A run at the deadline and a rerun months later see the
    same events.
    """
    return period.deadline


def counting_quarter(
    campaign: Campaign, folder_period: str, at: datetime, cutoffs: dict[str, datetime] | None = None
) -> Period:
    """The quarter whose figures an event first counts in: its folder's quarter, or the first later one
    whose cut-off ``at`` (when its file was received) is not after. ``cutoffs``: a cache by quarter key.

    An event filed in the ledger from another cycle's period (``folder_period`` not a quarter: an ad-hoc
    inspection sharing the ledger) has no folder quarter: it counts in the first quarter whose cut-off
    ``at`` is not after, from the quarter before the one it was received in (whose cut-off may not have come).
    """
    cutoffs = {} if cutoffs is None else cutoffs
    quarters = calendar_of(campaign)
    try:
        quarter = quarters.parse(folder_period)
    except ValueError:
        received = quarters.containing(at.astimezone(ZoneInfo(campaign.timezone)).date())
        quarter = quarters.containing(received.start - timedelta(days=1))
    while True:
        if quarter.key not in cutoffs:
            cutoffs[quarter.key] = cutoff(campaign, quarter)
        if at <= cutoffs[quarter.key]:
            return quarter
        quarter = quarters.containing(quarter.end + timedelta(days=1))


def folder_quarter_start(campaign: Campaign, folder_period: str, at: datetime) -> date:
    """The first day of the quarter an event is taken as coming from: its folder's quarter, or for an
    event filed from another cycle's period, the quarter it counts in (``counting_quarter``)."""
    try:
        return calendar_of(campaign).parse(folder_period).start
    except ValueError:
        return counting_quarter(campaign, folder_period, at).start


def build_quarterly_report(inputs: Inputs) -> QuarterlyReport:
    """Apply the quarterly rules: the ledger at the quarter's cut-off, its history, and who reported by then."""
    if len(inputs.events) != len(inputs.event_periods):
        raise ValueError(f"{len(inputs.events)} events but {len(inputs.event_periods)} event periods")
    period, campaign, registry = inputs.period, inputs.campaign, inputs.registry
    cut = cutoff(campaign, period)
    logged = [(Event.from_dict(d), key) for d, key in zip(inputs.events, inputs.event_periods, strict=True)]
    cutoffs: dict[str, datetime] = {}
    counted = [(e, counting_quarter(campaign, key, e.at, cutoffs).start) for e, key in logged]
    up_to_end = [(e, start, key) for (e, start), (_, key) in zip(counted, logged, strict=True)
                 if start <= period.start]
    at_start = fold_kept(e for e, start, _ in up_to_end if start < period.start)
    at_end = fold_kept(e for e, _, _ in up_to_end)
    in_quarter: dict[str, list[Event]] = {}
    for e, start, _ in up_to_end:
        if start == period.start:
            in_quarter.setdefault(e.item_id, []).append(e)
    closed_at: dict[str, datetime] = {}  # when each item was closed, whenever that was (it never reopens)
    for e, _ in logged:
        if e.to_state == "closed":
            closed_at.setdefault(e.item_id, e.at)

    items = [
        _ledger_item(status, at_start.get(pid), in_quarter.get(pid, []), inputs, cut, closed_at.get(pid))
        for pid, status in at_end.items()
    ]
    kept = {id(e) for status in at_end.values() for e in status.events}
    history = [
        HistoryEntry(
            problem_id=e.item_id, unit=at_end[e.item_id].item.unit, from_state=e.from_state,
            to_state=e.to_state, at=e.at, file=inputs.file_names.get(e.source, ""),
            kind=EVENT_KIND_LABELS[e.kind], value=e.value, period=key,
        )
        for e, _, key in up_to_end
        if id(e) in kept
    ]

    involved = {i.unit for i in items if i.filed_in_quarter or i.carried_over}
    expected = [code for code in registry.units if code in involved]
    deadline = period.deadline
    reports = [s for s in inputs.submissions if s.kind == "rectification_report" and s.received_at <= cut]

    return QuarterlyReport(
        campaign=campaign.name,
        secretariat=campaign.secretariat,
        period=period.key,
        period_label=period.label,
        period_end=period.end,
        deadline=deadline,
        cutoff=cut,
        units=unit_statuses(registry, expected, reports, deadline),
        items=items,
        history=history,
        requirements=requirements(campaign),
        recipients=campaign.recipients,
        cc=campaign.cc,
        printed_by=campaign.printer,
        timezone=campaign.timezone,
        channel=campaign.submission_channel,
    )


def _ledger_item(
    status: ItemStatus,
    at_start: ItemStatus | None,
    in_quarter: Sequence[Event],
    inputs: Inputs,
    cut: datetime,
    closed_at: datetime | None,
) -> LedgerItem:
    """One item at the quarter's cut-off; ``at_start`` its status when the quarter began (None: not filed
    yet); ``closed_at`` when it was closed, even after the cut-off (None: not closed yet)."""
    item = status.item
    unit = inputs.registry.units.get(item.unit)
    return LedgerItem(
        problem_id=item.problem_id,
        unit=item.unit,
        unit_name=unit.name if unit else item.unit,
        problem_type=item.problem_type,
        description=item.description,
        requirement=item.requirement,
        deadline=item.deadline,
        filed=item.filed,
        team=item.team,
        origin=item.origin,
        state=status.state,
        failed_rechecks=status.failed_rechecks,
        last_change=status.last_change,
        overdue=is_overdue(item, status, cut.astimezone(ZoneInfo(inputs.campaign.timezone)).date()),
        filed_in_quarter=any(e.kind == "filed" for e in in_quarter),
        closed_in_quarter=any(e.to_state == "closed" for e in in_quarter),
        failed_in_quarter=any(e.kind == "recheck_failed" for e in in_quarter),
        carried_over=at_start is not None and at_start.state != "closed",
        closed_at=closed_at,
    )


def ledger_view(
    inputs: Inputs, *, unit: str | None = None, open_only: bool = False, item: str | None = None
) -> LedgerView:
    """The ledger as it stands now (every event so far), one unit's items, or one item's history."""
    events = [Event.from_dict(e) for e in inputs.events]
    ledger = fold_kept(events)
    zone = ZoneInfo(inputs.campaign.timezone)

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    def name_of(code: str) -> str:
        u = inputs.registry.units.get(code)
        return u.name if u else code

    if item is not None:
        status = ledger.get(item)
        if status is None:
            raise DocgenError(f"整改台账中没有问题编号“{item}”")
        i = status.item
        return LedgerView(
            title=f"{i.problem_id}（{name_of(i.unit)}，{i.problem_type}）：{i.description}；当前状态：{status.state_label}",
            headers=["时间", "变更", "原状态", "新状态", "填报内容", "文件", "期次"],
            rows=[
                [when(e.at), EVENT_KIND_LABELS[e.kind], ITEM_STATE_LABELS.get(e.from_state or "", ""),
                 ITEM_STATE_LABELS[e.to_state], e.value, inputs.file_names.get(e.source, ""), period]
                for e, period in zip(events, inputs.event_periods, strict=True) if e.item_id == item
            ],
        )
    if unit is not None and unit not in inputs.registry.units:
        raise DocgenError(f"单位代码“{unit}”不在成员单位名册中")
    rows = [
        [s.item.problem_id, name_of(s.item.unit), s.item.problem_type, s.item.description,
         f"{s.item.deadline:%Y-%m-%d}", s.state_label, str(s.failed_rechecks), when(s.last_change),
         source_of(s.item.origin)]
        for s in ledger.values()
        if (unit is None or s.item.unit == unit) and not (open_only and s.state == "closed")
    ]
    scope = f"{name_of(unit)}的" if unit else ""
    return LedgerView(
        title=f"整改台账：{scope}{'未销号' if open_only else '全部'}问题 {len(rows)} 个",
        headers=["问题编号", "单位", "问题类型", "问题描述", "整改时限", "当前状态", "复查不通过次数", "最近变更", "来源"],
        rows=rows,
    )


# ---------------------------------------------------------------- the units' side of a problem ledger


def ledger_form(kind: Kind, submitter: str, ledger: Mapping[str, ItemStatus], registry: Registry) -> FormContent | None:
    """The pre-filled form of a ledger kind, from the items of ``ledger`` (a cycle's view of the problem
    ledger): 整改情况报送表, the unit's items not closed (问题编号 locked) with their problem, requirement,
    deadline and state beside them; 复查结果, the items awaiting recheck; None for any other kind."""
    if kind.name == "rectification_report":
        items = [s for s in ledger.values() if s.item.unit == submitter and s.state != "closed"]
        return FormContent(
            rows=[{"problem_id": s.item.problem_id} for s in items],
            locked_fields=frozenset({"problem_id"}),
            hints=[
                ("问题描述（参考）", [s.item.description for s in items]),
                ("整改要求（参考）", [s.item.requirement for s in items]),
                ("整改时限（参考）", [s.item.deadline for s in items]),
                ("当前状态（参考）", [ITEM_STATE_LABELS[s.state] for s in items]),
            ],
        )
    if kind.name == "recheck_results":
        items = [s for s in ledger.values() if s.state == "awaiting_recheck"]
        units = registry.units
        return FormContent(
            rows=[{"problem_id": s.item.problem_id} for s in items],
            locked_fields=frozenset({"problem_id"}),
            hints=[
                ("单位（参考）", [units[s.item.unit].name if s.item.unit in units else s.item.unit for s in items]),
                ("问题描述（参考）", [s.item.description for s in items]),
            ],
        )
    return None


def unreported_items(ledger: Mapping[str, ItemStatus], unit: str, rows: Sequence[Mapping[str, object]]) -> str:
    """The unit's items of ``ledger`` not closed that a rectification report's ``rows`` leave out, as a
    receipt names them (问题编号（状态）, 、-joined); empty when there are none."""
    reported = {r.get("problem_id") for r in rows}
    left = [s for s in ledger.values()
            if s.item.unit == unit and s.state != "closed" and s.item.problem_id not in reported]
    return "、".join(f"{s.item.problem_id}（{s.state_label}）" for s in left)
