"""The DAGs end to end through Airflow (``airflow dags test`` on an embedded SQLite metadata database)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from docgen.airflow_local import DAGS_DIR, airflow_env, dags_test, migrate
from docgen.periods import previous_period
from docgen.pipeline import run_cycle
from docgen.samples import DEMO_DIR, build_demo_workspace

from .test_intake import docx_text

pytest.importorskip("airflow", reason="the [airflow] extra is not installed")
pytestmark = pytest.mark.airflow


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow_home")
    migrate(home)
    return home


def _run(dag_id: str, home: Path, ws: Path, conf: dict | None = None) -> subprocess.CompletedProcess[str]:
    done = dags_test(dag_id, home, ws, conf)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    assert "state=success" in done.stdout + done.stderr
    return done


def _receipts(ws: Path) -> list[str]:
    return sorted(p.relative_to(ws).as_posix() for p in (ws / "receipts").rglob("*") if p.is_file())


def test_monthly_notice_dag_matches_the_cli(airflow_home: Path, tmp_path: Path) -> None:
    via_airflow = build_demo_workspace(tmp_path / "airflow")
    via_cli = build_demo_workspace(tmp_path / "cli")
    _run("monthly_notice", airflow_home, via_airflow, {"period": "2026-10"})
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


def test_quarterly_inspection_dag_matches_the_cli_over_two_quarters(airflow_home: Path, tmp_path: Path) -> None:
    via_airflow = build_demo_workspace(tmp_path / "airflow")
    via_cli = build_demo_workspace(tmp_path / "cli")
    expected = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["quarterly"]
    for quarter in QUARTERS:
        _run("quarterly_inspection", airflow_home, via_airflow, {"period": quarter})
        run_cycle(via_cli, "quarterly", quarter)
        outbox_a, outbox_c = (ws / "outbox/quarterly" / quarter for ws in (via_airflow, via_cli))
        summary = json.loads((outbox_a / "summary.json").read_text(encoding="utf-8"))
        assert summary == json.loads((outbox_c / "summary.json").read_text(encoding="utf-8"))
        assert {k: summary[k] for k in QUARTER_KEYS} == {k: expected[quarter][k] for k in QUARTER_KEYS}, quarter
        docs_a = sorted(p.name for p in outbox_a.glob("*.docx"))
        assert docs_a == sorted(p.name for p in outbox_c.glob("*.docx"))
        assert len([n for n in docs_a if "整改通知书" in n]) == len(summary["units_with_open_items"])
        for name in docs_a:
            assert docx_text(outbox_a / name) == docx_text(outbox_c / name), name
    assert _receipts(via_airflow) == _receipts(via_cli)
    inspection_receipts = list((via_airflow / "receipts/quarterly/2026-Q2/_inspection").glob("*.回执.json"))
    assert inspection_receipts and all(json.loads(p.read_text(encoding="utf-8"))["unit_name"] == "督查组"
                                       for p in inspection_receipts)


ANNUAL_KEYS = ("expected_units", "submitted_units", "missing_units", "scores", "grades", "ranking", "unscored")


def test_annual_acceptance_dag_matches_the_cli(airflow_home: Path, tmp_path: Path) -> None:
    via_airflow = build_demo_workspace(tmp_path / "airflow")
    via_cli = build_demo_workspace(tmp_path / "cli")
    _run("annual_acceptance", airflow_home, via_airflow, {"period": "2025"})
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
    ws = build_demo_workspace(tmp_path / "ws")
    _run("monthly_notice", airflow_home, ws)
    period = previous_period("monthly", datetime.now(UTC), "Asia/Shanghai").key
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
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env=airflow_env(airflow_home))
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line[4:] for line in done.stdout.splitlines() if line.startswith("OUT ")]
    assert lines[0] == ("['annual_acceptance', 'forms', 'intake_receipts', 'monthly_notice', 'quarterly_inspection', "
                        "'reminders'] {}")
    assert "intake" in lines[1] and "publish" in lines[1] and "validate_and_receipts" in lines[1]
    assert lines[2] == "True 0 17 5 * * Asia/Shanghai"
    assert lines[3] == "True 0 17 10 1,4,7,10 * ['docgen', '季度督查']"
