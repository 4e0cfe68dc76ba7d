"""The annual cycle's calendar: periods ``2025``, due on a day of the next year (default 15 January, 17:00)."""

from __future__ import annotations

import re
from datetime import date

from ...config import Campaign
from ...periods import DeadlineRule, RegularCalendar, deadline_setting

DEFAULT_DEADLINE = DeadlineRule(day=15, months=1)
_KEY = re.compile(r"^(\d{4})$")


class YearCalendar(RegularCalendar):
    example = "2026"
    pattern = r"^(\d{4})?$"
    end_months = (12,)

    def bounds(self, key: str) -> tuple[date, date] | None:
        if not (m := _KEY.match(key)):
            return None
        return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)

    def key_of(self, day: date) -> str:
        return str(day.year)

    def label_of(self, start: date, end: date) -> str:
        return f"{start.year}年度"


def calendar_of(campaign: Campaign, cycle: str = "annual") -> YearCalendar:
    """The calendar under ``campaign``'s ``deadlines.{cycle}`` setting."""
    rule = deadline_setting(campaign, cycle, DEFAULT_DEADLINE, example="{month: 1, day: 15, time: \"17:00\"}", allowed=("month", "day", "time"))
    return YearCalendar(cycle, campaign.timezone, rule)
