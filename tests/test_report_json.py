"""A report crosses from the compute task to the render task as JSON, through one serializer for every
cycle: each cycle's real report (built by its rules from their tests' data, and numbered as a run numbers
it) comes back equal, and the serializer keeps whatever a report may hold."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Literal

import pytest

from docgen import cycles
from docgen.cycle import Report
from docgen.cycles.monthly.rules import build_monthly_report
from docgen.cycles.quarterly.report import QuarterlyReport
from docgen.serialize import from_jsonable, jsonable

from . import test_annual_rules, test_monthly_rules, test_quarterly_rules

ISSUED = date(2027, 1, 20)


def built(cycle: str) -> Report:
    """The cycle's report from the data its rules' tests check by hand."""
    if cycle == "monthly":
        m = test_monthly_rules
        return build_monthly_report(m.CAMPAIGN, m.REGISTRY, m.OCT, m.OCT_SUBMISSIONS)
    if cycle == "quarterly":
        return test_quarterly_rules.build("2026-Q4", test_quarterly_rules.Q4_SUBMISSIONS)
    return test_annual_rules.build()


def numbered(cycle: str, report: Report) -> Report:
    """The report as a run numbers it: 创建办〔2027〕1号, 2号 … in the order of its number keys."""
    declared = cycles.get(cycle)
    report = declared.dated(report, ISSUED)
    numbers = {key: f"创建办〔2027〕{n}号" for n, key in enumerate(declared.number_keys(report), start=1)}
    return declared.with_numbers(report, numbers, ISSUED)


def through_json(cycle: str, report: Report) -> tuple[str, Report]:
    """The staging file's text, and the report the render task reads back from it."""
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    return text, cycles.get(cycle).report_from_dict(json.loads(text))


@pytest.mark.parametrize("cycle", ["monthly", "quarterly", "annual"])
def test_each_cycles_report_comes_back_equal_before_and_after_numbering(cycle: str) -> None:
    report = built(cycle)
    assert report.units and report.numbers == {} and report.doc_number is None
    for shown in (report, numbered(cycle, report)):
        text, again = through_json(cycle, shown)
        assert again == shown
        assert type(again) is type(shown)
        assert again.summary() == shown.summary()  # summary.json reads the same
        assert again.deadline.utcoffset() == shown.deadline.utcoffset() == timedelta(hours=8)
        assert json.dumps(again.to_dict(), ensure_ascii=False) == text


@pytest.mark.parametrize("cycle", ["monthly", "quarterly", "annual"])
def test_the_header_carries_the_numbers_and_the_issue_date(cycle: str) -> None:
    _, again = through_json(cycle, numbered(cycle, built(cycle)))
    assert again.doc_number == "创建办〔2027〕1号"
    assert again.issue_date == ISSUED
    assert again.summary()["doc_number"] == "创建办〔2027〕1号"


def test_the_quarters_rectification_numbers_come_back_from_the_header() -> None:
    _, again = through_json("quarterly", numbered("quarterly", built("quarterly")))
    assert isinstance(again, QuarterlyReport)
    # the units with items open at the 4th quarter's cut-off, in the report's unit order: P2, P4, P5, P6
    assert again.rectification_numbers == {
        "A01": "创建办〔2027〕2号", "C01": "创建办〔2027〕3号", "D01": "创建办〔2027〕4号", "E01": "创建办〔2027〕5号",
    }


# ---------------------------------------------------------------- the serializer on its own


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Leaf:
    at: datetime
    day: date | None = None
    amount: Decimal = Decimal("0")
    colour: Colour = Colour.RED


@dataclass
class Tree:
    name: str
    leaves: list[Leaf]
    pairs: list[tuple[str, float]] = field(default_factory=list)
    codes: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    by_day: dict[date, int] = field(default_factory=dict)
    by_number: dict[int, str] = field(default_factory=dict)
    kids: list[Tree] = field(default_factory=list)
    when: time | None = None
    state: Literal["open", "closed"] = "open"
    either: int | str = 0


CST = timezone(timedelta(hours=8))


def test_a_leaf_as_json_by_hand() -> None:
    leaf = Leaf(datetime(2026, 1, 2, 3, 4, tzinfo=CST), None, Decimal("0.10"), Colour.BLUE)
    assert jsonable(leaf) == {"at": "2026-01-02T03:04:00+08:00", "day": None, "amount": "0.10", "colour": "blue"}
    assert from_jsonable(Leaf, jsonable(leaf)) == leaf


def test_nested_dataclasses_and_containers_come_back_equal() -> None:
    tree = Tree(
        name="甲",
        leaves=[Leaf(datetime(2026, 1, 2, 3, 4, tzinfo=CST), date(2026, 1, 1), Decimal("12.345"))],
        pairs=[("优秀", 90.0), ("合格", 60)],
        codes=("A01", "B01"),
        tags=frozenset({"x", "y"}),
        by_day={date(2026, 3, 1): 2},
        by_number={7: "七"},
        kids=[Tree("乙", [], state="closed", either="文字"), Tree("丙", [], when=time(17, 30), either=3)],
    )
    again = from_jsonable(Tree, json.loads(json.dumps(jsonable(tree), ensure_ascii=False)))
    assert again == tree
    assert again.codes == ("A01", "B01") and again.tags == frozenset({"x", "y"})  # not lists
    assert again.pairs[1] == ("合格", 60) and isinstance(again.pairs[1][1], int)  # as it was given
    assert again.leaves[0].amount == Decimal("12.345") and again.kids[1].either == 3


def test_a_missing_field_takes_its_default_and_an_unknown_key_is_ignored() -> None:
    leaf = from_jsonable(Leaf, {"at": "2026-01-02T03:04:00+08:00", "retired": True})
    assert leaf == Leaf(datetime(2026, 1, 2, 3, 4, tzinfo=CST))
    with pytest.raises(TypeError):
        from_jsonable(Leaf, {"day": "2026-01-01"})  # a field without a default is required
