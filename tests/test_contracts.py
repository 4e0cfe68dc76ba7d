"""Cells are parsed as people type them; contracts are valid ODCS v3 and report every problem in Chinese."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import jsonschema
import pandera.pandas as pa
import pytest
import yaml

from docgen.contracts import (
    Batch,
    CheckSpec,
    Field,
    ValidationContext,
    available_contracts,
    load_contract,
    rule,
)
from docgen.errors import ContractError
from docgen.formats.cells import (
    CellError,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_number,
    split_codes,
)
from docgen.validation import validate_file

from .builders.monthly import PROGRESS_HEADERS
from .builders.tables import write_table
from .conftest import TASKS, row


@pytest.mark.parametrize(
    ("raw", "kwargs", "expected"),
    [
        ("１２", {}, 12.0),
        ("1,234", {}, 1234.0),
        ("1，234.5", {}, 1234.5),
        ("85%", {"percent": True}, 85.0),
        ("８５％", {"percent": True}, 85.0),
        (0.85, {"percent": True, "percent_formatted": True}, 85.0),
        (0.85, {"percent": True}, 0.85),
        (" 7 ", {}, 7.0),
    ],
)
def test_numbers_as_typed(raw: object, kwargs: dict, expected: float) -> None:
    assert parse_number(raw, **kwargs) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["2026-10-05", "2026/10/5", "2026年10月5日", "２０２６年１０月５日", "20261005", 46300])
def test_dates_as_typed(raw: object) -> None:
    assert parse_date(raw) == date(2026, 10, 5)


@pytest.mark.parametrize(
    ("parser", "raw", "fragment"),
    [
        (parse_number, "十二", "不能填写文字"),
        (parse_number, "85%", "不填百分号"),
        (parse_integer, 2.5, "整数"),
        (parse_decimal, 1.234, "两位小数".replace("两", "2")),
        (parse_date, "2026-13-01", "日期无效"),
    ],
)
def test_bad_cells_explain_themselves(parser, raw: object, fragment: str) -> None:
    with pytest.raises(CellError, match=fragment):
        parser(raw)


def test_codes_split_on_every_separator() -> None:
    assert split_codes("A01、B01,C01；D01 E01，F01") == ("A01", "B01", "C01", "D01", "E01", "F01")


@pytest.mark.parametrize("name", available_contracts())
def test_contracts_are_odcs_v3(name: str) -> None:
    """Each contract file validates against the ODCS JSON schema shipped with the standard's package."""
    schema = json.loads(resources.files("open_data_contract_standard").joinpath("schema.json").read_text())
    doc = yaml.safe_load((Path("data_contracts") / f"{name}.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    contract = load_contract(name)
    assert contract.fields and all(f.header for f in contract.fields)


def _validate(tmp_path: Path, rows: list[list[object]], name: str = "t.xlsx", unit: str = "A01", **table):
    path = write_table(tmp_path / name, PROGRESS_HEADERS, rows, **table)
    context = ValidationContext(unit=unit, tasks={t.task_id: t for t in TASKS}, unit_codes={"A01", "B01", "C01"})
    return validate_file(path, load_contract("monthly_progress"), context)


def test_messy_but_valid_file_is_accepted(tmp_path: Path) -> None:
    rows = [row("A01", "T1", "８５"), row("B01", "T1", 0.5).copy()]
    rows[1][0] = "A01"
    rows[1][1] = "T4"
    rows[1][5] = "1,234"
    result = _validate(
        tmp_path, rows, title="2026年10月月度进展报送表", instructions="填表说明：每个任务一行",
        trailing_blank_rows=4, extra_columns={"备注": ["已盖章", ""]}, percent_columns={"完成进度(%)"},
    )
    assert result.problems == []
    assert [r["completion_pct"] for r in result.rows] == [85.0, 50.0]
    assert result.rows[1]["participants"] == 1234
    assert result.excel_rows == [4, 5]  # title row 1, header 2, 填表说明 3


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig"])
def test_csv_in_every_encoding_excel_saves(tmp_path: Path, encoding: str) -> None:
    result = _validate(tmp_path, [row("A01", "T1", "85%", 本月进展="开展“石榴籽”宣讲")], name="t.csv",
                       encoding=encoding)
    assert result.problems == []
    assert result.rows[0]["progress_text"] == "开展“石榴籽”宣讲"


def test_every_problem_reported_with_row_column_value(tmp_path: Path) -> None:
    rows = [
        row("A01", "T1", 120),  # row 2: out of range
        row("A01", "T2", 50, **{"本月开展活动(场次)": "十二"}),  # row 3: text for number; T2 not A01's
        row("B01", "T9", 50),  # row 4: another unit's code, unknown task
        row("A01", "T1", 50, 本月进展=""),  # row 5: same task twice, required text missing
        row("A01", "T4", 50, 联系电话="12345", **{"投入经费(万元)": 1.234, "参与人数(人次)": -3}),  # row 6
    ]
    result = _validate(tmp_path, rows)
    found = {(p.row, p.column): p for p in result.problems}
    assert "0 到 100" in found[(2, "完成进度(%)")].message and found[(2, "完成进度(%)")].value == "120"
    assert found[(2, "完成进度(%)")].cell == "D2"
    assert "不能填写文字" in found[(3, "本月开展活动(场次)")].message
    assert "不是该任务的牵头单位或配合单位" in found[(3, "任务编号")].message
    assert "本单位代码“A01”" in found[(4, "单位代码")].message
    assert "不在任务清单中" in found[(4, "任务编号")].message
    assert "出现多次" in found[(2, "任务编号")].message and "出现多次" in found[(5, "任务编号")].message
    assert "必填" in found[(5, "本月进展")].message
    assert "格式不正确" in found[(6, "联系电话")].message
    assert "2位小数" in found[(6, "投入经费(万元)")].message
    assert "不能小于 0" in found[(6, "参与人数(人次)")].message
    assert not result.accepted and result.rows == []
    assert all(p.message and any("\u4e00" <= ch <= "\u9fff" for ch in p.message) for p in result.problems)


def test_missing_required_column_named(tmp_path: Path) -> None:
    headers = [h for h in PROGRESS_HEADERS if h != "完成进度(%)"]
    path = write_table(tmp_path / "t.xlsx", headers, [["A01", "T1", "x", 1, 1, 1, "", "", "", "13800138000"]])
    result = validate_file(path, load_contract("monthly_progress"))
    assert [(p.row, p.column) for p in result.problems] == [(1, "完成进度(%)")]
    assert "缺少必填列" in result.problems[0].message


def test_registry_read_once_per_version_of_its_files(workspace: Path) -> None:
    from docgen.models import Unit
    from docgen.registry import load_registry

    from .builders.registry import write_registry
    from .conftest import UNITS

    first = load_registry(workspace / "registry")
    assert load_registry(workspace / "registry") is first  # unchanged files: not read again
    write_registry(workspace, [*UNITS, Unit("E01", "青禾社区居委会", "社区")], TASKS)
    again = load_registry(workspace / "registry")
    assert again is not first and "E01" in again.units


# ---------------------------------------------------------------- rules registered by name


@rule("even_in_this_test", explain="填偶数")
def _even(f: Field, batch: Batch) -> CheckSpec | None:
    """A rule registered by this module alone, as a cycle declared in a test would register its own."""
    message = "次数应为偶数"
    return pa.Check(lambda s: s % 2 == 0, error=message), message


def _counts_contract(directory: Path, rules: list[str]) -> None:
    """``counts.yaml``: 单位代码 (in the roll) and 次数, which names ``rules``."""
    doc = {
        "apiVersion": "v3.0.2", "kind": "DataContract", "id": "urn:test:counts", "name": "counts",
        "version": "1.0.0", "status": "active",
        "schema": [{"name": "counts", "businessName": "次数报送表", "logicalType": "object", "properties": [
            {"name": "unit_code", "businessName": "单位代码", "logicalType": "string", "required": True,
             "customProperties": [{"property": "parse", "value": "code"},
                                  {"property": "rules", "value": ["unit_exists"]}]},
            {"name": "count", "businessName": "次数", "logicalType": "integer", "required": True,
             "customProperties": [{"property": "rules", "value": rules}]},
        ]}],
    }
    (directory / "counts.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_a_contract_names_a_rule_registered_outside_the_contracts_module(tmp_path: Path) -> None:
    _counts_contract(tmp_path, ["even_in_this_test"])
    path = write_table(tmp_path / "counts.xlsx", ["单位代码", "次数"], [["A01", 2], ["B01", 3], ["Z09", 4]])
    result = validate_file(path, load_contract("counts", tmp_path), ValidationContext(unit_codes={"A01", "B01"}))
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "次数", "次数应为偶数"),
        (4, "单位代码", "单位代码不在成员单位名册中，请先在名册中登记"),
    ]


def test_an_unknown_rule_is_refused_naming_the_contract_and_the_rule(tmp_path: Path) -> None:
    _counts_contract(tmp_path, ["even_in_this_test", "no_such_rule"])
    with pytest.raises(ContractError) as refused:
        load_contract("counts", tmp_path)
    message = str(refused.value)
    assert message.startswith("数据契约 counts（")
    assert "字段 count 引用了未注册的规则 “no_such_rule”" in message
    # refused only after every declared cycle's rules were looked in: theirs are listed as registered
    assert {"completion_date_when_done", "score_within_points", "task_exists"} <= set(
        message.split("已注册的规则：")[1].split("、")
    )


def test_a_name_belongs_to_one_rule() -> None:
    with pytest.raises(ContractError, match="规则“unit_exists”已由 docgen.contracts 注册"):
        rule("unit_exists")(_even)
    assert rule("even_in_this_test", explain="填偶数")(_even) is _even  # the same rule again changes nothing


def test_a_cycles_rules_are_found_when_a_contract_first_names_them() -> None:
    """In a fresh process: the contracts module and a contract of shared rules import no cycle; a contract
    naming a cycle's rule compiles (an unregistered one is refused), its package registering it then."""
    code = (
        "import sys\n"
        "from docgen.contracts import load_contract\n"
        "load_contract('units'), load_contract('tasks')\n"
        "print(any(m.startswith('docgen.cycles') for m in sys.modules))\n"
        "print(load_contract('assessor_scores').field('indicator_id').rules)\n"
        "print('docgen.cycles.annual.contract_rules' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["False", "('indicator_exists', 'unit_indicator_once')", "True"]
