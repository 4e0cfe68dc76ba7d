"""The rules the quarterly contracts name, registered by name for ``docgen.contracts``.

问题清单: a 整改时限 before the visit that found the problem is a slip; 整改情况报送表: a problem reported
已完成 says when. Imported by the contracts when a contract first names one of these rules
(``Quarterly.contract_rules``), not with the package.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pandera.pandas as pa

from ...contracts import Batch, CheckSpec, Field, not_before, rule

rule("not_before_inspection", explain="不能早于督查日期")(not_before("inspection_date", "整改时限不能早于督查日期"))


@rule("completion_date_when_done", explain="整改状态为“已完成”的须填写")
def completion_date_when_done(f: Field, batch: Batch) -> CheckSpec | None:
    """完成日期 of a rectification report: a problem reported 已完成 says when (blank rows included)."""
    statuses = batch.frame["status"]

    def check(s: pd.Series) -> pd.Series:
        return pd.Series(
            [st != "已完成" or isinstance(d, date) for d, st in zip(s, statuses[s.index], strict=True)],
            index=s.index,
        )

    message = "整改状态为“已完成”的，须填写完成日期"
    return pa.Check(check, error=message, ignore_na=False), message
