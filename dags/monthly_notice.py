"""
### 月通报（monthly_notice）

每月截止时间（默认次月 5 日 17:00，北京时间）自动运行，为上一个月编发月通报。

**步骤**
1. **intake 接收**：把各单位放入 `intake/monthly/<期次>/<单位代码>/` 的文件按 SHA-256 存档并登记（原件不改不删）。
2. **validate_and_receipts 校验与回执**：逐个文件按数据契约校验，给每个文件写回执（.docx、.json，退回的表格另附标注副本）。
   某单位的文件有问题只退回该文件，不影响其他单位。日志中逐个列出被退回的单位、文件和原因。
3. **compute 统计**：先确认本期登记的每个文件都已有回执（中断的运行留下的文件会被接管处理；仍无回执则本次失败并列出文件，不生成通报），再统计按时/逾期/退回/未报单位，任务进度（滞后、逾期、未报），活动场次、参与人次、投入经费合计；
   分配发文字号（同一期次重跑字号不变）。
4. **render 生成**：按 `templates/monthly_notice.docx` 模板生成月通报（GB/T 9704-2012 版式）和 `summary.json`。
5. **publish 发布**：写入 `outbox/monthly/<期次>/`；已有的旧版移入 `versions/`，不会被覆盖。

**参数**：`period`（如 `2026-10`），留空则为运行时刻的上一个月。
**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from docgen.schedule import deadline_cron

CRON, TZ = deadline_cron("monthly")


def _target() -> dict[str, str]:
    """The workspace and period of this run: the ``period`` param, else the month before the run."""
    from airflow.sdk import Variable

    from docgen.pipeline import period_of
    from docgen.schedule import workspace_root
    from docgen.workspace import Workspace

    ctx = get_current_context()
    root = workspace_root(Variable.get)
    period = period_of("monthly", ctx["params"].get("period"), ctx["dag_run"].run_after,
                       Workspace(root).campaign.timezone)
    return {"root": root, "period": period.key}


@dag(
    dag_id="monthly_notice",
    schedule=CronTriggerTimetable(CRON, timezone=TZ),
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["docgen", "月通报"],
    params={
        "period": Param(
            None, type=["null", "string"], pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$",
            title="期次", description="如 2026-10；留空则为运行时刻的上一个月",
        )
    },
)
def monthly_notice() -> None:
    @task(doc_md="把新放入的文件存档并登记；仍在写入的文件留待下次。")
    def intake() -> dict:
        from docgen.pipeline import SETTLE_ROUNDS, intake_step

        t = _target()
        got = intake_step(t["root"], "monthly", t["period"], wait_for_settling=SETTLE_ROUNDS, deadline=True)
        return {**t, "new": got["new"], "pending": len(got["pending"])}

    @task(doc_md="逐个文件校验并写回执；被退回的单位、文件和原因见日志。")
    def validate_and_receipts(got: dict) -> dict:
        from docgen.pipeline import receipts_step

        result = receipts_step(got["root"], "monthly", got["period"])
        return {"root": got["root"], "period": got["period"], "accepted": len(result["accepted"]),
                "rejected": len(result["rejected"])}

    @task(doc_md="确认本期每个文件都已有回执后，统计报送情况和任务进度，分配发文字号（结果写入暂存文件）。")
    def compute(checked: dict) -> dict:
        from docgen.pipeline import compute_step

        return {"root": checked["root"], "period": checked["period"],
                "report": compute_step(checked["root"], checked["period"])}

    @task(doc_md="按模板生成月通报和 summary.json（暂存，发布前不可见）。")
    def render(computed: dict) -> dict:
        from docgen.pipeline import load_report, render_monthly

        report = load_report(computed["report"])
        return {"root": computed["root"], "period": report.period, "doc_number": report.doc_number,
                "staging": render_monthly(computed["root"], report)}

    @task(doc_md="写入 outbox；旧版本移入 versions/。")
    def publish(rendered: dict) -> list[str]:
        from docgen.pipeline import publish as publish_outputs

        outputs = publish_outputs(rendered["root"], "monthly", rendered["period"], rendered["staging"],
                                  trigger="airflow", doc_number=rendered["doc_number"])
        return [str(p) for p in outputs]

    publish(render(compute(validate_and_receipts(intake()))))


monthly_notice()
