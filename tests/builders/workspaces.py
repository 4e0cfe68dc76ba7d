"""Whole workspaces: the committed demo's folder, and the benchmark's synthetic campaign at scale.

A workspace is copied from the demo with ``docgen.resources.build_demo_workspace`` (the library's, since
the wheel ships the demo); ``examples/demo/generate.py`` writes the demo itself with these builders.
"""

from __future__ import annotations

import json
import os
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from docgen.models import Task, Unit
from docgen.resources import demo_dir, set_drop_time

from . import CST
from .monthly import PROGRESS_HEADERS, PROGRESS_INSTRUCTIONS, progress_rows
from .registry import REPORTERS, sample_indicators, unit_phone, write_campaign, write_registry
from .tables import write_table

DEMO_DIR = demo_dir()  # package data in a wheel, else examples/demo
DEMO_EMPTY_FOLDERS = ("intake/monthly/2026-10/ZJ02",)
"""Unit folders of the demo that exist but hold nothing (git keeps them only through a .gitkeep)."""

BENCH_PERIOD = "2026-10"
_BENCH_DEADLINE = datetime(2026, 11, 5, 17, 0, tzinfo=CST)
_BENCH_PERIOD_END = date(2026, 10, 31)

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
            Unit(f"U{i:04d}", pattern.format(i=i), category, rng.choice(REPORTERS), unit_phone(rng))
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

