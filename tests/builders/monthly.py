"""The 月度进展报送表: its header (from the contract), its 填表说明 and valid rows for a unit's tasks."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date

from docgen.models import Task

from .registry import REPORTERS, unit_phone
from .tables import contract_headers

PROGRESS_HEADERS = contract_headers("monthly_progress")
PROGRESS_INSTRUCTIONS = (
    "填表说明：每项牵头或配合任务填写一行；完成进度填0—100的数字；活动场次、参与人数填整数；"
    "投入经费以万元为单位，保留两位小数；请于次月5日17:00前报送。"
)


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
    name = reporter or rng.choice(REPORTERS)
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

