"""The 专项督查 cycle's calendar: each inspection the secretariat declares in campaign.yaml is a period.

An inspection (明查暗访, 定期/不定期督查) has its own dates, not a calendar quarter: ``special.inspections``
lists them, each with its key (``2026-ZX01``), name, scope (unit codes), first and last day, and the
deadline of the units' rectification reports, when the DAG runs. Every value is checked here, and a value
the cycle cannot take is refused in Chinese naming the entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pendulum

from ...config import Campaign, as_date
from ...errors import WorkspaceError
from ...periods import ListedCalendar, Period

KEY = re.compile(r"^(\d{4})-ZX(\d{2})$")
EXAMPLE = "2026-ZX01"
FIELDS = ("key", "name", "units", "start", "end", "deadline", "method")
SECTION_FIELDS = ("inspections", "requirements", "number_prefix")
_DEADLINE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Inspection:
    """One declared inspection: what it is called, whom it covers, when, and when units report."""

    key: str
    name: str
    units: tuple[str, ...]
    start: date
    end: date
    deadline: datetime
    method: str = ""  # 督查方式: 明查、暗访、明查暗访 … as the secretariat writes it

    @property
    def number(self) -> int:
        """The inspection's number in its year: ``2026-ZX01`` → 1."""
        return int(self.key[-2:])

    @property
    def label(self) -> str:
        """How receipts, forms and the shared ledger's 来源 name the period: the inspection's name."""
        return self.name

    @property
    def ordinal(self) -> str:
        """``2026年第1次专项督查``: the inspection among the year's, as the notice says it."""
        return f"{self.key[:4]}年第{self.number}次专项督查"

    def period(self, cycle: str) -> Period:
        return Period(cycle, self.key, self.start, self.end, self.label, self.deadline)


def inspections(campaign: Campaign, cycle: str = "special") -> list[Inspection]:
    """The inspections declared under ``<cycle>.inspections`` of campaign.yaml, in the order written;
    WorkspaceError in Chinese for an entry the cycle cannot take."""
    section = campaign.section(cycle)
    where = f"{campaign.source} 的 {cycle}"
    if not isinstance(section, Mapping):
        raise WorkspaceError(f"{where} 应为一节设置（inspections: 专项督查列表）")
    unknown = [str(k) for k in section if k not in SECTION_FIELDS]
    if unknown:
        raise WorkspaceError(f"{where} 中有不认识的设置：{'、'.join(unknown)}（可写：{'、'.join(SECTION_FIELDS)}）")
    listed = section.get("inspections") or []
    if not isinstance(listed, list):
        raise WorkspaceError(f"{where}.inspections 应为列表，每项一次专项督查（key、name、units、start、end、deadline）")
    found: list[Inspection] = []
    for n, raw in enumerate(listed, start=1):
        inspection = _inspection(raw, f"{where}.inspections 第{n}项", campaign.timezone)
        if any(i.key == inspection.key for i in found):
            raise WorkspaceError(f"{where}.inspections 第{n}项 的编号“{inspection.key}”与前面的专项督查重复，编号不能重复")
        found.append(inspection)
    return found


def _inspection(raw: Any, where: str, timezone: str) -> Inspection:
    if not isinstance(raw, Mapping):
        raise WorkspaceError(f"{where} 应写作 {{key: {EXAMPLE}, name: …, units: [...], start: …, end: …, deadline: …}}")
    unknown = [str(k) for k in raw if k not in FIELDS]
    if unknown:
        raise WorkspaceError(f"{where} 中有不认识的设置：{'、'.join(unknown)}（可写：{'、'.join(FIELDS)}）")
    missing = [k for k in FIELDS if k != "method" and raw.get(k) in (None, "", [])]
    if missing:
        raise WorkspaceError(f"{where} 缺少 {'、'.join(missing)}")
    key = str(raw["key"]).strip()
    if not KEY.match(key):
        raise WorkspaceError(f"{where} 的编号“{key}”格式不正确，应写作“年份-ZX两位序号”，如 {EXAMPLE}")
    units = raw["units"]
    if not isinstance(units, list) or not all(isinstance(u, str | int) and str(u).strip() for u in units):
        raise WorkspaceError(f"{where} 的 units 应为单位代码列表，如 [XZ01, XZ02]")
    codes = tuple(str(u).strip() for u in units)
    if len(set(codes)) != len(codes):
        raise WorkspaceError(f"{where} 的 units 中有重复的单位代码")
    start, end = _day(raw["start"], f"{where} 的 start"), _day(raw["end"], f"{where} 的 end")
    if end < start:
        raise WorkspaceError(f"{where} 的结束日期 end（{end}）早于开始日期 start（{start}）")
    deadline = _moment(raw["deadline"], f"{where} 的 deadline", timezone)
    if deadline.date() <= end:
        raise WorkspaceError(f"{where} 的整改报送期限 deadline（{deadline:%Y-%m-%d %H:%M}）应晚于督查结束日期 end（{end}）")
    if str(key)[:4] != f"{start.year}":
        raise WorkspaceError(f"{where} 的编号“{key}”的年份应与开始日期 start 的年份（{start.year}）一致")
    return Inspection(key, str(raw["name"]).strip(), codes, start, end, deadline, str(raw.get("method") or "").strip())


def _day(value: Any, where: str) -> date:
    try:
        return as_date(value)
    except ValueError:
        raise WorkspaceError(f"{where} 应为日期，如 2026-11-02（不是“{value}”）") from None


def _moment(value: Any, where: str, timezone: str) -> datetime:
    """``2026-11-20 17:00`` in the campaign's zone (a bare date: 17:00 that day)."""
    if isinstance(value, datetime):
        return pendulum.instance(value.replace(tzinfo=None), tz=timezone)
    if isinstance(value, date):
        return pendulum.datetime(value.year, value.month, value.day, 17, 0, tz=timezone)
    m = _DEADLINE.match(str(value).strip())
    if not m:
        raise WorkspaceError(f"{where} 应写作“日期 时:分”，如 \"2026-11-20 17:00\"（不是“{value}”）")
    day = _day(m[1], where)
    return pendulum.datetime(day.year, day.month, day.day, int(m[2]), int(m[3]), tz=timezone)


def calendar_of(campaign: Campaign, cycle: str = "special") -> ListedCalendar:
    """The declared inspections as periods: the DAG runs at each one's deadline."""
    return ListedCalendar(cycle, campaign.timezone, [i.period(cycle) for i in inspections(campaign, cycle)], EXAMPLE)


def inspection_of(campaign: Campaign, key: str, cycle: str = "special") -> Inspection:
    """The declared inspection ``key`` (ValueError in Chinese when none is)."""
    found = next((i for i in inspections(campaign, cycle) if i.key == key), None)
    if found is None:
        calendar_of(campaign, cycle).parse(key)  # raises the calendar's own message
        raise ValueError(key)
    return found
