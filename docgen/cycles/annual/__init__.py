"""The annual acceptance cycle (年度验收): scoring against the indicator system, the acceptance report, and
the compiled volume of every unit's summary (年度工作汇编).

Declared here: three submission kinds — each unit's self-assessment (自评表) and its annual work summary
(年度工作总结, a Word document checked by its own reader, ``summary``) in its own folder, and the
assessors' score sheets (验收评分表) in ``_assessors/``; the scoring rules (``rules``); and the documents:
the acceptance report (numbered), the score sheet, the compiled volume, and PDF/A copies of the report
and the volume when LibreOffice is installed. Importing this package is light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...config import Campaign
from ...cycle import BoardSection, Cycle, Document, FormContent, Inputs, Kind
from ...models import Registry
from ...periods import Period
from .calendar import YearCalendar, calendar_of
from .report import NOTICE_KEY, AnnualReport

CHART_WIDTH_MM = 140
VOLUME_TEMPLATE = "volume.docx"
PDF_TIMEOUT_SECONDS = 600.0


class Annual(Cycle[AnnualReport]):
    name = "annual"
    label = "年度验收"
    order = 3
    kinds = (
        Kind("self_assessment", "自评表"),
        Kind("annual_summary", "年度工作总结", suffixes=(".docx",), reader="docgen.cycles.annual.summary:check_summary"),
        Kind("assessor_scores", "验收评分表", folder="_assessors", role="验收组"),
    )
    dag_id = "annual_acceptance"
    dag_title = "年度验收"
    document_title = "验收报告"
    contract_rules = "docgen.cycles.annual.contract_rules"  # the rules its contracts name, registered by name

    def calendar(self, campaign: Campaign) -> YearCalendar:
        return calendar_of(campaign, self.name)

    def check_settings(self, campaign: Campaign) -> None:
        """``annual.grades`` and ``annual.lowest_grade`` are read when the workspace opens, not first at the
        year's deadline."""
        from .rules import grade_thresholds, lowest_grade  # noqa: PLC0415

        super().check_settings(campaign)
        grade_thresholds(campaign)
        lowest_grade(campaign)

    def build(self, inputs: Inputs) -> AnnualReport:
        from .rules import build_annual_report  # noqa: PLC0415

        return build_annual_report(inputs)

    def documents(self, report: AnnualReport) -> list[Document]:
        from . import documents as docs  # noqa: PLC0415 - rendering imports docx and openpyxl

        report_name = docs.report_name(report)
        volume_name = volume_file_name(report)

        def context(canvas: Any) -> dict[str, Any]:
            chart = canvas.chart(docs.score_chart, report, CHART_WIDTH_MM) if report.scores else None
            return docs.report_context(report, chart, canvas.issuer_pt)

        def score_sheet(path: Path, _sources: Any) -> None:
            docs.write_score_sheet(report, path)

        def volume(path: Path, sources: Any) -> None:
            from ...render.volume import Chapter, compose_volume  # noqa: PLC0415

            chapters = [Chapter(f"{s.unit_name}{report.period_label}工作总结", sources.archived(s.archive_path))
                        for s in report.summaries]
            from ...render.engine import format_date, today_local, zone  # noqa: PLC0415

            issued = report.issue_date or today_local(zone(report.timezone))
            cover = {"campaign": report.campaign, "title": f"{report.period_label}工作汇编",
                     "secretariat": report.secretariat, "date_text": format_date(issued)}
            compose_volume(cover, chapters, path, template=sources.template(VOLUME_TEMPLATE), issued=issued,
                           timezone=report.timezone, notes=docs.volume_notes(report))

        def pdf_of(docx_name: str) -> Any:
            def write(path: Path, _sources: Any) -> str | None:
                from ...render.pdf import to_pdf  # noqa: PLC0415

                return to_pdf(path.with_name(docx_name), path, timeout=PDF_TIMEOUT_SECONDS).skipped_reason

            return write

        return [
            Document(report_name, template=docs.REPORT_TEMPLATE, context=context, number_key=NOTICE_KEY),
            Document(docs.SCORE_SHEET, write=score_sheet, addressees=()),
            Document(volume_name, write=volume),
            Document(Path(report_name).with_suffix(".pdf").name, write=pdf_of(report_name)),
            Document(Path(volume_name).with_suffix(".pdf").name, write=pdf_of(volume_name)),
        ]

    def number_keys(self, report: AnnualReport) -> list[str]:
        return [NOTICE_KEY]

    def still_owed(self, kind: Kind, unit: str, rows: Sequence[Mapping[str, Any]], registry: Registry,
                   period: Period, events: Sequence[Mapping[str, Any]] = ()) -> list[str]:
        """For a self-assessment: the indicators it does not score."""
        if kind.name != "self_assessment":
            return []
        scored = {r.get("indicator_id") for r in rows}
        left = [i for i in registry.indicators.values() if i.indicator_id not in scored]
        if not left:
            return []
        named = "、".join(f"{i.indicator_id} {i.level2}" for i in left)
        return [f"自评表未包含以下指标，请补充后重新报送：{named}"]

    def headline(self, report: AnnualReport) -> list[str]:
        grades: dict[str, int] = {}
        for s in report.scores:
            grades[s.grade] = grades.get(s.grade, 0) + 1
        return [
            f"[bold]{report.period_label}测评验收报告[/bold] {report.doc_number or ''}",
            f"  应报单位 {len(report.units)} 个：已报 {len(report.submitted_units)}，未报 {len(report.missing_units)}"
            f"；等次：" + "，".join(f"{g} {n}" for g, n in grades.items()),
            f"  汇编收录 {len(report.summaries)} 个单位的年度工作总结",
        ]

    def key_figures(self, report: AnnualReport) -> list[tuple[str, str]]:
        grades: dict[str, int] = {}
        for s in report.scores:
            grades[s.grade] = grades.get(s.grade, 0) + 1
        first = report.scores[0] if report.scores else None
        return [
            ("应报单位", f"{len(report.units)} 个"), ("已报年度总结", f"{len(report.submitted_units)} 个"),
            ("未报", f"{len(report.missing_units)} 个"),
            ("等次", "，".join(f"{g} {n} 个" for g, n in grades.items()) or "无"),
            ("第一名", f"{first.name}（{first.total:g} 分）" if first else "无"),
            ("汇编收录", f"{len(report.summaries)} 个单位"),
        ]

    def board_sections(self, report: AnnualReport) -> list[BoardSection]:
        """The summaries the volume will gather, and the scores and grades once an assessor has scored."""
        summaries = BoardSection(
            title=f"已接收的年度工作总结（{len(report.summaries)} 份）",
            headers=["单位", "文件", "缺少的常用标题"],
            rows=[[s.unit_name, s.file, "、".join(s.missing_headings)] for s in report.summaries],
            empty="尚未接收任何单位的年度工作总结",
        )
        scored = [s for s in report.scores if s.assessors]
        rows = [
            [str(s.rank), s.name, _number(s.total), s.grade, _number(s.self_total), _number(s.gap),
             "、".join(s.unscored)] if s.assessors else ["", s.name, "", "未评分", _number(s.self_total), "", ""]
            for s in report.scores
        ] if scored else []
        scores = BoardSection(
            title="测评得分与等次",
            headers=["名次", "单位", "得分", "等次", "自评得分", "自评差距", "未评分指标"],
            rows=rows,
            empty="验收组尚未报送评分表，得分和等次待评分后显示",
            note=f"已评分单位 {len(scored)} 个（随评分表报送更新，以验收报告为准）" if scored else "",
        )
        return [summaries, scores]

    def form_submitters(self, kind: Kind, inputs: Inputs) -> list[str]:
        """Every unit of the registry (each is assessed); the assessors' folder for their score sheets."""
        return [kind.folder] if kind.folder is not None else list(inputs.registry.units)

    def form(self, kind: Kind, submitter: str, inputs: Inputs) -> FormContent | None:
        """自评表: every indicator (locked) with its 一级/二级指标 and 分值 beside it; 验收评分表: every unit ×
        every indicator (both locked) with the unit's name and the 分值; the annual summary is a Word
        document and has no form."""
        indicators = list(inputs.registry.indicators.values())
        if kind.name == "self_assessment":
            return FormContent(
                rows=[{"indicator_id": i.indicator_id} for i in indicators],
                locked_fields=frozenset({"indicator_id"}),
                hints=[
                    ("一级指标（参考）", [i.level1 for i in indicators]),
                    ("二级指标（参考）", [i.level2 for i in indicators]),
                    ("分值（参考）", [_points(i.points) for i in indicators]),
                ],
            )
        if kind.name == "assessor_scores":
            pairs = [(u, i) for u in inputs.registry.units.values() for i in indicators]
            return FormContent(
                rows=[{"unit_code": u.code, "indicator_id": i.indicator_id} for u, i in pairs],
                locked_fields=frozenset({"unit_code", "indicator_id"}),
                hints=[
                    ("单位名称（参考）", [u.name for u, _ in pairs]),
                    ("分值（参考）", [_points(i.points) for _, i in pairs]),
                ],
            )
        return None


def _points(points: float) -> float | int:
    """10.0 shown as 10, 7.5 as 7.5."""
    return int(points) if float(points).is_integer() else points


def _number(value: float | None) -> str:
    """85.75 shown as 85.75, 90.0 as 90, None as nothing."""
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def volume_file_name(report: AnnualReport) -> str:
    """``2025年度工作汇编.docx``."""
    return f"{report.period_label}工作汇编.docx"


CYCLE = Annual()
