"""Many files validated in one pass give each file exactly the answer it gets alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.contracts import Contract, Validation, ValidationContext, load_contract
from docgen.formats.tables import RawTable
from docgen.models import Problem
from docgen.validation import read_for

from .builders.monthly import PROGRESS_HEADERS, progress_rows
from .builders.tables import write_table
from .conftest import TASKS, row

TASK_MAP = {t.task_id: t for t in TASKS}
UNIT_CODES = {"A01": 1, "B01": 1, "C01": 1, "D01": 1}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract("monthly_progress")


def _context(unit: str | None, tasks: dict | None = None) -> ValidationContext:
    # a new dict.keys() view per file, as intake builds its contexts
    return ValidationContext(unit=unit, tasks=TASK_MAP if tasks is None else tasks, unit_codes=UNIT_CODES.keys())


def _read(contract: Contract, path: Path) -> RawTable:
    return read_for(contract, path)


@pytest.fixture(scope="module")
def batch(contract: Contract, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[RawTable, ValidationContext]]:
    """Real files of several units, good and bad, read back with the intake's reader."""
    root = tmp_path_factory.mktemp("intake")

    def put(name: str, unit: str | None, rows: list[list[object]], headers: list[str] = PROGRESS_HEADERS,
            **table: object) -> tuple[RawTable, ValidationContext]:
        path = write_table(root / (unit or "none") / name, headers, rows, **table)  # type: ignore[arg-type]
        return _read(contract, path), _context(unit)

    bad_rows = [
        row("C01", "T3", 120),  # row 2: out of range
        row("C01", "T4", 50, **{"本月开展活动(场次)": "十二"}),  # row 3: T4 not C01's; text for a number
        row("B01", "T9", 50),  # row 4: another unit's code, unknown task
        row("C01", "T3", 50, 本月进展=""),  # row 5: T3 twice, required text missing
        row("C01", "T1", 50, 联系电话="12345", **{"投入经费(万元)": 1.234, "参与人数(人次)": -3}),  # row 6
    ]
    missing_column = [h for h in PROGRESS_HEADERS if h != "完成进度(%)"]
    return {
        # A01 and B01 both report T1: fine, a task id is unique within a file only
        "good_a": put("a.xlsx", "A01", progress_rows("A01", TASKS, progress={"T1": 85, "T4": 10})),
        "good_b": put("b.xlsx", "B01", [row("B01", "T1", 40), row("B01", "T2", 60)], title="市民族宗教事务局进展",
                      instructions="填表说明：每个任务一行"),
        "bad_c": put("c.xlsx", "C01", bad_rows),
        # D01's folder holding A01's rows: each file is checked against its own folder's unit
        "wrong_folder": put("d.xlsx", "D01", [row("A01", "T4", 30)]),
        "percent": put("p.xlsx", "A01", [row("A01", "T1", 0.85), row("A01", "T4", 1.2)],
                       percent_columns={"完成进度(%)"}),
        "csv_gbk": put("g.csv", "D01", [row("D01", "T4", "８５%")], encoding="gbk"),
        "missing_column": put("m.xlsx", "A01", [[v for h, v in zip(PROGRESS_HEADERS, row("A01", "T1"), strict=True)
                                                 if h != "完成进度(%)"]], headers=missing_column),
        "empty": put("e.xlsx", "B01", []),
        "no_unit": put("n.xlsx", None, [row("C01", "T3", 50), row("C01", "T3", 60)]),
    }


def test_each_file_gets_what_it_gets_alone(contract: Contract, batch: dict) -> None:
    items = list(batch.values())
    together = contract.validate_many(items)
    alone = [contract.validate(table, context) for table, context in items]
    assert together == alone
    # and whatever the other files in the batch, or their order
    assert contract.validate_many(items[::-1]) == alone[::-1]
    assert contract.validate_many(items[2:5]) == alone[2:5]


def test_accepted_files_keep_typed_rows_and_excel_rows(contract: Contract, batch: dict) -> None:
    names = list(batch)
    results = dict(zip(names, contract.validate_many(list(batch.values())), strict=True))
    b = results["good_b"]
    assert b.accepted and b.excel_rows == [4, 5]  # title row 1, header 2, 填表说明 3
    assert b.rows[0] == {
        "unit_code": "B01", "task_id": "T1", "progress_text": "开展宣讲活动3场", "completion_pct": 40.0,
        "activities": 3, "participants": 120, "funds_10k_yuan": 1.5, "issues": "无", "next_month_plan": "继续推进",
        "reporter": "张三", "phone": "13800138000",
    }
    a = results["good_a"]
    assert a.accepted and [(r["task_id"], r["completion_pct"]) for r in a.rows] == [("T1", 85.0), ("T4", 10.0)]
    assert results["csv_gbk"].accepted and results["csv_gbk"].rows[0]["completion_pct"] == 85.0


def test_problems_carry_their_own_file_row_cell_and_message(contract: Contract, batch: dict) -> None:
    results = dict(zip(batch, contract.validate_many(list(batch.values())), strict=True))
    c = results["bad_c"]
    assert not c.accepted and c.rows == []
    assert c.problems == [
        Problem(row=2, column="任务编号", value="T3", cell="B2",
                message="同一“任务编号”在表中出现多次，每个任务编号只能填一行，请合并"),
        Problem(row=2, column="完成进度(%)", value="120", cell="D2", message="应在 0 到 100 之间"),
        Problem(row=3, column="任务编号", value="T4", cell="B3",
                message="本单位不是该任务的牵头单位或配合单位，请删除此行或核对任务编号"),
        Problem(row=3, column="本月开展活动(场次)", value="十二", cell="E3",
                message="应填写整数（如 12 或 1,234），不能填写文字"),
        Problem(row=4, column="单位代码", value="B01", cell="A4",
                message="单位代码应为本单位代码“C01”，不能报送其他单位的数据"),
        Problem(row=4, column="任务编号", value="T9", cell="B4", message="任务编号不在任务清单中，请核对任务编号"),
        Problem(row=5, column="任务编号", value="T3", cell="B5",
                message="同一“任务编号”在表中出现多次，每个任务编号只能填一行，请合并"),
        Problem(row=5, column="本月进展", value=None, cell="C5", message="“本月进展”为必填项，不能为空"),
        Problem(row=6, column="任务编号", value="T1", cell="B6",
                message="本单位不是该任务的牵头单位或配合单位，请删除此行或核对任务编号"),
        Problem(row=6, column="参与人数(人次)", value="-3", cell="F6", message="不能小于 0"),
        Problem(row=6, column="投入经费(万元)", value="1.234", cell="G6", message="最多保留2位小数"),
        Problem(row=6, column="联系电话", value="12345", cell="K6",
                message="格式不正确，请填写 11 位手机号，或带区号的座机号（写作“区号-号码”，如 区号-12345678）"),
    ]


def test_the_same_rows_in_another_unit_folder_are_refused_there_only(contract: Contract, batch: dict) -> None:
    results = dict(zip(batch, contract.validate_many(list(batch.values())), strict=True))
    wrong = results["wrong_folder"].problems
    assert [(p.row, p.column, p.message) for p in wrong] == [
        (2, "单位代码", "单位代码应为本单位代码“D01”，不能报送其他单位的数据"),
    ]
    # a file whose context names no unit gets no folder rules, but still the within-file uniqueness
    assert [(p.row, p.column, p.message) for p in results["no_unit"].problems] == [
        (2, "任务编号", "同一“任务编号”在表中出现多次，每个任务编号只能填一行，请合并"),
        (3, "任务编号", "同一“任务编号”在表中出现多次，每个任务编号只能填一行，请合并"),
    ]


def test_percent_formatted_cells_read_per_file(contract: Contract, batch: dict) -> None:
    results = dict(zip(batch, contract.validate_many(list(batch.values())), strict=True))
    assert results["percent"].problems == [
        Problem(row=3, column="完成进度(%)", value="1.2", cell="D3", message="应在 0 到 100 之间"),
    ]


def test_files_without_the_pass(contract: Contract, batch: dict) -> None:
    results = dict(zip(batch, contract.validate_many(list(batch.values())), strict=True))
    assert results["missing_column"].problems == [
        Problem(row=1, column="完成进度(%)", message="缺少必填列“完成进度(%)”，请使用报送模板，不要删除或改动表头"),
    ]
    assert results["empty"] == Validation(
        rows=[], problems=[Problem(row=2, message="表中没有数据行，请在表头下方逐行填写")], excel_rows=[]
    )
    empty_table, context = batch["empty"]
    assert contract.validate_many([(empty_table, context)], require_rows=False) == [Validation([], [], [])]


def test_files_with_different_registries_in_one_batch(contract: Contract, batch: dict) -> None:
    """Each file is checked against its own task list, even when a batch mixes two."""
    table, _ = batch["good_a"]
    without_t4 = {k: v for k, v in TASK_MAP.items() if k != "T4"}
    items = [(table, _context("A01")), (table, _context("A01", without_t4)), (table, ValidationContext(unit="A01"))]
    together = contract.validate_many(items)
    assert together == [contract.validate(t, c) for t, c in items]
    assert together[0].accepted and together[2].accepted
    assert [(p.row, p.column, p.message) for p in together[1].problems] == [
        (3, "任务编号", "任务编号不在任务清单中，请核对任务编号"),
    ]


def test_many_files_with_the_same_task_ids(contract: Contract, tmp_path: Path) -> None:
    """120 files, each reporting T1 (and two of them T1 twice): only those two are returned."""
    items = []
    for k in range(120):
        unit = "A01" if k % 2 else "B01"
        rows = [row(unit, "T1", k % 100)]
        if k in (17, 100):
            rows.append(row(unit, "T1", 5))
        path = write_table(tmp_path / f"{k}.csv", PROGRESS_HEADERS, rows)
        items.append((_read(contract, path), _context(unit)))
    results = contract.validate_many(items)
    returned = [k for k, r in enumerate(results) if not r.accepted]
    assert returned == [17, 100]
    assert [p.cell for p in results[100].problems] == ["B2", "B3"]
    assert results[99].rows[0]["completion_pct"] == 99.0


def test_task_lists_checked_against_each_files_unit_codes(tmp_path: Path) -> None:
    """The registry rules too: each file's codes (a list, dict keys or none), each file's own dates."""
    from datetime import date

    from docgen.models import Task

    from .builders.registry import write_registry
    from .conftest import UNITS

    contract = load_contract("tasks")
    late = Task("T5", "编印民族团结进步读本", "宣传教育工程", "A01", (), date(2026, 10, 1), date(2026, 9, 1))
    write_registry(tmp_path / "messy", UNITS, TASKS, messy=True)
    write_registry(tmp_path / "late", UNITS, [*TASKS, late])
    messy = _read(contract, tmp_path / "messy" / "registry" / "任务清单.xlsx")
    with_late = _read(contract, tmp_path / "late" / "registry" / "任务清单.xlsx")
    items = [
        (messy, ValidationContext(unit_codes=["A01", "B01"])),
        (with_late, ValidationContext(unit_codes=UNIT_CODES.keys())),
        (messy, ValidationContext()),
    ]
    together = contract.validate_many(items)
    assert together == [contract.validate(t, c) for t, c in items]
    assert together[0].problems == [
        Problem(row=4, column="配合单位", value="C01", cell="E4",
                message="其中有不在成员单位名册中的单位代码，请核对（多个代码用 、 , ; 或空格分隔）"),
        Problem(row=5, column="牵头单位", value="C01", cell="D5", message="单位代码不在成员单位名册中，请先在名册中登记"),
        Problem(row=6, column="牵头单位", value="D01", cell="D6", message="单位代码不在成员单位名册中，请先在名册中登记"),
    ]
    assert [(p.row, p.column, p.cell, p.value, p.message) for p in together[1].problems] == [
        (7, "完成时限", "I7", "2026-09-01", "完成时限不能早于开始日期"),
    ]
    assert together[2].accepted
    assert [(r["task_id"], r["cooperating_units"], r["deadline"]) for r in together[2].rows][:2] == [
        ("T1", ("B01",), date(2026, 12, 31)), ("T2", ("C01",), date(2026, 10, 15)),
    ]
