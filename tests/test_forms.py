"""Fill-in forms (报送模板) made from the data contracts: one writer, every submitter's contract.

What a form must say is derived here from the contract's ``Field`` objects, independently of the writer,
and compared with what the workbook holds when read back (openpyxl, and ``forms_reading.form_rules``). A
filled form must pass intake as is, also after LibreOffice re-saved it (skipped, with the reason, without
LibreOffice Calc).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from open_data_contract_standard.model import OpenDataContractStandard
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from docgen.contracts import Contract, Field, ValidationContext, compile_contract, load_contract
from docgen.forms import FormSpec, write_form
from docgen.validation import validate_file

from .conftest import TASKS, UNITS
from .forms_reading import form_rules

SUBMITTER_CONTRACTS = (
    "monthly_progress",
    "rectification_report",
    "inspection_problems",
    "recheck_results",
    "self_assessment",
    "assessor_scores",
)
BLANK = 6


def expected_rule(f: Field) -> dict[str, Any]:
    """The Excel rule a field's cells must carry, from the contract alone (Excel keeps one per cell)."""
    if f.valid_values:
        return {"type": "list", "values": list(f.valid_values)}
    if f.logical_type == "date":
        return {"type": "date"}
    if f.logical_type in ("integer", "number"):
        low, high = f.minimum, f.maximum
        if f.parse == "percent":
            low, high = (0 if low is None else low), (100 if high is None else high)
        if low is None and high is None:
            return {"type": "custom"}
        return {"type": "whole" if f.logical_type == "integer" else "decimal", "minimum": low, "maximum": high}
    if f.max_length is not None:
        return {"type": "textLength", "max_length": f.max_length}
    return {"type": "any"}


def key_field(contract: Contract) -> Field:
    """The first identifier column (单位代码, 问题编号, 指标编号): what a secretariat pre-fills and locks."""
    return next(f for f in contract.fields if f.parse == "code")


def spec_for(contract: Contract, rows: int = 2) -> FormSpec:
    key = key_field(contract)
    return FormSpec(
        contract=contract,
        title=f"青禾市教育局 {contract.title}（2026年11月）",
        rows=[{key.name: f"K{i:02d}"} for i in range(1, rows + 1)],
        locked_fields=frozenset({key.name}),
        hints=[("名称（参考）", [f"参考{i}" for i in range(1, rows + 1)])],
        blank_rows=BLANK,
    )


@pytest.fixture(params=SUBMITTER_CONTRACTS)
def form(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Contract, FormSpec, Path]:
    contract = load_contract(request.param)
    spec = spec_for(contract)
    path = write_form(spec, tmp_path / f"{contract.title}.xlsx")
    return contract, spec, path


# ---------------------------------------------------------------- every submitter's contract


def test_header_row_is_the_contracts_headers_then_the_hints(form: tuple[Contract, FormSpec, Path]) -> None:
    contract, spec, path = form
    ws = load_workbook(path).worksheets[0]
    header = [c.value for c in ws[3]]
    assert header == [f.header for f in contract.fields] + [h for h, _ in spec.hints]
    assert ws.title == contract.title


def test_each_validation_matches_the_contracts_rule(form: tuple[Contract, FormSpec, Path]) -> None:
    contract, spec, path = form
    ws = load_workbook(path).worksheets[0]
    written = sorted(str(dv.sqref) for dv in ws.data_validations.dataValidation)
    last = 3 + len(spec.rows) + spec.blank_rows
    letters = [get_column_letter(c) for c in range(1, len(contract.fields) + 1)]
    assert written == sorted(f"{x}4:{x}{last}" for x in letters)  # one per input column, none elsewhere
    rules = form_rules(path)
    assert set(rules) == {f.header for f in contract.fields}  # every input column, no hint column
    for c, f in enumerate(contract.fields, start=1):
        rule = rules[f.header]
        expected = expected_rule(f)
        assert {k: rule.get(k) for k in expected} == expected, f.header
        letter = letters[c - 1]
        assert rule["ranges"] == [f"{letter}4:{letter}{last}"], f.header  # pre-filled and blank rows
        assert rule["show_prompt"] and rule["prompt"] and rule["prompt_title"] == f.header
        assert rule["allow_blank"]
        if rule["type"] != "any":
            assert rule["show_error"] is True and rule["error_style"] == "stop", f.header
            assert rule["error"] and len(rule["error"]) <= 225 and len(rule["error_title"]) <= 32
        assert len(rule["prompt"]) <= 255
        if f.required:
            assert rule["prompt"].startswith("必填")
        if f.hint:
            assert f.hint in rule["prompt"]
        if f.parse == "percent":
            assert "0–100" in rule["prompt"] and "85" in rule["prompt"]


def test_cells_are_typed_for_their_field(form: tuple[Contract, FormSpec, Path]) -> None:
    contract, spec, path = form
    ws = load_workbook(path).worksheets[0]
    for c, f in enumerate(contract.fields, start=1):
        for r in (4, 4 + len(spec.rows)):  # a pre-filled row and a blank row
            fmt = ws.cell(r, c).number_format
            if f.logical_type == "date":
                assert fmt == "yyyy-mm-dd", f.header
            elif f.logical_type == "string":
                assert fmt == "@", f.header  # typed as text: codes and phones keep leading zeros
    key = key_field(contract)
    col = [f.name for f in contract.fields].index(key.name) + 1
    assert [ws.cell(r, col).value for r in (4, 5)] == ["K01", "K02"]


def test_keys_and_hints_locked_input_cells_unlocked_sheet_protected(form: tuple[Contract, FormSpec, Path]) -> None:
    contract, spec, path = form
    ws = load_workbook(path).worksheets[0]
    assert ws.protection.sheet is True and not ws.protection.password
    assert ws.protection.formatColumns is False and ws.protection.formatRows is False  # allowed
    assert ws.freeze_panes == "A4"
    key = key_field(contract)
    fields = list(contract.fields)
    last = 3 + len(spec.rows) + spec.blank_rows
    for r in range(4, last + 1):
        prefilled = r < 4 + len(spec.rows)
        for c, f in enumerate(fields, start=1):
            locked = ws.cell(r, c).protection.locked
            assert locked is (prefilled and f.name == key.name), (r, f.header)
        for c in range(len(fields) + 1, len(fields) + len(spec.hints) + 1):
            assert ws.cell(r, c).protection.locked is True
    for r in (1, 2, 3):
        assert ws.cell(r, 1).protection.locked is True
    assert ws.cell(last + 1, 1).protection.locked is True  # below the form: nothing to type there
    assert ws.cell(4, len(fields) + 1).value == "参考1"


def test_title_and_instructions_rows(form: tuple[Contract, FormSpec, Path]) -> None:
    contract, spec, path = form
    ws = load_workbook(path).worksheets[0]
    last = get_column_letter(len(contract.fields) + len(spec.hints))
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {f"A1:{last}1", f"A2:{last}2"} <= merged
    assert ws["A1"].value == spec.title and ws["A1"].font.b
    notes = ws["A2"].value
    assert notes.startswith("填表说明：") and ws["A2"].alignment.wrap_text
    for f in contract.fields:
        if f.hint:
            assert f.hint.rstrip("。") in notes
        if f.valid_values:
            assert f"{f.header}从下拉列表选择" in notes
        if f.parse == "percent":
            assert f"{f.header}填0–100的数" in notes
    assert all(f.header in notes for f in contract.fields if f.required)


# what each named rule asks, as the unit must read it: the shared rules' and each cycle's own, registered
# in its package (a column with two rules tells both, in the contract's order)
RULES_TOLD = [
    ("monthly_progress", "单位代码", "填本单位代码"),
    ("monthly_progress", "任务编号", "按任务清单填写，只填本单位牵头或配合的任务"),
    ("inspection_problems", "单位代码", "按成员单位名册填写"),
    ("inspection_problems", "整改时限", "不能早于督查日期"),
    ("rectification_report", "完成日期", "整改状态为“已完成”的须填写"),
    ("self_assessment", "指标编号", "按测评体系填写"),
    ("self_assessment", "自评得分", "不超过该指标的分值"),
    ("assessor_scores", "指标编号", "按测评体系填写，每个单位的每项指标只填一行"),
    ("assessor_scores", "评分", "不超过该指标的分值"),
]


@pytest.mark.parametrize(("name", "header", "told"), RULES_TOLD)
def test_each_named_rule_is_told_in_the_instructions_and_the_input_message(
    tmp_path: Path, name: str, header: str, told: str
) -> None:
    contract = load_contract(name)
    path = write_form(spec_for(contract), tmp_path / "form.xlsx")
    ws = load_workbook(path).worksheets[0]
    assert f"{header}：{told}" in ws["A2"].value
    column = get_column_letter([c.value for c in ws[3]].index(header) + 1)
    prompts = [dv.prompt for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(f"{column}4:")]
    assert len(prompts) == 1 and told in prompts[0]


# ---------------------------------------------------------------- long enumerations, odd values


def _contract(properties: list[dict[str, Any]]) -> Contract:
    doc = OpenDataContractStandard.model_validate(
        {
            "apiVersion": "v3.0.2",
            "kind": "DataContract",
            "id": "urn:test:forms",
            "name": "forms_test",
            "version": "1.0.0",
            "status": "active",
            "schema": [{"name": "forms_test", "businessName": "测试报送表", "logicalType": "object",
                        "properties": properties}],
        }
    )
    return compile_contract(doc, source="test")


def _enum(name: str, header: str, values: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "businessName": header,
        "logicalType": "string",
        "required": True,
        "quality": [{"type": "library", "metric": "invalidValues", "arguments": {"validValues": values},
                     "mustBe": 0}],
    }


LONG = [f"第{i}类民族团结进步创建示范单位" for i in range(1, 31)]  # 30 × 15 characters: > 255


def long_list_contract() -> Contract:
    return _contract(
        [
            {"name": "unit_code", "businessName": "单位代码", "logicalType": "string", "required": True,
             "customProperties": [{"property": "parse", "value": "code"}]},
            _enum("category", "创建类别", LONG),
            _enum("grade", "等次", ["优秀", "良好,较好", "合格"]),  # a comma: cannot be inline
            _enum("status", "状态", ["未启动", "整改中", "已完成"]),
            {"name": "amount", "businessName": "金额", "logicalType": "number"},  # no bounds
            {"name": "count", "businessName": "次数", "logicalType": "integer"},
        ]
    )


def test_long_or_comma_lists_go_to_a_hidden_sheet_behind_a_defined_name(tmp_path: Path) -> None:
    contract = long_list_contract()
    assert len(",".join(LONG)) > 255
    path = write_form(FormSpec(contract, "测试表", blank_rows=3), tmp_path / "long.xlsx")
    wb = load_workbook(path)
    form_sheet, lists = wb.worksheets
    assert form_sheet.sheet_state == "visible" and lists.sheet_state == "hidden"
    assert lists.protection.sheet is True
    rules = form_rules(path)
    for f in contract.fields:
        if f.valid_values:
            assert rules[f.header]["values"] == list(f.valid_values)
    for header in ("创建类别", "等次"):
        name = rules[header]["formula1"]
        assert name in wb.defined_names and not form_sheet.defined_names  # workbook scope
        ((sheet, _ref),) = wb.defined_names[name].destinations
        assert sheet == lists.title
    assert rules["状态"]["formula1"] == '"未启动,整改中,已完成"'  # short: inline
    assert rules["金额"]["type"] == "custom" and rules["金额"]["formula1"] == "ISNUMBER(E4)"
    assert rules["次数"]["type"] == "custom" and "INT(F4)" in rules["次数"]["formula1"]
    # the hidden sheet is not what intake reads, and the filled form passes
    ws = form_sheet
    for c, value in enumerate(["A01", LONG[-1], "良好,较好", "整改中", 12.5, 3], start=1):
        ws.cell(4, c).value = value
    wb.save(path)
    result = validate_file(path, contract, ValidationContext())
    assert result.accepted, result.problems
    assert result.rows[0]["category"] == LONG[-1] and result.rows[0]["grade"] == "良好,较好"


def test_no_rows_means_no_validations_and_text_stays_text(tmp_path: Path) -> None:
    contract = load_contract("monthly_progress")
    path = write_form(FormSpec(contract, "空表", blank_rows=0), tmp_path / "empty.xlsx")
    assert form_rules(path) == {}  # a validation without cells would make Excel repair the file
    spec = FormSpec(
        contract,
        "月度进展报送表",
        rows=[{"unit_code": "A01", "task_id": "=T1", "progress_text": "=SUM(1,2)", "phone": "04711234567"}],
        locked_fields=frozenset({"单位代码", "任务编号"}),  # by header works too
        blank_rows=0,
    )
    path = write_form(spec, tmp_path / "text.xlsx")
    ws = load_workbook(path).worksheets[0]
    assert [ws.cell(4, c).data_type for c in (2, 3)] == ["s", "s"]
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[3][1:3] == ["=T1", "=SUM(1,2)"] and sheet[3][10] == "04711234567"


def test_bad_specs_are_refused(tmp_path: Path) -> None:
    contract = load_contract("monthly_progress")
    with pytest.raises(ValueError, match="not fields"):
        write_form(FormSpec(contract, "t", rows=[{"nope": 1}]), tmp_path / "a.xlsx")
    with pytest.raises(ValueError, match="locked field"):
        write_form(FormSpec(contract, "t", locked_fields=frozenset({"nope"})), tmp_path / "a.xlsx")
    with pytest.raises(ValueError, match="header of the contract"):
        write_form(FormSpec(contract, "t", hints=[("任务编号", [])]), tmp_path / "a.xlsx")
    with pytest.raises(ValueError, match="values for"):
        write_form(FormSpec(contract, "t", rows=[{}], hints=[("任务名称", [])]), tmp_path / "a.xlsx")
    with pytest.raises(ValueError, match="完成进度"):
        write_form(FormSpec(contract, "t", rows=[{"completion_pct": "很多"}]), tmp_path / "a.xlsx")
    with pytest.raises(ValueError, match="outside"):
        write_form(FormSpec(contract, "t", rows=[{"completion_pct": 120}]), tmp_path / "a.xlsx")
    with pytest.raises(ValueError, match="not one of"):
        write_form(FormSpec(load_contract("rectification_report"), "t", rows=[{"status": "完成"}]),
                   tmp_path / "a.xlsx")
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file


# ---------------------------------------------------------------- a filled form passes intake

A01_TASKS = [t for t in TASKS if t.involves("A01")]


def context() -> ValidationContext:
    return ValidationContext(unit="A01", tasks={t.task_id: t for t in TASKS}, unit_codes=[u.code for u in UNITS])


def monthly_form(path: Path) -> Path:
    spec = FormSpec(
        load_contract("monthly_progress"),
        "青禾镇人民政府 月度进展报送表（2026年10月）",
        rows=[{"unit_code": "A01", "task_id": t.task_id} for t in A01_TASKS],
        locked_fields=frozenset({"unit_code", "task_id"}),
        hints=[("任务名称（参考）", [t.name for t in A01_TASKS]), ("完成时限（参考）", [t.deadline for t in A01_TASKS])],
    )
    return write_form(spec, path)


def fill_as_a_unit(path: Path) -> None:
    """Type into the unlocked cells of the pre-filled rows, as a unit does in Excel; save."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[3]]
    values = {"本月进展": "开展宣讲活动3场", "完成进度(%)": 85, "本月开展活动(场次)": 3, "参与人数(人次)": 120,
              "投入经费(万元)": 1.5, "存在问题": "无", "下月计划": "继续推进", "填报人": "张三",
              "联系电话": "13800138000"}
    for r in range(4, 4 + len(A01_TASKS)):
        for header, value in values.items():
            cell = ws.cell(r, headers.index(header) + 1)
            assert cell.protection.locked is False
            cell.value = value
    wb.save(path)


def test_a_filled_form_passes_intake(tmp_path: Path) -> None:
    path = monthly_form(tmp_path / "月度进展报送表.xlsx")
    fill_as_a_unit(path)
    result = validate_file(path, load_contract("monthly_progress"), context())
    assert result.accepted, result.problems
    assert [(r["unit_code"], r["task_id"], r["completion_pct"], r["phone"]) for r in result.rows] == [
        ("A01", t.task_id, 85.0, "13800138000") for t in A01_TASKS
    ]
    assert result.excel_rows == [4, 5]


def _calc_missing() -> str | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        return "LibreOffice (soffice) is not installed"
    program = Path(os.path.realpath(soffice)).parent
    if not glob.glob(str(program / "*sclo.*")):
        return "LibreOffice Calc is not installed (Debian: libreoffice-calc-nogui): soffice cannot open .xlsx"
    return None


def resave_with_libreoffice(path: Path, tmp_path: Path) -> Path:
    reason = _calc_missing()
    if reason:
        pytest.skip(reason)
    out = tmp_path / "lo-out"
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "xlsx", "--outdir", str(out),
         str(path)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    resaved = out / path.name
    assert resaved.is_file(), (done.returncode, done.stdout, done.stderr)
    return resaved


def test_a_filled_form_passes_intake_after_a_libreoffice_resave(tmp_path: Path) -> None:
    path = monthly_form(tmp_path / "月度进展报送表.xlsx")
    fill_as_a_unit(path)
    resaved = resave_with_libreoffice(path, tmp_path)
    result = validate_file(resaved, load_contract("monthly_progress"), context())
    assert result.accepted, result.problems
    assert [(r["task_id"], r["completion_pct"], r["funds_10k_yuan"]) for r in result.rows] == [
        (t.task_id, 85.0, 1.5) for t in A01_TASKS
    ]


def test_libreoffice_keeps_the_validations_and_the_protection(tmp_path: Path) -> None:
    """What a unit's LibreOffice (or WPS, which reads the same XML) keeps: every rule, message and lock.
    It does not keep the frozen header in a headless re-save (no view settings are written)."""
    contract = long_list_contract()
    path = write_form(
        FormSpec(contract, "测试表", rows=[{"unit_code": "A01"}], locked_fields=frozenset({"unit_code"}),
                 blank_rows=3),
        tmp_path / "long.xlsx",
    )
    resaved = resave_with_libreoffice(path, tmp_path)
    assert form_rules(resaved) == form_rules(path)
    wb = load_workbook(resaved)
    ws = wb.worksheets[0]
    assert ws.protection.sheet is True and ws.protection.formatColumns is False
    assert ws["A4"].protection.locked is True and ws["A5"].protection.locked is False
    assert ws["B4"].protection.locked is False
    assert wb.worksheets[1].sheet_state == "hidden"
