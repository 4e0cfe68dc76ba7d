"""Test data for the 专项督查 cycle: its campaign.yaml section and the files of one inspection, with the
table headers taken from the contracts (never typed again here)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from docgen.contracts import load_contract
from docgen.resources import set_drop_time

from . import CST
from .registry import write_campaign
from .tables import write_table


def headers(contract: str) -> list[str]:
    """The Chinese column headers of ``contract``, in its order."""
    return [f.header for f in load_contract(contract).fields]


PROBLEM_HEADERS = headers("special_problems")
REPORT_HEADERS = headers("rectification_report")
RECHECK_HEADERS = headers("recheck_results")
QUARTERLY_PROBLEM_HEADERS = headers("inspection_problems")

KEY = "2026-ZX01"
NAME = "背街小巷环境卫生专项督查"
INSPECTION: dict[str, Any] = {
    "key": KEY, "name": NAME, "units": ["A01", "B01", "C01", "D01"], "start": "2026-11-02", "end": "2026-11-13",
    "deadline": "2026-11-20 17:00", "method": "明查暗访",
}


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=CST)


def write_special_campaign(root: Path, *inspections: dict[str, Any], **section: Any) -> Path:
    """campaign.yaml of the test workspace with ``special.inspections`` (default: the one above)."""
    return write_campaign(root, intake={"max_file_mb": 1, "settle_seconds": 0},
                          special={"inspections": list(inspections or [INSPECTION]), **section})


def put(root: Path, cycle: str, period: str, folder: str, name: str, header: list[str], rows: list[list[object]],
        when: datetime, **table: object) -> Path:
    """Drop a file into ``intake/<cycle>/<period>/<folder>/`` as its submitter would, at ``when``."""
    path = root / "intake" / cycle / period / folder / name
    write_table(path, header, rows, **table)  # type: ignore[arg-type]
    set_drop_time(path, when)
    return path


def finding(pid: str, unit: str, kind: str, deadline: str, text: str = "") -> list[object]:
    """A row of the special problem list (督查日期 2026-11-10, 暗访组)."""
    return [pid, unit, kind, text or f"{kind}方面存在问题（{pid}）", f"限期整改{pid}", deadline, "2026-11-10", "第二暗访组"]


def one_inspection(root: Path) -> None:
    """A quarterly problem P1 (2026-Q3), then inspection 2026-ZX01 (deadline 2026-11-20 17:00):
    five findings; A01 reports on time (001 done, 002 under way) and 001's recheck passes before the
    deadline; B01 reports late (003 done, on 11-22); C01's report names the quarterly P1, so it is
    refused; D01 never reports; a second problem list with another inspection's key is refused."""
    put(root, "quarterly", "2026-Q3", "_inspection", "三季度问题清单.xlsx", QUARTERLY_PROBLEM_HEADERS, [
        ["P1", "A01", "宣传教育", "宣传栏内容陈旧", "更新宣传栏", "2026-10-31", "2026-09-08", "第一督查组"],
    ], at(9, 10))
    put(root, "special", KEY, "_inspection", "专项督查问题清单.xlsx", PROBLEM_HEADERS, [
        finding(f"{KEY}-001", "A01", "环境卫生", "2026-11-18"),
        finding(f"{KEY}-002", "A01", "市容秩序", "2026-11-30"),
        finding(f"{KEY}-003", "B01", "环境卫生", "2026-11-25"),
        finding(f"{KEY}-004", "C01", "公共设施", "2026-11-19", "{{ 7*7 }}<b>&"),
        finding(f"{KEY}-005", "D01", "环境卫生", "2026-12-31"),
    ], at(11, 14), title="背街小巷环境卫生专项督查问题清单")
    put(root, "special", KEY, "_inspection", "补充问题清单.xlsx", PROBLEM_HEADERS, [
        finding(f"{KEY}-006", "B01", "环境卫生", "2026-11-30"),
        finding("2026-ZX02-001", "B01", "环境卫生", "2026-11-30"),
    ], at(11, 15))
    put(root, "special", KEY, "A01", "整改情况.xlsx", REPORT_HEADERS, [
        [f"{KEY}-001", "清理垃圾堆放点", "已完成", "2026-11-16", "照片4张"],
        [f"{KEY}-002", "规范占道经营", "整改中", None, None],
    ], at(11, 17))
    put(root, "special", KEY, "_recheck", "复查结果.xlsx", RECHECK_HEADERS, [[f"{KEY}-001", "通过", "2026-11-19", "王五"]],
        at(11, 19))
    put(root, "special", KEY, "C01", "整改情况.xlsx", REPORT_HEADERS, [["P1", "已整改", "已完成", "2026-11-18", ""]],
        at(11, 18))
    put(root, "special", KEY, "B01", "整改情况.xlsx", REPORT_HEADERS, [[f"{KEY}-003", "清运完毕", "已完成", "2026-11-21", ""]],
        at(11, 22))


def make_special_report() -> Any:
    """A SpecialReport for rendering checks: the quarterly documents' sample items under an inspection's name."""
    from datetime import date  # noqa: PLC0415

    from docgen.cycles.special.report import SpecialReport  # noqa: PLC0415

    from ..test_quarterly_documents import make_report  # noqa: PLC0415

    base = make_report()
    return SpecialReport(**{**base.__dict__, "period": KEY, "period_label": NAME}, name=NAME,
                         scope=[u.code for u in base.units], scope_names=[u.name for u in base.units],
                         start=date(2026, 11, 2), method="明查暗访")
