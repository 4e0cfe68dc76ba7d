"""The rules the annual contracts (自评表, 评分表) name, registered by name for ``docgen.contracts``.

Each row's 指标编号 is looked up in its own file's 测评体系 (``ValidationContext.indicators``): it must be
there, a score may not exceed its 分值, and an assessor scores each unit's indicator once per file.
Imported by the contracts when a contract first names one of these rules (``Annual.contract_rules``),
not with the package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ...contracts import Batch, CheckSpec, Field, RowMessage, number_text, rowwise, rule
from ...models import Indicator


def _indicators_of(batch: Batch, index: Any) -> list[Indicator | None]:
    """The indicator named on each row at ``index`` (positions in the batch's frame), looked up in its own
    file's 测评体系; None where the file has no 测评体系 or the 指标编号 is blank or not in it."""
    ids = batch.frame["indicator_id"].to_numpy()[index]
    contexts = batch.contexts
    found: list[Indicator | None] = []
    for indicator_id, k in zip(ids, batch.files[index], strict=True):
        indicators = contexts[k].indicators
        found.append(None if indicators is None or not isinstance(indicator_id, str) else indicators.get(indicator_id))
    return found


@rule("indicator_exists", explain="按测评体系填写")
def indicator_exists(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("indicators"):
        return None
    message = "指标编号不在测评体系中，请对照测评体系核对指标编号"
    check = rowwise(batch, lambda i, c: c.indicators is None or i in c.indicators)
    return pa.Check(check, error=message), message


@rule("score_within_points", explain="不超过该指标的分值")
def score_within_points(f: Field, batch: Batch) -> CheckSpec | None:
    """A score (自评得分, 评分) is at most its row's indicator's 分值; rows whose indicator is unknown are
    left to ``indicator_exists`` (the lower bound is the field's ``minimum``)."""
    if not batch.any("indicators"):
        return None

    def check(s: pd.Series) -> pd.Series:
        index = s.index.to_numpy()
        limits = np.array([np.nan if i is None else i.points for i in _indicators_of(batch, index)], dtype=float)
        scores = s.to_numpy(dtype=float)
        return pd.Series(np.isnan(limits) | np.isnan(scores) | (scores <= limits), index=s.index)

    def message(index: int) -> str:
        indicator = _indicators_of(batch, [index])[0]
        if indicator is None:  # not reached: a row without a known indicator passes
            return "得分超过该指标的分值"
        points = number_text(indicator.points)
        return f"超过指标 {indicator.indicator_id}（{indicator.level2}）的分值 {points} 分，应在 0 到 {points} 之间"

    return pa.Check(check, error="得分超过该指标的分值"), RowMessage(message)


@rule("unit_indicator_once", explain="每个单位的每项指标只填一行")
def unit_indicator_once(f: Field, batch: Batch) -> CheckSpec | None:
    """指标编号 of an assessor's file: one score per (单位代码, 指标编号) in a file; every repeated row is named.

    The same pair in two files is fine (two assessors score the same unit). A row whose 单位代码 is blank
    or unreadable is left to that column's checks.
    """
    units = batch.frame["unit_code"].to_numpy()
    ids = batch.frame["indicator_id"].to_numpy()
    files = batch.files

    def check(s: pd.Series) -> pd.Series:
        index = s.index.to_numpy()
        keyed = pd.DataFrame({"file": files[index], "unit": units[index], "value": s.to_numpy()})
        repeated = keyed.duplicated(keep=False).to_numpy() & keyed["unit"].notna().to_numpy() & s.notna().to_numpy()
        return pd.Series(~repeated, index=s.index)

    def message(index: int) -> str:
        return (f"同一单位的同一指标在表中评分多次（{units[index]} 的 {ids[index]}），"
                "每个单位的每项指标只能填一行，请合并")

    return pa.Check(check, error="同一单位的同一指标在表中评分多次"), RowMessage(message)
