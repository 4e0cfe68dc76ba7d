"""The 专项督查 report model: the items one inspection filed, as they stand at its deadline, and who reported.

It is the quarterly report's shape (the items live in the same ledger, ``cycles.quarterly.report``) with
what an ad-hoc inspection adds: its name, scope, dates and manner. Every item of the report was filed by
this inspection, so ``filed_in_quarter`` is true of each and ``closed_in_quarter`` means closed by the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..quarterly.report import NOTICE_KEY, RECTIFICATION_KEY, QuarterlyReport

__all__ = ["NOTICE_KEY", "RECTIFICATION_KEY", "SpecialReport"]


@dataclass(kw_only=True)
class SpecialReport(QuarterlyReport):
    """Everything the inspection's documents say."""

    name: str = ""  # the inspection's name: 背街小巷环境卫生专项督查
    scope: list[str] = field(default_factory=list)  # unit codes it covered, in the order declared
    scope_names: list[str] = field(default_factory=list)  # their names (the registry's), same order
    start: date | None = None
    method: str = ""  # 督查方式 as declared (明查暗访 …), or ""

    def summary(self) -> dict[str, Any]:
        """``summary.json``: the inspection's problem ids and unit codes."""
        base = super().summary()
        return {
            "period": self.period,
            "name": self.name,
            "scope_units": list(self.scope),
            "deadline": self.deadline.isoformat(),
            **{k: v for k, v in base.items() if k != "period"},
            "not_closed": [i.problem_id for i in self.open_items],
        }
