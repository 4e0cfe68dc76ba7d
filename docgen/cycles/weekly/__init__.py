"""The weekly cycle (周调度): key projects against their reverse schedule (倒排工期), every week.

The secretariat keeps the key projects and their milestones with planned dates (``registry/重点项目节点.xlsx``,
a register checked by ``data_contracts/key_projects.yaml``); each responsible unit reports every week which of
its milestones are done, what blocks them and what needs 协调 (重点项目周调度表, in its own folder). The
reports are kept as ledger events (one per row), so a week's state reads every report up to it: a milestone
once done stays done. The run issues the 调度通报, numbered in a sequence of its own. Importing this package is
light: the rendering modules are imported only when a document is made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ...config import Campaign
from ...cycle import BoardSection, Cycle, Document, FormContent, Inputs, Kind, LedgerView, Register
from ...models import Problem
from ...periods import Period
from .calendar import WeekCalendar, calendar_of
from .report import KEY_PROJECTS, NOTICE_KEY, REGISTER_FILE, WeeklyReport


class Weekly(Cycle[WeeklyReport]):
    name = "weekly"
    label = "周调度"
    order = 4
    kinds = (Kind("weekly_progress", "重点项目周调度表", ledger=True),)
    dag_id = "weekly_dispatch"
    dag_title = "重点项目周调度"
    document_title = "调度通报"
    ledger_item_key = "item"
    contract_rules = "docgen.cycles.weekly.contract_rules"
    registers = (Register(KEY_PROJECTS, REGISTER_FILE),)

    def calendar(self, campaign: Campaign) -> WeekCalendar:
        return calendar_of(campaign, self.name)

    def check_settings(self, campaign: Campaign) -> None:
        from .rules import number_prefix, requirements  # noqa: PLC0415

        super().check_settings(campaign)
        requirements(campaign)
        number_prefix(campaign)

    def build(self, inputs: Inputs) -> WeeklyReport:
        from .rules import build_weekly_report  # noqa: PLC0415

        return build_weekly_report(inputs)

    def apply(
        self, events: Sequence[Mapping[str, Any]], kind: Kind, rows: Sequence[Mapping[str, Any]], *,
        source: str, at: datetime, unit: str, excel_rows: Sequence[int] | None, period: Period,
    ) -> tuple[list[dict[str, Any]], list[Problem]]:
        """A weekly report is kept whole as it came (its contract checked it): one event per row."""
        from .rules import events_of  # noqa: PLC0415

        return events_of(rows, source=source, at=at, unit=unit), []

    def documents(self, report: WeeklyReport) -> list[Document]:
        from .dispatch import dispatch_document  # noqa: PLC0415 - rendering imports docx

        return [dispatch_document(report)]

    def number_keys(self, report: WeeklyReport) -> list[str]:
        return [NOTICE_KEY]

    def number_prefix(self, key: str, campaign: Campaign) -> str:
        from .rules import number_prefix  # noqa: PLC0415

        return number_prefix(campaign)

    def ledger_view(self, inputs: Inputs, *, unit: str | None = None, open_only: bool = False,
                    item: str | None = None) -> LedgerView:
        """The milestones as the latest week whose deadline has come finds them, or one milestone's reports."""
        from .rules import build_weekly_report  # noqa: PLC0415

        if item is not None:
            rows = [[period, e["unit"], "是" if e["done"] else "否", e.get("completed_on") or "", e.get("progress") or "",
                     e.get("issues") or "", e.get("coordination") or ""]
                    for e, period in zip(inputs.events, inputs.event_periods, strict=True) if e["item"] == item]
            return LedgerView(f"节点 {item} 的报送记录（{len(rows)} 条）",
                              ["期次", "单位", "是否完成", "实际完成日期", "当前进展", "存在问题/堵点", "需协调事项"], rows)
        report = build_weekly_report(inputs)
        shown = [m for m in report.milestones if (unit is None or m.unit == unit) and not (open_only and m.done)]
        return LedgerView(
            f"重点项目节点（截至{report.period_label}，{len(shown)} 个）",
            ["节点", "项目名称", "责任单位", "节点名称", "计划完成", "状态", "实际完成日期"],
            [[m.key, m.project_name, m.unit_name, m.name, f"{m.planned:%Y-%m-%d}", m.state_label,
              f"{m.completed_on:%Y-%m-%d}" if m.completed_on else ""] for m in shown],
        )

    def headline(self, report: WeeklyReport) -> list[str]:
        return [
            f"[bold]{report.period_label}调度通报[/bold] {report.doc_number}",
            f"  重点项目 {len(report.projects)} 个、节点 {len(report.milestones)} 个：已完成 {len(report.done)}，"
            f"本周完成 {len(report.finished)}，滞后 {len(report.behind)}，需协调 {len(report.blocked)}",
            f"  应报单位 {len(report.units)} 个：按时 {len(report.units_in('on_time'))}，逾期 "
            f"{len(report.units_in('late'))}，退回 {len(report.units_in('rejected'))}，未报 "
            f"{len(report.units_in('missing'))}",
        ]

    def key_figures(self, report: WeeklyReport) -> list[tuple[str, str]]:
        def named(ms: Sequence[Any]) -> str:
            return f"{len(ms)} 个" + (f"：{'、'.join(m.key for m in ms)}" if ms else "")

        return [
            *super().key_figures(report),
            ("重点项目", f"{len(report.projects)} 个"), ("节点", f"{len(report.milestones)} 个"),
            ("已完成节点", f"{len(report.done)} 个"), ("本周完成节点", named(report.finished)),
            ("滞后节点", named(report.behind)), ("需协调事项", named(report.blocked)),
        ]

    def board_sections(self, report: WeeklyReport) -> list[BoardSection]:
        """The milestones behind their reverse schedule, most days behind first: what the secretariat chases."""
        behind = report.behind
        return [BoardSection(
            title=f"进度滞后的重点项目节点（{len(behind)} 个）",
            headers=["项目编号", "项目名称", "责任单位", "滞后节点", "计划完成", "滞后天数"],
            rows=[[m.project_id, m.project_name, m.unit_name, f"{m.milestone_no}. {m.name}", f"{m.planned:%Y-%m-%d}",
                   str(m.days_behind)] for m in behind],
            empty="本周没有进度滞后的节点",
            note=f"按{report.period_label}末（{report.week_end:%Y-%m-%d}）已收到的周调度表统计",
        )]

    def form_submitters(self, kind: Kind, inputs: Inputs) -> list[str]:
        """The units responsible for a project with a milestone not done before the week, in registry order."""
        return [u.code for u in self.build(inputs).units]

    def form(self, kind: Kind, submitter: str, inputs: Inputs) -> FormContent | None:
        """重点项目周调度表: one row per milestone of the unit's projects not done before the week (项目编号 and
        节点序号 locked), with the project, the milestone and its planned date beside it."""
        from .rules import open_milestones  # noqa: PLC0415

        mine = [m for m in open_milestones(inputs) if m.unit == submitter]
        return FormContent(
            rows=[{"project_id": m.project_id, "milestone_no": m.milestone_no} for m in mine],
            locked_fields=frozenset({"project_id", "milestone_no"}),
            hints=[
                ("项目名称（参考）", [m.project_name for m in mine]),
                ("节点名称（参考）", [m.name for m in mine]),
                ("计划完成日期（参考）", [m.planned for m in mine]),
                ("本周末状态（参考）", [f"未完成将滞后{m.days_behind}天" if m.behind else "未到期" for m in mine]),
            ],
        )


CYCLE = Weekly()
