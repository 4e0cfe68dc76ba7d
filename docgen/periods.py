"""Report periods (``2026-10``, ``2026-Q3``, ``2026``) and their deadlines in the campaign's time zone.

A period is pure data: its first and last day, a Chinese label, and the deadline that follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import pendulum

Cycle = Literal["monthly", "quarterly", "annual"]
CYCLES: tuple[Cycle, ...] = ("monthly", "quarterly", "annual")

PERIOD_PATTERNS: dict[str, str] = {  # a period key, or empty (for a form field)
    "monthly": r"^(\d{4}-(0[1-9]|1[0-2]))?$",
    "quarterly": r"^(\d{4}-Q[1-4])?$",
    "annual": r"^(\d{4})?$",
}
PERIOD_EXAMPLES: dict[str, str] = {"monthly": "2026-10", "quarterly": "2026-Q3", "annual": "2026"}
DEADLINE_MONTHS: dict[str, str] = {"monthly": "*", "quarterly": "1,4,7,10"}  # cron months; annual: its own

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period of a cycle."""

    cycle: Cycle
    key: str  # "2026-10", "2026-Q3" or "2026"
    start: date
    end: date  # last day, inclusive

    @property
    def label(self) -> str:
        """The period as a Chinese document names it: 2026年10月, 2026年第三季度, 2026年度."""
        if self.cycle == "monthly":
            return f"{self.start.year}年{self.start.month}月"
        if self.cycle == "quarterly":
            return f"{self.start.year}年第{'一二三四'[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年度"

    def __str__(self) -> str:
        return self.key


def parse_period(cycle: Cycle, key: str) -> Period:
    """Parse a period key for a cycle; raise ValueError with a Chinese message when it does not fit."""
    key = key.strip()
    if cycle == "monthly" and (m := _MONTH.match(key)):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            start = date(year, month, 1)
            return Period(cycle, key, start, pendulum.date(year, month, 1).end_of("month"))
    elif cycle == "quarterly" and (m := _QUARTER.match(key)):
        year, q = int(m[1]), int(m[2])
        start = date(year, 3 * q - 2, 1)
        return Period(cycle, key, start, pendulum.date(year, 3 * q, 1).end_of("month"))
    elif cycle == "annual" and (m := _YEAR.match(key)):
        year = int(m[1])
        return Period(cycle, key, date(year, 1, 1), date(year, 12, 31))
    raise ValueError(f"期次“{key}”格式不正确，{cycle} 周期应写作 {PERIOD_EXAMPLES[cycle]}")


def period_containing(cycle: Cycle, day: date) -> Period:
    """The period of ``cycle`` that ``day`` falls in (the one units are working on that day)."""
    keys = {"monthly": f"{day.year}-{day.month:02d}", "quarterly": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
            "annual": str(day.year)}
    return parse_period(cycle, keys[cycle])


def previous_period(cycle: Cycle, moment: datetime, tz: str) -> Period:
    """The period that ended most recently before ``moment``: what a scheduled run reports on."""
    local = pendulum.instance(moment).in_timezone(tz)
    if cycle == "monthly":
        prev = local.subtract(months=1)
        return parse_period(cycle, f"{prev.year}-{prev.month:02d}")
    if cycle == "quarterly":
        prev = local.subtract(months=3)
        return parse_period(cycle, f"{prev.year}-Q{(prev.month - 1) // 3 + 1}")
    return parse_period(cycle, str(local.year - 1))


def deadline_of(period: Period, day: int, time: str, tz: str, month: int | None = None) -> datetime:
    """The submission deadline for ``period``.

    Monthly and quarterly deadlines fall on ``day`` of the month after the period; the annual one on
    ``month``/``day`` of the following year.
    """
    hour, minute = (int(x) for x in time.split(":"))
    if period.cycle == "annual":
        return pendulum.datetime(period.end.year + 1, month or 1, day, hour, minute, tz=tz)
    after = pendulum.date(period.end.year, period.end.month, 1).add(months=1)
    return pendulum.datetime(after.year, after.month, day, hour, minute, tz=tz)
