"""The weekly cycle's rules: pure functions from the key-project register and the units' weekly reports
to a WeeklyReport.

A milestone's state at a week's end is read from every accepted report of that week and the weeks before
(the cycle keeps them as ledger events, one per row): for each unit and week the latest accepted file
counts; a milestone once reported done stays done. No files, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ...config import Campaign
from ...cycle import Inputs, unit_statuses
from ...errors import WorkspaceError
from ...models import Registry
from .calendar import calendar_of
from .report import KEY_PROJECTS, YES, Milestone, WeeklyReport

DEFAULT_REQUIREMENTS = (
    "各项目责任单位要对照倒排工期时间表，以时间倒逼进度，确保每个节点按期完成。",
    "进度滞后项目的责任单位要逐项分析原因，制定赶工措施，明确完成时限，在下周调度时报告进展。",
    "需协调解决的问题，相关单位要主动对接、限时办结，未按期解决的提请领导小组协调。",
    "各责任单位要按时报送周调度表，确保情况真实准确；未按时报送的单位要说明原因。",
)


# ---------------------------------------------------------------- settings (campaign.yaml, weekly:)


def requirements(campaign: Campaign) -> list[str]:
    """下步要求 of the notice: ``weekly.requirements`` of campaign.yaml, else the defaults."""
    configured = campaign.section("weekly").get("requirements")
    if configured is None:
        return list(DEFAULT_REQUIREMENTS)
    if isinstance(configured, str):
        configured = [configured]
    if not isinstance(configured, list) or not all(isinstance(r, str) and r.strip() for r in configured):
        raise WorkspaceError(f"{campaign.source} 的 weekly.requirements 应为一条或多条文字（列表）")
    return [r.strip() for r in configured]


def number_prefix(campaign: Campaign) -> str:
    """The 调度通报's own issuing sequence: ``weekly.number_prefix`` (``{year}`` the year of issue), else
    the campaign's prefix with 调 before its 〔: 创建办〔2026〕 → 创建办调〔{year}〕."""
    configured = campaign.section("weekly").get("number_prefix")
    if configured is not None:
        if not isinstance(configured, str) or not configured.strip():
            raise WorkspaceError(f"{campaign.source} 的 weekly.number_prefix 应为文字，如 \"创建办调〔{{year}}〕\"")
        return configured.strip()
    main = campaign.doc_number_prefix
    return f"{main.split('〔')[0]}调〔{{year}}〕" if "〔" in main else f"{main}调"


# ---------------------------------------------------------------- the events a report adds


def events_of(rows: Sequence[Mapping[str, Any]], *, source: str, at: datetime, unit: str) -> list[dict[str, Any]]:
    """One event per row of an accepted weekly report: what the unit said of one milestone."""
    return [
        {
            "item": f"{r['project_id']}#{int(r['milestone_no'])}",
            "at": at.isoformat(),
            "source": source,
            "unit": unit,
            "project_id": r["project_id"],
            "milestone_no": int(r["milestone_no"]),
            "done": r.get("done") == YES,
            "completed_on": r["completed_on"].isoformat() if r.get("done") == YES and r.get("completed_on") else None,
            "progress": r.get("progress") or "",
            "issues": r.get("issues") or "",
            "needs_coordination": r.get("needs_coordination") == YES,
            "coordination": r.get("coordination") or "",
        }
        for r in rows
    ]


def counted_reports(
    events: Sequence[Mapping[str, Any]], event_weeks: Sequence[str], week_starts: Mapping[str, date], until: date,
) -> list[tuple[str, dict[str, Mapping[str, Any]]]]:
    """(week, milestone → the row that counts) for each week starting on or before ``until``, oldest first:
    of each unit's accepted files for a week, the latest received counts."""
    latest: dict[tuple[str, str], tuple[str, str]] = {}  # (week, unit) → (received at, source)
    for e, week in zip(events, event_weeks, strict=True):
        if week_starts[week] > until:
            continue
        received = (e["at"], str(e["source"]).zfill(12))
        if received > latest.get((week, e["unit"]), ("", "")):
            latest[(week, e["unit"])] = received
    counted: dict[str, dict[str, Mapping[str, Any]]] = {}
    for e, week in zip(events, event_weeks, strict=True):
        if week_starts[week] <= until and latest.get((week, e["unit"]), ("", ""))[1] == str(e["source"]).zfill(12):
            counted.setdefault(week, {})[e["item"]] = e
    return sorted(counted.items(), key=lambda kv: week_starts[kv[0]])


def milestones_of(register: Sequence[Mapping[str, Any]], registry: Registry) -> list[Milestone]:
    """The register's milestones in its order (a project's milestones by 节点序号)."""
    order = {p: n for n, p in enumerate(dict.fromkeys(r["project_id"] for r in register))}
    rows = sorted(register, key=lambda r: (order[r["project_id"]], int(r["milestone_no"])))
    names = {p: r["project_name"] for r in register for p in [r["project_id"]]}
    return [
        Milestone(
            project_id=r["project_id"], project_name=names[r["project_id"]], category=r.get("category") or "",
            unit=r["unit"], unit_name=registry.units[r["unit"]].name if r["unit"] in registry.units else r["unit"],
            milestone_no=int(r["milestone_no"]), name=r["milestone_name"], planned=r["planned_date"],
        )
        for r in rows
    ]


def milestone_states(milestones: list[Milestone], counted: Sequence[tuple[str, Mapping[str, Mapping[str, Any]]]],
                     week: str, week_end: date) -> list[Milestone]:
    """Each milestone as the week's end finds it (``counted``: the rows that count, oldest week first)."""
    for m in milestones:
        for key, rows in counted:
            row = rows.get(m.key)
            if row is None:
                continue
            if row["done"] and not m.done:
                m.done, m.finished_this_week = True, key == week
                m.completed_on = date.fromisoformat(row["completed_on"]) if row.get("completed_on") else None
            if row.get("progress"):
                m.progress = row["progress"]
            if key == week:
                m.reported_this_week = True
                m.issues = row.get("issues") or ""
                m.needs_coordination = bool(row.get("needs_coordination"))
                m.coordination = row.get("coordination") or ""
        m.behind = not m.done and m.planned <= week_end
        m.days_behind = (week_end - m.planned).days if m.behind else 0
    return milestones


def expected_units(milestones: Sequence[Milestone], open_before: set[str], registry: Registry) -> list[str]:
    """The units responsible for a project with a milestone not done before the week (in registry order)."""
    involved = {m.unit for m in milestones if m.key in open_before}
    return [code for code in registry.units if code in involved]


def _counted(inputs: Inputs) -> list[tuple[str, dict[str, Mapping[str, Any]]]]:
    weeks = calendar_of(inputs.campaign)
    starts = {key: weeks.parse(key).start for key in set(inputs.event_periods)}
    return counted_reports(inputs.events, inputs.event_periods, starts, inputs.period.start)


def open_milestones(inputs: Inputs) -> list[Milestone]:
    """The milestones not reported done before ``inputs.period`` (what its reports are about), as its end
    would find them without its own reports."""
    week = inputs.period
    earlier = [c for c in _counted(inputs) if c[0] != week.key]
    milestones = milestones_of(inputs.registers.get(KEY_PROJECTS, []), inputs.registry)
    return [m for m in milestone_states(milestones, earlier, week.key, week.end) if not m.done]


def build_weekly_report(inputs: Inputs) -> WeeklyReport:
    """Apply the weekly rules to the register and every accepted report up to ``inputs.period``."""
    campaign, registry, week = inputs.campaign, inputs.registry, inputs.period
    milestones = milestone_states(milestones_of(inputs.registers.get(KEY_PROJECTS, []), registry),
                                  _counted(inputs), week.key, week.end)
    expected = expected_units(milestones, {m.key for m in open_milestones(inputs)}, registry)
    return WeeklyReport(
        campaign=campaign.name, secretariat=campaign.secretariat, period=week.key, period_label=week.label,
        week_start=week.start, week_end=week.end, deadline=week.deadline,
        units=unit_statuses(registry, expected, inputs.submissions, week.deadline),
        milestones=milestones, requirements=requirements(campaign), recipients=campaign.recipients,
        cc=campaign.cc, printed_by=campaign.printer, timezone=campaign.timezone,
    )
