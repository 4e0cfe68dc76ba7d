"""One Airflow DAG per declared cycle, all wired the same way: intake → validate_and_receipts → compute →
render → publish; and the daily DAGs (reminders, forms), one task each. The DAG files in ``dags/`` only
call ``cycle_dag`` or ``daily_dag`` with their text for the secretariat.

Imported only by DAG files (it needs Airflow); parsing imports no pandas, docx or matplotlib: every task
imports what it needs when it runs, and passes small values (paths, counts), never a report.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from . import cycles
from .periods import PERIOD_PATTERNS
from .schedule import deadline_cron


def _target(cycle: str) -> dict[str, str]:
    """The workspace and period of this run: the ``period`` param, else the period before the run."""
    from airflow.sdk import Variable

    from .pipeline import period_of
    from .schedule import workspace_root
    from .workspace import Workspace

    ctx = get_current_context()
    root = workspace_root(Variable.get)
    period = period_of(cycle, ctx["params"].get("period"), ctx["dag_run"].run_after, Workspace(root).campaign.timezone)
    return {"root": root, "period": period.key}


def cycle_dag(name: str, doc_md: str) -> Any:
    """The deadline DAG of cycle ``name``, scheduled at its deadline from ``campaign.yaml``."""
    cycle = cycles.get(name)
    cron, tz = deadline_cron(name)

    @dag(
        dag_id=cycle.dag_id,
        schedule=CronTriggerTimetable(cron, timezone=tz),
        start_date=pendulum.datetime(2026, 1, 1, tz=tz),
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        tags=["docgen", cycle.dag_title],
        params={
            "period": Param(
                None, type=["null", "string"], pattern=PERIOD_PATTERNS[name], title="期次",
                description=f"如 {cycle.period_example}；留空则为运行时刻的上一期",
            )
        },
    )
    def wiring() -> None:
        @task(doc_md="把新放入的文件存档并登记；仍在写入的文件留待下次。")
        def intake() -> dict:
            from docgen.pipeline import SETTLE_ROUNDS, intake_step

            t = _target(name)
            got = intake_step(t["root"], name, t["period"], wait_for_settling=SETTLE_ROUNDS, deadline=True)
            return {**t, "new": got["new"], "pending": len(got["pending"])}

        @task(doc_md="逐个文件校验并写回执；被退回的单位、文件和原因见日志。")
        def validate_and_receipts(got: dict) -> dict:
            from docgen.pipeline import receipts_step

            result = receipts_step(got["root"], name, got["period"])
            return {"root": got["root"], "period": got["period"], "accepted": len(result["accepted"]),
                    "rejected": len(result["rejected"])}

        @task(doc_md="确认本期每个文件都已有回执后统计，分配发文字号（结果写入暂存文件）。")
        def compute(checked: dict) -> dict:
            from docgen.pipeline import compute_step

            return {"root": checked["root"], "period": checked["period"],
                    "report": compute_step(checked["root"], name, checked["period"])}

        @task(doc_md="按模板生成本期公文和 summary.json（暂存，发布前不可见）。")
        def render(computed: dict) -> dict:
            from docgen.pipeline import load_report
            from docgen.pipeline import render as render_documents

            _, report = load_report(computed["report"])
            return {"root": computed["root"], "period": report.period,
                    "doc_number": getattr(report, "doc_number", None),
                    "staging": render_documents(computed["root"], name, report)}

        @task(doc_md="写入 outbox；旧版本移入 versions/。")
        def publish(rendered: dict) -> list[str]:
            from docgen.pipeline import publish as publish_outputs

            outputs = publish_outputs(rendered["root"], name, rendered["period"], rendered["staging"],
                                      trigger="airflow", doc_number=rendered["doc_number"])
            return [str(p) for p in outputs]

        publish(render(compute(validate_and_receipts(intake()))))

    return wiring()


def daily_dag(dag_id: str, *, cron: str, tz: str, doc_md: str, tag: str, task_id: str, task_doc: str,
              action: str) -> Any:
    """A DAG run daily at ``cron`` whose one task calls ``action`` ("module:function", imported when the
    task runs) with the workspace and the moment it acts as of: the ``as_of`` param (a catch-up, a demo),
    else when the run was due."""

    @dag(
        dag_id=dag_id,
        schedule=CronTriggerTimetable(cron, timezone=tz),
        start_date=pendulum.datetime(2026, 1, 1, tz=tz),
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        params={
            "as_of": Param(
                None, type=["null", "string"], title="按此时刻运行",
                description="ISO 时间，如 2026-11-02T09:00:00+08:00；留空则为本次运行的时刻（补发或演示时填写）",
            )
        },
        tags=["docgen", tag],
    )
    def wiring() -> None:
        @task(task_id=task_id, doc_md=task_doc)
        def act() -> Any:
            from airflow.sdk import Variable

            from .cycle import resolve
            from .schedule import run_moment, workspace_root

            return resolve(action)(workspace_root(Variable.get), run_moment(get_current_context()))

        act()

    return wiring()
