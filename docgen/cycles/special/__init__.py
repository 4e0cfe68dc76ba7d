"""The 专项督查 cycle: ad-hoc inspections (明查暗访, 定期/不定期督查) with their own dates, not a quarter.

The secretariat declares each inspection in campaign.yaml (``special.inspections``: key, name, scope,
dates, the deadline of the units' rectification reports); each is a period (``calendar``), and the DAG
runs at each deadline. Its findings and the units' rectification reports enter the SAME problem ledger
as the quarterly inspection (``ledger = "quarterly"``): one ledger, each item tagged with its source (the
inspection's name), so the quarterly 整改台账 lists them too, and a recheck filed with either cycle closes
them. Problem ids begin with the inspection's key (``2026-ZX01-003``) so they never collide. Its own
documents, numbered in their own sequence (``number_prefix``): the 专项督查通报, one 整改通知书 per unit
with items still open, and the inspection's own 整改台账 (its items only). Importing this package is light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ...config import Campaign
from ...cycle import BoardSection, Cycle, Document, FormContent, Inputs, Kind, LedgerView
from ...errors import WorkspaceError
from ...models import Problem, Registry
from ...periods import ListedCalendar, Period
from .calendar import calendar_of, inspections
from .report import NOTICE_KEY, RECTIFICATION_KEY, SpecialReport

PROBLEM_KIND = "special_problems"


class Special(Cycle[SpecialReport]):
    name = "special"
    label = "专项督查"
    order = 5
    kinds = (
        Kind(PROBLEM_KIND, "专项督查问题清单", folder="_inspection", role="督查组", ledger=True),
        Kind("rectification_report", "整改情况报送表", ledger=True),
        Kind("recheck_results", "复查结果", folder="_recheck", role="创建办", ledger=True),
    )  # on a tie in received time, files are applied in this order
    dag_id = "special_inspection"
    dag_title = "专项督查"
    document_title = "专项督查通报"
    contract_rules = "docgen.cycles.quarterly.contract_rules"  # its contracts name the quarterly ones
    ledger_item_key = "item_id"
    ledger = "quarterly"  # one problem ledger with the quarterly inspection

    def calendar(self, campaign: Campaign) -> ListedCalendar:
        return calendar_of(campaign, self.name)

    def check_settings(self, campaign: Campaign) -> None:
        from .rules import requirements  # noqa: PLC0415

        inspections(campaign, self.name)
        requirements(campaign, self.name)
        prefix = campaign.section(self.name).get("number_prefix")  # a mapping: ``inspections`` checked it
        if prefix is not None and (not isinstance(prefix, str) or not prefix.strip() or "\n" in prefix):
            raise WorkspaceError(f"{campaign.source} 的 {self.name}.number_prefix 应为发文字号前缀，如 创建办专督〔{{year}}〕")

    def number_prefix(self, key: str, campaign: Campaign) -> str:
        """The notice and the rectification notices: ``special.number_prefix``, else the campaign's prefix
        with 专督 before its 〔 (创建办〔{year}〕 → 创建办专督〔{year}〕): a sequence of their own."""
        configured = campaign.section(self.name).get("number_prefix")
        if configured:
            return str(configured).strip()
        main = campaign.doc_number_prefix
        return main.replace("〔", "专督〔", 1) if "〔" in main else f"{main}专督"

    def build(self, inputs: Inputs) -> SpecialReport:
        from .rules import build_special_report  # noqa: PLC0415

        return build_special_report(inputs, self.name)

    def apply(
        self, events: Sequence[Mapping[str, Any]], kind: Kind, rows: Sequence[Mapping[str, Any]], *,
        source: str, at: datetime, unit: str, excel_rows: Sequence[int] | None, period: Period,
    ) -> tuple[list[dict[str, Any]], list[Problem]]:
        """The quarterly ledger's transitions, with the inspection's own checks: a problem id begins with
        the inspection's key, and a unit's report in its folders names only the inspection's items;
        an item it files carries the inspection's name as its 来源."""
        from ..quarterly.ledger import Event, apply_submission, fold  # noqa: PLC0415
        from .rules import item_prefix  # noqa: PLC0415

        prefix = item_prefix(period.key)
        strays = [
            Problem(message=(f"问题编号应以本次专项督查的编号“{prefix}”开头，如 {prefix}001" if kind.name == PROBLEM_KIND
                             else f"问题“{row['problem_id']}”不是本次专项督查（{period.label}）的问题，"
                                  "请在该问题所属督查的报送目录中报送"),
                    row=excel_rows[i] if excel_rows is not None else None, column="问题编号",
                    value=str(row["problem_id"]))
            for i, row in enumerate(rows) if not str(row["problem_id"]).startswith(prefix)
        ]
        if strays:
            return [], strays
        action = {PROBLEM_KIND: "inspection_problems"}.get(kind.name, kind.name)
        ledger = fold(Event.from_dict(e) for e in events)
        new, problems = apply_submission(ledger, action, rows, source, at,  # type: ignore[arg-type]
                                         unit=unit if kind.folder is None else None, excel_rows=excel_rows,
                                         origin=period.label)
        return [e.to_dict() for e in new], problems

    def documents(self, report: SpecialReport) -> list[Document]:
        from . import documents as docs  # noqa: PLC0415 - rendering imports docx and openpyxl

        def rectification(unit: str) -> Document:
            return Document(
                docs.rectification_name(report, unit), template=docs.RECTIFICATION_TEMPLATE,
                context=lambda canvas: docs.rectification_context(report, unit, canvas.issuer_pt),
                number_key=RECTIFICATION_KEY + unit, addressees=(unit,),
            )

        def workbook(path: Path, _sources: Any) -> None:
            docs.write_workbook(report, path)

        return [
            Document(docs.notice_name(report), template=docs.NOTICE_TEMPLATE,
                     context=lambda canvas: docs.notice_context(report, canvas.issuer_pt), number_key=NOTICE_KEY),
            *(rectification(unit) for unit in report.units_to_notify),
            Document(docs.LEDGER_WORKBOOK, write=workbook, addressees=()),
        ]

    def number_keys(self, report: SpecialReport) -> list[str]:
        return [NOTICE_KEY, *(RECTIFICATION_KEY + unit for unit in report.units_to_notify)]

    def dated(self, report: SpecialReport, issued_on: date) -> SpecialReport:
        """The issue day decides which units get a rectification notice: an item closed before it is not demanded."""
        report.issue_date = issued_on
        return report

    def ledger_view(self, inputs: Inputs, *, unit: str | None = None, open_only: bool = False,
                    item: str | None = None) -> LedgerView:
        """The shared ledger's view (every source, each item's 来源 shown): one ledger, one way to read it."""
        from ..quarterly.rules import ledger_view  # noqa: PLC0415

        return ledger_view(inputs, unit=unit, open_only=open_only, item=item)

    def still_owed(self, kind: Kind, unit: str, rows: Sequence[Mapping[str, Any]], registry: Registry,
                   period: Period, events: Sequence[Mapping[str, Any]] = ()) -> list[str]:
        """The unit's items of this inspection not closed that the file does not report on."""
        from ..quarterly.ledger import Event  # noqa: PLC0415
        from ..quarterly.rules import fold_kept, unreported_items  # noqa: PLC0415
        from .rules import item_prefix  # noqa: PLC0415

        if kind.folder is not None:
            return []
        prefix = item_prefix(period.key)
        ledger = fold_kept(Event.from_dict(e) for e in events if str(e.get("item_id", "")).startswith(prefix))
        named = unreported_items(ledger, unit, rows)
        return [f"本单位在本次专项督查中的以下未销号问题本次未报送整改情况，请一并报送：{named}"] if named else []

    def headline(self, report: SpecialReport) -> list[str]:
        s = report.summary()
        return [
            f"[bold]{report.name}通报[/bold] {report.doc_number}",
            f"  发现问题 {len(s['filed'])} 个，报送期限时已销号 {len(s['closed'])} 个，未销号 {len(s['not_closed'])} 个"
            f"（挂号 {len(s['open'])}，整改中 {len(s['rectifying'])}，待复查 {len(s['awaiting_recheck'])}），"
            f"逾期 {len(s['overdue'])} 个",
            f"  应报整改情况的单位 {len(report.units)} 个：按时 {len(s['on_time_units'])}，逾期 "
            f"{len(s['late_units'])}，退回 {len(s['rejected_units'])}，未报 {len(s['missing_units'])}；"
            f"整改通知书 {len(report.rectification_numbers)} 份",
        ]

    def key_figures(self, report: SpecialReport) -> list[tuple[str, str]]:
        s = report.summary()
        return [
            *super().key_figures(report),
            ("督查范围", f"{len(report.scope)} 个单位"), ("发现问题", f"{len(s['filed'])} 个"),
            ("报送期限时已销号", f"{len(s['closed'])} 个"), ("报送期限时未销号", f"{len(s['not_closed'])} 个"),
            ("逾期未整改", f"{len(s['overdue'])} 个"), ("整改通知书", f"{len(report.rectification_numbers)} 份"),
        ]

    def board_sections(self, report: SpecialReport) -> list[BoardSection]:
        """The inspection's items not closed at its deadline, unit by unit."""
        order = {code: n for n, code in enumerate(report.units_with_open_items)}
        items = sorted(report.open_items, key=lambda i: order.get(i.unit, len(order)))
        return [BoardSection(
            title=f"{report.name}未销号问题（{len(items)} 个）",
            headers=["单位", "问题编号", "问题类型", "问题描述", "整改时限", "当前状态", "逾期"],
            rows=[[i.unit_name, i.problem_id, i.problem_type, i.description, f"{i.deadline:%Y-%m-%d}",
                   i.state_label, "逾期" if i.overdue else ""] for i in items],
            empty="本次专项督查发现的问题在报送期限时均已销号",
            note=f"按整改情况报送期限（{report.cutoff.astimezone(ZoneInfo(report.timezone)):%Y-%m-%d %H:%M}）时的整改台账统计",
        )]

    def form_submitters(self, kind: Kind, inputs: Inputs) -> list[str]:
        """整改情况报送表: the units with items of this inspection not closed, in registry order."""
        if kind.folder is not None:
            return [kind.folder]
        from .rules import ledger_now  # noqa: PLC0415

        involved = {s.item.unit for s in ledger_now(inputs).values() if s.state != "closed"}
        return [code for code in inputs.registry.units if code in involved]

    def form(self, kind: Kind, submitter: str, inputs: Inputs) -> FormContent | None:
        """整改情况报送表: the unit's items of this inspection not closed (问题编号 locked), with their problem,
        requirement, deadline and state beside them; 复查结果: its items awaiting recheck; 问题清单: no rows."""
        from ..quarterly.rules import ledger_form  # noqa: PLC0415
        from .rules import ledger_now  # noqa: PLC0415

        if kind.name == PROBLEM_KIND:
            return FormContent()
        return ledger_form(kind, submitter, ledger_now(inputs), inputs.registry)


CYCLE = Special()
