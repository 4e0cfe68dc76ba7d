"""Sample data writers: registry, campaign settings, monthly progress files and whole workspaces.

Tests, the committed demo (``examples/demo``) and the benchmark all need spreadsheets that look like the
ones units really drop: title rows, 填表说明 rows, trailing blank rows, note columns, GB18030 CSVs. Keeping
the writers in one place means every consumer exercises the same messiness. Everything here is
deterministic: randomness always comes from a ``random.Random`` seeded by the caller's ``seed``.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import zipfile
from collections.abc import Mapping, Sequence, Set
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from .models import Indicator, Task, Unit
from .resources import demo_dir

__all__ = [
    "ANNUAL_HEADERS",
    "ASSESSOR_HEADERS",
    "ASSESSOR_INSTRUCTIONS",
    "BENCH_PERIOD",
    "CST",
    "DEMO_DIR",
    "DEMO_EMPTY_FOLDERS",
    "DocBlock",
    "DocHeading",
    "DocList",
    "DocParagraph",
    "DocPicture",
    "DocSignature",
    "DocTable",
    "INDICATOR_HEADERS",
    "LEGACY_DOC_MAGIC",
    "PROBLEM_HEADERS",
    "PROBLEM_INSTRUCTIONS",
    "PROGRESS_HEADERS",
    "PROGRESS_INSTRUCTIONS",
    "QUARTERLY_HEADERS",
    "RECHECK_HEADERS",
    "RECHECK_INSTRUCTIONS",
    "RECTIFICATION_HEADERS",
    "RECTIFICATION_INSTRUCTIONS",
    "REGISTRY_FILES",
    "REGISTRY_HEADERS",
    "SELF_ASSESSMENT_HEADERS",
    "SELF_ASSESSMENT_INSTRUCTIONS",
    "SUMMARY_HEADINGS",
    "TASK_HEADERS",
    "UNIT_HEADERS",
    "build_bench_workspace",
    "build_demo_workspace",
    "cn_date",
    "default_campaign",
    "elapsed_share",
    "progress_rows",
    "sample_indicators",
    "set_drop_time",
    "to_fullwidth",
    "write_bar_chart_png",
    "write_campaign",
    "write_legacy_doc",
    "write_registry",
    "write_summary_docx",
    "write_table",
]

CST = timezone(timedelta(hours=8), "CST")
"""China Standard Time as a fixed offset: drop times never depend on the machine's tz database."""

UNIT_HEADERS = ["单位代码", "单位名称", "单位类别", "联系人", "联系电话"]
TASK_HEADERS = [
    "任务编号",
    "任务名称",
    "所属工程",
    "牵头单位",
    "配合单位",
    "目标值",
    "计量单位",
    "开始日期",
    "完成时限",
]
INDICATOR_HEADERS = ["指标编号", "一级指标", "二级指标", "测评内容", "分值", "评分标准"]
REGISTRY_HEADERS: dict[str, list[str]] = {
    "units": UNIT_HEADERS,
    "tasks": TASK_HEADERS,
    "indicators": INDICATOR_HEADERS,
}
REGISTRY_FILES: dict[str, str] = {
    "units": "成员单位名册.xlsx",
    "tasks": "任务清单.xlsx",
    "indicators": "测评体系.xlsx",
}
PROGRESS_HEADERS = [
    "单位代码",
    "任务编号",
    "本月进展",
    "完成进度(%)",
    "本月开展活动(场次)",
    "参与人数(人次)",
    "投入经费(万元)",
    "存在问题",
    "下月计划",
    "填报人",
    "联系电话",
]
INSTRUCTIONS_PREFIX = "填表说明："
PROGRESS_INSTRUCTIONS = (
    "填表说明：每项牵头或配合任务填写一行；完成进度填0—100的数字；活动场次、参与人数填整数；"
    "投入经费以万元为单位，保留两位小数；请于次月5日17:00前报送。"
)

DEMO_DIR = demo_dir()  # package data in a wheel, else examples/demo
DEMO_EMPTY_FOLDERS = ("intake/monthly/2026-10/ZJ02",)
"""Unit folders of the demo that exist but hold nothing (git keeps them only through a .gitkeep)."""
_DEMO_NOT_COPIED = ("drop_times.yaml", "generate.py", "expected.yaml", ".gitkeep", "__pycache__")

BENCH_PERIOD = "2026-10"
_BENCH_DEADLINE = datetime(2026, 11, 5, 17, 0, tzinfo=CST)
_BENCH_PERIOD_END = date(2026, 10, 31)

_HEADER_FONT = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_THIN = Side(style="thin", color="BFBFBF")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


# ---------------------------------------------------------------- tables


def write_table(
    path: Path,
    headers: list[str],
    rows: Sequence[Sequence[object]],
    *,
    title: str | None = None,
    instructions: str | None = None,
    trailing_blank_rows: int = 0,
    extra_columns: Mapping[str, Sequence[object]] | None = None,
    encoding: str = "utf-8-sig",
    percent_columns: Set[str] = frozenset(),
) -> Path:
    """Write a table the way people save it: ``.xlsx`` via openpyxl or ``.csv`` in ``encoding``.

    ``title`` goes in a row above the header (merged across in xlsx), ``instructions`` (should start
    with 填表说明：) in a row right below it. ``trailing_blank_rows`` adds empty rows after the data
    (bordered but valueless cells in xlsx, so they count in the sheet's dimension as Excel's do).
    ``extra_columns`` appends note columns after ``headers`` (values per data row, missing ones blank).
    ``percent_columns`` formats those xlsx cells as ``0%`` (give fractions, 0.85); in CSV they are
    written as the text ``85%``, as Excel exports them. ``encoding`` applies to CSV only.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = dict(extra_columns or {})
    all_headers = [*headers, *extra]
    body = [
        [*row, *[(vals[i] if i < len(vals) else None) for vals in extra.values()]]
        for i, row in enumerate(rows)
    ]
    percent_idx = {i for i, h in enumerate(all_headers) if h in percent_columns}
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(path, all_headers, body, title, instructions, trailing_blank_rows, percent_idx)
    elif suffix == ".csv":
        _write_csv(path, all_headers, body, title, instructions, trailing_blank_rows, percent_idx, encoding)
    else:
        raise ValueError(f"unsupported table suffix {path.suffix!r}: use .xlsx or .csv")
    return path


def _write_xlsx(
    path: Path,
    headers: list[str],
    body: list[list[object]],
    title: str | None,
    instructions: str | None,
    trailing: int,
    percent_idx: set[int],
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ncols = len(headers)
    last = get_column_letter(ncols)
    r = 0  # the row just appended: ws.max_row scans every cell, which made big tables quadratic
    if title:
        ws.append([title])
        r += 1
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(r, 1).font = _TITLE_FONT
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
    ws.append(headers)
    r += 1
    for cell in ws[r]:
        cell.font = _HEADER_FONT
    if instructions:
        ws.append([instructions])
        r += 1
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(r, 1).alignment = Alignment(wrap_text=True)
    for row in body:
        ws.append(list(row))
        r += 1
        for c, value in enumerate(row):
            cell = ws.cell(r, c + 1)
            if c in percent_idx and isinstance(value, int | float):
                cell.number_format = "0%"
            elif isinstance(value, date | datetime):
                cell.number_format = "yyyy-mm-dd"
    start = r + 1
    for r in range(start, start + trailing):
        for c in range(1, ncols + 1):
            ws.cell(r, c).border = _GRID  # styled, valueless: what a formatted blank row looks like
    for c, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(40, 2 * len(h) + 2))
    wb.save(path)
    _freeze_xlsx(path)


_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_CORE_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _freeze_xlsx(path: Path) -> None:
    """Pin the zip entry times and docProps dates, so regenerating the demo gives byte-identical files."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _CORE_STAMP.sub(rb"\g<1>2026-01-01T00:00:00Z\g<2>", data)
            zout.writestr(zipfile.ZipInfo(name, _FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)


def _write_csv(
    path: Path,
    headers: list[str],
    body: list[list[object]],
    title: str | None,
    instructions: str | None,
    trailing: int,
    percent_idx: set[int],
    encoding: str,
) -> None:
    ncols = len(headers)
    pad = [""] * (ncols - 1)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        if title:
            w.writerow([title, *pad])
        w.writerow(headers)
        if instructions:
            w.writerow([instructions, *pad])
        for row in body:
            w.writerow([_csv_cell(v, i in percent_idx) for i, v in enumerate(row)])
        for _ in range(trailing):
            w.writerow([""] * ncols)


def _csv_cell(value: object, percent: bool) -> str:
    if value is None:
        return ""
    if percent and isinstance(value, int | float):
        return f"{value * 100:g}%"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def to_fullwidth(text: object) -> str:
    """``85`` → ``８５``: digits (and . % ,) as a Chinese IME types them in full-width mode."""
    return str(text).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789.%,"})


# ---------------------------------------------------------------- registry and campaign


def write_registry(
    root: Path,
    units: Sequence[Unit],
    tasks: Sequence[Task],
    indicators: Sequence[Indicator] = (),
    *,
    messy: bool = False,
) -> None:
    """Write ``registry/`` (名册, 任务清单, 测评体系) under ``root``.

    With ``messy`` the task list varies the way a hand-kept sheet does: dates alternate between date
    cells, ``2026/3/1`` and ``2026年3月1日`` text, and 配合单位 separators rotate through 、 , ; and space.
    """
    reg = Path(root) / "registry"
    write_table(
        reg / REGISTRY_FILES["units"],
        UNIT_HEADERS,
        [[u.code, u.name, u.category, u.contact, u.phone] for u in units],
        title="成员单位名册",
    )
    seps = ("、", ",", ";", " ")
    task_rows: list[list[object]] = []
    for i, t in enumerate(tasks):
        sep = seps[i % len(seps)] if messy else "、"
        task_rows.append(
            [
                t.task_id,
                t.name,
                t.project,
                t.lead_unit,
                sep.join(t.cooperating_units),
                t.target_value,
                t.measure_unit,
                _date_cell(t.start_date, i if messy else 0),
                _date_cell(t.deadline, i + 1 if messy else 0),
            ]
        )
    write_table(reg / REGISTRY_FILES["tasks"], TASK_HEADERS, task_rows, title="创建工作任务清单")
    write_table(
        reg / REGISTRY_FILES["indicators"],
        INDICATOR_HEADERS,
        [[x.indicator_id, x.level1, x.level2, x.content, x.points, x.scoring_rule] for x in indicators],
        title="测评体系",
    )


def _date_cell(d: date, style: int) -> object:
    style %= 4
    if style == 1:
        return f"{d.year}/{d.month}/{d.day}"
    if style == 3:
        return f"{d.year}年{d.month}月{d.day}日"
    return d


def default_campaign() -> dict[str, Any]:
    """The demo city's campaign.yaml as a dict: the base that ``write_campaign`` overrides."""
    return {
        "name": "青禾市创建全国民族团结进步示范市",
        "secretariat": "青禾市创建全国民族团结进步示范市工作领导小组办公室",
        "doc_number_prefix": "创建办〔2026〕",
        "timezone": "Asia/Shanghai",
        "deadlines": {
            "monthly": {"day": 5, "time": "17:00"},
            "quarterly": {"day": 10, "time": "17:00"},
            "annual": {"month": 1, "day": 15, "time": "17:00"},
        },
        "monthly": {
            "requirements": [
                "各成员单位要对照任务清单，逐项梳理本单位牵头和配合的任务，倒排工期、挂图作战，确保按时间节点推进。",
                "进度滞后和逾期未完成任务的牵头单位要认真分析原因，制定整改措施，限期赶上进度，并于下月报送时说明整改情况。",
                "未按时报送和报送未通过的单位要及时补报，确保数据真实准确、台账资料规范完整。",
            ]
        },
        "intake": {"max_file_mb": 10, "settle_seconds": 60},
    }


def write_campaign(root: Path, **overrides: Any) -> Path:
    """Write ``root/campaign.yaml``: ``default_campaign()`` deep-merged with ``overrides``."""
    data = _merge(default_campaign(), overrides)
    path = Path(root) / "campaign.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), dict) else v
    return out


# ---------------------------------------------------------------- monthly progress rows

_PROGRESS_TEXTS: dict[str, tuple[str, ...]] = {
    "宣传": (
        "围绕“{task}”，组织开展民族团结进步主题宣讲{n}场，在主要街道、广场和公共场所更新宣传展板，"
        "通过微信公众号推送专题信息，铸牢中华民族共同体意识宣传教育持续深入。",
        "结合“民族团结进步宣传月”，围绕“{task}”举办知识竞赛、主题党日和道德讲堂活动{n}场，"
        "各族干部群众“三个离不开”“五个认同”思想进一步巩固。",
    ),
    "进": (
        "推进“{task}”，深化民族团结进步创建“进机关、进社区、进学校、进企业、进宗教活动场所”活动，"
        "组织结对认亲、邻里互助等活动{n}场，创建工作向基层延伸。",
        "围绕“{task}”，对照测评体系逐项梳理台账资料，开展示范单位自查{n}次，"
        "社区“石榴籽”服务阵地功能进一步完善。",
    ),
    "文化": (
        "围绕“{task}”，组织民族传统节庆和非遗展演{n}场，挖掘整理民族文化资源，"
        "推动各民族文化交流交融，群众参与热情较高。",
        "推进“{task}”，开展民族歌舞、服饰、手工技艺展示交流{n}场，完成非遗项目影像资料采集。",
    ),
    "富裕": (
        "围绕“{task}”，落实产业帮扶措施，组织技能培训和就业对接{n}场，"
        "带动各族群众增收致富，共同富裕基础进一步夯实。",
        "推进“{task}”，对接民族特色产业项目，举办产销对接和电商培训{n}场，帮扶企业稳岗扩岗。",
    ),
    "": ("围绕“{task}”，按照任务清单和时间节点推进各项工作，本月组织开展相关活动{n}场，工作总体进展顺利。",),
}
_ISSUES = (
    "部分基层单位创建氛围不够浓厚，宣传形式较为单一。",
    "专项经费到位较慢，项目推进受到一定影响。",
    "群众参与面有待进一步扩大，青年群体参与较少。",
    "台账资料整理不够规范，佐证材料归档不及时。",
    "无",
    "",
)
_PLANS = (
    "持续深化宣传教育，组织开展“民族团结一家亲”主题活动，进一步扩大覆盖面。",
    "对照测评体系补齐短板，规范整理台账资料，迎接季度督查。",
    "加快项目实施进度，协调落实专项经费，确保按期完成任务。",
    "总结推广典型经验，选树一批民族团结进步示范单位和先进个人。",
)
_REPORTERS = (
    "张海燕", "马文军", "李建国", "韩雪梅", "王志强", "冶成林", "刘晓红", "才让卓玛",
    "赵永明", "马丽娟", "陈国栋", "祁海英", "杨晓东", "喇秀兰", "周建平", "索南吉",
)  # fmt: skip


def _texts_for(project: str) -> tuple[str, ...]:
    for key, texts in _PROGRESS_TEXTS.items():
        if key and key in project:
            return texts
    return _PROGRESS_TEXTS[""]


def elapsed_share(task: Task, as_of: date) -> float:
    """Elapsed share of the task's window at ``as_of`` in percent, clipped to [0, 100]."""
    span = (task.deadline - task.start_date).days
    if span <= 0:
        return 100.0 if as_of >= task.deadline else 0.0
    return max(0.0, min(100.0, 100.0 * (as_of - task.start_date).days / span))


def unit_phone(rng: random.Random) -> str:
    """A valid mobile (1[3-9] + 9 digits) or, one time in four, a landline 0971-xxxxxxx."""
    if rng.random() < 0.25:
        return f"0971-{rng.randint(2000000, 8999999)}"
    return f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"


def progress_rows(
    unit_code: str,
    tasks: Sequence[Task],
    *,
    progress: Mapping[str, float] | None = None,
    seed: int = 0,
    as_of: date | None = None,
    reporter: str | None = None,
    phone: str | None = None,
) -> list[list[object]]:
    """Valid 月度进展报送表 rows (``PROGRESS_HEADERS`` order) for every task involving ``unit_code``.

    ``progress`` maps task ids to 完成进度(%); otherwise the value is the elapsed share at ``as_of``
    plus a few points (on track) or, without ``as_of``, a seeded value in 20–95. Output depends only
    on the arguments.
    """
    rng = random.Random(f"{seed}:{unit_code}")
    name = reporter or rng.choice(_REPORTERS)
    tel = phone or unit_phone(rng)
    rows: list[list[object]] = []
    for task in tasks:
        if not task.involves(unit_code):
            continue
        trng = random.Random(f"{seed}:{unit_code}:{task.task_id}")
        if progress and task.task_id in progress:
            pct: float = progress[task.task_id]
        elif as_of is not None:
            pct = min(100, round(elapsed_share(task, as_of)) + trng.randint(0, 8))
        else:
            pct = trng.randint(20, 95)
        activities = trng.randint(1, 12)
        lead = task.lead_unit == unit_code
        participants = activities * trng.randint(20, 180) * (2 if lead else 1)
        funds = round(trng.uniform(0.5, 30.0 if lead else 8.0), 2)
        text = trng.choice(_texts_for(task.project)).format(task=task.name, n=activities)
        rows.append(
            [
                unit_code,
                task.task_id,
                text,
                int(pct) if float(pct).is_integer() else pct,
                activities,
                participants,
                funds,
                trng.choice(_ISSUES),
                trng.choice(_PLANS),
                name,
                tel,
            ]
        )
    return rows


# ---------------------------------------------------------------- drop times and workspaces


def set_drop_time(path: Path, when: datetime) -> None:
    """Set a file's atime and mtime to ``when`` (timezone-aware): what intake reads as the drop time."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("drop time must be timezone-aware, e.g. 2026-11-05T16:00:00+08:00")
    ts = when.timestamp()
    os.utime(path, (ts, ts))


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def build_demo_workspace(dest: Path) -> Path:
    """Copy ``examples/demo`` to ``dest`` and apply ``drop_times.yaml`` as the files' mtimes.

    Files checked out from git carry no meaningful mtime, so the demo's on-time/late split lives in
    the manifest. Folders in ``DEMO_EMPTY_FOLDERS`` are (re)created empty in the copy.
    """
    dest = Path(dest)
    shutil.copytree(DEMO_DIR, dest, ignore=shutil.ignore_patterns(*_DEMO_NOT_COPIED), dirs_exist_ok=True)
    for rel in DEMO_EMPTY_FOLDERS:
        (dest / rel).mkdir(parents=True, exist_ok=True)
    manifest = yaml.safe_load((DEMO_DIR / "drop_times.yaml").read_text(encoding="utf-8")) or {}
    for rel, when in manifest.items():
        set_drop_time(dest / rel, _as_datetime(when))
    return dest


_BENCH_PROJECTS: dict[str, tuple[str, ...]] = {
    "宣传教育工程": ("民族团结进步主题宣讲", "“民族团结进步宣传月”系列活动", "新媒体宣传矩阵建设"),
    "“七进”示范创建工程": ("民族团结进步示范社区创建", "示范单位培育", "“石榴籽家园”阵地建设"),
    "民族文化传承工程": ("民族传统节庆展演", "非遗项目保护传承", "民族文化进校园"),
    "共同富裕工程": ("民族特色产业帮扶", "就业技能培训", "产销对接和电商帮扶"),
    "交往交流交融工程": ("各族群众结对认亲", "互嵌式社区建设", "民族团结联谊活动"),
    "法治保障工程": ("民族政策法规宣传", "矛盾纠纷排查化解", "民族事务依法治理"),
}
_BENCH_CATEGORIES = (
    ("乡镇街道", "青禾市第{i}街道办事处"),
    ("部门", "青禾市第{i}工作部门"),
    ("学校", "青禾市第{i}中学"),
    ("企业", "青禾市第{i}实业有限公司"),
    ("社区", "青禾市第{i}社区居民委员会"),
    ("宗教活动场所", "青禾市第{i}宗教活动场所"),
)


def _bench_plan(
    n_units: int, tasks_per_unit: int, seed: int
) -> tuple[list[Unit], list[Task], dict[str, str]]:
    """Units, tasks and each unit's intended state: the part of the bench that needs no disk."""
    rng = random.Random(f"bench:{seed}")
    units = []
    for i in range(1, n_units + 1):
        category, pattern = _BENCH_CATEGORIES[(i - 1) % len(_BENCH_CATEGORIES)]
        units.append(
            Unit(f"U{i:04d}", pattern.format(i=i), category, rng.choice(_REPORTERS), unit_phone(rng))
        )
    codes = [u.code for u in units]
    n_tasks = max(1, round(n_units * tasks_per_unit / 3))  # a task involves 3 units on average
    leads = [codes[i % n_units] for i in range(n_tasks)]
    quota = {c: tasks_per_unit for c in codes}
    for c in leads:
        quota[c] -= 1
    pool = [c for c in codes for _ in range(max(0, quota[c]))]
    rng.shuffle(pool)
    projects = list(_BENCH_PROJECTS)
    tasks = []
    for i, lead in enumerate(leads):
        want = rng.randint(1, 3) if n_units > 1 else 0
        coop: list[str] = []
        j = 0
        while len(coop) < want and j < len(pool):
            if pool[j] != lead and pool[j] not in coop:
                coop.append(pool.pop(j))
            else:
                j += 1
        while len(coop) < want:  # pool exhausted: any other unit will do
            c = rng.choice(codes)
            if c != lead and c not in coop:
                coop.append(c)
        project = projects[i % len(projects)]
        start = date(2026, rng.randint(1, 9), 1)
        deadline = rng.choice([date(2026, 10, 20), date(2026, 11, 30), date(2026, 12, 31), date(2027, 6, 30)])
        tasks.append(
            Task(
                task_id=f"T{i + 1:04d}",
                name=f"{rng.choice(_BENCH_PROJECTS[project])}（{i + 1}）",
                project=project,
                lead_unit=lead,
                cooperating_units=tuple(coop),
                start_date=start,
                deadline=deadline,
                target_value=str(rng.choice([4, 10, 12, 20, 50])),
                measure_unit=rng.choice(["场", "个", "次", "人次"]),
            )
        )
    order = codes[:]
    rng.shuffle(order)

    def share(p: float) -> int:
        return max(1, round(n_units * p)) if n_units >= 10 else round(n_units * p)

    n_missing, n_rejected, n_late = share(0.03), share(0.02), share(0.05)
    states = {c: "on_time" for c in codes}
    for c in order[:n_missing]:
        states[c] = "missing"
    for c in order[n_missing : n_missing + n_rejected]:
        states[c] = "rejected"
    for c in order[n_missing + n_rejected : n_missing + n_rejected + n_late]:
        states[c] = "late"
    return units, tasks, states


def build_bench_workspace(
    dest: Path, n_units: int = 500, *, tasks_per_unit: int = 6, seed: int = 1, workers: int | None = None
) -> Path:
    """A synthetic campaign at scale for timing the monthly cycle on ``2026-10``.

    ``n_units`` units U0001…, about ``n_units * tasks_per_unit / 3`` tasks over six 工程 (one lead and
    1–3 cooperating units each). Every unit drops one xlsx except ~3% missing (half without a folder,
    half with an empty one); ~5% drop after the 2026-11-05 17:00 deadline, ~2% drop a file with two bad
    cells (进度 120, 活动场次 “若干”). ``expected.json`` at the root records each unit's intended state.

    The files are planned in order (all randomness here) and written by ``workers`` processes (default:
    one per core, at most 4; none below ``_BENCH_PARALLEL_FROM`` units), so the output at a given seed
    is the same byte for byte whatever the number of workers.
    """
    dest = Path(dest)
    units, tasks, states = _bench_plan(n_units, tasks_per_unit, seed)
    write_campaign(dest, name="青禾市创建全国民族团结进步示范市（性能测试）")
    involving: dict[str, list[Task]] = {}
    for task in tasks:  # progress_rows scans the tasks it is given: give each unit only its own
        for code in task.units:
            involving.setdefault(code, []).append(task)
    rng = random.Random(f"bench-drops:{seed}")
    intake = dest / "intake" / "monthly" / BENCH_PERIOD
    jobs: list[tuple[Path, list[list[object]], str, str | None, datetime]] = []
    missing_seen = 0
    for k, unit in enumerate(units):
        state = states[unit.code]
        folder = intake / unit.code
        if state == "missing":
            missing_seen += 1
            if missing_seen % 2 == 0:
                folder.mkdir(parents=True, exist_ok=True)
            continue
        rows = progress_rows(
            unit.code, involving.get(unit.code, []), seed=seed, as_of=_BENCH_PERIOD_END,
            reporter=unit.contact, phone=unit.phone,
        )
        if rng.random() < 0.15 and rows:  # a few lagging leads
            rows[0][3] = max(0, int(rows[0][3]) - 40)
        if state == "rejected" and rows:
            rows[0][3] = 120
            rows[-1][4] = "若干"
        if state == "late":
            when = _BENCH_DEADLINE + timedelta(minutes=rng.randint(30, 3 * 24 * 60))
        else:
            when = _BENCH_DEADLINE - timedelta(minutes=rng.randint(60, 4 * 24 * 60))
        jobs.append((
            folder / f"{unit.code}_2026年10月进展.xlsx",
            rows,
            f"{unit.name}2026年10月民族团结进步创建工作进展报送表",
            PROGRESS_INSTRUCTIONS if k % 3 == 0 else None,
            when,
        ))
    workers = min(workers or os.cpu_count() or 1, 4)
    if workers > 1 and n_units >= _BENCH_PARALLEL_FROM:
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

        with ProcessPoolExecutor(workers) as pool:
            registry = pool.submit(write_registry, dest, units, tasks, sample_indicators())
            for _ in pool.map(_write_bench_file, jobs, chunksize=max(1, min(64, len(jobs) // (4 * workers)))):
                pass
            registry.result()
    else:
        write_registry(dest, units, tasks, sample_indicators())
        for job in jobs:
            _write_bench_file(job)
    expected = {
        "period": BENCH_PERIOD,
        "deadline": _BENCH_DEADLINE.isoformat(),
        "units": len(units),
        "tasks": len(tasks),
        "unit_states": states,
    }
    (dest / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8")
    return dest


_BENCH_PARALLEL_FROM = 200  # below this, starting processes costs more than it saves


def _write_bench_file(job: tuple[Path, list[list[object]], str, str | None, datetime]) -> None:
    path, rows, title, instructions, when = job
    write_table(path, PROGRESS_HEADERS, rows, title=title, instructions=instructions)
    set_drop_time(path, when)


def sample_indicators() -> list[Indicator]:
    """A small 测评体系 (100 points) shared by the demo and the bench."""
    return [
        Indicator("A1", "组织领导", "领导机制", "成立创建工作领导小组，明确分管领导和工作人员", 10,
                  "未成立领导小组扣5分；职责不明确扣2分"),
        Indicator("A2", "组织领导", "工作规划", "制定创建工作实施方案和年度工作计划", 10,
                  "无实施方案扣5分；无年度计划扣3分"),
        Indicator("B1", "宣传教育", "主题宣传", "开展民族团结进步宣传月等主题宣传活动", 15,
                  "每少开展1次主题活动扣2分"),
        Indicator("B2", "宣传教育", "教育培训", "将民族团结教育纳入干部培训和学校教育", 10,
                  "未纳入干部培训扣4分；未纳入学校教育扣4分"),
        Indicator("C1", "创建活动", "“七进”活动", "推进民族团结进步创建进机关、进社区、进学校、进企业、进宗教活动场所", 20,
                  "每缺1个领域扣4分"),
        Indicator("C2", "创建活动", "交往交流交融", "开展结对认亲、联谊交流等活动，建设互嵌式社区", 15,
                  "未开展结对认亲扣5分"),
        Indicator("D1", "共同富裕", "产业帮扶", "落实民族特色产业扶持和就业帮扶措施", 10,
                  "帮扶措施未落实扣5分"),
        Indicator("D2", "工作成效", "群众满意度", "群众对民族团结进步创建工作的知晓率和满意度", 10,
                  "知晓率低于90%扣5分"),
    ]  # fmt: skip


# ---------------------------------------------------------------- quarterly inspection (季度督查)

PROBLEM_HEADERS = ["问题编号", "单位代码", "问题类型", "问题描述", "整改要求", "整改时限", "督查日期", "督查组"]
"""问题清单 (data_contracts/inspection_problems.yaml), filed by the inspection team in ``_inspection/``."""
RECTIFICATION_HEADERS = ["问题编号", "整改措施", "整改状态", "完成日期", "佐证材料"]
"""整改情况报送表 (data_contracts/rectification_report.yaml), one row per open problem of the unit."""
RECHECK_HEADERS = ["问题编号", "复查结论", "复查日期", "复查人"]
"""复查结果 (data_contracts/recheck_results.yaml), by the secretariat in ``_recheck/``."""
QUARTERLY_HEADERS: dict[str, list[str]] = {
    "inspection_problems": PROBLEM_HEADERS,
    "rectification_report": RECTIFICATION_HEADERS,
    "recheck_results": RECHECK_HEADERS,
}
"""The quarterly contracts' headers, by contract name."""
PROBLEM_INSTRUCTIONS = (
    "填表说明：每个问题填写一行；问题编号在整个创建工作中唯一，一经挂号不再改动；"
    "整改时限不得早于督查日期；日期可写作2026年9月30日或2026-09-30。"
)
RECTIFICATION_INSTRUCTIONS = (
    "填表说明：本单位每个未销号问题填写一行，问题编号照整改通知书填写；整改状态只能填写未启动、整改中或已完成，"
    "已完成的须填写完成日期；请于季度结束后次月10日17:00前报送。"
)
RECHECK_INSTRUCTIONS = "填表说明：只复查单位报告“已完成”的问题；复查结论填写通过或不通过，不通过的重新挂号督办。"


def cn_date(d: date, *, fullwidth: bool = False) -> str:
    """``date(2026, 9, 30)`` → ``2026年9月30日`` (``２０２６年９月３０日`` with ``fullwidth``): a date typed as text."""
    text = f"{d.year}年{d.month}月{d.day}日"
    return to_fullwidth(text) if fullwidth else text


# ---------------------------------------------------------------- annual acceptance (年度验收)

SELF_ASSESSMENT_HEADERS = ["指标编号", "自评得分", "自评说明", "佐证材料清单"]
"""自评表 (data_contracts/self_assessment.yaml): one row per indicator, by each unit in its own folder."""
ASSESSOR_HEADERS = ["单位代码", "指标编号", "评分", "扣分说明"]
"""验收评分表 (data_contracts/assessor_scores.yaml): by each assessor in ``_assessors/``; one file scores many units."""
ANNUAL_HEADERS: dict[str, list[str]] = {
    "self_assessment": SELF_ASSESSMENT_HEADERS,
    "assessor_scores": ASSESSOR_HEADERS,
}
"""The annual tables' headers, by contract name."""
SELF_ASSESSMENT_INSTRUCTIONS = (
    "填表说明：对照测评体系逐项自评，每个指标填写一行；自评得分不得超过该指标分值，可保留一位小数；"
    "自评说明写明得分依据，佐证材料清单列明材料名称，材料按指标编号归档备查。"
)
ASSESSOR_INSTRUCTIONS = (
    "填表说明：每个单位每个指标填写一行；评分在0至该指标分值之间，可保留一位小数；"
    "扣分的须在扣分说明中写明扣分理由，对照评分标准填写。"
)
SUMMARY_HEADINGS = ("一、基本情况", "二、主要做法", "三、取得成效", "四、存在问题", "五、下步打算")
"""The usual headings of a 年度工作总结, in order."""
LEGACY_DOC_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
"""The first bytes of an OLE compound file: a Word 97–2003 .doc (also .xls, .ppt)."""


class DocHeading:
    """A heading of a summary (一、基本情况, level 1; （一）…, level 2)."""

    def __init__(self, text: str, level: int = 1) -> None:
        self.text, self.level = text, level


class DocParagraph:
    """A body paragraph (first line indented two characters); ``lead`` is a bold run that opens it."""

    def __init__(self, text: str, lead: str = "") -> None:
        self.text, self.lead = text, lead


class DocList:
    """Items numbered by Word itself (the List Number style), as a unit's 1. 2. 3. made with the toolbar."""

    def __init__(self, items: Sequence[str]) -> None:
        self.items = list(items)


class DocTable:
    """A table with a caption above it; the first row is the header."""

    def __init__(self, caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.caption, self.headers, self.rows = caption, list(headers), [list(r) for r in rows]


class DocPicture:
    """A picture (a PNG file) with a caption below it."""

    def __init__(self, png: Path, caption: str, width_cm: float = 14.0) -> None:
        self.png, self.caption, self.width_cm = Path(png), caption, width_cm


class DocSignature:
    """The closing lines, right-aligned: who writes and the date."""

    def __init__(self, *lines: str) -> None:
        self.lines = list(lines)


DocBlock = DocHeading | DocParagraph | DocList | DocTable | DocPicture | DocSignature


def write_summary_docx(
    path: Path,
    title: str,
    blocks: Sequence[DocBlock],
    *,
    author: str,
    created: datetime,
    modified: datetime,
    heading_styles: bool = False,
    header_text: str | None = None,
    footer_text: str | None = None,
    margins_cm: tuple[float, float, float, float] | None = None,
    body_font: str = "仿宋_GB2312",
    body_pt: float = 16,
) -> Path:
    """Write a unit's 年度工作总结 with python-docx, the way a unit's clerk lays one out in Word.

    A4 (GB/T 9704 margins unless ``margins_cm`` = top, bottom, left, right), a centred title, body in
    ``body_font`` with a two-character first-line indent. Level-1 headings are Word's Heading 1 with
    ``heading_styles``, else bold 黑体 body paragraphs (as most clerks type them). ``header_text`` and
    ``footer_text`` go in the page header and footer. The file is byte-for-byte reproducible: the core
    properties carry ``created``/``modified`` (timezone-aware) and ``author``, and the zip entry times are
    pinned.
    """
    import docx  # noqa: PLC0415 - python-docx is only needed by whoever writes summaries
    from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.shared import Cm, Pt, RGBColor  # noqa: PLC0415

    def fonts(run_or_style: Any, east_asia: str, ascii_font: str = "Times New Roman") -> None:
        run_or_style.font.name = ascii_font
        rpr = run_or_style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), east_asia)
        for theme in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(theme), None)  # a theme font would win over the one named here

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    top, bottom, left, right = margins_cm or (3.7, 3.5, 2.8, 2.6)
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    normal = doc.styles["Normal"]
    fonts(normal, body_font)
    normal.font.size = Pt(body_pt)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(round(body_pt * 1.75))
    normal.paragraph_format.space_after = Pt(0)
    if heading_styles:
        h1 = doc.styles["Heading 1"]
        fonts(h1, "黑体")
        h1.font.size, h1.font.bold, h1.font.color.rgb = Pt(body_pt), False, RGBColor(0, 0, 0)
        h1.paragraph_format.space_before, h1.paragraph_format.space_after = Pt(6), Pt(0)
    if header_text is not None:
        p = section.header.paragraphs[0]
        p.text = header_text
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if footer_text is not None:
        p = section.footer.paragraphs[0]
        p.text = footer_text
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    title_p = doc.add_paragraph()
    title_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_p.paragraph_format.line_spacing = Pt(36)
    title_p.paragraph_format.space_after = Pt(16)
    run = title_p.add_run(title)
    fonts(run, "方正小标宋简体")
    run.font.size = Pt(22)

    indent = Pt(body_pt * 2)
    for block in blocks:
        if isinstance(block, DocHeading):
            if block.level == 1 and heading_styles:
                doc.add_heading(block.text, level=1)
                continue
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = indent
            run = p.add_run(block.text)
            fonts(run, "黑体" if block.level == 1 else "楷体_GB2312")
        elif isinstance(block, DocParagraph):
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = indent
            if block.lead:
                run = p.add_run(block.lead)
                run.bold = True
            p.add_run(block.text)
        elif isinstance(block, DocList):
            for item in block.items:
                doc.add_paragraph(item, style="List Number")
        elif isinstance(block, DocTable):
            cap = doc.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap_run = cap.add_run(block.caption)
            fonts(cap_run, "黑体")
            table = doc.add_table(rows=1 + len(block.rows), cols=len(block.headers), style="Table Grid")
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for r, values in enumerate([block.headers, *block.rows]):
                for c, value in enumerate(values):
                    cell_p = table.cell(r, c).paragraphs[0]
                    cell_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    cell_p.paragraph_format.line_spacing = Pt(20)
                    cell_run = cell_p.add_run("" if value is None else str(value))
                    cell_run.font.size = Pt(12)
                    cell_run.bold = r == 0
        elif isinstance(block, DocPicture):
            doc.add_picture(str(block.png), width=Cm(block.width_cm))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.paragraphs[-1].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            cap = doc.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap_run = cap.add_run(block.caption)
            cap_run.font.size = Pt(12)
        elif isinstance(block, DocSignature):
            doc.add_paragraph()
            for line in block.lines:
                p = doc.add_paragraph(line)
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:  # pragma: no cover - the union above is closed
            raise TypeError(f"unknown block {block!r}")

    props = doc.core_properties
    props.author = author
    props.title = title
    props.created = _utc_naive(created)
    props.modified = _utc_naive(modified)
    doc.save(str(path))
    _pin_zip_times(path)
    return path


def _utc_naive(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("document dates must be timezone-aware")
    return when.astimezone(timezone(timedelta(0))).replace(tzinfo=None)


def _pin_zip_times(path: Path) -> None:
    """Pin every zip entry's time (docProps keep the dates they were given): reproducible bytes."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            zout.writestr(zipfile.ZipInfo(name, _FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)


def write_bar_chart_png(
    path: Path, labels: Sequence[str], values: Sequence[float], *, title: str, ylabel: str
) -> Path:
    """A small column chart (about 700 × 380 px) as a unit pastes into its summary: reproducible bytes.

    Agg with a fixed size and dpi, no Software metadata, the CJK font shipped by mplfonts; the Agg canvas
    is attached to this figure only (pyplot is never touched).
    """
    import matplotlib  # noqa: PLC0415
    from matplotlib import font_manager  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    from .render.chart import cjk_font_path  # noqa: PLC0415

    font_path = cjk_font_path()
    if not any(entry.fname == str(font_path) for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(font_path))
    font = font_manager.FontProperties(fname=str(font_path), size=11)
    with matplotlib.rc_context({"font.family": font.get_name(), "axes.unicode_minus": False}):
        fig = Figure(figsize=(5.8, 3.2), dpi=120)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        bars = ax.bar(positions, list(values), width=0.55, color="#C0392B")
        for bar, value in zip(bars, values, strict=True):
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f"{value:g}",
                    ha="center", va="bottom", fontproperties=font)  # fmt: skip
        ax.set_xticks(positions, list(labels), fontproperties=font)
        ax.set_ylabel(ylabel, fontproperties=font)
        ax.set_title(title, fontproperties=font)
        ax.set_ylim(0, max(values, default=1) * 1.2)
        ax.grid(axis="y", color="#D9D9D9", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", metadata={"Software": None})
    return path


def write_legacy_doc(path: Path, text: str, *, size: int = 24576) -> Path:
    """A Word 97–2003 .doc as people send one renamed to .docx: the OLE magic, a compound-file header
    and the text in UTF-16, padded to ``size`` bytes with zeros. Not a zip: no .docx reader opens it."""
    header = bytearray(512)
    header[:8] = LEGACY_DOC_MAGIC
    header[24:26] = (0x003E).to_bytes(2, "little")  # minor version
    header[26:28] = (0x0003).to_bytes(2, "little")  # major version 3: 512-byte sectors
    header[28:30] = b"\xfe\xff"  # byte order mark
    header[30:32] = (9).to_bytes(2, "little")  # sector shift
    header[32:34] = (6).to_bytes(2, "little")  # mini sector shift
    header[76:512] = b"\xff" * 436  # DIFAT: free
    body = b"\x00" * 512 + "Microsoft Word 97-2003 文档\r".encode("utf-16-le") + text.encode("utf-16-le")
    data = bytes(header) + body
    data += b"\x00" * max(0, size - len(data))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
