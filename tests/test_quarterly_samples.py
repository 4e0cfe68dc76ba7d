"""The demo's quarterly files (2026-Q2, 2026-Q3): as messy as real ones, each valid where it is meant to be,
dropped when drop_times.yaml says (always in the past), and adding up to what expected.yaml says at each
quarter's end.

The replay below applies the files through the ledger's own pure functions (``apply_submission``, ``fold``)
in drop order, so it checks the hand-worked ``quarterly:`` section of expected.yaml against the ledger rules,
not against the quarterly cycle's code.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import openpyxl
import pytest
import yaml

from docgen.contracts import Validation, ValidationContext, load_contract
from docgen.cycle import Submission, unit_statuses
from docgen.cycles.quarterly.calendar import DEFAULT_DEADLINE, QuarterCalendar
from docgen.cycles.quarterly.ledger import Event, SubmissionKind, apply_submission, fold, is_overdue
from docgen.models import Registry
from docgen.periods import DeadlineRule
from docgen.registry import load_registry
from docgen.resources import build_demo_workspace
from docgen.validation import validate_file

from .builders import CST
from .builders.quarterly import QUARTERLY_HEADERS
from .builders.workspaces import DEMO_DIR

ROLE_FOLDERS: dict[str, SubmissionKind] = {
    "_inspection": "inspection_problems",
    "_recheck": "recheck_results",
}
UNIT_KIND: SubmissionKind = "rectification_report"
TIE_ORDER = {"inspection_problems": 0, "rectification_report": 1, "recheck_results": 2}
PAST = datetime(2026, 11, 20, tzinfo=CST)  # the monthly and quarterly files' drops are all before this
DEMO_DAY = datetime(2026, 12, 6, tzinfo=CST)  # the demo is run from this day on (its last week ends on the 6th)
"""Every demo file is dropped before this (see test_every_drop_is_in_the_past)."""

# The rejected files and what refuses them: the contract (a cell no rule allows) or the ledger (a row that
# cannot change its item). Together they are expected.yaml's rejected_files.
CONTRACT_FAULTS = {"intake/quarterly/2026-Q2/XZ03/石门乡整改情况报送表.xlsx": ("整改状态", "基本完成")}
LEDGER_FAULTS = {
    "intake/quarterly/2026-Q3/ZJ01/东关清真寺第三季度整改情况.xlsx": ("问题编号", "DC2026Q2-007")
}


def _manifest() -> dict[str, datetime]:
    raw = yaml.safe_load((DEMO_DIR / "drop_times.yaml").read_text(encoding="utf-8"))
    return {rel: w if isinstance(w, datetime) else datetime.fromisoformat(w) for rel, w in raw.items()}


def _expected() -> dict[str, dict[str, Any]]:
    return yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["quarterly"]


@dataclass(frozen=True)
class Dropped:
    """One quarterly file of the demo: where it was dropped, what kind it is, when."""

    rel: str
    quarter: str
    folder: str  # _inspection, _recheck or a unit code
    at: datetime

    @property
    def kind(self) -> SubmissionKind:
        return ROLE_FOLDERS.get(self.folder, UNIT_KIND)

    @property
    def unit(self) -> str | None:
        return None if self.folder in ROLE_FOLDERS else self.folder


def _dropped() -> list[Dropped]:
    """The quarterly files in the order they are applied: drop time, then problem lists, reports, rechecks."""
    files = []
    for rel, at in _manifest().items():
        parts = PurePosixPath(rel).parts
        if parts[:2] == ("intake", "quarterly"):
            files.append(Dropped(rel, parts[2], parts[3], at))
    return sorted(files, key=lambda d: (d.at, TIE_ORDER[d.kind], d.rel))


@dataclass
class Demo:
    root: Path
    registry: Registry

    def validate(self, d: Dropped) -> Validation:
        context = ValidationContext(
            unit=d.unit, tasks=self.registry.tasks, unit_codes=self.registry.units.keys()
        )
        return validate_file(self.root / d.rel, load_contract(d.kind), context)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = build_demo_workspace(tmp_path_factory.mktemp("quarterly") / "demo")
    return Demo(root, load_registry(root / "registry"))


# ---------------------------------------------------------------- the files


def test_every_quarterly_file_has_its_drop_time(demo: Demo) -> None:
    dropped = _dropped()
    on_disk = sorted(
        p.relative_to(demo.root).as_posix()
        for p in (demo.root / "intake" / "quarterly").rglob("*")
        if p.is_file()
    )
    assert on_disk == sorted(d.rel for d in dropped)
    assert {d.quarter for d in dropped} == set(_expected()) == {"2026-Q2", "2026-Q3"}
    for d in dropped:
        assert (demo.root / d.rel).stat().st_mtime == d.at.timestamp(), d.rel


def test_every_drop_is_in_the_past() -> None:
    """Intake takes a file whose modification time is in the future as received when it first sees it, so a
    drop time after today would make a late file on time. The demo is run from 2026-12-06 on: every drop is
    before it, the monthly and quarterly ones before 2026-11-20, and each quarter's files are all dropped before
    the next quarter's."""
    manifest = _manifest()
    assert manifest and max(manifest.values()) < DEMO_DAY
    assert max(w for rel, w in manifest.items() if rel.startswith(("intake/monthly/", "intake/quarterly/"))) < PAST
    dropped = _dropped()
    quarters = sorted({d.quarter for d in dropped})
    times = {q: [d.at for d in dropped if d.quarter == q] for q in quarters}
    for earlier, later in itertools.pairwise(quarters):
        assert max(times[earlier]) < min(times[later]), (earlier, later)


def test_files_are_as_messy_as_real_ones(demo: Demo) -> None:
    """Title rows, 填表说明 rows, a GBK CSV (not UTF-8), Chinese and full-width dates."""
    dropped = _dropped()
    gbk = [d for d in dropped if d.rel.endswith(".csv") and not _is_utf8(demo.root / d.rel)]
    assert len(gbk) == 1
    text = (demo.root / gbk[0].rel).read_bytes().decode("gbk")
    assert "2026年6月25日" in text and "填表说明" in text
    titled = 0
    for d in dropped:
        if d.rel.endswith(".xlsx"):
            first = [c for c in _rows(demo.root / d.rel)[0] if c is not None]
            titled += first != QUARTERLY_HEADERS[d.kind][: len(first)]
    assert titled >= 5
    assert any(
        "２０２６年７月８日" in str(r)
        for r in _cells(demo.root / "intake/quarterly/2026-Q2/SQ01/团结路社区整改情况报送表.xlsx")
    )


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _rows(path: Path) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book.active.iter_rows(values_only=True))
    finally:
        book.close()


def _cells(path: Path) -> list[object]:
    return [v for row in _rows(path) for v in row if v is not None]


def test_each_file_passes_its_contract_where_meant(demo: Demo) -> None:
    assert set(CONTRACT_FAULTS) | set(LEDGER_FAULTS) == {
        rel for q in _expected().values() for rel in q["rejected_files"]
    }
    for d in _dropped():
        result = demo.validate(d)
        if d.rel in CONTRACT_FAULTS:
            column, value = CONTRACT_FAULTS[d.rel]
            assert not result.accepted, d.rel
            assert {(p.column, p.value) for p in result.problems} == {(column, value)}, d.rel
        else:
            assert result.problems == [], (d.rel, [p.describe() for p in result.problems])
            assert result.rows, d.rel


def test_the_ledger_refuses_the_report_of_another_units_problem(demo: Demo) -> None:
    """ZJ01's first Q3 report passes its contract (a contract cannot know whose problem it is) but not the
    ledger; the whole file is refused, so its row on its own problem changes nothing either."""
    (rel,) = LEDGER_FAULTS
    column, value = LEDGER_FAULTS[rel]
    events: list[Event] = []
    for d in _dropped():
        result = demo.validate(d)
        if not result.accepted:
            continue
        ledger = fold(events)
        new, problems = apply_submission(
            ledger, d.kind, result.rows, d.rel, d.at, unit=d.unit, excel_rows=result.excel_rows
        )
        if d.rel == rel:
            assert new == []
            assert [(p.column, p.value) for p in problems] == [(column, value)]
            assert "不是本单位" in problems[0].message
            return
        events += new
    raise AssertionError(f"{rel} was never applied")


# ---------------------------------------------------------------- the replay against expected.yaml


def _replay(demo: Demo) -> dict[str, dict[str, Any]]:
    """Apply every quarterly file in drop order; what each quarter's cut-off (its deadline) sees, in
    expected.yaml's keys: the events received by then, and the units' files received by then."""
    dropped = _dropped()
    quarters = sorted({d.quarter for d in dropped})
    order = [quarters.index(d.quarter) for d in dropped]
    assert order == sorted(order), "every file of a quarter is dropped before the next quarter's first file"
    campaign = yaml.safe_load((demo.root / "campaign.yaml").read_text(encoding="utf-8"))
    due = campaign["deadlines"]["quarterly"]
    codes = list(demo.registry.units)

    events: list[Event] = []
    found: dict[str, dict[str, Any]] = {}
    start = fold([])
    counted_before: set[int] = set()  # the events an earlier quarter's cut-off counted
    for quarter in quarters:
        submissions: list[Submission] = []
        rejected: dict[str, str] = {}
        for d in (d for d in dropped if d.quarter == quarter):
            result = demo.validate(d)
            problems = result.problems
            if not problems:
                new, problems = apply_submission(
                    fold(events), d.kind, result.rows, d.rel, d.at, unit=d.unit, excel_rows=result.excel_rows
                )
                events += new
            if problems:
                rejected[d.rel] = "；".join(p.message for p in problems)
            if d.unit is not None:
                submissions.append(
                    Submission(unit=d.unit, file=d.rel, received_at=d.at, accepted=not problems, kind=d.kind)
                )
        period = QuarterCalendar("quarterly", campaign["timezone"], DEFAULT_DEADLINE).parse(quarter)
        deadline = DeadlineRule(day=due["day"], time=due["time"]).after(period.end, campaign["timezone"])
        counted = [e for e in events if e.at <= deadline]  # files are dropped in order: a prefix of the log
        end = fold(counted)
        mine = [e for e in counted if id(e) not in counted_before]
        counted_before |= {id(e) for e in counted}
        filed = [e.item_id for e in mine if e.kind == "filed"]
        carried = [s.item.unit for s in start.values() if s.state != "closed"]
        expected_units = [c for c in codes if c in carried or c in {end[i].item.unit for i in filed}]
        on_record = [s for s in submissions if s.received_at <= deadline]
        statuses = unit_statuses(demo.registry, expected_units, on_record, deadline)
        assert {s.unit for s in submissions} <= set(expected_units), quarter
        found[quarter] = {
            "deadline": deadline.isoformat(),
            "filed": filed,
            "closed": [e.item_id for e in mine if e.kind == "recheck_passed"],
            **{
                state: [i for i, s in end.items() if s.state == state]
                for state in ("awaiting_recheck", "rectifying", "open")
            },
            "overdue": [i for i, s in end.items() if is_overdue(s.item, s, deadline.date())],
            "failed_rechecks": {i: s.failed_rechecks for i, s in end.items() if s.failed_rechecks},
            "units_with_open_items": [
                c for c in codes if any(s.item.unit == c and s.state != "closed" for s in end.values())
            ],
            "expected_units": expected_units,
            **{
                f"{state}_units": [s.code for s in statuses if s.state == state]
                for state in ("on_time", "late", "rejected", "missing")
            },
            "rejected_files": rejected,
        }
        start = end
    return found


def test_replay_through_the_ledger_gives_expected_yaml(demo: Demo) -> None:
    expected = _expected()
    found = _replay(demo)
    assert list(found) == list(expected)
    for quarter, want in expected.items():
        got = found[quarter]
        assert set(got) == set(want), quarter
        for key, value in want.items():
            if key == "rejected_files":
                assert set(got[key]) == set(value), (quarter, got[key])
            else:
                assert got[key] == value, (quarter, key)


def test_expected_yaml_keeps_the_monthly_keys_at_top_level() -> None:
    data = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))
    assert data["period"] == "2026-10" and "unit_states" in data and "task_states" in data
    assert set(data["quarterly"]) == {"2026-Q2", "2026-Q3"}
