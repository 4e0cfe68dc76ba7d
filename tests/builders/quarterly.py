"""The quarterly inspection's tables: 问题清单, 整改情况报送表 and 复查结果 (headers from their contracts)."""

from __future__ import annotations

from .tables import contract_headers

PROBLEM_HEADERS = contract_headers("inspection_problems")
"""问题清单 (data_contracts/inspection_problems.yaml), filed by the inspection team in ``_inspection/``."""
RECTIFICATION_HEADERS = contract_headers("rectification_report")
"""整改情况报送表 (data_contracts/rectification_report.yaml), one row per open problem of the unit."""
RECHECK_HEADERS = contract_headers("recheck_results")
"""复查结果 (data_contracts/recheck_results.yaml), by the secretariat in ``_recheck/``."""
QUARTERLY_HEADERS: dict[str, list[str]] = {
    "inspection_problems": PROBLEM_HEADERS,
    "rectification_report": RECTIFICATION_HEADERS,
    "recheck_results": RECHECK_HEADERS,
}
"""The quarterly contracts' headers, by contract name."""
PROBLEM_INSTRUCTIONS = (
    "填表说明：每个问题填写一行；问题编号在整个创建工作中唯一，一经挂号不再改动；"
    "整改时限不得早于督查日期；日期可写作2026年9月30日或2026-09-30。"
)
RECTIFICATION_INSTRUCTIONS = (
    "填表说明：本单位每个未销号问题填写一行，问题编号照整改通知书填写；整改状态只能填写未启动、整改中或已完成，"
    "已完成的须填写完成日期；请于季度结束后次月10日17:00前报送。"
)
RECHECK_INSTRUCTIONS = "填表说明：只复查单位报告“已完成”的问题；复查结论填写通过或不通过，不通过的重新挂号督办。"
