"""A campaign in levels: the city (青禾市) and two counties (河湾县, 石峡县), each a workspace of its own.

The city's registry lists its two departments and the two counties' secretariats as units (XQ01, XQ02);
each county's registry lists its own units and gives the city's tasks (same 任务编号) to them, beside a
task of its own. Files for 2026-10 (monthly) and 2026-Q3 (quarterly) are dropped at fixed moments:

- 2026-10, the counties' deadline is 3 November 17:00, the city's 5 November 17:00.
  河湾县: all three units on time. 石峡县: 石峡镇 on time; the 民宗局 on time with T03 (due 31 October) at
  80 %, so T03 is overdue; the 文旅局 sends nothing. The city: 统战部 on time, 民宗局 late (6 November).
- 2026-Q3: the city's inspection files three problems on 20 September (one a county each, one the 统战部);
  河湾县 hands its item to 城关镇 (转办) in its own problem list, 城关镇 reports it 已完成 on 5 October.
  石峡县 hands its item to the 民宗局, which reports 整改中.

Everything here is written by the tests and the levels demo's generator; the expected figures are worked
out by hand in the tests (``tests/test_levels.py``) and the demo's ``expected.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from docgen.models import Task, Unit
from docgen.resources import set_drop_time

from .registry import write_campaign, write_registry
from .tables import contract_headers, write_table

CST = ZoneInfo("Asia/Shanghai")
PROGRESS = contract_headers("monthly_progress")
PROBLEMS = contract_headers("inspection_problems")
RECTIFICATION = contract_headers("rectification_report")
MONTH, QUARTER = "2026-10", "2026-Q3"
CITY, COUNTY_A, COUNTY_B = "青禾市", "河湾县", "石峡县"

CITY_UNITS = (
    Unit("BM01", "市委统战部", "部门", "马文军", "13897000001"),
    Unit("BM02", "市民宗局", "部门", "李建国", "13897000002"),
    Unit("XQ01", "河湾县创建办", "县区", "韩雪梅", "13897000011"),
    Unit("XQ02", "石峡县创建办", "县区", "王志强", "13897000012"),
)
CITY_TASKS = (
    Task("T01", "民族团结进步宣传月活动", "宣传教育工程", "BM01", ("XQ01",), date(2026, 3, 1), date(2026, 12, 31),
         "12", "场"),
    Task("T02", "民族团结进步示范社区创建", "进社区工程", "XQ01", ("XQ02", "BM02"), date(2026, 1, 1),
         date(2026, 12, 31), "20", "个"),
    Task("T03", "民族特色产业帮扶", "共同富裕工程", "XQ02", (), date(2026, 2, 1), date(2026, 10, 31), "5", "个"),
    Task("T04", "民族文化展演", "文化交流工程", "BM02", (), date(2026, 4, 1), date(2026, 11, 30), "8", "场"),
)
A_UNITS = (
    Unit("HW01", "城关镇", "乡镇街道", "刘晓红", "13897000101"),
    Unit("HW02", "河湾县教育局", "部门", "赵永明", "13897000102"),
    Unit("HW03", "河湾县民宗局", "部门", "马丽娟", "13897000103"),
)
A_TASKS = (  # the city's T01 and T02 given to the county's units; HT01 its own
    Task("T01", "民族团结进步宣传月活动", "宣传教育工程", "HW03", ("HW01",), date(2026, 3, 1), date(2026, 12, 31)),
    Task("T02", "民族团结进步示范社区创建", "进社区工程", "HW01", ("HW02",), date(2026, 1, 1), date(2026, 12, 31)),
    Task("HT01", "乡村民族团结示范点建设", "进社区工程", "HW02", ("HW01",), date(2026, 5, 1), date(2026, 12, 31)),
)
B_UNITS = (
    Unit("SX01", "石峡镇", "乡镇街道", "陈国栋", "13897000201"),
    Unit("SX02", "石峡县民宗局", "部门", "祁海英", "13897000202"),
    Unit("SX03", "石峡县文旅局", "部门", "杨晓东", "13897000203"),
)
B_TASKS = (
    Task("T02", "民族团结进步示范社区创建", "进社区工程", "SX01", (), date(2026, 1, 1), date(2026, 12, 31)),
    Task("T03", "民族特色产业帮扶", "共同富裕工程", "SX02", ("SX03",), date(2026, 2, 1), date(2026, 10, 31)),
    Task("ST01", "民族文化进景区", "文化交流工程", "SX03", (), date(2026, 6, 1), date(2026, 12, 31)),
)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


@dataclass(frozen=True)
class Levels:
    city: Path
    county_a: Path
    county_b: Path


def build_levels(base: Path, *, settle_seconds: int = 0) -> Levels:
    """The three workspaces under ``base`` (``青禾市/``, ``河湾县/``, ``石峡县/``), registries and settings only."""
    city, a, b = base / CITY, base / COUNTY_A, base / COUNTY_B
    intake = {"max_file_mb": 1, "settle_seconds": settle_seconds}
    write_campaign(city, intake=intake, deadlines={"annual": {"month": 1, "day": 20, "time": "17:00"}}, levels={"children": {"XQ01": f"../{COUNTY_A}", "XQ02": f"../{COUNTY_B}"},
                                                "drill": True})
    write_registry(city, CITY_UNITS, CITY_TASKS)
    for root, county, prefix, unit, units, tasks in (
        (a, COUNTY_A, "河创建办", "XQ01", A_UNITS, A_TASKS), (b, COUNTY_B, "石创建办", "XQ02", B_UNITS, B_TASKS),
    ):
        campaign = write_campaign(
            root, intake=intake, name=f"{county}创建全国民族团结进步示范县",
            secretariat=f"{county}创建全国民族团结进步示范县工作领导小组办公室",
            doc_number_prefix=prefix + "〔{year}〕", levels={"parent": {"root": f"../{CITY}", "unit": unit}},
            monthly={"requirements": ["各成员单位要对照县（区）任务清单按时推进，确保按时报送。"]},
        )
        # the counties collect before the city's deadlines (the 3rd of the month, the 7th after a quarter);
        # the annual deadline is left to the one the city sends down
        settings = yaml.safe_load(campaign.read_text(encoding="utf-8"))
        settings["deadlines"] = {"monthly": {"day": 3, "time": "17:00"}, "quarterly": {"day": 7, "time": "17:00"}}
        campaign.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
        write_registry(root, units, tasks)
    return Levels(city, a, b)


def _progress(unit: str, task: str, pct: float, n: int, people: int, funds: float, text: str,
              issues: str = "", phone: str = "13897000999") -> list[object]:
    return [unit, task, text, pct, n, people, funds, issues, "继续推进。", "张海燕", phone]


def drop(root: Path, cycle: str, period: str, folder: str, name: str, header: list[str],
         rows: list[list[object]], when: datetime) -> Path:
    """A file dropped in ``intake/<cycle>/<period>/<folder>/`` at ``when``."""
    path = root / "intake" / cycle / period / folder / name
    write_table(path, header, rows, title=name.rsplit(".", 1)[0])
    set_drop_time(path, when)
    return path


def month_files(levels: Levels) -> None:
    """The units' 月度进展报送表 of 2026-10 at both levels."""
    a, b, city = levels.county_a, levels.county_b, levels.city
    drop(a, "monthly", MONTH, "HW01", "城关镇10月进展.xlsx", PROGRESS, [
        _progress("HW01", "T01", 80, 3, 260, 1.2, "配合开展宣传月进村入户宣讲。"),
        _progress("HW01", "T02", 85, 4, 420, 6.5, "城关社区完成示范社区创建评估。"),
        _progress("HW01", "HT01", 70, 2, 90, 0.8, "配合建设示范点。"),
    ], at(11, 1, 16))
    drop(a, "monthly", MONTH, "HW02", "教育局10月进展.xlsx", PROGRESS, [
        _progress("HW02", "T02", 80, 2, 300, 2.0, "学校社区共建活动。"),
        _progress("HW02", "HT01", 75, 3, 150, 4.5, "完成两个示范点建设方案。"),
    ], at(11, 2, 10))
    drop(a, "monthly", MONTH, "HW03", "民宗局10月进展.xlsx", PROGRESS, [
        _progress("HW03", "T01", 90, 5, 600, 3.0, "举办宣传月启动仪式和知识竞赛。"),
    ], at(11, 2, 15))
    drop(b, "monthly", MONTH, "SX01", "石峡镇10月进展.xlsx", PROGRESS, [
        _progress("SX01", "T02", 70, 2, 180, 1.5, "石峡社区创建工作有序推进。"),
    ], at(11, 2, 9))
    drop(b, "monthly", MONTH, "SX02", "民宗局10月进展.xlsx", PROGRESS, [
        _progress("SX02", "T03", 80, 3, 210, 12.0, "帮扶特色产业项目四个。", "一个项目尚未投产。"),
    ], at(11, 3, 11))
    drop(city, "monthly", MONTH, "BM01", "统战部10月进展.xlsx", PROGRESS, [
        _progress("BM01", "T01", 88, 6, 900, 5.0, "全市宣传月活动全面铺开。"),
    ], at(11, 4, 10))
    drop(city, "monthly", MONTH, "BM02", "民宗局10月进展.xlsx", PROGRESS, [
        _progress("BM02", "T02", 85, 1, 120, 0.5, "指导示范社区创建。"),
        _progress("BM02", "T04", 90, 4, 800, 8.0, "民族文化展演在各县巡演。"),
    ], at(11, 6, 9))


def corrected_t03(levels: Levels, when: datetime) -> Path:
    """石峡县民宗局's corrected report after the city returned the county's: T03 done (100 %)."""
    return drop(levels.county_b, "monthly", MONTH, "SX02", "民宗局10月进展（更正）.xlsx", PROGRESS, [
        _progress("SX02", "T03", 100, 3, 210, 12.0, "帮扶特色产业项目四个，均已投产。"),
    ], when)


def quarter_files(levels: Levels) -> None:
    """The city's problem list of 2026-Q3 and the counties' handing on and rectification."""
    city, a, b = levels.city, levels.county_a, levels.county_b
    drop(city, "quarterly", QUARTER, "_inspection", "三季度督查问题清单.xlsx", PROBLEMS, [
        ["DC2026Q3-001", "XQ01", "宣传教育", "县城主要街道民族团结宣传氛围不浓。", "增设宣传栏并更新内容。",
         date(2026, 10, 20), date(2026, 9, 20), "市督查一组"],
        ["DC2026Q3-002", "XQ02", "产业帮扶", "特色产业帮扶项目台账不完整。", "补齐项目台账。",
         date(2026, 10, 31), date(2026, 9, 20), "市督查二组"],
        ["DC2026Q3-003", "BM01", "工作机制", "成员单位联席会议未按季度召开。", "按季度召开联席会议。",
         date(2026, 10, 15), date(2026, 9, 20), "市督查一组"],
    ], at(9, 20, 16))
    drop(a, "quarterly", QUARTER, "_inspection", "县督查问题清单（含市级转办）.xlsx", PROBLEMS, [
        ["DC2026Q3-001", "HW01", "宣传教育", "县城主要街道民族团结宣传氛围不浓（市级督查转办）。",
         "增设宣传栏并更新内容。", date(2026, 10, 20), date(2026, 9, 22), "县督查组"],
        ["HWQ3-01", "HW02", "台账资料", "学校创建台账资料不规范。", "规范整理台账。", date(2026, 10, 25),
         date(2026, 9, 22), "县督查组"],
    ], at(9, 22, 10))
    drop(a, "quarterly", QUARTER, "HW01", "城关镇整改情况.xlsx", RECTIFICATION, [
        ["DC2026Q3-001", "增设宣传栏12处，更新宣传内容。", "已完成", date(2026, 10, 5), "照片12张"],
    ], at(10, 5, 15))
    drop(b, "quarterly", QUARTER, "_inspection", "县督查问题清单.xlsx", PROBLEMS, [
        ["DC2026Q3-002", "SX02", "产业帮扶", "特色产业帮扶项目台账不完整（市级督查转办）。", "补齐项目台账。",
         date(2026, 10, 31), date(2026, 9, 23), "县督查组"],
    ], at(9, 23, 10))
    drop(b, "quarterly", QUARTER, "SX02", "民宗局整改情况.xlsx", RECTIFICATION, [
        ["DC2026Q3-002", "正在逐项补齐项目台账。", "整改中", None, ""],
    ], at(10, 6, 11))
