"""The quarterly contracts read real files as people save them, and refuse bad ones in plain Chinese."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from docgen.contracts import ValidationContext, load_contract
from docgen.cycles.quarterly.ledger import apply_submission, fold
from docgen.validation import validate_file

from .builders import CST
from .builders.tables import to_fullwidth, write_table

PROBLEM_HEADERS = ["问题编号", "单位代码", "问题类型", "问题描述", "整改要求", "整改时限", "督查日期", "督查组"]
REPORT_HEADERS = ["问题编号", "整改措施", "整改状态", "完成日期", "佐证材料"]
RECHECK_HEADERS = ["问题编号", "复查结论", "复查日期", "复查人"]
UNIT_CODES = {"A01", "B01", "C01"}


def _check(path: Path, contract: str, unit: str | None = None):
    return validate_file(path, load_contract(contract), ValidationContext(unit=unit, unit_codes=UNIT_CODES))


def _problem(pid: str = "DC-001", unit: str = "A01", deadline: object = "2026年9月30日",
             filed: object = "2026年9月1日") -> list[object]:
    return [pid, unit, "宣传教育", "宣传栏内容陈旧", "更新宣传栏内容", deadline, filed, "第一督查组"]


def test_problem_list_as_people_save_it(tmp_path: Path) -> None:
    rows = [
        _problem(),
        _problem(to_fullwidth("DC-002").replace("D", "Ｄ").replace("C", "Ｃ"), "B01",
                 "２０２６年１２月３１日", date(2026, 9, 2)),
        _problem("DC-003", " C01 ", "2026/11/5", 46265),  # 46265 is the Excel serial of 2026-08-31
    ]
    path = write_table(tmp_path / "问题清单.xlsx", PROBLEM_HEADERS, rows, title="2026年第三季度督查问题清单",
                       instructions="填表说明：每个问题一行，问题编号全市唯一", trailing_blank_rows=3,
                       extra_columns={"备注": ["", "复查时重点查看"]})
    result = _check(path, "inspection_problems")
    assert result.problems == []
    assert result.excel_rows == [4, 5, 6]
    assert [r["problem_id"] for r in result.rows] == ["DC-001", "DC-002", "DC-003"]
    assert [r["unit_code"] for r in result.rows] == ["A01", "B01", "C01"]
    assert [r["deadline"] for r in result.rows] == [date(2026, 9, 30), date(2026, 12, 31), date(2026, 11, 5)]
    assert [r["inspection_date"] for r in result.rows] == [date(2026, 9, 1), date(2026, 9, 2), date(2026, 8, 31)]
    assert result.rows[0]["inspection_team"] == "第一督查组"


def test_accepted_rows_are_what_the_ledger_files(tmp_path: Path) -> None:
    """The contract's field names are the ones the ledger reads: a real file goes straight into it."""
    path = write_table(tmp_path / "问题清单.xlsx", PROBLEM_HEADERS, [_problem(), _problem("DC-002", "B01")])
    result = _check(path, "inspection_problems")
    at = datetime(2026, 9, 3, 9, 0, tzinfo=CST)
    events, problems = apply_submission({}, "inspection_problems", result.rows, "问题清单.xlsx", at,
                                        excel_rows=result.excel_rows)
    assert problems == []
    ledger = fold(events)
    assert {k: (s.item.unit, s.state_label, s.item.deadline) for k, s in ledger.items()} == {
        "DC-001": ("A01", "挂号", date(2026, 9, 30)),
        "DC-002": ("B01", "挂号", date(2026, 9, 30)),
    }


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_rectification_report_csv_in_excel_encodings(tmp_path: Path, encoding: str) -> None:
    rows = [
        ["DC-001", "已更新宣传栏“石榴籽”专栏", "已完成", "2026年9月25日", "照片3张"],
        ["DC-002", "已制定方案", "整改中", "", ""],
        ["DC-004", "尚未开始", "未启动", None, None],
    ]
    path = write_table(tmp_path / "整改情况报送表.csv", REPORT_HEADERS, rows, title="整改情况报送表",
                       instructions="填表说明：本单位每个未销号问题一行", encoding=encoding)
    result = _check(path, "rectification_report", unit="A01")
    assert result.problems == []
    assert [(r["problem_id"], r["status"], r["completion_date"]) for r in result.rows] == [
        ("DC-001", "已完成", date(2026, 9, 25)),
        ("DC-002", "整改中", None),
        ("DC-004", "未启动", None),
    ]
    assert result.rows[0]["measures"] == "已更新宣传栏“石榴籽”专栏"


def test_recheck_results_gbk_csv(tmp_path: Path) -> None:
    rows = [["DC-001", "通过", "２０２６年１０月９日", "张伟"], ["DC-003", " 不通过 ", "2026-10-09", "张伟"]]
    path = write_table(tmp_path / "复查结果.csv", RECHECK_HEADERS, rows, encoding="gbk")
    result = _check(path, "recheck_results")
    assert result.problems == []
    assert [(r["problem_id"], r["verdict"], r["recheck_date"]) for r in result.rows] == [
        ("DC-001", "通过", date(2026, 10, 9)),
        ("DC-003", "不通过", date(2026, 10, 9)),
    ]


def _found(result) -> set[tuple[int | None, str | None, str]]:
    return {(p.row, p.column, p.message) for p in result.problems}


def test_unknown_rectification_status_and_missing_completion_date(tmp_path: Path) -> None:
    rows = [
        ["DC-001", "已更新", "完成了", "2026-09-25", ""],
        ["DC-002", "已更新", "已完成", "", ""],
    ]
    path = write_table(tmp_path / "整改情况报送表.xlsx", REPORT_HEADERS, rows, title="整改情况报送表")
    result = _check(path, "rectification_report", unit="A01")
    assert not result.accepted and result.rows == []
    assert _found(result) == {
        (3, "整改状态", "只能填写：未启动、整改中、已完成"),
        (4, "完成日期", "整改状态为“已完成”的，须填写完成日期"),
    }
    assert next(p for p in result.problems if p.row == 3).value == "完成了"


def test_unknown_recheck_verdict(tmp_path: Path) -> None:
    path = write_table(tmp_path / "复查结果.xlsx", RECHECK_HEADERS, [["DC-001", "合格", "2026-10-09", "张伟"]])
    result = _check(path, "recheck_results")
    assert _found(result) == {(2, "复查结论", "只能填写：通过、不通过")}


def test_missing_required_column(tmp_path: Path) -> None:
    headers = [h for h in PROBLEM_HEADERS if h != "整改要求"]
    row = [v for h, v in zip(PROBLEM_HEADERS, _problem(), strict=True) if h != "整改要求"]
    path = write_table(tmp_path / "问题清单.xlsx", headers, [row], title="问题清单")
    result = _check(path, "inspection_problems")
    assert _found(result) == {(2, "整改要求", "缺少必填列“整改要求”，请使用报送模板，不要删除或改动表头")}


def test_bad_dates_duplicate_ids_unknown_units(tmp_path: Path) -> None:
    rows = [
        _problem("DC-001", deadline="2026-13-01"),  # row 2
        _problem("DC-002", unit="Z99"),  # row 3
        _problem("DC-002", deadline="2026年8月1日"),  # row 4: repeated id, due before the visit
        _problem("DC-003", filed="九月一日"),  # row 5
    ]
    path = write_table(tmp_path / "问题清单.csv", PROBLEM_HEADERS, rows, encoding="gbk")
    result = _check(path, "inspection_problems")
    duplicate = "同一“问题编号”在表中出现多次，每个问题编号只能填一行，请合并"
    assert _found(result) == {
        (2, "整改时限", "日期无效，请写作 2026-10-05 或 2026年10月5日"),
        (3, "问题编号", duplicate),
        (3, "单位代码", "单位代码不在成员单位名册中，请先在名册中登记"),
        (4, "问题编号", duplicate),
        (4, "整改时限", "整改时限不能早于督查日期"),
        (5, "督查日期", "日期无效，请写作 2026-10-05 或 2026年10月5日"),
    }


def test_duplicate_id_in_a_recheck_file(tmp_path: Path) -> None:
    rows = [["DC-001", "通过", "2026-10-09", "张伟"], ["ＤＣ－００１", "不通过", "2026-10-09", "张伟"]]
    path = write_table(tmp_path / "复查结果.xlsx", RECHECK_HEADERS, rows)
    result = _check(path, "recheck_results")
    duplicate = "同一“问题编号”在表中出现多次，每个问题编号只能填一行，请合并"
    assert _found(result) == {(2, "问题编号", duplicate), (3, "问题编号", duplicate)}
