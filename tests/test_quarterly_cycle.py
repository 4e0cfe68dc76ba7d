"""The quarterly inspection cycle end to end through the library and the CLI: two consecutive quarters of
real problem lists, rectification reports and recheck results in, the ledger, notices and workbook out."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from docgen.cli import main
from docgen.pipeline import ledger_view, run_cycle
from docgen.resources import set_drop_time

from .builders import CST
from .builders.tables import write_table
from .test_intake import docx_text

PROBLEM_HEADERS = ["问题编号", "单位代码", "问题类型", "问题描述", "整改要求", "整改时限", "督查日期", "督查组"]
REPORT_HEADERS = ["问题编号", "整改措施", "整改状态", "完成日期", "佐证材料"]
RECHECK_HEADERS = ["问题编号", "复查结论", "复查日期", "复查人"]
UNIT_NAMES = {"A01": "青禾镇人民政府", "B01": "市民族宗教事务局", "C01": "青禾市第一中学", "D01": "青禾乳业有限公司"}


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=CST)


def problem(pid: str, unit: str, kind: str, deadline: str, filed: str, text: str = "") -> list[object]:
    return [pid, unit, kind, text or f"{kind}方面存在不足（{pid}）", f"限期整改{pid}", deadline, filed, "第一督查组"]


def put(root: Path, period: str, folder: str, name: str, headers: list[str], rows: list[list[object]],
        when: datetime, **table: object) -> Path:
    """Drop a file into ``intake/quarterly/<period>/<folder>/`` as its submitter would, at ``when``."""
    path = root / "intake" / "quarterly" / period / folder / name
    write_table(path, headers, rows, **table)  # type: ignore[arg-type]
    set_drop_time(path, when)
    return path


def first_quarter(root: Path) -> None:
    """2026-Q1 (cut-off 2026-04-10 17:00): four problems filed; A01 on time (P1 done and rechecked, P2 under
    way); B01's report (P3 done) and the recheck that fails it come after the cut-off, so they count in Q2;
    C01 never reports."""
    put(root, "2026-Q1", "_inspection", "一季度问题清单.xlsx", PROBLEM_HEADERS, [
        problem("P1", "A01", "宣传教育", "2026年3月31日", "2026年3月10日"),
        problem("P2", "A01", "档案资料", "2026-06-30", "2026-03-10"),
        problem("P3", "B01", "阵地建设", "2026/3/15", "2026-03-10"),
        problem("P4", "C01", "工作机制", "2026-05-31", "2026-03-11", "{{ 7*7 }}<b>&"),
    ], at(3, 20), title="2026年第一季度督查问题清单")
    put(root, "2026-Q1", "A01", "整改情况.xlsx", REPORT_HEADERS, [
        ["P1", "补齐宣传栏", "已完成", "2026-03-28", "照片3张"],
        ["P2", "整理档案", "整改中", None, None],
    ], at(4, 8))
    put(root, "2026-Q1", "_recheck", "复查结果（一）.xlsx", RECHECK_HEADERS, [["P1", "通过", "2026-04-09", "王五"]], at(4, 9))
    put(root, "2026-Q1", "B01", "整改报告.csv", REPORT_HEADERS, [["P3", "新建活动室", "已完成", "2026-04-11", ""]],
        at(4, 12), encoding="gbk")
    put(root, "2026-Q1", "_recheck", "复查结果（二）.xlsx", RECHECK_HEADERS, [["P3", "不通过", "2026-04-13", "王五"]],
        at(4, 13))


def second_quarter(root: Path) -> None:
    """2026-Q2: P5 filed for D01 (who never reports); A01 and B01 finish and pass; C01's report is about
    A01's problem, so it is rejected whole."""
    put(root, "2026-Q2", "_inspection", "二季度问题清单.xlsx", PROBLEM_HEADERS, [
        problem("P5", "D01", "宣传教育", "2026-06-20", "2026-06-01"),
    ], at(6, 5))
    put(root, "2026-Q2", "A01", "整改情况.xlsx", REPORT_HEADERS, [["P2", "档案已整理", "已完成", "2026-06-15", "目录"]],
        at(7, 5))
    put(root, "2026-Q2", "B01", "整改情况.xlsx", REPORT_HEADERS, [["P3", "活动室启用", "已完成", "2026-06-20", ""]],
        at(7, 6))
    put(root, "2026-Q2", "C01", "整改情况.xlsx", REPORT_HEADERS, [["P1", "已整改", "已完成", "2026-06-20", ""]],
        at(7, 6, 11))
    put(root, "2026-Q2", "_recheck", "复查结果.xlsx", RECHECK_HEADERS, [
        ["P2", "通过", "2026-07-08", "王五"], ["P3", "通过", "2026-07-08", "王五"],
    ], at(7, 8))


def summary_of(root: Path, period: str) -> dict:
    return json.loads((root / "outbox" / "quarterly" / period / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture
def two_quarters(workspace: Path) -> Path:
    first_quarter(workspace)
    run_cycle(workspace, "quarterly", "2026-Q1", today=date(2026, 4, 11))
    second_quarter(workspace)
    run_cycle(workspace, "quarterly", "2026-Q2", today=date(2026, 7, 11))
    return workspace


def test_first_quarter_ledger_and_statuses(two_quarters: Path) -> None:
    s = summary_of(two_quarters, "2026-Q1")
    assert s["filed"] == ["P1", "P2", "P3", "P4"]
    assert s["closed"] == ["P1"]
    assert (s["open"], s["rectifying"], s["awaiting_recheck"]) == (["P3", "P4"], ["P2"], [])
    assert s["overdue"] == ["P3"]  # due 3/15, not closed at the 4/10 cut-off; P1 was due 3/31 but closed
    assert s["units_with_open_items"] == ["A01", "B01", "C01"]
    assert s["expected_units"] == ["A01", "B01", "C01"]
    assert (s["on_time_units"], s["late_units"], s["rejected_units"], s["missing_units"]) == (
        ["A01"], [], [], ["B01", "C01"])  # B01's file came on 4/12, after the cut-off
    assert (s["cutoff"], s["issue_date"]) == ("2026-04-10T17:00:00+08:00", "2026-04-11")


def test_second_quarter_carries_over_and_closes(two_quarters: Path) -> None:
    s = summary_of(two_quarters, "2026-Q2")
    assert s["filed"] == ["P5"]
    assert s["closed"] == ["P2", "P3"]
    assert (s["open"], s["rectifying"], s["awaiting_recheck"]) == (["P4", "P5"], [], [])
    assert s["overdue"] == ["P4", "P5"]
    assert s["units_with_open_items"] == ["C01", "D01"]
    assert s["expected_units"] == ["A01", "B01", "C01", "D01"]  # A01, B01, C01 carried over; D01 filed
    assert (s["on_time_units"], s["late_units"], s["rejected_units"], s["missing_units"]) == (
        ["A01", "B01"], [], ["C01"], ["D01"])


def test_every_document_has_its_own_stable_issuing_number(two_quarters: Path) -> None:
    q1 = two_quarters / "outbox/quarterly/2026-Q1"
    q2 = two_quarters / "outbox/quarterly/2026-Q2"
    assert summary_of(two_quarters, "2026-Q1")["doc_number"] == "创建办〔2026〕1号"
    assert summary_of(two_quarters, "2026-Q1")["rectification_numbers"] == {
        "A01": "创建办〔2026〕2号", "B01": "创建办〔2026〕3号", "C01": "创建办〔2026〕4号"}
    assert summary_of(two_quarters, "2026-Q2")["doc_number"] == "创建办〔2026〕5号"
    assert summary_of(two_quarters, "2026-Q2")["rectification_numbers"] == {
        "C01": "创建办〔2026〕6号", "D01": "创建办〔2026〕7号"}
    names = sorted(p.name for p in q1.iterdir() if p.is_file())
    assert names == sorted([
        "2026年第一季度督查通报（创建办〔2026〕1号）.docx", "整改台账.xlsx", "summary.json",
        *(f"整改通知书_{UNIT_NAMES[u]}（创建办〔2026〕{n}号）.docx" for u, n in (("A01", 2), ("B01", 3), ("C01", 4))),
    ])
    before = summary_of(two_quarters, "2026-Q1")
    again = run_cycle(two_quarters, "quarterly", "2026-Q1")  # after Q2's files: Q1 reads the same
    assert summary_of(two_quarters, "2026-Q1") == before
    assert again.report.doc_number == "创建办〔2026〕1号"
    assert (q1 / "versions" / "v1" / "summary.json").is_file()
    assert sorted(p.name for p in q2.iterdir() if p.suffix == ".docx")[0].startswith("2026年第二季度督查通报")


def test_rerun_adds_no_event_twice(two_quarters: Path) -> None:
    before = ledger_view(two_quarters, "quarterly", item="P3")
    run_cycle(two_quarters, "quarterly", "2026-Q2")
    run_cycle(two_quarters, "quarterly", "2026-Q1")
    after = ledger_view(two_quarters, "quarterly", item="P3")
    assert after.rows == before.rows
    assert [r[1] for r in after.rows] == ["督查挂号", "单位报送整改情况", "复查不通过", "单位报送整改情况", "复查通过"]
    assert [(r[2], r[3]) for r in after.rows] == [
        ("", "挂号"), ("挂号", "已整改待复查"), ("已整改待复查", "挂号"), ("挂号", "已整改待复查"), ("已整改待复查", "销号"),
    ]
    assert [r[5] for r in after.rows] == [
        "一季度问题清单.xlsx", "整改报告.csv", "复查结果（二）.xlsx", "整改情况.xlsx", "复查结果.xlsx"]
    assert [r[6] for r in after.rows] == ["2026-Q1", "2026-Q1", "2026-Q1", "2026-Q2", "2026-Q2"]


def test_inspection_notice_names_what_a_secretariat_acts_on(two_quarters: Path) -> None:
    (notice,) = (two_quarters / "outbox/quarterly/2026-Q1").glob("*督查通报*.docx")
    text = docx_text(notice)
    assert "创建办〔2026〕1号" in text
    assert "2026年第一季度" in text
    assert "P3" in text and "市民族宗教事务局" in text  # overdue, and its recheck failed
    assert "青禾市第一中学" in text  # did not report
    assert "{{ 7*7 }}<b>&" in text  # a unit's text comes out literally


def test_rectification_notice_lists_the_units_open_items(two_quarters: Path) -> None:
    q2 = two_quarters / "outbox/quarterly/2026-Q2"
    (c01,) = q2.glob("整改通知书_青禾市第一中学*.docx")
    text = docx_text(c01)
    assert "青禾市第一中学" in text and "创建办〔2026〕6号" in text
    assert "P4" in text and "P5" not in text and "P1" not in text
    assert "挂号" in text
    (b01,) = (two_quarters / "outbox/quarterly/2026-Q1").glob("整改通知书_市民族宗教事务局*.docx")
    assert "P3" in docx_text(b01) and "已逾期" in docx_text(b01)
    assert "复查未通过1次" not in docx_text(b01)  # its recheck failed on 4/13, after Q1's cut-off
    assert not list(q2.glob("整改通知书_青禾镇人民政府*"))  # A01 has nothing open after Q2


def test_ledger_workbook(two_quarters: Path) -> None:
    book = openpyxl.load_workbook(two_quarters / "outbox/quarterly/2026-Q2/整改台账.xlsx")
    assert book.sheetnames[:2] == ["台账", "历史"]
    ledger = book["台账"]
    assert ledger["A1"].value == "2026年第二季度整改台账"  # the title above the header
    header = [c.value for c in ledger[2]]
    assert header == ["问题编号", "单位", "问题类型", "问题描述", "整改要求", "整改时限", "当前状态", "是否逾期",
                      "复查不通过次数", "最近变更", "来源"]
    rows = {r[0]: r for r in ledger.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {"P1", "P2", "P3", "P4", "P5"}
    assert (rows["P3"][1], rows["P3"][6], rows["P3"][8]) == ("市民族宗教事务局", "销号", 1)
    assert (rows["P4"][6], rows["P4"][7]) == ("挂号", "是")
    assert rows["P4"][3] == "{{ 7*7 }}<b>&"
    assert ledger.auto_filter.ref and ledger.freeze_panes == "A3"
    history = list(book["历史"].iter_rows(min_row=3, values_only=True))
    assert len(history) == 4 + 3 + 2 + 1 + 2 + 2  # filed, reported, rechecked (Q1); filed, reported, rechecked (Q2)


def test_cli_run_status_and_ledger(workspace: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the tables' full width, as in a wide terminal
    first_quarter(workspace)
    assert main(["run", "quarterly", "--root", str(workspace), "--period", "2026-Q1"]) == 0
    out = capsys.readouterr().out
    assert "督查通报" in out and "创建办〔2026〕1号" in out
    assert main(["status", "--root", str(workspace), "--cycle", "quarterly", "--period", "2026-Q1"]) == 0
    out = capsys.readouterr().out
    assert "青禾市第一中学" in out and "未报送" in out
    assert main(["ledger", "--root", str(workspace), "--open"]) == 0
    out = capsys.readouterr().out
    assert "P2" in out and "P3" in out and "P1" not in out.split("问题 ")[1]
    assert main(["ledger", "--root", str(workspace), "--unit", "A01"]) == 0
    out = capsys.readouterr().out
    assert "P1" in out and "P2" in out and "P3" not in out
    assert main(["ledger", "--root", str(workspace), "--item", "P3"]) == 0
    assert "复查不通过" in capsys.readouterr().out
    assert main(["ledger", "--root", str(workspace), "--item", "NOPE"]) == 2
    assert "NOPE" in capsys.readouterr().err


# ---------------------------------------------------------------- bad input: a receipt, and the ledger unchanged


def receipt_of(root: Path, period: str, folder: str, name: str) -> dict:
    (found,) = (root / "receipts" / "quarterly" / period / folder).glob(f"*{name}.回执.json")
    return json.loads(found.read_text(encoding="utf-8"))


def events_count(root: Path) -> int:
    from docgen.workspace import Workspace

    return len(Workspace(root).state.events("quarterly"))


@pytest.fixture
def filed(workspace: Path) -> Path:
    """Q1's problem list applied (P1..P4 filed), nothing else."""
    put(workspace, "2026-Q1", "_inspection", "一季度问题清单.xlsx", PROBLEM_HEADERS, [
        problem("P1", "A01", "宣传教育", "2026-03-31", "2026-03-10"),
        problem("P2", "A01", "档案资料", "2026-06-30", "2026-03-10"),
        problem("P3", "B01", "阵地建设", "2026-03-15", "2026-03-10"),
    ], at(3, 20))
    run_cycle(workspace, "quarterly", "2026-Q1")
    return workspace


def refused(root: Path, folder: str, name: str, headers: list[str], rows: list[list[object]], when: datetime
            ) -> dict:
    """Drop one file, run the quarter, and return its receipt; the ledger must not have changed."""
    before = events_count(root)
    put(root, "2026-Q1", folder, name, headers, rows, when)
    run_cycle(root, "quarterly", "2026-Q1")
    assert events_count(root) == before
    receipt = receipt_of(root, "2026-Q1", folder, name)
    assert receipt["accepted"] is False and receipt["file"] == name
    assert (root / "intake" / "quarterly" / "2026-Q1" / folder / name).is_file()  # the original stays
    return receipt


def test_a_report_on_a_problem_that_does_not_exist(filed: Path) -> None:
    r = refused(filed, "A01", "报告.xlsx", REPORT_HEADERS,
                [["P1", "已整改", "已完成", "2026-03-28", ""], ["P9", "x", "整改中", None, None]], at(4, 1))
    (e,) = r["errors"]
    assert (e["row"], e["column"], e["value"]) == (3, "问题编号", "P9") and "不在整改台账中" in e["message"]
    assert r["unit_name"] == "青禾镇人民政府"


def test_a_report_on_another_units_problem(filed: Path) -> None:
    r = refused(filed, "B01", "报告.xlsx", REPORT_HEADERS, [["P1", "已整改", "已完成", "2026-03-28", ""]], at(4, 1))
    (e,) = r["errors"]
    assert (e["row"], e["column"]) == (2, "问题编号") and "不是本单位" in e["message"]


def test_a_recheck_of_an_item_not_reported_done(filed: Path) -> None:
    r = refused(filed, "_recheck", "复查.xlsx", RECHECK_HEADERS, [["P2", "通过", "2026-04-02", "王五"]], at(4, 2))
    (e,) = r["errors"]
    assert (e["row"], e["column"]) == (2, "复查结论") and "尚未报告整改完成" in e["message"]
    assert r["unit_name"] == "创建办"  # addressed to the role


def test_a_problem_list_reusing_an_id_with_other_content(filed: Path) -> None:
    r = refused(filed, "_inspection", "补充清单.xlsx", PROBLEM_HEADERS,
                [problem("P1", "C01", "工作机制", "2026-05-31", "2026-03-12")], at(3, 25))
    (e,) = r["errors"]
    assert (e["row"], e["column"], e["value"]) == (2, "问题编号", "P1") and "已在台账中挂号" in e["message"]
    assert r["unit_name"] == "督查组"


def test_a_completion_date_before_the_problem_was_filed(filed: Path) -> None:
    r = refused(filed, "A01", "报告.xlsx", REPORT_HEADERS, [["P1", "已整改", "已完成", "2026-03-01", ""]], at(4, 1))
    (e,) = r["errors"]
    assert (e["row"], e["column"]) == (2, "完成日期") and "不能早于" in e["message"]


def test_unknown_status_and_verdict(filed: Path) -> None:
    r = refused(filed, "A01", "报告.xlsx", REPORT_HEADERS, [["P1", "已整改", "基本完成", None, ""]], at(4, 1))
    assert any(e["column"] == "整改状态" and e["row"] == 2 for e in r["errors"])
    r = refused(filed, "_recheck", "复查.xlsx", RECHECK_HEADERS, [["P1", "基本通过", "2026-04-02", "王五"]], at(4, 2))
    assert any(e["column"] == "复查结论" and e["row"] == 2 for e in r["errors"])


def test_a_file_of_another_kind_in_a_folder_says_where_it_belongs(filed: Path) -> None:
    """What the file is and who sends it, in words: no folder's path."""
    r = refused(filed, "A01", "问题清单.xlsx", PROBLEM_HEADERS, [problem("P8", "A01", "宣传教育", "2026-05-31", "2026-03-12")],
                at(4, 1))
    (e,) = r["errors"]
    assert e["message"] == "这是一份问题清单，应由督查组报送；这里只接收整改情况报送表。请按问题清单的报送方式重新报送"
    r = refused(filed, "_recheck", "整改.xlsx", REPORT_HEADERS, [["P1", "已整改", "已完成", "2026-03-28", ""]], at(4, 1))
    (e,) = r["errors"]
    assert e["message"] == ("这是一份整改情况报送表，应由成员单位报送；这里只接收复查结果。"
                            "请按整改情况报送表的报送方式重新报送")


def test_an_unknown_role_folder_is_refused_unread(filed: Path) -> None:
    r = refused(filed, "_misc", "清单.xlsx", PROBLEM_HEADERS, [problem("P8", "A01", "宣传教育", "2026-05-31", "2026-03-12")],
                at(4, 1))
    (e,) = r["errors"]
    assert "_inspection" in e["message"] and "_recheck" in e["message"]


def test_a_rejected_file_is_answered_and_a_fixed_one_then_applies(filed: Path) -> None:
    refused(filed, "A01", "报告.xlsx", REPORT_HEADERS, [["P9", "x", "整改中", None, None]], at(4, 1))
    put(filed, "2026-Q1", "A01", "报告（修改）.xlsx", REPORT_HEADERS, [["P1", "已整改", "已完成", "2026-03-28", ""]], at(4, 2))
    run_cycle(filed, "quarterly", "2026-Q1")
    assert receipt_of(filed, "2026-Q1", "A01", "报告（修改）.xlsx")["accepted"] is True
    assert summary_of(filed, "2026-Q1")["awaiting_recheck"] == ["P1"]
    assert date(2026, 4, 2)  # the corrected file counts from when it came


def test_an_accepted_report_names_the_units_items_it_left_out(filed: Path) -> None:
    put(filed, "2026-Q1", "A01", "报告.xlsx", REPORT_HEADERS, [["P1", "已整改", "已完成", "2026-03-28", ""]], at(4, 1))
    run_cycle(filed, "quarterly", "2026-Q1")
    receipt = receipt_of(filed, "2026-Q1", "A01", "报告.xlsx")
    assert receipt["accepted"] is True
    assert receipt["notes"] == ["本单位以下未销号问题本次未报送整改情况，请一并报送：P2（挂号）"]
