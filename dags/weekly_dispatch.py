"""
### 重点项目周调度（weekly_dispatch）

每周截止时间（默认下周一 12:00，北京时间；`campaign.yaml` 的 `deadlines.weekly: {weekday: 1, time: "12:00"}`）自动运行，为上一周编发重点项目调度通报。

**谁放什么文件**
- 创建办：重点项目节点表（倒排工期：每个项目的责任单位、节点和计划完成日期）放在 `registry/重点项目节点.xlsx`。
- 各责任单位：重点项目周调度表放入 `intake/weekly/<期次>/<单位代码>/`，本单位项目的每个节点一行（是否完成、实际完成日期、当前进展、存在问题/堵点、是否需要协调、需协调事项）。

**步骤**
1. **intake 接收**：存档并登记新放入的文件（原件不改不删）。
2. **validate_and_receipts 校验与回执**：按数据契约校验（项目和节点须在节点表中、项目须由本单位负责、已完成的须填实际完成日期且不晚于本周最后一天和报送当天、需要协调的须写明事项）；有问题的文件整份退回，回执写明行、列和原因。通过的文件记入调度台账。
3. **compute 统计**：按截至本周的全部调度表（同一单位同一周以最后收到的为准，已完成的节点不会变回未完成）统计各节点状态：进度滞后的节点及滞后天数、本周完成的节点、需协调解决的问题、应报单位的报送情况；分配调度通报的发文字号（单独编号，如 创建办调〔2026〕3号，重跑不变）。
4. **render 生成草稿**：按 `templates/weekly_dispatch.docx` 生成调度通报（GB/T 9704-2012 版式）和 `summary.json`，放在 `outbox/weekly/<期次>/drafts/<n>/` 待审核。
5. **review 审核**：在 Required Actions（待办操作）页面阅读草稿的公文、发文字号、主要数字和各单位报送情况，选择“签发”或“退回”并填写审核意见；超过 `approval_timeout_hours`（默认 72 小时）无人审核按退回处理。`campaign.yaml` 中 `approval: off` 时没有这一步。
6. **publish 发布**：签发后写入 `outbox/weekly/<期次>/`，已有的旧版移入 `versions/`，不会被覆盖；退回则不发布（本步骤显示为跳过），退回意见写在草稿旁的 `审核意见.txt`，下次运行本期重新生成草稿。
7. **deliver 送达**：按 `campaign.yaml` 的 `delivery` 把回执、审核提醒（审核步骤开始等待时发出，附手机预览链接）和签发的公文发给有关单位和审核人（邮件、企业微信、钉钉）；发送失败的稍后重试，原因见状态看板和 `docgen status`，不影响本次运行。

**参数**：`period`（如 `2026-W49`），留空则为运行时刻的上一周。
**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from docgen.airflow_dag import cycle_dag

weekly_dispatch = cycle_dag("weekly", __doc__)
