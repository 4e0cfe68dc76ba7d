"""
### 季度督查（quarterly_inspection）

每季度截止时间（默认季后次月 10 日 17:00，北京时间）自动运行，为上一季度编发督查通报、整改通知书和整改台账。

**谁放什么文件**
- 督查组：问题清单放入 `intake/quarterly/<期次>/_inspection/`，每个问题挂号进入整改台账。
- 各成员单位：整改情况报送表放入 `intake/quarterly/<期次>/<单位代码>/`（未启动 / 整改中 / 已完成）。
- 创建办：复查结果放入 `intake/quarterly/<期次>/_recheck/`（通过则销号，不通过则重新挂号）。

**步骤**
1. **intake 接收**：存档并登记新放入的文件（原件不改不删）。
2. **validate_and_receipts 校验与回执**：按数据契约校验；通过的文件按收到的先后记入整改台账（同一时刻先问题清单、再整改情况、再复查结果）。
   台账不接受的行（问题编号不存在、不是本单位的问题、未报整改完成就复查等）使整份文件退回，台账不变；回执写明行、列和原因。
3. **compute 统计**：季末台账状态、逾期问题、复查未通过问题、应报单位的报送情况；为督查通报和每份整改通知书分配发文字号（重跑不变）。
4. **render 生成草稿**：督查通报、每个有未销号问题的单位一份整改通知书、`整改台账.xlsx` 和 `summary.json`。放在 `outbox/quarterly/<期次>/drafts/<n>/` 待审核。
5. **review 审核**：在 Required Actions（待办操作）页面阅读草稿的公文、发文字号、主要数字和各单位报送情况，选择“签发”或“退回”并填写审核意见；超过 `approval_timeout_hours`（默认 72 小时）无人审核按退回处理。`campaign.yaml` 中 `approval: off` 时没有这一步。
6. **publish 发布**：签发后写入 `outbox/quarterly/<期次>/`，已有的旧版移入 `versions/`，不会被覆盖；退回则不发布（本步骤显示为跳过），退回意见写在草稿旁的 `审核意见.txt`，下次运行本期重新生成草稿。
7. **deliver 送达**：按 `campaign.yaml` 的 `delivery` 把回执、审核提醒（审核步骤开始等待时发出，附手机预览链接）和签发的公文发给有关单位和审核人（邮件、企业微信、钉钉）；发送失败的稍后重试，原因见状态看板和 `docgen status`，不影响本次运行。

**参数**：`period`（如 `2026-Q3`），留空则为运行时刻的上一季度。
**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from docgen.airflow_dag import cycle_dag

quarterly_inspection = cycle_dag("quarterly", __doc__)
