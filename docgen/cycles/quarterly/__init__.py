"""The quarterly inspection cycle (季度督查): the problem ledger from 挂号 to 销号, and the quarter's documents.

Declared here: three submission kinds — the inspection team's problem lists (问题清单, in ``_inspection/``),
each unit's rectification report (整改情况报送表, in its own folder) and the secretariat's recheck results
(复查结果, in ``_recheck/``) — all of which change the ledger (``ledger``) in the order received; the rules
that read the ledger at a quarter's end (``rules``); and the documents: the inspection notice (督查通报),
one rectification notice (整改通知书) per unit with items not closed at the quarter's cut-off nor
before the notice's issue day, each with its own issuing number,
and the ledger workbook (整改台账.xlsx). Importing this package is light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ...config import Campaign
from ...cycle import BoardSection, Cycle, Document, FormContent, Inputs, Kind, LedgerView, Upward
from ...models import Problem, Registry
from ...periods import Period
from .calendar import QuarterCalendar, calendar_of
from .report import NOTICE_KEY, RECTIFICATION_KEY, QuarterlyReport

if TYPE_CHECKING:
    from .ledger import ItemStatus

CHART_WIDTH_MM = 140


class Quarterly(Cycle[QuarterlyReport]):
    name = "quarterly"
    label = "季度督查"
    order = 2
    kinds = (
        Kind("inspection_problems", "问题清单", folder="_inspection", role="督查组", ledger=True),
        Kind("rectification_report", "整改情况报送表", ledger=True),
        Kind("recheck_results", "复查结果", folder="_recheck", role="创建办", ledger=True),
    )  # on a tie in received time, files are applied in this order
    dag_id = "quarterly_inspection"
    dag_title = "季度督查"
    document_title = "督查通报"
    contract_rules = "docgen.cycles.quarterly.contract_rules"  # the rules its contracts name, registered by name
    ledger_item_key = "item_id"

    def calendar(self, campaign: Campaign) -> QuarterCalendar:
        return calendar_of(campaign, self.name)

    def build(self, inputs: Inputs) -> QuarterlyReport:
        from .rules import build_quarterly_report  # noqa: PLC0415

        return build_quarterly_report(inputs)

    def apply(
        self, events: Sequence[Mapping[str, Any]], kind: Kind, rows: Sequence[Mapping[str, Any]], *,
        source: str, at: datetime, unit: str, excel_rows: Sequence[int] | None, period: Period,
    ) -> tuple[list[dict[str, Any]], list[Problem]]:
        from .ledger import Event, apply_submission, fold  # noqa: PLC0415

        ledger = fold(Event.from_dict(e) for e in events)
        new, problems = apply_submission(ledger, kind.name, rows, source, at,  # type: ignore[arg-type]
                                         unit=unit if kind.folder is None else None, excel_rows=excel_rows)
        return [e.to_dict() for e in new], problems

    def documents(self, report: QuarterlyReport) -> list[Document]:
        from . import documents as docs  # noqa: PLC0415 - rendering imports docx and openpyxl

        def notice(canvas: Any) -> dict[str, Any]:
            chart = canvas.chart(docs.problem_chart, report, CHART_WIDTH_MM) if report.items else None
            return docs.notice_context(report, chart, canvas.issuer_pt)

        def rectification(unit: str) -> Document:
            return Document(
                docs.rectification_name(report, unit), template=docs.RECTIFICATION_TEMPLATE,
                context=lambda canvas: docs.rectification_context(report, unit, canvas.issuer_pt),
                number_key=RECTIFICATION_KEY + unit, addressees=(unit,),
            )

        def workbook(path: Path, _sources: Any) -> None:
            docs.write_ledger_workbook(report, path)

        return [
            Document(docs.notice_name(report), template=docs.NOTICE_TEMPLATE, context=notice, number_key=NOTICE_KEY),
            *(rectification(unit) for unit in report.units_to_notify),
            Document(docs.LEDGER_WORKBOOK, write=workbook, addressees=()),
        ]

    def number_keys(self, report: QuarterlyReport) -> list[str]:
        return [NOTICE_KEY, *(RECTIFICATION_KEY + unit for unit in report.units_to_notify)]

    def dated(self, report: QuarterlyReport, issued_on: date) -> QuarterlyReport:
        """The issue day decides which units get a rectification notice: an item closed before it is not demanded."""
        report.issue_date = issued_on
        return report

    def ledger_view(self, inputs: Inputs, *, unit: str | None = None, open_only: bool = False,
                    item: str | None = None) -> LedgerView:
        from .rules import ledger_view  # noqa: PLC0415

        return ledger_view(inputs, unit=unit, open_only=open_only, item=item)

    def still_owed(self, kind: Kind, unit: str, rows: Sequence[Mapping[str, Any]], registry: Registry,
                   period: Period, events: Sequence[Mapping[str, Any]] = ()) -> list[str]:
        """The unit's items not closed that the file does not report on."""
        from .ledger import Event, fold  # noqa: PLC0415
        from .rules import unreported_items  # noqa: PLC0415

        named = unreported_items(fold(Event.from_dict(e) for e in events), unit, rows)
        return [f"本单位以下未销号问题本次未报送整改情况，请一并报送：{named}"] if named else []

    def headline(self, report: QuarterlyReport) -> list[str]:
        s = report.summary()
        return [
            f"[bold]{report.period_label}督查通报[/bold] {report.doc_number or ''}",
            f"  本季度挂号 {len(s['filed'])} 个问题，销号 {len(s['closed'])} 个；报送期限时未销号 "
            f"{len(report.open_items)} 个（挂号 {len(s['open'])}，整改中 {len(s['rectifying'])}，待复查 "
            f"{len(s['awaiting_recheck'])}），逾期 {len(s['overdue'])} 个",
            f"  应报整改情况的单位 {len(report.units)} 个：按时 {len(s['on_time_units'])}，逾期 "
            f"{len(s['late_units'])}，退回 {len(s['rejected_units'])}，未报 {len(s['missing_units'])}；"
            f"整改通知书 {len(report.rectification_numbers)} 份",
        ]

    def key_figures(self, report: QuarterlyReport) -> list[tuple[str, str]]:
        s = report.summary()
        return [
            *super().key_figures(report),
            ("本季度挂号问题", f"{len(s['filed'])} 个"), ("本季度销号", f"{len(s['closed'])} 个"),
            ("报送期限时未销号", f"{len(report.open_items)} 个"), ("逾期未整改", f"{len(s['overdue'])} 个"),
            ("整改通知书", f"{len(report.rectification_numbers)} 份"),
        ]

    def board_sections(self, report: QuarterlyReport) -> list[BoardSection]:
        """The items not closed at the quarter's end (as the notice counts them), unit by unit: what the
        secretariat chases between inspections."""
        order = {code: n for n, code in enumerate(report.units_with_open_items)}
        items = sorted(report.open_items, key=lambda i: order.get(i.unit, len(order)))  # stable: filing order
        return [BoardSection(
            title=f"各单位未销号问题（{len(items)} 个）",
            headers=["单位", "问题编号", "问题类型", "问题描述", "整改时限", "当前状态", "逾期", "复查不通过"],
            rows=[[i.unit_name, i.problem_id, i.problem_type, i.description, f"{i.deadline:%Y-%m-%d}",
                   i.state_label, "逾期" if i.overdue else "", str(i.failed_rechecks or "")] for i in items],
            empty="本季度报送期限时没有未销号的问题",
            note=f"按本季度报送期限（{report.cutoff.astimezone(ZoneInfo(report.timezone)):%Y-%m-%d %H:%M}）"
                 "时的整改台账统计，其后收到的文件计入下一季度",
        )]

    def upward(self, report: QuarterlyReport, asked: Mapping[str, Sequence[Mapping[str, Any]]],
               unit: str) -> Upward | None:
        """The county's 整改情况报送表 on the city's items handed to its units (``upward``)."""
        from .upward import upward  # noqa: PLC0415

        return upward(report, asked, unit)

    def form_submitters(self, kind: Kind, inputs: Inputs) -> list[str]:
        """整改情况报送表: the units with items not closed in the ledger of the quarter (its events and
        earlier quarters'), in registry order; the role folders otherwise."""
        if kind.folder is not None:
            return [kind.folder]
        involved = {s.item.unit for s in _ledger_of(inputs).values() if s.state != "closed"}
        return [code for code in inputs.registry.units if code in involved]

    def form(self, kind: Kind, submitter: str, inputs: Inputs) -> FormContent | None:
        """整改情况报送表: the unit's items not closed (问题编号 locked) with their problem, requirement,
        deadline and state beside them; 复查结果: the items awaiting recheck; 问题清单: no rows."""
        from .rules import ledger_form  # noqa: PLC0415

        if kind.name == "inspection_problems":
            return FormContent()
        return ledger_form(kind, submitter, _ledger_of(inputs), inputs.registry)


def _ledger_of(inputs: Inputs) -> dict[str, ItemStatus]:
    """The ledger of ``inputs.period``: the fold of the events of that quarter and earlier ones (a later
    quarter's events, such as a recheck already filed for the next quarter, do not change this one's);
    an event filed in the ledger by another cycle's period counts in the quarter it was received in."""
    from .ledger import Event  # noqa: PLC0415
    from .rules import fold_kept, folder_quarter_start  # noqa: PLC0415

    logged = [(Event.from_dict(e), key) for e, key in zip(inputs.events, inputs.event_periods, strict=True)]
    return fold_kept(e for e, key in logged if folder_quarter_start(inputs.campaign, key, e.at) <= inputs.period.start)


CYCLE = Quarterly()
