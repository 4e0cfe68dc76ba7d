"""``docgen forms``: pre-filled blank forms of the demo workspace, read back with openpyxl.

The forms are written by ``docgen.forms.write_form``; these tests only read the .xlsx it makes (the title
above the header row, the contract's headers then the hint headers, one row per pre-filled row), so they
hold whatever that writer's styling, protection or instruction rows.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from docgen import cycles
from docgen.cli import EXIT_OK, EXIT_USAGE, main
from docgen.contracts import Contract, ValidationContext, load_contract
from docgen.cycle import FormContent
from docgen.errors import DocgenError
from docgen.formats.tables import header_key
from docgen.issue_forms import issue_forms
from docgen.models import Registry
from docgen.pipeline import inputs_for, run_cycle
from docgen.registry import load_registry
from docgen.resources import build_demo_workspace, set_drop_time
from docgen.validation import validate_file
from docgen.workspace import Workspace

from .builders.quarterly import RECHECK_HEADERS
from .builders.tables import write_table

INSTRUCTION = re.compile(r"^\s*(填表说明|填报说明|说明|注|备注|示例)\s*[:：]")


@dataclass
class Form:
    """A written form as a unit sees it: its title, and its pre-filled rows by field name or hint header."""

    path: Path
    title: str
    headers: list[str]  # field names for the contract's columns, the header text for the others
    rows: list[dict[str, Any]]


def read_form(path: Path, contract: Contract, key: str) -> Form:
    """The form at ``path``: the header row is the row holding most of the contract's headers, the title the
    first text above it, the pre-filled rows those below it with a value in the ``key`` field's column."""
    book = load_workbook(path)
    sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
    grid = [list(r) for r in sheet.iter_rows(values_only=True)]
    fields = {header_key(f.header): f.name for f in contract.fields}

    def score(row: list[Any]) -> int:
        return sum(1 for c in row if c is not None and header_key(str(c)) in fields)

    h = max(range(min(20, len(grid))), key=lambda i: score(grid[i]))
    assert score(grid[h]) == len(contract.fields), f"{path.name}: every column of the contract is in the header"
    headers = [fields.get(header_key(str(c)), str(c).strip()) if c is not None else "" for c in grid[h]]
    title = next(str(c).strip() for row in grid[:h] for c in row if c not in (None, ""))
    k = headers.index(key)
    rows = []
    for row in grid[h + 1:]:
        first = next((c for c in row if c not in (None, "")), None)
        if row[k] in (None, "") or (isinstance(first, str) and INSTRUCTION.match(first)):
            continue
        rows.append({name: row[i] for i, name in enumerate(headers) if name and i < len(row)})
    return Form(path, title, headers, rows)


def hint(form: Form, header: str) -> list[Any]:
    """The values of the hint column ``header`` (compared loosely, as headers are)."""
    matching = [h for h in form.headers if header_key(h) == header_key(header)]
    assert matching, f"{form.path.name}: no column {header} among {form.headers}"
    return [r[matching[0]] for r in form.rows]


def day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_workspace(tmp_path_factory.mktemp("forms") / "demo")


@pytest.fixture(scope="module")
def registry(demo: Path) -> Registry:
    return load_registry(demo / "registry")


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A demo workspace of the test's own, without forms yet."""
    return build_demo_workspace(tmp_path / "demo")


def involved_tasks(registry: Registry, unit: str, start: date, end: date) -> list[str]:
    """The tasks under way between ``start`` and ``end`` that ``unit`` leads or cooperates on, from the
    registry itself (not from the cycle's rules)."""
    return [t.task_id for t in registry.tasks.values()
            if t.start_date <= end and t.deadline >= start and (t.lead_unit == unit or unit in t.cooperating_units)]


# ---------------------------------------------------------------- monthly


def test_monthly_forms_one_per_expected_unit(demo: Path, registry: Registry) -> None:
    written = issue_forms(demo, "monthly", "2026-11")
    folder = demo / "forms" / "monthly" / "2026-11"
    expected = [code for code in registry.units
                if involved_tasks(registry, code, date(2026, 11, 1), date(2026, 11, 30))]
    assert [p.name for p in written] == [
        f"{code}_{registry.units[code].name}_月度进展报送表_2026-11.xlsx" for code in expected
    ]
    assert folder / "BM03_青禾市教育局_月度进展报送表_2026-11.xlsx" in written
    assert all(p.parent == folder and p.is_file() for p in written)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(p.name for p in written)

    contract = load_contract("monthly_progress")
    for code, path in zip(expected, written, strict=True):
        form = read_form(path, contract, "task_id")
        assert form.title == f"{registry.units[code].name} 月度进展报送表（2026年11月）"
        assert [r["task_id"] for r in form.rows] == involved_tasks(registry, code, date(2026, 11, 1),
                                                                   date(2026, 11, 30))
        assert {r["unit_code"] for r in form.rows} == {code}
        assert all(r["progress_text"] is None and r["completion_pct"] is None for r in form.rows)


def test_monthly_form_of_one_unit_by_hand(demo: Path) -> None:
    """BM02 (民宗局) in 任务清单.xlsx: leads T04, cooperates on T06, T09, T10; leads T12 too, but T12 starts
    in 2027; no other task names it."""
    path = demo / "forms" / "monthly" / "2026-11" / "BM02_青禾市民族宗教事务局_月度进展报送表_2026-11.xlsx"
    issue_forms(demo, "monthly", "2026-11", unit="BM02")
    form = read_form(path, load_contract("monthly_progress"), "task_id")
    assert form.title == "青禾市民族宗教事务局 月度进展报送表（2026年11月）"
    assert [(r["unit_code"], r["task_id"]) for r in form.rows] == [
        ("BM02", "T04"), ("BM02", "T06"), ("BM02", "T09"), ("BM02", "T10")]
    assert hint(form, "任务名称（参考）") == [
        "开展民族团结进步示范单位创建", "建设民族团结进步教育基地", "建设“石榴籽家园”社区服务阵地",
        "开展民族团结进步创建进宗教活动场所"]
    assert hint(form, "所属工程（参考）") == ["创建“七进”工程", "民族文化传承工程", "创建“七进”工程", "创建“七进”工程"]
    assert hint(form, "角色（参考）") == ["牵头", "配合", "配合", "配合"]
    # the contract's columns come first, the hints after them
    assert form.headers[: len(load_contract("monthly_progress").fields)] == [
        f.name for f in load_contract("monthly_progress").fields]


def test_a_filled_monthly_form_is_accepted(demo: Path, registry: Registry, tmp_path: Path) -> None:
    """What the form is for: the unit fills in its progress, and the file passes the contract as it is."""
    [path] = issue_forms(demo, "monthly", "2026-11", unit="XZ01")
    contract = load_contract("monthly_progress")
    form = read_form(path, contract, "task_id")
    book = load_workbook(path)
    sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
    column = {name: i + 1 for i, name in enumerate(form.headers)}
    for r in range(1, sheet.max_row + 1):
        if sheet.cell(r, column["task_id"]).value in {row["task_id"] for row in form.rows}:
            sheet.cell(r, column["progress_text"]).value = "召开推进会1次"
            sheet.cell(r, column["completion_pct"]).value = 80
    filled = tmp_path / "城关街道11月进展.xlsx"
    book.save(filled)
    result = validate_file(filled, contract, ValidationContext(unit="XZ01", tasks=registry.tasks,
                                                               unit_codes=registry.units.keys()))
    assert result.accepted, [p.describe() for p in result.problems]
    assert [r["task_id"] for r in result.rows] == ["T03"]  # T12, which XZ01 also helps on, starts in 2027
    assert [r["completion_pct"] for r in result.rows] == [80]


def test_a_month_expects_only_the_units_of_its_tasks(demo: Path, registry: Registry) -> None:
    """2027-02: only T04, T11 and T12 are under way, so only their units get a form."""
    written = issue_forms(demo, "monthly", "2027-02")
    assert [p.name.split("_")[0] for p in written] == ["XZ01", "XZ02", "BM01", "BM02", "BM04", "ZJ01", "ZJ02"]
    assert issue_forms(demo, "monthly", "2027-02", unit="BM03") == []


# ---------------------------------------------------------------- quarterly


@pytest.fixture(scope="module")
def quarterly(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The demo after its two quarters ran: some items closed, some carried into 2026-Q4; BM03's one item
    closed by a recheck received before 2026-Q3's cut-off (the demo's own recheck comes after it)."""
    root = build_demo_workspace(tmp_path_factory.mktemp("forms-q") / "demo")
    recheck = write_table(root / "intake" / "quarterly" / "2026-Q3" / "_recheck" / "补充复查结果.csv",
                          RECHECK_HEADERS, [["DC2026Q2-004", "通过", "2026-10-09", "韩卫东"]])
    set_drop_time(recheck, datetime(2026, 10, 9, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    run_cycle(root, "quarterly", "2026-Q2")
    return root, run_cycle(root, "quarterly", "2026-Q3").report


def test_rectification_forms_only_for_units_with_items_not_closed(quarterly: tuple[Path, Any],
                                                                   registry: Registry) -> None:
    root, q3 = quarterly
    open_items = q3.open_items  # the ledger at 2026-Q3's end is the ledger at 2026-Q4's start
    assert open_items and any(i.closed for i in q3.items)
    by_unit: dict[str, list[Any]] = {}
    for i in open_items:
        by_unit.setdefault(i.unit, []).append(i)
    only_closed = {i.unit for i in q3.items} - set(by_unit)
    assert only_closed, "the demo has units whose items are all closed"

    written = issue_forms(root, "quarterly", "2026-Q4")
    reports = [p for p in written if "_整改情况报送表_" in p.name]
    units = [code for code in registry.units if code in by_unit]
    assert [p.name for p in reports] == [
        f"{code}_{registry.units[code].name}_整改情况报送表_2026-Q4.xlsx" for code in units]
    assert not any(p.name.startswith(tuple(f"{c}_" for c in only_closed)) for p in written)

    contract = load_contract("rectification_report")
    for code, path in zip(units, reports, strict=True):
        form = read_form(path, contract, "problem_id")
        items = by_unit[code]
        assert form.title == f"{registry.units[code].name} 整改情况报送表（2026年第四季度）"
        assert [r["problem_id"] for r in form.rows] == [i.problem_id for i in items]
        assert hint(form, "问题描述（参考）") == [i.description for i in items]
        assert hint(form, "整改要求（参考）") == [i.requirement for i in items]
        assert [day(v) for v in hint(form, "整改时限（参考）")] == [i.deadline for i in items]
        # the state as the ledger holds it when the form is issued: XX01's report of 12 October came after
        # 2026-Q3's cut-off (the quarter counts it 挂号) but before this form, which shows 整改中
        states = dict(zip([r["problem_id"] for r in form.rows], hint(form, "当前状态（参考）"), strict=True))
        assert states == {i.problem_id: "整改中" if i.problem_id == "DC2026Q3-002" else i.state_label for i in items}
        assert all(r["status"] is None and r["measures"] is None for r in form.rows)


def test_role_forms_of_the_quarter(quarterly: tuple[Path, Any]) -> None:
    root, q3 = quarterly
    written = {p.name: p for p in issue_forms(root, "quarterly", "2026-Q4")}
    inspection = read_form(written["_inspection_督查组_问题清单_2026-Q4.xlsx"],
                           load_contract("inspection_problems"), "problem_id")
    assert inspection.title == "督查组 问题清单（2026年第四季度）"
    assert inspection.rows == []
    recheck = read_form(written["_recheck_创建办_复查结果_2026-Q4.xlsx"], load_contract("recheck_results"),
                        "problem_id")
    awaiting = [i for i in q3.open_items if i.state == "awaiting_recheck"]
    assert awaiting
    assert [r["problem_id"] for r in recheck.rows] == [i.problem_id for i in awaiting]
    assert hint(recheck, "单位（参考）") == [i.unit_name for i in awaiting]
    assert hint(recheck, "问题描述（参考）") == [i.description for i in awaiting]


def test_a_quarter_reads_its_own_ledger(quarterly: tuple[Path, Any]) -> None:
    """2026-Q2's forms list the items of 2026-Q2's ledger, not the items filed later (2026-Q3's)."""
    root, _ = quarterly
    declared = cycles.get("quarterly")
    ws = Workspace(root)
    inputs = inputs_for(ws, declared, declared.parse_period("2026-Q2", ws.campaign))
    kind = declared.kind("rectification_report")
    for unit in declared.form_submitters(kind, inputs):
        content = declared.form(kind, unit, inputs)
        assert content is not None and content.rows
        assert all(r["problem_id"].startswith("DC2026Q2-") for r in content.rows)


# ---------------------------------------------------------------- annual


def test_self_assessment_lists_every_indicator(demo: Path, registry: Registry) -> None:
    written = issue_forms(demo, "annual", "2026")
    self_forms = [p for p in written if "_自评表_" in p.name]
    assert [p.name for p in self_forms] == [
        f"{code}_{u.name}_自评表_2026.xlsx" for code, u in registry.units.items()]
    assert not any("年度工作总结" in p.name for p in written)  # a Word document: no form
    indicators = list(registry.indicators.values())
    assert len(indicators) == 8
    contract = load_contract("self_assessment")
    for path in self_forms:
        form = read_form(path, contract, "indicator_id")
        assert [r["indicator_id"] for r in form.rows] == [i.indicator_id for i in indicators]
        assert hint(form, "一级指标（参考）") == [i.level1 for i in indicators]
        assert hint(form, "二级指标（参考）") == [i.level2 for i in indicators]
        assert [float(v) for v in hint(form, "分值（参考）")] == [i.points for i in indicators]
        assert all(r["self_score"] is None for r in form.rows)
    assert read_form(self_forms[0], contract, "indicator_id").title.endswith("自评表（2026年度）")


def test_assessor_form_lists_every_unit_and_indicator(demo: Path, registry: Registry) -> None:
    [path] = [p for p in issue_forms(demo, "annual", "2026") if p.name == "_assessors_验收组_验收评分表_2026.xlsx"]
    form = read_form(path, load_contract("assessor_scores"), "indicator_id")
    pairs = [(u, i) for u in registry.units.values() for i in registry.indicators.values()]
    assert [(r["unit_code"], r["indicator_id"]) for r in form.rows] == [(u.code, i.indicator_id) for u, i in pairs]
    assert hint(form, "单位名称（参考）") == [u.name for u, _ in pairs]
    assert all(r["score"] is None for r in form.rows)


def test_no_form_for_a_document_kind(demo: Path) -> None:
    declared = cycles.get("annual")
    ws = Workspace(demo)
    inputs = inputs_for(ws, declared, declared.parse_period("2026", ws.campaign))
    assert declared.form(declared.kind("annual_summary"), "BM01", inputs) is None
    content = declared.form(declared.kind("self_assessment"), "BM01", inputs)
    assert isinstance(content, FormContent) and content.locked_fields == {"indicator_id"}


# ---------------------------------------------------------------- --unit, refusals, rewriting, the command


def test_unit_filter_writes_only_that_units_forms(fresh: Path) -> None:
    written = issue_forms(fresh, "annual", "2026", unit="BM03")
    assert [p.name for p in written] == ["BM03_青禾市教育局_自评表_2026.xlsx"]
    assert [p.name for p in (fresh / "forms" / "annual" / "2026").glob("*.xlsx")] == [written[0].name]


def test_unknown_unit_is_refused(fresh: Path) -> None:
    with pytest.raises(DocgenError, match="单位代码“XX99”不在成员单位名册中"):
        issue_forms(fresh, "monthly", "2026-11", unit="XX99")
    assert not list(fresh.glob("forms/**/*.xlsx"))


def test_forms_are_rewritten_on_each_call(fresh: Path) -> None:
    first = issue_forms(fresh, "monthly", "2026-11")
    stale = first[0].parent / "ZZ01_已撤销单位_月度进展报送表_2026-11.xlsx"
    shutil.copyfile(first[0], stale)
    first[1].write_bytes(b"overwritten")
    again = issue_forms(fresh, "monthly", "2026-11")
    assert again == first
    assert not stale.exists()
    assert load_workbook(again[1]).worksheets  # a whole form again
    assert not [p for p in first[0].parent.iterdir() if p.name.startswith(".")]  # no scratch left behind


def test_command(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["forms", "--root", str(fresh), "--cycle", "monthly", "--period", "2026-11", "--unit", "BM03"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "BM03_青禾市教育局_月度进展报送表_2026-11.xlsx" in out
    code = main(["forms", "--root", str(fresh), "--cycle", "monthly", "--period", "2026-11", "--unit", "XX99"])
    assert code == EXIT_USAGE
    assert "不在成员单位名册中" in capsys.readouterr().err


def test_a_returned_files_receipt_points_to_the_units_form(workspace: Path, drop: Any) -> None:
    """A unit whose file is returned is told that a pre-filled form for the period was issued to it, in its
    words: the form's kind, never the folder it sits in."""
    import json

    from .conftest import row

    (form,) = issue_forms(workspace, "monthly", "2026-10", unit="C01")
    drop("C01", [row("C01", "T3", 120)], name="进展.xlsx")
    run_cycle(workspace, "monthly", "2026-10")
    (receipt,) = (workspace / "receipts/monthly/2026-10/C01").glob("*.回执.json")
    notes = json.loads(receipt.read_text(encoding="utf-8"))["notes"]
    assert form.is_file()
    assert notes == ["创建办已下发本期月度进展报送表填报模板，用模板填写可避免大部分问题（表头、编号、数值范围已预设）"]
    drop("A01", [row("A01", "T1", 50)], name="进展.xlsx")
    run_cycle(workspace, "monthly", "2026-10")
    (accepted,) = (workspace / "receipts/monthly/2026-10/A01").glob("*.回执.json")
    assert json.loads(accepted.read_text(encoding="utf-8"))["notes"] == []  # A01 has no form; and it was accepted


def test_forms_go_out_on_the_first_day_of_each_period(demo: Path) -> None:
    from docgen.issue_forms import forms_due, issue_due_forms

    from .builders import CST

    campaign = Workspace(demo).campaign
    assert forms_due(datetime(2026, 10, 1, 8, 0, tzinfo=CST), campaign) == [
        ("monthly", "2026-10"), ("quarterly", "2026-Q4")]
    assert forms_due(datetime(2027, 1, 1, 8, 0, tzinfo=CST), campaign) == [
        ("monthly", "2027-01"), ("quarterly", "2027-Q1"), ("annual", "2027")]
    assert forms_due(datetime(2026, 11, 15, 8, 0, tzinfo=CST), campaign) == []
    # 2026-10-31 17:00 UTC is already 1 November in Shanghai
    assert forms_due(datetime(2026, 10, 31, 17, 0, tzinfo=UTC), campaign) == [("monthly", "2026-11")]
    issued = issue_due_forms(demo, datetime(2026, 11, 1, 8, 0, tzinfo=CST))
    assert list(issued) == ["monthly:2026-11"]
    assert issued["monthly:2026-11"] and all(p.startswith("forms/monthly/2026-11/") for p in issued["monthly:2026-11"])


# ---------------------------------------------------------------- every kind, filled as a unit would


def _fill(field: Any, state: str | None) -> Any:
    """A valid value for an empty input cell, chosen from the contract's own terms."""
    if field.valid_values:
        if field.name == "status":  # a report cannot move an item back: one awaiting recheck stays 已完成
            return "已完成" if state == "已整改待复查" else "整改中"
        return field.valid_values[0]
    if field.logical_type == "date":
        return datetime(2026, 11, 15)
    if field.logical_type in ("integer", "number"):
        return 0 if field.minimum is None else field.minimum
    if field.pattern:
        return "13800138000"
    return "已落实"


def _filled(path: Path, contract: Contract, out: Path, extra: list[dict[str, Any]] = ()) -> Path:
    """The form with every input cell of its pre-filled rows filled (and ``extra`` rows typed in below)."""
    book = load_workbook(path)
    sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
    header_row = next(r for r in range(1, 10) if any(
        header_key(str(c.value or "")) in {header_key(f.header) for f in contract.fields} for c in sheet[r]))
    columns = {header_key(str(c.value)): c.column for c in sheet[header_row] if c.value}
    field_col = {f.name: columns[header_key(f.header)] for f in contract.fields if header_key(f.header) in columns}
    state_col = next((col for key, col in columns.items() if key.startswith(header_key("当前状态"))), None)
    last = header_row
    for r in range(header_row + 1, sheet.max_row + 1):
        cells = [sheet.cell(r, c).value for c in field_col.values()]
        if not any(v not in (None, "") for v in cells):
            continue
        last = r
        state = sheet.cell(r, state_col).value if state_col else None
        for f in contract.fields:
            cell = sheet.cell(r, field_col[f.name])
            if cell.value in (None, ""):
                cell.value = _fill(f, state)
    for i, values in enumerate(extra, start=1):
        for name, value in values.items():
            sheet.cell(last + i, field_col[name]).value = value
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _resaved(paths: list[Path], out_dir: Path) -> list[Path]:
    """The workbooks as LibreOffice (standing in for Excel or WPS) saves them again, when installed (one
    LibreOffice process for them all)."""
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        return paths
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation=file://{out_dir}/profile", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), *map(str, paths)],
                   check=True, capture_output=True, timeout=600)
    return [out_dir / p.name for p in paths]


def test_every_kind_of_form_filled_and_saved_is_accepted(fresh: Path, tmp_path: Path) -> None:
    """Forms of every kind for the demo campaign, filled through openpyxl and saved again (by LibreOffice
    where installed), dropped where their submitters drop them: intake accepts every one."""
    from docgen.pipeline import intake_step, receipts_step
    from docgen.resources import set_drop_time

    from .builders import CST

    run_cycle(fresh, "quarterly", "2026-Q2")
    run_cycle(fresh, "quarterly", "2026-Q3")  # so Q4's forms carry open and awaiting items
    plan = [("monthly", "2026-11"), ("quarterly", "2026-Q4"), ("annual", "2026")]
    new_problem = {"problem_id": "DC2026Q4-001", "unit_code": "BM01", "problem_type": "宣传教育",
                   "description": "宣传栏内容陈旧", "requirement": "更新宣传栏", "deadline": datetime(2026, 12, 31),
                   "inspection_date": datetime(2026, 11, 10), "inspection_team": "第一督查组"}
    order = {"_inspection": 0, "_recheck": 2}
    dropped = 0
    for cycle, period in plan:
        forms = issue_forms(fresh, cycle, period)
        assert forms, (cycle, period)
        filled = []
        for form in forms:
            kind = next(k for k in cycles.get(cycle).kinds if k.title in form.name)
            extra = [new_problem] if kind.name == "inspection_problems" else []
            filled.append(_filled(form, load_contract(kind.name), tmp_path / "filled" / cycle / form.name, extra))
        for form, saved in zip(forms, _resaved(filled, tmp_path / "resaved" / cycle), strict=True):
            folder = form.name.split("_")[0] if not form.name.startswith("_") else "_" + form.name.split("_")[1]
            target = fresh / "intake" / cycle / period / folder / f"已填_{form.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved, target)
            set_drop_time(target, datetime(2026, 11, 20, 10 + order.get(folder, 1), 0, tzinfo=CST))
            dropped += 1
    for cycle, period in plan:
        intake_step(fresh, cycle, period)
        receipts = receipts_step(fresh, cycle, period)
        assert receipts["rejected"] == [], receipts["rejected"]
    answered = [p for cycle, period in plan for p in (fresh / "receipts" / cycle / period).rglob("*已填_*.回执.json")]
    assert len(answered) == dropped


def test_a_tampered_form_gets_the_ordinary_checks_and_a_clear_receipt(fresh: Path, registry: Registry,
                                                                         tmp_path: Path) -> None:
    """Protection removed and a key changed, the header edited, a hint altered: intake reads the file as
    any other (the hints are not data) and says what is wrong, where."""
    [path] = issue_forms(fresh, "monthly", "2026-11", unit="XZ01")
    contract = load_contract("monthly_progress")
    context = ValidationContext(unit="XZ01", tasks=registry.tasks, unit_codes=registry.units.keys())

    def tampered(change: Any) -> Any:
        book = load_workbook(path)
        sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
        sheet.protection.sheet = False
        header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "单位代码")
        cols = {sheet.cell(header, c).value: c for c in range(1, sheet.max_column + 1)}
        sheet.cell(header + 1, cols["本月进展"]).value = "召开推进会"
        sheet.cell(header + 1, cols["完成进度(%)"]).value = 60
        change(sheet, header, cols)
        out = tmp_path / f"{len(list(tmp_path.iterdir()))}.xlsx"
        book.save(out)
        return validate_file(out, contract, context), header

    result, header = tampered(lambda sh, h, c: setattr(sh.cell(h + 1, c["任务编号"]), "value", "T05"))
    assert [(p.row, p.column) for p in result.problems] == [(header + 1, "任务编号")]
    result, header = tampered(lambda sh, h, c: setattr(sh.cell(h, c["完成进度(%)"]), "value", "进度"))
    assert [(p.column, p.message.startswith("缺少必填列")) for p in result.problems] == [("完成进度(%)", True)]
    result, _ = tampered(lambda sh, h, c: setattr(sh.cell(h + 1, c["任务名称（参考）"]), "value", "随便改"))
    assert result.accepted, [p.describe() for p in result.problems]
