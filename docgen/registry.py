"""Load the secretariat's registry (成员单位名册, 任务清单, 测评体系) through their data contracts.

The registry is the secretariat's own data, so a problem in it stops the run with a message that names
the file, row and column: no notice is issued from a registry that does not hold together.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from .config import IntakeLimits
from .contracts import ValidationContext, load_contract
from .errors import WorkspaceError
from .models import Indicator, Registry, Task, Unit
from .validation import validate_file

if TYPE_CHECKING:
    from .cycle import Cycle

REGISTRY_FILES = {"units": "成员单位名册", "tasks": "任务清单", "indicators": "测评体系"}
PARENT_REGISTRY = Path("parent") / "registry"  # beside registry/: the parent level's tasks (docgen.levels)
PARENT_FIELDS = ("name", "project", "target_value", "measure_unit", "start_date", "deadline")  # the parent decides
_MAX_SHOWN = 20
_SECRETARIAT_LIMITS = IntakeLimits(max_file_mb=50, max_rows=100_000)  # the secretariat's own files are larger


def find_registry_file(directory: Path, kind: str) -> Path | None:
    """``<directory>/<Chinese name>.xlsx`` or ``.csv``."""
    stem = REGISTRY_FILES[kind]
    for suffix in (".xlsx", ".csv"):
        if (path := directory / f"{stem}{suffix}").is_file():
            return path
    return None


def load_registry(directory: Path, limits: IntakeLimits | None = None) -> Registry:
    """Read and validate the three registry files; 测评体系 is optional (only a cycle that scores reads it).

    One run's steps all need the registry: it is read once per version of its files (path, size,
    modification time), and read again as soon as the secretariat changes one.
    """
    versions = tuple(
        (str(p), p.stat().st_size, p.stat().st_mtime_ns)
        for folder in (directory, directory.parent / PARENT_REGISTRY)
        for kind in REGISTRY_FILES
        if (p := find_registry_file(folder, kind)) is not None
    )
    return _load_registry(directory, limits or _SECRETARIAT_LIMITS, versions)


@functools.lru_cache(maxsize=8)
def _load_registry(directory: Path, limits: IntakeLimits, _versions: tuple) -> Registry:
    units_path = _required(directory, "units")
    units_rows = _validated(units_path, "units", ValidationContext(), limits)
    units = {
        r["code"]: Unit(
            code=r["code"], name=r["name"], category=r["category"], contact=r["contact"] or "",
            phone=r["phone"] or "", email=r.get("email") or "", robot=r.get("robot") or "",
        )
        for r in units_rows
    }
    tasks_path = _required(directory, "tasks")
    task_rows = _validated(tasks_path, "tasks", ValidationContext(unit_codes=units.keys()), limits)
    tasks = {
        r["task_id"]: Task(
            task_id=r["task_id"], name=r["name"], project=r["project"], lead_unit=r["lead_unit"],
            cooperating_units=tuple(r["cooperating_units"] or ()), start_date=r["start_date"],
            deadline=r["deadline"], target_value=r["target_value"] or "", measure_unit=r["measure_unit"] or "",
        )
        for r in _with_parent_tasks(directory, task_rows, limits)
    }
    indicators: dict[str, Indicator] = {}
    if (indicators_path := find_registry_file(directory, "indicators")) is not None:
        for r in _validated(indicators_path, "indicators", ValidationContext(), limits, require_rows=False):
            indicators[r["indicator_id"]] = Indicator(
                indicator_id=r["indicator_id"], level1=r["level1"], level2=r["level2"],
                content=r["content"] or "", points=float(r["points"]), scoring_rule=r["scoring_rule"] or "",
            )
    return Registry(units=units, tasks=tasks, indicators=indicators)


def _with_parent_tasks(directory: Path, rows: list[dict], limits: IntakeLimits) -> list[dict]:
    """The tasks as this level runs them: a task the parent level sent down (``parent/registry/任务清单``),
    listed here under the same 任务编号 to give it this level's units, keeps the parent's name, 工程, target
    and dates."""
    path = find_registry_file(directory.parent / PARENT_REGISTRY, "tasks")
    if path is None:
        return rows
    parent = {r["task_id"]: r for r in _validated(path, "tasks", ValidationContext(), limits, require_rows=False)}
    return [{**r, **{k: parent[r["task_id"]][k] for k in PARENT_FIELDS}} if r["task_id"] in parent else r
            for r in rows]


def load_register(directory: Path, contract_name: str, stem: str, *, required: bool = True,
                  limits: IntakeLimits | None = None) -> list[dict]:
    """The rows of ``<directory>/<stem>.xlsx`` (or ``.csv``), a table of the secretariat's own that a cycle
    reads, checked by its data contract against the units of the registry; [] when it is absent and not
    ``required``. Read again only when the file changes."""
    path = next((p for s in (".xlsx", ".csv") if (p := directory / f"{stem}{s}").is_file()), None)
    if path is None:
        if required:
            raise WorkspaceError(f"找不到{stem}：应为 {directory}/{stem}.xlsx（或 .csv）")
        return []
    registry = load_registry(directory, limits)
    seen = path.stat()
    return _load_register(path, contract_name, limits or _SECRETARIAT_LIMITS, seen.st_size, seen.st_mtime_ns,
                          tuple(registry.units))


@functools.lru_cache(maxsize=16)
def _load_register(path: Path, contract_name: str, limits: IntakeLimits, _size: int, _mtime: int,
                   unit_codes: tuple[str, ...]) -> list[dict]:
    return _validated(path, contract_name, ValidationContext(unit_codes=unit_codes), limits, require_rows=False)


def registers_of(directory: Path, cycle: Cycle, *, strict: bool = False) -> dict[str, list[dict]]:
    """The rows of ``cycle``'s registers by contract name: what its rules read (``Inputs.registers``, where
    ``strict``: a required register that is absent stops the run) and what the rules of its contracts read
    when a unit's file is checked (``ValidationContext.registers``: an absent register reads as no rows)."""
    return {r.name: load_register(directory, r.name, r.file, required=strict and r.required) for r in cycle.registers}


def _required(directory: Path, kind: str) -> Path:
    path = find_registry_file(directory, kind)
    if path is None:
        raise WorkspaceError(f"找不到{REGISTRY_FILES[kind]}：应为 {directory}/{REGISTRY_FILES[kind]}.xlsx（或 .csv）")
    return path


def _validated(
    path: Path, contract_name: str, context: ValidationContext, limits: IntakeLimits, *, require_rows: bool = True
) -> list[dict]:
    result = validate_file(path, load_contract(contract_name), context, limits, require_rows=require_rows)
    if result.problems:
        shown = "\n".join(f"  - {p.describe()}" for p in result.problems[:_MAX_SHOWN])
        more = len(result.problems) - _MAX_SHOWN
        tail = f"\n  ……另有 {more} 处问题" if more > 0 else ""
        raise WorkspaceError(f"名册文件 {path.name} 有 {len(result.problems)} 处问题，请修改后重新运行：\n{shown}{tail}")
    return result.rows
