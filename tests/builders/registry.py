"""The registry (成员单位名册, 任务清单, 测评体系 in ``registry/``) and ``campaign.yaml``."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from docgen.models import Indicator, Task, Unit

from .tables import contract_headers, write_table

UNIT_HEADERS = contract_headers("units")
TASK_HEADERS = contract_headers("tasks")
INDICATOR_HEADERS = contract_headers("indicators")
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
REPORTERS = (
    "张海燕", "马文军", "李建国", "韩雪梅", "王志强", "冶成林", "刘晓红", "才让卓玛",
    "赵永明", "马丽娟", "陈国栋", "祁海英", "杨晓东", "喇秀兰", "周建平", "索南吉",
)  # fmt: skip
"""Names of the people who fill the forms in (填报人) and are units' contacts."""


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
        [[u.code, u.name, u.category, u.contact, u.phone, u.email, u.robot] for u in units],
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


def unit_phone(rng: random.Random) -> str:
    """A valid mobile (1[3-9] + 9 digits) or, one time in four, a landline 0971-xxxxxxx."""
    if rng.random() < 0.25:
        return f"0971-{rng.randint(2000000, 8999999)}"
    return f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"


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

