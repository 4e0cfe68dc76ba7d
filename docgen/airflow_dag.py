"""One Airflow DAG per declared cycle, all wired the same way: intake → validate_and_receipts → compute →
render → review → publish → deliver; and the daily DAGs (reminders, forms), one task and deliver each. The
DAG files in ``dags/`` only call ``cycle_dag`` or ``daily_dag`` with their text for the secretariat.

``deliver`` (送达) sends what the steps queued (``docgen.delivery``) and never fails; the review step's
notifier (``ReviewNotifier``, Airflow's ``BaseNotifier`` shape) tells the reviewers a draft awaits them.

``review`` is Airflow's Human-in-the-loop step (the Required Actions page): render leaves a draft, the
secretariat approves (签发) or returns (退回) it with a comment, and publish issues it or leaves it as a
returned draft. With ``approval: off`` in ``campaign.yaml`` there is no review and render's files are
published at once.

Imported only by DAG files (it needs Airflow); parsing imports no pandas, docx or matplotlib: every task
imports what it needs when it runs, and passes small values (paths, counts), never a report.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import BaseNotifier, CronTriggerTimetable, Param, dag, get_current_context, task

from . import cycles
from .periods import Schedule
from .schedule import approval_at_parse_time, calendar_at_parse_time


def _target(cycle: str) -> dict[str, str]:
    """The workspace and period of this run: the ``period`` param, else the period before the run."""
    from .pipeline import period_of
    from .schedule import workspace_root
    from .workspace import Workspace

    ctx = get_current_context()
    root = workspace_root()
    period = period_of(cycle, ctx["params"].get("period"), ctx["dag_run"].run_after, Workspace(root).campaign)
    return {"root": root, "period": period.key}


def cycle_dag(name: str, doc_md: str) -> Any:
    """The deadline DAG of cycle ``name``, scheduled at its deadline from ``campaign.yaml``."""
    cycle = cycles.get(name)
    calendar = calendar_at_parse_time(name)
    schedule = calendar.schedule()
    reviewed, timeout_hours = approval_at_parse_time()
    edge = _edge_at_parse_time()

    @dag(
        dag_id=cycle.dag_id,
        schedule=_timetable(schedule),
        start_date=pendulum.datetime(2026, 1, 1, tz=schedule.timezone),
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        dag_display_name=cycle.dag_title,
        tags=["docgen", cycle.dag_title] + (["审核"] if reviewed else []),
        params={
            "period": Param(
                None, type=["null", "string"], pattern=calendar.pattern, title="期次",
                description=f"如 {calendar.example}；留空则为运行时刻的上一期",
            )
        },
    )
    def wiring() -> None:
        @task(**edge, task_display_name="接收", doc_md="把新放入的文件存档并登记；仍在写入的文件留待下次。")
        def intake() -> dict:
            from docgen.pipeline import SETTLE_ROUNDS, intake_step

            t = _target(name)
            got = intake_step(t["root"], name, t["period"], wait_for_settling=SETTLE_ROUNDS, deadline=True)
            return {**t, "new": got["new"], "pending": len(got["pending"])}

        @task(**edge, task_display_name="校验与回执", doc_md="逐个文件校验并写回执；被退回的单位、文件和原因见日志。")
        def validate_and_receipts(got: dict) -> dict:
            from docgen.pipeline import receipts_step

            result = receipts_step(got["root"], name, got["period"])
            return {"root": got["root"], "period": got["period"], "accepted": len(result["accepted"]),
                    "rejected": len(result["rejected"])}

        @task(task_display_name="统计", doc_md="确认本期每个文件都已有回执后统计，分配发文字号（结果写入暂存文件）。")
        def compute(checked: dict) -> dict:
            from docgen.pipeline import compute_step

            return {"root": checked["root"], "period": checked["period"],
                    "report": compute_step(checked["root"], name, checked["period"])}

        @task(task_display_name="生成" + ("草稿" if reviewed else ""),
              doc_md="按模板生成本期公文和 summary.json" + (
                  "，作为草稿放在 outbox/<周期>/<期次>/drafts/<n>/ 待审核。" if reviewed else "（暂存，发布前不可见）。"))
        def render(computed: dict) -> dict:
            from docgen.pipeline import load_report
            from docgen.pipeline import render as render_documents
            from docgen.render.chart import ChartProcess

            # the chart is drawn in a process of its own, as `docgen run` does: matplotlib (about 35 MB at
            # 10,000 units) stays out of this one, the largest of the run, and its import overlaps the loading
            with ChartProcess() as charts:
                _, report = load_report(computed["root"], computed["report"])
                staging = render_documents(computed["root"], name, report, charts=charts)
            rendered = {"root": computed["root"], "period": report.period,
                        "doc_number": report.doc_number, "staging": staging}
            if reviewed:
                from docgen.approval import make_draft

                rendered["draft"] = make_draft(computed["root"], name, report, staging).to_dict()
            return rendered

        @task(task_display_name="发布",
              doc_md="审核签发后写入 outbox（旧版本移入 versions/）；退回则不发布，意见写在草稿旁的 审核意见.txt。"
              if reviewed else "写入 outbox；旧版本移入 versions/。")
        def publish(rendered: dict, response: dict | None = None) -> list[str]:
            from docgen.pipeline import publish as publish_outputs

            if not reviewed:
                outputs = publish_outputs(rendered["root"], name, rendered["period"], rendered["staging"],
                                          trigger="airflow", doc_number=rendered["doc_number"])
                return [str(p) for p in outputs]
            return _settle(rendered, response)

        rendered = render(compute(validate_and_receipts(intake())))
        if reviewed:
            review = _review_step(name, timeout_hours)
            rendered >> review
            published = publish(rendered, review.output)
        else:
            published = publish(rendered)
        published >> deliver_task()

    return wiring()


def _edge_at_parse_time() -> dict[str, str]:
    """Where intake and validate_and_receipts run: with ``DOCGEN_EDGE_QUEUE`` set (in the DAG processor's
    environment) on Airflow's EdgeExecutor, on the edge workers serving that queue (a county or township
    office whose files arrive there); unset, on the default executor like every other task."""
    queue = os.environ.get("DOCGEN_EDGE_QUEUE", "").strip()
    return {"executor": "airflow.providers.edge3.executors.EdgeExecutor", "queue": queue} if queue else {}


def deliver_task() -> Any:
    """The last task of every DAG: send what its steps queued (receipts, 催报, issued documents) and retry
    what failed before. Runs whatever became of the steps before it, and never fails: a channel that
    fails is logged and shown on the board, and the cycle is done."""

    @task(task_id="deliver", task_display_name="送达", trigger_rule="all_done",
          doc_md="把回执、催报和已发布的公文发给有关单位（邮件、企业微信、钉钉）；发送失败的稍后重试，"
                 "失败原因见日志、状态看板和 docgen status，不影响本次运行。")
    def deliver() -> dict:
        from docgen.delivery import deliver_quietly
        from docgen.schedule import workspace_root

        return deliver_quietly(workspace_root()).to_dict()

    return deliver()


class ReviewNotifier(BaseNotifier):
    """Airflow's notifier shape for the review step: when the draft starts waiting, its reviewers are told
    (key figures, a link to the phone preview). Never raises: a message that cannot go out must not fail
    the review."""

    def notify(self, context: Any) -> None:
        import logging

        try:
            from docgen.delivery import request_review
            from docgen.schedule import workspace_root

            draft = context["ti"].xcom_pull(task_ids="render")["draft"]
            request_review(workspace_root(), draft)
        except Exception as exc:  # noqa: BLE001 - the review goes on; the log says why nobody was told
            logging.getLogger(__name__).error("未能通知审核人：%s", exc)


def _timetable(schedule: Schedule) -> Any:
    """A cron schedule runs at each match; declared periods run once at each of their deadlines."""
    if schedule.cron:
        return CronTriggerTimetable(schedule.cron, timezone=schedule.timezone)
    # Not airflow.sdk's EventsTimetable: Airflow 3.3 cannot serialize a DAG on it (its encoder leaves out the
    # summary the decoder reads: KeyError '_summary', apache/airflow#69401); the core class encodes itself.
    from airflow.timetables.events import EventsTimetable

    return EventsTimetable(event_dates=[pendulum.instance(m) for m in schedule.moments], restrict_to_events=True,
                           description="在 campaign.yaml 列出的各期截止时间运行")


def _review_step(name: str, timeout_hours: float) -> Any:
    """The Human-in-the-loop task: the draft's subject and Markdown (from render) on the Required Actions
    page; 签发 or 退回 with a comment; nobody answering in time counts as 退回."""
    from airflow.providers.standard.operators.hitl import HITLOperator

    from .approval import APPROVE, RETURN

    draft = "ti.xcom_pull(task_ids='render')['draft']"
    return HITLOperator(
        task_id="review",
        task_display_name="审核",
        doc_md="秘书处在 Required Actions（待办操作）页面审核草稿：签发则发布，退回则不发布并写明意见；"
               f"{timeout_hours:g} 小时内无人审核按退回处理。",
        subject="{{ " + draft + "['subject'] }}",
        body="{{ " + draft + "['body'] }}",
        options=[APPROVE, RETURN],
        defaults=[RETURN],
        params={"comment": Param(None, type=["null", "string"], title="审核意见",
                                 description="退回时请写明需要修改的地方；签发时可留空"),
                "return_units": Param(None, type=["null", "string"], title="退回的报送",
                                      description="单位代码或单位名称，多个用、或逗号分隔；仅在“退回”时生效")},
        response_timeout=timedelta(hours=timeout_hours),
        notifiers=[ReviewNotifier()],
    )


def _settle(rendered: dict, response: dict | None) -> list[str]:
    """Publish an approved draft, or end a returned one clearly: a skipped step, never a failure."""
    from airflow.sdk.exceptions import AirflowSkipException

    from .approval import NotPending, answer

    if not response:
        raise AirflowSkipException("审核步骤没有结果（未完成或已被清除），本次不发布；草稿仍在 "
                                   f"{rendered['draft']['folder']}，可重新运行或用 docgen publish 签发")
    try:
        decision = answer(rendered["root"], rendered["draft"], response)
    except NotPending as exc:
        raise AirflowSkipException(str(exc)) from exc
    if not decision.approved:
        units = "".join(f"；{line}" for line in (decision.returns.lines() if decision.returns else []))
        raise AirflowSkipException(f"草稿已退回（{decision.by}：{decision.comment or '未填写意见'}），未发布；"
                                   f"意见见 {decision.note}。下次运行本期将重新生成草稿{units}")
    return [str(p) for p in decision.outputs]


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
        dag_display_name=tag,
        params={
            "as_of": Param(
                None, type=["null", "string"], title="按此时刻运行",
                description="ISO 时间，如 2026-11-02T09:00:00+08:00；留空则为本次运行的时刻（补发或演示时填写）",
            )
        },
        tags=["docgen", tag],
    )
    def wiring() -> None:
        @task(task_id=task_id, task_display_name=tag, doc_md=task_doc)
        def act() -> Any:
            from .cycle import resolve
            from .schedule import run_moment, workspace_root

            return resolve(action)(workspace_root(), run_moment(get_current_context()))

        act() >> deliver_task()

    return wiring()
