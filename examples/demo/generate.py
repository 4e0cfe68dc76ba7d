"""(Re)write the committed demo campaign: 青禾市创建全国民族团结进步示范市, monthly period 2026-10 and
the quarterly inspections 2026-Q2 and 2026-Q3.

Run ``python examples/demo/generate.py``. It rewrites ``campaign.yaml``, ``registry/``,
``intake/monthly/2026-10/``, ``intake/quarterly/2026-Q2/`` and ``2026-Q3/``, ``drop_times.yaml`` (file →
drop time, applied by ``docgen.samples.build_demo_workspace``) and ``expected.yaml`` (what the monthly
cycle should find; under ``quarterly:`` what the quarterly cycle should find, worked out by hand).
Every drop time is in the past (before 2026-11-20): intake takes a file whose modification time is in
the future as received when it first sees it, so a future drop would count as on time whatever it says.

The demo is built so one month shows every case: units on time, late, rejected, fixed and resubmitted,
missing; tasks completed, on track, lagging, overdue, unreported and outside the month; and files as
messy as real ones (title rows, 填表说明, blank rows, 备注 column, GB18030 / BOM CSVs, full-width digits,
thousands separators, "85%" text and percent-formatted cells).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from docgen.models import Task, Unit
from docgen.samples import (
    CST,
    DEMO_EMPTY_FOLDERS,
    PROBLEM_HEADERS,
    PROBLEM_INSTRUCTIONS,
    PROGRESS_HEADERS,
    PROGRESS_INSTRUCTIONS,
    RECHECK_HEADERS,
    RECHECK_INSTRUCTIONS,
    RECTIFICATION_HEADERS,
    RECTIFICATION_INSTRUCTIONS,
    cn_date,
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

# ================================================================ the quarterly cycle: 2026-Q2 and 2026-Q3
# The inspection team files a problem list in _inspection/, the units report their rectification in
# their own folders, the secretariat files its recheck results in _recheck/. Every file of 2026-Q2 is
# dropped before every file of 2026-Q3, so applying the files by drop time or folder by folder is the same.
# Every drop is in the past (before DROPS_BEFORE): intake takes a file whose mtime is in the future as
# received when it first sees it, which would make late files on time.

Q2, Q3 = "2026-Q2", "2026-Q3"
TEAM_1, TEAM_2 = "市创建办第一督查组", "市创建办第二督查组"
DROPS_BEFORE = datetime(2026, 11, 20, tzinfo=CST)


@dataclass(frozen=True)
class Inspected:
    """One problem of a problem list (问题清单) as the inspection team writes it."""

    pid: str
    unit: str
    kind: str  # 问题类型
    description: str
    requirement: str
    deadline: date  # 整改时限
    inspected: date  # 督查日期
    team: str


def _pid(quarter: str, n: int) -> str:
    return f"DC{quarter.replace('-', '')}-{n:03d}"


PROBLEMS: dict[str, list[Inspected]] = {
    Q2: [
        Inspected(_pid(Q2, 1), "XZ01", "宣传教育",
                  "辖区主干道和背街小巷民族团结进步宣传氛围不浓，部分宣传栏内容仍为2025年版本，未及时更新。",
                  "全面更新辖区宣传栏、展板内容，在主干道增设民族团结进步公益广告不少于10处。",
                  date(2026, 6, 30), date(2026, 5, 18), TEAM_1),
        Inspected(_pid(Q2, 2), "XZ01", "档案资料",
                  "创建工作台账资料分类不清，一季度部分活动缺少方案、签到表和影像资料。",
                  "对照测评体系分类整理创建台账，补齐活动佐证材料，做到一事一档。",
                  date(2026, 6, 30), date(2026, 5, 18), TEAM_1),
        Inspected(_pid(Q2, 3), "XZ03", "工作机制",
                  "乡创建工作领导小组成员调整后未及时发文更新，分管领导和工作人员职责不明确。",
                  "及时调整领导小组并印发文件，明确责任分工，建立每月工作例会制度。",
                  date(2026, 6, 30), date(2026, 5, 20), TEAM_1),
        Inspected(_pid(Q2, 4), "BM03", "宣传教育",
                  "民族团结教育进课堂课时落实不到位，部分中小学未将民族团结教育纳入学期教学计划。",
                  "督促各中小学将民族团结教育纳入学期教学计划，每学期不少于4课时。",
                  date(2026, 9, 30), date(2026, 6, 8), TEAM_2),
        Inspected(_pid(Q2, 5), "SQ01", "阵地建设",
                  "社区“石榴籽家园”活动室功能分区不完善，开放时间未公示，使用率不高。",
                  "完善活动室功能分区，公示开放时间，每月开展活动不少于2次。",
                  date(2026, 6, 30), date(2026, 6, 10), TEAM_2),
        Inspected(_pid(Q2, 6), "SQ01", "档案资料",
                  "结对认亲、邻里互助活动记录不规范，部分记录缺少参与群众签字确认。",
                  "规范活动记录格式，补充签字确认，建立结对认亲工作台账。",
                  date(2026, 8, 31), date(2026, 6, 10), TEAM_2),
        Inspected(_pid(Q2, 7), "SQ02", "阵地建设",
                  "社区“石榴籽家园”服务阵地建设进度滞后，场地改造尚未开工。",
                  "制定阵地建设推进计划，明确时间节点，2026年12月底前建成投用。",
                  date(2026, 12, 31), date(2026, 6, 10), TEAM_2),
        Inspected(_pid(Q2, 8), "ZJ01", "工作机制",
                  "场所民族团结进步创建工作制度未上墙，管理人员对创建要求掌握不够。",
                  "完善创建工作制度并上墙公示，组织场所管理人员开展创建知识培训。",
                  date(2026, 6, 30), date(2026, 6, 15), TEAM_2),
        Inspected(_pid(Q2, 9), "ZJ01", "宣传教育",
                  "场所内民族团结进步宣传内容更新不及时，宣传形式单一。",
                  "更新宣传展板内容，结合场所活动开展民族团结进步宣讲。",
                  date(2026, 9, 30), date(2026, 6, 15), TEAM_2),
    ],
    Q3: [
        Inspected(_pid(Q3, 1), "BM04", "宣传教育",
                  "民族传统节庆和非遗展演活动宣传报道不足，社会知晓度不高。",
                  "在市级媒体和新媒体平台开设专栏，加强活动宣传报道，9月底前完成。",
                  date(2026, 9, 30), date(2026, 8, 24), TEAM_1),
        Inspected(_pid(Q3, 2), "XX01", "档案资料",
                  "民族团结教育活动资料归档不及时，主题班会、升旗仪式等活动缺少影像资料。",
                  "建立民族团结教育活动档案，按学期归档，补齐活动影像资料。",
                  date(2026, 10, 31), date(2026, 8, 26), TEAM_2),
        Inspected(_pid(Q3, 3), "XZ01", "工作机制",
                  "街道创建工作联席会议制度落实不到位，二季度以来未召开联席会议。",
                  "落实联席会议制度，每季度至少召开一次，会议纪要存档备查。",
                  date(2026, 12, 31), date(2026, 9, 2), TEAM_1),
    ],
}  # fmt: skip
INSPECTED = {p.pid: p for problems in PROBLEMS.values() for p in problems}

# 整改措施 and 佐证材料 of each problem, as its unit writes them
MEASURES: dict[str, tuple[str, str]] = {
    _pid(Q2, 1): ("更新辖区宣传栏42块、展板60块，在主干道增设公益广告12处。", "宣传栏更新前后照片、公益广告设置清单"),
    _pid(Q2, 2): ("对照测评体系重新分类整理台账，正在补齐一季度活动方案和签到表。", "台账目录"),
    _pid(Q2, 3): ("已拟定领导小组调整方案，待乡党委会研究后发文。", ""),
    _pid(Q2, 4): ("印发通知，要求各中小学将民族团结教育纳入学期教学计划，每学期不少于4课时。",
                  "市教育局通知文件、各校教学计划"),
    _pid(Q2, 5): ("完善活动室阅览、议事、活动三个功能区，公示开放时间，6月开展活动3次。",
                  "活动室照片、开放时间公示照片、活动记录"),
    _pid(Q2, 6): ("统一活动记录格式，补充群众签字确认，建立结对认亲工作台账。", "结对认亲工作台账"),
    _pid(Q2, 7): ("完成场地选址和改造方案设计，正在办理项目审批手续。", "改造方案"),
    _pid(Q2, 8): ("修订完善创建工作制度6项并上墙公示，组织管理人员培训1次。", "制度上墙照片、培训签到表"),
    _pid(Q2, 9): ("正在设计新版宣传展板内容。", ""),
    _pid(Q3, 1): ("已在市融媒体中心开设“民族文化展演”专栏，正在组织稿件。", "专栏截图"),
    _pid(Q3, 2): ("已建立活动档案目录，正在补齐上学期活动影像资料。", "档案目录"),
    _pid(Q3, 3): ("已制定联席会议工作规则，计划于2026年10月召开联席会议。", "联席会议工作规则"),
}  # fmt: skip
# a later report of the same problem, where the words change
MEASURES_AGAIN: dict[str, tuple[str, str]] = {
    _pid(Q2, 2): ("按测评体系分类整理创建台账，补齐一季度活动方案、签到表和影像资料，做到一事一档。",
                  "台账目录、补充的活动方案和照片"),
    _pid(Q2, 3): ("乡党委会研究调整领导小组，印发《关于调整创建工作领导小组的通知》，建立每月例会制度。",
                  "调整领导小组的通知、例会纪要"),
    _pid(Q2, 6): ("逐户补充签字确认，结对认亲工作台账按户建档，复查指出的5户记录已全部补齐。",
                  "结对认亲工作台账、补签记录"),
    _pid(Q2, 7): ("改造项目已完成审批，9月开工，预计2026年12月底建成投用。", "项目批复、施工合同"),
    _pid(Q2, 9): ("更新宣传展板8块，结合主麻日开展民族团结进步宣讲2次。", "展板照片、宣讲记录"),
}  # fmt: skip


def qfolder(quarter: str, sub: str) -> Path:
    return HERE / "intake" / "quarterly" / quarter / sub


def quarter_label(quarter: str) -> str:
    return f"{quarter[:4]}年第{'一二三四'[int(quarter[-1]) - 1]}季度"


def report_title(code: str, quarter: str) -> str:
    return f"{BY_CODE[code].name}{quarter_label(quarter)}督查问题整改情况报送表"


def problem_rows(quarter: str) -> Rows:
    """The quarter's problem list with dates typed every way people type them."""
    rows: Rows = []
    for i, p in enumerate(PROBLEMS[quarter]):
        slashed = f"{p.deadline.year}/{p.deadline.month}/{p.deadline.day}"
        deadline: object = (cn_date(p.deadline), p.deadline, slashed)[i % 3]
        inspected: object = (p.inspected, cn_date(p.inspected))[i % 2]
        unit = f" {p.unit} " if i == 6 else p.unit  # a code typed with spaces around it
        rows.append([p.pid, unit, p.kind, p.description, p.requirement, deadline, inspected, p.team])
    return rows


def rect(
    pid: str, status: str, done: date | str | None = None, *, again: bool = False, typed: str | None = None
) -> list[object]:
    """One row of a 整改情况报送表; ``done`` is the 完成日期 (a date, or text as typed), ``typed`` the
    问题编号 as the unit typed it (full-width digits …) when it is not ``pid`` as written."""
    measures, evidence = (MEASURES_AGAIN if again else MEASURES)[pid]
    return [typed or pid, measures, status, done, evidence]


def recheck(pid: str, verdict: str, when: date | str, by: str) -> list[object]:
    return [pid, verdict, when, by]


QDrop = tuple[Path, datetime]


def quarterly_2026_q2() -> list[QDrop]:
    """One problem list, five reports (three on time, one late, one rejected; SQ02 missing), one recheck."""
    inspection = write_table(
        qfolder(Q2, "_inspection") / "2026年第二季度督查问题清单.xlsx", PROBLEM_HEADERS, problem_rows(Q2),
        title="青禾市创建全国民族团结进步示范市2026年第二季度督查问题清单", instructions=PROBLEM_INSTRUCTIONS,
        trailing_blank_rows=3, extra_columns={"备注": ["", "", "", "", "", "", "涉及项目审批，整改周期较长"]},
    )  # fmt: skip
    zj01 = write_table(
        qfolder(Q2, "ZJ01") / "东关清真寺第二季度整改情况.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 8), "已完成", date(2026, 6, 30)), rect(_pid(Q2, 9), "整改中")],
        title=report_title("ZJ01", Q2),
    )  # fmt: skip
    xz01 = write_table(  # the GBK CSV, as Excel in China saves it
        qfolder(Q2, "XZ01") / "城关街道二季度督查问题整改情况.csv", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 1), "已完成", cn_date(date(2026, 6, 25))), rect(_pid(Q2, 2), "整改中")],
        title=report_title("XZ01", Q2), instructions=RECTIFICATION_INSTRUCTIONS, trailing_blank_rows=2,
        encoding="gbk",
    )  # fmt: skip
    xz03 = write_table(  # rejected by the contract: 基本完成 is not a 整改状态
        qfolder(Q2, "XZ03") / "石门乡整改情况报送表.xlsx", RECTIFICATION_HEADERS,
        [[_pid(Q2, 3), "已拟定领导小组调整方案，待乡党委会研究后发文，分工已基本明确。", "基本完成", None, ""]],
        title=report_title("XZ03", Q2), instructions=RECTIFICATION_INSTRUCTIONS,
    )  # fmt: skip
    sq01 = write_table(
        qfolder(Q2, "SQ01") / "团结路社区整改情况报送表.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 5), "已完成", "2026/6/28"),
         rect(_pid(Q2, 6), "已完成", cn_date(date(2026, 7, 8), fullwidth=True),
              typed=to_fullwidth(_pid(Q2, 6)))],
        title=report_title("SQ01", Q2), instructions=RECTIFICATION_INSTRUCTIONS,
        extra_columns={"备注": ["", "结对认亲台账已报街道备案"]},
    )  # fmt: skip
    bm03 = write_table(  # late: after the 2026-07-10 17:00 deadline
        qfolder(Q2, "BM03") / "教育局督查问题整改报告.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 4), "已完成", date(2026, 7, 10))], title=report_title("BM03", Q2),
    )  # fmt: skip
    rechecked = write_table(  # only the problems reported 已完成 on time: BM03's late 已完成 waits for Q3
        qfolder(Q2, "_recheck") / "第二季度督查问题复查结果.xlsx", RECHECK_HEADERS,
        [recheck(_pid(Q2, 1), "通过", cn_date(date(2026, 7, 15)), "马海龙、李静"),
         recheck(_pid(Q2, 5), "通过", date(2026, 7, 16), "马海龙、李静"),
         recheck(_pid(Q2, 6), "不通过", date(2026, 7, 16), "马海龙、李静"),
         recheck(_pid(Q2, 8), "通过", "2026/7/16", "韩卫东")],
        title="2026年第二季度督查问题整改复查结果", instructions=RECHECK_INSTRUCTIONS,
        extra_columns={"复查意见": ["", "", "仍有5户结对认亲记录缺少签字确认", ""]},
    )  # fmt: skip
    return [
        (inspection, datetime(2026, 6, 25, 16, 30, tzinfo=CST)),
        (zj01, datetime(2026, 7, 8, 15, 10, tzinfo=CST)),
        (xz01, datetime(2026, 7, 9, 10, 20, tzinfo=CST)),
        (xz03, datetime(2026, 7, 9, 11, 0, tzinfo=CST)),
        (sq01, datetime(2026, 7, 10, 16, 40, tzinfo=CST)),
        (bm03, datetime(2026, 7, 13, 9, 30, tzinfo=CST)),
        (rechecked, datetime(2026, 7, 20, 10, 0, tzinfo=CST)),
    ]


def quarterly_2026_q3() -> list[QDrop]:
    """A second problem list; reports on carried-over and new problems (one refused by the ledger and
    fixed, one late, BM04 missing); a recheck that closes four problems and leaves one awaiting.

    The reports come in after the National Day holiday (10-01 to 10-07), between 10-08 and the deadline."""
    inspection = write_table(
        qfolder(Q3, "_inspection") / "2026年第三季度督查问题清单.csv", PROBLEM_HEADERS, problem_rows(Q3),
        title="青禾市创建全国民族团结进步示范市2026年第三季度督查问题清单", instructions=PROBLEM_INSTRUCTIONS,
        encoding="utf-8-sig",
    )  # fmt: skip
    bm03 = write_table(  # 已完成 again: it still awaits its recheck
        qfolder(Q3, "BM03") / "教育局三季度整改情况.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 4), "已完成", date(2026, 7, 10))], title=report_title("BM03", Q3),
    )  # fmt: skip
    zj01_refused = write_table(  # refused by the ledger: DC2026Q2-007 is SQ02's problem, not ZJ01's
        qfolder(Q3, "ZJ01") / "东关清真寺第三季度整改情况.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 9), "已完成", date(2026, 9, 30), again=True), rect(_pid(Q2, 7), "整改中", again=True)],
        title=report_title("ZJ01", Q3),
    )  # fmt: skip
    zj01 = write_table(
        qfolder(Q3, "ZJ01") / "东关清真寺第三季度整改情况（修改版）.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 9), "已完成", date(2026, 9, 30), again=True)], title=report_title("ZJ01", Q3),
    )  # fmt: skip
    xz03 = write_table(
        qfolder(Q3, "XZ03") / "石门乡三季度整改情况.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 3), "已完成", cn_date(date(2026, 8, 15)), again=True)],
        title=report_title("XZ03", Q3), instructions=RECTIFICATION_INSTRUCTIONS, trailing_blank_rows=4,
    )  # fmt: skip
    xz01 = write_table(
        qfolder(Q3, "XZ01") / "城关街道三季度整改情况报送.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 2), "已完成", cn_date(date(2026, 9, 20)), again=True), rect(_pid(Q3, 3), "整改中")],
        title=report_title("XZ01", Q3), instructions=RECTIFICATION_INSTRUCTIONS,
    )  # fmt: skip
    sq02 = write_table(
        qfolder(Q3, "SQ02") / "石榴籽社区整改情况.csv", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 7), "整改中", again=True)], encoding="utf-8",
    )  # fmt: skip
    sq01 = write_table(  # the problem whose recheck failed in Q2, reported 已完成 again
        qfolder(Q3, "SQ01") / "团结路社区三季度整改情况.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q2, 6), "已完成", "2026/9/15", again=True)],
        title=report_title("SQ01", Q3), instructions=RECTIFICATION_INSTRUCTIONS,
    )  # fmt: skip
    xx01 = write_table(  # late: after the 2026-10-10 17:00 deadline
        qfolder(Q3, "XX01") / "第一中学整改情况报送表.xlsx", RECTIFICATION_HEADERS,
        [rect(_pid(Q3, 2), "整改中")], title=report_title("XX01", Q3),
    )  # fmt: skip
    rechecked = write_table(  # DC2026Q2-009, reported 已完成 on 2026-10-09, is left for the next recheck
        qfolder(Q3, "_recheck") / "第三季度督查问题复查结果.csv", RECHECK_HEADERS,
        [recheck(_pid(Q2, 2), "通过", "2026年10月14日", "马海龙、李静"),
         recheck(_pid(Q2, 3), "通过", "2026年10月14日", "韩卫东"),
         recheck(_pid(Q2, 4), "通过", "2026-10-15", "韩卫东"),
         recheck(_pid(Q2, 6), "通过", "2026年10月15日", "马海龙、李静")],
        title="2026年第三季度督查问题整改复查结果", encoding="utf-8-sig",
    )  # fmt: skip
    return [
        (inspection, datetime(2026, 9, 18, 16, 0, tzinfo=CST)),
        (bm03, datetime(2026, 10, 8, 9, 20, tzinfo=CST)),
        (zj01_refused, datetime(2026, 10, 8, 11, 0, tzinfo=CST)),
        (zj01, datetime(2026, 10, 9, 10, 0, tzinfo=CST)),
        (xz03, datetime(2026, 10, 9, 15, 20, tzinfo=CST)),
        (xz01, datetime(2026, 10, 10, 10, 0, tzinfo=CST)),
        (sq02, datetime(2026, 10, 10, 11, 30, tzinfo=CST)),
        (sq01, datetime(2026, 10, 10, 16, 50, tzinfo=CST)),
        (xx01, datetime(2026, 10, 12, 9, 45, tzinfo=CST)),
        (rechecked, datetime(2026, 10, 20, 15, 0, tzinfo=CST)),
    ]


QUARTERLY_WRITERS: dict[str, Callable[[], list[QDrop]]] = {Q2: quarterly_2026_q2, Q3: quarterly_2026_q3}


def _ids(quarter: str, *numbers: int) -> list[str]:
    return [_pid(quarter, n) for n in numbers]


def _file(quarter: str, sub: str, name: str) -> str:
    return f"intake/quarterly/{quarter}/{sub}/{name}"


# What the quarterly cycle must find, worked out by hand from the rules (tests/test_quarterly_samples.py
# replays the files through the ledger to check it). A quarter's end is after every file of its folder
# (the Q2 reports and recheck are dropped in July, before the Q3 problem list). Ids in filing order,
# unit codes in registry order.
#
# 2026-Q2: nine problems filed on 06-25 for XZ01 XZ03 BM03 SQ01 SQ02 ZJ01 (nothing carried over, so these
#   are the expected units). ZJ01 (07-08), XZ01 (07-09), SQ01 (07-10 16:40) report before the 07-10 17:00
#   deadline; BM03 reports on 07-13 (late); XZ03's only file writes 整改状态 "基本完成" (rejected, so
#   DC2026Q2-003 stays 挂号); SQ02 sends nothing (007 stays 挂号). The recheck on 07-20 passes 001 005 008
#   (销号) and fails 006 (back to 挂号, one failure); BM03's 004 was reported late and is not in the recheck
#   (已整改待复查). 002 and 009 are 整改中. Overdue (整改时限 ≤ 06-30, not 销号): 002 (整改中) and 003
#   (挂号); 001 005 008 were due on 06-30 too but are 销号; 004 and 009 (09-30), 006 (08-31) and 007
#   (12-31) are not due yet.
# 2026-Q3: three new problems filed on 09-18: BM04 and XX01 (no Q2 problems), XZ01. Expected units: the six
#   with Q2 items still open (XZ01 002, XZ03 003, BM03 004, SQ01 006, SQ02 007, ZJ01 009) and BM04, XX01.
#   ZJ01's first file (10-08) reports SQ02's 007 (refused by the ledger, nothing applied), its fixed file
#   on 10-09 is on time; BM03, XZ03, XZ01, SQ02, SQ01 report between 10-08 and 10-10 16:50 (on time).
#   XX01 reports on 10-12 (late); BM04 sends nothing. The recheck on 10-20 passes 002 003 004 006 (销号);
#   009 (已完成 on 10-09) is not rechecked yet. At the end: Q2-009 已整改待复查; Q2-007, Q3-002, Q3-003
#   整改中; Q3-001 挂号. Overdue (整改时限 ≤ 09-30, not 销号): Q2-009 (due 09-30) and Q3-001 (due 09-30);
#   Q2-007 (12-31), Q3-002 (10-31) and Q3-003 (12-31) are not due yet.
EXPECTED_QUARTERLY: dict[str, dict[str, Any]] = {
    Q2: {
        "deadline": "2026-07-10T17:00:00+08:00",
        "filed": _ids(Q2, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        "closed": _ids(Q2, 1, 5, 8),
        "awaiting_recheck": _ids(Q2, 4),
        "rectifying": _ids(Q2, 2, 9),
        "open": _ids(Q2, 3, 6, 7),
        "overdue": _ids(Q2, 2, 3),
        "failed_rechecks": {_pid(Q2, 6): 1},
        "units_with_open_items": ["XZ01", "XZ03", "BM03", "SQ01", "SQ02", "ZJ01"],
        "expected_units": ["XZ01", "XZ03", "BM03", "SQ01", "SQ02", "ZJ01"],
        "on_time_units": ["XZ01", "SQ01", "ZJ01"],
        "late_units": ["BM03"],
        "rejected_units": ["XZ03"],
        "missing_units": ["SQ02"],
        "rejected_files": {
            _file(Q2, "XZ03", "石门乡整改情况报送表.xlsx"): "整改状态“基本完成”不是 未启动、整改中、已完成 之一",
        },
    },
    Q3: {
        "deadline": "2026-10-10T17:00:00+08:00",
        "filed": _ids(Q3, 1, 2, 3),
        "closed": _ids(Q2, 2, 3, 4, 6),
        "awaiting_recheck": _ids(Q2, 9),
        "rectifying": [*_ids(Q2, 7), *_ids(Q3, 2, 3)],
        "open": _ids(Q3, 1),
        "overdue": [*_ids(Q2, 9), *_ids(Q3, 1)],
        "failed_rechecks": {_pid(Q2, 6): 1},
        "units_with_open_items": ["XZ01", "BM04", "XX01", "SQ02", "ZJ01"],
        "expected_units": ["XZ01", "XZ03", "BM03", "BM04", "XX01", "SQ01", "SQ02", "ZJ01"],
        "on_time_units": ["XZ01", "XZ03", "BM03", "SQ01", "SQ02", "ZJ01"],
        "late_units": ["XX01"],
        "rejected_units": [],
        "missing_units": ["BM04"],
        "rejected_files": {
            _file(Q3, "ZJ01", "东关清真寺第三季度整改情况.xlsx"): "报送了其他单位（SQ02）的问题 DC2026Q2-007",
        },
    },
}


def write_quarterly() -> dict[str, str]:
    """Write both quarters' files; their drop times, in drop order."""
    drops: dict[str, str] = {}
    for writer in QUARTERLY_WRITERS.values():
        for path, when in writer():
            drops[path.relative_to(HERE).as_posix()] = when.isoformat()
    assert list(drops.values()) == sorted(drops.values()), "each quarter's files are listed in drop order"
    assert all(datetime.fromisoformat(w) < DROPS_BEFORE for w in drops.values()), "every drop is in the past"
    for quarter, expected in EXPECTED_QUARTERLY.items():
        assert set(expected["rejected_files"]) <= set(drops), quarter
        not_closed = [*expected["awaiting_recheck"], *expected["rectifying"], *expected["open"]]
        assert {INSPECTED[pid].unit for pid in not_closed} == set(expected["units_with_open_items"]), quarter
    return drops


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
    assert all(datetime.fromisoformat(w) < DROPS_BEFORE for w in drops.values()), "every drop is in the past"
    quarterly_drops = write_quarterly()
    (HERE / "drop_times.yaml").write_text(
        "# When each file was dropped (applied as mtime by docgen.samples.build_demo_workspace).\n"
        + yaml.safe_dump(
            dict(sorted(drops.items(), key=lambda kv: kv[1])), allow_unicode=True, sort_keys=False
        )
        + "# The quarterly cycle: 2026-Q2 (problem list in June, reports and recheck in July),\n"
        "# 2026-Q3 (problem list in September, reports and recheck in October). Every drop is before\n"
        "# 2026-11-20: a file whose mtime is in the future is taken as received when intake first sees it.\n"
        + yaml.safe_dump(quarterly_drops, allow_unicode=True, sort_keys=False),
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
        + yaml.safe_dump(expected, allow_unicode=True, sort_keys=False)
        + "# What the quarterly cycle should find at the end of each quarter (after every file of its folder,\n"
        "# applied in drop order), worked out by hand in generate.py (EXPECTED_QUARTERLY). Problem ids in\n"
        "# filing order, unit codes in registry order; rejected_files: file → why it was refused.\n"
        + yaml.safe_dump({"quarterly": EXPECTED_QUARTERLY}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    print(f"demo written to {HERE}: {len(drops)} monthly files, totals {expected['totals_accepted']}; "
          f"{len(quarterly_drops)} quarterly files")


def _totals(rows: list[list[object]]) -> dict[str, float]:
    return {
        "activities": sum(int(r[4]) for r in rows),  # type: ignore[call-overload]
        "participants": sum(int(r[5]) for r in rows),  # type: ignore[call-overload]
        "funds_10k_yuan": round(sum(float(r[6]) for r in rows), 2),  # type: ignore[arg-type]
    }


if __name__ == "__main__":
    main()
