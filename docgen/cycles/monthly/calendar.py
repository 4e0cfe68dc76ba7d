"""The monthly cycle's calendar: periods ``2026-10``, due on a day of the next month (default the 5th, 17:00)."""

from __future__ import annotations

import re
from datetime import date

import pendulum

from ...config import Campaign
from ...periods import DeadlineRule, RegularCalendar, deadline_setting

DEFAULT_DEADLINE = DeadlineRule(day=5)
_KEY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class MonthCalendar(RegularCalendar):
    example = "2026-10"
    pattern = r"^(\d{4}-(0[1-9]|1[0-2]))?$"

    def bounds(self, key: str) -> tuple[date, date] | None:
        if not (m := _KEY.match(key)):
            return None
        start = date(int(m[1]), int(m[2]), 1)
        return start, pendulum.date(start.year, start.month, 1).end_of("month")

    def key_of(self, day: date) -> str:
        return f"{day.year}-{day.month:02d}"

    def label_of(self, start: date, end: date) -> str:
        return f"{start.year}年{start.month}月"


def calendar_of(campaign: Campaign, cycle: str = "monthly") -> MonthCalendar:
    """The calendar under ``campaign``'s ``deadlines.{cycle}`` setting."""
    rule = deadline_setting(campaign, cycle, DEFAULT_DEADLINE, example="{day: 5, time: \"17:00\"}")
    return MonthCalendar(cycle, campaign.timezone, rule)
