"""The weekly cycle's calendar: ISO weeks ``2026-W49``, due on a day of the next week (default Monday 12:00)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from ...config import Campaign
from ...periods import DeadlineRule, RegularCalendar, deadline_setting

DEFAULT_DEADLINE = DeadlineRule(weekday=1, time="12:00")
_KEY = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekCalendar(RegularCalendar):
    """Monday to Sunday, numbered as ISO 8601 does (a week belongs to the year of its Thursday)."""

    example = "2026-W49"
    pattern = r"^(\d{4}-W(0[1-9]|[1-4]\d|5[0-3]))?$"

    def bounds(self, key: str) -> tuple[date, date] | None:
        if not (m := _KEY.match(key)):
            return None
        try:
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:  # week 00, or week 53 of a year that has 52
            return None
        return start, start + timedelta(days=6)

    def key_of(self, day: date) -> str:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"

    def label_of(self, start: date, end: date) -> str:
        """``2026年第49周（11月30日—12月6日）``; the year is named again on a day of another year."""
        year = start.isocalendar()[0]

        def day(d: date) -> str:
            return f"{d.year}年{d.month}月{d.day}日" if d.year != year else f"{d.month}月{d.day}日"

        return f"{year}年第{start.isocalendar()[1]}周（{day(start)}—{day(end)}）"


def calendar_of(campaign: Campaign, cycle: str = "weekly") -> WeekCalendar:
    """The calendar under ``campaign``'s ``deadlines.{cycle}`` setting (weekday 1 Monday … 7 Sunday)."""
    rule = deadline_setting(campaign, cycle, DEFAULT_DEADLINE, example="{weekday: 1, time: \"12:00\"}",
                            allowed=("weekday", "time"))
    return WeekCalendar(cycle, campaign.timezone, rule)
