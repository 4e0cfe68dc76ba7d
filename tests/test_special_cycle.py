"""The 专项督查 cycle: its settings (campaign.yaml ``special.inspections``), its calendar, and one inspection
end to end through the library, the CLI, the units' side (receipts, forms, reminders, board, review) and
its DAG; its findings enter the quarterly ledger, tagged with their source.

The timeline is ``builders.special.one_inspection``; every expected value below is worked out by hand from it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from docgen import cycles
from docgen.board import board
from docgen.cli import main
from docgen.config import Campaign
from docgen.cycles.special.calendar import inspections
from docgen.errors import WorkspaceError
from docgen.issue_forms import issue_forms
from docgen.pipeline import compute, ledger_view, run_cycle
from docgen.reminders import remind

from .builders import CST
from .builders.registry import write_registry
from .builders.special import INSPECTION, KEY, NAME, at, one_inspection, write_special_campaign
from .conftest import TASKS, UNITS
from .test_intake import docx_text

SPECIAL = cycles.get("special")


def campaign_with(section: Any) -> Campaign:
    return Campaign.from_dict({"name": "创建", "secretariat": "创建办", "doc_number_prefix": "创建办〔{year}〕",
                               "special": section})


def refused(section: Any) -> str:
    with pytest.raises(WorkspaceError) as caught:
        SPECIAL.check_settings(campaign_with(section))
    return str(caught.value)


def entry(**changes: Any) -> dict[str, Any]:
    return {**INSPECTION, **changes}


# ---------------------------------------------------------------- settings and calendar


def test_declared_inspections_are_periods_scheduled_at_their_deadlines() -> None:
    second = entry(key="2026-ZX02", name="农贸市场明查暗访", start="2026-12-01", end="2026-12-03",
                   deadline="2026-12-10 09:30", units=["B01"])
    campaign = campaign_with({"inspections": [INSPECTION, second]})
    SPECIAL.check_settings(campaign)
    period = SPECIAL.parse_period(KEY, campaign)
    assert (period.key, period.label, period.start, period.end) == (KEY, NAME, date(2026, 11, 2), date(2026, 11, 13))
    assert period.deadline == datetime(2026, 11, 20, 17, 0, tzinfo=CST)
    schedule = SPECIAL.calendar(campaign).schedule()
    assert (schedule.cron, schedule.moments) == (None, (datetime(2026, 11, 20, 17, 0, tzinfo=CST),
                                                        datetime(2026, 12, 10, 9, 30, tzinfo=CST)))
    assert SPECIAL.previous_period(datetime(2026, 12, 1, tzinfo=CST), campaign).key == KEY
    assert SPECIAL.previous_period(datetime(2026, 12, 10, 9, 30, tzinfo=CST), campaign).key == "2026-ZX02"
    assert [i.units for i in inspections(campaign)] == [("A01", "B01", "C01", "D01"), ("B01",)]
    with pytest.raises(ValueError, match="没有列在 campaign.yaml 中，已列出：2026-ZX01、2026-ZX02"):
        SPECIAL.parse_period("2026-ZX03", campaign)
    assert SPECIAL.number_prefix("notice", campaign) == "创建办专督〔{year}〕"


def test_no_inspection_declared_is_no_period() -> None:
    campaign = campaign_with(None)
    SPECIAL.check_settings(campaign)
    assert SPECIAL.calendar(campaign).schedule().moments == ()
    with pytest.raises(ValueError, match="尚未列出任何期次"):
        SPECIAL.parse_period(KEY, campaign)


@pytest.mark.parametrize(("section", "message"), [
    ({"inspection": []}, "campaign.yaml 的 special 中有不认识的设置：inspection"),
    ({"inspections": [entry(scope=["A01"])]}, "special.inspections 第1项 中有不认识的设置：scope"),
    ({"inspections": [entry(key="ZX-1")]}, "第1项 的编号“ZX-1”格式不正确，应写作“年份-ZX两位序号”，如 2026-ZX01"),
    ({"inspections": [entry(key="2025-ZX01")]}, "编号“2025-ZX01”的年份应与开始日期 start 的年份（2026）一致"),
    ({"inspections": [entry(start="2026-11-14")]}, "第1项 的结束日期 end（2026-11-13）早于开始日期 start（2026-11-14）"),
    ({"inspections": [entry(deadline="2026-11-13 17:00")]}, "整改报送期限 deadline（2026-11-13 17:00）应晚于督查结束日期 end"),
    ({"inspections": [entry(deadline="11月20日")]}, "deadline 应写作“日期 时:分”，如 \"2026-11-20 17:00\""),
    ({"inspections": [entry(start="下周一")]}, "第1项 的 start 应为日期，如 2026-11-02（不是“下周一”）"),
    ({"inspections": [INSPECTION, entry(name="重复")]}, "第2项 的编号“2026-ZX01”与前面的专项督查重复"),
    ({"inspections": [entry(units=[])]}, "第1项 缺少 units"),
    ({"inspections": [entry(units="A01")]}, "units 应为单位代码列表"),
    ({"inspections": [entry(units=["A01", "A01"])]}, "units 中有重复的单位代码"),
    ({"inspections": {"key": KEY}}, "special.inspections 应为列表"),
    ({"inspections": [INSPECTION], "requirements": 3}, "special.requirements 应为文字列表"),
    ({"inspections": [INSPECTION], "number_prefix": ""}, "special.number_prefix 应为发文字号前缀"),
])  # fmt: skip
def test_bad_settings_are_refused_in_chinese(section: Any, message: str) -> None:
    assert message in refused(section)


def test_a_bad_section_stops_the_workspace(tmp_path: Path) -> None:
    from docgen.workspace import Workspace  # noqa: PLC0415

    write_special_campaign(tmp_path, entry(end="2026-10-01"))
    write_registry(tmp_path, UNITS, TASKS)
    with pytest.raises(WorkspaceError, match="早于开始日期"):
        Workspace(tmp_path)


# ---------------------------------------------------------------- one inspection end to end


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("special") / "ws"
    write_special_campaign(root)
    write_registry(root, UNITS, TASKS)
    one_inspection(root)
    run_cycle(root, "quarterly", "2026-Q3", today=date(2026, 10, 11))
    run_cycle(root, "special", KEY, today=date(2026, 11, 21))
    run_cycle(root, "quarterly", "2026-Q4", today=date(2027, 1, 11))
    return root


def outbox(root: Path, cycle: str = "special", period: str = KEY) -> Path:
    return root / "outbox" / cycle / period


def summary(root: Path, cycle: str = "special", period: str = KEY) -> dict[str, Any]:
    return json.loads((outbox(root, cycle, period) / "summary.json").read_text(encoding="utf-8"))


def receipt(root: Path, folder: str, name: str) -> dict[str, Any]:
    (path,) = (root / "receipts/special" / KEY / folder).glob(f"*_{name}.回执.json")
    return json.loads(path.read_text(encoding="utf-8"))


def ids(*numbers: int) -> list[str]:
    return [f"{KEY}-{n:03d}" for n in numbers]


def test_the_inspection_at_its_deadline(ran: Path) -> None:
    s = summary(ran)
    assert (s["period"], s["name"], s["scope_units"]) == (KEY, NAME, ["A01", "B01", "C01", "D01"])
    assert s["filed"] == ids(1, 2, 3, 4, 5)  # the refused second list filed nothing
    assert s["closed"] == ids(1)  # rechecked on 11-19
    assert (s["rectifying"], s["awaiting_recheck"], s["open"]) == (ids(2), [], ids(3, 4, 5))  # B01's 11-22 report is late
    assert s["not_closed"] == ids(2, 3, 4, 5)
    assert s["overdue"] == ids(4)  # due 11-19; 001 was due 11-18 but closed
    assert s["expected_units"] == ["A01", "B01", "C01", "D01"]
    assert (s["on_time_units"], s["late_units"], s["rejected_units"], s["missing_units"]) == (
        ["A01"], ["B01"], ["C01"], ["D01"])
    assert s["deadline"] == "2026-11-20T17:00:00+08:00"


def test_its_documents_have_their_own_number_sequence(ran: Path) -> None:
    s = summary(ran)
    assert s["doc_number"] == "创建办专督〔2026〕1号"
    assert s["rectification_numbers"] == {"A01": "创建办专督〔2026〕2号", "B01": "创建办专督〔2026〕3号",
                                          "C01": "创建办专督〔2026〕4号", "D01": "创建办专督〔2026〕5号"}
    assert summary(ran, "quarterly", "2026-Q3")["doc_number"] == "创建办〔2026〕1号"  # the main sequence is untouched
    assert sorted(p.name for p in outbox(ran).iterdir() if p.is_file()) == sorted([
        "summary.json", "整改台账.xlsx", f"{NAME}通报（创建办专督〔2026〕1号）.docx",
        "专项督查整改通知书_青禾镇人民政府（创建办专督〔2026〕2号）.docx",
        "专项督查整改通知书_市民族宗教事务局（创建办专督〔2026〕3号）.docx",
        "专项督查整改通知书_青禾市第一中学（创建办专督〔2026〕4号）.docx",
        "专项督查整改通知书_青禾乳业有限公司（创建办专督〔2026〕5号）.docx",
    ])


def test_the_notice_tells_findings_by_unit_and_who_reported(ran: Path) -> None:
    text = docx_text(outbox(ran) / f"{NAME}通报（创建办专督〔2026〕1号）.docx")
    assert "关于背街小巷环境卫生专项督查情况的通报" in text
    assert "于2026年11月2日至13日采取明查暗访的方式开展了背街小巷环境卫生专项督查（2026年第1次专项督查）" in text
    assert "督查范围为青禾镇人民政府、市民族宗教事务局、青禾市第一中学、青禾乳业有限公司4个单位" in text
    assert ("本次专项督查共发现问题5个，涉及4个单位。截至2026年11月20日17:00（整改情况报送期限），已整改销号1个，"
            "尚未销号4个，其中挂号3个、整改中1个、已整改待复查0个；逾期未整改1个。") in text
    assert "1. 青禾镇人民政府：发现问题2个，已销号1个，未销号1个。" in text
    assert "3. 青禾市第一中学：发现问题1个，已销号0个，未销号1个。主要问题：2026-ZX01-004 {{ 7*7 }}<b>&（挂号）。" in text
    assert "应报送单位4家，其中按时报送1家，逾期报送1家，报送材料未通过审核1家，未报送1家。" in text
    assert "逾期报送的单位（1家）：市民族宗教事务局。" in text and "未报送的单位（1家）：青禾乳业有限公司。" in text
    assert "创建办专督〔2026〕1号" in text and "2026年11月21日印发" in text
    assert "{{" not in text.replace("{{ 7*7 }}", "")  # every variable filled, the unit's text left as written


def test_a_rectification_notice_lists_the_unit_s_open_items_of_this_inspection(ran: Path) -> None:
    text = docx_text(outbox(ran) / "专项督查整改通知书_青禾镇人民政府（创建办专督〔2026〕2号）.docx")
    assert ("根据《关于背街小巷环境卫生专项督查情况的通报》（创建办专督〔2026〕1号），背街小巷环境卫生专项督查发现你单位"
            "问题2个，截至2026年11月20日17:00，尚有1个问题未整改销号。") in text
    assert f"{KEY}-002" in text and f"{KEY}-001" not in text and "P1" not in text  # not closed ones, nor quarterly ones
    assert "于2026年12月6日17:00（北京时间）前报送整改情况报送表" in text  # 15 days after the issue day


def test_the_inspection_s_own_workbook_lists_only_its_items(ran: Path) -> None:
    sheet = openpyxl.load_workbook(outbox(ran) / "整改台账.xlsx")["台账"]
    assert sheet["A1"].value == f"{NAME}整改台账"
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert [(r[0], r[6], r[-1]) for r in rows] == [
        (f"{KEY}-001", "销号", NAME), (f"{KEY}-002", "整改中", NAME), (f"{KEY}-003", "挂号", NAME),
        (f"{KEY}-004", "挂号", NAME), (f"{KEY}-005", "挂号", NAME),
    ]


def test_the_quarterly_ledger_lists_the_inspection_s_items_tagged_with_their_source(ran: Path) -> None:
    q3, q4 = summary(ran, "quarterly", "2026-Q3"), summary(ran, "quarterly", "2026-Q4")
    assert q3["filed"] == ["P1"]  # the inspection came after Q3's cut-off
    assert q4["filed"] == ids(1, 2, 3, 4, 5)  # received before Q4's cut-off (2027-01-10 17:00)
    assert q4["awaiting_recheck"] == ids(3)  # B01's late report counts in the quarter it came in
    sheet = openpyxl.load_workbook(outbox(ran, "quarterly", "2026-Q4") / "整改台账.xlsx")["台账"]
    header = [c.value for c in sheet[2]]
    assert header[-1] == "来源"
    sources = {r[0]: r[-1] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert sources == {"P1": "季度督查", **dict.fromkeys(ids(1, 2, 3, 4, 5), NAME)}
    history = openpyxl.load_workbook(outbox(ran, "quarterly", "2026-Q4") / "整改台账.xlsx")["历史"]
    periods = {(r[0], r[-1]) for r in history.iter_rows(min_row=3, values_only=True)}
    assert (f"{KEY}-001", KEY) in periods


def test_the_ledger_from_either_cycle_is_the_one_ledger(ran: Path) -> None:
    for cycle in ("quarterly", "special"):
        view = ledger_view(ran, cycle)
        assert {r[0]: r[-1] for r in view.rows} == {"P1": "季度督查", **dict.fromkeys(ids(1, 2, 3, 4, 5), NAME)}
    history = ledger_view(ran, "special", item=f"{KEY}-003")
    assert [(r[1], r[6]) for r in history.rows] == [("督查挂号", KEY), ("单位报送整改情况", KEY)]


def test_bad_files_are_refused_with_row_column_and_reason(ran: Path) -> None:
    extra = receipt(ran, "_inspection", "补充问题清单.xlsx")
    assert extra["accepted"] is False
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in extra["errors"]] == [
        (3, "问题编号", "2026-ZX02-001", "问题编号应以本次专项督查的编号“2026-ZX01-”开头，如 2026-ZX01-001"),
    ]
    c01 = receipt(ran, "C01", "整改情况.xlsx")
    assert [(e["row"], e["column"], e["message"]) for e in c01["errors"]] == [
        (2, "问题编号", "问题“P1”不是本次专项督查（背街小巷环境卫生专项督查）的问题，请在该问题所属督查的报送目录中报送"),
    ]
    assert receipt(ran, "A01", "整改情况.xlsx")["accepted"] is True
    assert receipt(ran, "_inspection", "专项督查问题清单.xlsx")["unit_name"] == "督查组"


def test_a_problem_id_not_in_the_key_s_format_is_refused_by_the_contract(tmp_path: Path) -> None:
    from .builders.special import PROBLEM_HEADERS, finding, put  # noqa: PLC0415

    root = tmp_path / "ws"
    write_special_campaign(root)
    write_registry(root, UNITS, TASKS)
    put(root, "special", KEY, "_inspection", "问题清单.xlsx", PROBLEM_HEADERS,
        [finding(f"{KEY}-001", "A01", "环境卫生", "2026-11-30"), finding("ZX-7", "Z99", "环境卫生", "2026-11-30")],
        at(11, 14))
    run_cycle(root, "special", KEY, today=date(2026, 11, 21))
    (path,) = (root / "receipts/special" / KEY / "_inspection").glob("*.回执.json")
    errors = json.loads(path.read_text(encoding="utf-8"))["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(3, "问题编号"), (3, "单位代码")}
    assert any("格式不正确" in e["message"] and "2026-ZX01-001" in e["message"] for e in errors)
    assert summary(root)["filed"] == []


def test_receipts_tell_what_is_still_owed(tmp_path: Path) -> None:
    from .builders.special import PROBLEM_HEADERS, REPORT_HEADERS, finding, put  # noqa: PLC0415

    root = tmp_path / "ws"
    write_special_campaign(root)
    write_registry(root, UNITS, TASKS)
    put(root, "special", KEY, "_inspection", "问题清单.xlsx", PROBLEM_HEADERS, [
        finding(f"{KEY}-001", "A01", "环境卫生", "2026-11-30"), finding(f"{KEY}-002", "A01", "环境卫生", "2026-11-30"),
    ], at(11, 14))
    put(root, "special", KEY, "A01", "整改情况.xlsx", REPORT_HEADERS, [[f"{KEY}-001", "已清理", "整改中", None, None]],
        at(11, 16))
    run_cycle(root, "special", KEY, today=date(2026, 11, 21))
    (path,) = (root / "receipts/special" / KEY / "A01").glob("*.回执.json")
    text = json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False)
    assert f"本单位在本次专项督查中的以下未销号问题本次未报送整改情况，请一并报送：{KEY}-002（挂号）" in text


# ---------------------------------------------------------------- the units' side and the secretariat's tools


def test_forms_are_pre_filled_with_each_unit_s_open_items_of_this_inspection(ran: Path) -> None:
    paths = issue_forms(ran, "special", KEY)
    names = sorted(p.name for p in paths)
    assert [n for n in names if "整改情况报送表" in n] == sorted(
        n for n in names if n.split("_")[0] in {"A01", "B01", "C01", "D01"} and "整改情况报送表" in n)
    a01 = next(p for p in paths if p.name.startswith("A01_") and "整改情况报送表" in p.name)
    sheet = openpyxl.load_workbook(a01).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert f"{KEY}-002" in cells and f"{KEY}-001" not in cells and "P1" not in cells
    assert not any(p.name.startswith("A01_") and "P1" in p.name for p in paths)


def test_board_review_and_headline(ran: Path) -> None:
    shown = board(ran, "special", KEY)
    (section,) = shown.sections
    assert section.title == f"{NAME}未销号问题（4 个）"
    assert [r[1] for r in section.rows] == ids(2, 3, 4, 5)
    report = compute(ran, "special", KEY)
    figures = dict(SPECIAL.key_figures(report))
    assert (figures["发现问题"], figures["报送期限时已销号"], figures["逾期未整改"], figures["整改通知书"]) == (
        "5 个", "1 个", "1 个", "4 份")
    assert SPECIAL.headline(report)[1].startswith("  发现问题 5 个，报送期限时已销号 1 个，未销号 4 个")


def test_a_reminder_names_the_units_that_have_not_reported(tmp_path: Path) -> None:
    from .builders.special import PROBLEM_HEADERS, REPORT_HEADERS, finding, put  # noqa: PLC0415

    root = tmp_path / "ws"
    write_special_campaign(root)
    write_registry(root, UNITS, TASKS)
    put(root, "special", KEY, "_inspection", "问题清单.xlsx", PROBLEM_HEADERS, [
        finding(f"{KEY}-001", "A01", "环境卫生", "2026-11-30"), finding(f"{KEY}-002", "B01", "环境卫生", "2026-11-30"),
    ], at(11, 14))
    put(root, "special", KEY, "A01", "整改情况.xlsx", REPORT_HEADERS, [[f"{KEY}-001", "已清理", "整改中", None, None]],
        at(11, 16))
    result = remind(root, "special", KEY, today=datetime(2026, 11, 17, 9, 0, tzinfo=CST))
    lists = json.loads(next(p for p in result.paths if p.suffix == ".json").read_text(encoding="utf-8"))
    assert [u["code"] for u in lists["missing"]] == ["B01"]


def test_the_cli_runs_the_inspection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "ws"
    write_special_campaign(root)
    write_registry(root, UNITS, TASKS)
    one_inspection(root)
    assert main(["run", "special", "--root", str(root), "--period", KEY]) == 0
    out = capsys.readouterr().out
    assert f"{NAME}通报" in out and "发现问题 5 个" in out
    assert summary(root)["filed"] == ids(1, 2, 3, 4, 5)
    assert main(["ledger", "--root", str(root), "--cycle", "special", "--open"]) == 0
    assert "整改台账：未销号问题 4 个" in capsys.readouterr().out  # 002–005 (the quarterly folder was not run)
    assert main(["run", "special", "--root", str(root), "--period", "2026-ZX09"]) != 0
    assert "没有列在 campaign.yaml 中" in capsys.readouterr().err


# ---------------------------------------------------------------- the DAG


@pytest.mark.airflow
def test_the_special_inspection_dag_matches_the_cli(tmp_path: Path) -> None:
    """Slow (an Airflow run): the DAG's draft approved through the REST API issues what the CLI issues."""
    pytest.importorskip("airflow", reason="the [airflow] extra is not installed")
    from docgen.airflow_local import api_server, migrate  # noqa: PLC0415
    from docgen.approval import APPROVE  # noqa: PLC0415

    from .test_dags import _reviewed  # noqa: PLC0415

    home = tmp_path / "airflow_home"
    migrate(home)
    via_airflow, via_cli = tmp_path / "airflow" / "ws", tmp_path / "cli" / "ws"
    for root in (via_airflow, via_cli):
        write_special_campaign(root)
        write_registry(root, UNITS, TASKS)
        one_inspection(root)
    with api_server(home) as api:
        _reviewed("special_inspection", home, via_airflow, api, {"period": KEY}, APPROVE)
    run_cycle(via_cli, "special", KEY)
    assert summary(via_airflow) == summary(via_cli)
    docs = sorted(p.name for p in outbox(via_airflow).glob("*.docx"))
    assert docs == sorted(p.name for p in outbox(via_cli).glob("*.docx")) and len(docs) == 5
    for name in docs:
        assert docx_text(outbox(via_airflow) / name) == docx_text(outbox(via_cli) / name), name


# ---------------------------------------------------------------- the demo


def test_the_demo_inspection_matches_expected_yaml(tmp_path: Path) -> None:
    """The demo's 2026-ZX01 through the library: its summary and refusals as expected.yaml says (worked out
    by hand in examples/demo/generate_special.py), its items in the one ledger with their source."""
    import yaml  # noqa: PLC0415

    from docgen.resources import build_demo_workspace  # noqa: PLC0415

    from .builders.workspaces import DEMO_DIR  # noqa: PLC0415

    ws = build_demo_workspace(tmp_path / "demo")
    expected = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["special"]["2026-ZX01"]
    run_cycle(ws, "special", "2026-ZX01")
    found = json.loads((ws / "outbox/special/2026-ZX01/summary.json").read_text(encoding="utf-8"))
    assert {k: found[k] for k in expected if k != "rejected_files"} == {
        k: v for k, v in expected.items() if k != "rejected_files"}
    for rel, reason in expected["rejected_files"].items():
        folder, name = Path(rel).parent.name, Path(rel).name
        (path,) = (ws / "receipts/special/2026-ZX01" / folder).glob(f"*_{name}.回执.json")
        answer = json.loads(path.read_text(encoding="utf-8"))
        assert answer["accepted"] is False and reason in answer["errors"][0]["message"]
    sources = {row[0]: row[-1] for row in ledger_view(ws, "quarterly").rows}
    assert {sources[pid] for pid in expected["filed"]} == {"背街小巷环境卫生专项督查"}
