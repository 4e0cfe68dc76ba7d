"""The annual rules over one year: who submitted, assessors' means, totals, grades, ranks, losses, summaries.

Expected values are written out by hand from the files below, never computed by the module under test.

测评体系: I1 组织领导 20 分, I2 宣传教育 50 分, I3 创建成效 25 分, I4 特色亮点 5 分 (no assessor scores I4).
Registry order is B01, A01, C01, D01, E01 (not the codes' order). Deadline: 2026-01-15 17:00.

    unit  its own folder                                    张伟 (final sheet)   李娜             means            total
    B01   summary late (01-20)                              —                   20 / 45 / 25     20 / 45 / 25     90.00
    A01   self 01-08 (100), self 01-12 (97), summary ×2     20 / 46 / 24        19 / 47 / 24     19.5/46.5/24     90.00
    C01   self 01-14 (82.5)                                 18 / 40 / 22        17 / 41 / —      17.5/40.5/22     80.00
    D01   a rejected self-assessment                        15 / 30 / 15        16 / 29 / 15     15.5/29.5/15     60.00
    E01   nothing                                           —                   —                —                 0.00

An earlier 评分表-张伟.xlsx (scoring A01 and E01 differently) is replaced by the later file of that name;
评分表-王强.xlsx was rejected and counts for nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from docgen.config import Campaign
from docgen.cycle import Inputs, Submission
from docgen.cycles.annual.report import AnnualReport, IndicatorInfo, SummaryEntry, UnitScore
from docgen.cycles.annual.rules import (
    DEFAULT_REQUIREMENTS,
    assessor_counts,
    assessor_sheets,
    build_annual_report,
    grade_of,
    grade_thresholds,
    losses,
    mean_scores,
    rank,
    requirements,
    self_scores,
    total_of,
)
from docgen.errors import WorkspaceError
from docgen.models import Indicator, Registry, Unit

from .builders import CST
from .conftest import parse_period

BASE = {"name": "测试", "secretariat": "创建办", "doc_number_prefix": "创建办〔{year}〕"}
CAMPAIGN = Campaign.from_dict(BASE)
REGISTRY = Registry(
    units={
        "B01": Unit("B01", "市民族宗教事务局", "部门"),
        "A01": Unit("A01", "青禾镇人民政府", "乡镇街道"),
        "C01": Unit("C01", "青禾市第一中学", "学校"),
        "D01": Unit("D01", "青禾乳业有限公司", "企业"),
        "E01": Unit("E01", "青禾社区居委会", "社区"),
    },
    tasks={},
    indicators={
        "I1": Indicator("I1", "组织领导", "领导机制", "成立领导小组", 20),
        "I2": Indicator("I2", "宣传教育", "宣传阵地", "建设宣传阵地", 50),
        "I3": Indicator("I3", "创建成效", "群众满意度", "群众满意度测评", 25),
        "I4": Indicator("I4", "特色亮点", "特色品牌", "打造特色品牌", 5),
    },
)
PERIOD = parse_period("annual", "2025")
DEADLINE = datetime(2026, 1, 15, 17, 0, tzinfo=CST)


@dataclass(frozen=True)
class Archived(Submission):
    """A submission as the lead's ``archive_path`` will carry it (the rules read it with getattr)."""

    archive_path: str = ""


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=CST)


def assess(**units: tuple[float | None, ...]) -> list[dict[str, Any]]:
    """An assessor's rows: unit → scores on I1, I2, I3 (None: not scored, no row)."""
    return [
        {"unit_code": unit, "indicator_id": f"I{n}", "score": score, "deduction_note": ""}
        for unit, scores in units.items() for n, score in enumerate(scores, 1) if score is not None
    ]


def self_rows(*scores: float) -> list[dict[str, Any]]:
    return [
        {"indicator_id": f"I{n}", "self_score": score, "self_note": "", "evidence": "佐证材料"}
        for n, score in enumerate(scores, 1)
    ]


def summary_rows(*missing: str) -> list[dict[str, Any]]:
    return [{"paragraphs": 40, "tables": 1, "pictures": 2, "missing_headings": list(missing)}]


SUBMISSIONS: list[Submission] = [
    Submission("B01", "B01年度工作总结.docx", at(1, 20), True, summary_rows("四、存在问题", "五、下步打算"),
               kind="annual_summary", id=1),
    Submission("A01", "A01自评表.xlsx", at(1, 8), True, self_rows(20, 50, 25, 5), kind="self_assessment", id=2),
    Archived("A01", "A01年度工作总结.docx", at(1, 9), True, summary_rows("五、下步打算"), kind="annual_summary",
             id=3, archive_path="archive/annual/2025/A01/A01年度工作总结.docx"),
    Submission("A01", "A01自评表（修改）.xlsx", at(1, 12), True, self_rows(20, 48, 24, 5), kind="self_assessment",
               id=4),
    Archived("A01", "A01年度工作总结（修改稿）.docx", at(1, 13), True, summary_rows(), kind="annual_summary", id=5,
             archive_path="archive/annual/2025/A01/A01年度工作总结（修改稿）.docx"),
    Submission("C01", "C01自评表.xlsx", at(1, 14), True, self_rows(18, 42.5, 22), kind="self_assessment", id=6),
    Submission("D01", "D01自评表.xlsx", at(1, 10), False, self_rows(20, 50, 25, 5), kind="self_assessment", id=7),
    Submission("_assessors", "评分表-张伟.xlsx", at(1, 16), True, assess(A01=(5, 5, 5), E01=(10, 10, 10)),
               kind="assessor_scores", id=8),
    Submission("_assessors", "评分表-李娜.xlsx", at(1, 17), True,
               assess(B01=(20, 45, 25), A01=(19, 47, 24), C01=(17, 41, None), D01=(16, 29, 15)),
               kind="assessor_scores", id=9),
    Submission("_assessors", "评分表-王强.xlsx", at(1, 17, 11), False, assess(E01=(20, 50, 25)),
               kind="assessor_scores", id=10),
    Submission("_assessors", "评分表-张伟.xlsx", at(1, 18), True,
               assess(A01=(20, 46, 24), C01=(18, 40, 22), D01=(15, 30, 15)), kind="assessor_scores", id=11),
]


def build(settings: dict[str, Any] | None = None, submissions: list[Submission] = SUBMISSIONS) -> AnnualReport:
    campaign = Campaign.from_dict({**BASE, **(settings or {})})
    return build_annual_report(Inputs(campaign, REGISTRY, PERIOD, submissions))


@pytest.fixture(scope="module")
def report() -> AnnualReport:
    return build()


def by_code(report: AnnualReport) -> dict[str, UnitScore]:
    return {s.code: s for s in report.scores}


# ---------------------------------------------------------------- the report as a whole


def test_summary(report: AnnualReport) -> None:
    s = report.summary()
    assert s["expected_units"] == ["B01", "A01", "C01", "D01", "E01"]
    assert s["submitted_units"] == ["B01", "A01", "C01"]
    assert s["missing_units"] == ["D01", "E01"]
    assert s["scores"] == {"B01": 90.0, "A01": 90.0, "C01": 80.0, "D01": 60.0, "E01": 0.0}
    assert s["grades"] == {"B01": "优秀", "A01": "优秀", "C01": "良好", "D01": "合格", "E01": "不合格"}
    assert s["ranking"] == ["B01", "A01", "C01", "D01", "E01"]
    assert s["unscored"] == {
        "B01": ["I4"], "A01": ["I4"], "C01": ["I4"], "D01": ["I4"], "E01": ["I1", "I2", "I3", "I4"],
    }


def test_header_fields(report: AnnualReport) -> None:
    assert (report.campaign, report.secretariat) == ("测试", "创建办")
    assert (report.period, report.period_label, report.year) == ("2025", "2025年度", 2025)
    assert report.deadline == DEADLINE
    assert report.indicators == [
        IndicatorInfo("I1", "组织领导", "领导机制", 20.0),
        IndicatorInfo("I2", "宣传教育", "宣传阵地", 50.0),
        IndicatorInfo("I3", "创建成效", "群众满意度", 25.0),
        IndicatorInfo("I4", "特色亮点", "特色品牌", 5.0),
    ]
    assert report.grade_thresholds == [("优秀", 90.0), ("良好", 80.0), ("合格", 60.0)]
    assert report.lowest_grade == "不合格"
    assert report.requirements == list(DEFAULT_REQUIREMENTS)
    assert 2 <= len(DEFAULT_REQUIREMENTS) <= 3
    assert (report.recipients, report.timezone, report.numbers, report.doc_number, report.issue_date) == (
        "各成员单位", "Asia/Shanghai", {}, None, None)


def test_unit_statuses(report: AnnualReport) -> None:
    got = [(u.code, u.name, u.state, u.received_at, u.file) for u in report.units]
    assert got == [
        ("B01", "市民族宗教事务局", "late", at(1, 20), "B01年度工作总结.docx"),  # a summary alone is a submission
        ("A01", "青禾镇人民政府", "on_time", at(1, 8), "A01年度工作总结（修改稿）.docx"),  # first accepted / latest
        ("C01", "青禾市第一中学", "on_time", at(1, 14), "C01自评表.xlsx"),
        ("D01", "青禾乳业有限公司", "rejected", at(1, 10), "D01自评表.xlsx"),
        ("E01", "青禾社区居委会", "missing", None, None),
    ]


def test_scores_are_the_assessors_means(report: AnnualReport) -> None:
    s = by_code(report)
    assert s["A01"].scores == {"I1": 19.5, "I2": 46.5, "I3": 24.0, "I4": None}
    assert s["B01"].scores == {"I1": 20.0, "I2": 45.0, "I3": 25.0, "I4": None}
    assert s["C01"].scores == {"I1": 17.5, "I2": 40.5, "I3": 22.0, "I4": None}  # I3: 张伟 alone
    assert s["D01"].scores == {"I1": 15.5, "I2": 29.5, "I3": 15.0, "I4": None}
    assert s["E01"].scores == {"I1": None, "I2": None, "I3": None, "I4": None}  # only replaced/rejected sheets
    assert {c: u.assessors for c, u in s.items()} == {"B01": 1, "A01": 2, "C01": 2, "D01": 2, "E01": 0}


def test_ranks_share_ties_and_keep_registry_order(report: AnnualReport) -> None:
    assert [(s.code, s.rank, s.total) for s in report.scores] == [
        ("B01", 1, 90.0), ("A01", 1, 90.0), ("C01", 3, 80.0), ("D01", 4, 60.0), ("E01", 5, 0.0),
    ]


def test_self_scores_and_gaps(report: AnnualReport) -> None:
    s = by_code(report)
    assert s["A01"].self_scores == {"I1": 20.0, "I2": 48.0, "I3": 24.0, "I4": 5.0}  # the later 自评表
    assert (s["A01"].self_total, s["A01"].gap) == (97.0, 7.0)
    assert s["C01"].self_scores == {"I1": 18.0, "I2": 42.5, "I3": 22.0, "I4": None}
    assert (s["C01"].self_total, s["C01"].gap) == (82.5, 2.5)
    for code in ("B01", "D01", "E01"):  # only a summary; a rejected 自评表; nothing
        assert s[code].self_scores == {"I1": None, "I2": None, "I3": None, "I4": None}
        assert (s[code].self_total, s[code].gap) == (None, None)


def test_losses_most_lost_first(report: AnnualReport) -> None:
    got = [(x.indicator_id, x.level1, x.level2, x.points, x.average, x.lost, x.scored_units) for x in report.losses]
    assert got == [
        ("I2", "宣传教育", "宣传阵地", 50.0, 40.38, 9.62, 4),  # (46.5 + 45 + 40.5 + 29.5) / 4 = 40.375
        ("I3", "创建成效", "群众满意度", 25.0, 21.5, 3.5, 4),  # (24 + 25 + 22 + 15) / 4
        ("I1", "组织领导", "领导机制", 20.0, 18.13, 1.87, 4),  # (19.5 + 20 + 17.5 + 15.5) / 4 = 18.125
    ]  # I4: scored on no unit, so not listed


def test_summaries_latest_accepted_in_registry_order(report: AnnualReport) -> None:
    assert report.summaries == [
        SummaryEntry("B01", "市民族宗教事务局", "B01年度工作总结.docx", "", ["四、存在问题", "五、下步打算"]),
        SummaryEntry("A01", "青禾镇人民政府", "A01年度工作总结（修改稿）.docx",
                     "archive/annual/2025/A01/A01年度工作总结（修改稿）.docx", []),
    ]


def test_round_trip(report: AnnualReport) -> None:
    assert AnnualReport.from_dict(report.to_dict()) == report
    assert AnnualReport.from_dict(json.loads(json.dumps(report.to_dict(), ensure_ascii=False))) == report


def test_custom_grades_lowest_grade_and_requirements() -> None:
    r = build({"annual": {
        "grades": {"合格": 50, "优秀": 85, "良好": 70},  # any order: stored highest first
        "lowest_grade": "较差",
        "requirements": "各单位要对照扣分说明认真整改。",
    }})
    assert r.grade_thresholds == [("优秀", 85.0), ("良好", 70.0), ("合格", 50.0)]
    assert r.lowest_grade == "较差"
    assert r.summary()["grades"] == {"B01": "优秀", "A01": "优秀", "C01": "良好", "D01": "合格", "E01": "较差"}
    assert r.requirements == ["各单位要对照扣分说明认真整改。"]
    assert AnnualReport.from_dict(r.to_dict()) == r


def test_no_files_at_all() -> None:
    r = build(submissions=[])
    assert r.summary()["missing_units"] == ["B01", "A01", "C01", "D01", "E01"]
    assert [(s.code, s.rank, s.total, s.grade) for s in r.scores] == [
        ("B01", 1, 0.0, "不合格"), ("A01", 1, 0.0, "不合格"), ("C01", 1, 0.0, "不合格"),
        ("D01", 1, 0.0, "不合格"), ("E01", 1, 0.0, "不合格"),
    ]
    assert (r.losses, r.summaries) == ([], [])


# ---------------------------------------------------------------- the small rules alone


@pytest.mark.parametrize(("total", "grade"), [
    (100.0, "优秀"), (90.0, "优秀"), (89.99, "良好"), (80.0, "良好"), (79.99, "合格"),
    (60.0, "合格"), (59.99, "不合格"), (0.0, "不合格"),
])
def test_grade_boundaries(total: float, grade: str) -> None:
    assert grade_of(total, [("优秀", 90.0), ("良好", 80.0), ("合格", 60.0)]) == grade


def test_grade_of_unsorted_thresholds_and_own_lowest() -> None:
    thresholds = [("合格", 60.0), ("优秀", 90.0)]
    assert grade_of(95.0, thresholds, "差") == "优秀"
    assert grade_of(70.0, thresholds, "差") == "合格"
    assert grade_of(10.0, thresholds, "差") == "差"
    assert grade_of(10.0, [], "差") == "差"


def test_rank() -> None:
    assert rank([90.0, 90.0, 80.0]) == [1, 1, 3]
    assert rank([80.0, 90.0, 90.0, 70.0]) == [3, 1, 1, 4]
    assert rank([0.0, 0.0]) == [1, 1]
    assert rank([]) == []


def test_mean_scores_and_assessor_counts() -> None:
    first = [
        {"unit_code": "A01", "indicator_id": "I1", "score": 7},
        {"unit_code": "A01", "indicator_id": "I2", "score": 6},
        {"unit_code": "A01", "indicator_id": "I2", "score": 7.25},  # a repeated pair: the later row counts
        {"unit_code": "B01", "indicator_id": "I1", "score": None},  # no score: no row
    ]
    second = [
        {"unit_code": "A01", "indicator_id": "I1", "score": 8},
        {"unit_code": "A01", "indicator_id": "I2", "score": 7.0},
        {"unit_code": "C01", "indicator_id": "I3", "score": 3},
    ]
    assert mean_scores([first, second]) == {"A01": {"I1": 7.5, "I2": 7.13}, "C01": {"I3": 3.0}}  # 7.125 half up
    assert assessor_counts([first, second]) == {"A01": 2, "C01": 1}
    assert mean_scores([]) == {}


def test_assessor_sheets_one_per_file_name() -> None:
    counted = assessor_sheets(SUBMISSIONS)
    assert [(s.file, s.id) for s in counted] == [("评分表-李娜.xlsx", 9), ("评分表-张伟.xlsx", 11)]


def test_assessor_sheet_rejected_resubmission_does_not_replace() -> None:
    accepted = Submission("_assessors", "评分表-张伟.xlsx", at(1, 16), True, assess(A01=(10, 40, 20)),
                          kind="assessor_scores", id=1)
    refused = Submission("_assessors", "评分表-张伟.xlsx", at(1, 18), False, [], kind="assessor_scores", id=2)
    assert assessor_sheets([accepted, refused]) == [accepted]
    r = build(submissions=[accepted, refused])
    assert by_code(r)["A01"].scores == {"I1": 10.0, "I2": 40.0, "I3": 20.0, "I4": None}
    assert by_code(r)["A01"].total == 70.0


def test_self_scores_and_total_of() -> None:
    assert self_scores(self_rows(18, 42.5, 22)) == {"I1": 18.0, "I2": 42.5, "I3": 22.0}
    assert total_of({"I1": 17.5, "I2": 40.5, "I3": 22.0, "I4": None}) == 80.0
    assert total_of({"I1": 0.1, "I2": 0.2}) == 0.3  # decimals, not 0.30000000000000004
    assert total_of({}) == 0.0


def test_losses_ties_keep_indicator_order() -> None:
    indicators = [IndicatorInfo("I1", "一", "甲", 10.0), IndicatorInfo("I2", "二", "乙", 10.0),
                  IndicatorInfo("I3", "三", "丙", 10.0)]
    scores = [
        UnitScore("A01", "甲单位", 0, "", 1, scores={"I1": 8.0, "I2": 6.0, "I3": 8.0}),
        UnitScore("B01", "乙单位", 0, "", 1, scores={"I1": 8.0, "I2": None, "I3": None}),
    ]
    assert [(x.indicator_id, x.average, x.lost, x.scored_units) for x in losses(indicators, scores)] == [
        ("I2", 6.0, 4.0, 1), ("I1", 8.0, 2.0, 2), ("I3", 8.0, 2.0, 1),
    ]


def test_settings_helpers() -> None:
    assert grade_thresholds(CAMPAIGN) == [("优秀", 90.0), ("良好", 80.0), ("合格", 60.0)]
    assert requirements(CAMPAIGN) == list(DEFAULT_REQUIREMENTS)
    custom = Campaign.from_dict({**BASE, "annual": {"requirements": ["甲。", "乙。"]}})
    assert requirements(custom) == ["甲。", "乙。"]
    with pytest.raises(WorkspaceError, match="annual.grades"):
        grade_thresholds(Campaign.from_dict({**BASE, "annual": {"grades": {"优秀": "九十"}}}))
    with pytest.raises(WorkspaceError, match="annual.grades"):
        grade_thresholds(Campaign.from_dict({**BASE, "annual": {"grades": [90, 80]}}))
