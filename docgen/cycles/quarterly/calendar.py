"""The quarterly cycle's calendar: periods ``2026-Q3``, due on a day of the month after (default the 10th, 17:00)."""

from __future__ import annotations

import re
from datetime import date

import pendulum

from ...config import Campaign
from ...periods import DeadlineRule, RegularCalendar, deadline_setting

DEFAULT_DEADLINE = DeadlineRule(day=10)
_KEY = re.compile(r"^(\d{4})-Q([1-4])$")


class QuarterCalendar(RegularCalendar):
    example = "2026-Q3"
    pattern = r"^(\d{4}-Q[1-4])?$"
    end_months = (3, 6, 9, 12)

    def bounds(self, key: str) -> tuple[date, date] | None:
        if not (m := _KEY.match(key)):
            return None
        year, q = int(m[1]), int(m[2])
        return date(year, 3 * q - 2, 1), pendulum.date(year, 3 * q, 1).end_of("month")

    def key_of(self, day: date) -> str:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"

    def label_of(self, start: date, end: date) -> str:
        return f"{start.year}年第{'一二三四'[(start.month - 1) // 3]}季度"


def calendar_of(campaign: Campaign, cycle: str = "quarterly") -> QuarterCalendar:
    """The calendar under ``campaign``'s ``deadlines.{cycle}`` setting."""
    rule = deadline_setting(campaign, cycle, DEFAULT_DEADLINE, example="{day: 10, time: \"17:00\"}")
    return QuarterCalendar(cycle, campaign.timezone, rule)
