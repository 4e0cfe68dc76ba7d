"""A campaign in levels: the city's tasks, calendar and forms go down to the counties, each county's issued
period comes up as its submission, is checked and answered like any unit's, and the city's documents count
it once. The workspaces are real folders (tests/builders/levels.py); the expected figures are worked out
by hand from the files the builder drops."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml

from docgen import cycles
from docgen.levels import ASKED_FILE, PARENT_DIR, distribute, issue_due_forms, send_up, sync
from docgen.pipeline import inputs_for, intake_step, receipts_step, run_cycle
from docgen.registry import load_registry
from docgen.resources import set_drop_time
from docgen.workspace import Workspace
from tests.builders.levels import (
    MONTH,
    QUARTER,
    Levels,
    at,
    build_levels,
    month_files,
    quarter_files,
)


@pytest.fixture
def levels(tmp_path: Path) -> Levels:
    built = build_levels(tmp_path)
    month_files(built)
    return built


def _summary(root: Path, cycle: str, period: str) -> dict:
    return json.loads((root / "outbox" / cycle / period / "summary.json").read_text(encoding="utf-8"))


def _upward_rows(root: Path, cycle: str, period: str, unit: str) -> dict[str, list]:
    """The rows of the newest report a county dropped in the city's intake, by their first key."""
    path = sorted((root / "intake" / cycle / period / unit).glob("*上报.xlsx"))[-1]
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r and r[0] in ("单位代码", "问题编号"))
    return {str(r[1] if r[0] == unit else r[0]): r for r in rows[header + 1:] if r and r[0]}


def _pin_upward(root: Path, cycle: str, period: str, when: object) -> None:
    """The moment each county's report reached the city (the real copy happens now, in 2026-12)."""
    for p in (root / "intake" / cycle / period).glob("XQ*/*上报.xlsx"):
        set_drop_time(p, when)  # type: ignore[arg-type]


def test_the_city_sends_each_county_what_concerns_it(levels: Levels) -> None:
    issue_due_forms(levels.city, at(10, 1, 8))  # the forms DAG's step: 2026-10 starts; down at once
    a = levels.county_a / PARENT_DIR
    sheet = openpyxl.load_workbook(a / "registry" / "任务清单.xlsx", read_only=True).worksheets[0]
    ids = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == ["T01", "T02"]  # 河湾县 (XQ01) cooperates on T01 and leads T02; T03, T04 are not its
    asked = json.loads((a / "forms" / "monthly" / MONTH / ASKED_FILE).read_text(encoding="utf-8"))
    assert [r["task_id"] for r in asked["monthly_progress"]] == ["T01", "T02"]
    assert [p.name for p in (a / "forms" / "monthly" / MONTH).glob("*.xlsx")] == [
        "XQ01_河湾县创建办_月度进展报送表_2026-10.xlsx"]
    b_asked = json.loads((levels.county_b / PARENT_DIR / "forms" / "monthly" / MONTH / ASKED_FILE).read_text())
    assert [r["task_id"] for r in b_asked["monthly_progress"]] == ["T02", "T03"]
    # the calendar: the county's own monthly deadline (the 3rd), the city's annual one it does not set
    county = Workspace(levels.county_a).campaign
    assert county.deadlines["monthly"]["day"] == 3
    assert cycles.get("annual").parse_period("2025", county).deadline.isoformat() == "2026-01-20T17:00:00+08:00"
    # a second distribution finds everything in place and writes nothing
    again = distribute(levels.city)
    assert again.written == {"XQ01": 0, "XQ02": 0} and not again.unreachable


def test_the_citys_name_dates_and_target_stand_in_the_county(levels: Levels) -> None:
    from tests.builders.registry import TASK_HEADERS
    from tests.builders.tables import write_table

    # the county's secretariat typed T02 with another name and deadline: the city's stand; its units stay
    write_table(levels.county_a / "registry" / "任务清单.xlsx", TASK_HEADERS, [
        ["T01", "宣传月", "宣传", "HW03", "HW01", "", "", date(2026, 3, 1), date(2026, 12, 31)],
        ["T02", "社区创建", "社区", "HW01", "HW02", "", "", date(2026, 2, 1), date(2026, 11, 30)],
        ["HT01", "乡村民族团结示范点建设", "进社区工程", "HW02", "HW01", "", "", date(2026, 5, 1), date(2026, 12, 31)],
    ])
    distribute(levels.city)
    tasks = load_registry(levels.county_a / "registry").tasks
    assert (tasks["T02"].name, tasks["T02"].project, tasks["T02"].deadline) == (
        "民族团结进步示范社区创建", "进社区工程", date(2026, 12, 31))
    assert (tasks["T02"].lead_unit, tasks["T02"].cooperating_units, tasks["T02"].target_value) == ("HW01", ("HW02",), "20")
    assert tasks["HT01"].name == "乡村民族团结示范点建设"  # the county's own task as it wrote it


def test_a_month_rolls_up_and_nothing_is_counted_twice(levels: Levels) -> None:
    issue_due_forms(levels.city, at(10, 1, 8))
    a = run_cycle(levels.county_a, "monthly", MONTH)
    b = run_cycle(levels.county_b, "monthly", MONTH)
    assert _summary(levels.county_b, "monthly", MONTH)["missing_units"] == ["SX03"]
    assert a.report.totals.activities == 19 and b.report.totals.activities == 5  # HT01's 5 stay in the county
    rows = _upward_rows(levels.city, "monthly", MONTH, "XQ01")
    # T02: the county's lead (城关镇) 85 %; activities of every county unit on it: 4 + 2
    assert rows["T02"][3] == 85 and rows["T02"][4] == 6 and rows["T02"][5] == 720
    assert rows["T01"][3] == 90 and rows["T01"][4] == 8  # lead 民宗局 90 %; 3 + 5 activities
    assert str(rows["T01"][2]).startswith("河湾县民宗局：")
    _pin_upward(levels.city, "monthly", MONTH, at(11, 4, 12))
    city = run_cycle(levels.city, "monthly", MONTH)
    s = _summary(levels.city, "monthly", MONTH)
    assert s["on_time_units"] == ["BM01", "XQ01", "XQ02"] and s["late_units"] == ["BM02"]
    assert s["overdue_tasks"] == ["T03"]  # 石峡县民宗局's 80 % of a task due 31 October
    # by hand: 统战部 6/900/5.0, 民宗局 5/920/8.5, 河湾县 (T01, T02) 14/1580/12.7, 石峡县 (T02, T03) 5/390/13.5
    assert s["totals"] == {"activities": 30, "participants": 3790, "funds_10k_yuan": 39.7}
    figures = dict(cycles.get("monthly").key_figures(city.report))  # what the city's reviewer reads
    assert figures["下级：石峡县创建办"].endswith("；石峡县文旅局未报送。") and "下级：河湾县创建办" not in figures
    progress = {t.task_id: t.progress for t in city.report.tasks}
    assert progress == {"T01": 88.0, "T02": 85.0, "T03": 80.0, "T04": 90.0}
    # the city's receipts reach each county, and the county's figures sit beside its report for drilling down
    back = sorted((levels.county_b / PARENT_DIR / "receipts" / "monthly" / MONTH).glob("*.回执.json"))
    assert [json.loads(p.read_text(encoding="utf-8"))["accepted"] for p in back] == [True]
    from docgen.board import board

    shown = next(x for x in board(levels.county_b, "monthly", MONTH).sections if x.title == "向上级报送")
    assert [row[1:4] for row in shown.rows] == [["11-04 12:00", "按时", "已接收"]]  # the county sees the answer
    ws = Workspace(levels.city)
    lower = inputs_for(ws, cycles.get("monthly"), cycles.get("monthly").parse_period(MONTH, ws.campaign)).lower
    assert lower["XQ02"]["missing_units"] == ["石峡县文旅局"]
    assert [(x["task_id"], x["unit"], x["state"]) for x in lower["XQ02"]["lagging"]] == [
        ("T02", "石峡镇", "进度滞后"), ("T03", "石峡县民宗局", "逾期未完成"), ("ST01", "石峡县文旅局", "未报进度")]


def test_a_county_offline_at_the_deadline_is_missing_then_late(levels: Levels,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    issue_due_forms(levels.city, at(10, 1, 8))
    run_cycle(levels.county_a, "monthly", MONTH)
    hidden = levels.city.with_name("青禾市.offline")
    levels.city.rename(hidden)  # the share is not mounted on 石峡县's machine
    try:
        b = run_cycle(levels.county_b, "monthly", MONTH)  # the county runs standalone
        assert b.notice.is_file()
        left = send_up(levels.county_b)
        assert "无法连接上级的工作区" in left.unreachable["XQ02"]
    finally:
        hidden.rename(levels.city)
    _pin_upward(levels.city, "monthly", MONTH, at(11, 4, 12))
    offline = levels.county_b.with_name("石峡县.offline")
    levels.county_b.rename(offline)  # and at the city's deadline 石峡县 cannot be reached either way
    try:
        run_cycle(levels.city, "monthly", MONTH)
        got = distribute(levels.city)
        assert "无法连接下级“石峡县创建办”的工作区" in got.unreachable["XQ02"] and "XQ01" in got.written
        from docgen.cli import main

        assert main(["levels", "--root", str(levels.city)]) == 1  # `docgen levels` names the county it missed
        said = capsys.readouterr().out
        assert "XQ01：已是最新" in said and "XQ02：无法连接下级“石峡县创建办”的工作区" in said
    finally:
        offline.rename(levels.county_b)
    s = _summary(levels.city, "monthly", MONTH)
    assert s["missing_units"] == ["XQ02"] and s["on_time_units"] == ["BM01", "XQ01"]
    # back online: its next intake sends the report; it reached the city on 7 November
    receipts_step(levels.county_b)
    _pin_upward(levels.city, "monthly", MONTH, at(11, 7, 9))
    run_cycle(levels.city, "monthly", MONTH)
    s = _summary(levels.city, "monthly", MONTH)
    assert s["missing_units"] == [] and s["late_units"] == ["BM02", "XQ02"]
    assert (levels.city / "outbox" / "monthly" / MONTH / "versions" / "v1" / "summary.json").is_file()


def test_a_quarter_reports_the_citys_items_from_the_countys_ledger(levels: Levels) -> None:
    quarter_files(levels)
    issue_due_forms(levels.city, at(7, 1, 8))
    intake_step(levels.city)
    receipts_step(levels.city)  # the problem list taken in: the counties are asked about their items
    asked = json.loads((levels.county_a / PARENT_DIR / "forms" / "quarterly" / QUARTER / ASKED_FILE).read_text())
    assert asked == {"rectification_report": [{"problem_id": "DC2026Q3-001"}]}
    run_cycle(levels.county_a, "quarterly", QUARTER)
    run_cycle(levels.county_b, "quarterly", QUARTER)
    rows = _upward_rows(levels.city, "quarterly", QUARTER, "XQ01")
    assert list(rows) == ["DC2026Q3-001"]  # the county's own HWQ3-01 stays in the county
    assert rows["DC2026Q3-001"][2] == "已完成" and "城关镇" in rows["DC2026Q3-001"][1]
    assert _upward_rows(levels.city, "quarterly", QUARTER, "XQ02")["DC2026Q3-002"][2] == "整改中"
    _pin_upward(levels.city, "quarterly", QUARTER, at(10, 8, 12))
    run_cycle(levels.city, "quarterly", QUARTER)
    s = _summary(levels.city, "quarterly", QUARTER)
    assert s["awaiting_recheck"] == ["DC2026Q3-001"] and s["rectifying"] == ["DC2026Q3-002"]
    assert s["open"] == ["DC2026Q3-003"] and s["on_time_units"] == ["XQ01", "XQ02"] and s["missing_units"] == ["BM01"]


def test_without_forms_the_latest_period_due_is_still_asked(levels: Levels) -> None:
    distribute(levels.city, now=at(11, 4, 9))  # an intake's sync on 4 November: 2026-10 is the month due
    asked = json.loads((levels.county_b / PARENT_DIR / "forms" / "monthly" / MONTH / ASKED_FILE).read_text())
    assert [r["task_id"] for r in asked["monthly_progress"]] == ["T02", "T03"]
    assert not list((levels.county_b / PARENT_DIR / "forms" / "monthly" / MONTH).glob("*.xlsx"))  # no form made
    run_cycle(levels.county_b, "monthly", MONTH)
    assert set(_upward_rows(levels.city, "monthly", MONTH, "XQ02")) == {"T02", "T03"}


def test_a_county_without_its_citys_forms_sends_nothing_and_still_runs(levels: Levels) -> None:
    result = run_cycle(levels.county_a, "monthly", MONTH)  # the city never issued its forms
    assert result.notice.is_file()
    assert not list((levels.city / "intake" / "monthly" / MONTH).glob("XQ01/*"))
    assert sync(levels.county_a).written == {}


def test_levels_are_checked_when_a_workspace_opens(tmp_path: Path) -> None:
    from docgen.errors import WorkspaceError
    from tests.builders.registry import write_campaign

    write_campaign(tmp_path, levels={"parent": {"root": "../city"}})
    with pytest.raises(WorkspaceError, match="levels.parent 应写明上级工作区"):
        Workspace(tmp_path)
    write_campaign(tmp_path, levels={"children": ["XQ01"]})
    with pytest.raises(WorkspaceError, match="levels.children"):
        Workspace(tmp_path)
    shutil.rmtree(tmp_path / ".docgen", ignore_errors=True)


def test_a_county_in_a_bucket(levels: Levels, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch,
                              tmp_path: Path) -> None:
    """石峡县's workspace is a bucket (its own machine works on a local face of it); the city's is a folder
    both reach. Down and up go through the bucket, and the city's own face is never written over."""
    from tests import s3_server
    from tests.builders.registry import write_campaign

    client = s3_server.client(s3_endpoint)
    s3_server.empty_bucket(client, "county-files")
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_S3", s3_server.connection(s3_endpoint))
    from docgen import storage

    storage._pull_settings_cached.cache_clear()
    url = "s3://docgen_s3@county-files/shixia"
    campaign = yaml_of(levels.county_b / "campaign.yaml")
    campaign["levels"]["parent"]["root"] = str(levels.city)  # the shared folder, as the county's machine mounts it
    (levels.county_b / "campaign.yaml").write_text(yaml.safe_dump(campaign, allow_unicode=True), encoding="utf-8")
    s3_server.upload(client, levels.county_b, "county-files", "shixia")
    write_campaign(levels.city, intake={"max_file_mb": 1, "settle_seconds": 0},
                   deadlines={"annual": {"month": 1, "day": 20, "time": "17:00"}},
                   levels={"children": {"XQ01": "../河湾县", "XQ02": url}, "drill": True})
    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / "city-machine-face"))  # the city's machine
    issue_due_forms(levels.city, at(10, 1, 8))
    keys = s3_server.keys(client, "county-files", "shixia")
    assert f"parent/forms/monthly/{MONTH}/{ASKED_FILE}" in keys and "parent/registry/任务清单.xlsx" in keys
    assert not (tmp_path / "city-machine-face" / "campaign.yaml").exists()  # a face of its own for the county
    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / "county-machine-face"))  # 石峡县's machine
    storage._pull_settings_cached.cache_clear()
    run_cycle(url, "monthly", MONTH)
    assert _upward_rows(levels.city, "monthly", MONTH, "XQ02")["T03"][3] == 80
    _pin_upward(levels.city, "monthly", MONTH, at(11, 4, 12))
    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / "city-machine-face"))
    run_cycle(levels.city, "monthly", MONTH)
    assert "XQ02" in _summary(levels.city, "monthly", MONTH)["on_time_units"]
    receipts = [k for k in s3_server.keys(client, "county-files", "shixia")
                if k.startswith(f"parent/receipts/monthly/{MONTH}/") and k.endswith(".回执.json")]
    assert len(receipts) == 1  # the city's receipt, back in the county's bucket


def yaml_of(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_city_returns_a_countys_report_and_the_county_sends_it_again(levels: Levels) -> None:
    from docgen.board import PARENT_TITLE, board
    from docgen.returning import return_submission
    from tests.builders.levels import corrected_t03

    issue_due_forms(levels.city, at(10, 1, 8))
    run_cycle(levels.county_a, "monthly", MONTH)
    run_cycle(levels.county_b, "monthly", MONTH)
    _pin_upward(levels.city, "monthly", MONTH, at(11, 4, 12))
    run_cycle(levels.city, "monthly", MONTH)
    comment = "T03完成进度与市督查组核实情况不符，请核实后重报"
    return_submission(levels.city, "monthly", MONTH, "XQ02", comment=comment, by="王主任")
    # the 退回回执 reaches 石峡县 at once, and its board says why
    back = [json.loads(p.read_text(encoding="utf-8"))
            for p in (levels.county_b / PARENT_DIR / "receipts" / "monthly" / MONTH).glob("*退回回执.json")]
    assert len(back) == 1 and not back[0]["accepted"] and comment in json.dumps(back[0], ensure_ascii=False)
    shown = next(x for x in board(levels.county_b, "monthly", MONTH).sections if x.title == PARENT_TITLE)
    assert [r[3] for r in shown.rows][-1] == "已退回" and comment in shown.rows[-1][4]
    run_cycle(levels.city, "monthly", MONTH)
    s = _summary(levels.city, "monthly", MONTH)
    assert s["rejected_units"] == ["XQ02"] and s["unreported_tasks"] == ["T03"]  # its rows no longer count
    assert s["totals"] == {"activities": 25, "participants": 3400, "funds_10k_yuan": 26.2}
    # 石峡县's 民宗局 corrects T03; the county issues again and its second report goes up
    corrected_t03(levels, at(11, 6, 9))
    run_cycle(levels.county_b, "monthly", MONTH)
    sent = sorted(p.name for p in (levels.city / "intake" / "monthly" / MONTH / "XQ02").iterdir())
    assert [n.rsplit("_", 1)[1] for n in sent] == ["第1次上报.xlsx", "第2次上报.xlsx"]  # the first stays
    assert (levels.county_b / "outbox" / "monthly" / MONTH / "versions" / "v1").is_dir()
    newest = levels.city / "intake" / "monthly" / MONTH / "XQ02" / sent[1]
    set_drop_time(newest, at(11, 6, 10))
    run_cycle(levels.city, "monthly", MONTH)
    s = _summary(levels.city, "monthly", MONTH)
    assert s["rejected_units"] == [] and s["late_units"] == ["BM02", "XQ02"]  # like a unit resending late
    assert s["overdue_tasks"] == [] and s["totals"] == {"activities": 30, "participants": 3790, "funds_10k_yuan": 39.7}
