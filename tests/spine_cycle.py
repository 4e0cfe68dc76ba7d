"""A cycle declared only in the tests: half-year work summaries (半年工作总结), Word documents from each unit.

It has its own calendar (half years, ``2026-H1``, due by default on the 10th of the month after) and its
own settings (``deadlines.summaries`` and a ``summaries:`` section with ``min_characters``), and is found
through ``DOCGEN_CYCLES=tests.spine_cycle``: the shared layers know nothing of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import docx

from docgen.config import Campaign, IntakeLimits
from docgen.contracts import Validation
from docgen.cycle import Cycle, Document, Inputs, Kind, Report, unit_statuses
from docgen.errors import WorkspaceError
from docgen.models import Problem
from docgen.periods import DeadlineRule, RegularCalendar, deadline_setting

HEADINGS = ("一、基本情况", "二、主要做法", "三、取得成效")
_KEY = re.compile(r"^(\d{4})-H([12])$")


class HalfYearCalendar(RegularCalendar):
    example = "2026-H1"
    pattern = r"^(\d{4}-H[12])?$"
    end_months = (6, 12)

    def bounds(self, key: str) -> tuple[date, date] | None:
        if not (m := _KEY.match(key)):
            return None
        year, half = int(m[1]), int(m[2])
        return (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))

    def key_of(self, day: date) -> str:
        return f"{day.year}-H{1 if day.month <= 6 else 2}"

    def label_of(self, start: date, end: date) -> str:
        return f"{start.year}年{'上' if start.month == 1 else '下'}半年"


def check_summary(path: Path, limits: IntakeLimits) -> Validation:
    """A unit's summary: it must open as a Word document and have text; missing headings are only noted."""
    try:
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    except Exception:  # noqa: BLE001 - any unreadable package is the unit's problem, told in Chinese
        return Validation(rows=[], problems=[Problem(message="文件无法作为 Word（.docx）文档打开，请另存为 .docx 后重新报送")])
    if not text.strip():
        return Validation(rows=[], problems=[Problem(message="文档没有正文")])
    missing = [h for h in HEADINGS if h not in text]
    notes = [f"总结缺少以下常用标题：{'、'.join(missing)}（不影响接收）"] if missing else []
    return Validation(rows=[{"characters": len(text)}], problems=[], notes=notes)


@dataclass(kw_only=True)
class SummaryReport(Report):
    short: list[str]  # units whose summary has fewer characters than the campaign asks

    def summary(self) -> dict[str, Any]:
        return {"period": self.period, "submitted": [u.code for u in self.units if u.state in ("on_time", "late")],
                "short": self.short}


def min_characters(campaign: Campaign) -> int:
    value = campaign.section("summaries").get("min_characters", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise WorkspaceError(f"{campaign.source} 的 summaries.min_characters 应为正整数，如 200")
    return value


class Summaries(Cycle[SummaryReport]):
    name = "summaries"
    label = "半年总结"
    order = 99
    kinds = (Kind("unit_summary", "半年工作总结", suffixes=(".docx",), reader="tests.spine_cycle:check_summary"),)
    dag_id = "half_year_summaries"
    dag_title = "半年总结"
    document_title = "总结清单"

    def calendar(self, campaign: Campaign) -> HalfYearCalendar:
        rule = deadline_setting(campaign, self.name, DeadlineRule(day=10), example='{day: 10, time: "17:00"}')
        return HalfYearCalendar(self.name, campaign.timezone, rule)

    def check_settings(self, campaign: Campaign) -> None:
        super().check_settings(campaign)
        min_characters(campaign)

    def build(self, inputs: Inputs) -> SummaryReport:
        deadline = inputs.period.deadline
        units = unit_statuses(inputs.registry, list(inputs.registry.units), inputs.submissions, deadline)
        least = min_characters(inputs.campaign)
        short = sorted({s.unit for s in inputs.submissions if s.accepted and s.rows[0]["characters"] < least})
        return SummaryReport(period=inputs.period.key, period_label=inputs.period.label, deadline=deadline,
                             units=units, short=short)

    def documents(self, report: SummaryReport) -> list[Document]:
        def write(path: Path, _sources: Any) -> None:
            lines = [f"{report.period_label}（截止 {report.deadline:%Y-%m-%d %H:%M}）"]
            lines += [f"{u.code} {u.state_label}{'（篇幅不足）' if u.code in report.short else ''}" for u in report.units]
            path.write_text("\n".join(lines), encoding="utf-8")

        return [Document("总结清单.txt", write=write)]

    def number_keys(self, report: SummaryReport) -> list[str]:
        return []


CYCLE = Summaries()
