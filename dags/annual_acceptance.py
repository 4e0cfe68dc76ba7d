"""
### 年度验收（annual_acceptance）

每年验收截止时间（默认次年 1 月 15 日 17:00，北京时间）自动运行，为上一年度编发测评验收报告和年度工作汇编。

**谁放什么文件**
- 各成员单位：自评表（.xlsx/.csv）和年度工作总结（.docx）放入 `intake/annual/<年度>/<单位代码>/`。
- 验收组：验收评分表放入 `intake/annual/<年度>/_assessors/`，一份表可为多个单位评分。

**步骤**
1. **intake 接收**：存档并登记新放入的文件（原件不改不删）。
2. **validate_and_receipts 校验与回执**：自评表、评分表按数据契约和测评体系校验（得分不超过分值、指标编号存在、同一单位同一指标不重复评分）；
   年度工作总结须为可打开、有正文的 .docx（旧版 .doc、带宏、设密码的文件退回），缺少常用标题的在回执中提示但不退回。
3. **compute 统计**：各单位各指标得分（各验收人评分的平均值）、总分、等次、名次，自评与验收差距，未评分指标，未报送单位；分配发文字号。
4. **render 生成草稿**：验收报告、验收评分汇总表、年度工作汇编（封面、目录、各单位总结为一章、页码连续），安装了 LibreOffice 时另生成 PDF/A。放在 `outbox/annual/<年度>/drafts/<n>/` 待审核。
5. **review 审核**：在 Required Actions（待办操作）页面阅读草稿的公文、发文字号、主要数字和各单位报送情况，选择“签发”或“退回”并填写审核意见；超过 `approval_timeout_hours`（默认 72 小时）无人审核按退回处理。`campaign.yaml` 中 `approval: off` 时没有这一步。
6. **publish 发布**：签发后写入 `outbox/annual/<年度>/`，已有的旧版移入 `versions/`，不会被覆盖；退回则不发布（本步骤显示为跳过），退回意见写在草稿旁的 `审核意见.txt`，下次运行本期重新生成草稿。
7. **deliver 送达**：按 `campaign.yaml` 的 `delivery` 把回执、审核提醒（审核步骤开始等待时发出，附手机预览链接）和签发的公文发给有关单位和审核人（邮件、企业微信、钉钉）；发送失败的稍后重试，原因见状态看板和 `docgen status`，不影响本次运行。

**参数**：`period`（如 `2025`），留空则为运行时刻的上一年度。
**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from docgen.airflow_dag import cycle_dag

annual_acceptance = cycle_dag("annual", __doc__)
