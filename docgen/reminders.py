"""Reminders (催报) before a cycle's deadline: who still owes what, as a 催报通知 and as JSON.

On the days ``campaign.yaml`` sets (default: 3 days and 1 day before each deadline, at 09:00 in the
campaign's zone), the ``reminders`` DAG calls ``run_due``, which finds each declared cycle's period whose
deadline is that many days ahead (``due_reminders``) and calls ``remind``; ``docgen remind`` calls
``remind`` for one cycle and period. A reminder first takes in and answers the files dropped so far (as the
``intake_receipts`` DAG does), then lists every expected unit that has no accepted file yet:

* 未报送: it dropped nothing of a kind it owes;
* 已退回未重报: its latest file of that kind was returned, with that file's first problems.

It names no cycle: the expected units are the cycle's own (``report.units``), and what they owe are the
cycle's kinds dropped in units' own folders (files of role folders such as ``_inspection`` are nobody's
debt). A unit whose file is still waiting for its receipt is not reminded of it.

What it writes, into ``outbox/<cycle>/<period>/催报/<YYYY-MM-DD>/``: the 催报通知 (.docx, GB/T 9704 layout,
from ``templates/reminder.docx`` or the workspace's own copy, rendered sandboxed and autoescaped) and
``reminder.json`` (the same lists, with contacts, for programs that send messages). A rerun the same day
first moves that day's files to ``<YYYY-MM-DD>/versions/vN/``; nothing is ever deleted. When every expected
unit has an accepted file, nothing is written and the result says so.

``campaign.yaml`` (all optional)::

    reminders:
      days_before: [3, 1]   # days before the deadline (0: the deadline's own day)
      at: "09:00"           # time of day, in the campaign's time zone
      start: 2026-01-01     # no reminder for a period ending before this day …
      end: 2027-12-31       # … or starting after this one
      number_prefix: 创建办催〔{year}〕  # 发文字号 of the 催报 (default: the doc_number_prefix with 催 before 〔)

Reminders have their own issuing sequence (创建办催〔2026〕1号, 2号, …), not the main one: they are routine
and automatic (several a period, on schedule, no review), and a number of the main register stands for a
document the secretariat reviewed and signed, so the main numbers stay consecutive whatever reminders ran.
A reminder's number is given once per (cycle, period, day) in the state database before the document is
written, so a rerun the same day (or one after a crash) issues it again under the same number.

Every function here reads it from ``campaign.settings["reminders"]``.

Importing this module is light (the DAG file imports it to parse): intake, rendering and the state
database are imported only when a reminder is made.
"""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pendulum

from . import cycles
from .config import Campaign, as_date
from .cycle import UNIT_FOLDER, Document, Kind, Report
from .errors import DocgenError, WorkspaceError
from .models import Problem, Unit
from .periods import Period
from .schedule import DEFAULT_TZ, campaign_at_parse_time
from .versions import place

log = logging.getLogger(__name__)

SETTINGS_KEY = "reminders"  # the campaign.yaml section
DEFAULT_DAYS_BEFORE = (3, 1)
DEFAULT_AT = "09:00"
REMINDER_DIR = "催报"  # in outbox/<cycle>/<period>/
JSON_NAME = "reminder.json"
REMINDER_TEMPLATE = "reminder.docx"
FIRST_PROBLEMS = 3  # a returned file's problems told in the reminder (the receipt has them all)
RECIPIENTS = "有关成员单位"
NOTHING_DUE = "所有应报单位均已报送，无需催报"
NO_UNITS = "本期没有应报单位，无需催报"
LOCK_WAIT_SECONDS = 900.0


class ReminderRefused(DocgenError):
    """A reminder that must not be issued: its period is outside the campaign's dates."""


# ---------------------------------------------------------------- settings (campaign.yaml)


@dataclass(frozen=True)
class ReminderSettings:
    """``reminders:`` of campaign.yaml: which days before a deadline, at what time, within which dates."""

    days_before: tuple[int, ...] = DEFAULT_DAYS_BEFORE
    at: str = DEFAULT_AT
    start: date | None = None
    end: date | None = None
    number_prefix: str = ""  # "": the campaign's doc_number_prefix with 催 (``number_prefix_of``)

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.at.split(":")
        return int(hour), int(minute)


def _bad(key: str, example: str) -> WorkspaceError:
    return WorkspaceError(f"campaign.yaml 的 {SETTINGS_KEY}.{key} 应写作 {example}")


def _as_date(value: Any, key: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return as_date(value)
    except ValueError:
        raise _bad(key, "2026-01-01 这样的日期") from None


def reminder_settings(campaign: Campaign) -> ReminderSettings:
    """The campaign's reminder settings, defaults filled in; a Chinese message when one is malformed."""
    raw = campaign.settings.get(SETTINGS_KEY) or {}
    if not isinstance(raw, Mapping):
        raise WorkspaceError(f"campaign.yaml 的 {SETTINGS_KEY} 应为键值对，如 days_before: [3, 1]")
    days = raw.get("days_before", list(DEFAULT_DAYS_BEFORE))
    if isinstance(days, int) and not isinstance(days, bool):
        days = [days]
    if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in days):
        raise _bad("days_before", "截止前的天数列表，如 [3, 1]（0 为截止当天）")
    at = str(raw.get("at", DEFAULT_AT)).strip()
    parts = at.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise _bad("at", '"09:00" 这样的时刻')
    start, end = _as_date(raw.get("start"), "start"), _as_date(raw.get("end"), "end")
    if start and end and end < start:
        raise WorkspaceError(f"campaign.yaml 的 {SETTINGS_KEY}.end（{end}）早于 start（{start}）")
    prefix = raw.get("number_prefix") or ""
    if not isinstance(prefix, str) or "\n" in prefix:
        raise _bad("number_prefix", "创建办催〔{year}〕 这样的发文字号前缀")
    return ReminderSettings(tuple(dict.fromkeys(days)), f"{int(parts[0]):02d}:{int(parts[1]):02d}", start, end,
                            prefix.strip())


def number_prefix_of(campaign: Campaign, settings: ReminderSettings) -> str:
    """The 催报's issuing number prefix: ``reminders.number_prefix``, else the campaign's ``doc_number_prefix``
    with 催 before its 〔 (创建办〔{year}〕 → 创建办催〔{year}〕; 催 at its end when it has no 〔)."""
    if settings.number_prefix:
        return settings.number_prefix
    main = campaign.doc_number_prefix
    return main.replace("〔", "催〔", 1) if "〔" in main else f"{main}催"


def reminder_days(campaign: Campaign) -> list[int]:
    """How many days before each deadline reminders go out (default ``[3, 1]``)."""
    return list(reminder_settings(campaign).days_before)


def reminder_cron() -> tuple[str, str]:
    """(cron, time zone) of the daily reminder run, from the workspace's campaign.yaml, else the defaults.

    For the DAG file at parse time: it reads one small YAML file.
    """
    campaign = campaign_at_parse_time()
    settings = reminder_settings(campaign) if campaign else ReminderSettings()
    hour, minute = settings.hour_minute
    return f"{minute} {hour} * * *", campaign.timezone if campaign else DEFAULT_TZ


def refuse_outside_campaign(settings: ReminderSettings, period: Period) -> None:
    """Raise ``ReminderRefused`` for a period ending before the campaign's start or starting after its end."""
    if settings.start and period.end < settings.start:
        raise ReminderRefused(
            f"{period.label}（截至{_day_text(period.end)}）在创建活动开始日期（{_day_text(settings.start)}）之前，"
            f"不发催报通知。如需调整，请修改 campaign.yaml 的 {SETTINGS_KEY}.start"
        )
    if settings.end and period.start > settings.end:
        raise ReminderRefused(
            f"{period.label}（自{_day_text(period.start)}起）在创建活动结束日期（{_day_text(settings.end)}）之后，"
            f"不发催报通知。如需调整，请修改 campaign.yaml 的 {SETTINGS_KEY}.end"
        )


def _in_campaign(settings: ReminderSettings, period: Period) -> bool:
    try:
        refuse_outside_campaign(settings, period)
    except ReminderRefused:
        return False
    return True


def _day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------- which reminders are due


def due_reminders(campaign: Campaign, now: datetime) -> list[tuple[str, str]]:
    """(cycle, period) of every declared cycle whose deadline is N days after ``now``'s date, N in the
    reminder days; periods outside the campaign's start and end are left out. ``now``: a naive one is UTC."""
    settings = reminder_settings(campaign)
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    today = pendulum.instance(moment).in_timezone(campaign.timezone).date()
    due: list[tuple[str, str]] = []
    for name, cycle in cycles.declared().items():
        if not cycle.kinds_in(UNIT_FOLDER):
            continue  # nothing is dropped by units: nobody to remind
        calendar = cycle.calendar(campaign)
        for n in settings.days_before:
            for period in calendar.due_on(today + timedelta(days=n)):
                if _in_campaign(settings, period) and (name, period.key) not in due:
                    due.append((name, period.key))
    return due


def run_due(root: str | Path, now: datetime | None = None) -> list[dict[str, Any]]:
    """Issue every reminder due at ``now`` (default: now); what each did, JSON-able (for an Airflow XCom).

    One cycle's failure does not keep the others' reminders from going out; it is raised at the end.
    """
    from .workspace import Workspace  # noqa: PLC0415 - the state layer imports the cycles

    now = now or datetime.now(UTC)
    campaign = Workspace(root).campaign
    done, failed = [], []
    for cycle, period in due_reminders(campaign, now):
        try:
            result = remind(root, cycle, period, today=now)
        except DocgenError as exc:
            log.error("%s %s 催报失败：%s", cycle, period, exc)
            failed.append(f"{cycle} {period}：{exc}")
            continue
        log.info("%s %s：%s", cycle, period, result.message)
        done.append({"cycle": cycle, "period": period, **result.to_dict()})
    if not done and not failed:
        log.info("今天没有需要催报的周期")
    if failed:
        raise DocgenError("；".join(failed))
    return done


# ---------------------------------------------------------------- who is reminded (pure)


class SubmissionLike(Protocol):
    """A processed file as ``State.submissions`` gives it (``SubmissionRow``)."""

    unit: str
    kind: str | None
    file_name: str
    status: str
    received_at: datetime

    @property
    def errors(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class MissingUnit:
    """An expected unit that dropped nothing of ``kinds`` (the titles of what it owes)."""

    code: str
    name: str
    contact: str = ""
    phone: str = ""
    kinds: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "contact": self.contact, "phone": self.phone,
                "kinds": list(self.kinds)}


@dataclass(frozen=True)
class ReturnedUnit:
    """An expected unit whose latest file of ``kind`` was returned and not yet replaced by an accepted one."""

    code: str
    name: str
    file: str
    problems: tuple[str, ...]  # the first problems, as ``Problem.describe`` tells them
    problem_count: int
    received_at: datetime | None = None
    kind: str = ""  # the kind's title
    contact: str = ""
    phone: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "file": self.file, "problems": list(self.problems),
                "problem_count": self.problem_count, "kind": self.kind, "contact": self.contact, "phone": self.phone,
                "received_at": self.received_at.isoformat() if self.received_at else None}


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else (moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def reminder_lists(
    report: Report, submissions: Iterable[SubmissionLike], kinds: Sequence[Kind] | None = None,
    units: Mapping[str, Unit] | None = None,
) -> tuple[list[MissingUnit], list[ReturnedUnit]]:
    """(未报送, 已退回未重报) among ``report.units`` (the cycle's expected units, in its order).

    ``submissions``: the period's files (``State.submissions``); ``kinds``: what units owe (the cycle's
    kinds of units' own folders; None: any file of the unit's folder counts); ``units``: the registry's
    units, for contacts. For each kind a unit owes: an accepted file settles it; a file still without its
    receipt leaves it alone (the receipt will tell); otherwise a returned file makes it 已退回 (the latest,
    with its first ``FIRST_PROBLEMS`` problems), and no file at all 未报送.
    """
    groups: list[tuple[str, str]] = [(k.name, k.title) for k in kinds] if kinds else [("", "")]
    names = {name for name, _ in groups}
    by_key: dict[tuple[str, str], list[SubmissionLike]] = {}
    for s in submissions:
        kind = (s.kind or groups[0][0]) if kinds else ""
        if kind in names:
            by_key.setdefault((s.unit, kind), []).append(s)
    missing: list[MissingUnit] = []
    returned: list[ReturnedUnit] = []
    for status in report.units:
        unit = (units or {}).get(status.code)
        contact, phone = (unit.contact, unit.phone) if unit else ("", "")
        owed: list[str] = []
        for kind, title in groups:
            files = by_key.get((status.code, kind), [])
            if any(f.status == "accepted" for f in files):
                continue
            if any(f.status not in ("accepted", "rejected") for f in files):
                log.info("%s 的%s尚在处理，暂不催报", status.code, title or "文件")
                continue
            rejected = [f for f in files if f.status == "rejected"]
            if not rejected:
                owed.append(title)
                continue
            latest = max(rejected, key=lambda f: _aware(f.received_at) or datetime.min.replace(tzinfo=UTC))
            errors = list(latest.errors)
            returned.append(ReturnedUnit(
                code=status.code, name=status.name, file=latest.file_name,
                problems=tuple(Problem.from_dict(e).describe() for e in errors[:FIRST_PROBLEMS]), problem_count=len(errors),
                received_at=_aware(latest.received_at), kind=title, contact=contact, phone=phone,
            ))
        if owed:
            missing.append(MissingUnit(status.code, status.name, contact, phone, tuple(t for t in owed if t)))
    return missing, returned


# ---------------------------------------------------------------- the reminder and its documents


@dataclass(frozen=True)
class Reminder:
    """Everything one 催报通知 and its reminder.json say."""

    cycle: str
    period: str
    period_label: str
    kind_titles: tuple[str, ...]  # what units owe, in the cycle's order
    several_kinds: bool  # the cycle takes more than one kind from units: each unit's line says which
    document_title: str  # what the cycle's deadline run issues (月通报): where late units are named
    deadline: datetime
    generated_at: datetime
    expected_count: int
    missing: tuple[MissingUnit, ...]
    returned: tuple[ReturnedUnit, ...]
    secretariat: str
    timezone: str = DEFAULT_TZ
    file_types: str = ".xlsx或.csv格式"  # as ``file_types_text`` says it
    recipients: str = RECIPIENTS
    doc_number: str = ""  # its own sequence (``number_prefix_of``)
    channel: str = ""  # campaign.yaml's submission_channel: how units send files, in their words
    cc: tuple[str, ...] = ()  # 抄送 of the 版记
    printed_by: str = ""  # 印发机关 of the 版记

    @property
    def owing_codes(self) -> list[str]:
        return list(dict.fromkeys([u.code for u in self.missing] + [u.code for u in self.returned]))

    @property
    def kind_title(self) -> str:
        """What is owed, as the title names it: one kind's title, or 自评表和工作总结."""
        titles = list(self.kind_titles)
        if titles:  # the words the label ends with are not said twice: 2025年度 + 年度工作总结 → 2025年度工作总结
            titles[0] = titles[0][_overlap(self.period_label, titles[0]):]
        if len(titles) <= 1:
            return "".join(titles) or "材料"
        return "、".join(titles[:-1]) + "和" + titles[-1]

    @property
    def drop_folder(self) -> str:
        return f"intake/{self.cycle}/{self.period}/<单位代码>/"

    @property
    def receipt_folder(self) -> str:
        return f"receipts/{self.cycle}/{self.period}/<单位代码>/"

    @property
    def overdue(self) -> bool:
        return self.generated_at > self.deadline

    @property
    def day(self) -> date:
        """The reminder's day in the campaign's zone: the name of its folder."""
        return pendulum.instance(self.generated_at).in_timezone(self.timezone).date()

    @property
    def file_name(self) -> str:
        return f"{self.period_label}催报通知（{self.day.isoformat()}）.docx"

    def to_json(self) -> dict[str, Any]:
        """reminder.json: the lists for programs that send messages."""
        return {
            "cycle": self.cycle,
            "period": self.period,
            "period_label": self.period_label,
            "deadline": self.deadline.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            # the moment the lists were taken, in the campaign's zone: what the notice's 截至 says
            "cutoff": pendulum.instance(self.generated_at).in_timezone(self.timezone).isoformat(),
            "doc_number": self.doc_number,
            "expected_count": self.expected_count,
            "kinds": list(self.kind_titles),
            "drop_folder": self.drop_folder,
            "document": self.file_name,
            "missing": [u.to_dict() for u in self.missing],
            "returned": [u.to_dict() for u in self.returned],
        }


def reminder_context(reminder: Reminder, issuer_pt: float | None = None) -> dict[str, Any]:
    """Everything ``reminder.docx`` uses, as text (unit text through ``clean_text``)."""
    from .render.engine import (  # noqa: PLC0415 - imports docxtpl
        channel_sentence,
        clean_text,
        format_as_of,
        format_date,
        format_datetime,
        zone,
    )
    from .render.gbt import ISSUER_PT, IssuerMark, official_context, time_zone_text  # noqa: PLC0415

    tz = zone(reminder.timezone)
    local_deadline = pendulum.instance(reminder.deadline).in_timezone(reminder.timezone)
    days_left = (local_deadline.date() - reminder.day).days
    remaining = "今天截止" if days_left <= 0 else f"距截止还有{days_left}天"

    def detail(code: str, kinds: Sequence[str]) -> str:
        """What the unit owes, when the cycle takes several kinds; the unit is named, never coded."""
        return f"（{'、'.join(clean_text(k) for k in kinds)}）" if reminder.several_kinds and kinds else ""

    secretariat = clean_text(reminder.secretariat)
    period_label, kind_title = clean_text(reminder.period_label), clean_text(reminder.kind_title)
    return {
        **official_context(
            title=f"关于催报{period_label}{kind_title}的通知", keep=(period_label, kind_title),
            secretariat=secretariat, cc=reminder.cc, printed_by=reminder.printed_by, issued=reminder.day,
            timezone=reminder.timezone,
        ),
        "secretariat": secretariat,
        "issuer_mark": IssuerMark(f"{secretariat}文件", issuer_pt or ISSUER_PT),
        "doc_number": clean_text(reminder.doc_number),
        "period_label": clean_text(reminder.period_label),
        "kind_title": clean_text(reminder.kind_title),
        "recipients": clean_text(reminder.recipients),
        "deadline_text": format_datetime(reminder.deadline, tz=tz),
        "time_zone_text": time_zone_text(reminder.timezone),
        "as_of_text": format_as_of(reminder.generated_at, tz=tz),
        "remaining_text": remaining,
        "overdue": reminder.overdue,
        "report_by_text": "尽快" if reminder.overdue else f"于{format_datetime(reminder.deadline, tz=tz)}前",
        "expected_count": reminder.expected_count,
        "owing_count": len(reminder.owing_codes),
        "missing_rows": [
            {"no": i, "code": clean_text(u.code), "name": clean_text(u.name) or clean_text(u.code),
             "detail": detail(u.code, u.kinds)}
            for i, u in enumerate(reminder.missing, start=1)
        ],
        "returned_rows": [
            {"no": i, "code": clean_text(u.code), "name": clean_text(u.name) or clean_text(u.code),
             "detail": detail(u.code, [u.kind] if u.kind else []), "file": clean_text(u.file),
             "received_text": format_datetime(u.received_at, missing="此前", tz=tz),
             "problem_count": u.problem_count, "problems": [clean_text(p) for p in u.problems],
             "more": max(0, u.problem_count - len(u.problems))}
            for i, u in enumerate(reminder.returned, start=1)
        ],
        "file_types": clean_text(reminder.file_types),
        "channel": channel_sentence(reminder.channel, reminder.secretariat),
        # for a workspace's older copy of the template only: the shipped one names no folder
        "drop_folder": reminder.drop_folder,
        "receipt_folder": reminder.receipt_folder,
        "document_title": clean_text(reminder.document_title),
        "issue_date_text": format_date(reminder.day),
    }


def _overlap(label: str, title: str) -> int:
    """How many characters ``title`` begins with that ``label`` ends with (at least two: a word, not a letter)."""
    return next((n for n in range(min(len(label), len(title) - 1), 1, -1) if label.endswith(title[:n])), 0)


def file_types_text(kinds: Sequence[Kind]) -> str:
    """The file types units may drop: ".xlsx或.csv格式"; "自评表为.xlsx或.csv格式，工作总结为.docx格式"."""
    def types(kind: Kind) -> str:
        suffixes = list(kind.suffixes)
        return ("或".join(suffixes) if len(suffixes) <= 2 else "、".join(suffixes[:-1]) + "或" + suffixes[-1]) + "格式"

    if len({k.suffixes for k in kinds}) <= 1:
        return types(kinds[0]) if kinds else ""
    return "，".join(f"{k.title}为{types(k)}" for k in kinds)


@dataclass
class ReminderResult:
    """What ``remind`` did: whether it issued a reminder, a sentence saying so, the files, the lists."""

    issued: bool
    message: str
    paths: list[Path] = field(default_factory=list)
    missing: list[MissingUnit] = field(default_factory=list)
    returned: list[ReturnedUnit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"issued": self.issued, "message": self.message, "paths": [str(p) for p in self.paths],
                "missing": [u.code for u in self.missing], "returned": [u.code for u in self.returned]}


def _moment(today: date | datetime | None, campaign: Campaign, settings: ReminderSettings) -> datetime:
    """When the reminder is made: ``today`` as given (a naive datetime is UTC); a date is that day at the
    reminder time (now, when it is today); None is now."""
    now = datetime.now(UTC)
    if today is None:
        return now
    if isinstance(today, datetime):
        return today if today.tzinfo else today.replace(tzinfo=UTC)
    if today == pendulum.instance(now).in_timezone(campaign.timezone).date():
        return now
    hour, minute = settings.hour_minute
    return pendulum.datetime(today.year, today.month, today.day, hour, minute, tz=campaign.timezone)


def remind(root: str | Path, cycle: str, period: str, *, today: date | datetime | None = None) -> ReminderResult:
    """Remind the units of ``cycle``'s ``period`` that have no accepted file yet (see the module's doc).

    Takes in and answers the files dropped so far first. ``today``: when the reminder is made (default:
    now); its date in the campaign's zone names the folder. Raises ``ReminderRefused`` for a period outside
    the campaign's ``start``/``end``.
    """
    from .pipeline import compute, intake_step, receipts_step  # noqa: PLC0415 - intake imports pandas
    from .registry import load_registry  # noqa: PLC0415
    from .workspace import Workspace  # noqa: PLC0415

    ws = Workspace(root)
    declared = cycles.get(cycle)
    per = declared.parse_period(period, ws.campaign)
    campaign = ws.campaign
    settings = reminder_settings(campaign)
    refuse_outside_campaign(settings, per)
    moment = _moment(today, campaign, settings)
    kinds = declared.kinds_in(UNIT_FOLDER)
    with ws.state.lock(f"remind:{cycle}:{per.key}", wait_seconds=LOCK_WAIT_SECONDS,
                       describe=f" {cycle} {per.key} 的催报"):
        intake_step(ws.root, cycle, per.key)
        receipts_step(ws.root, cycle, per.key)
        report = compute(ws.root, cycle, per.key, number=False)
        missing, returned = reminder_lists(report, ws.state.submissions(cycle, per.key), kinds,
                                           load_registry(ws.registry_dir).units)
        if not missing and not returned:
            message = NOTHING_DUE if report.units else NO_UNITS
            log.info("%s %s：%s", cycle, per.key, message)
            return ReminderResult(False, message)
        owed = {t for u in missing for t in u.kinds} | {u.kind for u in returned}
        day = pendulum.instance(moment).in_timezone(campaign.timezone).date()
        prefix, seq, _ = ws.state.issuing_number(number_prefix_of(campaign, settings), cycle, per.key, day,
                                                 f"reminder:{day.isoformat()}")
        reminder = Reminder(
            cycle=cycle, period=per.key, period_label=per.label,
            kind_titles=tuple(k.title for k in kinds if k.title in owed) or tuple(k.title for k in kinds),
            several_kinds=len(kinds) > 1, document_title=declared.document_title,
            deadline=per.deadline, generated_at=moment, expected_count=len(report.units),
            missing=tuple(missing), returned=tuple(returned), secretariat=campaign.secretariat,
            timezone=campaign.timezone, channel=campaign.submission_channel,
            file_types=file_types_text([k for k in kinds if k.title in owed] or kinds),
            doc_number=f"{prefix}{seq}号", cc=campaign.cc, printed_by=campaign.printer,
        )
        paths = _issue(ws, reminder)
    ws.push()
    from .delivery import announce_reminder  # noqa: PLC0415

    announce_reminder(ws.root, reminder.to_json(), paths)
    units_missing = len({u.code for u in missing})
    units_returned = len({u.code for u in returned})
    message = (f"已发催报通知：未报送{units_missing}家，已退回未重新报送{units_returned}家"
               f"（{paths[0].parent.relative_to(ws.root)}）")
    log.info("%s %s：%s", cycle, per.key, message)
    return ReminderResult(True, message, paths, missing, returned)


def reminder_folder(root: Path, cycle: str, period: str, day: date) -> Path:
    """Where a day's reminder of (cycle, period) is written: ``outbox/<cycle>/<period>/催报/<YYYY-MM-DD>/``."""
    return Path(root) / "outbox" / cycle / period / REMINDER_DIR / day.isoformat()


def _issue(ws: Any, reminder: Reminder) -> list[Path]:
    """Render the 催报通知 and reminder.json into a staging folder, then place them in the day's folder."""
    from .render.document import render_document  # noqa: PLC0415 - imports docx
    from .state import StorageError, disk_message  # noqa: PLC0415

    staging = ws.staging_dir("reminders", reminder.cycle, reminder.period, uuid.uuid4().hex)
    try:
        staging.mkdir(parents=True)
        document = Document(reminder.file_name, template=REMINDER_TEMPLATE,
                            context=lambda canvas: reminder_context(reminder, canvas.issuer_pt))
        render_document(document, staging, workspace_templates=ws.templates_dir, root=ws.root)
        (staging / JSON_NAME).write_text(json.dumps(reminder.to_json(), ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
        folder = reminder_folder(ws.root, reminder.cycle, reminder.period, reminder.day)
        ws.pull(ws.relative(folder), exact=True)  # in a bucket: the day's earlier reminder, to keep as a version
        return place(folder, staging, last=JSON_NAME)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageError(disk_message(exc)) from exc


