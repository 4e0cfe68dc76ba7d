"""
### 报送模板（forms）

每天早上 8:00（北京时间）检查：哪个周期的新一期从今天开始，就为该期生成各单位的报送模板，写入 `forms/<周期>/<期次>/`。
模板由数据契约生成：表头、下拉选项、数值范围、日期格式已预设，本单位的任务、未销号问题或测评指标已预填；
单位用模板填写后放入收件夹即可通过校验。创建办把各单位的模板发给对应单位（见 README「报送模板」）。
设有下级（`campaign.yaml` 的 `levels.children`）时，随即向各下级下发其模板、任务清单和截止时间。

**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from docgen.airflow_dag import daily_dag
from docgen.schedule import timezone_at_parse_time

TZ = timezone_at_parse_time()

forms = daily_dag(
    "forms", cron="0 8 * * *", tz=TZ, doc_md=__doc__, tag="报送模板", task_id="issue",
    task_doc="为今天开始的每一期生成各单位的报送模板。", action="docgen.levels:issue_due_forms",
)
