"""The quarterly rules over two quarters: states at each quarter's end, carried-over items, a late file of
an earlier quarter, expected units and who reported.

Expected values are written out by hand from the timeline below, never computed by the module under test.

Timeline (events in the order applied). A quarter's cut-off is its reporting deadline (Q3: 2026-10-10
17:00, Q4: 2027-01-10 17:00, 2027-Q1: 2027-04-10 17:00); an event counts from its folder's quarter, or from
the first later quarter whose cut-off it was received by:

    src  received     folder    file                      what it does
    1    2026-09-05   2026-Q3   inspection                files P1 (A01, due 09-30), P2 (A01, due 12-31),
                                                          P3 (B01, due 09-20), P4 (C01, due 10-31)
    2    2026-09-20   2026-Q3   A01 report                P1 已完成 → awaiting; P2 整改中 → rectifying
    3    2026-09-22   2026-Q3   B01 report                P3 已完成 → awaiting
    4    2026-09-28   2026-Q3   recheck                   P1 不通过 → open (1 failure); P3 通过 → closed
    5    2026-11-10   2026-Q4   inspection                files P5 (D01, due 12-15), P6 (E01, due 2027-03-31)
    6    2026-12-01   2026-Q4   A01 report                P1, P2 已完成 → awaiting
    7    2026-12-20   2026-Q4   recheck                   P1 通过 → closed; P2 不通过 → open (1 failure)
    8    2027-01-12   2026-Q4   C01 report (late)         P4 整改中 → rectifying       (counts in 2027-Q1)
    9    2027-01-15   2026-Q3   C01 report (very late)    P4 已完成 → awaiting         (counts in 2027-Q1)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from docgen.config import Campaign
from docgen.cycle import Inputs, Submission
from docgen.cycles.quarterly.ledger import Event, apply_submission, fold
from docgen.cycles.quarterly.report import QuarterlyReport
from docgen.cycles.quarterly.rules import (
    DEFAULT_REQUIREMENTS,
    build_quarterly_report,
    fold_kept,
    requirements,
)
from docgen.models import Registry, Unit

from .builders import CST
from .conftest import parse_period

CAMPAIGN = Campaign.from_dict({"name": "测试", "secretariat": "创建办", "doc_number_prefix": "创建办〔{year}〕"})
REGISTRY = Registry(
    units={
        "A01": Unit("A01", "青禾镇人民政府", "乡镇街道"),
        "B01": Unit("B01", "市民族宗教事务局", "部门"),
        "C01": Unit("C01", "青禾市第一中学", "学校"),
        "D01": Unit("D01", "青禾乳业有限公司", "企业"),
        "E01": Unit("E01", "青禾社区居委会", "社区"),
    },
    tasks={},
)


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=CST)


def problem(pid: str, unit: str, deadline: date, filed: date) -> dict[str, Any]:
    """A row as the inspection_problems contract yields it."""
    return {
        "problem_id": pid, "unit_code": unit, "problem_type": "宣传教育", "description": f"{pid} 宣传栏内容陈旧",
        "requirement": "更新宣传栏内容", "deadline": deadline, "inspection_date": filed, "inspection_team": "第一督查组",
    }


def report(pid: str, status: str) -> dict[str, Any]:
    return {"problem_id": pid, "measures": "已落实", "status": status, "completion_date": None, "evidence": None}


def recheck(pid: str, verdict: str) -> dict[str, Any]:
    return {"problem_id": pid, "verdict": verdict, "recheck_date": date(2026, 9, 28), "rechecker": "张伟"}


# (source, quarter, kind, rows, received, unit, file name)
FILES: list[tuple[str, str, str, list[dict[str, Any]], datetime, str | None, str]] = [
    ("1", "2026-Q3", "inspection_problems", [
        problem("P1", "A01", date(2026, 9, 30), date(2026, 9, 1)),
        problem("P2", "A01", date(2026, 12, 31), date(2026, 9, 1)),
        problem("P3", "B01", date(2026, 9, 20), date(2026, 9, 2)),
        problem("P4", "C01", date(2026, 10, 31), date(2026, 9, 2)),
    ], at(2026, 9, 5), None, "三季度问题清单.xlsx"),
    ("2", "2026-Q3", "rectification_report", [report("P1", "已完成"), report("P2", "整改中")],
     at(2026, 9, 20), "A01", "A01整改情况.xlsx"),
    ("3", "2026-Q3", "rectification_report", [report("P3", "已完成")], at(2026, 9, 22), "B01", "B01整改情况.xlsx"),
    ("4", "2026-Q3", "recheck_results", [recheck("P1", "不通过"), recheck("P3", "通过")],
     at(2026, 9, 28), None, "三季度复查结果.xlsx"),
    ("5", "2026-Q4", "inspection_problems", [
        problem("P5", "D01", date(2026, 12, 15), date(2026, 11, 5)),
        problem("P6", "E01", date(2027, 3, 31), date(2026, 11, 5)),
    ], at(2026, 11, 10), None, "四季度问题清单.xlsx"),
    ("6", "2026-Q4", "rectification_report", [report("P1", "已完成"), report("P2", "已完成")],
     at(2026, 12, 1), "A01", "A01四季度整改情况.xlsx"),
    ("7", "2026-Q4", "recheck_results", [recheck("P1", "通过"), recheck("P2", "不通过")],
     at(2026, 12, 20), None, "四季度复查结果.xlsx"),
    ("8", "2026-Q4", "rectification_report", [report("P4", "整改中")], at(2027, 1, 12), "C01", "C01四季度整改.xlsx"),
    ("9", "2026-Q3", "rectification_report", [report("P4", "已完成")], at(2027, 1, 15), "C01", "C01三季度补报.xlsx"),
]
FILE_NAMES = {src: name for src, *_, name in FILES}


def ledger_log() -> tuple[list[Event], list[str]]:
    """Every file applied in order through the real ledger: the stored events and each one's quarter."""
    events: list[Event] = []
    periods: list[str] = []
    for src, quarter, kind, rows, received, unit, _ in FILES:
        new, problems = apply_submission(
            fold(events), kind, rows, src, received, unit=unit  # type: ignore[arg-type]
        )
        assert problems == [] and new
        events += new
        periods += [quarter] * len(new)
    return events, periods


def unit_report(unit: str, name: str, received: datetime, accepted: bool = True, sid: int = 0) -> Submission:
    return Submission(unit=unit, file=name, received_at=received, accepted=accepted,
                      kind="rectification_report", id=sid)


INSPECTION = Submission(unit="_inspection", file="问题清单.xlsx", received_at=at(2027, 2, 1), accepted=True,
                        kind="inspection_problems")
Q3_SUBMISSIONS = [
    INSPECTION,  # not a unit's file: never makes _inspection an expected or reporting unit
    unit_report("A01", "A01整改情况.xlsx", at(2026, 9, 20), sid=2),
    unit_report("B01", "B01整改情况.xlsx", at(2026, 9, 22), sid=3),
    unit_report("C01", "C01三季度补报.xlsx", at(2027, 1, 15), sid=9),
]
Q4_SUBMISSIONS = [
    INSPECTION,
    unit_report("A01", "A01四季度整改情况.xlsx", at(2026, 12, 1), sid=6),
    unit_report("C01", "C01四季度整改.xlsx", at(2027, 1, 12), sid=8),
    unit_report("D01", "D01整改情况.xlsx", at(2026, 12, 5), accepted=False),
]


def build(quarter: str, submissions: list[Submission]) -> QuarterlyReport:
    events, periods = ledger_log()
    return build_quarterly_report(Inputs(
        campaign=CAMPAIGN, registry=REGISTRY, period=parse_period("quarterly", quarter), submissions=submissions,
        events=[e.to_dict() for e in events], event_periods=periods, file_names=FILE_NAMES,
    ))


def item_rows(r: QuarterlyReport) -> list[tuple[Any, ...]]:
    return [
        (i.problem_id, i.unit_name, i.state, i.failed_rechecks, i.last_change, i.overdue,
         i.filed_in_quarter, i.closed_in_quarter, i.failed_in_quarter, i.carried_over)
        for i in r.items
    ]


# ---------------------------------------------------------------- the third quarter, built again after the fourth


def test_the_strict_fold_cannot_rebuild_the_third_quarter() -> None:
    """Why the rules fold leniently: event 9 (Q3) starts from 整改中, which only event 8 (Q4) reached."""
    events, periods = ledger_log()
    q3 = [e for e, p in zip(events, periods, strict=True) if p == "2026-Q3"]
    with pytest.raises(ValueError):
        fold(q3)
    assert {pid: (s.state, s.failed_rechecks) for pid, s in fold_kept(q3).items()} == {
        "P1": ("open", 1), "P2": ("rectifying", 0), "P3": ("closed", 0), "P4": ("awaiting_recheck", 0),
    }


def test_third_quarter_items() -> None:
    r = build("2026-Q3", Q3_SUBMISSIONS)
    assert (r.period, r.period_label, r.period_end) == ("2026-Q3", "2026年第三季度", date(2026, 9, 30))
    assert r.deadline == at(2026, 10, 10, 17)
    # id, unit name, state, failures, last change, overdue, filed / closed / failed in quarter, carried over
    assert item_rows(r) == [
        ("P1", "青禾镇人民政府", "open", 1, at(2026, 9, 28), True, True, False, True, False),
        ("P2", "青禾镇人民政府", "rectifying", 0, at(2026, 9, 20), False, True, False, False, False),
        ("P3", "市民族宗教事务局", "closed", 0, at(2026, 9, 28), False, True, True, False, False),
        ("P4", "青禾市第一中学", "open", 0, at(2026, 9, 5), False, True, False, False, False),  # 9 is after 10-10
    ]
    assert r.cutoff == at(2026, 10, 10, 17)


def test_third_quarter_summary() -> None:
    s = build("2026-Q3", Q3_SUBMISSIONS).summary()
    assert s == {
        "period": "2026-Q3",
        "cutoff": "2026-10-10T17:00:00+08:00",
        "issue_date": None,
        "doc_number": "",
        "filed": ["P1", "P2", "P3", "P4"],
        "closed": ["P3"],
        "awaiting_recheck": [],
        "rectifying": ["P2"],
        "open": ["P1", "P4"],
        "overdue": ["P1"],
        "units_with_open_items": ["A01", "C01"],
        "expected_units": ["A01", "B01", "C01"],
        "on_time_units": ["A01", "B01"],
        "late_units": [],
        "rejected_units": [],
        "missing_units": ["C01"],  # its only Q3 file came on 2027-01-15, after the cut-off
        "rectification_numbers": {},
    }


def test_third_quarter_history_has_its_own_events_only() -> None:
    r = build("2026-Q3", Q3_SUBMISSIONS)
    shown = [(h.problem_id, h.unit, h.kind, h.from_state, h.to_state, h.value, h.file, h.period) for h in r.history]
    assert shown == [
        ("P1", "A01", "督查挂号", None, "open", "", "三季度问题清单.xlsx", "2026-Q3"),
        ("P2", "A01", "督查挂号", None, "open", "", "三季度问题清单.xlsx", "2026-Q3"),
        ("P3", "B01", "督查挂号", None, "open", "", "三季度问题清单.xlsx", "2026-Q3"),
        ("P4", "C01", "督查挂号", None, "open", "", "三季度问题清单.xlsx", "2026-Q3"),
        ("P1", "A01", "单位报送整改情况", "open", "awaiting_recheck", "已完成", "A01整改情况.xlsx", "2026-Q3"),
        ("P2", "A01", "单位报送整改情况", "open", "rectifying", "整改中", "A01整改情况.xlsx", "2026-Q3"),
        ("P3", "B01", "单位报送整改情况", "open", "awaiting_recheck", "已完成", "B01整改情况.xlsx", "2026-Q3"),
        ("P1", "A01", "复查不通过", "awaiting_recheck", "open", "不通过", "三季度复查结果.xlsx", "2026-Q3"),
        ("P3", "B01", "复查通过", "awaiting_recheck", "closed", "通过", "三季度复查结果.xlsx", "2026-Q3"),
    ]


# ---------------------------------------------------------------- the fourth quarter


def test_fourth_quarter_items() -> None:
    r = build("2026-Q4", Q4_SUBMISSIONS)
    assert (r.period, r.period_label, r.period_end) == ("2026-Q4", "2026年第四季度", date(2026, 12, 31))
    assert r.deadline == at(2027, 1, 10, 17)
    assert item_rows(r) == [
        ("P1", "青禾镇人民政府", "closed", 1, at(2026, 12, 20), False, False, True, False, True),
        ("P2", "青禾镇人民政府", "open", 1, at(2026, 12, 20), True, False, False, True, True),
        ("P3", "市民族宗教事务局", "closed", 0, at(2026, 9, 28), False, False, False, False, False),
        ("P4", "青禾市第一中学", "open", 0, at(2026, 9, 5), True, False, False, False, True),
        ("P5", "青禾乳业有限公司", "open", 0, at(2026, 11, 10), True, True, False, False, False),
        ("P6", "青禾社区居委会", "open", 0, at(2026, 11, 10), False, True, False, False, False),
    ]


def test_fourth_quarter_summary() -> None:
    s = build("2026-Q4", Q4_SUBMISSIONS).summary()
    assert s == {
        "period": "2026-Q4",
        "cutoff": "2027-01-10T17:00:00+08:00",
        "issue_date": None,
        "doc_number": "",
        "filed": ["P5", "P6"],
        "closed": ["P1"],
        "awaiting_recheck": [],
        "rectifying": [],
        "open": ["P2", "P4", "P5", "P6"],
        "overdue": ["P2", "P4", "P5"],
        "units_with_open_items": ["A01", "C01", "D01", "E01"],
        "expected_units": ["A01", "C01", "D01", "E01"],  # B01: its only item was closed in Q3
        "on_time_units": ["A01"],
        "late_units": [],
        "rejected_units": ["D01"],
        "missing_units": ["C01", "E01"],  # C01's file came on 2027-01-12, after the cut-off
        "rectification_numbers": {},
    }


def test_fourth_quarter_unit_statuses() -> None:
    r = build("2026-Q4", Q4_SUBMISSIONS)
    assert [(u.code, u.name, u.category, u.state, u.received_at, u.file) for u in r.units] == [
        ("A01", "青禾镇人民政府", "乡镇街道", "on_time", at(2026, 12, 1), "A01四季度整改情况.xlsx"),
        ("C01", "青禾市第一中学", "学校", "missing", None, None),
        ("D01", "青禾乳业有限公司", "企业", "rejected", at(2026, 12, 5), "D01整改情况.xlsx"),
        ("E01", "青禾社区居委会", "社区", "missing", None, None),
    ]


def test_fourth_quarter_history_is_every_event_so_far() -> None:
    r = build("2026-Q4", Q4_SUBMISSIONS)
    assert len(r.history) == 15  # events 1 to 7: 4 + 2 + 1 + 2 + 2 + 2 + 2
    assert [(h.problem_id, h.kind, h.period) for h in r.history[-3:]] == [
        ("P2", "单位报送整改情况", "2026-Q4"),
        ("P1", "复查通过", "2026-Q4"),
        ("P2", "复查不通过", "2026-Q4"),
    ]


def test_files_received_after_the_cut_off_count_in_the_next_quarter() -> None:
    """Events 8 (Q4's folder) and 9 (Q3's folder) were received after Q4's cut-off: 2027-Q1 counts them."""
    r = build("2027-Q1", [])
    assert r.cutoff == at(2027, 4, 10, 17)
    p4 = next(i for i in r.items if i.problem_id == "P4")
    assert (p4.state, p4.last_change, p4.carried_over, p4.overdue) == ("awaiting_recheck", at(2027, 1, 15), True, True)
    assert [(h.problem_id, h.value, h.file, h.period) for h in r.history[-2:]] == [
        ("P4", "整改中", "C01四季度整改.xlsx", "2026-Q4"),  # the folder it was dropped in
        ("P4", "已完成", "C01三季度补报.xlsx", "2026-Q3"),
    ]
    assert r.summary()["awaiting_recheck"] == ["P4"]


def test_a_carried_over_unit_is_expected_without_new_items() -> None:
    """A01 and C01 have no item filed in Q4 but items still open from Q3."""
    r = build("2026-Q4", [])
    assert [(u.code, u.state) for u in r.units] == [
        ("A01", "missing"), ("C01", "missing"), ("D01", "missing"), ("E01", "missing"),
    ]


def test_a_later_quarter_is_left_out() -> None:
    """Building Q3 never counts Q4's problems or states."""
    r = build("2026-Q3", [])
    assert [i.problem_id for i in r.items] == ["P1", "P2", "P3", "P4"]
    assert all(h.period == "2026-Q3" for h in r.history)


def test_a_quarter_without_events() -> None:
    r = build_quarterly_report(Inputs(campaign=CAMPAIGN, registry=REGISTRY,
                                      period=parse_period("quarterly", "2026-Q2"), submissions=[]))
    assert (r.items, r.history, r.units) == ([], [], [])
    assert r.requirements == list(DEFAULT_REQUIREMENTS)
    assert (r.campaign, r.secretariat, r.recipients, r.timezone) == ("测试", "创建办", "各成员单位", "Asia/Shanghai")


def test_events_and_periods_must_match() -> None:
    events, _ = ledger_log()
    with pytest.raises(ValueError):
        build_quarterly_report(Inputs(campaign=CAMPAIGN, registry=REGISTRY,
                                      period=parse_period("quarterly", "2026-Q4"), submissions=[],
                                      events=[e.to_dict() for e in events], event_periods=["2026-Q3"]))


# ---------------------------------------------------------------- requirements and the JSON round trip


def test_requirements_default_and_configured() -> None:
    assert len(DEFAULT_REQUIREMENTS) == 3
    assert requirements(CAMPAIGN) == list(DEFAULT_REQUIREMENTS)
    base = {"name": "测试", "secretariat": "创建办", "doc_number_prefix": "创建办〔2026〕"}
    configured = Campaign.from_dict({**base, "quarterly": {"requirements": ["要求一", "要求二"]}})
    assert requirements(configured) == ["要求一", "要求二"]
    unset = Campaign.from_dict({**base, "quarterly": None})
    assert requirements(unset) == list(DEFAULT_REQUIREMENTS)


@pytest.mark.parametrize("quarter", ["2026-Q3", "2026-Q4"])
def test_report_round_trips_through_json(quarter: str) -> None:
    r = build(quarter, Q4_SUBMISSIONS)
    assert QuarterlyReport.from_dict(r.to_dict()) == r


# ---------------------------------------------------------------- items another cycle files in the same ledger


def shared_log() -> tuple[list[dict[str, Any]], list[str]]:
    """The quarterly log, then an ad-hoc inspection's items filed from its own period (not a quarter):
    S1 received 2026-11-20 (in Q4), S2 on 2027-01-05 (after Q4's end, before its cut-off 2027-01-10 17:00),
    S3 on 2027-01-12 (after Q4's cut-off), and S1 reported 已完成 on 2026-11-25 from the same period."""
    events, periods = ledger_log()
    for src, rows, received, unit in [
        ("s1", [problem("2026-ZX01-01", "A01", date(2026, 11, 30), date(2026, 11, 3))], at(2026, 11, 20), None),
        ("s2", [problem("2026-ZX01-02", "B01", date(2027, 1, 31), date(2026, 12, 28))], at(2027, 1, 5), None),
        ("s3", [problem("2026-ZX01-03", "E01", date(2027, 2, 28), date(2027, 1, 8))], at(2027, 1, 12), None),
        ("s4", [report("2026-ZX01-01", "已完成")], at(2026, 11, 25), "A01"),
    ]:
        kind = "rectification_report" if unit else "inspection_problems"
        new, problems = apply_submission(fold(events), kind, rows, src, received, unit=unit,
                                         origin="背街小巷专项督查")
        assert problems == [] and new
        events += new
        periods += ["2026-ZX01"] * len(new)
    return [e.to_dict() for e in events], periods


def shared_build(quarter: str) -> QuarterlyReport:
    events, periods = shared_log()
    return build_quarterly_report(Inputs(
        campaign=CAMPAIGN, registry=REGISTRY, period=parse_period("quarterly", quarter), submissions=[],
        events=events, event_periods=periods, file_names=FILE_NAMES,
    ))


def test_items_filed_from_another_period_count_in_the_quarter_received() -> None:
    q3, q4, q1 = shared_build("2026-Q3"), shared_build("2026-Q4"), shared_build("2027-Q1")
    assert [i.problem_id for i in q3.items] == ["P1", "P2", "P3", "P4"]
    assert [(i.problem_id, i.state, i.origin) for i in q4.items if i.problem_id.startswith("2026-ZX")] == [
        ("2026-ZX01-01", "awaiting_recheck", "背街小巷专项督查"),
        ("2026-ZX01-02", "open", "背街小巷专项督查"),  # received before Q4's cut-off: Q4 counts it
    ]
    assert {"2026-ZX01-01", "2026-ZX01-02"} <= set(q4.summary()["filed"])
    assert "2026-ZX01-03" not in q4.summary()["filed"]
    assert "2026-ZX01-03" in q1.summary()["filed"]
    assert [(h.problem_id, h.period) for h in q4.history if h.problem_id == "2026-ZX01-01"] == [
        ("2026-ZX01-01", "2026-ZX01"), ("2026-ZX01-01", "2026-ZX01"),
    ]
    assert [i.origin for i in q4.items if i.problem_id == "P5"] == [""]


def test_a_quarterly_item_is_stored_without_an_origin() -> None:
    """Events stored before the ledger was shared and those stored after read the same."""
    events, _ = ledger_log()
    assert "origin" not in events[0].to_dict()["item"]
    shared, _ = shared_log()
    assert shared[-4]["item"]["origin"] == "背街小巷专项督查"


def test_the_ledger_view_tells_each_item_s_source() -> None:
    from docgen.cycles.quarterly.rules import ledger_view

    events, periods = shared_log()
    view = ledger_view(Inputs(campaign=CAMPAIGN, registry=REGISTRY, period=parse_period("quarterly", "2026-Q4"),
                              submissions=[], events=events, event_periods=periods, file_names=FILE_NAMES))
    assert view.headers[-1] == "来源"
    sources = {row[0]: row[-1] for row in view.rows}
    assert (sources["P1"], sources["2026-ZX01-03"]) == ("季度督查", "背街小巷专项督查")
