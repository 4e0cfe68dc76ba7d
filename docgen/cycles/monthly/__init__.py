"""The monthly cycle (月度): units report each task's progress; the secretariat issues the 月通报.

Declared here: one submission kind (月度进展报送表, in each unit's own folder), the rules (``rules``),
and one numbered document (the notice, ``notice``). Importing this package is light: the rendering
modules are imported only when a document is made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...config import Campaign
from ...cycle import Cycle, Document, FormContent, Inputs, Kind, Upward
from ...models import Registry
from ...periods import Period
from .calendar import MonthCalendar, calendar_of
from .report import MonthlyReport


class Monthly(Cycle[MonthlyReport]):
    name = "monthly"
    label = "月度"
    order = 1
    kinds = (Kind("monthly_progress", "月度进展报送表"),)
    dag_id = "monthly_notice"
    dag_title = "月通报"
    document_title = "月通报"
    contract_rules = "docgen.cycles.monthly.contract_rules"  # the rules its contracts name, registered by name

    def calendar(self, campaign: Campaign) -> MonthCalendar:
        return calendar_of(campaign, self.name)

    def check_settings(self, campaign: Campaign) -> None:
        from .rules import lag_tolerance  # noqa: PLC0415

        super().check_settings(campaign)
        lag_tolerance(campaign)

    def build(self, inputs: Inputs) -> MonthlyReport:
        from .rules import build_monthly_report  # noqa: PLC0415

        return build_monthly_report(inputs.campaign, inputs.registry, inputs.period, inputs.submissions,
                                    inputs.lower)

    def documents(self, report: MonthlyReport) -> list[Document]:
        from .notice import notice_document  # noqa: PLC0415 - rendering imports docx

        return [notice_document(report)]

    def number_keys(self, report: MonthlyReport) -> list[str]:
        return ["notice"]

    def still_owed(self, kind: Kind, unit: str, rows: Sequence[Mapping[str, Any]], registry: Registry,
                   period: Period, events: Sequence[Mapping[str, Any]] = ()) -> list[str]:
        """The month's tasks the unit leads or cooperates on that the file has no row for."""
        from .rules import considered_tasks  # noqa: PLC0415

        reported = {r.get("task_id") for r in rows}
        left = [t for t in considered_tasks(list(registry.tasks.values()), period)
                if t.involves(unit) and t.task_id not in reported]
        if not left:
            return []
        named = "、".join(f"{t.task_id} {t.name}（{'牵头' if t.lead_unit == unit else '配合'}）" for t in left)
        return [f"本单位参与的以下任务本期尚无进展记录，如有进展请补充后重新报送：{named}"]

    def headline(self, report: MonthlyReport) -> list[str]:
        return [
            f"[bold]{report.period_label}月通报[/bold] {report.doc_number or ''}",
            f"  应报单位 {len(report.units)} 个：按时 {len(report.units_in('on_time'))}，逾期 "
            f"{len(report.units_in('late'))}，退回 {len(report.units_in('rejected'))}，未报 "
            f"{len(report.units_in('missing'))}",
        ]

    def key_figures(self, report: MonthlyReport) -> list[tuple[str, str]]:
        t = report.totals
        tasks = [("滞后任务", report.tasks_in("lagging")), ("逾期任务", report.tasks_in("overdue")),
                 ("未报进度任务", report.tasks_in("unreported"))]
        return [
            *super().key_figures(report),
            ("活动场次", f"{t.activities}"), ("参与人次", f"{t.participants}"),
            ("投入经费（万元）", f"{t.funds_10k_yuan:g}"),
            *((label, f"{len(ts)} 项" + (f"：{'、'.join(x.task_id for x in ts)}" if ts else "")) for label, ts in tasks),
            *self._lower_figures(report),
        ]

    def _lower_figures(self, report: MonthlyReport) -> list[tuple[str, str]]:
        """Each county the notice names two levels down (levels.drill), as the notice says it: what a
        reviewer weighs before returning its report."""
        if not any(level.named for level in report.lower_levels):
            return []
        from .notice import lower_level_text  # noqa: PLC0415 - rendering imports docx

        return [(f"下级：{level.name}", lower_level_text(level)) for level in report.lower_levels if level.named]

    def upward(self, report: MonthlyReport, asked: Mapping[str, Sequence[Mapping[str, Any]]],
               unit: str) -> Upward | None:
        """The county's 月度进展报送表 to the city, filled from its notice (``upward``)."""
        from .upward import upward  # noqa: PLC0415

        return upward(report, asked, unit)

    def form_submitters(self, kind: Kind, inputs: Inputs) -> list[str]:
        """The units of the tasks under way in the month (lead or cooperating), in registry order."""
        from .rules import considered_tasks, expected_units  # noqa: PLC0415

        tasks = considered_tasks(list(inputs.registry.tasks.values()), inputs.period)
        return expected_units(tasks, inputs.registry)

    def form(self, kind: Kind, submitter: str, inputs: Inputs) -> FormContent | None:
        """月度进展报送表: one row per task under way in the month that the unit leads or cooperates on
        (its code and the task locked), with the task's name, 工程 and the unit's role beside it."""
        from .rules import considered_tasks  # noqa: PLC0415

        tasks = [t for t in considered_tasks(list(inputs.registry.tasks.values()), inputs.period)
                 if t.involves(submitter)]
        return FormContent(
            rows=[{"unit_code": submitter, "task_id": t.task_id} for t in tasks],
            locked_fields=frozenset({"unit_code", "task_id"}),
            hints=[
                ("任务名称（参考）", [t.name for t in tasks]),
                ("所属工程（参考）", [t.project for t in tasks]),
                ("角色（参考）", ["牵头" if t.lead_unit == submitter else "配合" for t in tasks]),
            ],
        )


CYCLE = Monthly()
