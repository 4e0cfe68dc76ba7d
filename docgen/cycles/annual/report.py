"""The annual report model: who submitted, each unit's scores against the indicator system, grades and
ranking, the gap between self-assessment and assessment, and the summaries the compiled volume gathers.

Plain dataclasses: the report crosses from the compute task to the render task as a JSON file (the one
serializer of ``docgen.cycle.Report``), and rendering never needs to know how the scores were reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...cycle import Report

NOTICE_KEY = "report"  # the number key of the acceptance report


@dataclass
class IndicatorInfo:
    """An indicator of the 测评体系 as the report shows it."""

    indicator_id: str
    level1: str
    level2: str
    points: float


@dataclass
class UnitScore:
    """One expected unit's result.

    ``scores``: indicator id → the mean of the assessors' scores (None: no assessor scored it);
    ``self_scores``: indicator id → the unit's own 自评得分 (None: not self-assessed). ``total`` sums the
    scored indicators; ``rank`` is shared by equal totals (1, 1, 3).
    """

    code: str
    name: str
    total: float
    grade: str
    rank: int
    scores: dict[str, float | None] = field(default_factory=dict)
    self_scores: dict[str, float | None] = field(default_factory=dict)
    self_total: float | None = None  # None when the unit sent no accepted self-assessment
    unscored: list[str] = field(default_factory=list)
    assessors: int = 0  # how many assessor files scored this unit

    @property
    def gap(self) -> float | None:
        """Self-assessment minus assessment (positive: the unit rated itself higher)."""
        return None if self.self_total is None else round(self.self_total - self.total, 2)


@dataclass
class IndicatorLoss:
    """Points lost on one indicator across the scored units: where the campaign is weakest."""

    indicator_id: str
    level1: str
    level2: str
    points: float
    average: float  # mean score over the units that were scored on it
    lost: float  # points − average
    scored_units: int


@dataclass
class SummaryEntry:
    """A unit's accepted annual summary (the latest), for the compiled volume."""

    unit: str
    unit_name: str
    file: str
    archive_path: str  # relative to the workspace root
    missing_headings: list[str] = field(default_factory=list)


@dataclass
class LeftOut:
    """An expected unit whose summary is not in the compiled volume, and why: ``returned`` False when it
    sent none (未报送), True when its latest one was returned (退回) for ``problems`` (its receipt's words)."""

    unit: str
    unit_name: str
    returned: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class AnnualReport(Report):
    """Everything the year's documents say, computed from the registry and the accepted files (``units``:
    every unit of the registry, with its submission status; the report's issuing number has key
    ``NOTICE_KEY``)."""

    campaign: str
    secretariat: str
    year: int
    indicators: list[IndicatorInfo]
    scores: list[UnitScore]  # in ranking order
    losses: list[IndicatorLoss]  # indicators by points lost, most first
    summaries: list[SummaryEntry]  # in registry order
    grade_thresholds: list[tuple[str, float]]  # (grade, minimum total), highest first; below all: the last grade
    lowest_grade: str = "不合格"
    requirements: list[str] = field(default_factory=list)
    recipients: str = "各成员单位"
    cc: tuple[str, ...] = ()  # 抄送 of the 版记 (campaign.yaml's cc)
    printed_by: str = ""  # 印发机关 of the 版记 (campaign.yaml's printed_by, else the secretariat)
    timezone: str = "Asia/Shanghai"
    left_out: list[LeftOut] = field(default_factory=list)  # expected units without a summary in the volume

    @property
    def submitted_units(self) -> list[str]:
        return [u.code for u in self.units if u.state in ("on_time", "late")]

    @property
    def missing_units(self) -> list[str]:
        return [u.code for u in self.units if u.state not in ("on_time", "late")]

    def summary(self) -> dict[str, Any]:
        """``summary.json``."""
        return {
            "period": self.period,
            "doc_number": self.doc_number or "",
            "expected_units": [u.code for u in self.units],
            "submitted_units": self.submitted_units,
            "missing_units": self.missing_units,
            "scores": {s.code: s.total for s in self.scores},
            "grades": {s.code: s.grade for s in self.scores},
            "ranking": [s.code for s in self.scores],
            "unscored": {s.code: list(s.unscored) for s in self.scores if s.unscored},
        }
