"""The DAGs end to end through Airflow (``airflow dags test`` on an embedded SQLite metadata database)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from docgen.airflow_local import (
    DAGS_DIR,
    ApiError,
    ApiServer,
    airflow_env,
    api_server,
    dags_test,
    migrate,
    run_reviewed,
    start_dags_test,
)
from docgen.approval import APPROVE, RETURN
from docgen.cycles import get as get_cycle
from docgen.pipeline import run_cycle
from docgen.resources import build_demo_workspace
from docgen.workspace import Workspace

from .builders.workspaces import DEMO_DIR
from .test_intake import docx_text

pytest.importorskip("airflow", reason="the [airflow] extra is not installed")
pytestmark = pytest.mark.airflow


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow_home")
    migrate(home)
    return home


@pytest.fixture(scope="session")
def api(airflow_home: Path) -> ApiServer:
    """The REST API of the same Airflow: where the tests answer the review as the secretariat would."""
    with api_server(airflow_home) as server:
        yield server


def _run(dag_id: str, home: Path, ws: Path, conf: dict | None = None) -> subprocess.CompletedProcess[str]:
    """A DAG that asks nobody (daily DAGs, or approval: off)."""
    done = dags_test(dag_id, home, ws, conf)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    assert "state=success" in done.stdout + done.stderr
    return done


def _reviewed(dag_id: str, home: Path, ws: Path, api: ApiServer, conf: dict | None, option: str,
              comment: str = "", **fields: str) -> tuple[str, dict]:
    """A cycle DAG whose draft is answered ``option`` through the REST API; (its log, the action answered)."""
    code, log, action = run_reviewed(dag_id, home, ws, api, conf, option=option, comment=comment,
                                     log=ws.parent / f"{dag_id}-{option}.log", fields=fields)
    assert code == 0, log[-5000:]
    assert "state=success" in log
    return log, action


def _issued(outbox: Path) -> list[str]:
    """The files issued into an outbox (not its drafts or versions)."""
    return sorted(p.name for p in outbox.iterdir() if p.is_file()) if outbox.is_dir() else []


def _receipts(ws: Path) -> list[str]:
    return sorted(p.relative_to(ws).as_posix() for p in (ws / "receipts").rglob("*") if p.is_file())


def test_monthly_notice_dag_matches_the_cli(airflow_home: Path, api: ApiServer, tmp_path: Path) -> None:
    via_airflow = build_demo_workspace(tmp_path / "airflow")
    via_cli = build_demo_workspace(tmp_path / "cli")
    _reviewed("monthly_notice", airflow_home, via_airflow, api, {"period": "2026-10"}, APPROVE)
    run_cycle(via_cli, "monthly", "2026-10")

    outbox_a, outbox_c = (ws / "outbox/monthly/2026-10" for ws in (via_airflow, via_cli))
    summary = json.loads((outbox_a / "summary.json").read_text(encoding="utf-8"))
    assert summary == json.loads((outbox_c / "summary.json").read_text(encoding="utf-8"))
    (notice_a,) = outbox_a.glob("*月通报*.docx")
    (notice_c,) = outbox_c.glob("*月通报*.docx")
    assert notice_a.name == notice_c.name
    assert docx_text(notice_a) == docx_text(notice_c)
    assert _receipts(via_airflow) == _receipts(via_cli)

    expected = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))
    states = {code: state for state in ("on_time", "late", "rejected", "missing")
              for code in summary[f"{state}_units"]}
    assert states == expected["unit_states"]
    for state in ("lagging", "overdue", "unreported"):
        assert sorted(summary[f"{state}_tasks"]) == sorted(
            t for t, s in expected["task_states"].items() if s == state
        )


QUARTERS = ("2026-Q2", "2026-Q3")
QUARTER_KEYS = ("filed", "closed", "awaiting_recheck", "rectifying", "open", "overdue", "units_with_open_items",
                "expected_units", "on_time_units", "late_units", "rejected_units", "missing_units")


def test_quarterly_inspection_dag_matches_the_cli_over_two_quarters(
    airflow_home: Path, api: ApiServer, tmp_path: Path
) -> None:
    """The first quarter's draft is returned once (nothing issued, the comment beside the draft), then
    approved; the second approved at once: the outbox then matches the CLI's."""
    via_airflow = build_demo_workspace(tmp_path / "airflow")
    via_cli = build_demo_workspace(tmp_path / "cli")
    expected = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["quarterly"]
    _reviewed("quarterly_inspection", airflow_home, via_airflow, api, {"period": QUARTERS[0]}, RETURN,
              "整改通知书的期限请再核对")
    outbox = via_airflow / "outbox/quarterly" / QUARTERS[0]
    assert _issued(outbox) == []
    note = (outbox / "drafts/1/审核意见.txt").read_text(encoding="utf-8")
    assert "退回" in note and "整改通知书的期限请再核对" in note
    assert any("整改通知书" in p.name for p in (outbox / "drafts/1").iterdir())
    for quarter in QUARTERS:
        _reviewed("quarterly_inspection", airflow_home, via_airflow, api, {"period": quarter}, APPROVE)
        run_cycle(via_cli, "quarterly", quarter)
        outbox_a, outbox_c = (ws / "outbox/quarterly" / quarter for ws in (via_airflow, via_cli))
        summary = json.loads((outbox_a / "summary.json").read_text(encoding="utf-8"))
        assert summary == json.loads((outbox_c / "summary.json").read_text(encoding="utf-8"))
        assert {k: summary[k] for k in QUARTER_KEYS} == {k: expected[quarter][k] for k in QUARTER_KEYS}, quarter
        docs_a = sorted(p.name for p in outbox_a.glob("*.docx"))
        assert docs_a == sorted(p.name for p in outbox_c.glob("*.docx"))
        assert len([n for n in docs_a if "整改通知书" in n]) == len(summary["rectification_numbers"])
        for name in docs_a:
            assert docx_text(outbox_a / name) == docx_text(outbox_c / name), name
    assert _receipts(via_airflow) == _receipts(via_cli)
    inspection_receipts = list((via_airflow / "receipts/quarterly/2026-Q2/_inspection").glob("*.回执.json"))
    assert inspection_receipts and all(json.loads(p.read_text(encoding="utf-8"))["unit_name"] == "督查组"
                                       for p in inspection_receipts)


ANNUAL_KEYS = ("expected_units", "submitted_units", "missing_units", "scores", "grades", "ranking", "unscored")


def test_annual_acceptance_dag_matches_the_cli(airflow_home: Path, api: ApiServer, tmp_path: Path) -> None:
    """Returned first (nothing issued), approved on the next run: the outbox then matches the CLI's."""
    via_airflow = build_demo_workspace(tmp_path / "airflow")
    via_cli = build_demo_workspace(tmp_path / "cli")
    _reviewed("annual_acceptance", airflow_home, via_airflow, api, {"period": "2025"}, RETURN, "等次待复核")
    assert _issued(via_airflow / "outbox/annual/2025") == []
    assert "等次待复核" in (via_airflow / "outbox/annual/2025/drafts/1/审核意见.txt").read_text(encoding="utf-8")
    _reviewed("annual_acceptance", airflow_home, via_airflow, api, {"period": "2025"}, APPROVE)
    run_cycle(via_cli, "annual", "2025")
    outbox_a, outbox_c = (ws / "outbox/annual/2025" for ws in (via_airflow, via_cli))
    summary = json.loads((outbox_a / "summary.json").read_text(encoding="utf-8"))
    assert summary == json.loads((outbox_c / "summary.json").read_text(encoding="utf-8"))
    expected = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["annual"]["2025"]
    assert {k: summary[k] for k in ANNUAL_KEYS} == {k: expected[k] for k in ANNUAL_KEYS}
    names = sorted(p.name for p in outbox_a.iterdir() if p.is_file())
    assert names == sorted(p.name for p in outbox_c.iterdir() if p.is_file())
    for name in (n for n in names if n.endswith(".docx")):
        assert docx_text(outbox_a / name) == docx_text(outbox_c / name), name
    assert _receipts(via_airflow) == _receipts(via_cli)


def test_monthly_review_returned_then_approved_through_the_rest_api(
    airflow_home: Path, api: ApiServer, tmp_path: Path
) -> None:
    """The secretariat reads the draft on the Required Actions page and returns it with a comment, naming a
    unit whose report goes back too (退回的报送): nothing is issued, the comment is beside the draft, the run
    ends successfully with publish skipped, and a second answer is refused. The next run makes draft 2 with
    the same issuing number and the unit returned; approved, it is issued, and the state records who
    approved it and when."""
    ws = build_demo_workspace(tmp_path / "ws")
    log, action = _reviewed("monthly_notice", airflow_home, ws, api, {"period": "2026-10"}, RETURN,
                            "参与人次与上月出入较大，请核实", return_units="BM03，无此单位")
    assert action["subject"] == "审核《2026年10月月通报（创建办〔2026〕1号）》（第 1 稿）"
    body = action["body"]
    for text in ("创建办〔2026〕1号", "| 应报单位 | 17 个 |", "| 未报送 | 2 个 |", "| 参与人次 | 21156 |",
                 "| 滞后任务 | 2 项：T02、T06 |", "| 逾期任务 | 1 项：T05 |", "outbox/monthly/2026-10/drafts/1"):
        assert text in body, text
    expected = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["unit_states"]
    unit_rows = [line.strip("| ").split(" | ") for line in body.splitlines() if line.count("|") == 6][2:]
    labels = {"on_time": "按时报送", "late": "逾期报送", "rejected": "报送未通过", "missing": "未报送"}
    assert {row[0]: row[2] for row in unit_rows} == {code: labels[state] for code, state in expected.items()}
    assert "Skipping task" in log and "草稿已退回" in log

    outbox = ws / "outbox/monthly/2026-10"
    assert _issued(outbox) == []
    draft = outbox / "drafts/1"
    assert sorted(p.suffix for p in draft.iterdir()) == [".docx", ".json", ".txt"]
    note = (draft / "审核意见.txt").read_text(encoding="utf-8")
    assert "退回" in note and "secretariat" in note and "参与人次与上月出入较大，请核实" in note
    assert "退回报送：青禾市教育局（BM03）的《教育局10月报送.csv》" in note and "未找到的单位：无此单位" in note
    assert "退回报送：青禾市教育局（BM03）" in log
    with pytest.raises(ApiError) as second:  # answered twice: refused, nothing changes
        api.respond(action, APPROVE)
    assert second.value.status == 409
    ti = action["task_instance"]  # the run cleared, then answered: refused as well
    api.request("POST", f"/api/v2/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/clear", {"dry_run": False})
    with pytest.raises(ApiError) as after_clear:
        api.respond(action, APPROVE)
    assert after_clear.value.status == 409 and "already been updated" in after_clear.value.body
    assert _issued(outbox) == []

    _reviewed("monthly_notice", airflow_home, ws, api, {"period": "2026-10"}, APPROVE, "同意印发")
    issued = _issued(outbox)
    assert issued == ["2026年10月月通报（创建办〔2026〕1号）.docx", "summary.json"]
    assert (outbox / "summary.json").read_bytes() == (outbox / "drafts/2/summary.json").read_bytes()
    assert "BM03" in json.loads((outbox / "summary.json").read_text(encoding="utf-8"))["rejected_units"]
    assert "签发" in (outbox / "drafts/2/审核意见.txt").read_text(encoding="utf-8")
    rows = Workspace(ws).state.drafts("monthly", "2026-10")
    assert [(r.seq, r.status, r.decided_by, r.comment) for r in rows] == [
        (1, "returned", "secretariat", "参与人次与上月出入较大，请核实"), (2, "approved", "secretariat", "同意印发")]
    run = Workspace(ws).state.run(rows[1].run_id)
    assert run is not None and run.doc_number == "创建办〔2026〕1号" and run.trigger == "airflow"
    assert sorted(Path(p).name for p in run.outputs) == issued
    status = subprocess.run([str(Path(sys.executable).parent / "docgen"), "status", "--root", str(ws), "--period",
                             "2026-10"], capture_output=True, text=True, check=True).stdout
    assert "第 1 稿" in status and "已退回" in status and "第 2 稿" in status and "已签发，secretariat" in status
    assert "同意印发" in status

    # the run's 状态看板 tab opens on the period the run reported on, with the issued notice linked; the
    # API server finds the workspace as a secretariat would configure it, in the Airflow Variable DOCGEN_ROOT
    variable = {"key": "DOCGEN_ROOT", "value": str(ws)}
    try:
        api.request("POST", "/api/v2/variables", variable)
    except ApiError:
        api.request("PATCH", "/api/v2/variables/DOCGEN_ROOT", variable)
    run_id = urllib.parse.quote(ti["dag_run_id"], safe="")
    page = api.request("GET", f"/docgen/board?dag_id=monthly_notice&run_id={run_id}", raw=True).decode("utf-8")
    assert "2026年10月" in page and "2026年10月月通报（创建办〔2026〕1号）.docx" in page
    assert "参与人次与上月出入较大，请核实" in page  # the returned draft's comment


def test_a_draft_nobody_reviews_in_time_is_returned(airflow_home: Path, tmp_path: Path) -> None:
    """``approval_timeout_hours`` passes with no answer: Airflow's scheduler applies the review's default
    (退回), so nothing is issued and the note says the time ran out."""
    ws = build_demo_workspace(tmp_path / "ws")
    campaign = ws / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "\napproval_timeout_hours: 0.004\n", encoding="utf-8")
    run = start_dags_test("monthly_notice", airflow_home, ws, {"period": "2026-10"}, tmp_path / "run.log")
    env = {**airflow_env(airflow_home, ws), "AIRFLOW__SCHEDULER__TRIGGER_TIMEOUT_CHECK_INTERVAL": "1",
           "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True"}
    with open(tmp_path / "scheduler.log", "w") as out:
        scheduler = subprocess.Popen([str(Path(sys.executable).parent / "airflow"), "scheduler"], env=env,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert run.wait(timeout=600) == 0, (tmp_path / "run.log").read_text(encoding="utf-8")[-5000:]
    finally:
        os.killpg(scheduler.pid, signal.SIGTERM)
        scheduler.wait(timeout=60)
    log = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "state=success" in log and "草稿已退回" in log
    outbox = ws / "outbox/monthly/2026-10"
    assert _issued(outbox) == []
    assert "超过审核时限" in (outbox / "drafts/1/审核意见.txt").read_text(encoding="utf-8")
    (draft,) = Workspace(ws).state.drafts("monthly", "2026-10")
    assert (draft.status, draft.decided_by) == ("returned", "超时未审核")


def test_a_failed_task_says_why_in_chinese(airflow_home: Path, tmp_path: Path) -> None:
    """A workspace without its task list: the run fails before any draft, and the log names the file."""
    ws = build_demo_workspace(tmp_path / "ws")
    (ws / "registry/任务清单.xlsx").unlink()
    done = dags_test("monthly_notice", airflow_home, ws, {"period": "2026-10"})
    log = done.stdout + done.stderr
    assert "state=failed" in log
    assert f"找不到任务清单：应为 {ws / 'registry/任务清单.xlsx'}" in log
    assert not (ws / "outbox").exists()


def test_reminders_and_forms_dags(airflow_home: Path, tmp_path: Path) -> None:
    """As of 2 November 09:00 the October deadline (5 November) is 3 days away: the October reminder goes
    out, naming the units without an accepted file among those dropped (the demo's missing and returned
    units); on 1 December the forms of December go out."""
    ws = build_demo_workspace(tmp_path / "ws")
    _run("reminders", airflow_home, ws, {"as_of": "2026-11-02T09:00:00+08:00"})
    (reminder,) = (ws / "outbox/monthly/2026-10/催报/2026-11-02").glob("reminder.json")
    lists = json.loads(reminder.read_text(encoding="utf-8"))
    states = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["unit_states"]
    assert sorted(u["code"] for u in lists["missing"]) == sorted(u for u, s in states.items() if s == "missing")
    assert sorted(u["code"] for u in lists["returned"]) == sorted(u for u, s in states.items() if s == "rejected")
    assert list((ws / "outbox/monthly/2026-10/催报/2026-11-02").glob("*催报*.docx"))
    _run("forms", airflow_home, ws, {"as_of": "2026-12-01T08:00:00+08:00"})
    forms = sorted(p.name for p in (ws / "forms/monthly/2026-12").glob("*.xlsx"))
    assert forms and all(name.endswith("_月度进展报送表_2026-12.xlsx") for name in forms)


def test_monthly_notice_defaults_to_the_previous_month(airflow_home: Path, tmp_path: Path) -> None:
    """With ``approval: off`` there is no review step: the documents are published as soon as rendered."""
    ws = build_demo_workspace(tmp_path / "ws")
    campaign = ws / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "\napproval: off\n", encoding="utf-8")
    done = _run("monthly_notice", airflow_home, ws)
    assert "task_id=review" not in done.stdout + done.stderr
    period = get_cycle("monthly").previous_period(datetime.now(UTC), Workspace(ws).campaign).key
    assert (ws / "outbox/monthly" / period / "summary.json").is_file()


def test_intake_receipts_dag_answers_every_file(airflow_home: Path, tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    dropped = [p for p in (ws / "intake").rglob("*") if p.is_file()]
    _run("intake_receipts", airflow_home, ws)
    receipts = [json.loads(p.read_text(encoding="utf-8")) for p in (ws / "receipts").rglob("*.回执.json")]
    assert sorted(r["file"] for r in receipts) == sorted(p.name for p in dropped)
    assert not (ws / "outbox").exists()


def test_dag_files_are_thin_and_parse() -> None:
    """Parsing a DAG file imports no pandas, docx or matplotlib (Airflow parses it continuously)."""
    code = (
        "import runpy, sys\n"
        f"for f in {[str(p) for p in sorted(DAGS_DIR.glob('*.py'))]!r}:\n"
        "    runpy.run_path(f)\n"
        "heavy = [m for m in ('pandas', 'pandera', 'docx', 'docxtpl', 'matplotlib', 'openpyxl') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env=airflow_env(Path("/tmp/docgen-parse-check")))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "HEAVY []" in done.stdout


def test_dagbag_has_no_import_errors(airflow_home: Path) -> None:
    code = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS_DIR)!r})\n"
        "print('OUT', sorted(bag.dag_ids), bag.import_errors)\n"
        "d = bag.get_dag('monthly_notice')\n"
        "print('OUT', sorted(d.task_ids))\n"
        "print('OUT', bool(d.doc_md), d.timetable.expression, d.timetable.timezone)\n"
        "q = bag.get_dag('quarterly_inspection')\n"
        "print('OUT', sorted(q.task_ids) == sorted(d.task_ids), q.timetable.expression, sorted(q.tags))\n"
        "print('OUT', [(t.task_display_name, bool(t.doc_md)) for t in d.topological_sort()])\n"
        "import json; print('OUT', json.dumps(sorted(bag.get_dag(i).dag_display_name for i in bag.dag_ids)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env=airflow_env(airflow_home))
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line[4:] for line in done.stdout.splitlines() if line.startswith("OUT ")]
    assert lines[0] == ("['annual_acceptance', 'forms', 'intake_receipts', 'monthly_notice', 'quarterly_inspection', "
                        "'reminders', 'special_inspection', 'weekly_dispatch'] {}")
    assert "intake" in lines[1] and "publish" in lines[1] and "validate_and_receipts" in lines[1]
    assert lines[2] == "True 0 17 5 * * Asia/Shanghai"
    assert lines[3] == "True 0 17 10 1,4,7,10 * ['docgen', '季度督查', '审核']"
    assert lines[4] == str([(name, True) for name in ("接收", "校验与回执", "统计", "生成草稿", "审核", "发布", "送达")])
    assert {"月通报", "季度督查", "年度验收", "回执"} <= set(json.loads(lines[5]))


def test_a_workspace_named_only_by_a_variable_sets_the_schedules(airflow_home: Path, tmp_path: Path) -> None:
    """With only the Airflow Variable DOCGEN_ROOT set (no environment variable), the DAGs are parsed with the
    workspace's campaign.yaml: its deadlines and its approval setting, not the defaults."""
    ws = build_demo_workspace(tmp_path / "ws")
    campaign = ws / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8").replace("    day: 5\n", "    day: 7\n", 1)
                        + "\napproval: off\n",
                        encoding="utf-8")
    code = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS_DIR)!r})\n"
        "d = bag.get_dag('monthly_notice')\n"
        "print('OUT', d.timetable.expression, 'review' in d.task_ids, bag.import_errors)\n"
    )
    env = airflow_env(airflow_home)
    env.pop("DOCGEN_ROOT", None)
    env["AIRFLOW_VAR_DOCGEN_ROOT"] = str(ws)  # an Airflow Variable, as the secrets backend of environment variables holds it
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    (line,) = [line[4:] for line in done.stdout.splitlines() if line.startswith("OUT ")]
    assert line == "0 17 7 * * False {}"
