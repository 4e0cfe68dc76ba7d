"""(Re)write the committed demo campaign: 青禾市创建全国民族团结进步示范市, monthly period 2026-10.

Run ``python examples/demo/generate.py``. It rewrites ``campaign.yaml``, ``registry/``,
``intake/monthly/2026-10/``, ``drop_times.yaml`` (file → drop time, applied by
``docgen.samples.build_demo_workspace``) and ``expected.yaml`` (what the monthly cycle should find).

The demo is built so one month shows every case: units on time, late, rejected, fixed and resubmitted,
missing; tasks completed, on track, lagging, overdue, unreported and outside the month; and files as
messy as real ones (title rows, 填表说明, blank rows, 备注 column, GB18030 / BOM CSVs, full-width digits,
thousands separators, "85%" text and percent-formatted cells).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import yaml

from docgen.models import Task, Unit
from docgen.samples import (
    CST,
    DEMO_EMPTY_FOLDERS,
    PROGRESS_HEADERS,
    PROGRESS_INSTRUCTIONS,
    progress_rows,
    sample_indicators,
    to_fullwidth,
    write_campaign,
    write_registry,
    write_table,
)

HERE = Path(__file__).resolve().parent
PERIOD = "2026-10"
SEED = 2026

UNITS = [
    Unit("XZ01", "青禾市城关街道办事处", "乡镇街道", "马文军", "0971-6123401"),
    Unit("XZ02", "青禾市河西镇人民政府", "乡镇街道", "冶成林", "13897120402"),
    Unit("XZ03", "青禾市石门乡人民政府", "乡镇街道", "才让卓玛", "18909710403"),
    Unit("BM01", "中共青禾市委统战部", "部门", "张海燕", "0971-6123404"),
    Unit("BM02", "青禾市民族宗教事务局", "部门", "韩雪梅", "13709710405"),
    Unit("BM03", "青禾市教育局", "部门", "李建国", "0971-6123406"),
    Unit("BM04", "青禾市文化广电和旅游局", "部门", "刘晓红", "15109710407"),
    Unit("BM05", "青禾市农业农村局", "部门", "王志强", "13519710408"),
    Unit("BM06", "青禾市人力资源和社会保障局", "部门", "赵永明", "0971-6123409"),
    Unit("XX01", "青禾市第一中学", "学校", "陈国栋", "13997110410"),
    Unit("XX02", "青禾市民族实验小学", "学校", "马丽娟", "18797110411"),
    Unit("QY01", "青禾绿源乳业有限公司", "企业", "周建平", "13649710412"),
    Unit("QY02", "青禾市锦绣民族服饰有限公司", "企业", "喇秀兰", "15297110413"),
    Unit("SQ01", "城关街道团结路社区居民委员会", "社区", "祁海英", "0971-6123414"),
    Unit("SQ02", "河西镇石榴籽社区居民委员会", "社区", "杨晓东", "13309710415"),
    Unit("ZJ01", "青禾市东关清真寺", "宗教活动场所", "马永福", "13997110416"),
    Unit("ZJ02", "青禾市广福寺", "宗教活动场所", "索南吉", "18997110417"),
]

P_PROP = "宣传教育工程"
P_SEVEN = "创建“七进”工程"
P_CULT = "民族文化传承工程"
P_RICH = "共同富裕工程"


def _task(tid: str, name: str, project: str, lead: str, coop: str, start: date, end: date,
          target: str, measure: str) -> Task:  # fmt: skip
    return Task(tid, name, project, lead, tuple(coop.split()), start, end, target, measure)


TASKS = [
    _task("T01", "开展民族团结进步宣传月活动", P_PROP, "BM01", "BM04 SQ01",
          date(2026, 1, 1), date(2026, 12, 31), "12", "场"),
    _task("T02", "推进民族团结教育进校园", P_PROP, "BM03", "XX01 XX02",
          date(2026, 3, 1), date(2026, 12, 31), "30", "所"),
    _task("T03", "打造民族团结进步示范社区", P_SEVEN, "XZ01", "SQ01 SQ02",
          date(2026, 1, 1), date(2026, 12, 31), "6", "个"),
    _task("T04", "开展民族团结进步示范单位创建", P_SEVEN, "BM02", "XZ02 ZJ01 ZJ02",
          date(2026, 4, 1), date(2027, 3, 31), "20", "个"),
    _task("T05", "举办民族传统节庆和非遗展演", P_CULT, "BM04", "QY02 XZ03",
          date(2026, 5, 1), date(2026, 10, 15), "8", "场"),
    _task("T06", "建设民族团结进步教育基地", P_CULT, "XZ02", "BM04 BM02",
          date(2026, 2, 1), date(2026, 12, 31), "1", "个"),
    _task("T07", "实施民族特色产业帮扶", P_RICH, "BM05", "QY01 QY02 XZ03 BM06",
          date(2026, 1, 1), date(2026, 12, 31), "500", "万元"),
    _task("T08", "开展各族群众就业技能培训", P_RICH, "BM06", "XZ03 QY01",
          date(2026, 3, 1), date(2026, 11, 30), "1200", "人次"),
    _task("T09", "建设“石榴籽家园”社区服务阵地", P_SEVEN, "SQ02", "XZ02 BM02",
          date(2026, 6, 1), date(2026, 12, 31), "1", "个"),
    _task("T10", "开展民族团结进步创建进宗教活动场所", P_SEVEN, "ZJ01", "BM02",
          date(2026, 7, 1), date(2026, 12, 31), "4", "次"),
    # outside October: not considered in the 2026-10 notice
    _task("T11", "筹备2027年民族团结进步宣传月", P_PROP, "BM01", "BM04",
          date(2026, 11, 1), date(2027, 9, 30), "1", "项"),
    _task("T12", "编印民族团结进步创建成果汇编", P_CULT, "BM02", "XZ01 BM01",
          date(2027, 1, 1), date(2027, 6, 30), "1", "册"),
]  # fmt: skip
OCTOBER = [t for t in TASKS if t.start_date <= date(2026, 10, 31) and t.deadline >= date(2026, 10, 1)]

# 完成进度(%) of every unit's rows; the lead unit's value decides the task's state.
PROGRESS = {
    "T01": 88,  # on track (expected ≈ 83)
    "T02": 60,  # lagging (expected ≈ 80)
    "T03": 85,  # on track (≈ 83)
    "T04": 62,  # on track (≈ 58)
    "T05": 80,  # overdue (deadline 2026-10-15)
    "T06": 50,  # lagging (≈ 82)
    "T07": 86,  # on track (≈ 83)
    "T08": 100,  # completed
    "T09": 55,  # unreported: the lead SQ02 submits nothing
    "T10": 70,  # on track (≈ 67)
}

BY_CODE = {u.code: u for u in UNITS}
Rows = list[list[object]]


def rows_for(code: str) -> Rows:
    u = BY_CODE[code]
    return progress_rows(code, OCTOBER, progress=PROGRESS, seed=SEED, reporter=u.contact, phone=u.phone)


def title_of(code: str) -> str:
    return f"{BY_CODE[code].name}2026年10月民族团结进步创建工作进展报送表"


def folder(code: str) -> Path:
    return HERE / "intake" / "monthly" / PERIOD / code


def cell(rows: Rows, task_id: str, header: str, value: object) -> None:
    """Replace one value in the row of ``task_id``: how the messy variants are made."""
    col = PROGRESS_HEADERS.index(header)
    next(r for r in rows if r[1] == task_id)[col] = value


# ---------------------------------------------------------------- one writer per dropped file
# Each returns (file, drop time, clean rows counted in the totals or None when the file is rejected).

Drop = tuple[Path, datetime, Rows | None]


def bm01() -> list[Drop]:
    rows = rows_for("BM01")
    path = write_table(
        folder("BM01") / "市委统战部10月进展报送表.xlsx", PROGRESS_HEADERS, rows,
        title=title_of("BM01"), instructions=PROGRESS_INSTRUCTIONS, trailing_blank_rows=5,
        extra_columns={"备注": ["宣传月活动方案已于2026年10月8日印发"]},
    )  # fmt: skip
    return [(path, datetime(2026, 11, 2, 10, 15, tzinfo=CST), rows)]


def bm02() -> list[Drop]:
    rows = rows_for("BM02")
    path = write_table(
        folder("BM02") / "民宗局2026年10月进展.csv", PROGRESS_HEADERS, rows,
        title=title_of("BM02"), encoding="gb18030",
    )  # fmt: skip
    return [(path, datetime(2026, 11, 3, 9, 40, tzinfo=CST), rows)]


def bm03() -> list[Drop]:
    rows = rows_for("BM03")
    path = write_table(
        folder("BM03") / "教育局10月报送.csv", PROGRESS_HEADERS, rows,
        instructions=PROGRESS_INSTRUCTIONS, trailing_blank_rows=2, encoding="utf-8-sig",
    )  # fmt: skip
    return [(path, datetime(2026, 11, 4, 16, 20, tzinfo=CST), rows)]


def bm04() -> list[Drop]:
    rows = rows_for("BM04")
    messy = [list(r) for r in rows]
    cell(rows, "T05", "参与人数(人次)", 1234)
    cell(messy, "T05", "参与人数(人次)", "1,234")
    cell(messy, "T05", "完成进度(%)", to_fullwidth(PROGRESS["T05"]))  # ８０
    cell(messy, "T01", "本月开展活动(场次)", to_fullwidth(next(r for r in rows if r[1] == "T01")[4]))
    path = write_table(
        folder("BM04") / "文旅局月度进展.xlsx", PROGRESS_HEADERS, messy, title=title_of("BM04")
    )
    return [(path, datetime(2026, 11, 5, 15, 30, tzinfo=CST), rows)]


def bm05() -> list[Drop]:
    rows = rows_for("BM05")
    messy = [list(r) for r in rows]
    cell(messy, "T07", "完成进度(%)", f"{PROGRESS['T07']}%")  # "86%" as text
    path = write_table(folder("BM05") / "农业农村局10月进展.xlsx", PROGRESS_HEADERS, messy)
    return [(path, datetime(2026, 11, 5, 11, 5, tzinfo=CST), rows)]


def bm06() -> list[Drop]:
    rows = rows_for("BM06")
    messy = [list(r) for r in rows]
    cell(rows, "T07", "完成进度(%)", 85)
    cell(messy, "T07", "完成进度(%)", 0.85)  # shows 85% in Excel
    cell(messy, "T08", "完成进度(%)", 1.0)  # shows 100%
    path = write_table(
        folder("BM06") / "人社局进展报送.xlsx", PROGRESS_HEADERS, messy,
        title=title_of("BM06"), percent_columns={"完成进度(%)"},
    )  # fmt: skip
    return [(path, datetime(2026, 11, 1, 17, 45, tzinfo=CST), rows)]


def simple(code: str, name: str, when: datetime, **kwargs: object) -> Callable[[], list[Drop]]:
    def write() -> list[Drop]:
        rows = rows_for(code)
        path = write_table(folder(code) / name, PROGRESS_HEADERS, rows, **kwargs)  # type: ignore[arg-type]
        return [(path, when, rows)]

    return write


def zj01() -> list[Drop]:
    rows = rows_for("ZJ01")
    path = write_table(
        folder("ZJ01") / "东关清真寺10月创建进展.xlsx", PROGRESS_HEADERS, rows,
        title=title_of("ZJ01"), trailing_blank_rows=3,
        extra_columns={"备注": ["2026年10月12日完成场所自查", "2026/10/20参加示范单位培训"]},
    )  # fmt: skip
    return [(path, datetime(2026, 11, 4, 14, 25, tzinfo=CST), rows)]


def xx02() -> list[Drop]:
    """Rejected and never fixed: a progress above 100 and words in a count column."""
    rows = rows_for("XX02")
    cell(rows, "T02", "完成进度(%)", 120)
    cell(rows, "T02", "本月开展活动(场次)", "若干")
    path = write_table(
        folder("XX02") / "民族实验小学10月进展.xlsx", PROGRESS_HEADERS, rows,
        title=title_of("XX02"), instructions=PROGRESS_INSTRUCTIONS,
    )  # fmt: skip
    return [(path, datetime(2026, 11, 4, 11, 0, tzinfo=CST), None)]


def qy01() -> list[Drop]:
    """First drop rejected (text in 参与人数, a 9-digit phone), fixed the next day before the deadline."""
    rows = rows_for("QY01")
    bad = [list(r) for r in rows]
    cell(bad, "T07", "参与人数(人次)", "约200人")
    cell(bad, "T08", "联系电话", "138971041")
    first = write_table(
        folder("QY01") / "绿源乳业10月进展.xlsx", PROGRESS_HEADERS, bad, title=title_of("QY01")
    )
    fixed = write_table(
        folder("QY01") / "绿源乳业10月进展（修改版）.xlsx", PROGRESS_HEADERS, rows, title=title_of("QY01")
    )
    return [
        (first, datetime(2026, 11, 3, 10, 0, tzinfo=CST), None),
        (fixed, datetime(2026, 11, 4, 15, 30, tzinfo=CST), rows),
    ]


WRITERS: dict[str, Callable[[], list[Drop]]] = {
    "BM01": bm01,
    "BM02": bm02,
    "BM03": bm03,
    "BM04": bm04,
    "BM05": bm05,
    "BM06": bm06,
    "XZ01": simple("XZ01", "城关街道10月报送.xlsx", datetime(2026, 11, 2, 15, 0, tzinfo=CST)),
    "XZ02": simple(
        "XZ02",
        "河西镇2026年10月创建进展.xlsx",
        datetime(2026, 11, 4, 10, 30, tzinfo=CST),
        title=title_of("XZ02"),
        instructions=PROGRESS_INSTRUCTIONS,
    ),  # fmt: skip
    "XX01": simple("XX01", "第一中学10月进展.xlsx", datetime(2026, 11, 3, 16, 50, tzinfo=CST)),
    "SQ01": simple(
        "SQ01", "团结路社区10月进展.csv", datetime(2026, 11, 5, 9, 10, tzinfo=CST), encoding="utf-8"
    ),
    "ZJ01": zj01,
    "QY01": qy01,
    "XX02": xx02,
    # late: after the 2026-11-05 17:00 deadline
    "QY02": simple("QY02", "锦绣服饰10月进展.xlsx", datetime(2026, 11, 6, 10, 20, tzinfo=CST)),
    "XZ03": simple(
        "XZ03", "石门乡10月进展.xlsx", datetime(2026, 11, 7, 9, 15, tzinfo=CST), title=title_of("XZ03")
    ),
    # missing: SQ02 has no folder, ZJ02 an empty one (DEMO_EMPTY_FOLDERS)
}

EXPECTED_UNITS = {
    **{c: "on_time" for c in ("BM01", "BM02", "BM03", "BM04", "BM05", "BM06", "XZ01", "XZ02", "XX01",
                              "SQ01", "ZJ01", "QY01")},
    "QY02": "late",
    "XZ03": "late",
    "XX02": "rejected",
    "SQ02": "missing",
    "ZJ02": "missing",
}  # fmt: skip
EXPECTED_TASKS = {
    "T01": "on_track",
    "T02": "lagging",
    "T03": "on_track",
    "T04": "on_track",
    "T05": "overdue",
    "T06": "lagging",
    "T07": "on_track",
    "T08": "completed",
    "T09": "unreported",
    "T10": "on_track",
}


def main() -> None:
    for sub in ("registry", "intake"):
        shutil.rmtree(HERE / sub, ignore_errors=True)
    write_campaign(HERE)
    write_registry(HERE, UNITS, TASKS, sample_indicators(), messy=True)
    drops: dict[str, str] = {}
    counted: list[list[object]] = []
    on_time_counted: list[list[object]] = []
    for code, writer in WRITERS.items():
        for path, when, rows in writer():
            drops[path.relative_to(HERE).as_posix()] = when.isoformat()
            if rows is not None:
                counted += rows
                if EXPECTED_UNITS[code] == "on_time":
                    on_time_counted += rows
    for rel in DEMO_EMPTY_FOLDERS:
        (HERE / rel).mkdir(parents=True, exist_ok=True)
        (HERE / rel / ".gitkeep").touch()
    (HERE / "drop_times.yaml").write_text(
        "# When each file was dropped (applied as mtime by docgen.samples.build_demo_workspace).\n"
        + yaml.safe_dump(
            dict(sorted(drops.items(), key=lambda kv: kv[1])), allow_unicode=True, sort_keys=False
        ),
        encoding="utf-8",
    )
    assert set(EXPECTED_UNITS) == set(BY_CODE)
    assert set(EXPECTED_TASKS) == {t.task_id for t in OCTOBER}
    expected = {
        "period": PERIOD,
        "deadline": "2026-11-05T17:00:00+08:00",
        "unit_states": EXPECTED_UNITS,
        "task_states": EXPECTED_TASKS,
        "not_considered_tasks": sorted(t.task_id for t in TASKS if t not in OCTOBER),
        "totals_accepted": _totals(counted),
        "totals_on_time_only": _totals(on_time_counted),
    }
    (HERE / "expected.yaml").write_text(
        "# What the 2026-10 monthly cycle should find in the demo (written by generate.py).\n"
        + yaml.safe_dump(expected, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    print(f"demo written to {HERE}: {len(drops)} files, totals {expected['totals_accepted']}")


def _totals(rows: list[list[object]]) -> dict[str, float]:
    return {
        "activities": sum(int(r[4]) for r in rows),  # type: ignore[call-overload]
        "participants": sum(int(r[5]) for r in rows),  # type: ignore[call-overload]
        "funds_10k_yuan": round(sum(float(r[6]) for r in rows), 2),  # type: ignore[arg-type]
    }


if __name__ == "__main__":
    main()
