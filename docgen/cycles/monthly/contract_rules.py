"""The rules the monthly contract (月度进展报送表) names, registered by name for ``docgen.contracts``.

A unit reports only on tasks of the task list that it leads or cooperates on. Imported by the contracts
when a contract first names one of these rules (``Monthly.contract_rules``), not with the package.
"""

from __future__ import annotations

import pandera.pandas as pa

from ...contracts import Batch, CheckSpec, Field, ValidationContext, rowwise, rule


@rule("task_exists", explain="按任务清单填写")
def task_exists(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("tasks"):
        return None
    message = "任务编号不在任务清单中，请核对任务编号"
    return pa.Check(rowwise(batch, lambda t, c: c.tasks is None or t in c.tasks), error=message), message


@rule("task_involves_unit", explain="只填本单位牵头或配合的任务")
def task_involves_unit(f: Field, batch: Batch) -> CheckSpec | None:
    if not batch.any("tasks") or not batch.any("unit"):
        return None

    def test(t: str, c: ValidationContext) -> bool:
        return c.tasks is None or c.unit is None or t not in c.tasks or c.tasks[t].involves(c.unit)

    message = "本单位不是该任务的牵头单位或配合单位，请删除此行或核对任务编号"  # the unit reads it: no code
    return pa.Check(rowwise(batch, test), error="本单位不是该任务的牵头单位或配合单位"), message
