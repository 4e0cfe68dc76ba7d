"""A city over its counties (issue 18): the city's status board shows each county's own board, read from the
county's workspace; the city's 月通报 names the counties' lagging units (levels.drill).

Each county is a real workspace with its own registry and dropped files, run through ``run_cycle``; the
figures the city's board shows are compared with the county's own ``summary.json``.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import pytest

from docgen import cycles
from docgen.board import CHILDREN_HEADERS, CHILDREN_TITLE, NOT_EXPECTED, board
from docgen.board_page import render_page
from docgen.cli import main
from docgen.cycles.monthly.notice import render_monthly_notice
from docgen.levels import level_root
from docgen.models import Task, Unit
from docgen.pipeline import inputs_for, intake_step, receipts_step, run_cycle
from docgen.resources import set_drop_time
from docgen.workspace import Workspace

from .builders import CST
from .builders.monthly import PROGRESS_HEADERS, progress_rows
from .builders.registry import write_campaign, write_registry
from .builders.tables import write_table
from .conftest import LATE, ON_TIME, TASKS, UNITS, row
from .reading import paragraphs

PERIOD = "2026-10"
AFTER_DEADLINE = datetime(2026, 11, 6, 9, 0, tzinfo=CST)
CITY_UNITS = [
    Unit("XQ01", "甲县创建办", "县区", "李明", "13800000001"),
    Unit("XQ02", "乙县创建办", "县区", "王芳", "13800000002"),
    Unit("XQ03", "丙县创建办", "县区", "赵强", "13800000003"),
    Unit("SJ01", "市教育局", "部门", "孙丽", "13800000004"),
]
CITY_TASKS = [
    Task("S1", "全市民族团结进步宣传月", "宣传教育工程", "SJ01", ("XQ01", "XQ02"), date(2026, 1, 1),
         date(2026, 12, 31), "12", "场"),
    Task("S2", "丙县示范社区建设", "基层创建工程", "XQ03", (), date(2026, 11, 1), date(2027, 3, 1), "2", "个"),
]
SETTLED = {"max_file_mb": 1, "settle_seconds": 0}


def drop(root: Path, unit: str, rows: Sequence[Sequence[object]], *, when: datetime = ON_TIME,
         name: str = "月度进展报送表.xlsx") -> None:
    path = root / "intake" / "monthly" / PERIOD / unit / name
    write_table(path, PROGRESS_HEADERS, rows)
    set_drop_time(path, when)


def county(root: Path, prefix: str, states: dict[str, str]) -> Path:
    """A county workspace (conftest's units and tasks) whose units drop as ``states`` says: on_time, late,
    rejected; a unit not named drops nothing."""
    write_campaign(root, name=f"{prefix}创建工作", secretariat=f"{prefix}创建办", doc_number_prefix=f"{prefix}创建办〔2026〕",
                   intake=SETTLED)
    write_registry(root, UNITS, TASKS)
    for unit, state in states.items():
        rows = progress_rows(unit, TASKS[:3])
        if state == "rejected":
            rows = [row(unit, rows[0][1], 120)]
        drop(root, unit, rows, when=LATE if state == "late" else ON_TIME)
    return root


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """甲县 (XQ01, ../county-a) issued its notice; 乙县 (XQ02, an absolute path) has a draft waiting for
    review; 丙县 (XQ03) has no folder. 甲县 reported to the city on time, 乙县 did not."""
    root = tmp_path / "city"
    a = county(tmp_path / "county-a", "甲县", {"A01": "on_time", "B01": "late", "C01": "rejected"})
    b = county(tmp_path / "county-b", "乙县", {"A01": "on_time", "C01": "on_time"})
    run_cycle(a, "monthly", PERIOD)
    run_cycle(b, "monthly", PERIOD, draft=True)
    write_campaign(root, intake=SETTLED, levels={"children": {
        "XQ01": "../county-a", "XQ02": str(b), "XQ03": "../county-c"}})
    write_registry(root, CITY_UNITS, CITY_TASKS)
    drop(root, "XQ01", [row("XQ01", "S1", 80)])
    intake_step(root, "monthly", PERIOD)
    receipts_step(root, "monthly", PERIOD)
    return root


def summary_of(root: Path) -> dict[str, Any]:
    return json.loads((root / "outbox" / "monthly" / PERIOD / "summary.json").read_text(encoding="utf-8"))


def test_each_county_shows_its_own_board_with_the_figures_of_its_own_summary(city: Path, tmp_path: Path) -> None:
    shown = board(city, "monthly", PERIOD, now=AFTER_DEADLINE)

    a, b, c = shown.children
    assert [(x.code, x.name) for x in shown.children] == [("XQ01", "甲县创建办"), ("XQ02", "乙县创建办"),
                                                          ("XQ03", "丙县创建办")]
    assert a.root == str(tmp_path / "county-a") and b.root == str(tmp_path / "county-b")
    issued = summary_of(tmp_path / "county-a")
    assert a.board is not None and b.board is not None
    counts = a.board.counts()
    assert len(a.board.units) == len(issued["expected_units"]) == 3
    assert (counts["on_time"], counts["late"], counts["rejected"], counts["missing"]) == (
        len(issued["on_time_units"]), len(issued["late_units"]), len(issued["rejected_units"]),
        len(issued["missing_units"]))
    assert a.board.doc_number == issued["doc_number"] == "甲县创建办〔2026〕1号"
    assert a.board.pending_drafts == []
    # 乙县: a draft waiting for review, nothing issued; its figures are those of the draft's summary
    drafted = json.loads(next((tmp_path / "county-b" / "outbox" / "monthly" / PERIOD / "drafts").glob(
        "*/summary.json")).read_text(encoding="utf-8"))
    b_counts = b.board.counts()
    assert (len(b.board.units), b_counts["on_time"], b_counts["missing"]) == (
        len(drafted["expected_units"]), len(drafted["on_time_units"]), len(drafted["missing_units"]))
    assert b.board.doc_number is None and [d.seq for d in b.board.pending_drafts] == [1]
    # their reports to the city, as the city's own board has them
    assert (a.reported, b.reported, c.reported) == ("按时报送", "未报送", NOT_EXPECTED)
    assert not c.reachable and "工作区目录不存在" in c.error and "county-c" in c.error

    (section,) = [s for s in shown.sections if s.title == CHILDREN_TITLE]
    assert section.headers == CHILDREN_HEADERS
    assert section.rows[0] == ["甲县创建办（XQ01）", "3", "1", "1", "1", "0", "0", "甲县创建办〔2026〕1号", "按时报送"]
    assert section.rows[1][0] == "乙县创建办（XQ02）" and section.rows[1][6:] == ["1", "未发布", "未报送"]
    assert section.rows[2][0] == "丙县创建办（XQ03）" and section.rows[2][1].startswith("无法连接：工作区目录不存在")
    assert section.rows[2][-1] == NOT_EXPECTED and "1 个无法连接" in section.note

    page = render_page(shown, cycle="monthly", period=PERIOD, periods=[])
    assert CHILDREN_TITLE in page and "甲县创建办〔2026〕1号" in page and "无法连接：工作区目录不存在" in page


def test_a_county_seen_before_the_deadline_and_without_children(city: Path) -> None:
    early = board(city, "monthly", PERIOD, now=datetime(2026, 11, 4, 12, 0, tzinfo=CST))
    b = early.children[1]
    assert b.board is not None and b.board.counts()["not_yet_due"] == 1  # 乙县's B01
    assert b.reported == "未到截止时间" and "另有 1 个未到截止时间" in b.cells()[5]
    alone = board(city, "monthly", PERIOD, now=AFTER_DEADLINE, children=False)
    assert alone.children == [] and CHILDREN_TITLE not in [s.title for s in alone.sections]


def test_a_county_whose_campaign_yaml_is_broken_is_named_not_a_crash(city: Path, tmp_path: Path) -> None:
    (tmp_path / "county-a" / "campaign.yaml").write_text("name: [甲县\n", encoding="utf-8")
    shown = board(city, "monthly", PERIOD, now=AFTER_DEADLINE)
    a = shown.children[0]
    assert a.board is None and "无法解析" in a.error and a.reported == "按时报送" and "\n" not in a.error
    assert shown.children[1].board is not None  # the others are shown as usual


def test_the_status_command_prints_the_counties_too(city: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    assert main(["status", "--root", str(city), "--period", PERIOD]) == 0
    out = capsys.readouterr().out
    lines = out[out.index(CHILDREN_TITLE):].splitlines()
    assert any("甲县创建办（XQ01）" in x and "甲县创建办〔2026〕1号" in x and "按时报送" in x for x in lines)
    assert any("丙县创建办（XQ03）" in x and "无法连接：工作区目录不存在" in x for x in lines)


def test_child_roots_relative_to_the_parent_absolute_or_a_bucket(tmp_path: Path) -> None:
    assert level_root(tmp_path / "city", "../county-a") == str(tmp_path / "county-a")
    assert level_root(tmp_path / "city", str(tmp_path / "x")) == str(tmp_path / "x")
    assert level_root(tmp_path / "city", "s3://conn@bucket/county-b") == "s3://conn@bucket/county-b"


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A port that takes connections and never answers (a store that hangs)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def test_a_county_in_a_bucket_that_does_not_answer_costs_the_board_its_timeout_only(
    city: Path, silent_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("s3fs", reason="the [s3] extra (s3fs) is not installed")
    monkeypatch.setenv("AIRFLOW_CONN_SILENT", json.dumps({"login": "k", "password": "s", "extra": {
        "endpoint_url": silent_endpoint, "region_name": "us-east-1"}}))
    monkeypatch.delenv("DOCGEN_LOCAL_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the bucket's local face goes under ~/.cache
    write_campaign(city, intake=SETTLED, levels={"children": {"XQ01": "../county-a", "XQ02": "s3://silent@b/county-b"}})

    started = time.monotonic()
    shown = board(city, "monthly", PERIOD, now=AFTER_DEADLINE, child_timeout=3)

    assert time.monotonic() - started < 15
    a, b = shown.children
    assert a.board is not None
    assert b.board is None and b.error == "3 秒内未响应" and b.cells()[1] == "无法连接：3 秒内未响应"

    # this machine's one face is the city's: the county's bucket gets a face of its own, never that one
    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(city))
    from docgen.storage import Bucket

    assert Bucket("s3://silent@b/county-b").local_face(other_level=True).is_relative_to(city / ".docgen" / "levels")
    before = (city / "campaign.yaml").read_bytes()
    b = board(city, "monthly", PERIOD, now=AFTER_DEADLINE, child_timeout=3).children[1]
    assert b.board is None and b.error == "3 秒内未响应" and (city / "campaign.yaml").read_bytes() == before


# ---------------------------------------------------------------- the city's 月通报 names the counties' units


def detail(unit: str, name: str, **figures: Any) -> dict[str, Any]:
    """A county's report as it sent it up (Upward.detail, docs: notes/levels.md), with nothing to name
    unless ``figures`` says."""
    return {"unit": unit, "name": name, "period": PERIOD, "doc_number": f"{name}〔2026〕3号", "expected": 6,
            "on_time": 6, "late": 0, "rejected": 0, "missing": 0, "late_units": [], "rejected_units": [],
            "missing_units": [], "lagging": [], "totals": {"activities": 12, "participants": 340, "funds_10k_yuan": 5.5},
            **figures}


LOWER = {
    "XQ02": detail("XQ02", "乙县创建办", late_units=["乙县文化馆"]),
    "XQ01": detail("XQ01", "甲县创建办", late_units=["城关街道办事处"], missing_units=["县教育局", "县卫健局"],
                   rejected_units=["县一中"],
                   lagging=[{"task_id": "T03", "task": "建设石榴籽家园", "unit": "青禾镇人民政府", "state": "进度滞后"},
                            {"task_id": "T07", "task": "编印宣传手册", "unit": "县委宣传部", "state": "逾期未完成"}]),
    "XQ03": detail("XQ03", "丙县创建办"),  # nothing to name
}


def city_inputs(root: Path, *, drill: bool) -> Any:
    """The city's inputs for October (its own unit's files as dropped) with the counties' reports."""
    write_campaign(root, intake=SETTLED, levels={"children": {"XQ01": "../a", "XQ02": "../b", "XQ03": "../c"},
                                                 "drill": drill})
    write_registry(root, CITY_UNITS, CITY_TASKS)
    ws = Workspace(root)
    monthly = cycles.get("monthly")
    return monthly, replace(inputs_for(ws, monthly, monthly.parse_period(PERIOD, ws.campaign)), lower=LOWER)


def notice_paragraphs(report: Any, out: Path) -> list[str]:
    return paragraphs(docx.Document(str(render_monthly_notice(report, out))))


def test_the_city_notice_names_each_countys_lagging_tasks_and_units(tmp_path: Path) -> None:
    monthly, inputs = city_inputs(tmp_path / "city", drill=True)
    report = monthly.build(inputs)

    assert [(lv.code, lv.name) for lv in report.lower_levels] == [
        ("XQ01", "甲县创建办"), ("XQ02", "乙县创建办"), ("XQ03", "丙县创建办")]  # the city's registry order
    assert monthly.report_from_dict(json.loads(json.dumps(report.to_dict()))) == report  # the render task's copy
    text = notice_paragraphs(report, tmp_path / "通报.docx")
    problems = text[text.index("三、存在问题") + 1:text.index("四、下步要求")]
    # the city's own task first (S1: its lead SJ01 reported nothing), then one paragraph per county with something to name
    assert problems[0].startswith("（一）未报进度的任务") and problems[2] == "（二）县区存在的问题"
    assert problems[3] == ("甲县创建办：任务“建设石榴籽家园”（牵头单位：青禾镇人民政府）进度滞后，任务“编印宣传手册”"
                           "（牵头单位：县委宣传部）逾期未完成；县教育局、县卫健局未报送，城关街道办事处逾期报送，"
                           "县一中报送未通过审核。")
    assert problems[4] == "乙县创建办：乙县文化馆逾期报送。"
    assert not any("丙县" in p for p in problems)
    assert problems[5].startswith("以上任务的牵头单位要认真分析原因")
    lower = report.summary()["lower_levels"]
    assert [x["code"] for x in lower] == ["XQ01", "XQ02", "XQ03"] and lower[0]["missing_units"] == ["县教育局", "县卫健局"]


def test_only_counties_to_name_no_city_task_and_no_drill_no_county(tmp_path: Path) -> None:
    monthly, inputs = city_inputs(tmp_path / "city", drill=True)
    city_quiet = replace(inputs, registry=replace(inputs.registry, tasks={}))  # the city names no task of its own
    text = notice_paragraphs(monthly.build(city_quiet), tmp_path / "a.docx")
    problems = text[text.index("三、存在问题") + 1:text.index("四、下步要求")]
    assert problems[0] == "（一）县区存在的问题" and problems[1].startswith("甲县创建办：任务“建设石榴籽家园”")
    assert "本月未发现进度滞后、逾期未完成或未报进度的任务。" not in problems

    monthly, inputs = city_inputs(tmp_path / "city", drill=False)
    report = monthly.build(inputs)
    assert report.lower_levels == [] and "lower_levels" not in report.summary()
    text = notice_paragraphs(report, tmp_path / "b.docx")
    assert not any("县区存在的问题" in p or "甲县创建办：" in p for p in text)
    assert report.summary() == monthly.build(replace(inputs, lower={})).summary()
