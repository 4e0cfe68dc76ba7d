"""The 专项督查 rules: pure functions from the shared ledger's events and the inspection's files to a report.

The inspection's items are those filed from its own period (the period each stored event came from says
so); their states are the fold of their events received by the inspection's deadline, whichever cycle's
folder the file came from (a recheck filed with the quarterly inspection counts too: one ledger). Who
reported is told from the 整改情况报送表 dropped in the inspection's folders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ...config import Campaign
from ...cycle import Inputs, unit_statuses
from ...errors import WorkspaceError
from ..quarterly.ledger import EVENT_KIND_LABELS, Event, ItemStatus, is_overdue
from ..quarterly.report import HistoryEntry, LedgerItem
from ..quarterly.rules import fold_kept
from .calendar import inspection_of
from .report import SpecialReport

DEFAULT_REQUIREMENTS = (
    "有关单位要对照本次专项督查发现的问题和整改通知书，逐项制定整改措施，明确责任人和完成时限，立行立改、真改实改。",
    "整改完成的问题由督查组复查，复查通过的予以销号；逾期未整改和复查不通过的问题纳入整改台账持续督办，并在季度督查中通报。",
    "未按时报送整改情况的单位要向创建办书面说明原因，并尽快补报。",
)


def requirements(campaign: Campaign, cycle: str = "special") -> list[str]:
    """下步要求 of the notice: ``special.requirements`` of campaign.yaml, else the defaults."""
    configured = campaign.section(cycle).get("requirements")
    if isinstance(configured, str):
        configured = [configured]
    if configured is not None and not (isinstance(configured, list) and all(isinstance(r, str) for r in configured)):
        raise WorkspaceError(f"{campaign.source} 的 {cycle}.requirements 应为文字列表，每条一项下步要求")
    return [r for r in configured] if configured else list(DEFAULT_REQUIREMENTS)


def item_prefix(period_key: str) -> str:
    """How the inspection's problem ids begin (``2026-ZX01-``): its items never collide with another's."""
    return f"{period_key}-"


def own_items(events: Sequence[Mapping[str, Any]], event_periods: Sequence[str], period_key: str) -> set[str]:
    """The ids of the items filed from ``period_key``'s folders."""
    return {e["item_id"] for e, key in zip(events, event_periods, strict=True)
            if key == period_key and e.get("kind") == "filed"}


def ledger_now(inputs: Inputs, until: datetime | None = None) -> dict[str, ItemStatus]:
    """The inspection's items as the fold of their events (all, or those received by ``until``)."""
    mine = own_items(inputs.events, inputs.event_periods, inputs.period.key)
    return fold_kept(e for e in (Event.from_dict(d) for d in inputs.events)
                     if e.item_id in mine and (until is None or e.at <= until))


def build_special_report(inputs: Inputs, cycle: str = "special") -> SpecialReport:
    """The inspection's items at its deadline, their history up to then, and who reported."""
    if len(inputs.events) != len(inputs.event_periods):
        raise ValueError(f"{len(inputs.events)} events but {len(inputs.event_periods)} event periods")
    campaign, registry, period = inputs.campaign, inputs.registry, inputs.period
    inspection = inspection_of(campaign, period.key, cycle)
    unknown = [u for u in inspection.units if u not in registry.units]
    if unknown:
        raise WorkspaceError(f"{campaign.source} 的专项督查“{inspection.key}”的 units 中有不在成员单位名册中的单位代码："
                             f"{'、'.join(unknown)}")
    cut = period.deadline
    mine = own_items(inputs.events, inputs.event_periods, period.key)
    logged = [(Event.from_dict(d), key) for d, key in zip(inputs.events, inputs.event_periods, strict=True)]
    kept = [(e, key) for e, key in logged if e.item_id in mine and e.at <= cut]
    at_cut = fold_kept(e for e, _ in kept)
    closed_at: dict[str, datetime] = {}
    for e, _ in logged:
        if e.item_id in mine and e.to_state == "closed":
            closed_at.setdefault(e.item_id, e.at)
    day = cut.astimezone(ZoneInfo(campaign.timezone)).date()
    items = [_item(status, inputs, day, closed_at.get(pid)) for pid, status in at_cut.items()]
    history = [
        HistoryEntry(problem_id=e.item_id, unit=at_cut[e.item_id].item.unit, from_state=e.from_state,
                     to_state=e.to_state, at=e.at, file=inputs.file_names.get(e.source, ""),
                     kind=EVENT_KIND_LABELS[e.kind], value=e.value, period=key)
        for e, key in kept if e.item_id in at_cut
    ]
    involved = {i.unit for i in items}
    expected = [code for code in registry.units if code in involved]
    reports = [s for s in inputs.submissions if s.kind == "rectification_report"]
    return SpecialReport(
        campaign=campaign.name, secretariat=campaign.secretariat, period=period.key, period_label=period.label,
        period_end=period.end, deadline=cut, cutoff=cut,
        units=unit_statuses(registry, expected, reports, cut),
        items=items, history=history, requirements=requirements(campaign, cycle),
        recipients=campaign.recipients, cc=campaign.cc, printed_by=campaign.printer, timezone=campaign.timezone,
        channel=campaign.submission_channel,
        name=inspection.name, scope=list(inspection.units),
        scope_names=[registry.units[u].name for u in inspection.units], start=inspection.start,
        method=inspection.method,
    )


def _item(status: ItemStatus, inputs: Inputs, cutoff_day: date, closed_at: datetime | None) -> LedgerItem:
    item = status.item
    unit = inputs.registry.units.get(item.unit)
    return LedgerItem(
        problem_id=item.problem_id, unit=item.unit, unit_name=unit.name if unit else item.unit,
        problem_type=item.problem_type, description=item.description, requirement=item.requirement,
        deadline=item.deadline, filed=item.filed, team=item.team, state=status.state,
        failed_rechecks=status.failed_rechecks, last_change=status.last_change,
        overdue=is_overdue(item, status, cutoff_day), filed_in_quarter=True,
        closed_in_quarter=status.state == "closed",
        failed_in_quarter=any(e.kind == "recheck_failed" for e in status.events),
        carried_over=False, closed_at=closed_at, origin=item.origin,
    )

