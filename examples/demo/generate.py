"""(Re)write the committed demo campaign: 青禾市创建全国民族团结进步示范市, monthly period 2026-10,
the quarterly inspections 2026-Q2 and 2026-Q3, and the annual acceptance of 2025.

Run ``python examples/demo/generate.py`` in a clone: the builders it uses are the tests' (``tests/builders``).
It rewrites ``campaign.yaml``, ``registry/``, ``intake/monthly/2026-10/``, ``intake/quarterly/2026-Q2/``
and ``2026-Q3/``, ``intake/annual/2025/``,
``drop_times.yaml`` (file → drop time, applied by ``docgen.resources.build_demo_workspace``) and
``expected.yaml`` (what the monthly cycle should find; under ``quarterly:`` what the quarterly cycle should
find, worked out by hand; under ``annual:`` what the annual cycle should find). Every file it writes is
byte-for-byte the same on every run (xlsx and docx carry pinned zip times and document dates).
Every drop time is in the past (before 2026-11-20): intake takes a file whose modification time is in
the future as received when it first sees it, so a future drop would count as on time whatever it says.

The demo is built so one month shows every case: units on time, late, rejected, fixed and resubmitted,
missing; tasks completed, on track, lagging, overdue, unreported and outside the month; and files as
messy as real ones (title rows, 填表说明, blank rows, 备注 column, GB18030 / BOM CSVs, full-width digits,
thousands separators, "85%" text and percent-formatted cells).
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

# The builders live with the tests (tests/builders), not in the library: this clone's root first on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import generate_special  # the 专项督查's demo, in its own file
import yaml
from generate_weekly import write_weekly

from docgen.models import Task, Unit
from tests.builders import CST
from tests.builders.annual import (
    ASSESSOR_HEADERS,
    ASSESSOR_INSTRUCTIONS,
    SELF_ASSESSMENT_HEADERS,
    SELF_ASSESSMENT_INSTRUCTIONS,
    DocHeading,
    DocList,
    DocParagraph,
    DocPicture,
    DocSignature,
    DocTable,
    write_bar_chart_png,
    write_legacy_doc,
    write_summary_docx,
)
from tests.builders.monthly import PROGRESS_HEADERS, PROGRESS_INSTRUCTIONS, progress_rows
from tests.builders.quarterly import (
    PROBLEM_HEADERS,
    PROBLEM_INSTRUCTIONS,
    RECHECK_HEADERS,
    RECHECK_INSTRUCTIONS,
    RECTIFICATION_HEADERS,
    RECTIFICATION_INSTRUCTIONS,
)
from tests.builders.registry import sample_indicators, write_campaign, write_registry
from tests.builders.tables import cn_date, to_fullwidth, write_table
from tests.builders.workspaces import DEMO_EMPTY_FOLDERS

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
# replays the files through the ledger to check it). A quarter's figures are taken at its cut-off, its
# reporting deadline (07-10 17:00 for Q2, 10-10 17:00 for Q3): a file received later, even in the quarter's
# own folder, counts in the next quarter. Ids in filing order, unit codes in registry order.
#
# 2026-Q2: nine problems filed on 06-25 for XZ01 XZ03 BM03 SQ01 SQ02 ZJ01 (nothing carried over, so these
#   are the expected units). ZJ01 (07-08), XZ01 (07-09), SQ01 (07-10 16:40) report before the cut-off:
#   001 005 006 008 已整改待复查, 002 009 整改中. XZ03's only file writes 整改状态 "基本完成" (rejected, so
#   003 stays 挂号); SQ02 sends nothing (007 stays 挂号); BM03's report comes on 07-13, after the cut-off
#   (so BM03 is missing and 004 stays 挂号), and the recheck on 07-20 too: nothing is closed in Q2.
#   Overdue (整改时限 before 07-10, not 销号): 001 002 003 005 008 (all due 06-30); 004 and 009 (09-30),
#   006 (08-31) and 007 (12-31) are not due yet.
# 2026-Q3: counted now: BM03's late Q2 report (004 已完成) and the 07-20 recheck, which passes 001 005 008
#   (销号) and fails 006 (back to 挂号, one failure). Three new problems filed on 09-18: BM04 and XX01 (no Q2
#   problems), XZ01. Expected units: the six with Q2 items open at Q2's cut-off and BM04, XX01. ZJ01's first
#   file (10-08) reports SQ02's 007 (refused by the ledger, nothing applied), its fixed file on 10-09 is on
#   time (009 已完成); BM03 (004 已完成 again), XZ03 (003 已完成), XZ01 (002 已完成, Q3-003 整改中), SQ02 (007
#   整改中), SQ01 (006 已完成) report between 10-08 and 10-10 16:50 (on time). XX01 reports on 10-12 and the
#   recheck comes on 10-20, both after the cut-off (they count in Q4): XX01 is missing, as is BM04. At the
#   cut-off: Q2-002 003 004 006 009 已整改待复查; Q2-007, Q3-003 整改中; Q3-001, Q3-002 挂号. Overdue
#   (整改时限 before 10-10, not 销号): Q2-002 003 (06-30), 004 (09-30), 006 (08-31), 009 (09-30), Q3-001
#   (09-30); Q2-007 (12-31), Q3-002 (10-31) and Q3-003 (12-31) are not due yet.
EXPECTED_QUARTERLY: dict[str, dict[str, Any]] = {
    Q2: {
        "deadline": "2026-07-10T17:00:00+08:00",
        "filed": _ids(Q2, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        "closed": [],
        "awaiting_recheck": _ids(Q2, 1, 5, 6, 8),
        "rectifying": _ids(Q2, 2, 9),
        "open": _ids(Q2, 3, 4, 7),
        "overdue": _ids(Q2, 1, 2, 3, 5, 8),
        "failed_rechecks": {},
        "units_with_open_items": ["XZ01", "XZ03", "BM03", "SQ01", "SQ02", "ZJ01"],
        "expected_units": ["XZ01", "XZ03", "BM03", "SQ01", "SQ02", "ZJ01"],
        "on_time_units": ["XZ01", "SQ01", "ZJ01"],
        "late_units": [],
        "rejected_units": ["XZ03"],
        "missing_units": ["BM03", "SQ02"],
        "rejected_files": {
            _file(Q2, "XZ03", "石门乡整改情况报送表.xlsx"): "整改状态“基本完成”不是 未启动、整改中、已完成 之一",
        },
    },
    Q3: {
        "deadline": "2026-10-10T17:00:00+08:00",
        "filed": _ids(Q3, 1, 2, 3),
        "closed": _ids(Q2, 1, 5, 8),
        "awaiting_recheck": _ids(Q2, 2, 3, 4, 6, 9),
        "rectifying": [*_ids(Q2, 7), *_ids(Q3, 3)],
        "open": _ids(Q3, 1, 2),
        "overdue": [*_ids(Q2, 2, 3, 4, 6, 9), *_ids(Q3, 1)],
        "failed_rechecks": {_pid(Q2, 6): 1},
        "units_with_open_items": ["XZ01", "XZ03", "BM03", "BM04", "XX01", "SQ01", "SQ02", "ZJ01"],
        "expected_units": ["XZ01", "XZ03", "BM03", "BM04", "XX01", "SQ01", "SQ02", "ZJ01"],
        "on_time_units": ["XZ01", "XZ03", "BM03", "SQ01", "SQ02", "ZJ01"],
        "late_units": [],
        "rejected_units": [],
        "missing_units": ["BM04", "XX01"],
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


# ================================================================ the annual cycle: 2025 (年度验收)
# Each unit drops its self-assessment (自评表, .xlsx or .csv) and its annual work summary (年度工作总结, .docx)
# in intake/annual/2025/<单位代码>/; two assessors drop their score sheets (验收评分表) in _assessors/. Units
# drop in 2025-12 and 2026-01 up to the 2026-01-15 17:00 deadline (XZ03 the next morning, late); the
# assessors after it. Every drop is before DROPS_BEFORE.

YEAR = "2025"
ANNUAL_DEADLINE = datetime(2026, 1, 15, 17, 0, tzinfo=CST)
INDICATORS = sample_indicators()
POINTS = {x.indicator_id: x.points for x in INDICATORS}
GRADES = (("优秀", 90.0), ("良好", 80.0), ("合格", 60.0))  # below 60: 不合格
ASSESSOR_1 = ("王振华", "市创建办第一验收组")
ASSESSOR_2 = ("刘芳", "市创建办第二验收组")

# The totals the assessors' scores add up to (the mean of the two assessors, summed over the scored
# indicators), chosen by hand for a spread of grades: BM02 exactly 90 (优秀), SQ02 exactly 60 (合格), XX02 just
# under 80 (合格), BM03 and BM05 tied at 86.5, ZJ01 scored on seven indicators only (D1 产业帮扶 left unscored
# by both assessors: a mosque has no industry to support), ZJ02 scored though it sent nothing.
TARGET_TOTALS: dict[str, float] = {
    "XZ01": 92.5, "XZ02": 85.75, "XZ03": 78.25, "BM01": 95.0, "BM02": 90.0, "BM03": 86.5, "BM04": 83.0,
    "BM05": 86.5, "BM06": 72.25, "XX01": 88.25, "XX02": 79.75, "QY01": 81.0, "QY02": 58.5, "SQ01": 84.25,
    "SQ02": 60.0, "ZJ01": 70.5, "ZJ02": 42.5,
}  # fmt: skip
UNSCORED = {"ZJ01": ["D1"]}

DEDUCTIONS: dict[str, tuple[str, ...]] = {  # 扣分说明, after the indicator's 评分标准
    "A1": ("领导小组成员调整后未及时发文", "分管领导和工作人员职责不够明确"),
    "A2": ("年度工作计划不够具体", "实施方案未细化到责任人和时间节点"),
    "B1": ("主题宣传活动少于计划场次", "宣传活动方案、照片等佐证材料不全"),
    "B2": ("干部职工培训未安排民族团结教育内容", "教育培训签到和课时记录不完整"),
    "C1": ("“七进”活动覆盖领域不全", "部分领域活动流于形式，记录不实"),
    "C2": ("结对认亲记录不规范，缺少群众签字", "联谊交流活动开展较少"),
    "D1": ("帮扶措施落实不到位", "帮扶资金到位较慢，项目推进迟缓"),
    "D2": ("抽样调查群众知晓率低于90%", "满意度测评样本不足"),
}
SELF_NOTES: dict[str, str] = {  # 自评说明
    "A1": "成立了创建工作领导小组，主要负责同志任组长，明确分管领导和专职工作人员",
    "A2": "制定了2025年创建工作实施方案和年度工作计划，任务分解到人",
    "B1": "组织开展民族团结进步宣传月等主题宣传活动，活动方案、照片和报道齐全",
    "B2": "将民族团结教育纳入干部职工教育培训计划，组织专题学习培训",
    "C1": "推进创建进机关、进社区、进学校、进企业、进宗教活动场所等活动",
    "C2": "开展结对认亲、联谊交流、邻里互助等活动，建立结对台账",
    "D1": "落实民族特色产业扶持和就业帮扶措施，组织技能培训",
    "D2": "开展群众知晓率和满意度问卷调查，形成调查汇总表和测评报告",
}
EVIDENCE: dict[str, str] = {  # 佐证材料清单
    "A1": "领导小组成立文件；调整通知；责任分工表",
    "A2": "2025年创建工作实施方案；年度工作计划；工作要点",
    "B1": "宣传月活动方案；活动照片；新闻报道截图",
    "B2": "培训通知；签到表；培训课件",
    "C1": "“七进”活动台账；活动记录；照片",
    "C2": "结对认亲台账；联谊活动记录；照片",
    "D1": "帮扶项目清单；资金拨付凭证；培训签到表",
    "D2": "问卷调查汇总表；满意度测评报告",
}


def _quarters(x: float) -> int:
    q = x * 4
    assert q == int(q), x
    return int(q)


def assessed(code: str) -> dict[str, tuple[float, float]]:
    """Both assessors' 评分 of every scored indicator of ``code``: (first, second), in half points.

    The loss (points − target) is spread over the indicators in quarter-point steps, each indicator keeping
    at least a quarter of its points: that gives each indicator's mean; the two assessors then sit
    symmetrically around it (0, ½ or 1½ points apart), so their mean is exactly the planned one."""
    rng = random.Random(f"annual-{YEAR}:{code}")
    ids = [i for i in POINTS if i not in UNSCORED.get(code, [])]
    means = {i: _quarters(POINTS[i]) for i in ids}
    floor = {i: _quarters(POINTS[i]) // 4 for i in ids}
    loss = sum(means.values()) - _quarters(TARGET_TOTALS[code])
    assert 0 <= loss <= sum(means[i] - floor[i] for i in ids), code
    while loss:
        i = rng.choices(ids, weights=[POINTS[i] for i in ids])[0]
        step = min(loss, rng.choice((1, 2, 2, 4, 4, 6, 8)), means[i] - floor[i])
        means[i] -= step
        loss -= step
    scores: dict[str, tuple[float, float]] = {}
    for i in ids:
        m = means[i]
        d = rng.choice((1, 1, 3)) if m % 2 else rng.choice((0, 0, 2))
        if m + d > _quarters(POINTS[i]) or m - d < 0:
            d = m % 2
        low, high = (m - d) / 4, (m + d) / 4
        scores[i] = (low, high) if rng.random() < 0.6 else (high, low)  # the first assessor is the stricter
    return scores


SCORES = {code: assessed(code) for code in TARGET_TOTALS}


def self_scores(code: str) -> dict[str, float]:
    """A unit rates itself as high as the higher assessor or a little higher, never above the points."""
    rng = random.Random(f"annual-{YEAR}-self:{code}")
    out = {}
    for i, points in POINTS.items():
        a, b = SCORES[code].get(i, (points - 1, points - 1))
        out[i] = min(points, max(a, b) + rng.choice((0, 0.5, 1, 1, 2)))
    return out


def self_rows(code: str) -> Rows:
    rows: Rows = []
    for i, score in self_scores(code).items():
        lost = POINTS[i] - score
        note = SELF_NOTES[i] + ("，对照评分标准不扣分" if not lost else f"，{DEDUCTIONS[i][0]}，自评扣{lost:g}分")
        rows.append([i, int(score) if float(score).is_integer() else score, note, EVIDENCE[i]])
    return rows


def assessor_row(code: str, i: str, which: int) -> list[object]:
    score = SCORES[code][i][which]
    lost = POINTS[i] - score
    reason = "" if not lost else f"{DEDUCTIONS[i][(which + len(code)) % 2]}，扣{lost:g}分"
    return [code, i, int(score) if float(score).is_integer() else score, reason]


def afolder(sub: str) -> Path:
    return HERE / "intake" / "annual" / YEAR / sub


def sa_title(code: str) -> str:
    return f"{BY_CODE[code].name}{YEAR}年度民族团结进步创建工作自评表"


# ---------------------------------------------------------------- the summaries (年度工作总结)
H, P, L, T, S = DocHeading, DocParagraph, DocList, DocTable, DocSignature  # short names for the texts below


def H2(text: str) -> DocHeading:
    return DocHeading(text, 2)


@dataclass(frozen=True)
class Summary:
    """A unit's 年度工作总结 as its clerk writes it; ``chart``: (caption, labels, values, y label) of a picture."""

    name: str
    title: str
    blocks: list[Any]
    written: datetime  # docProps created
    chart: tuple[str, list[str], list[float], str] | None = None
    options: dict[str, Any] | None = None


def _chart_at(blocks: list[Any], marker: str = "[图]") -> int:
    return next(k for k, b in enumerate(blocks) if isinstance(b, DocParagraph) and b.text == marker)


def _d(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment of the 2025 year-end: December is 2025, January 2026."""
    return datetime(2025 if month == 12 else 2026, month, day, hour, minute, tzinfo=CST)


SUMMARIES: dict[str, Summary] = {
    "XZ01": Summary(
        "城关街道2025年度民族团结进步创建工作总结.docx",
        "城关街道办事处2025年度民族团结进步创建工作总结",
        [
            P("2025年，城关街道在市委、市政府和市创建工作领导小组的坚强领导下，以铸牢中华民族共同体意识为主线，"
              "紧紧围绕创建全国民族团结进步示范市目标任务，坚持“党建引领、社区为基、共建共享”的工作思路，"
              "扎实推进民族团结进步创建各项工作，取得了阶段性成效。现将全年工作总结如下："),
            H("一、基本情况"),
            P("城关街道辖8个社区，总人口4.6万人，居住着汉、回、藏、土、撒拉等14个民族，少数民族人口1.3万人，"
              "占总人口的28.3%。街道成立了由党工委书记任组长、办事处主任任副组长的创建工作领导小组，下设办公室，"
              "配备专职工作人员3名，各社区明确1名创建专干，形成了“街道统筹、社区落实、部门联动”的工作格局。"),
            H("二、主要做法"),
            H2("（一）强化组织领导，压实创建责任"),
            P("街道党工委把创建工作纳入年度重点工作，全年召开党工委会议专题研究创建工作6次，与8个社区签订创建"
              "目标责任书，对照测评体系逐项分解任务，实行月调度、季通报，做到任务清单化、责任具体化。"),
            H2("（二）深化宣传教育，营造浓厚氛围"),
            P("以“民族团结进步宣传月”为契机，组织开展“石榴籽”宣讲进社区、道德讲堂、知识竞赛等活动46场次；"
              "更新辖区宣传栏42块、展板60块，在主干道设置公益广告12处，利用社区微信群推送创建信息230余条，"
              "辖区群众创建知晓率达到95%以上。"),
            H2("（三）推进“七进”活动，夯实基层基础"),
            P("指导团结路社区创建市级示范社区，推动辖区12家机关企事业单位开展创建活动，组织结对认亲家庭186对，"
              "开展邻里互助、民族节日联欢等活动28场，促进各族群众交往交流交融。"),
            H("三、取得成效"),
            P("全年创建工作主要指标均已完成，个别指标超额完成，具体情况见下表。"),
            T("2025年城关街道创建工作主要指标完成情况",
              ["指标", "年度目标", "完成情况", "完成率"],
              [["宣传教育活动（场次）", 40, 46, "115.0%"],
               ["结对认亲家庭（对）", 150, 186, "124.0%"],
               ["示范社区创建（个）", 2, 2, "100.0%"],
               ["群众创建知晓率", "90%", "95.6%", "达标"],
               ["创建台账归档（卷）", 24, 22, "91.7%"]]),
            P("团结路社区被命名为市级民族团结进步示范社区，街道创建工作经验在全市推进会上作交流发言。"),
            H("四、存在问题"),
            P("1．部分社区创建工作创新不足，活动形式较为单一，对青年群体吸引力不强。"),
            P("2．创建台账资料整理不够及时，部分活动的方案、签到表和影像资料不齐全。"),
            P("3．专项经费保障不足，社区服务阵地建设推进较慢。"),
            H("五、下步打算"),
            P("1．创新活动载体，围绕青年群体开展志愿服务、文体比赛等活动，扩大创建工作覆盖面。"),
            P("2．对照测评体系分类整理创建台账，补齐活动佐证材料，做到一事一档。"),
            P("3．积极争取专项经费，加快社区服务阵地建设，年内再培育1个市级示范社区。"),
            S("青禾市城关街道办事处", "2025年12月30日"),
        ],  # fmt: skip
        _d(12, 22, 15, 30),
    ),
    "XZ02": Summary(
        "河西镇2025年度创建工作总结.docx",
        "河西镇2025年度民族团结进步创建工作总结",
        [
            P("2025年，河西镇党委、政府坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的民族理论和民族政策，"
              "以铸牢中华民族共同体意识为主线，以创建全国民族团结进步示范市为契机，紧扣“民族团结一家亲、同心共筑中国梦”"
              "主题，扎实开展民族团结进步创建工作。现将有关情况总结如下。"),
            H("一、基本情况"),
            P("河西镇地处青禾市西部，辖12个行政村、2个社区，总人口3.2万人，有汉、回、藏、蒙古、土等9个民族，"
              "少数民族人口占41.6%，是典型的多民族聚居镇。全镇以特色种养殖和乡村旅游为主导产业，2025年农村居民人均"
              "可支配收入达到1.86万元，同比增长7.2%。全镇现有市级民族团结进步示范村3个、示范单位5个，"
              "民族团结进步教育基地1处正在建设中。"),
            H("二、主要做法"),
            P("调整充实镇创建工作领导小组，由镇党委书记任组长，各村（社区）党组织书记为成员，建立“镇党委统筹、"
              "村社落实、站所配合”的责任体系。制定《河西镇2025年民族团结进步创建工作实施方案》，细化任务28项，"
              "明确责任人和完成时限，全年召开专题推进会4次。", lead="（一）坚持高位推动，健全创建机制。"),
            P("依托新时代文明实践所（站），组织“民族团结进步大讲堂”“政策理论进村入户”宣讲52场次，受众6800余人次；"
              "在各村文化广场、主干道设置民族团结宣传墙32处，编印双语宣传资料5000余份，让“三个离不开”“五个认同”"
              "思想深入人心。", lead="（二）突出教育引导，筑牢思想基础。"),
            P("开展“结对认亲·共话团结”活动，组织镇村干部与各族群众结对312户；举办“石榴籽”邻里节、农民运动会、"
              "民族团结联欢会等活动15场；推动石榴籽社区建设互嵌式服务阵地，促进各族群众在共居共学共事共乐中增进感情。",
              lead="（三）推动交往交流，促进互嵌融合。"),
            P("围绕牛羊养殖、特色蔬菜和乡村旅游，落实产业扶持资金186万元，培育致富带头人42名，组织各族群众参加"
              "技能培训620人次，带动各族群众共同增收。", lead="（四）聚焦产业发展，夯实物质基础。"),
            H("三、取得成效"),
            P("通过一年来的努力，全镇民族团结进步创建工作取得明显成效。一是思想认识进一步统一，各族干部群众对创建工作的"
              "知晓率、参与率和满意度分别达到96.8%、88.5%和97.2%。二是示范带动作用进一步显现，新增市级民族团结进步"
              "示范村1个，下河村被推荐参评省级示范村。三是基层治理水平进一步提升，全年排查化解各类矛盾纠纷67起，"
              "化解率达100%，未发生涉及民族因素的矛盾纠纷和群体性事件。"),
            H("四、存在问题"),
            P("一是部分村创建工作发展不平衡，个别村存在“上热下冷”现象，群众参与的主动性还不够强。二是民族团结进步"
              "教育基地建设进度滞后，受项目审批影响尚未完成主体工程。三是创建工作特色品牌不够鲜明，宣传形式较为传统，"
              "运用新媒体手段不足。"),
            H("五、下步打算"),
            P("一是加快推进民族团结进步教育基地建设，力争2026年6月底前建成并投入使用。二是深入挖掘各村民族文化资源，"
              "打造“一村一品”创建品牌。三是创新宣传方式，用好新媒体平台，讲好河西镇民族团结故事。四是完善创建工作"
              "考核激励机制，将创建工作纳入村级年度目标考核，推动创建工作常态化、长效化。"),
            S("河西镇人民政府", "2026年1月9日"),
        ],  # fmt: skip
        _d(1, 6, 10, 0),
        options={"heading_styles": True},
    ),
    "XZ03": Summary(
        "石门乡2025年民族团结进步创建工作总结.docx",
        "石门乡2025年民族团结进步创建工作总结",
        [
            P("今年以来，石门乡在市委、市政府的正确领导下，在市民宗局等部门的精心指导下，坚持把民族团结进步创建工作"
              "作为全乡的一项基础性、长期性工作来抓，紧紧围绕“共同团结奋斗、共同繁荣发展”主题，各项工作稳步推进。"
              "现将全年工作总结如下："),
            H("一、基本情况"),
            P("石门乡位于青禾市南部山区，辖9个行政村，总人口1.1万人，其中藏族、土族等少数民族人口占总人口的63%。"
              "全乡以高原特色农牧业为主，交通条件相对落后，是全市创建工作的重点和难点地区。"),
            H("二、主要做法"),
            H2("（一）加强组织领导"),
            P("年初及时调整乡创建工作领导小组，印发调整通知，明确分管领导和1名专职工作人员，建立每月工作例会制度，"
              "全年召开例会12次，研究解决创建工作中的具体问题。"),
            H2("（二）深化宣传教育"),
            P("结合藏历新年、“民族团结进步宣传月”等时间节点，组织开展“双语”政策宣讲、民族团结知识竞赛、文艺演出等"
              "活动，全年共开展各类活动38场次，各季度开展情况见图1。"),
            P("[图]"),
            H2("（三）抓实就业帮扶"),
            P("配合市人社局、农业农村局开展各族群众就业技能培训，组织牛羊养殖、民族刺绣、厨师等培训班6期，培训各族群众"
              "310人次，转移就业186人；落实民族特色产业帮扶资金62万元，扶持刺绣合作社2家、牦牛养殖合作社3家。"),
            H("三、取得成效"),
            P("全年开展创建活动38场次，参与群众4200余人次。群众对创建工作的知晓率由年初的81%提高到92%；尕让村被命名为"
              "市级民族团结进步示范村；民族刺绣合作社带动62名妇女居家就业，人均年增收4800元。"),
            H("四、存在问题"),
            P("一是受地理条件限制，部分偏远村群众参与活动不便，创建工作覆盖面还不够广。二是乡村两级创建工作力量薄弱，"
              "专职人员少，业务能力有待提高。三是创建台账资料整理不够规范，部分活动影像资料缺失。"),
            H("五、下步打算"),
            P("一是采取“流动宣讲+集中活动”方式，把创建活动送到偏远村组和牧场。二是加强乡村两级创建工作人员业务培训，"
              "全年培训不少于2次。三是对照测评体系，规范整理创建台账，做到一事一档、及时归档。"),
            S("石门乡人民政府", "2026年1月15日"),
        ],  # fmt: skip
        _d(1, 14, 16, 0),
        chart=("图1  2025年各季度开展创建活动场次", ["一季度", "二季度", "三季度", "四季度"], [6, 11, 13, 8], "场次"),
    ),
    "BM01": Summary(
        "市委统战部2025年度民族团结进步创建工作总结.docx",
        "中共青禾市委统战部2025年度民族团结进步创建工作总结",
        [
            P("2025年，市委统战部认真履行创建工作领导小组成员单位和宣传教育工程牵头单位职责，坚持以铸牢中华民族共同体"
              "意识为主线，统筹推进民族团结进步宣传教育和统一战线各领域创建工作，较好完成了年度目标任务。"
              "现将有关情况报告如下。"),
            H("一、基本情况"),
            P("市委统战部内设6个科室，在编干部26名，其中少数民族干部9名。部机关牵头负责“开展民族团结进步宣传月活动”"
              "等3项创建任务，配合推进“民族团结进步创建进宗教活动场所”等5项任务。年初，部务会研究制定了"
              "《2025年民族团结进步创建工作要点》，将创建任务分解到科室、落实到人。"),
            H("二、主要做法"),
            H2("（一）抓好理论武装，统一思想认识"),
            P("把学习习近平总书记关于加强和改进民族工作的重要思想纳入部务会“第一议题”和理论学习中心组学习重点，"
              "全年开展专题学习10次，举办全市统战干部铸牢中华民族共同体意识专题培训班2期，培训各级统战干部320人次。"),
            H2("（二）办好宣传月活动，扩大社会影响"),
            P("牵头组织全市“民族团结进步宣传月”活动，统筹开展主题宣讲、文艺汇演、知识竞赛、“民族团结一家亲”摄影展等"
              "系列活动，全市各成员单位开展宣传活动累计196场次，直接参与群众5.6万人次。"),
            H2("（三）发挥统战优势，凝聚各方力量"),
            P("组织党外代表人士、新的社会阶层人士、民营企业家开展“同心助力创建”行动，引导32家民营企业参与民族特色产业"
              "帮扶，落实帮扶资金410万元；联合市民宗局推进宗教活动场所创建，指导13处场所开展创建活动。"),
            H("三、取得成效"),
            P("年度主要指标全部完成，具体见表1；全市宣传教育活动各季度开展情况见图1。"),
            T("表1  2025年主要指标完成情况",
              ["指标", "年度目标", "完成值", "完成率"],
              [["宣传月系列活动（场次）", 12, 15, "125.0%"],
               ["统战干部专题培训（人次）", 300, 320, "106.7%"],
               ["参与帮扶的民营企业（家）", 30, 32, "106.7%"],
               ["帮扶资金（万元）", 400, 410, "102.5%"],
               ["宗教活动场所创建（处）", 13, 13, "100.0%"]]),
            P("[图]"),
            H("四、存在问题"),
            P("一是宣传教育的针对性和吸引力有待增强，面向青少年和新就业群体的宣传产品不多。二是统一战线各领域创建工作"
              "进展不够平衡，新的社会阶层人士参与程度还不高。三是成员单位之间的信息共享和工作协同机制还需进一步完善。"),
            H("五、下步打算"),
            P("一是筹备好2026年民族团结进步宣传月，策划推出一批群众喜闻乐见的宣传产品。二是深化“同心助力创建”行动，"
              "拓展新的社会阶层人士参与创建的渠道。三是健全成员单位联席会议和信息通报制度，形成创建工作合力。"),
            S("中共青禾市委统战部", "2025年12月26日"),
        ],  # fmt: skip
        _d(12, 24, 11, 0),
        chart=("图1  2025年各季度全市宣传教育活动场次", ["一季度", "二季度", "三季度", "四季度"], [28, 46, 71, 51], "场次"),
        options={"heading_styles": True},
    ),
    "BM02": Summary(
        "民宗局2025年工作总结.docx",
        "青禾市民族宗教事务局2025年民族团结进步创建工作总结",
        [
            P("2025年，市民族宗教事务局在市委、市政府的坚强领导下，在市创建工作领导小组的统筹指导下，充分发挥民族工作"
              "部门职能作用，以铸牢中华民族共同体意识为主线，以创建全国民族团结进步示范市为抓手，推动各项创建任务落地见效。"
              "现将全年工作总结如下。"),
            H("一、基本情况"),
            P("我局是创建工作领导小组办公室成员单位，承担领导小组办公室日常工作，牵头负责“开展民族团结进步示范单位创建”"
              "等任务，配合推进示范社区、教育基地和“石榴籽家园”建设等工作。局机关现有干部职工21名，设创建工作专班，"
              "配备专职人员4名。"),
            H("二、主要做法"),
            P("起草《青禾市创建全国民族团结进步示范市工作方案》《创建工作任务清单》和《测评体系》，建立月通报、季督查、"
              "年验收工作机制，全年编发创建工作月通报12期、督查通报4期。", lead="（一）当好参谋助手，完善制度体系。"),
            P("按照“成熟一批、命名一批”的原则，开展第三批市级民族团结进步示范单位创建，全年命名示范单位21个，其中机关6个、"
              "学校4个、企业3个、社区5个、宗教活动场所3个，示范单位总数达到56个。", lead="（二）培育示范典型，以点带面推进。"),
            P("指导全市宗教活动场所开展“民族团结进步创建进宗教活动场所”活动，推动国旗、宪法和法律法规、社会主义核心价值观、"
              "中华优秀传统文化进场所，组织教职人员培训3期，培训186人次。", lead="（三）推进场所创建，促进宗教和顺。"),
            H("三、取得成效"),
            P("一是创建工作机制更加健全，形成了领导小组统筹、办公室协调、成员单位各负其责的工作格局。二是示范引领作用"
              "更加明显，示范单位覆盖全市所有乡镇街道和重点行业领域。三是民族宗教领域保持和谐稳定，全年未发生涉及民族宗教"
              "因素的重大矛盾纠纷。"),
            H("四、存在问题"),
            P("一是部分成员单位对创建工作重视程度不够，存在“重部署、轻落实”现象，月度进展报送不及时。二是示范单位后续管理"
              "和动态评估机制不够完善，“重命名、轻管理”的问题不同程度存在。三是创建成果的总结提炼不够，可复制可推广的经验"
              "还不多。"),
            H("五、下步打算"),
            P("一是加强对成员单位的督促指导，对报送不及时、任务滞后的单位及时通报。二是建立示范单位动态管理机制，每两年复核"
              "一次。三是着手编印《民族团结进步创建成果汇编》，总结推广典型经验。"),
            S("青禾市民族宗教事务局", "2026年1月5日"),
        ],  # fmt: skip
        _d(12, 31, 17, 20),
        options={
            "header_text": "青禾市民族宗教事务局内部资料  注意保存",
            "footer_text": "民宗局办公室  2026年1月印",
            "margins_cm": (2.2, 1.8, 3.6, 1.6),
            "body_font": "宋体",
            "body_pt": 14,
        },
    ),
    "BM03": Summary(
        "教育局2025年度民族团结进步创建工作总结.docx",
        "青禾市教育局2025年度民族团结进步创建工作总结",
        [
            P("2025年，市教育局坚持把民族团结进步教育作为立德树人的重要内容，以“推进民族团结教育进校园”为牵头任务，"
              "将铸牢中华民族共同体意识教育融入学校教育教学全过程，推动全市教育系统创建工作走深走实。现将全年工作总结如下："),
            H("一、基本情况"),
            P("全市共有各级各类学校68所，在校学生4.3万人，其中少数民族学生1.2万人；教职工3860人。局机关成立了由局长任组长"
              "的创建工作领导小组，基础教育科具体负责，各学校明确1名副校长分管创建工作。"),
            H("二、主要做法"),
            H2("（一）课程育人，推进教育进课堂"),
            P("印发《关于进一步加强中小学民族团结教育的通知》，要求各中小学将民族团结教育纳入学期教学计划，每学期安排"
              "不少于4课时；组织编写《青禾民族团结故事》校本读本，发放到全市中小学。"),
            H2("（二）活动育人，丰富教育载体"),
            P("以“民族团结进步宣传月”和开学第一课为契机，开展主题班会、升旗仪式、手抄报比赛、“石榴籽”主题征文等活动，"
              "全年各学校开展主题教育活动1200余场次。"),
            H2("（三）文化育人，营造校园氛围"),
            P("推动民族团结教育与校园文化建设相结合，建成民族团结教育主题长廊26处，开展锅庄舞、花儿等民族文化进校园活动，"
              "打造“一校一品”特色项目18个。"),
            H2("（四）师资保障，提升教育能力"),
            P("举办民族团结教育骨干教师培训班2期，培训教师260人次，组织民族团结教育优质课评选，评出市级优质课35节。"),
            H("三、取得成效"),
            P("全市30所中小学完成民族团结教育进校园年度目标任务，市第一中学、民族实验小学被命名为市级民族团结进步示范学校；"
              "学生对民族团结基本知识的知晓率达到98%。"),
            H("四、存在问题"),
            L(["部分学校民族团结教育课时落实不到位，存在被其他学科挤占的现象。",
               "教育活动资料归档不够及时，个别学校缺少活动影像资料。",
               "农村学校民族团结教育师资力量相对薄弱。"]),
            H("五、下步打算"),
            L(["加强课时落实情况督查，将民族团结教育纳入学校年度考核。",
               "指导各学校建立民族团结教育活动档案，按学期归档。",
               "实施城乡学校结对帮扶，提升农村学校民族团结教育水平。",
               "评选表彰一批民族团结教育先进集体和先进个人。"]),
            S("青禾市教育局", "2026年1月7日"),
        ],  # fmt: skip
        _d(1, 5, 9, 30),
    ),
    "BM04": Summary(
        "文旅局2025年民族团结进步创建工作总结.docx",
        "青禾市文化广电和旅游局2025年民族团结进步创建工作总结",
        [
            P("2025年，市文化广电和旅游局坚持以社会主义核心价值观为引领，围绕构筑中华民族共有精神家园，牵头推进“举办民族"
              "传统节庆和非遗展演”任务，配合做好宣传月活动和教育基地建设，以文化人、以文育人，推动各民族文化交流交融。"
              "现将全年工作总结如下："),
            H("一、基本情况"),
            P("全市现有国家级非物质文化遗产代表性项目2项、省级14项、市级46项，各级代表性传承人83名；公共文化场馆12个，"
              "乡村（社区）综合文化服务中心128个。我局牵头民族传统节庆和非遗展演任务，年度目标为举办展演活动8场。"),
            H("二、主要做法"),
            H2("（一）办好节庆展演，搭建交流平台"),
            P("以春节、端午、中秋等中华传统节日和各民族传统节庆为载体，举办“石榴花开·和美青禾”民族文化展演、非遗展示周、"
              "民族歌舞大赛等活动，各季度开展情况见图1。"),
            P("[图]"),
            H2("（二）加强非遗保护，传承民族文化"),
            P("完成3个非遗项目影像资料采集和数字化建档，新建非遗传承体验点5个，组织非遗进校园、进社区活动32场次。"),
            H2("（三）推动文旅融合，促进交往交融"),
            P("推出“民族团结之旅”精品旅游线路3条，引导游客走进民族村寨、体验民族风情，全年接待游客186万人次，带动民族特色"
              "旅游商品销售1200余万元。"),
            H("三、取得成效"),
            P("全年举办民族传统节庆和非遗展演11场，完成年度目标的137.5%，线上线下参与群众超过30万人次；1个项目入选省级非遗"
              "代表性项目名录；“民族团结之旅”线路被列为全省推荐线路。"),
            H("四、存在问题"),
            P("一是部分非遗项目传承人老龄化问题突出，年轻传承人培养不足。二是活动宣传报道力度不够，在新媒体平台的传播效果"
              "不理想。三是乡村综合文化服务中心利用率不高。"),
            H("五、下步打算"),
            P("一是实施非遗传承人研修培训计划，培养青年传承人。二是在市级媒体和新媒体平台开设专栏，加大活动宣传报道力度。"
              "三是推动乡村综合文化服务中心与民族团结进步创建阵地共建共用。"),
            S("青禾市文化广电和旅游局", "2026年1月13日"),
        ],  # fmt: skip
        _d(1, 12, 10, 0),
        chart=("图1  2025年各季度民族传统节庆和非遗展演场次", ["一季度", "二季度", "三季度", "四季度"], [2, 3, 4, 2], "场"),
    ),
    "BM05": Summary(
        "农业农村局2025年度民族团结进步创建工作总结.docx",
        "青禾市农业农村局2025年度民族团结进步创建工作总结",
        [
            P("2025年，市农业农村局以促进各民族共同富裕为目标，牵头实施民族特色产业帮扶任务，把创建工作与乡村振兴、"
              "产业发展紧密结合，推动各族群众共享发展成果。现将全年工作总结如下："),
            H("一、基本情况"),
            P("我局牵头“实施民族特色产业帮扶”任务，年度目标为落实帮扶资金500万元，配合单位有市人社局、石门乡、绿源乳业、"
              "锦绣服饰等。局机关成立了创建工作领导小组，由局长任组长，产业发展科具体承办。"),
            H("二、主要做法"),
            P("深入各乡镇调研民族特色产业发展情况，筛选确定牦牛养殖、民族刺绣、特色乳制品、高原蔬菜等帮扶项目16个，"
              "建立项目库，实行清单化管理。", lead="（一）精准谋划项目。"),
            P("统筹衔接推进乡村振兴补助资金和部门专项资金，全年落实民族特色产业帮扶资金528万元，其中直接扶持合作社和"
              "龙头企业386万元、技术服务和培训142万元。", lead="（二）强化资金保障。"),
            P("推广“龙头企业+合作社+农户”模式，支持绿源乳业与12个村建立奶源收购协议，带动各族养殖户860户，户均增收"
              "6200元；指导锦绣服饰建立刺绣加工点4个，吸纳各族妇女居家就业120人。", lead="（三）推进联农带农。"),
            H("三、取得成效"),
            P("民族特色产业帮扶任务全面完成，帮扶资金到位率105.6%；全市新增民族特色产业合作社9家，培育市级以上农业产业化"
              "龙头企业2家；受益农户人均可支配收入增幅高于全市平均水平1.3个百分点。"),
            H("四、存在问题"),
            P("一是部分帮扶项目规模小、链条短，市场竞争力不强。二是资金拨付进度前慢后快，上半年资金到位率偏低。"
              "三是项目绩效评价机制还不健全。"),
            H("五、下步打算"),
            P("一是延伸产业链条，支持民族特色农产品精深加工。二是加快资金拨付进度，建立资金使用月调度制度。三是开展帮扶"
              "项目绩效评价，提高资金使用效益。"),
            S("青禾市农业农村局", "2026年1月9日"),
        ],  # fmt: skip
        _d(1, 7, 15, 0),
    ),
    "XX01": Summary(
        "第一中学2025年度民族团结进步创建工作总结.docx",
        "青禾市第一中学2025年度民族团结进步创建工作总结",
        [
            P("2025年，我校以习近平新时代中国特色社会主义思想为指导，全面贯彻党的教育方针，坚持把铸牢中华民族共同体意识"
              "教育贯穿教育教学全过程，扎实开展民族团结进步创建工作，努力建设各族师生团结和睦的美好校园。"
              "现将全年工作总结如下。"),
            H("一、基本情况"),
            P("我校现有教学班54个，在校学生2680名，由汉、回、藏、土、撒拉、蒙古6个民族组成，其中少数民族学生892名，"
              "占33.3%；教职工216名，其中少数民族教职工48名。学校成立了由校长任组长的创建工作领导小组，政教处具体负责。"),
            H("二、主要做法"),
            P("各年级每学期安排民族团结教育不少于4课时，思政课、历史课、语文课深挖民族团结教育元素，开展学科渗透。",
              lead="（一）把民族团结教育纳入教学计划。"),
            P("每周一升旗仪式开展国旗下讲话，每学期开展“民族团结一家亲”主题班会；组织“石榴籽”征文、演讲、手抄报比赛"
              "和民族团结故事会。", lead="（二）开展丰富多彩的主题教育活动。"),
            P("组织各族学生结成学习互助对子326对，教师与少数民族困难学生结对帮扶85对，落实助学资金12.6万元。",
              lead="（三）开展“手拉手·心连心”结对活动。"),
            H("三、取得成效"),
            P("全年民族团结教育各项工作均完成计划，主要工作完成情况见下表。"),
            T("2025年民族团结教育主要工作完成情况",
              ["项目", "计划", "完成", "备注"],
              [["民族团结教育课时（节/学期）", 4, 5, "超计划"],
               ["主题班会（场）", 108, 116, "每班每学期1场以上"],
               ["结对互助对子（对）", 300, 326, ""],
               ["征文演讲等活动（场）", 10, 12, ""],
               ["教师专题培训（人次）", 200, 216, "全员覆盖"]]),
            P("学校被命名为市级民族团结进步示范学校，3名学生在全市“石榴籽”征文比赛中获一等奖。"),
            H("四、存在问题"),
            P("一是活动资料归档不及时，主题班会、升旗仪式等活动的影像资料不够完整。二是部分活动形式偏重说教，学生主动参与"
              "的积极性有待提高。"),
            H("五、下步打算"),
            P("一是建立民族团结教育活动档案，按学期整理归档，补齐活动影像资料。二是开发民族团结教育研学课程，组织学生走进"
              "教育基地开展实践活动。三是加强与民族实验小学等学校的交流，推进中小学民族团结教育一体化。"),
            S("青禾市第一中学", "2026年1月6日"),
        ],  # fmt: skip
        _d(1, 4, 10, 0),
    ),
    "XX02": Summary(  # 四、存在问题 and 五、下步打算 left out: accepted, with a note in the receipt
        "民族实验小学2025年创建工作总结.docx",
        "青禾市民族实验小学2025年民族团结进步创建工作总结",
        [
            P("2025年，我校紧紧围绕立德树人根本任务，坚持“民族团结从娃娃抓起”，以创建民族团结进步示范学校为目标，"
              "扎实开展各项创建活动，取得了较好成效。现总结如下："),
            H("一、基本情况"),
            P("我校是一所以少数民族学生为主的完全小学，现有教学班36个，学生1520名，其中少数民族学生1060名，占69.7%；"
              "教职工98名。学校成立创建工作领导小组，校长任组长，德育处负责日常工作。"),
            H("二、主要做法"),
            P("落实民族团结教育课时，一至六年级每学期开设民族团结教育课4课时，将民族团结教育融入道德与法治、语文、音乐、"
              "美术等学科教学。", lead="（一）课堂主渠道。"),
            P("开展“我们都是一家人”主题班会、“讲民族团结故事”比赛、民族团结手抄报展评等活动；成立锅庄舞、花儿、剪纸等"
              "民族特色社团8个，每周开展社团活动。", lead="（二）活动显特色。"),
            P("召开家长会宣讲民族团结政策，开展“小手拉大手”活动，评选“民族团结好家庭”20户。", lead="（三）家校共育人。"),
            H("三、取得成效"),
            P("学校民族团结教育氛围日益浓厚，师生“三个离不开”“五个认同”思想进一步增强。全年开展主题教育活动86场次，"
              "学校锅庄舞社团在全市中小学艺术展演中获一等奖，学校被命名为市级民族团结进步示范学校。"),
            S("青禾市民族实验小学", "2026年1月14日"),
        ],  # fmt: skip
        _d(1, 13, 16, 0),
    ),
    "QY01": Summary(
        "绿源乳业2025年度民族团结进步创建工作总结.docx",
        "青禾绿源乳业有限公司2025年度民族团结进步创建工作总结",
        [
            P("2025年，公司党支部和经营班子坚持把民族团结进步创建工作与企业生产经营、员工关爱帮扶和联农带农紧密结合，"
              "积极履行社会责任，努力建设各族员工团结和谐的企业大家庭。现将全年工作总结如下。"),
            H("一、基本情况"),
            P("公司成立于2008年，是市级农业产业化龙头企业，主营液态奶、酸奶和民族特色奶制品，现有员工436人，由汉、回、藏、"
              "土、撒拉等7个民族组成，少数民族员工占42%。公司配合推进“实施民族特色产业帮扶”“开展各族群众就业技能培训”"
              "两项任务。"),
            H("二、主要做法"),
            P("成立由董事长任组长的创建工作领导小组，公司党支部具体负责，把创建工作纳入年度经营目标考核。",
              lead="（一）加强组织领导。"),
            P("设立清真食堂，合理安排少数民族员工节日休假；在古尔邦节、藏历新年等节日走访慰问少数民族员工家庭58户。",
              lead="（二）尊重风俗习惯。"),
            P("与12个村的860户各族养殖户签订奶源收购协议，实行保护价收购；开展奶牛养殖技术培训8期，培训养殖户420人次。",
              lead="（三）联农带农增收。"),
            P("开展新入职员工岗前技能培训，吸纳当地各族群众就业56人。", lead="（四）稳岗扩岗就业。"),
            H("三、取得成效"),
            P("联农带农和稳岗就业成效明显，主要数据见下表。"),
            T("2025年帮扶就业主要数据",
              ["项目", "2024年", "2025年", "增减"],
              [["签约养殖户（户）", 720, 860, "+140"],
               ["收购奶源（万吨）", 3.2, 3.8, "+18.8%"],
               ["养殖技术培训（人次）", 350, 420, "+70"],
               ["新吸纳就业（人）", 41, 56, "+15"],
               ["少数民族员工占比", "40%", "42%", "+2个百分点"]]),
            P("公司被命名为市级民族团结进步示范企业。"),
            H("四、存在问题"),
            P("一是员工创建活动多集中在节庆期间，日常活动开展不够经常。二是签约养殖户技术水平参差不齐，部分养殖户奶源质量"
              "不稳定。三是创建台账资料管理不够规范。"),
            H("五、下步打算"),
            P("一是建立员工“民族团结之家”，常态化开展交流活动。二是扩大养殖技术培训覆盖面，提高签约养殖户标准化养殖水平。"
              "三是明确专人负责创建台账，做到及时归档。"),
            S("青禾绿源乳业有限公司", "2026年1月8日"),
        ],  # fmt: skip
        _d(1, 7, 11, 0),
        options={"heading_styles": True},
    ),
    "SQ01": Summary(
        "团结路社区2025年民族团结进步创建工作总结.docx",
        "团结路社区2025年民族团结进步创建工作总结",
        [
            P("2025年，团结路社区在城关街道党工委、办事处的领导下，以创建市级民族团结进步示范社区为目标，坚持党建引领，"
              "聚焦各族居民需求，以“石榴籽家园”建设为载体，扎实开展创建工作。现将全年工作总结如下："),
            H("一、基本情况"),
            P("社区辖区面积0.8平方公里，有居民楼56栋，常住居民2460户6830人，有汉、回、藏、土、撒拉等11个民族，"
              "少数民族居民占38.5%。社区有工作人员12名，网格员8名，辖区有驻区单位14家。"),
            H("二、主要做法"),
            L(["党建引领聚合力。成立社区大党委，吸纳14家驻区单位党组织参与，建立“社区吹哨、单位报到”机制，共同开展创建活动。",
               "阵地建设强服务。完善“石榴籽家园”活动室阅览、议事、活动三个功能区，公示开放时间，全年开放280天，"
               "开展各类活动96场次。",
               "结对认亲促融合。开展“结对认亲·守望相助”活动，组织各族居民结对146对，建立结对认亲工作台账；"
               "开展邻里节、百家宴等活动12场。",
               "网格服务解难题。依托8个网格开展入户走访，为各族居民办理就业、就医、入学等实事320件，调解矛盾纠纷42起。"]),
            H("三、取得成效"),
            P("社区被命名为市级民族团结进步示范社区；居民对社区创建工作满意度达到97.6%；全年未发生涉及民族因素的矛盾纠纷。"),
            H("四、存在问题"),
            P("社区活动场地面积偏小，难以满足大型活动需要；青年居民参与社区活动较少；结对认亲活动记录还不够规范。"),
            H("五、下步打算"),
            L(["积极协调驻区单位共享活动场地，拓展“石榴籽家园”服务空间。",
               "围绕青年居民需求，开展志愿服务、文体比赛等活动，吸引青年参与。",
               "规范结对认亲活动记录，做到一户一档、签字确认。",
               "总结提炼创建经验，争创省级民族团结进步示范社区。"]),
            S("城关街道团结路社区居民委员会", "2026年1月14日"),
        ],  # fmt: skip
        _d(1, 12, 15, 0),
    ),
    "SQ02": Summary(
        "石榴籽社区年度总结.docx",
        "石榴籽社区2025年度民族团结进步创建工作总结",
        [
            P("今年以来，石榴籽社区在河西镇党委、政府的领导下，认真落实民族团结进步创建各项任务，以“石榴籽家园”社区服务"
              "阵地建设为重点，努力营造各族居民像石榴籽一样紧紧抱在一起的良好氛围。现将全年工作总结如下："),
            H("一、基本情况"),
            P("石榴籽社区成立于2019年，是河西镇易地搬迁安置社区，现有居民1380户4120人，有汉、回、藏、土、蒙古等8个民族，"
              "少数民族居民占57%。社区“两委”班子成员7名，专职网格员6名。"),
            H("二、主要做法"),
            P("积极争取项目资金，推进“石榴籽家园”社区服务阵地建设，完成场地选址、改造方案设计和项目审批。",
              lead="（一）抓好阵地建设。"),
            P("利用社区宣传栏、电子屏和居民微信群，宣传党的民族政策和创建知识，全年开展宣讲活动18场次。",
              lead="（二）抓好宣传引导。"),
            P("为搬迁群众提供就业推荐、子女入学、医疗保障等服务，帮助186名搬迁群众实现就业。", lead="（三）抓好服务保障。"),
            H("三、取得成效"),
            P("社区各族居民和睦相处，邻里关系融洽，全年未发生涉及民族因素的矛盾纠纷，居民对社区工作满意度达到94%。"),
            H("四、存在问题"),
            P("一是“石榴籽家园”服务阵地建设进度滞后，场地改造尚未完工。二是社区工作人员少，开展活动力量不足。"
              "三是创建台账资料不够完整。"),
            H("五、下步打算"),
            P("一是加快“石榴籽家园”建设，确保2026年底前建成投用。二是积极招募志愿者，壮大社区创建工作力量。"
              "三是完善创建工作台账，迎接年度验收。"),
            S("河西镇石榴籽社区居民委员会", "2026年1月15日"),
        ],  # fmt: skip
        _d(1, 15, 14, 0),
    ),
}

# ZJ01's summary: a Word 97–2003 .doc renamed to .docx (refused: no .docx reader opens it; never resent).
ZJ01_DOC_NAME = "东关清真寺2025年民族团结进步创建工作总结.docx"
ZJ01_DOC_TEXT = (
    "东关清真寺2025年民族团结进步创建工作总结\r"
    "一、基本情况\r东关清真寺始建于明代，现有教职人员5名，寺管会成员7名。\r"
    "二、主要做法\r坚持“爱国爱教、团结进步”，推动国旗、宪法和法律法规、社会主义核心价值观、中华优秀传统文化进场所，"
    "完善场所管理制度6项并上墙公示。\r三、取得成效\r场所被命名为市级民族团结进步示范宗教活动场所。\r"
    "四、存在问题\r宣传内容更新不够及时。\r五、下步打算\r结合场所活动开展民族团结进步宣讲。\r"
    "青禾市东关清真寺民主管理委员会\r2026年1月12日\r"
)


def write_summary(code: str, tmp: Path) -> Path:
    s = SUMMARIES[code]
    blocks = list(s.blocks)
    if s.chart is not None:
        caption, labels, values, ylabel = s.chart
        png = write_bar_chart_png(tmp / f"{code}_chart.png", labels, values,
                                  title=caption.split("  ", 1)[-1], ylabel=ylabel)  # fmt: skip
        blocks[_chart_at(blocks)] = DocPicture(png, caption, width_cm=13.5)
    when = DROPS_ANNUAL[f"{code}/{s.name}"]
    return write_summary_docx(
        afolder(code) / s.name, s.title, blocks, author=BY_CODE[code].contact, created=s.written,
        modified=when - timedelta(minutes=12), **(s.options or {}),
    )  # fmt: skip


# ---------------------------------------------------------------- when each annual file is dropped
# "<folder>/<file>" → drop time, in drop order. Units up to the 2026-01-15 17:00 deadline (SQ02 two minutes
# before it), XZ03 the next morning (late); BM05's first self-assessment is refused (B1 above its points)
# and fixed before the deadline; ZJ01's summary is a renamed .doc, never resent; BM06 and QY02 send no
# summary, SQ02 no self-assessment, ZJ02 nothing at all. The assessors score after the deadline.
DROPS_ANNUAL: dict[str, datetime] = {
    "BM01/市委统战部2025年度创建工作自评表.xlsx": _d(12, 26, 10, 30),
    "BM01/市委统战部2025年度民族团结进步创建工作总结.docx": _d(12, 26, 10, 34),
    "XZ01/城关街道2025年度自评表.xlsx": _d(12, 29, 15, 20),
    "XZ01/城关街道2025年度民族团结进步创建工作总结.docx": _d(12, 30, 9, 20),
    "BM02/民宗局2025年工作总结.docx": _d(1, 5, 11, 0),
    "BM02/民宗局自评表.csv": _d(1, 5, 11, 8),
    "XX01/第一中学自评表.xlsx": _d(1, 6, 10, 15),
    "XX01/第一中学2025年度民族团结进步创建工作总结.docx": _d(1, 6, 10, 18),
    "BM03/教育局2025年度民族团结进步创建工作总结.docx": _d(1, 7, 16, 40),
    "BM03/教育局2025年度自评表.xlsx": _d(1, 7, 16, 45),
    "QY01/绿源乳业2025年度民族团结进步创建工作总结.docx": _d(1, 8, 9, 50),
    "QY01/绿源乳业2025年度自评表.xlsx": _d(1, 8, 9, 52),
    "BM05/农业农村局2025年度自评表.xlsx": _d(1, 8, 16, 0),
    "BM05/农业农村局2025年度民族团结进步创建工作总结.docx": _d(1, 9, 10, 0),
    "XZ02/河西镇自评表.xlsx": _d(1, 9, 11, 20),
    "XZ02/河西镇2025年度创建工作总结.docx": _d(1, 9, 11, 25),
    "BM05/农业农村局2025年度自评表（更正）.xlsx": _d(1, 12, 9, 30),
    "ZJ01/东关清真寺自评表.xlsx": _d(1, 12, 10, 0),
    f"ZJ01/{ZJ01_DOC_NAME}": _d(1, 12, 10, 5),
    "BM04/文旅局自评表.xlsx": _d(1, 13, 15, 0),
    "BM04/文旅局2025年民族团结进步创建工作总结.docx": _d(1, 13, 15, 10),
    "BM06/人社局2025年度自评表.xlsx": _d(1, 13, 17, 30),
    "SQ01/团结路社区2025年民族团结进步创建工作总结.docx": _d(1, 14, 9, 40),
    "SQ01/团结路社区自评表.xlsx": _d(1, 14, 9, 45),
    "XX02/民族实验小学自评表.xlsx": _d(1, 14, 16, 20),
    "XX02/民族实验小学2025年创建工作总结.docx": _d(1, 14, 16, 30),
    "QY02/锦绣服饰自评表.csv": _d(1, 15, 16, 30),
    "SQ02/石榴籽社区年度总结.docx": _d(1, 15, 16, 58),
    # late: after the 2026-01-15 17:00 deadline
    "XZ03/石门乡2025年度自评表.csv": _d(1, 16, 9, 40),
    "XZ03/石门乡2025年民族团结进步创建工作总结.docx": _d(1, 16, 9, 45),
    # the assessors
    "_assessors/2025年度验收评分表（王振华）.xlsx": _d(1, 22, 16, 0),
    "_assessors/验收评分表_第二验收组_刘芳.csv": _d(1, 23, 10, 30),
}
ANNUAL_REJECTED = {
    "BM05/农业农村局2025年度自评表.xlsx": "指标 B1 的自评得分 16 超过该指标分值 15",
    f"ZJ01/{ZJ01_DOC_NAME}": "文件无法作为 Word（.docx）文档打开：是改了扩展名的旧版 .doc，请另存为 .docx 后重新报送",
}


def write_self_assessment(code: str, name: str, rows: Rows, **table: Any) -> Path:
    return write_table(afolder(code) / name, SELF_ASSESSMENT_HEADERS, rows, **table)


def self_assessments() -> list[Path]:
    """Fifteen units' 自评表 (SQ02 and ZJ02 send none): xlsx and CSV, as messy as real ones."""
    out = []
    plain = {  # unit → (file, options)
        "XZ01": ("城关街道2025年度自评表.xlsx",
                 {"title": sa_title("XZ01"), "instructions": SELF_ASSESSMENT_INSTRUCTIONS, "trailing_blank_rows": 3}),
        "XZ02": ("河西镇自评表.xlsx", {"title": sa_title("XZ02")}),
        "XZ03": ("石门乡2025年度自评表.csv", {"title": sa_title("XZ03"), "encoding": "gb18030"}),
        "BM01": ("市委统战部2025年度创建工作自评表.xlsx",
                 {"title": sa_title("BM01"),
                  "extra_columns": {"备注": ["领导小组于2025年3月调整", "", "宣传月系列活动15场"]}}),
        "BM02": ("民宗局自评表.csv",
                 {"title": sa_title("BM02"), "instructions": SELF_ASSESSMENT_INSTRUCTIONS, "encoding": "utf-8-sig"}),
        "BM03": ("教育局2025年度自评表.xlsx", {"title": sa_title("BM03"), "trailing_blank_rows": 2}),
        "BM06": ("人社局2025年度自评表.xlsx", {"title": sa_title("BM06")}),
        "XX01": ("第一中学自评表.xlsx", {"title": sa_title("XX01"), "instructions": SELF_ASSESSMENT_INSTRUCTIONS}),
        "XX02": ("民族实验小学自评表.xlsx", {}),
        "QY01": ("绿源乳业2025年度自评表.xlsx", {"title": sa_title("QY01")}),
        "QY02": ("锦绣服饰自评表.csv", {"encoding": "utf-8"}),
        "SQ01": ("团结路社区自评表.xlsx", {"title": sa_title("SQ01"), "trailing_blank_rows": 4}),
        "ZJ01": ("东关清真寺自评表.xlsx", {"title": sa_title("ZJ01")}),
    }  # fmt: skip
    for code, (name, options) in plain.items():
        out.append(write_self_assessment(code, name, self_rows(code), **options))
    bm04 = self_rows("BM04")  # a whole number typed in full-width digits: 自评得分 “１０”
    row = next(r for r in bm04 if isinstance(r[1], int) and r[1] >= 10)
    row[1] = to_fullwidth(row[1])
    out.append(write_self_assessment("BM04", "文旅局自评表.xlsx", bm04, title=sa_title("BM04")))
    good = self_rows("BM05")
    bad = [list(r) for r in good]
    b1 = next(r for r in bad if r[0] == "B1")
    b1[1], b1[2] = 16, "全年开展宣传月等主题宣传活动超过计划，自评加分"
    out.append(write_self_assessment("BM05", "农业农村局2025年度自评表.xlsx", bad, title=sa_title("BM05")))
    out.append(write_self_assessment("BM05", "农业农村局2025年度自评表（更正）.xlsx", good, title=sa_title("BM05")))
    return out


def assessor_rows(which: int) -> Rows:
    """Every unit on every indicator except ZJ01's D1; the first assessor by unit, the second by indicator."""
    pairs = [(code, i) for code in BY_CODE for i in POINTS if i in SCORES[code]]
    if which == 1:
        pairs.sort(key=lambda p: (list(POINTS).index(p[1]), list(BY_CODE).index(p[0])))
    return [assessor_row(code, i, which) for code, i in pairs]


def assessor_sheets() -> tuple[Rows, Rows]:
    """The two assessors' rows as written (the first typed two scores in full-width digits)."""
    first = assessor_rows(0)
    whole = [r for r in first if isinstance(r[2], int) and r[2] >= 10]
    for r in (whole[2], whole[17]):
        r[2] = to_fullwidth(r[2])
    return first, assessor_rows(1)


def assessors() -> list[Path]:
    first, second = assessor_sheets()
    notes = ["单位未报送自评材料，现场查验台账" if r[0] == "ZJ02" else "" for r in first]
    a = write_table(
        afolder("_assessors") / "2025年度验收评分表（王振华）.xlsx", ASSESSOR_HEADERS, first,
        title=f"青禾市创建全国民族团结进步示范市{YEAR}年度验收评分表（{ASSESSOR_1[1]} {ASSESSOR_1[0]}）",
        instructions=ASSESSOR_INSTRUCTIONS, trailing_blank_rows=3, extra_columns={"备注": notes},
    )  # fmt: skip
    b = write_table(
        afolder("_assessors") / "验收评分表_第二验收组_刘芳.csv", ASSESSOR_HEADERS, second,
        title=f"{YEAR}年度民族团结进步创建工作验收评分表（{ASSESSOR_2[1]}）", trailing_blank_rows=2,
        encoding="gb18030",
    )  # fmt: skip
    return [a, b]


# ---------------------------------------------------------------- what the annual cycle must find
# Worked out here from the files as written, by plain arithmetic (nothing of docgen's annual rules):
# a unit's total is the sum over the indicators both assessors scored of the mean of their two 评分;
# 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格; the ranking is by total, highest first, ties in registry order.
# Submitted: a unit with at least one accepted file (self-assessment or summary), late when its first accepted
# file came after the deadline (XZ03); missing: ZJ02, the only unit with no file. The volume's chapters: the
# units whose summary was accepted (not ZJ01's renamed .doc; BM06 and QY02 sent none).


def _grade(total: float) -> str:
    return next((g for g, minimum in GRADES if total >= minimum), "不合格")


def _number(value: object) -> float:
    return float(unicodedata.normalize("NFKC", str(value)))


def expected_annual() -> dict[str, Any]:
    codes = list(BY_CODE)
    sheets = [{(r[0], r[1]): _number(r[2]) for r in rows} for rows in assessor_sheets()]
    assert sheets[0].keys() == sheets[1].keys()
    totals = {c: 0.0 for c in codes}
    for (code, i), score in sheets[0].items():
        totals[code] += (score + sheets[1][(code, i)]) / 2
    totals = {c: round(t, 2) for c, t in totals.items()}
    assert totals == TARGET_TOTALS, totals
    unscored = {c: [i for i in POINTS if (c, i) not in sheets[0]] for c in codes}
    accepted = [rel for rel in DROPS_ANNUAL if rel not in ANNUAL_REJECTED and not rel.startswith("_")]
    first_accepted = {c: min((DROPS_ANNUAL[r] for r in accepted if r.startswith(f"{c}/")), default=None)
                      for c in codes}  # fmt: skip
    chaptered = {r.split("/")[0] for r in accepted if r.endswith(".docx")}
    return {
        "deadline": ANNUAL_DEADLINE.isoformat(),
        "expected_units": codes,
        "submitted_units": [c for c in codes if first_accepted[c] is not None],
        "late_units": [c for c in codes if first_accepted[c] is not None and first_accepted[c] > ANNUAL_DEADLINE],
        "missing_units": [c for c in codes if first_accepted[c] is None],
        "scores": totals,
        "grades": {c: _grade(t) for c, t in totals.items()},
        "ranking": sorted(codes, key=lambda c: (-totals[c], codes.index(c))),
        "unscored": {c: ids for c, ids in unscored.items() if ids},
        "rejected_files": {f"intake/annual/{YEAR}/{rel}": why for rel, why in ANNUAL_REJECTED.items()},
        "chapters": [BY_CODE[c].name for c in codes if c in chaptered],
    }


def write_annual() -> dict[str, str]:
    """Write the year's files; their drop times, in drop order."""
    written = self_assessments()
    with tempfile.TemporaryDirectory() as tmp:
        written += [write_summary(code, Path(tmp)) for code in SUMMARIES]
    written.append(write_legacy_doc(afolder("ZJ01") / ZJ01_DOC_NAME, ZJ01_DOC_TEXT))
    written += assessors()
    rels = sorted(p.relative_to(afolder("")).as_posix() for p in written)
    assert rels == sorted(DROPS_ANNUAL), set(rels) ^ set(DROPS_ANNUAL)
    drops = {f"intake/annual/{YEAR}/{rel}": when.isoformat() for rel, when in DROPS_ANNUAL.items()}
    assert list(DROPS_ANNUAL.values()) == sorted(DROPS_ANNUAL.values()), "listed in drop order"
    assert all(w < DROPS_BEFORE for w in DROPS_ANNUAL.values()), "every drop is in the past"
    assert all(w.year == 2026 and w.month == 1 or (w.year, w.month) == (2025, 12) for w in DROPS_ANNUAL.values())
    return drops


# How the demo's units send files, as receipts and reminders tell them (campaign.yaml's submission_channel)
DEMO_CHANNEL = "请登录市创建办共享盘，将文件放入本单位的报送目录"
# 抄送 of every 公文's 版记 (GB/T 9704-2012 7.4.2)
CC = ["市委办公室", "市政府办公室", "市人大常委会办公室", "市政协办公室"]
# 印发机关 of the 版记: the office that prints, in the short form that fits beside the 印发日期 on one line
PRINTED_BY = "青禾市创建示范市领导小组办公室"


def main() -> None:
    for sub in ("registry", "intake"):
        shutil.rmtree(HERE / sub, ignore_errors=True)
    write_campaign(HERE, submission_channel=DEMO_CHANNEL, cc=CC, printed_by=PRINTED_BY)
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
    annual_drops = write_annual()
    (HERE / "drop_times.yaml").write_text(
        "# When each file was dropped (applied as mtime by docgen.resources.build_demo_workspace).\n"
        + yaml.safe_dump(
            dict(sorted(drops.items(), key=lambda kv: kv[1])), allow_unicode=True, sort_keys=False
        )
        + "# The quarterly cycle: 2026-Q2 (problem list in June, reports and recheck in July),\n"
        "# 2026-Q3 (problem list in September, reports and recheck in October). Every drop is before\n"
        "# 2026-11-20: a file whose mtime is in the future is taken as received when intake first sees it.\n"
        + yaml.safe_dump(quarterly_drops, allow_unicode=True, sort_keys=False)
        + "# The annual cycle 2025: the units' self-assessments and summaries in 2025-12 and 2026-01 up to the\n"
        "# 2026-01-15 17:00 deadline (XZ03 the next morning, late), the two assessors' score sheets after it.\n"
        + yaml.safe_dump(annual_drops, allow_unicode=True, sort_keys=False),
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
        + "# What the quarterly cycle should find at each quarter's cut-off (its deadline: the files received by\n"
        "# then, applied in drop order), worked out by hand in generate.py (EXPECTED_QUARTERLY). Problem ids in\n"
        "# filing order, unit codes in registry order; rejected_files: file → why it was refused.\n"
        + yaml.safe_dump({"quarterly": EXPECTED_QUARTERLY}, allow_unicode=True, sort_keys=False)
        + "# What the annual cycle should find for 2025, worked out in generate.py (expected_annual) by plain\n"
        "# arithmetic on the files as written: scores = per unit, the sum over the indicators both assessors\n"
        "# scored of the mean of their two 评分; grades 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格; ranking by\n"
        "# total, ties in registry order; submitted = at least one accepted file (late_units: the first one after\n"
        "# the deadline); unscored: indicators neither assessor scored; chapters: the unit names whose summary\n"
        "# was accepted, in registry order; rejected_files: file → why it was refused.\n"
        + yaml.safe_dump({"annual": {YEAR: expected_annual()}}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    write_weekly()  # the weekly cycle's register and files (generate_weekly.py), appended to both manifests
    print(f"demo written to {HERE}: {len(drops)} monthly files, totals {expected['totals_accepted']}; "
          f"{len(quarterly_drops)} quarterly files; {len(annual_drops)} annual files")
    print(f"{generate_special.main()} 专项督查 files")  # after expected.yaml and drop_times.yaml: it appends to them


def _totals(rows: list[list[object]]) -> dict[str, float]:
    return {
        "activities": sum(int(r[4]) for r in rows),  # type: ignore[call-overload]
        "participants": sum(int(r[5]) for r in rows),  # type: ignore[call-overload]
        "funds_10k_yuan": round(sum(float(r[6]) for r in rows), 2),  # type: ignore[arg-type]
    }


if __name__ == "__main__":
    main()
