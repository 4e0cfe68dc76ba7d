"""
### 报送模板（forms）

每天早上 8:00（北京时间）检查：哪个周期的新一期从今天开始，就为该期生成各单位的报送模板，写入 `forms/<周期>/<期次>/`。
模板由数据契约生成：表头、下拉选项、数值范围、日期格式已预设，本单位的任务、未销号问题或测评指标已预填；
单位用模板填写后放入收件夹即可通过校验。创建办把各单位的模板发给对应单位（见 README「报送模板」）。

**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from docgen.schedule import DEFAULT_TZ


@dag(
    dag_id="forms",
    schedule="0 8 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=DEFAULT_TZ),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    params={
        "as_of": Param(
            None, type=["null", "string"], title="按此时刻运行",
            description="ISO 时间，如 2026-11-02T09:00:00+08:00；留空则为本次运行的时刻（补发或演示时填写）",
        )
    },
    tags=["docgen", "报送模板"],
)
def forms() -> None:
    @task(doc_md="为今天开始的每一期生成各单位的报送模板。")
    def issue() -> dict:
        from airflow.sdk import Variable, get_current_context

        from docgen.issue_forms import issue_due_forms
        from docgen.schedule import run_moment, workspace_root

        return issue_due_forms(workspace_root(Variable.get), run_moment(get_current_context()))

    issue()


forms()
