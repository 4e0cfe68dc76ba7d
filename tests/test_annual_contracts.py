"""The annual contracts (自评表, 验收评分表) read real files as people save them, check each score against its
indicator's 分值 in the 测评体系, and refuse bad files in plain Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.contracts import ValidationContext, load_contract
from docgen.models import Indicator, Problem
from docgen.validation import read_for, validate_file

from .builders.registry import sample_indicators
from .builders.tables import to_fullwidth, write_table

SELF_HEADERS = ["指标编号", "自评得分", "自评说明", "佐证材料清单"]
ASSESSOR_HEADERS = ["单位代码", "指标编号", "评分", "扣分说明"]
UNIT_CODES = {"A01", "B01", "C01"}
# the sample 测评体系 (A1 10, A2 10, B1 15, B2 10, C1 20, C2 15, D1 10, D2 10) and one of 7.5 points
INDICATORS = {
    **{i.indicator_id: i for i in sample_indicators()},
    "E1": Indicator("E1", "特色创新", "特色品牌", "打造具有本地特色的创建品牌", 7.5, "无特色品牌不得分"),
}


def _context(unit: str | None = None, indicators: dict[str, Indicator] | None = INDICATORS) -> ValidationContext:
    return ValidationContext(unit=unit, unit_codes=UNIT_CODES, indicators=indicators)


def _self(path: Path, indicators: dict[str, Indicator] | None = INDICATORS):
    return validate_file(path, load_contract("self_assessment"), _context("A01", indicators))


def _assessed(path: Path, indicators: dict[str, Indicator] | None = INDICATORS):
    return validate_file(path, load_contract("assessor_scores"), _context(None, indicators))


def _found(result) -> set[tuple[int | None, str | None, str]]:
    return {(p.row, p.column, p.message) for p in result.problems}


# ---------------------------------------------------------------- accepted as people save them


def test_self_assessment_xlsx_as_people_save_it(tmp_path: Path) -> None:
    rows = [
        ["A1", 10, "成立了创建工作领导小组", "1.领导小组文件；2.分工方案"],
        [to_fullwidth("B1").replace("B", "Ｂ"), to_fullwidth("13.5"), "开展主题宣传月活动6次", "活动照片、简报"],
        [" C1 ", "１８", None, None],
        ["E1", 7.5, "打造“石榴籽”特色品牌", ""],
        ["D2", 0, "满意度调查尚未开展", ""],
    ]
    path = write_table(tmp_path / "自评表.xlsx", SELF_HEADERS, rows, title="2026年度创建工作自评表",
                       instructions="填表说明：对照测评体系逐项自评，自评得分不超过该指标分值", trailing_blank_rows=3,
                       extra_columns={"备注": ["", "已盖章"]})
    result = _self(path)
    assert result.problems == []
    assert result.excel_rows == [4, 5, 6, 7, 8]  # title row 1, header 2, 填表说明 3
    assert [(r["indicator_id"], r["self_score"]) for r in result.rows] == [
        ("A1", 10.0), ("B1", 13.5), ("C1", 18.0), ("E1", 7.5), ("D2", 0.0),
    ]
    assert result.rows[0] == {"indicator_id": "A1", "self_score": 10.0, "self_note": "成立了创建工作领导小组",
                              "evidence_list": "1.领导小组文件；2.分工方案"}
    assert result.rows[2]["self_note"] is None


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_self_assessment_csv_in_excel_encodings(tmp_path: Path, encoding: str) -> None:
    rows = [["A2", "９.５", "制定了实施方案和年度计划", "实施方案、年度计划"], ["B2", "8.25", "纳入干部培训", "培训通知"]]
    path = write_table(tmp_path / "自评表.csv", SELF_HEADERS, rows, title="自评表",
                       instructions="填表说明：每项指标一行", encoding=encoding)
    result = _self(path)
    assert result.problems == []
    assert [(r["indicator_id"], r["self_score"], r["self_note"]) for r in result.rows] == [
        ("A2", 9.5, "制定了实施方案和年度计划"), ("B2", 8.25, "纳入干部培训"),
    ]


def test_assessor_file_scores_many_units(tmp_path: Path) -> None:
    rows = [
        ["A01", "A1", 9, "分工不够明确扣1分"],
        ["A01", "C1", "１６", "进宗教活动场所未开展扣4分"],
        ["Ｂ０１", "A1", "10", None],  # another unit, same indicator: fine
        [" C01 ", "E1", 7.5, ""],
    ]
    path = write_table(tmp_path / "验收评分表.xlsx", ASSESSOR_HEADERS, rows, title="2026年度验收评分表（第一验收组）",
                       instructions="填表说明：每个单位的每项指标一行，评分不超过该指标分值")
    result = _assessed(path)
    assert result.problems == []
    assert result.excel_rows == [4, 5, 6, 7]
    assert [(r["unit_code"], r["indicator_id"], r["score"]) for r in result.rows] == [
        ("A01", "A1", 9.0), ("A01", "C1", 16.0), ("B01", "A1", 10.0), ("C01", "E1", 7.5),
    ]
    assert result.rows[1]["deduction_note"] == "进宗教活动场所未开展扣4分"


def test_assessor_scores_gbk_csv(tmp_path: Path) -> None:
    rows = [["A01", "B1", "１４", "少开展主题活动1次扣1分"], ["C01", "D1", "5.5", "帮扶措施落实不到位"]]
    path = write_table(tmp_path / "验收评分表.csv", ASSESSOR_HEADERS, rows, encoding="gbk")
    result = _assessed(path)
    assert result.problems == []
    assert [(r["unit_code"], r["indicator_id"], r["score"], r["deduction_note"]) for r in result.rows] == [
        ("A01", "B1", 14.0, "少开展主题活动1次扣1分"), ("C01", "D1", 5.5, "帮扶措施落实不到位"),
    ]


def test_two_assessors_may_score_the_same_unit(tmp_path: Path) -> None:
    """The pair is unique within a file: two assessors' files scoring A01 on A1 are both accepted."""
    contract = load_contract("assessor_scores")
    first = write_table(tmp_path / "一组.xlsx", ASSESSOR_HEADERS, [["A01", "A1", 9, ""]])
    second = write_table(tmp_path / "二组.xlsx", ASSESSOR_HEADERS, [["A01", "A1", 8, "职责不明确扣2分"]])
    items = [(read_for(contract, p), _context()) for p in (first, second)]
    assert [r.accepted for r in contract.validate_many(items)] == [True, True]


def test_without_a_system_the_indicator_rules_do_nothing(tmp_path: Path) -> None:
    """No 测评体系 in the context: unknown indicators and any score ≥ 0 pass (a pair twice still does not)."""
    path = write_table(tmp_path / "自评表.xlsx", SELF_HEADERS, [["X9", 99, "", ""]])
    assert _self(path, indicators=None).problems == []
    path = write_table(tmp_path / "验收评分表.xlsx", ASSESSOR_HEADERS, [["A01", "X9", 99, ""], ["A01", "X9", 98, ""]])
    twice = "同一单位的同一指标在表中评分多次（A01 的 X9），每个单位的每项指标只能填一行，请合并"
    assert _found(_assessed(path, indicators=None)) == {(2, "指标编号", twice), (3, "指标编号", twice)}


# ---------------------------------------------------------------- refused, with row, column and reason


def test_self_score_above_the_indicators_points(tmp_path: Path) -> None:
    rows = [["A1", 10, "", ""], ["B1", 15.5, "", ""], ["E1", 8, "", ""]]
    path = write_table(tmp_path / "自评表.xlsx", SELF_HEADERS, rows, title="自评表", instructions="填表说明：每项指标一行")
    result = _self(path)
    assert not result.accepted and result.rows == []
    assert result.problems == [
        Problem(row=5, column="自评得分", value="15.5", cell="B5",
                message="超过指标 B1（主题宣传）的分值 15 分，应在 0 到 15 之间"),
        Problem(row=6, column="自评得分", value="8", cell="B6",
                message="超过指标 E1（特色品牌）的分值 7.5 分，应在 0 到 7.5 之间"),
    ]


def test_assessor_score_above_the_indicators_points(tmp_path: Path) -> None:
    rows = [["A01", "C1", 21, "满分"], ["B01", "C1", 20, ""]]
    path = write_table(tmp_path / "验收评分表.csv", ASSESSOR_HEADERS, rows, encoding="gbk")
    assert _found(_assessed(path)) == {(2, "评分", "超过指标 C1（“七进”活动）的分值 20 分，应在 0 到 20 之间")}


def test_each_file_is_held_to_its_own_system(tmp_path: Path) -> None:
    """In one batch, B1 worth 15 in one registry and 20 in another: each row against its own file's."""
    contract = load_contract("self_assessment")
    richer = {**INDICATORS, "B1": Indicator("B1", "宣传教育", "主题宣传", "开展主题宣传活动", 20)}
    paths = [write_table(tmp_path / f"{n}.xlsx", SELF_HEADERS, [["B1", 18, "", ""]]) for n in ("a", "b")]
    items = [(read_for(contract, paths[0]), _context("A01")), (read_for(contract, paths[1]), _context("B01", richer))]
    together = contract.validate_many(items)
    assert together == [contract.validate(t, c) for t, c in items]
    assert [_found(r) for r in together] == [
        {(2, "自评得分", "超过指标 B1（主题宣传）的分值 15 分，应在 0 到 15 之间")},
        set(),
    ]


def test_negative_scores(tmp_path: Path) -> None:
    path = write_table(tmp_path / "自评表.xlsx", SELF_HEADERS, [["A1", -1, "", ""], ["A2", "－２", "", ""]])
    assert _found(_self(path)) == {(2, "自评得分", "不能小于 0"), (3, "自评得分", "不能小于 0")}
    path = write_table(tmp_path / "验收评分表.xlsx", ASSESSOR_HEADERS, [["A01", "B2", -0.5, "倒扣"]])
    assert _found(_assessed(path)) == {(2, "评分", "不能小于 0")}


def test_indicator_not_in_the_system(tmp_path: Path) -> None:
    unknown = "指标编号不在测评体系中，请对照测评体系核对指标编号"
    path = write_table(tmp_path / "自评表.xlsx", SELF_HEADERS, [["A1", 5, "", ""], ["F9", 5, "", ""]],
                       title="自评表", instructions="填表说明：每项指标一行")
    result = _self(path)
    assert result.problems == [Problem(row=5, column="指标编号", value="F9", cell="A5", message=unknown)]
    path = write_table(tmp_path / "验收评分表.xlsx", ASSESSOR_HEADERS, [["A01", "Z1", 100, ""]])
    # the unknown indicator's score is not checked against a 分值 that does not exist
    assert _found(_assessed(path)) == {(2, "指标编号", unknown)}


def test_indicator_scored_twice_for_one_unit(tmp_path: Path) -> None:
    rows = [
        ["A01", "A1", 9, ""],  # row 4
        ["B01", "A1", 8, ""],  # row 5: another unit, fine
        ["A01", "B1", 12, ""],  # row 6
        ["A01", "Ａ１", 7, "复核后改为7分"],  # row 7: A01 on A1 again, full-width
        ["A01", "B1", 12, ""],  # row 8: A01 on B1 again
        ["A01", "A1", 6, ""],  # row 9: A01 on A1 a third time
    ]
    path = write_table(tmp_path / "验收评分表.xlsx", ASSESSOR_HEADERS, rows, title="验收评分表",
                       instructions="填表说明：每个单位的每项指标一行")
    result = _assessed(path)
    a1 = "同一单位的同一指标在表中评分多次（A01 的 A1），每个单位的每项指标只能填一行，请合并"
    b1 = "同一单位的同一指标在表中评分多次（A01 的 B1），每个单位的每项指标只能填一行，请合并"
    assert result.problems == [
        Problem(row=4, column="指标编号", value="A1", cell="B4", message=a1),
        Problem(row=6, column="指标编号", value="B1", cell="B6", message=b1),
        Problem(row=7, column="指标编号", value="Ａ１", cell="B7", message=a1),
        Problem(row=8, column="指标编号", value="B1", cell="B8", message=b1),
        Problem(row=9, column="指标编号", value="A1", cell="B9", message=a1),
    ]


def test_indicator_twice_in_a_self_assessment(tmp_path: Path) -> None:
    path = write_table(tmp_path / "自评表.csv", SELF_HEADERS, [["C2", 10, "", ""], ["C2", 12, "", ""]], encoding="gbk")
    twice = "同一“指标编号”在表中出现多次，每个指标编号只能填一行，请合并"
    assert _found(_self(path)) == {(2, "指标编号", twice), (3, "指标编号", twice)}


def test_unit_not_in_the_register(tmp_path: Path) -> None:
    rows = [["A01", "D1", 10, ""], ["Z99", "D1", 5, ""], ["", "D2", 5, ""]]
    path = write_table(tmp_path / "验收评分表.xlsx", ASSESSOR_HEADERS, rows)
    result = _assessed(path)
    assert result.problems == [
        Problem(row=3, column="单位代码", value="Z99", cell="A3", message="单位代码不在成员单位名册中，请先在名册中登记"),
        Problem(row=4, column="单位代码", value=None, cell="A4", message="“单位代码”为必填项，不能为空"),
    ]


def test_too_many_decimals_and_text_for_a_score(tmp_path: Path) -> None:
    path = write_table(tmp_path / "验收评分表.xlsx", ASSESSOR_HEADERS, [["A01", "A1", 8.125, ""], ["A01", "A2", "九分", ""]])
    assert _found(_assessed(path)) == {
        (2, "评分", "最多保留2位小数"),
        (3, "评分", "应填写数字（如 8 或 12.5），不能填写文字"),
    }
