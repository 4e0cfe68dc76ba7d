"""Report periods and calendars: how a cycle's periods are written, parsed, dated and scheduled.

A ``Period`` is pure data: its key (``2026-10``), first and last day, a Chinese label and the deadline
that follows it. A ``Calendar`` is part of a cycle's declaration (``Cycle.calendar``): it parses period
keys, finds the period a scheduled run reports on, and says when the cycle's DAG runs. The shapes every
cycle may use are here (a calendar of fixed periods scheduled by cron, a calendar of declared periods
scheduled at their own deadlines); each cycle package gives its own periods and labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pendulum

from .config import Campaign
from .errors import WorkspaceError


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period of a cycle, with the deadline for its submissions (in the campaign's zone)."""

    cycle: str
    key: str
    start: date
    end: date  # last day, inclusive
    label: str = field(compare=False)  # as a Chinese document names it: 2026年10月
    deadline: datetime = field(compare=False)

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Schedule:
    """When a cycle's DAG runs: at a cron expression, or at each of the given moments (declared periods)."""

    timezone: str
    cron: str | None = None
    moments: tuple[datetime, ...] = ()


class Calendar:
    """A cycle's periods, bound to one campaign's settings. Subclasses give the keys and the deadlines.

    ``example``: a key as a user writes it; ``pattern``: the keys a form field accepts (or empty).
    """

    example: str = ""
    pattern: str = ""

    def __init__(self, cycle: str, timezone: str) -> None:
        self.cycle = cycle
        self.timezone = timezone

    def parse(self, key: str) -> Period:
        """The period ``key`` names; ValueError in Chinese when it names none."""
        raise NotImplementedError

    def containing(self, day: date) -> Period | None:
        """The period ``day`` falls in (the one units are working on that day), if any."""
        raise NotImplementedError

    def previous(self, moment: datetime) -> Period | None:
        """The period a scheduled run at ``moment`` reports on (periods that tile time: the one that ended
        last before it; declared periods: the one whose deadline came last), if any."""
        raise NotImplementedError

    def schedule(self) -> Schedule:
        """When the cycle's DAG runs (at its deadlines)."""
        raise NotImplementedError

    def due_on(self, day: date) -> list[Period]:
        """The periods whose deadline falls on ``day`` (in the campaign's zone): what reminders look ahead to."""
        end = pendulum.datetime(day.year, day.month, day.day, tz=self.timezone).end_of("day")
        period = self.previous(end)
        return [period] if period and self._local(period.deadline).date() == day else []

    def refused(self, key: str) -> ValueError:
        return ValueError(f"期次“{key}”格式不正确，应写作 {self.example}")

    def _local(self, moment: datetime) -> pendulum.DateTime:
        given = moment if moment.tzinfo else moment.replace(tzinfo=pendulum.UTC)
        return pendulum.instance(given).in_timezone(self.timezone)


@dataclass(frozen=True)
class DeadlineRule:
    """When the submissions of a period are due, counted from the day after it ends: ``day`` of the
    ``months``-th month after (``months`` 1: the next month), or ``weekday`` (1 Monday … 7 Sunday) of the
    next week; at ``time``."""

    day: int = 1
    time: str = "17:00"
    months: int = 1
    weekday: int | None = None

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = (int(x) for x in self.time.split(":"))
        return hour, minute

    def after(self, period_end: date, tz: str) -> datetime:
        """The deadline of a period ending on ``period_end``."""
        hour, minute = self.hour_minute
        if self.weekday is not None:
            monday = period_end + timedelta(days=7 - period_end.weekday())
            due = monday + timedelta(days=self.weekday - 1)
            return pendulum.datetime(due.year, due.month, due.day, hour, minute, tz=tz)
        first = pendulum.date(period_end.year, period_end.month, 1).add(months=self.months)
        return pendulum.datetime(first.year, first.month, self.day, hour, minute, tz=tz)


_TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


def deadline_setting(campaign: Campaign, cycle: str, default: DeadlineRule, *, example: str,
                     allowed: Sequence[str] = ("day", "time")) -> DeadlineRule:
    """``cycle``'s ``deadlines`` entry of campaign.yaml over ``default`` (its calendar's rule)."""
    return deadline_rule(campaign.deadlines.get(cycle), default, f"{campaign.source} 的 deadlines.{cycle}",
                         example=example, allowed=allowed)


def deadline_rule(raw: Any, default: DeadlineRule, where: str, *, example: str, allowed: Sequence[str]) -> DeadlineRule:
    """A cycle's ``deadlines.<cycle>`` entry of campaign.yaml over its defaults; WorkspaceError in
    Chinese naming the entry when a value is not one it takes."""
    if raw is None:
        return default
    if not isinstance(raw, Mapping) or any(k not in allowed for k in raw):
        unknown = [str(k) for k in raw if k not in allowed] if isinstance(raw, Mapping) else []
        extra = f"（不认识：{'、'.join(unknown)}）" if unknown else ""
        raise WorkspaceError(f"{where} 应写作 {example}{extra}")
    values = {**default.__dict__, **{k: raw[k] for k in raw if k != "month"}}
    if "month" in raw:  # the month of the year after the period (a yearly deadline)
        values["months"] = raw["month"]
    values["time"] = str(values["time"])
    ranges = {"day": (1, 28), "months": (1, 12), "weekday": (1, 7)}
    for key, (low, high) in ranges.items():
        value = values.get(key)
        if value is None and key == "weekday":
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise WorkspaceError(f"{where} 的 {'month' if key == 'months' and 'month' in raw else key} "
                                 f"应为 {low} 到 {high} 之间的整数，如 {example}")
    if not _TIME.match(values["time"]):
        raise WorkspaceError(f"{where} 的 time 应写作“时:分”，如 \"17:00\"")
    return DeadlineRule(**values)


def cron_at(rule: DeadlineRule, months: str = "*") -> str:
    """The cron expression firing at ``rule``'s deadlines in the given months (``"*"``, ``"1,4,7,10"``)."""
    hour, minute = rule.hour_minute
    if rule.weekday is not None:
        return f"{minute} {hour} * * {rule.weekday % 7}"
    return f"{minute} {hour} {rule.day} {months} *"


class RegularCalendar(Calendar):
    """Periods that tile time (months, quarters, years, weeks): every day lies in one, each period's
    deadline follows from a ``DeadlineRule``. Subclasses say how keys are written and labelled.

    ``end_months``: the months periods end in (all twelve for months; 3, 6, 9, 12 for quarters), for the
    cron expression of a deadline counted in months.
    """

    end_months: tuple[int, ...] = tuple(range(1, 13))

    def __init__(self, cycle: str, timezone: str, rule: DeadlineRule) -> None:
        super().__init__(cycle, timezone)
        self.rule = rule

    def bounds(self, key: str) -> tuple[date, date] | None:
        """First and last day of the period ``key`` names, or None."""
        raise NotImplementedError

    def key_of(self, day: date) -> str:
        raise NotImplementedError

    def label_of(self, start: date, end: date) -> str:
        raise NotImplementedError

    def parse(self, key: str) -> Period:
        key = key.strip()
        found = self.bounds(key)
        if found is None:
            raise self.refused(key)
        start, end = found
        return Period(self.cycle, key, start, end, self.label_of(start, end), self.rule.after(end, self.timezone))

    def containing(self, day: date) -> Period:
        return self.parse(self.key_of(day))

    def previous(self, moment: datetime) -> Period:
        """The period that ended most recently before ``moment`` (a run at its deadline reports on it)."""
        return self.containing(self.containing(self._local(moment).date()).start - timedelta(days=1))

    def schedule(self) -> Schedule:
        months = sorted({(end + self.rule.months - 1) % 12 + 1 for end in self.end_months})
        return Schedule(self.timezone, cron=cron_at(self.rule, "*" if len(months) == 12 else ",".join(map(str, months))))


class ListedCalendar(Calendar):
    """Periods declared one by one, each with its own dates (an inspection of a few weeks): the DAG runs
    at each one's deadline. ``periods`` in the order declared; keys are unique."""

    pattern = r"^([0-9A-Za-z_-]{1,40})?$"

    def __init__(self, cycle: str, timezone: str, periods: Sequence[Period], example: str) -> None:
        super().__init__(cycle, timezone)
        self.periods = {p.key: p for p in periods}
        self.example = example

    def parse(self, key: str) -> Period:
        key = key.strip()
        if key not in self.periods:
            declared = "、".join(self.periods) or "（尚未列出任何期次）"
            raise ValueError(f"期次“{key}”没有列在 campaign.yaml 中，已列出：{declared}")
        return self.periods[key]

    def containing(self, day: date) -> Period | None:
        return next((p for p in self.periods.values() if p.start <= day <= p.end), None)

    def previous(self, moment: datetime) -> Period | None:
        """The period whose deadline came last at ``moment`` (a run at a deadline reports on that period)."""
        due = [p for p in self.periods.values() if p.deadline <= self._local(moment)]
        return max(due, key=lambda p: p.deadline) if due else None

    def schedule(self) -> Schedule:
        return Schedule(self.timezone, moments=tuple(sorted(p.deadline for p in self.periods.values())))

    def due_on(self, day: date) -> list[Period]:
        return [p for p in self.periods.values() if self._local(p.deadline).date() == day]
