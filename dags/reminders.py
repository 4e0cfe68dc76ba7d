"""
### 催报（reminders）

每天在 campaign.yaml 的 `reminders.at` 时刻（默认 09:00，创建活动所在时区）运行一次。对每个周期（月度、季度督查、
年度验收……），如果某一期的报送截止时间正好在 `reminders.days_before` 所列的天数之后（默认截止前 3 天和前 1 天），
就为这一期发催报通知；其他日子什么也不做。

**做什么**
1. 先接收、校验这一期新放入的文件并写回执（与“收件与回执”相同），以免把刚报送的单位当成未报送。
2. 列出尚无合格材料的应报单位：**未报送**（什么也没交）和**已退回未重报**（最近一次报送的文件被退回，列出前 3 个问题）。
   只催各单位自己文件夹中应报送的材料；`_inspection` 等角色文件夹不催报。文件仍在处理、尚无回执的单位暂不催报。
3. 写入 `outbox/<周期>/<期次>/催报/<日期>/`：
   - `……催报通知（日期）.docx`：GB/T 9704-2012 版式的催报通知，按 `templates/reminder.docx` 生成（可在工作区 `templates/` 中放同名文件替换），
     写明截止时间、未报送和已退回的单位、退回的主要问题，以及报送方式（campaign.yaml 的 submission_channel）和查看回执的方法；
   - `reminder.json`：同样的名单，含联系人和联系电话，供发送短信、微信等消息的程序读取。

所有应报单位都已有合格材料时不发通知，日志中写明“所有应报单位均已报送，无需催报”。
同一天重跑时，当天已发的通知移入 `<日期>/versions/vN/` 留档，不会被覆盖。
期次在 `reminders.start` 之前或 `reminders.end` 之后的不催报。

**设置**（campaign.yaml，均可省略）：
```yaml
reminders:
  days_before: [3, 1]
  at: "09:00"
  start: 2026-01-01
  end: 2027-12-31
```
**手动催报**：`docgen remind --root 工作区 --cycle monthly --period 2026-10`。
**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from docgen.airflow_dag import daily_dag
from docgen.reminders import reminder_cron

CRON, TZ = reminder_cron()

reminders = daily_dag(
    "reminders", cron=CRON, tz=TZ, doc_md=__doc__, tag="催报", task_id="remind_due",
    task_doc="找出截止时间在设定天数之后的各周期期次，逐一接收文件、写回执并发催报通知；各期结果见日志。",
    action="docgen.reminders:run_due",
)
