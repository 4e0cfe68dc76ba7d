"""
### 月通报（monthly_notice）

每月截止时间（默认次月 5 日 17:00，北京时间）自动运行，为上一个月编发月通报。

**步骤**
1. **intake 接收**：把各单位放入 `intake/monthly/<期次>/<单位代码>/` 的文件按 SHA-256 存档并登记（原件不改不删）。
2. **validate_and_receipts 校验与回执**：逐个文件按数据契约校验，给每个文件写回执（.docx、.json，退回的表格另附标注副本）。
   某单位的文件有问题只退回该文件，不影响其他单位。日志中逐个列出被退回的单位、文件和原因。
3. **compute 统计**：先确认本期登记的每个文件都已有回执（中断的运行留下的文件会被接管处理；仍无回执则本次失败并列出文件，不生成通报），再统计按时/逾期/退回/未报单位，任务进度（滞后、逾期、未报），活动场次、参与人次、投入经费合计；
   分配发文字号（同一期次重跑字号不变）。
4. **render 生成草稿**：按 `templates/monthly_notice.docx` 模板生成月通报（GB/T 9704-2012 版式）和 `summary.json`。放在 `outbox/monthly/<期次>/drafts/<n>/` 待审核。
5. **review 审核**：在 Required Actions（待办操作）页面阅读草稿的公文、发文字号、主要数字和各单位报送情况，选择“签发”或“退回”并填写审核意见；超过 `approval_timeout_hours`（默认 72 小时）无人审核按退回处理。`campaign.yaml` 中 `approval: off` 时没有这一步。
6. **publish 发布**：签发后写入 `outbox/monthly/<期次>/`，已有的旧版移入 `versions/`，不会被覆盖；退回则不发布（本步骤显示为跳过），退回意见写在草稿旁的 `审核意见.txt`，下次运行本期重新生成草稿。
7. **deliver 送达**：按 `campaign.yaml` 的 `delivery` 把回执、审核提醒（审核步骤开始等待时发出，附手机预览链接）和签发的公文发给有关单位和审核人（邮件、企业微信、钉钉）；发送失败的稍后重试，原因见状态看板和 `docgen status`，不影响本次运行。

**参数**：`period`（如 `2026-10`），留空则为运行时刻的上一个月。
**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from docgen.airflow_dag import cycle_dag

monthly_notice = cycle_dag("monthly", __doc__)
