"""The ledger: every transition, every refusal, idempotence, and items carried over two quarters.

Expected states and messages are written out literally, not computed by the module's own tables.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from docgen.cycles.quarterly.ledger import (
    ITEM_STATE_LABELS,
    Event,
    Item,
    TransitionRefused,
    apply_submission,
    event_kind,
    fold,
    is_overdue,
    transition,
)
from docgen.models import Problem

from .builders import CST


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=CST)


def problem(pid: str, unit: str, deadline: date, filed: date = date(2026, 9, 1), **over: object) -> dict:
    """A row as the inspection_problems contract yields it."""
    return {
        "problem_id": pid,
        "unit_code": unit,
        "problem_type": "宣传教育",
        "description": f"{pid} 宣传栏内容陈旧",
        "requirement": "更新宣传栏内容",
        "deadline": deadline,
        "inspection_date": filed,
        "inspection_team": "第一督查组",
        **over,
    }


def report(pid: str, status: str, done: date | None = None) -> dict:
    return {"problem_id": pid, "measures": "已落实", "status": status, "completion_date": done, "evidence": None}


def recheck(pid: str, verdict: str) -> dict:
    return {"problem_id": pid, "verdict": verdict, "recheck_date": date(2026, 10, 9), "rechecker": "张伟"}


def states(ledger) -> dict[str, tuple[str, int]]:
    return {k: (s.state_label, s.failed_rechecks) for k, s in sorted(ledger.items())}


def apply_ok(events: list[Event], kind, rows, source, when, unit=None) -> list[Event]:
    """Apply one file that must be accepted; return the whole event log after it."""
    new, problems = apply_submission(fold(events), kind, rows, source, when, unit=unit)
    assert problems == []
    return [*events, *new]


# ---------------------------------------------------------------- transition


def test_state_labels() -> None:
    assert ITEM_STATE_LABELS == {"open": "挂号", "rectifying": "整改中", "awaiting_recheck": "已整改待复查",
                                 "closed": "销号"}


@pytest.mark.parametrize(
    ("state", "action", "value", "expected"),
    [
        (None, "filed", None, "open"),
        ("open", "reported", "未启动", "open"),
        ("open", "reported", "整改中", "rectifying"),
        ("open", "reported", "已完成", "awaiting_recheck"),
        ("rectifying", "reported", "整改中", "rectifying"),
        ("rectifying", "reported", "已完成", "awaiting_recheck"),
        ("awaiting_recheck", "reported", "已完成", "awaiting_recheck"),
        ("awaiting_recheck", "rechecked", "通过", "closed"),
        ("awaiting_recheck", "rechecked", "不通过", "open"),
    ],
)
def test_transitions(state, action, value, expected) -> None:
    assert transition(state, action, value) == expected


@pytest.mark.parametrize(
    ("state", "action", "value", "message"),
    [
        ("open", "filed", None, "该问题编号已挂号，不能重复挂号"),
        (None, "reported", "整改中", "问题编号不在整改台账中，请核对问题编号"),
        (None, "rechecked", "通过", "问题编号不在整改台账中，请核对问题编号"),
        ("open", "reported", "完成了", "整改状态只能填写：未启动、整改中、已完成"),
        ("rectifying", "reported", "未启动", "该问题当前为“整改中”，整改状态不能改报为“未启动”"),
        ("awaiting_recheck", "reported", "整改中", "该问题当前为“已整改待复查”，整改状态不能改报为“整改中”"),
        ("awaiting_recheck", "reported", "未启动", "该问题当前为“已整改待复查”，整改状态不能改报为“未启动”"),
        ("closed", "reported", "已完成", "该问题已销号，无需再报送整改情况"),
        ("awaiting_recheck", "rechecked", "合格", "复查结论只能填写：通过、不通过"),
        ("open", "rechecked", "通过", "该问题当前为“挂号”，单位尚未报告整改完成，不能复查"),
        ("rectifying", "rechecked", "不通过", "该问题当前为“整改中”，单位尚未报告整改完成，不能复查"),
        ("closed", "rechecked", "通过", "该问题已销号，不能再次复查"),
    ],
)
def test_refused_transitions(state, action, value, message) -> None:
    with pytest.raises(TransitionRefused) as refused:
        transition(state, action, value)
    assert str(refused.value) == message


def test_event_kinds() -> None:
    assert [event_kind("filed"), event_kind("reported", "整改中"), event_kind("rechecked", "通过"),
            event_kind("rechecked", "不通过")] == ["filed", "reported", "recheck_passed", "recheck_failed"]


# ---------------------------------------------------------------- two quarters through the ledger

Q3_PROBLEMS = [
    problem("DC-001", "A01", date(2026, 9, 30)),
    problem("DC-002", "A01", date(2026, 12, 31)),
    problem("DC-003", "B01", date(2026, 9, 20)),
    problem("DC-004", "B01", date(2026, 11, 30)),
]
Q4_PROBLEMS = [problem("DC-005", "C01", date(2027, 3, 31), filed=date(2026, 12, 1)), Q3_PROBLEMS[1]]
Q3_DEADLINE = at(10, 10, 17)
Q4_DEADLINE = at(1, 10, 17, year=2027)

# (kind, rows, source, received at, unit), in the order received
Q3_FILES = [
    ("inspection_problems", Q3_PROBLEMS, "2026-Q3/_inspection/问题清单.xlsx", at(9, 3), None),
    ("rectification_report", [report("DC-001", "已完成", date(2026, 9, 25)), report("DC-002", "整改中")],
     "2026-Q3/A01/整改情况报送表.xlsx", at(10, 8), "A01"),
    ("rectification_report", [report("DC-003", "已完成", date(2026, 9, 18)), report("DC-004", "未启动")],
     "2026-Q3/B01/整改情况报送表.csv", at(10, 8, 15), "B01"),
    ("recheck_results", [recheck("DC-001", "通过"), recheck("DC-003", "不通过")],
     "2026-Q3/_recheck/复查结果.xlsx", at(10, 9), None),
]
Q4_FILES = [
    ("inspection_problems", Q4_PROBLEMS, "2026-Q4/_inspection/问题清单.xlsx", at(12, 2), None),
    ("rectification_report", [report("DC-002", "整改中")], "2026-Q4/A01/整改情况报送表.xlsx", at(12, 20), "A01"),
    ("rectification_report", [report("DC-002", "已完成", date(2026, 12, 28))],
     "2026-Q4/A01/整改情况报送表(更正).xlsx", at(1, 6, year=2027), "A01"),
    ("rectification_report", [report("DC-003", "已完成", date(2026, 12, 20)), report("DC-004", "整改中")],
     "2026-Q4/B01/整改情况报送表.xlsx", at(1, 7, year=2027), "B01"),
    ("recheck_results", [recheck("DC-002", "通过"), recheck("DC-003", "不通过")],
     "2026-Q4/_recheck/复查结果.xlsx", at(1, 9, year=2027), None),
]


def run(files, events: list[Event] | None = None) -> list[Event]:
    events = list(events or [])
    for kind, rows, source, when, unit in files:
        events = apply_ok(events, kind, rows, source, when, unit)
    return events


def test_a_quarter_moves_every_item() -> None:
    events = run(Q3_FILES)
    assert states(fold(events)) == {
        "DC-001": ("销号", 0),
        "DC-002": ("整改中", 0),
        "DC-003": ("挂号", 1),
        "DC-004": ("挂号", 0),
    }


def test_the_state_at_any_moment_is_the_fold_up_to_it() -> None:
    events = run(Q3_FILES)
    assert states(fold(events, until=at(9, 30))) == {
        "DC-001": ("挂号", 0), "DC-002": ("挂号", 0), "DC-003": ("挂号", 0), "DC-004": ("挂号", 0),
    }
    assert states(fold(events, until=at(10, 8, 16))) == {
        "DC-001": ("已整改待复查", 0),
        "DC-002": ("整改中", 0),
        "DC-003": ("已整改待复查", 0),
        "DC-004": ("挂号", 0),
    }
    assert fold(events, until=at(9, 1)) == {}


def test_items_carry_over_to_the_next_quarter() -> None:
    q3 = run(Q3_FILES)
    events = run(Q4_FILES, q3)
    assert states(fold(events, until=Q3_DEADLINE)) == {
        "DC-001": ("销号", 0), "DC-002": ("整改中", 0), "DC-003": ("挂号", 1), "DC-004": ("挂号", 0),
    }
    ledger = fold(events)
    assert states(ledger) == {
        "DC-001": ("销号", 0),
        "DC-002": ("销号", 0),
        "DC-003": ("挂号", 2),
        "DC-004": ("整改中", 0),
        "DC-005": ("挂号", 0),
    }
    # the Q4 problem list repeats DC-002 unchanged: nothing filed again
    assert [e.kind for e in ledger["DC-002"].events] == ["filed", "reported", "reported", "reported",
                                                        "recheck_passed"]
    assert ledger["DC-002"].events[0].source == "2026-Q3/_inspection/问题清单.xlsx"


def test_history_of_an_item_that_failed_its_recheck_twice() -> None:
    ledger = fold(run(Q4_FILES, run(Q3_FILES)))
    history = [(e.kind, e.from_state, e.to_state, e.at, e.source) for e in ledger["DC-003"].events]
    assert history == [
        ("filed", None, "open", at(9, 3), "2026-Q3/_inspection/问题清单.xlsx"),
        ("reported", "open", "awaiting_recheck", at(10, 8, 15), "2026-Q3/B01/整改情况报送表.csv"),
        ("recheck_failed", "awaiting_recheck", "open", at(10, 9), "2026-Q3/_recheck/复查结果.xlsx"),
        ("reported", "open", "awaiting_recheck", at(1, 7, year=2027), "2026-Q4/B01/整改情况报送表.xlsx"),
        ("recheck_failed", "awaiting_recheck", "open", at(1, 9, year=2027), "2026-Q4/_recheck/复查结果.xlsx"),
    ]
    assert ledger["DC-003"].state == "open"
    assert ledger["DC-003"].failed_rechecks == 2
    assert ledger["DC-003"].last_change == at(1, 9, year=2027)


def test_a_report_that_changes_nothing_is_kept_but_is_no_change() -> None:
    ledger = fold(run(Q4_FILES[:2], run(Q3_FILES)))
    last = ledger["DC-002"].events[-1]
    assert (last.from_state, last.to_state, last.value) == ("rectifying", "rectifying", "整改中")
    assert ledger["DC-002"].last_change == at(10, 8)  # when it became 整改中 in Q3


def test_applying_the_quarters_again_adds_nothing() -> None:
    events = run(Q4_FILES, run(Q3_FILES))
    ledger = fold(events)
    for kind, rows, source, _when, unit in [*Q3_FILES, *Q4_FILES]:
        assert apply_submission(ledger, kind, rows, source, Q4_DEADLINE, unit=unit) == ([], [])
    assert run(Q3_FILES, run(Q3_FILES)) == run(Q3_FILES)


def test_a_same_problem_list_under_another_name_adds_nothing() -> None:
    events = run(Q3_FILES[:1])
    again = apply_submission(fold(events), "inspection_problems", Q3_PROBLEMS, "问题清单(副本).xlsx", at(9, 4))
    assert again == ([], [])


def test_overdue_at_the_quarters_cut_off() -> None:
    events = run(Q4_FILES, run(Q3_FILES))
    q3 = fold(events, until=Q3_DEADLINE)
    assert sorted(k for k, s in q3.items() if is_overdue(s.item, s, date(2026, 10, 10))) == ["DC-003"]
    q4 = fold(events, until=Q4_DEADLINE)
    assert sorted(k for k, s in q4.items() if is_overdue(s.item, s, date(2027, 1, 10))) == ["DC-003", "DC-004"]
    # due on the cut-off's day is not overdue yet, due the day before is; closed never is
    item = Item("X", "A01", "宣传教育", "描述", "要求", date(2026, 9, 30), date(2026, 9, 1), "第一督查组")
    status = fold([Event("X", None, "open", at(9, 1), "f", "filed", item=item)])["X"]
    assert is_overdue(item, status, date(2026, 9, 30)) is False
    assert is_overdue(item, status, date(2026, 10, 1)) is True


# ---------------------------------------------------------------- refusals of apply_submission


def test_report_on_unknown_or_another_units_item_is_refused_whole() -> None:
    ledger = fold(run(Q3_FILES[:1]))
    rows = [report("DC-001", "整改中"), report("DC-999", "整改中"), report("DC-003", "已完成", date(2026, 9, 10))]
    events, problems = apply_submission(ledger, "rectification_report", rows, "A01/整改情况报送表.xlsx", at(10, 8),
                                        unit="A01", excel_rows=[4, 5, 6])
    assert events == []  # the good first row is not applied: a rejected file changes nothing
    assert problems == [
        Problem(message="问题编号“DC-999”不在整改台账中，请照整改通知书核对问题编号", row=5, column="问题编号",
                value="DC-999"),
        Problem(message="问题“DC-003”不是本单位的问题，只能报送本单位的问题", row=6, column="问题编号",
                value="DC-003"),
    ]


def test_completion_before_the_inspection_is_refused() -> None:
    ledger = fold(run(Q3_FILES[:1]))
    rows = [report("DC-001", "已完成", date(2026, 8, 20))]
    events, problems = apply_submission(ledger, "rectification_report", rows, "f.xlsx", at(10, 8), unit="A01")
    assert events == []
    assert problems == [Problem(message="完成日期不能早于该问题的督查日期（2026年9月1日）", column="完成日期",
                                value="2026年8月20日")]


def test_report_moving_an_item_back_or_on_a_closed_item() -> None:
    ledger = fold(run(Q3_FILES))  # DC-001 closed, DC-002 整改中
    rows = [report("DC-001", "整改中"), report("DC-002", "未启动")]
    events, problems = apply_submission(ledger, "rectification_report", rows, "f.xlsx", at(12, 1), unit="A01",
                                        excel_rows=[3, 4])
    assert events == []
    assert [(p.row, p.column, p.value, p.message) for p in problems] == [
        (3, "整改状态", "整改中", "该问题已销号，无需再报送整改情况"),
        (4, "整改状态", "未启动", "该问题当前为“整改中”，整改状态不能改报为“未启动”"),
    ]


def test_recheck_of_an_item_not_awaiting_recheck() -> None:
    ledger = fold(run(Q3_FILES[:2]))  # DC-001 已整改待复查, DC-002 整改中, DC-003 挂号
    rows = [recheck("DC-001", "通过"), recheck("DC-002", "通过"), recheck("DC-003", "不通过")]
    events, problems = apply_submission(ledger, "recheck_results", rows, "复查结果.xlsx", at(10, 9),
                                        excel_rows=[3, 4, 5])
    assert events == []
    assert [(p.row, p.column, p.message) for p in problems] == [
        (4, "复查结论", "该问题当前为“整改中”，单位尚未报告整改完成，不能复查"),
        (5, "复查结论", "该问题当前为“挂号”，单位尚未报告整改完成，不能复查"),
    ]


def test_problem_list_reusing_an_id_with_other_content() -> None:
    ledger = fold(run(Q3_FILES[:1]))
    rows = [problem("DC-006", "C01", date(2026, 12, 31), filed=date(2026, 12, 1)),
            problem("DC-001", "A01", date(2026, 12, 31), filed=date(2026, 12, 1), description="另一个问题")]
    events, problems = apply_submission(ledger, "inspection_problems", rows, "Q4问题清单.xlsx", at(12, 2),
                                        excel_rows=[3, 4])
    assert events == []
    assert problems == [
        Problem(message="问题编号“DC-001”已在台账中挂号（2026年9月1日督查，单位 A01），内容与本表不同；"
                        "新问题请另行编号，已挂号的问题不能改动", row=4, column="问题编号", value="DC-001"),
    ]


# ---------------------------------------------------------------- the events as stored


def test_events_round_trip_through_json() -> None:
    events = run(Q3_FILES)
    assert [Event.from_dict(e.to_dict()) for e in events] == events


def test_fold_refuses_events_that_do_not_follow() -> None:
    item = Item("X", "A01", "宣传教育", "描述", "要求", date(2026, 9, 30), date(2026, 9, 1), "第一督查组")
    filed = Event("X", None, "open", at(9, 1), "f", "filed", item=item)
    with pytest.raises(ValueError, match="not in state"):
        fold([filed, Event("X", "awaiting_recheck", "closed", at(9, 2), "r", "recheck_passed", "通过")])
    with pytest.raises(ValueError, match="not in state"):
        fold([Event("Y", "open", "rectifying", at(9, 2), "r", "reported", "整改中")])
    with pytest.raises(ValueError, match="filed once"):
        fold([filed, filed])
