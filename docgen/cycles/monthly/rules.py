"""The monthly cycle's rules: pure functions from the registry and the submissions to a MonthlyReport.

No files, no database, no clock: everything a rule needs is an argument, so the rules are read and
tested on their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ...config import Campaign
from ...cycle import Submission, latest_accepted, unit_statuses
from ...errors import WorkspaceError
from ...models import Registry, Task
from ...periods import Period
from .report import LowerLevel, LowerTask, MonthlyReport, ProjectProgress, TaskProgress, TaskState, Totals

DEFAULT_REQUIREMENTS = (
    "各成员单位要对照任务清单，逐项梳理本单位牵头和配合的任务，确保按时间节点推进。",
    "进度滞后和逾期未完成任务的牵头单位要认真分析原因，制定整改措施，限期赶上进度。",
    "各成员单位要严格按时报送月度进展，确保数据真实准确，未按时报送的单位要说明情况。",
)
DEFAULT_LAG_TOLERANCE = 10.0


# ---------------------------------------------------------------- settings (campaign.yaml, monthly:)


def requirements(campaign: Campaign) -> list[str]:
    """下步要求 of the notice: ``monthly.requirements`` of campaign.yaml, else the defaults."""
    configured = campaign.section("monthly").get("requirements")
    if isinstance(configured, str):
        configured = [configured]
    return [str(r) for r in configured] if configured else list(DEFAULT_REQUIREMENTS)


def lag_tolerance(campaign: Campaign) -> float:
    """``monthly.lag_tolerance``: percentage points behind the elapsed share before a task is 滞后."""
    value = campaign.section("monthly").get("lag_tolerance", DEFAULT_LAG_TOLERANCE)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise WorkspaceError(f"{campaign.source} 的 monthly.lag_tolerance 应为 0 到 100 之间的数（百分点），如 10")
    return float(value)


# ---------------------------------------------------------------- rules


def considered_tasks(tasks: Sequence[Task], period: Period) -> list[Task]:
    """Tasks whose [开始日期, 完成时限] overlaps the period."""
    return [t for t in tasks if t.start_date <= period.end and t.deadline >= period.start]


def expected_units(tasks: Sequence[Task], registry: Registry) -> list[str]:
    """The lead and cooperating units of the considered tasks, in the registry's order."""
    involved = {u for t in tasks for u in t.units}
    return [code for code in registry.units if code in involved]


def elapsed_share(task: Task, period: Period) -> float:
    """(days from 开始日期 to the period's last day) / (days from 开始日期 to 完成时限), clipped to [0, 1]."""
    total = (task.deadline - task.start_date).days
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (period.end - task.start_date).days / total))


def task_state(task: Task, progress: float | None, period: Period, tolerance: float) -> TaskState:
    """unreported, overdue, lagging, completed or on_track, in that order of precedence."""
    if progress is None:
        return "unreported"
    if task.deadline <= period.end and progress < 100:
        return "overdue"
    if progress < elapsed_share(task, period) * 100 - tolerance:
        return "lagging"
    return "completed" if progress >= 100 else "on_track"


def build_monthly_report(
    campaign: Campaign,
    registry: Registry,
    period: Period,
    submissions: Sequence[Submission],
    lower: Mapping[str, Mapping[str, Any]] | None = None,
) -> MonthlyReport:
    """Apply the monthly rules to everything received for ``period``; ``lower``: the children's reports
    (``Inputs.lower``), named in the notice when campaign.yaml says ``levels: {drill: true}``."""
    deadline, tolerance = period.deadline, lag_tolerance(campaign)
    tasks = considered_tasks(list(registry.tasks.values()), period)
    by_unit: dict[str, list[Submission]] = defaultdict(list)
    for s in submissions:
        by_unit[s.unit].append(s)

    units = unit_statuses(registry, expected_units(tasks, registry), submissions, deadline)

    used_rows = {code: (latest.rows if (latest := latest_accepted(subs)) else []) for code, subs in by_unit.items()}
    rows_of_task: dict[Any, list[dict[str, Any]]] = defaultdict(list)  # every unit's used rows, by task
    for rows in used_rows.values():
        for r in rows:
            rows_of_task[r.get("task_id")].append(r)
    progress_rows: list[TaskProgress] = []
    for task in tasks:
        lead_row = next((r for r in used_rows.get(task.lead_unit, []) if r.get("task_id") == task.task_id), None)
        progress = float(lead_row["completion_pct"]) if lead_row and lead_row.get("completion_pct") is not None else None
        lead = registry.units.get(task.lead_unit)
        progress_rows.append(
            TaskProgress(
                task_id=task.task_id, name=task.name, project=task.project, lead_unit=task.lead_unit,
                lead_unit_name=lead.name if lead else task.lead_unit, start_date=task.start_date,
                deadline=task.deadline, progress=progress,
                expected=round(elapsed_share(task, period) * 100, 1),
                state=task_state(task, progress, period, tolerance),
                issues=(lead_row or {}).get("issues") or "",
                text=(lead_row or {}).get("progress_text") or "",
                plan=(lead_row or {}).get("next_month_plan") or "",
                totals=totals(rows_of_task[task.task_id]),
            )
        )

    return MonthlyReport(
        campaign=campaign.name,
        secretariat=campaign.secretariat,
        period=period.key,
        period_label=period.label,
        deadline=deadline,
        units=units,
        tasks=progress_rows,
        projects=project_progress(progress_rows),
        totals=totals([r for rows in used_rows.values() for r in rows]),
        requirements=requirements(campaign),
        recipients=campaign.recipients,
        cc=campaign.cc,
        printed_by=campaign.printer,
        timezone=campaign.timezone,
        lower_levels=lower_levels(registry, lower or {}) if campaign.levels.drill else [],
    )


def lower_levels(registry: Registry, lower: Mapping[str, Mapping[str, Any]]) -> list[LowerLevel]:
    """The children that sent a report up (``Inputs.lower``: code → its detail), in registry order (any
    other after them), each with its own late, returned and missing units and its named tasks."""
    order = {code: i for i, code in enumerate(registry.units)}
    levels = []
    for code in sorted(lower, key=lambda c: (order.get(c, len(order)), c)):
        detail = lower[code]
        unit = registry.units.get(code)
        tasks = [t for t in detail.get("lagging") or [] if isinstance(t, Mapping)]
        levels.append(LowerLevel(
            code=code, name=unit.name if unit else str(detail.get("name") or code),
            late_units=_names(detail.get("late_units")), rejected_units=_names(detail.get("rejected_units")),
            missing_units=_names(detail.get("missing_units")),
            lagging=[LowerTask(task_id=str(t.get("task_id") or ""), task=str(t.get("task") or ""),
                               unit=str(t.get("unit") or ""), state=str(t.get("state") or "")) for t in tasks],
        ))
    return levels


def _names(value: Any) -> list[str]:
    """A list of names as a child's detail gives it (anything else: none)."""
    return [str(v) for v in value if str(v).strip()] if isinstance(value, list) else []


def project_progress(tasks: Sequence[TaskProgress]) -> list[ProjectProgress]:
    """Average reported progress per 工程, in the order the 工程 first appear."""
    groups: dict[str, list[TaskProgress]] = defaultdict(list)
    for t in tasks:
        groups[t.project].append(t)
    result = []
    for project, members in groups.items():
        reported = [t.progress for t in members if t.progress is not None]
        average = round(sum(reported) / len(reported), 1) if reported else None
        result.append(ProjectProgress(project=project, tasks=len(members), reported=len(reported),
                                      average_progress=average))
    return result


def totals(rows: Sequence[dict[str, Any]]) -> Totals:
    """活动场次, 参与人次 and 投入经费 summed over every used row (经费 exactly, to the cent)."""
    funds = sum((Decimal(str(r.get("funds_10k_yuan") or 0)) for r in rows), Decimal(0))
    return Totals(
        activities=sum(int(r.get("activities") or 0) for r in rows),
        participants=sum(int(r.get("participants") or 0) for r in rows),
        funds_10k_yuan=float(funds.quantize(Decimal("0.01"))),
    )
