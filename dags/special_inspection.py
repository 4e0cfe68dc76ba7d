"""
### 专项督查（special_inspection）

创建办在 `campaign.yaml` 的 `special.inspections` 中列出每次专项督查（明查暗访、定期或不定期督查）：编号（如 `2026-ZX01`）、名称、督查范围（单位代码）、起止日期和整改情况报送期限。本 DAG 在每次专项督查的报送期限（北京时间）自动运行，为该次督查编发专项督查通报、整改通知书和本次督查的整改台账。

专项督查发现的问题与季度督查记入**同一本整改台账**，台账“来源”一栏写明专项督查的名称；季度督查的整改台账也列出这些问题，复查可随任一督查报送。

**谁放什么文件**
- 督查组：专项督查问题清单放入 `intake/special/<编号>/_inspection/`，问题编号以本次督查编号开头（如 `2026-ZX01-001`）。
- 各有关单位：整改情况报送表放入 `intake/special/<编号>/<单位代码>/`，只报本次督查的问题（未启动 / 整改中 / 已完成）。
- 创建办：复查结果放入 `intake/special/<编号>/_recheck/`（通过则销号，不通过则重新挂号）。

**步骤**
1. **intake 接收**：存档并登记新放入的文件（原件不改不删）。
2. **validate_and_receipts 校验与回执**：按数据契约校验；通过的文件按收到的先后记入整改台账（与季度督查的文件一起排序）。台账不接受的行使整份文件退回，回执写明行、列和原因。
3. **compute 统计**：报送期限时本次督查各问题的状态、逾期问题、各单位报送情况；为通报和每份整改通知书分配发文字号（专项督查单独编号，如 创建办专督〔2026〕1号；重跑不变）。
4. **render 生成草稿**：专项督查通报、每个有未销号问题的单位一份整改通知书、`整改台账.xlsx` 和 `summary.json`，放在 `outbox/special/<编号>/drafts/<n>/` 待审核。
5. **review 审核**：在 Required Actions（待办操作）页面阅读草稿，选择“签发”或“退回”并填写审核意见；`approval: off` 时没有这一步。
6. **publish 发布**：签发后写入 `outbox/special/<编号>/`，旧版移入 `versions/`。

**参数**：`period`（专项督查编号，如 `2026-ZX01`），留空则为运行时刻最近一次已到报送期限的专项督查。
**工作区**：环境变量 `DOCGEN_ROOT`，或 Airflow Variable `DOCGEN_ROOT`。
"""

from docgen.airflow_dag import cycle_dag

special_inspection = cycle_dag("special", __doc__)
