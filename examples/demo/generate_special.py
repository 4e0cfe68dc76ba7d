"""The demo's 专项督查: one ad-hoc inspection, 2026-ZX01 背街小巷环境卫生专项督查 (明查暗访, 10-26 to 10-30,
rectification reports due 2026-11-06 17:00), for four units. Called by generate.py after it wrote the
other cycles: adds the ``special:`` section to campaign.yaml, writes ``intake/special/2026-ZX01/``, and
appends the drops to drop_times.yaml and what the cycle must find to expected.yaml (worked out by hand).

The inspection lies in 2026-Q4, after the demo quarters' cut-offs (2026-Q3: 10-10 17:00), so the quarterly
results of 2026-Q2 and 2026-Q3 in expected.yaml stay as they are; its items join the same ledger
(``docgen ledger`` lists them with their 来源) and would count in the quarterly 2026-Q4.

Timeline (every drop before 2026-11-20, like the other cycles'):
    10-31 09:00  _inspection  five findings: 001 XZ01 (due 11-05), 002 XZ01 (11-30), 003 XZ02 (11-04),
                              004 SQ01 (11-20), 005 SQ02 (11-05)
    11-03 16:00  _inspection  补充问题清单 numbered 2026-ZX02-001: refused (not this inspection's key)
    11-04 10:00  XZ01         001 已完成, 002 整改中                 (on time)
    11-05 11:00  SQ01         004 已完成                            (on time)
    11-05 15:00  _recheck     001 通过 → 销号
    11-09 09:30  XZ02         003 已完成                            (late: after the 11-06 17:00 deadline)
    SQ02 sends nothing.
At the deadline: 001 销号; 004 已整改待复查; 002 整改中; 003 005 挂号. Overdue (due before 11-06, not
销号): 003 (11-04), 005 (11-05); 001 was due 11-05 but closed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from docgen.contracts import load_contract
from tests.builders import CST
from tests.builders.tables import write_table

HERE = Path(__file__).resolve().parent
KEY = "2026-ZX01"
NAME = "背街小巷环境卫生专项督查"
TEAM = "市创建办暗访组"
SECTION: dict[str, Any] = {
    "inspections": [{
        "key": KEY, "name": NAME, "units": ["XZ01", "XZ02", "SQ01", "SQ02"], "start": "2026-10-26",
        "end": "2026-10-30", "deadline": "2026-11-06 17:00", "method": "明查暗访",
    }],
}


def _headers(contract: str) -> list[str]:
    return [f.header for f in load_contract(contract).fields]


def _id(n: int) -> str:
    return f"{KEY}-{n:03d}"


def _ids(*numbers: int) -> list[str]:
    return [_id(n) for n in numbers]


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


EXPECTED: dict[str, Any] = {
    KEY: {
        "deadline": "2026-11-06T17:00:00+08:00",
        "filed": _ids(1, 2, 3, 4, 5),
        "closed": _ids(1),
        "awaiting_recheck": _ids(4),
        "rectifying": _ids(2),
        "open": _ids(3, 5),
        "overdue": _ids(3, 5),
        "units_with_open_items": ["XZ01", "XZ02", "SQ01", "SQ02"],
        "expected_units": ["XZ01", "XZ02", "SQ01", "SQ02"],
        "on_time_units": ["XZ01", "SQ01"],
        "late_units": ["XZ02"],
        "rejected_units": [],
        "missing_units": ["SQ02"],
        "rejected_files": {
            f"intake/special/{KEY}/_inspection/补充问题清单.xlsx": "问题编号应以本次专项督查的编号“2026-ZX01-”开头",
        },
    },
}


def _finding(n: int, unit: str, kind: str, text: str, requirement: str, deadline: str) -> list[object]:
    return [_id(n), unit, kind, text, requirement, deadline, "2026-10-28", TEAM]


def _files() -> list[tuple[str, str, list[str], list[list[object]], datetime, dict[str, Any]]]:
    problems, reports, rechecks = _headers("special_problems"), _headers("rectification_report"), _headers("recheck_results")
    return [
        ("_inspection", "背街小巷环境卫生专项督查问题清单.xlsx", problems, [
            _finding(1, "XZ01", "环境卫生", "团结路背街小巷垃圾堆放点未及时清运，周边有积存污水", "立即清运，设置分类垃圾桶，落实每日保洁", "2026-11-05"),
            _finding(2, "XZ01", "市容秩序", "民族街两侧店铺占道经营，消防通道被堵塞", "清理占道经营，划定经营区域，畅通消防通道", "2026-11-30"),
            _finding(3, "XZ02", "环境卫生", "河西镇老街小巷内建筑垃圾长期未清理", "限期清运建筑垃圾，建立巡查制度", "2026-11-04"),
            _finding(4, "SQ01", "公共设施", "社区民族团结宣传栏破损，夜间照明缺失", "修复宣传栏，加装照明设施", "2026-11-20"),
            _finding(5, "SQ02", "环境卫生", "石榴籽社区背街小巷绿化带内杂物堆积", "清理杂物，纳入网格化日常管理", "2026-11-05"),
        ], _at(10, 31, 9), {"title": "背街小巷环境卫生专项督查问题清单"}),
        ("_inspection", "补充问题清单.xlsx", problems, [
            ["2026-ZX02-001", "XZ02", "市容秩序", "老街路口流动摊点占道", "规范流动摊点", "2026-11-30", "2026-10-29", TEAM],
        ], _at(11, 3, 16), {}),
        ("XZ01", "城关街道专项督查整改情况.xlsx", reports, [
            [_id(1), "组织清运垃圾12车，设置分类垃圾桶8组，落实专人每日保洁", "已完成", "2026-11-03", "整改前后照片6张"],
            [_id(2), "已约谈占道商户15户，正在划定经营区域", "整改中", None, "约谈记录"],
        ], _at(11, 4, 10), {}),
        ("SQ01", "团结路社区整改情况报送表.xlsx", reports, [
            [_id(4), "更换宣传栏面板2块，加装太阳能照明灯4盏", "已完成", "2026-11-04", "照片4张"],
        ], _at(11, 5, 11), {}),
        ("_recheck", "专项督查复查结果.xlsx", rechecks, [[_id(1), "通过", "2026-11-05", "马文军"]], _at(11, 5, 15), {}),
        ("XZ02", "河西镇专项督查整改情况.xlsx", reports, [
            [_id(3), "清运建筑垃圾30余吨，建立每周巡查制度", "已完成", "2026-11-08", "清运记录、照片"],
        ], _at(11, 9, 9, 30), {}),
    ]


def main() -> int:
    """Write the inspection into the demo; return how many files it dropped."""
    campaign = HERE / "campaign.yaml"
    data = yaml.safe_load(campaign.read_text(encoding="utf-8"))
    data["special"] = SECTION
    campaign.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    drops: dict[str, str] = {}
    for folder, name, headers, rows, when, table in _files():
        path = HERE / "intake" / "special" / KEY / folder / name
        write_table(path, headers, rows, **table)
        drops[path.relative_to(HERE).as_posix()] = when.isoformat()
    assert list(drops.values()) == sorted(drops.values()), "listed in drop order"
    assert all(datetime.fromisoformat(w) < datetime(2026, 11, 20, tzinfo=CST) for w in drops.values())
    assert set(EXPECTED[KEY]["rejected_files"]) <= set(drops)
    with (HERE / "drop_times.yaml").open("a", encoding="utf-8") as f:
        f.write(f"# The 专项督查 {KEY} ({NAME}): problem list on 10-31, reports and recheck up to 11-09.\n"
                + yaml.safe_dump(drops, allow_unicode=True, sort_keys=False))
    with (HERE / "expected.yaml").open("a", encoding="utf-8") as f:
        f.write("# What the 专项督查 cycle should find at each inspection's deadline, worked out by hand in\n"
                "# generate_special.py (EXPECTED). Problem ids in filing order, unit codes in registry order.\n"
                + yaml.safe_dump({"special": EXPECTED}, allow_unicode=True, sort_keys=False))
    return len(drops)


if __name__ == "__main__":
    print(f"{main()} 专项督查 files")
