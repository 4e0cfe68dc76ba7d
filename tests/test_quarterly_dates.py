"""Dates that agree, through the quarterly cycle with real files: one cut-off per quarter, overdue only
before it, a late run (补发) that asks for no past date and demands nothing already closed.

Timeline (2026; the quarter's cut-off is its reporting deadline, 2026-07-10 17:00 for Q2, 2026-10-10
17:00 for Q3). Expected values below are worked out by hand from it.

    received      folder        file                 what it does
    06-05 10:00   Q2 _inspection problem list        P1 A01 due 07-10 (the cut-off's day), P2 A01 due 07-09,
                                                     P3 B01 due 06-30, P4 C01 due 09-30
    07-01 10:00   Q2 B01        report               P3 已完成
    07-02 10:00   Q2 C01        report               P4 已完成
    07-03 10:00   Q2 A01        report               P1 整改中, P2 整改中
    07-08 10:00   Q2 _recheck   recheck              P4 通过 (closed in Q2)
    07-20 10:00   Q2 _recheck   recheck (late)       P3 通过: after Q2's cut-off, so closed in Q3
    09-01 10:00   Q3 A01        report               P1 已完成
    09-10 10:00   Q3 _recheck   recheck              P1 通过 (closed in Q3)

Q2 is first run on 2026-11-20, after Q3's deadline too: a late issue (补发).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from docgen.pipeline import intake_step, receipts_step, run_cycle
from docgen.resources import set_drop_time

from .builders import CST
from .builders.tables import write_table
from .test_intake import docx_text

PROBLEM_HEADERS = ["问题编号", "单位代码", "问题类型", "问题描述", "整改要求", "整改时限", "督查日期", "督查组"]
REPORT_HEADERS = ["问题编号", "整改措施", "整改状态", "完成日期", "佐证材料"]
RECHECK_HEADERS = ["问题编号", "复查结论", "复查日期", "复查人"]
LATE_ISSUE = date(2026, 11, 20)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=CST)


def put(root: Path, period: str, folder: str, name: str, headers: list[str], rows: list[list[object]],
        when: datetime) -> None:
    path = root / "intake" / "quarterly" / period / folder / name
    write_table(path, headers, rows)
    set_drop_time(path, when)


def problem(pid: str, unit: str, deadline: str) -> list[object]:
    return [pid, unit, "宣传教育", f"宣传栏内容陈旧（{pid}）", f"更新宣传栏（{pid}）", deadline, "2026-06-01", "第一督查组"]


@pytest.fixture
def late_run(workspace: Path) -> Path:
    put(workspace, "2026-Q2", "_inspection", "二季度问题清单.xlsx", PROBLEM_HEADERS, [
        problem("P1", "A01", "2026-07-10"), problem("P2", "A01", "2026-07-09"),
        problem("P3", "B01", "2026-06-30"), problem("P4", "C01", "2026-09-30"),
    ], at(6, 5))
    put(workspace, "2026-Q2", "B01", "整改情况.xlsx", REPORT_HEADERS, [["P3", "已更新", "已完成", "2026-06-30", "照片"]],
        at(7, 1))
    put(workspace, "2026-Q2", "C01", "整改情况.xlsx", REPORT_HEADERS, [["P4", "已更新", "已完成", "2026-07-01", "照片"]],
        at(7, 2))
    put(workspace, "2026-Q2", "A01", "整改情况.xlsx", REPORT_HEADERS, [
        ["P1", "正在更新", "整改中", None, None], ["P2", "正在更新", "整改中", None, None],
    ], at(7, 3))
    put(workspace, "2026-Q2", "_recheck", "复查结果.xlsx", RECHECK_HEADERS, [["P4", "通过", "2026-07-08", "王五"]],
        at(7, 8))
    put(workspace, "2026-Q2", "_recheck", "复查结果（补）.xlsx", RECHECK_HEADERS, [["P3", "通过", "2026-07-20", "王五"]],
        at(7, 20))
    put(workspace, "2026-Q3", "A01", "三季度整改情况.xlsx", REPORT_HEADERS, [["P1", "已更新", "已完成", "2026-08-30", "照片"]],
        at(9, 1))
    put(workspace, "2026-Q3", "_recheck", "三季度复查结果.xlsx", RECHECK_HEADERS, [["P1", "通过", "2026-09-10", "王五"]],
        at(9, 10))
    for quarter in ("2026-Q2", "2026-Q3"):  # each file answered when dropped, as the intake service does
        intake_step(workspace, "quarterly", quarter)
        receipts_step(workspace, "quarterly", quarter)
    run_cycle(workspace, "quarterly", "2026-Q2", today=LATE_ISSUE)
    return workspace


def outbox(root: Path, period: str) -> Path:
    return root / "outbox" / "quarterly" / period


def summary(root: Path, period: str) -> dict:
    return json.loads((outbox(root, period) / "summary.json").read_text(encoding="utf-8"))


def only(folder: Path, pattern: str) -> str:
    (path,) = folder.glob(pattern)
    return docx_text(path)


CUTOFF_IN_TEXT = re.compile(r"截至(\d{4})年(\d{1,2})月(\d{1,2})日(\d{2}):(\d{2})")


def cutoffs_printed(text: str) -> list[str]:
    """Every “截至” of a text as an ISO time in Beijing time; one that is not followed by a full date and
    time fails the test."""
    assert text.count("截至") == len(CUTOFF_IN_TEXT.findall(text)), text
    return [f"{y}-{int(m):02d}-{int(d):02d}T{hh}:{mm}:00+08:00" for y, m, d, hh, mm in CUTOFF_IN_TEXT.findall(text)]


def test_the_quarter_is_counted_at_its_cut_off(late_run: Path) -> None:
    s = summary(late_run, "2026-Q2")
    assert s["cutoff"] == "2026-07-10T17:00:00+08:00"
    assert s["issue_date"] == "2026-11-20"
    assert s["closed"] == ["P4"]  # P3's recheck came on 07-20, after the cut-off
    assert (s["awaiting_recheck"], s["rectifying"], s["open"]) == (["P3"], ["P1", "P2"], [])
    # P2 due 07-09 is overdue; P1 due on the cut-off's day 07-10 is not; P3 due 06-30 was not closed by then
    assert s["overdue"] == ["P2", "P3"]
    assert s["units_with_open_items"] == ["A01", "B01"]


def test_a_recheck_after_the_cut_off_counts_in_the_next_quarter(late_run: Path) -> None:
    run_cycle(late_run, "quarterly", "2026-Q3", today=date(2026, 11, 20))
    s = summary(late_run, "2026-Q3")
    assert s["cutoff"] == "2026-10-10T17:00:00+08:00"
    assert s["closed"] == ["P1", "P3"]  # P3 by the 07-20 recheck dropped in Q2's folder, P1 by Q3's own
    assert (s["awaiting_recheck"], s["rectifying"], s["open"]) == ([], ["P2"], [])
    assert s["overdue"] == ["P2"]


def test_every_cut_off_printed_is_the_summarys(late_run: Path) -> None:
    folder = outbox(late_run, "2026-Q2")
    documents = sorted(folder.glob("*.docx"))
    assert len(documents) == 2  # the notice and A01's rectification notice
    for path in documents:
        printed = cutoffs_printed(docx_text(path))
        assert printed, path.name
        assert set(printed) == {"2026-07-10T17:00:00+08:00"} == {summary(late_run, "2026-Q2")["cutoff"]}, path.name


def test_the_overdue_section_names_only_items_due_before_the_cut_off(late_run: Path) -> None:
    text = only(outbox(late_run, "2026-Q2"), "*督查通报*.docx")
    overdue = text[text.index("二、逾期未整改问题"):text.index("三、复查未通过问题")]
    assert "以下2个问题已超过整改时限仍未销号" in overdue
    assert "P2" in overdue and "P3" in overdue and "P1" not in overdue
    assert "该问题已于2026年7月20日复查销号" in overdue  # P3, closed before the issue day: said so


def test_a_late_issue_says_so_and_keeps_the_quarters_cut_off(late_run: Path) -> None:
    notice = only(outbox(late_run, "2026-Q2"), "*督查通报*.docx")
    assert "本通报为补发，所列情况均截至2026年7月10日17:00。" in notice
    assert "2026年11月20日" in notice  # dated the day it is issued
    rectification = only(outbox(late_run, "2026-Q2"), "整改通知书_*.docx")
    assert rectification.startswith("本通知书为补发。") or "本通知书为补发。根据" in rectification


def test_a_late_rectification_notice_asks_for_no_past_date_and_no_closed_item(late_run: Path) -> None:
    s = summary(late_run, "2026-Q2")
    # B01's only item P3 was closed on 07-20, before the 11-20 issue: no notice; A01's P1 closed on 09-10
    assert list(s["rectification_numbers"]) == ["A01"]
    folder = outbox(late_run, "2026-Q2")
    assert not list(folder.glob("整改通知书_市民族宗教事务局*"))
    text = only(folder, "整改通知书_*.docx")
    table = text[text.index("问题编号"):]
    assert "P2" in table and "P1" not in table.split("请你单位")[0]
    assert "你单位尚有2个督查发现问题未整改销号，其中已超过整改时限1个。P1已于本通知书印发前复查销号，不再列入下表，其余1个问题仍须整改" in text
    # the report is due by the first quarterly deadline after the issue day: 10-10 has passed, so 2027-01-10
    asked = re.search(r"于(\d{4})年(\d{1,2})月(\d{1,2})日\d{2}:\d{2}（北京时间）前", text)
    assert asked is not None
    assert date(*map(int, asked.groups())) == date(2027, 1, 10)
    assert date(*map(int, asked.groups())) > LATE_ISSUE


def test_running_the_late_quarter_again_changes_nothing(late_run: Path) -> None:
    before = summary(late_run, "2026-Q2")
    run_cycle(late_run, "quarterly", "2026-Q2", today=date(2026, 12, 1))
    assert summary(late_run, "2026-Q2") == before  # same numbers, issuing numbers and issue date


def test_an_issue_before_the_next_deadline_is_no_late_issue(workspace: Path) -> None:
    put(workspace, "2026-Q2", "_inspection", "二季度问题清单.xlsx", PROBLEM_HEADERS, [problem("P1", "A01", "2026-07-10")],
        at(6, 5))
    run_cycle(workspace, "quarterly", "2026-Q2", today=date(2026, 7, 11))
    folder = outbox(workspace, "2026-Q2")
    assert "补发" not in only(folder, "*督查通报*.docx")
    text = only(folder, "整改通知书_*.docx")
    assert "补发" not in text
    assert "于2026年10月10日17:00（北京时间）前" in text  # the next quarter's deadline
    assert summary(workspace, "2026-Q2")["overdue"] == []  # P1 is due on the cut-off's very day
