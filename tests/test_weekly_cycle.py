"""The weekly 调度 cycle end to end: the key-project register and units' weekly reports as real files in, the
调度通报 (.docx) and summary.json out, through the library, the CLI and its DAG; bad rows refused with row,
column and reason in Chinese; forms, board and numbering. Expected values are worked out by hand from
tests/builders/weekly.py (W48 ends 11月29日, W49 ends 12月6日)."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest

from docgen.board import board
from docgen.cli import main
from docgen.cycles import get as get_cycle
from docgen.issue_forms import issue_forms
from docgen.pipeline import run_cycle
from docgen.reminders import remind
from docgen.workspace import Workspace

from .builders.weekly import (
    REGISTER_HEADERS,
    at,
    drop_report,
    register_rows,
    report_row,
    week_48,
    week_49,
    write_register,
)
from .forms_reading import form_rules
from .reading import body_tables, colophon, paragraphs, rows
from .test_intake import docx_text

AIRFLOW = importlib.util.find_spec("airflow") is not None
if AIRFLOW:  # the DAG test below runs through Airflow with test_dags.py's fixtures and helpers
    from .test_dags import _receipts, _reviewed, airflow_home, api  # noqa: F401

W48_SUMMARY = {
    "period": "2026-W48", "doc_number": "创建办调〔2026〕1号", "projects": 4, "milestones": 8,
    "done": ["XM01#1"], "behind": {"XM03#1": 3, "XM02#1": 2}, "behind_projects": ["XM03", "XM02"],
    "finished": ["XM01#1"], "blocked": {},
    "expected_units": ["A01", "B01", "C01", "D01"], "on_time_units": ["A01"], "late_units": ["B01"],
    "rejected_units": [], "missing_units": ["C01", "D01"],
    "addressees": {"2026年第48周调度通报（创建办调〔2026〕1号）.docx": ["A01", "B01", "C01", "D01"]},  # 主送: all expected
}
W49_SUMMARY = {
    "period": "2026-W49", "doc_number": "创建办调〔2026〕2号", "projects": 4, "milestones": 8,
    "done": ["XM01#1", "XM02#1"], "behind": {"XM03#1": 10, "XM03#2": 3, "XM01#2": 2},
    "behind_projects": ["XM03", "XM01"], "finished": ["XM02#1"], "blocked": {"XM01#2": "请市自然资源局协调用地手续"},
    "expected_units": ["A01", "B01", "C01", "D01"], "on_time_units": ["A01", "B01", "D01"], "late_units": [],
    "rejected_units": [], "missing_units": ["C01"],
    "addressees": {"2026年第49周调度通报（创建办调〔2026〕2号）.docx": ["A01", "B01", "C01", "D01"]},
}
BEHIND_ROWS = [
    ["序号", "项目", "责任单位", "滞后节点", "计划完成", "滞后天数"],
    ["1", "XM03 民族特色产业园", "青禾市第一中学", "节点1 完成立项", "2026年11月26日", "10天"],
    ["2", "XM03 民族特色产业园", "青禾市第一中学", "节点2 开工建设", "2026年12月3日", "3天"],
    ["3", "XM01 民族团结进步教育基地", "青禾镇人民政府", "节点2 主体完工", "2026年12月4日", "2天"],
]
BLOCKED_ROWS = [
    ["序号", "项目", "责任单位", "节点", "存在问题/堵点", "需协调事项"],
    ["1", "XM01 民族团结进步教育基地", "青禾镇人民政府", "节点2 主体完工", "征地拆迁未完成", "请市自然资源局协调用地手续"],
]


@pytest.fixture
def weeks(workspace: Path) -> Path:
    write_register(workspace)
    week_48(workspace)
    week_49(workspace)
    return workspace


def summary_of(root: Path, week: str) -> dict:
    return json.loads((root / "outbox/weekly" / week / "summary.json").read_text(encoding="utf-8"))


def dispatch_of(root: Path, week: str) -> Path:
    (found,) = (root / "outbox/weekly" / week).glob("*调度通报*.docx")
    return found


def receipt_of(root: Path, week: str, unit: str) -> dict:
    (found,) = (root / "receipts/weekly" / week / unit).glob("*.回执.json")
    return json.loads(found.read_text(encoding="utf-8"))


def test_two_weeks_through_the_library(weeks: Path) -> None:
    first = run_cycle(weeks, "weekly", "2026-W48")
    second = run_cycle(weeks, "weekly", "2026-W49")
    assert summary_of(weeks, "2026-W48") == W48_SUMMARY
    assert summary_of(weeks, "2026-W49") == W49_SUMMARY
    assert (first.report.doc_number, second.report.doc_number) == ("创建办调〔2026〕1号", "创建办调〔2026〕2号")

    notice = dispatch_of(weeks, "2026-W49")
    assert notice.name == "2026年第49周调度通报（创建办调〔2026〕2号）.docx"
    doc = docx.Document(str(notice))
    behind, blocked = body_tables(doc)
    assert rows(behind) == BEHIND_ROWS
    assert rows(blocked) == BLOCKED_ROWS
    assert colophon(doc)[-1][0] == "青禾市创建全国民族团结进步示范市工作领导小组办公室"
    text = paragraphs(doc)
    assert "关于2026年第49周重点项目推进情况的调度通报" in "".join(text).replace("\n", "")
    assert "纳入调度的重点项目4个、节点8个。截至2026年12月6日，已完成节点2个，其中本周完成1个；进度滞后节点3个，" \
           "涉及项目2个；需协调解决的问题1个。" in text
    assert "1. XM02 石榴籽家园示范点：节点1 方案批复，于2026年12月2日完成（计划完成日期为2026年11月27日）。" in text
    assert "未报送的单位（1家）：青禾市第一中学。" in text
    assert "本周调度表应于2026年12月7日12:00前报送。应报送单位4家，其中按时报送3家，逾期报送0家，" \
           "报送材料未通过审核0家，未报送1家。" in text
    assert text[text.index("六、下步要求") + 1].startswith("1. 各项目责任单位要对照倒排工期时间表")

    w48 = docx.Document(str(dispatch_of(weeks, "2026-W48")))
    assert len(body_tables(w48)) == 1  # no 协调 asked: section 四 says so instead of a table
    assert "本周各责任单位未提出需协调解决的问题。" in paragraphs(w48)
    assert "逾期报送的单位（1家）：市民族宗教事务局。" in paragraphs(w48)

    # the monthly notice keeps its own sequence
    assert run_cycle(weeks, "monthly", "2026-10").report.doc_number == "创建办〔2026〕1号"


def test_the_cli_runs_a_week_and_shows_its_milestones(weeks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each week is run in turn (at its deadline the DAG does so; a week's run takes in that week's files)."""
    assert main(["run", "weekly", "--root", str(weeks), "--period", "2026-W48"]) == 0
    assert main(["run", "weekly", "--root", str(weeks), "--period", "2026-W49"]) == 0
    out = capsys.readouterr().out
    assert "2026年第49周（11月30日—12月6日）调度通报 创建办调〔2026〕2号" in out
    assert "重点项目 4 个、节点 8 个：已完成 2，本周完成 1，滞后 3，需协调 1" in out
    assert summary_of(weeks, "2026-W49") == W49_SUMMARY
    assert rows(body_tables(docx.Document(str(dispatch_of(weeks, "2026-W49"))))[0]) == BEHIND_ROWS
    assert main(["ledger", "--root", str(weeks), "--cycle", "weekly", "--item", "XM04#1"]) == 0
    out = capsys.readouterr().out
    assert "节点 XM04#1 的报送记录（2 条）" in out  # both of D01's files are kept
    assert main(["ledger", "--root", str(weeks), "--cycle", "weekly", "--open", "--unit", "C01"]) == 0
    assert "重点项目节点（截至2026年第49周（11月30日—12月6日），2 个）" in capsys.readouterr().out
    assert main(["status", "--root", str(weeks), "--cycle", "weekly", "--period", "2026-W49"]) == 0
    assert "C01" in capsys.readouterr().out


def test_bad_rows_are_refused_with_row_column_and_reason(workspace: Path) -> None:
    """A01 names an unknown project, B01's project, a milestone its project lacks, 是 without a date and a date
    after the day it sends the file (12月3日); B01's W48 file a date after that week (11月29日)."""
    write_register(workspace)
    drop_report(workspace, "2026-W49", "A01", [
        report_row("XM99", 1),
        report_row("XM02", 1),
        report_row("XM01", 9),
        report_row("XM01", 2, "是"),
        report_row("XM01", 3, "是", "2026-12-05"),
        report_row("XM01", 1, needs="是"),
    ], at(12, 3))
    drop_report(workspace, "2026-W48", "B01", [report_row("XM02", 1, "是", "2026-11-30")], at(11, 30, 9))
    run_cycle(workspace, "weekly", "2026-W49")
    run_cycle(workspace, "weekly", "2026-W48")

    problems = [(e["row"], e["column"], e["message"]) for e in receipt_of(workspace, "2026-W49", "A01")["errors"]]
    assert problems == [
        (3, "项目编号", "项目编号不在重点项目节点表中，请按报送模板中的项目编号填写"),
        (4, "项目编号", "该项目的责任单位不是本单位，只填本单位负责的项目，请删除此行或核对项目编号"),
        (5, "节点序号", "该项目没有这个节点序号，请按重点项目节点表填写"),
        (6, "实际完成日期", "是否完成为“是”的，须填写实际完成日期"),
        (7, "实际完成日期", "实际完成日期晚于报送当天，不能填写将来的日期"),
        (8, "需协调事项", "是否需要协调为“是”的，须填写需协调事项"),
    ]
    problems = [(e["row"], e["column"], e["message"]) for e in receipt_of(workspace, "2026-W48", "B01")["errors"]]
    assert problems == [(3, "实际完成日期", "实际完成日期不能晚于本周最后一天（2026年11月29日），请核对")]
    s49, s48 = summary_of(workspace, "2026-W49"), summary_of(workspace, "2026-W48")
    assert (s49["rejected_units"], s49["done"], s48["rejected_units"], s48["done"]) == (["A01"], [], ["B01"], [])


def test_docgen_validate_reads_the_register_and_the_week(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_register(workspace)
    path = drop_report(workspace, "2026-W49", "A01", [report_row("XM02", 1), report_row("XM01", 2, "是", "2026-12-07")],
                       at(12, 3))
    args = ["validate", str(path), "--root", str(workspace), "--contract", "weekly_progress", "--unit", "A01",
            "--period", "2026-W49", "--json"]
    assert main(args) == 1
    errors = [(e["row"], e["column"], e["message"]) for e in json.loads(capsys.readouterr().out)["errors"]]
    assert errors == [(3, "项目编号", "该项目的责任单位不是本单位，只填本单位负责的项目，请删除此行或核对项目编号"),
                      (4, "实际完成日期", "实际完成日期不能晚于本周最后一天（2026年12月6日），请核对")]


def test_the_demo_weeks_match_expected_yaml(tmp_path: Path) -> None:
    """examples/demo: five key projects of the demo's units, W48 (BM05 late, BM03 missing, BM04 returned then
    fixed, ZD03#1 blocked) and W49, against expected.yaml's ``weekly`` section."""
    import yaml

    from docgen.resources import build_demo_workspace

    from .builders.workspaces import DEMO_DIR

    ws = build_demo_workspace(tmp_path / "demo")
    expected = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["weekly"]
    for week in ("2026-W48", "2026-W49"):
        run_cycle(ws, "weekly", week)
        summary = summary_of(ws, week)
        assert {k: summary[k] for k in expected[week]} == expected[week], week
    returned = receipt_of_file(ws, "2026-W48", "BM04", "周调度表.xlsx")
    assert [(e["row"], e["column"]) for e in returned["errors"]] == [(3, "实际完成日期")]


def receipt_of_file(root: Path, week: str, unit: str, name: str) -> dict:
    (found,) = (root / "receipts/weekly" / week / unit).glob(f"*_{name}.回执.json")
    return json.loads(found.read_text(encoding="utf-8"))


def test_the_register_is_checked(workspace: Path) -> None:
    bad, number, unit = register_rows(), REGISTER_HEADERS.index("节点序号"), REGISTER_HEADERS.index("责任单位")
    bad[1][number] = 1  # XM01's second milestone numbered 1 again (Excel row 3)
    bad[3][unit] = "Z99"  # XM02#1 of a unit not in the roll
    bad[4][unit] = "A01"  # XM02#2 of another unit than XM02#1
    write_register(workspace, bad)
    drop_report(workspace, "2026-W49", "A01", [report_row("XM01", 2)], at(12, 3))
    with pytest.raises(Exception, match="重点项目节点") as raised:
        run_cycle(workspace, "weekly", "2026-W49")
    message = str(raised.value)
    for expected in ("第3行", "同一项目的节点序号重复", "单位代码不在成员单位名册中", "同一项目的各节点应填写同一个责任单位"):
        assert expected in message, expected


def test_forms_reminders_board_and_key_figures(weeks: Path) -> None:
    """A unit's W49 form lists its milestones not done by W48 (keys locked, 是/否 lists); the reminder names the
    unit with no file; the board shows the milestones behind."""
    run_cycle(weeks, "weekly", "2026-W48")
    written = {p.name: p for p in issue_forms(weeks, "weekly", "2026-W49")}
    assert sorted(written) == [f"{u}_{n}_重点项目周调度表_2026-W49.xlsx" for u, n in (
        ("A01", "青禾镇人民政府"), ("B01", "市民族宗教事务局"), ("C01", "青禾市第一中学"), ("D01", "青禾乳业有限公司"))]
    sheet = openpyxl.load_workbook(written["A01_青禾镇人民政府_重点项目周调度表_2026-W49.xlsx"]).worksheets[0]
    values = [[c for c in r if c is not None] for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(values) if "项目编号" in r)
    filled = [r for r in values[header + 1:] if r]
    assert [r[:2] for r in filled[:2]] == [["XM01", 2], ["XM01", 3]]  # XM01#1 was done in W48
    assert "主体完工" in filled[0] and "布展开放" in filled[1]
    rules = form_rules(written["A01_青禾镇人民政府_重点项目周调度表_2026-W49.xlsx"])
    assert rules["是否完成"]["values"] == ["是", "否"] and rules["是否需要协调"]["values"] == ["是", "否"]

    reminder = remind(weeks, "weekly", "2026-W49", today=date(2026, 12, 6))  # the day before the deadline
    (sent,) = [p for p in reminder.paths if p.name == "reminder.json"]
    assert [u["code"] for u in json.loads(sent.read_text(encoding="utf-8"))["missing"]] == ["C01"]

    report = run_cycle(weeks, "weekly", "2026-W49").report

    b = board(weeks, "weekly", "2026-W49")
    (section,) = b.sections
    assert section.title == "进度滞后的重点项目节点（3 个）"
    assert [r[0] + "#" + r[3].split(".")[0] for r in section.rows] == ["XM03#1", "XM03#2", "XM01#2"]
    assert [r[-1] for r in section.rows] == ["10", "3", "2"]
    cycle = get_cycle("weekly")
    figures = dict(cycle.key_figures(report))
    assert figures["滞后节点"] == "3 个：XM03#1、XM03#2、XM01#2" and figures["需协调事项"] == "1 个：XM01#2"
    assert Workspace(weeks).campaign  # the workspace stays readable


def test_the_template_keeps_what_rendering_relies_on() -> None:
    """templates/weekly_dispatch.docx: every variable given by the context, the 版记 last, GB/T 9704 page."""
    from docgen.cycles.weekly.dispatch import DISPATCH_TEMPLATE, dispatch_context
    from docgen.render import REPO_TEMPLATES, check_variables, template_variables

    from .test_weekly_rules import Reports, build_weekly_report

    path = REPO_TEMPLATES / DISPATCH_TEMPLATE
    needed = template_variables(path)
    assert {"behind_rows", "blocked_rows", "finished_rows", "requirements", "doc_number"} <= set(needed)
    check_variables(DISPATCH_TEMPLATE, needed, dispatch_context(build_weekly_report(Reports().inputs("2026-W49"))))
    doc = docx.Document(str(path))
    assert [p.text for p in doc.paragraphs if p.style.name == "一级标题"] == [
        "一、总体情况", "二、进度滞后的项目", "三、本周完成的节点", "四、需协调解决的问题", "五、报送情况", "六、下步要求"]
    assert colophon(doc)[-1] == ["{{ printed_by }}", "{{ printed_date_text }}印发"]
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.top_margin.mm) == 37
    assert docx_text(path).count("{%tr for row in") == 2


@pytest.mark.airflow
@pytest.mark.skipif(not AIRFLOW, reason="the [airflow] extra is not installed")
def test_the_dag_matches_the_library_over_two_weeks(airflow_home: Path, api: object, tmp_path: Path) -> None:  # noqa: F811
    """weekly_dispatch approved through the REST API for W48 then W49: the same summaries, documents and receipts
    as the library's runs of a copy of the workspace."""
    from docgen.approval import APPROVE

    from .builders.registry import write_campaign, write_registry
    from .conftest import TASKS, UNITS

    made = []
    for name in ("airflow", "library"):
        root = tmp_path / name
        write_campaign(root, intake={"max_file_mb": 1, "settle_seconds": 0})
        write_registry(root, UNITS, TASKS)
        write_register(root)
        week_48(root)
        week_49(root)
        made.append(root)
    via_airflow, via_library = made
    for week, expected in (("2026-W48", W48_SUMMARY), ("2026-W49", W49_SUMMARY)):
        _reviewed("weekly_dispatch", airflow_home, via_airflow, api, {"period": week}, APPROVE)
        run_cycle(via_library, "weekly", week)
        assert summary_of(via_airflow, week) == summary_of(via_library, week) == expected
        notice_a, notice_l = dispatch_of(via_airflow, week), dispatch_of(via_library, week)
        assert notice_a.name == notice_l.name and docx_text(notice_a) == docx_text(notice_l)
    assert rows(body_tables(docx.Document(str(dispatch_of(via_airflow, "2026-W49"))))[1]) == BLOCKED_ROWS
    assert _receipts(via_airflow) == _receipts(via_library)
