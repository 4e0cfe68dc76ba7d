"""The monthly rules as pure functions: who is on time, which tasks lag, what the totals are."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from docgen.config import Campaign
from docgen.cycles import get
from docgen.cycles.monthly.rules import (
    Submission,
    build_monthly_report,
    considered_tasks,
    elapsed_share,
    task_state,
)
from docgen.models import Registry, Task

from .builders import CST
from .conftest import LATE, ON_TIME, TASKS, UNITS, parse_period

OCT = parse_period("monthly", "2026-10")
CAMPAIGN = Campaign.from_dict({"name": "创建", "secretariat": "创建办", "doc_number_prefix": "创建办〔2026〕"})
REGISTRY = Registry(units={u.code: u for u in UNITS}, tasks={t.task_id: t for t in TASKS})


def _rows(unit: str, progress: dict[str, float], activities: int = 2, participants: int = 10, funds: float = 0.1):
    return [
        {"unit_code": unit, "task_id": t, "completion_pct": p, "activities": activities,
         "participants": participants, "funds_10k_yuan": funds, "issues": f"{t}的问题"}
        for t, p in progress.items()
    ]


def test_period_and_deadline() -> None:
    assert (OCT.start, OCT.end, OCT.label) == (date(2026, 10, 1), date(2026, 10, 31), "2026年10月")
    deadline = OCT.deadline
    assert deadline.isoformat() == "2026-11-05T17:00:00+08:00"
    monthly = get("monthly")
    assert monthly.previous_period(datetime(2026, 11, 5, 9, 0, tzinfo=CST), CAMPAIGN).key == "2026-10"
    assert monthly.previous_period(datetime(2026, 1, 5, 9, 0, tzinfo=CST), CAMPAIGN).key == "2025-12"


def test_considered_tasks_overlap_the_month() -> None:
    assert [t.task_id for t in considered_tasks(TASKS, OCT)] == ["T1", "T2", "T3"]


def test_elapsed_share_and_states() -> None:
    t1 = TASKS[0]  # 2026-01-01 … 2026-12-31
    share = elapsed_share(t1, OCT)
    assert share == (date(2026, 10, 31) - date(2026, 1, 1)).days / 364
    assert task_state(t1, share * 100 - 10, OCT, 10) == "on_track"  # exactly at the tolerance
    assert task_state(t1, share * 100 - 10.5, OCT, 10) == "lagging"
    assert task_state(t1, None, OCT, 10) == "unreported"
    assert task_state(t1, 100, OCT, 10) == "completed"
    t2 = TASKS[1]  # deadline 2026-10-15, inside October
    assert task_state(t2, 99, OCT, 10) == "overdue"
    assert task_state(t2, 100, OCT, 10) == "completed"
    ends_on_last_day = Task("X", "x", "p", "A01", (), date(2026, 10, 1), date(2026, 10, 31))
    assert task_state(ends_on_last_day, 99.9, OCT, 10) == "overdue"
    same_day = Task("Y", "y", "p", "A01", (), date(2026, 12, 1), date(2026, 12, 1))
    assert elapsed_share(same_day, OCT) == 1.0


OCT_SUBMISSIONS = [
    # A01: rejected first, accepted on time later: on time, later file used
    Submission("A01", "a.xlsx", ON_TIME - timedelta(days=1), False),
    Submission("A01", "a2.xlsx", ON_TIME, True, _rows("A01", {"T1": 20})),
    # B01: late, then a later correction replaces its data
    Submission("B01", "b.xlsx", LATE, True, _rows("B01", {"T2": 40, "T1": 90})),
    Submission("B01", "b2.xlsx", LATE + timedelta(hours=1), True, _rows("B01", {"T2": 60, "T1": 90}, funds=0.25)),
    # C01: only rejected files
    Submission("C01", "c.xlsx", ON_TIME, False),
    # D01 is not expected in October, but its data still counts in the totals
    Submission("D01", "d.xlsx", ON_TIME, True, _rows("D01", {"T4": 5})),
]


def test_report_states_and_totals() -> None:
    report = build_monthly_report(CAMPAIGN, REGISTRY, OCT, OCT_SUBMISSIONS)
    states = {u.code: u.state for u in report.units}
    assert states == {"A01": "on_time", "B01": "late", "C01": "rejected"}
    a01 = next(u for u in report.units if u.code == "A01")
    assert a01.file == "a2.xlsx"
    tasks = {t.task_id: t for t in report.tasks}
    assert tasks["T1"].progress == 20 and tasks["T1"].state == "lagging"  # lead A01's row, not B01's 90
    assert tasks["T2"].progress == 60 and tasks["T2"].state == "overdue"  # B01's latest file
    assert tasks["T3"].progress is None and tasks["T3"].state == "unreported"
    assert tasks["T2"].issues == "T2的问题"
    # used rows: A01 (1 row), B01's latest (2 rows), D01 (1 row)
    assert report.totals.activities == 8
    assert report.totals.participants == 40
    assert report.totals.funds_10k_yuan == 0.7  # 0.1 + 0.25 + 0.25 + 0.1, exact to the cent
    summary = report.summary()
    assert summary["rejected_units"] == ["C01"] and summary["missing_units"] == []
    assert summary["lagging_tasks"] == ["T1"] and summary["overdue_tasks"] == ["T2"]
    assert summary["unreported_tasks"] == ["T3"]
    projects = {p.project: p for p in report.projects}
    assert projects["创建进学校工程"].reported == 0 and projects["创建进学校工程"].average_progress is None
    assert projects["宣传教育工程"].average_progress == 20


def test_missing_unit_and_roundtrip() -> None:
    report = build_monthly_report(CAMPAIGN, REGISTRY, OCT, [])
    assert {u.state for u in report.units} == {"missing"}
    assert all(t.state == "unreported" for t in report.tasks)
    again = type(report).from_dict(report.to_dict())
    assert again == report
