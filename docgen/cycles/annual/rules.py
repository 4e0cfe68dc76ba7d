"""The annual cycle's rules: pure functions from the registry and the year's files to an AnnualReport.

No files, no database, no clock: everything a rule needs is an argument, so the rules are read and
tested on their own.

Who submitted is told by the units' own folders (自评表 and 年度工作总结): a unit has submitted when at
least one of its files was accepted. The scores come from the assessors' files (验收评分表), all dropped
in ``_assessors``: each accepted file is one assessor, named by its file name (a later accepted file of
the same name replaces the earlier one). A unit's score on an indicator is the mean of the assessors who
scored it; the total sums those means; grades and ranking follow from the totals.

Scores are added and averaged as decimals and rounded half up to two places, so a sheet shows the same
numbers whatever the float representation of the inputs, and a total is the sum of the means it shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ...config import Campaign
from ...cycle import Inputs, Submission, latest_accepted, unit_statuses
from ...errors import WorkspaceError
from ...models import Registry
from .report import AnnualReport, IndicatorInfo, IndicatorLoss, LeftOut, SummaryEntry, UnitScore

SELF_ASSESSMENT = "self_assessment"
ANNUAL_SUMMARY = "annual_summary"
ASSESSOR_SCORES = "assessor_scores"
UNIT_KINDS = (SELF_ASSESSMENT, ANNUAL_SUMMARY)  # the kinds a unit drops in its own folder

DEFAULT_GRADES: dict[str, float] = {"优秀": 90.0, "良好": 80.0, "合格": 60.0}
DEFAULT_LOWEST_GRADE = "不合格"

DEFAULT_REQUIREMENTS = (
    "各成员单位要对照验收评分结果和扣分说明，认真查找差距和不足，逐项制定整改措施，明确责任人和完成时限。",
    "失分较多的指标要作为下一年度创建工作的重点，牵头单位要会同配合单位研究改进办法，切实补齐短板。",
    "未按时报送自评表和年度工作总结的单位要说明情况，及时补报；各单位要健全资料台账，确保佐证材料真实完整。",
)

_CENT = Decimal("0.01")


# ---------------------------------------------------------------- settings (campaign.yaml, annual:)


def _annual_settings(campaign: Campaign) -> Mapping[str, Any]:
    return campaign.section("annual")


def requirements(campaign: Campaign) -> list[str]:
    """下步要求 of the acceptance report: ``annual.requirements`` of campaign.yaml, else the defaults."""
    configured = _annual_settings(campaign).get("requirements")
    if isinstance(configured, str):
        configured = [configured]
    return [str(r) for r in configured] if configured else list(DEFAULT_REQUIREMENTS)


def grade_thresholds(campaign: Campaign) -> list[tuple[str, float]]:
    """``annual.grades`` (grade → minimum total) as (grade, minimum) pairs, highest minimum first.

    Absent or empty: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60. Equal minimums keep the order they were written in.
    """
    configured = _annual_settings(campaign).get("grades")
    if not configured:
        configured = DEFAULT_GRADES
    if not isinstance(configured, Mapping):
        raise WorkspaceError("campaign.yaml 的 annual.grades 应写作“等次: 最低分”，如 {优秀: 90, 良好: 80, 合格: 60}")
    pairs = []
    for grade, minimum in configured.items():
        try:
            pairs.append((str(grade), float(minimum)))
        except (TypeError, ValueError):
            raise WorkspaceError(f"campaign.yaml 的 annual.grades 中“{grade}”的最低分“{minimum}”不是数字") from None
    return sorted(pairs, key=lambda p: -p[1])


def lowest_grade(campaign: Campaign) -> str:
    """The grade below every threshold: ``annual.lowest_grade``, else 不合格."""
    return str(_annual_settings(campaign).get("lowest_grade") or DEFAULT_LOWEST_GRADE)


# ---------------------------------------------------------------- small rules


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _cents(value: Decimal) -> float:
    """Rounded half up to two decimals, as a float for the report."""
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def grade_of(total: float, thresholds: Sequence[tuple[str, float]], lowest: str = DEFAULT_LOWEST_GRADE) -> str:
    """The first grade (highest minimum first) whose minimum ``total`` reaches; else ``lowest``."""
    for grade, minimum in sorted(thresholds, key=lambda p: -p[1]):
        if total >= minimum:
            return grade
    return lowest


def rank(totals: Sequence[float]) -> list[int]:
    """Each total's rank, highest first, equal totals sharing one (1, 1, 3), in the order given."""
    return [1 + sum(other > t for other in totals) for t in totals]


def assessor_sheets(submissions: Sequence[Submission]) -> list[Submission]:
    """The assessor files that count: one per file name (its latest accepted file), by when received."""
    by_name: dict[str, list[Submission]] = {}
    for s in submissions:
        if s.kind == ASSESSOR_SCORES:
            by_name.setdefault(s.file, []).append(s)
    counted = [latest for subs in by_name.values() if (latest := latest_accepted(subs)) is not None]
    return sorted(counted, key=lambda s: s.received_at)


def _sheet_scores(rows: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], Decimal]:
    """One assessor's scores by (unit, indicator); a row without a score is left out, a repeated pair:
    the later row counts."""
    scores: dict[tuple[str, str], Decimal] = {}
    for r in rows:
        if r.get("score") is not None:
            scores[(str(r.get("unit_code")), str(r.get("indicator_id")))] = _dec(r["score"])
    return scores


def mean_scores(sheets: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, dict[str, float]]:
    """unit → indicator → the mean of the assessors' scores (2 decimals, half up); ``sheets`` holds each
    assessor's rows (``unit_code``, ``indicator_id``, ``score``). Pairs no assessor scored are absent."""
    collected: dict[str, dict[str, list[Decimal]]] = {}
    for rows in sheets:
        for (unit, indicator), score in _sheet_scores(rows).items():
            collected.setdefault(unit, {}).setdefault(indicator, []).append(score)
    return {
        unit: {ind: _cents(sum(values, Decimal(0)) / len(values)) for ind, values in by_indicator.items()}
        for unit, by_indicator in collected.items()
    }


def assessor_counts(sheets: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, int]:
    """unit → how many assessors' sheets score it on at least one indicator."""
    counts: dict[str, int] = {}
    for rows in sheets:
        for unit in {u for u, _ in _sheet_scores(rows)}:
            counts[unit] = counts.get(unit, 0) + 1
    return counts


def self_scores(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """indicator → 自评得分 of one self-assessment (a repeated indicator: the later row counts)."""
    return {
        str(r.get("indicator_id")): float(r["self_score"]) for r in rows if r.get("self_score") is not None
    }


def total_of(scores: Mapping[str, float | None]) -> float:
    """The sum of the scored values (None left out), 2 decimals."""
    return _cents(sum((_dec(v) for v in scores.values() if v is not None), Decimal(0)))


def losses(indicators: Sequence[IndicatorInfo], scores: Sequence[UnitScore]) -> list[IndicatorLoss]:
    """Per indicator scored on at least one unit: the average over those units and the points lost
    (points − the average as shown, so the two add up), most lost first (equal losses in 测评体系 order).
    An indicator no unit was scored on is left out."""
    result = []
    for ind in indicators:
        values = [_dec(v) for s in scores if (v := s.scores.get(ind.indicator_id)) is not None]
        if not values:
            continue
        average = _cents(sum(values, Decimal(0)) / len(values))
        result.append(IndicatorLoss(
            indicator_id=ind.indicator_id, level1=ind.level1, level2=ind.level2, points=ind.points,
            average=average, lost=_cents(_dec(ind.points) - _dec(average)), scored_units=len(values),
        ))
    return sorted(result, key=lambda x: -x.lost)  # stable: equal losses stay in 测评体系 order


def summaries(registry: Registry, submissions: Sequence[Submission]) -> list[SummaryEntry]:
    """Each unit's latest accepted 年度工作总结, in registry order (units without one left out)."""
    entries = []
    for code, unit in registry.units.items():
        latest = latest_accepted([s for s in submissions if s.kind == ANNUAL_SUMMARY and s.unit == code])
        if latest is None:
            continue
        first = latest.rows[0] if latest.rows else {}
        entries.append(SummaryEntry(
            unit=code, unit_name=unit.name, file=latest.file, archive_path=getattr(latest, "archive_path", "") or "",
            missing_headings=[str(h) for h in (first.get("missing_headings") or [])],
        ))
    return entries


def left_out(registry: Registry, submissions: Sequence[Submission]) -> list[LeftOut]:
    """The units of the registry (in its order) with no accepted 年度工作总结: the volume has no chapter
    for them, and its 说明 and the acceptance report say why: none sent, or the latest one returned."""
    result = []
    for code, unit in registry.units.items():
        mine = [s for s in submissions if s.kind == ANNUAL_SUMMARY and s.unit == code]
        if latest_accepted(mine) is not None:
            continue
        last = max(mine, key=lambda s: s.received_at) if mine else None
        result.append(LeftOut(unit=code, unit_name=unit.name, returned=last is not None,
                              problems=list(last.problems) if last is not None else []))
    return result


# ---------------------------------------------------------------- the report


def build_annual_report(inputs: Inputs) -> AnnualReport:
    """Apply the annual rules to everything received for the year."""
    campaign, registry, period = inputs.campaign, inputs.registry, inputs.period
    deadline = period.deadline
    indicators = [
        IndicatorInfo(indicator_id=i.indicator_id, level1=i.level1, level2=i.level2, points=float(i.points))
        for i in registry.indicators.values()
    ]
    known = {i.indicator_id for i in indicators}

    unit_files = [s for s in inputs.submissions if s.kind in UNIT_KINDS]
    units = unit_statuses(registry, list(registry.units), unit_files, deadline)

    sheets = [
        [r for r in s.rows if str(r.get("indicator_id")) in known]
        for s in assessor_sheets(inputs.submissions)
    ]
    means, counts = mean_scores(sheets), assessor_counts(sheets)
    thresholds, lowest = grade_thresholds(campaign), lowest_grade(campaign)

    results: list[UnitScore] = []
    for code, unit in registry.units.items():
        mine = means.get(code, {})
        scores = {i.indicator_id: mine.get(i.indicator_id) for i in indicators}
        own = latest_accepted([s for s in unit_files if s.kind == SELF_ASSESSMENT and s.unit == code])
        claimed = {k: v for k, v in self_scores(own.rows).items() if k in known} if own else {}
        total = total_of(scores)
        results.append(UnitScore(
            code=code, name=unit.name, total=total, grade=grade_of(total, thresholds, lowest), rank=0,
            scores=scores,
            self_scores={i.indicator_id: claimed.get(i.indicator_id) for i in indicators},
            self_total=total_of(claimed) if own else None,
            unscored=[i.indicator_id for i in indicators if scores[i.indicator_id] is None],
            assessors=counts.get(code, 0),
        ))
    for result, r in zip(results, rank([s.total for s in results]), strict=True):
        result.rank = r
    results.sort(key=lambda s: s.rank)  # stable: equal totals keep registry order

    return AnnualReport(
        campaign=campaign.name,
        secretariat=campaign.secretariat,
        period=period.key,
        period_label=period.label,
        year=period.start.year,
        deadline=deadline,
        units=units,
        indicators=indicators,
        scores=results,
        losses=losses(indicators, results),
        summaries=summaries(registry, unit_files),
        left_out=left_out(registry, unit_files),
        grade_thresholds=thresholds,
        lowest_grade=lowest,
        requirements=requirements(campaign),
        recipients=campaign.recipients,
        cc=campaign.cc,
        printed_by=campaign.printer,
        timezone=campaign.timezone,
    )
