"""The weekly rules on their own: milestones against their reverse schedule at a week's end, from reports
built by hand (no files, no database); every expected value worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from docgen.config import Campaign
from docgen.cycle import Inputs, Submission
from docgen.cycles.weekly.rules import build_weekly_report, events_of, number_prefix, requirements
from docgen.errors import WorkspaceError
from docgen.models import Registry

from .builders.weekly import MILESTONES, at
from .conftest import DEFAULT_CAMPAIGN, UNITS, parse_period

REGISTRY = Registry(units={u.code: u for u in UNITS}, tasks={})
REGISTER = [{"project_id": p, "project_name": n, "category": None, "investment_10k_yuan": None, "unit": u,
             "milestone_no": no, "milestone_name": m, "planned_date": d} for p, n, u, no, m, d in MILESTONES]


def row(project: str, no: int, done: bool = False, completed: date | None = None, **more: object) -> dict:
    return {"project_id": project, "milestone_no": no, "done": "是" if done else "否", "completed_on": completed,
            "progress": more.get("progress"), "issues": more.get("issues"),
            "needs_coordination": "是" if more.get("needs") else "否", "coordination": more.get("coordination")}


class Reports:
    """Accepted weekly reports as the ledger keeps them (events) and as the week's submissions."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.periods: list[str] = []
        self.submissions: dict[str, list[Submission]] = {}
        self.next_id = 1

    def add(self, week: str, unit: str, rows: list[dict], when: datetime, accepted: bool = True) -> None:
        source = self.next_id
        self.next_id += 1
        self.submissions.setdefault(week, []).append(
            Submission(unit=unit, file=f"{source}.xlsx", received_at=when, accepted=accepted,
                       rows=rows if accepted else [], kind="weekly_progress", id=source))
        if accepted:
            new = events_of(rows, source=str(source), at=when, unit=unit)
            self.events += new
            self.periods += [week] * len(new)

    def inputs(self, week: str, campaign: Campaign = DEFAULT_CAMPAIGN) -> Inputs:
        return Inputs(campaign, REGISTRY, parse_period("weekly", week), self.submissions.get(week, []),
                      self.events, self.periods, registers={"key_projects": REGISTER})


def sample_reports() -> Reports:
    """Two weeks of reports of four units (the tests below, and the template test's sample report)."""
    r = Reports()
    # W48 (11-23 … 11-29, due 11-30 12:00): A01 on time, B01 late, C01 and D01 missing
    r.add("2026-W48", "A01", [row("XM01", 1, True, date(2026, 11, 19)), row("XM01", 2, progress="施工中"),
                              row("XM01", 3)], at(11, 27))
    r.add("2026-W48", "B01", [row("XM02", 1), row("XM02", 2)], at(12, 1, 9))
    # W49 (11-30 … 12-6, due 12-7 12:00)
    r.add("2026-W49", "A01", [row("XM01", 2, issues="征地未完成", needs=True, coordination="请协调用地"),
                              row("XM01", 3), row("XM01", 1)], at(12, 4))  # XM01#1 now says 否: stays done
    r.add("2026-W49", "B01", [row("XM02", 1, True, date(2026, 12, 2)), row("XM02", 2)], at(12, 5))
    r.add("2026-W49", "D01", [row("XM04", 1, needs=True, coordination="资金未到位")], at(12, 3))
    r.add("2026-W49", "D01", [row("XM04", 1)], at(12, 5))  # the later file replaces the earlier
    r.add("2026-W49", "C01", [], at(12, 4), accepted=False)
    return r


@pytest.fixture
def reports() -> Reports:
    return sample_reports()


def test_week_48(reports: Reports) -> None:
    report = build_weekly_report(reports.inputs("2026-W48"))
    s = report.summary()
    assert s["done"] == ["XM01#1"] and s["finished"] == ["XM01#1"]
    # 11-29 − 11-26 = 3 days (XM03#1), 11-29 − 11-27 = 2 days (XM02#1); XM01#2 is due 12-04: not yet
    assert s["behind"] == {"XM03#1": 3, "XM02#1": 2}
    assert s["blocked"] == {}
    assert s["expected_units"] == ["A01", "B01", "C01", "D01"]
    assert (s["on_time_units"], s["late_units"], s["missing_units"]) == (["A01"], ["B01"], ["C01", "D01"])
    xm01 = next(m for m in report.milestones if m.key == "XM01#1")
    assert xm01.completed_on == date(2026, 11, 19) and xm01.state_label == "本周完成"


def test_week_49_reads_every_report_up_to_it(reports: Reports) -> None:
    report = build_weekly_report(reports.inputs("2026-W49"))
    s = report.summary()
    assert s["done"] == ["XM01#1", "XM02#1"]  # XM01#1 done in W48 stays done though W49's row says 否
    assert s["finished"] == ["XM02#1"]
    # 12-06 − 11-26 = 10, 12-06 − 12-03 = 3, 12-06 − 12-04 = 2
    assert s["behind"] == {"XM03#1": 10, "XM03#2": 3, "XM01#2": 2}
    assert [m.key for m in report.behind] == ["XM03#1", "XM03#2", "XM01#2"]
    assert s["behind_projects"] == ["XM03", "XM01"]
    assert s["blocked"] == {"XM01#2": "请协调用地"}  # D01's later file asks for none
    assert (s["on_time_units"], s["rejected_units"], s["missing_units"]) == (["A01", "B01", "D01"], ["C01"], [])
    xm01_2 = next(m for m in report.milestones if m.key == "XM01#2")
    assert (xm01_2.progress, xm01_2.issues) == ("施工中", "征地未完成")  # the latest progress given is kept


def test_a_later_week_does_not_change_an_earlier_one(reports: Reports) -> None:
    """W48 read after W49's reports came: W49's completion of XM02#1 does not count for W48."""
    assert build_weekly_report(reports.inputs("2026-W48")).summary()["behind"] == {"XM03#1": 3, "XM02#1": 2}


def test_expected_units_are_those_with_a_milestone_open_before_the_week() -> None:
    r = Reports()
    r.add("2026-W49", "D01", [row("XM04", 1, True, date(2026, 12, 1))], at(12, 2))
    assert "D01" in build_weekly_report(r.inputs("2026-W49")).summary()["expected_units"]
    assert "D01" not in build_weekly_report(r.inputs("2026-W50")).summary()["expected_units"]
    assert build_weekly_report(r.inputs("2026-W50")).summary()["missing_units"] == ["A01", "B01", "C01"]


def test_settings() -> None:
    assert number_prefix(DEFAULT_CAMPAIGN) == "创建办调〔{year}〕"
    own = Campaign.from_dict({"name": "创建", "secretariat": "创建办", "doc_number_prefix": "创建办〔2026〕",
                              "weekly": {"number_prefix": "调度〔{year}〕", "requirements": "按期完成"}})
    assert (number_prefix(own), requirements(own)) == ("调度〔{year}〕", ["按期完成"])
    wrong = Campaign.from_dict({"name": "创建", "secretariat": "创建办", "doc_number_prefix": "创建办〔2026〕",
                                "weekly": {"requirements": [1, 2]}})
    with pytest.raises(WorkspaceError, match="weekly.requirements"):
        requirements(wrong)


def test_weeks() -> None:
    w49 = parse_period("weekly", "2026-W49")
    assert (w49.start, w49.end, w49.label) == (date(2026, 11, 30), date(2026, 12, 6), "2026年第49周（11月30日—12月6日）")
    assert w49.deadline.isoformat() == "2026-12-07T12:00:00+08:00"
    assert parse_period("weekly", "2026-W01").label == "2026年第1周（2025年12月29日—1月4日）"
    for bad in ("2026-W54", "2025-W53", "2026-49", "2026-W00"):  # 2025 has 52 ISO weeks
        with pytest.raises(ValueError, match="2026-W49"):
            parse_period("weekly", bad)
    friday = Campaign.from_dict({"name": "创建", "secretariat": "创建办", "doc_number_prefix": "创建办〔2026〕",
                                 "deadlines": {"weekly": {"weekday": 5, "time": "17:30"}}})
    assert parse_period("weekly", "2026-W49", friday).deadline.isoformat() == "2026-12-11T17:30:00+08:00"
