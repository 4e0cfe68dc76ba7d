"""Test data of the weekly cycle: the key-project register and units' weekly reports, written as real files
with the headers their contracts give (never typed again here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from docgen.contracts import load_contract
from docgen.resources import set_drop_time

from . import CST
from .tables import write_table

REGISTER_HEADERS = [f.header for f in load_contract("key_projects").fields]
REPORT_HEADERS = [f.header for f in load_contract("weekly_progress").fields]
REGISTER_FILE = "重点项目节点.xlsx"

# 项目编号, 项目名称, 责任单位, 节点序号, 节点名称, 计划完成日期 (the units of tests/conftest.py)
MILESTONES: list[tuple[str, str, str, int, str, date]] = [
    ("XM01", "民族团结进步教育基地", "A01", 1, "完成选址", date(2026, 11, 20)),
    ("XM01", "民族团结进步教育基地", "A01", 2, "主体完工", date(2026, 12, 4)),
    ("XM01", "民族团结进步教育基地", "A01", 3, "布展开放", date(2026, 12, 31)),
    ("XM02", "石榴籽家园示范点", "B01", 1, "方案批复", date(2026, 11, 27)),
    ("XM02", "石榴籽家园示范点", "B01", 2, "建成投用", date(2026, 12, 10)),
    ("XM03", "民族特色产业园", "C01", 1, "完成立项", date(2026, 11, 26)),
    ("XM03", "民族特色产业园", "C01", 2, "开工建设", date(2026, 12, 3)),
    ("XM04", "民族文化广场", "D01", 1, "设计招标", date(2026, 12, 20)),
]


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def register_rows(milestones: Sequence[tuple[str, str, str, int, str, date]] = MILESTONES) -> list[list[object]]:
    """Rows in the contract's column order (项目类别 and 总投资 filled for the first project only)."""
    rows = []
    for pid, name, unit, no, milestone, planned in milestones:
        values = {"项目编号": pid, "项目名称": name, "项目类别": "公共服务" if pid == "XM01" else None,
                  "总投资(万元)": 1200.5 if pid == "XM01" else None, "责任单位": unit, "节点序号": no,
                  "节点名称": milestone, "计划完成日期": planned}
        rows.append([values[h] for h in REGISTER_HEADERS])
    return rows


def write_register(root: Path, rows: Sequence[Sequence[object]] | None = None, name: str = REGISTER_FILE) -> Path:
    """The secretariat's register in ``registry/``."""
    return write_table(root / "registry" / name, REGISTER_HEADERS, register_rows() if rows is None else rows)


def report_row(project: str, no: object, done: str = "否", completed: object = None, *, progress: str = "",
               issues: str = "", needs: str | None = "否", coordination: str = "", reporter: str = "张三") -> list[object]:
    values = {"项目编号": project, "节点序号": no, "是否完成": done, "实际完成日期": completed, "当前进展": progress,
              "存在问题/堵点": issues, "是否需要协调": needs, "需协调事项": coordination, "填报人": reporter}
    return [values[h] for h in REPORT_HEADERS]


def drop_report(root: Path, week: str, unit: str, rows: Sequence[Sequence[object]], when: datetime,
                name: str = "重点项目周调度表.xlsx") -> Path:
    """A unit's weekly report dropped into ``intake/weekly/<week>/<unit>/`` at ``when``."""
    path = root / "intake" / "weekly" / week / unit / name
    write_table(path, REPORT_HEADERS, rows, title=f"重点项目周调度表（{week}）")
    set_drop_time(path, when)
    return path


def week_48(root: Path) -> None:
    """2026-W48 (11月23日—29日, due 11月30日 12:00): A01 on time (XM01#1 done on 11月19日), B01 late, C01 and D01
    missing."""
    drop_report(root, "2026-W48", "A01", [
        report_row("XM01", 1, "是", "2026-11-19", progress="选址已确定"),
        report_row("XM01", 2, progress="主体施工中"),
        report_row("XM01", 3),
    ], at(11, 27))
    drop_report(root, "2026-W48", "B01", [
        report_row("XM02", 1, progress="方案修改中"),
        report_row("XM02", 2),
    ], at(12, 1, 9))


def week_49(root: Path) -> None:
    """2026-W49 (11月30日—12月6日, due 12月7日 12:00): A01 asks for 协调 on XM01#2; B01 finishes XM02#1 on
    12月2日; D01's first file asks for 协调, its later one does not (the later counts); C01 missing."""
    drop_report(root, "2026-W49", "A01", [
        report_row("XM01", 2, progress="主体施工中", issues="征地拆迁未完成", needs="是",
                   coordination="请市自然资源局协调用地手续"),
        report_row("XM01", 3),
    ], at(12, 4, 16))
    drop_report(root, "2026-W49", "B01", [
        report_row("XM02", 1, "是", "2026/12/2", progress="方案已批复"),
        report_row("XM02", 2, progress="施工中"),
    ], at(12, 5))
    drop_report(root, "2026-W49", "D01", [report_row("XM04", 1, needs="是", coordination="资金未到位")], at(12, 3, 9),
                name="周调度表（初稿）.xlsx")
    drop_report(root, "2026-W49", "D01", [report_row("XM04", 1, progress="招标文件编制中", needs="否")], at(12, 5, 15))
