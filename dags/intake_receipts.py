"""
### 收件与回执（intake_receipts）

每 10 分钟扫描一次 `intake/`，为新放入的文件存档、校验并写回执，让单位在截止前就能看到问题并重新报送。
回执写在 `receipts/<周期>/<期次>/<单位代码>/`：`.回执.docx`（给人看）、`.回执.json`（给程序读），
被退回的表格另有 `.标注.xlsx`（问题单元格标红并加批注）。
配置了 `campaign.yaml` 的 `delivery` 时，回执随即通过邮件、企业微信或钉钉发给报送单位（**送达** 步骤）。
设有上下级（`campaign.yaml` 的 `levels`）时，每次还与上下级同步：向各下级下发任务清单、截止时间、报送模板和回执（含退回回执），
把本级已签发而尚未送达上级的报告报送上级；连接不上的一方在日志中写明，下次运行时补做。

**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from docgen.airflow_dag import deliver_task
from docgen.schedule import timezone_at_parse_time

TZ = timezone_at_parse_time()


@dag(
    dag_id="intake_receipts",
    schedule="*/10 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    dag_display_name="回执",
    tags=["docgen", "回执"],
)
def intake_receipts() -> None:
    @task(task_display_name="接收", doc_md="把新放入的文件存档并登记。")
    def intake() -> str:
        from docgen.pipeline import intake_step
        from docgen.schedule import workspace_root

        root = workspace_root()
        intake_step(root)
        return root

    @task(task_display_name="校验与回执", doc_md="校验新登记的文件并写回执；被退回的单位、文件和原因见日志。")
    def receipts(root: str) -> dict:
        from docgen.pipeline import receipts_step

        result = receipts_step(root)
        return {"accepted": len(result["accepted"]), "rejected": len(result["rejected"])}

    receipts(intake()) >> deliver_task()


intake_receipts()
