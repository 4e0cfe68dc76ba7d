"""The rules the weekly contracts name, registered by name for ``docgen.contracts``.

重点项目节点表 (the secretariat's register): a project has one 责任单位 and its 节点序号 are unique.
重点项目周调度表 (a unit's weekly file): each row names a milestone of the register of a project the unit is
responsible for, once; a milestone reported done says when, not after the week and not after the day the file
came. Imported by the contracts when a contract first names one of these rules (``Weekly.contract_rules``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ...contracts import Batch, CheckSpec, Field, ValidationContext, rule
from .report import KEY_PROJECTS, YES

Projects = dict[str, tuple[str, frozenset[int]]]  # 项目编号 → (责任单位, its 节点序号)


def projects_of(rows: Sequence[Mapping[str, Any]]) -> Projects:
    """The register's projects: each one's unit and milestone numbers."""
    units: dict[str, str] = {}
    numbers: dict[str, set[int]] = {}
    for r in rows:
        units.setdefault(r["project_id"], r["unit"])
        numbers.setdefault(r["project_id"], set()).add(int(r["milestone_no"]))
    return {p: (units[p], frozenset(n)) for p, n in numbers.items()}


def _registered(batch: Batch) -> Callable[[ValidationContext], Projects | None]:
    """Each file's register, indexed once per batch (None: the file is checked without it)."""
    made: dict[int, Projects] = {}

    def of(ctx: ValidationContext) -> Projects | None:
        rows = ctx.registers.get(KEY_PROJECTS) if ctx.registers is not None else None
        if rows is None:
            return None
        if id(rows) not in made:
            made[id(rows)] = projects_of(rows)
        return made[id(rows)]

    return of


def _per_row(batch: Batch, test: Callable[[Any, int, ValidationContext], bool]) -> Callable[[pd.Series], pd.Series]:
    """A check that tests each value with its row's position in the frame and its own file's context."""

    def check(s: pd.Series) -> pd.Series:
        return pd.Series([test(v, i, c) for v, i, c in zip(s, s.index, batch.row_contexts(s), strict=True)],
                         index=s.index, dtype=bool)

    return check


def _once_per_file(batch: Batch, columns: tuple[str, str]) -> Callable[[pd.Series], pd.Series]:
    """False for each row whose pair of ``columns`` is repeated in its own file."""

    def check(s: pd.Series) -> pd.Series:
        frame = batch.frame.loc[s.index, list(columns)].astype(str)
        frame["file"] = batch.files[s.index.to_numpy()]
        return pd.Series(~frame.duplicated(keep=False).to_numpy(), index=s.index)

    return check


# ---------------------------------------------------------------- 重点项目节点表 (the register)


@rule("milestone_unique_per_project", explain="同一项目的节点序号不能重复")
def milestone_unique_per_project(f: Field, batch: Batch) -> CheckSpec | None:
    message = "同一项目的节点序号重复，每个节点序号只能有一行"
    return pa.Check(_once_per_file(batch, ("project_id", "milestone_no")), error=message), message


@rule("project_has_one_unit", explain="同一项目的各节点填同一责任单位")
def project_has_one_unit(f: Field, batch: Batch) -> CheckSpec | None:
    def check(s: pd.Series) -> pd.Series:
        frame = pd.DataFrame({"file": batch.files[s.index.to_numpy()],
                              "project": batch.frame.loc[s.index, "project_id"].astype(str).to_numpy(),
                              "unit": s.astype(str).to_numpy()})
        units = frame.groupby(["file", "project"])["unit"].transform("nunique")
        return pd.Series((units <= 1).to_numpy(), index=s.index)

    message = "同一项目的各节点应填写同一个责任单位"
    return pa.Check(check, error=message), message


# ---------------------------------------------------------------- 重点项目周调度表 (a unit's file)


@rule("key_project_exists", explain="按重点项目节点表填写")
def key_project_exists(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("registers"):
        return None
    registered = _registered(batch)

    def test(value: Any, _i: int, ctx: ValidationContext) -> bool:
        projects = registered(ctx)
        return projects is None or value in projects

    message = "项目编号不在重点项目节点表中，请按报送模板中的项目编号填写"
    return pa.Check(_per_row(batch, test), error=message), message


@rule("key_project_of_unit", explain="只填本单位负责的项目")
def key_project_of_unit(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("registers") or not batch.any("unit"):
        return None
    registered = _registered(batch)

    def test(value: Any, _i: int, ctx: ValidationContext) -> bool:
        projects = registered(ctx)
        return projects is None or ctx.unit is None or value not in projects or projects[value][0] == ctx.unit

    message = "该项目的责任单位不是本单位，只填本单位负责的项目，请删除此行或核对项目编号"
    return pa.Check(_per_row(batch, test), error="该项目的责任单位不是本单位"), message


@rule("milestone_exists", explain="按重点项目节点表中该项目的节点序号填写")
def milestone_exists(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("registers"):
        return None
    registered, project = _registered(batch), batch.frame["project_id"]

    def test(value: Any, i: int, ctx: ValidationContext) -> bool:
        projects = registered(ctx)
        found = projects.get(project[i]) if projects is not None else None
        return found is None or int(value) in found[1]

    message = "该项目没有这个节点序号，请按重点项目节点表填写"
    return pa.Check(_per_row(batch, test), error=message), message


@rule("milestone_once", explain="每个节点只填一行")
def milestone_once(f: Field, batch: Batch) -> CheckSpec | None:
    message = "同一项目的同一节点在表中出现多次，每个节点只能填一行，请合并"
    return pa.Check(_once_per_file(batch, ("project_id", "milestone_no")), error=message), message


@rule("milestone_date_when_done", explain="是否完成为“是”的须填写")
def milestone_date_when_done(f: Field, batch: Batch) -> CheckSpec | None:
    done = batch.frame["done"]

    def check(s: pd.Series) -> pd.Series:
        return pd.Series([d != YES or isinstance(v, date) for v, d in zip(s, done[s.index], strict=True)],
                         index=s.index)

    message = "是否完成为“是”的，须填写实际完成日期"
    return pa.Check(check, error=message, ignore_na=False), message


@rule("milestone_done_within_week", explain="不能晚于本周最后一天")
def milestone_done_within_week(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("period"):
        return None

    def test(value: Any, _i: int, ctx: ValidationContext) -> bool:
        return ctx.period is None or not isinstance(value, date) or value <= ctx.period.end

    def message(ctx: ValidationContext) -> str:
        end = ctx.period.end if ctx.period else None
        return f"实际完成日期不能晚于本周最后一天（{end.year}年{end.month}月{end.day}日），请核对" if end else \
            "实际完成日期不能晚于本周最后一天，请核对"

    return pa.Check(_per_row(batch, test), error="实际完成日期晚于本周最后一天"), message


@rule("milestone_done_not_in_future", explain="不能是将来的日期")
def milestone_done_not_in_future(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("received_on"):
        return None

    def test(value: Any, _i: int, ctx: ValidationContext) -> bool:
        return ctx.received_on is None or not isinstance(value, date) or value <= ctx.received_on

    message = "实际完成日期晚于报送当天，不能填写将来的日期"
    return pa.Check(_per_row(batch, test), error=message), message


@rule("coordination_when_needed", explain="是否需要协调为“是”的须填写")
def coordination_when_needed(f: Field, batch: Batch) -> CheckSpec | None:
    needed = batch.frame["needs_coordination"]

    def check(s: pd.Series) -> pd.Series:
        return pd.Series([n != YES or bool(isinstance(v, str) and v.strip())
                          for v, n in zip(s, needed[s.index], strict=True)], index=s.index)

    message = "是否需要协调为“是”的，须填写需协调事项"
    return pa.Check(check, error=message, ignore_na=False), message
