"""The monthly cycle end to end through the library and the CLI: real files in, a real notice out."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import docx
import pytest

from docgen.cli import main
from docgen.pipeline import run_cycle

from .builders.monthly import PROGRESS_HEADERS
from .builders.tables import write_table
from .conftest import LATE, ON_TIME, Dropper, row
from .test_intake import docx_text

DANGEROUS = "{{ 7*7 }} <b>加粗</b> & {% if 1 %}x{% endif %}"


@pytest.fixture
def month(workspace: Path, drop: Dropper) -> Path:
    """October: A01 on time (lagging T1), B01 late (T2 overdue), C01 rejected (T3 unreported)."""
    drop("A01", [row("A01", "T1", 30, 存在问题=DANGEROUS, **{"本月开展活动(场次)": 4, "参与人数(人次)": "1,200",
                                                      "投入经费(万元)": 2.35})])
    drop("B01", [row("B01", "T1", 90, **{"投入经费(万元)": 0.1}), row("B01", "T2", 80)], when=LATE)
    drop("C01", [row("C01", "T3", 101)], name="错误的表.xlsx")
    drop("C01", [row("C01", "T2", "八成")], name="又错了.csv", when=ON_TIME + timedelta(hours=1))
    return workspace


def notice_of(root: Path) -> Path:
    (notice,) = (root / "outbox" / "monthly" / "2026-10").glob("*月通报*.docx")
    return notice


def test_run_monthly_writes_notice_and_summary(month: Path) -> None:
    run = run_cycle(month, "monthly", "2026-10")
    summary = json.loads((month / "outbox/monthly/2026-10/summary.json").read_text(encoding="utf-8"))
    assert summary["expected_units"] == ["A01", "B01", "C01"]
    assert summary["on_time_units"] == ["A01"]
    assert summary["late_units"] == ["B01"]
    assert summary["rejected_units"] == ["C01"]
    assert summary["missing_units"] == []
    assert summary["lagging_tasks"] == ["T1"]
    assert summary["overdue_tasks"] == ["T2"]
    assert summary["unreported_tasks"] == ["T3"]
    assert summary["totals"] == {"activities": 4 + 3 + 3, "participants": 1200 + 120 + 120,
                                 "funds_10k_yuan": 2.35 + 0.1 + 1.5}
    assert run.report.doc_number == "创建办〔2026〕1号"

    notice = notice_of(month)
    assert "月通报" in notice.name and notice.suffix == ".docx"
    text = docx_text(notice)
    for expected in ("创建办〔2026〕1号", "2026年10月", "市民族宗教事务局", "青禾市第一中学", "青禾镇人民政府",
                     "T1", "T2", "T3", "1440", "3.95", "各成员单位要对照任务清单"):
        assert expected in text, expected
    assert DANGEROUS in text  # unit text comes out literally, never evaluated as a template
    assert "按已报送进度的任务计算" in text
    assert "创建进学校工程：任务1项，报送进度0项，平均完成进度—（均未报进度）" in text
    assert "宣传教育工程：任务1项，报送进度1项，平均完成进度30%" in text
    tables = docx.Document(str(notice)).tables
    unit_table = next(t for t in tables if t.rows[0].cells[1].text.strip() == "单位代码")
    assert [[c.text for c in r.cells][1:5] for r in unit_table.rows[1:]] == [
        ["A01", "青禾镇人民政府", "乡镇街道", "按时报送"],
        ["B01", "市民族宗教事务局", "部门", "逾期报送"],
        ["C01", "青禾市第一中学", "学校", "报送未通过"],
    ]
    task_table = next(t for t in tables if t.rows[0].cells[1].text.strip() == "任务编号")
    cells = {r.cells[1].text: [c.text for c in r.cells] for r in task_table.rows[1:]}
    assert set(cells) == {"T1", "T2", "T3"}
    assert "30%" in cells["T1"] and "进度滞后" in cells["T1"]
    assert "80%" in cells["T2"] and "逾期未完成" in cells["T2"]
    assert "未报进度" in cells["T3"]


def test_rerun_keeps_number_and_earlier_version(month: Path, drop: Dropper) -> None:
    first = run_cycle(month, "monthly", "2026-10")
    drop("C01", [row("C01", "T3", 40)], name="更正.xlsx", when=LATE + timedelta(days=1))
    second = run_cycle(month, "monthly", "2026-10")
    assert second.report.doc_number == first.report.doc_number == "创建办〔2026〕1号"
    assert second.report.issue_date == first.report.issue_date
    assert [u.state for u in second.report.units] == ["on_time", "late", "late"]
    earlier = month / "outbox/monthly/2026-10/versions/v1"
    assert {p.suffix for p in earlier.iterdir()} == {".docx", ".json"}
    assert json.loads((earlier / "summary.json").read_text(encoding="utf-8"))["rejected_units"] == ["C01"]
    third = run_cycle(month, "monthly", "2026-10")  # same inputs: same numbers
    assert third.report.summary() == second.report.summary()
    assert (month / "outbox/monthly/2026-10/versions/v2").is_dir()
    november = run_cycle(month, "monthly", "2026-11")
    assert november.report.doc_number == "创建办〔2026〕2号"


def test_cli_validate_exit_codes(month: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_table(tmp_path / "好.xlsx", PROGRESS_HEADERS, [row("A01", "T1", "85%")])
    bad = write_table(tmp_path / "坏.csv", PROGRESS_HEADERS, [row("A01", "T1", 120), row("A01", "T1", 20)],
                      encoding="gb18030")
    args = ["--root", str(month), "--contract", "monthly_progress", "--unit", "A01", "--period", "2026-10"]
    assert main(["validate", str(good), *args]) == 0
    assert "通过" in capsys.readouterr().out
    assert main(["validate", str(bad), *args]) == 1
    out = capsys.readouterr().out
    assert "坏.csv" in out and "第2行" in out and "完成进度(%)" in out and "0 到 100" in out and "出现多次" in out
    assert main(["validate", str(bad), *args, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["row"] == 2
    assert main(["validate", str(good), "--root", str(tmp_path / "nowhere"), "--contract", "monthly_progress"]) == 2
    assert "工作区目录不存在" in capsys.readouterr().err
    assert main(["validate", str(good), *args[:2], "--contract", "no_such"]) == 2
    assert main(["validate", str(good), *args[:4], "--unit", "Z99"]) == 2
    assert main(["validate", str(tmp_path / "无.xlsx"), *args]) == 2
    assert main(["run", "monthly", "--root", str(month), "--period", "2026-13"]) == 2
    assert main(["frobnicate"]) == 2


def test_cli_run_and_status(month: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--root", str(month), "--period", "2026-10", "--refresh"]) == 0
    out = capsys.readouterr().out
    assert "按时报送" in out and "逾期报送" in out and "报送未通过" in out
    assert not (month / "outbox").exists()  # status issues nothing
    assert main(["run", "monthly", "--root", str(month), "--period", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "创建办〔2026〕1号" in out and "月通报" in out and "退回" in out
    assert notice_of(month).exists()


def test_issue_date_is_the_first_run_date(month: Path) -> None:
    run = run_cycle(month, "monthly", "2026-10")
    assert isinstance(run.report.issue_date, date)
    text = docx_text(run.notice)
    d = run.report.issue_date
    assert f"{d.year}年{d.month}月{d.day}日" in text


def test_deadline_run_waits_for_a_file_dropped_just_before(workspace: Path, drop: Dropper) -> None:
    from .builders.registry import write_campaign

    write_campaign(workspace, intake={"settle_seconds": 1})
    drop("A01", [row("A01", "T1", 70)], when=datetime.now(UTC))
    run = run_cycle(workspace, "monthly", "2026-10")
    assert run.intake["new"] == 1 and run.intake["pending"] == []
    assert [u.state for u in run.report.units if u.code == "A01"] == ["late"]  # dropped today, after the deadline


def test_two_runs_never_answer_the_same_file_twice(workspace: Path, drop: Dropper) -> None:
    """A live run's claim is respected; a dead run's claim is taken over at once, not after a timeout."""
    import subprocess
    import sys

    import sqlalchemy as sa

    from docgen import intake
    from docgen.state import SubmissionRow, owner_token
    from docgen.workspace import Workspace

    drop("A01", [row("A01", "T1", 70)])
    ws = Workspace(workspace)
    (sub_id,) = intake.collect(ws).new
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with ws.state.session() as s:  # claimed by another process that is still running
            s.execute(sa.update(SubmissionRow).where(SubmissionRow.id == sub_id).values(
                status="processing", claimed_by=owner_token(sleeper.pid), claimed_at=datetime.now(UTC)))
        assert intake.process(ws) == []
        assert [r.status for r in ws.state.submissions("monthly", "2026-10")] == ["processing"]
    finally:
        sleeper.kill()
        sleeper.wait()
    (receipt,) = intake.process(ws)  # its owner is gone: taken over now
    assert receipt.accepted
    assert [r.status for r in ws.state.submissions("monthly", "2026-10")] == ["accepted"]


def test_issuing_number_carries_the_year_of_issue(workspace: Path, drop: Dropper) -> None:
    from docgen.pipeline import compute

    from .builders.registry import write_campaign

    write_campaign(workspace, doc_number_prefix="创建办〔{year}〕", intake={"max_file_mb": 1, "settle_seconds": 0})
    drop("A01", [row("A01", "T1", 70)])
    december = compute(workspace, "monthly", "2026-12", today=date(2027, 1, 6))
    assert december.doc_number == "创建办〔2027〕1号"
    november = compute(workspace, "monthly", "2026-11", today=date(2026, 12, 7))  # issued late in 2026
    assert november.doc_number == "创建办〔2026〕1号"
    january = compute(workspace, "monthly", "2027-01", today=date(2027, 2, 5))
    assert january.doc_number == "创建办〔2027〕2号"
    again = compute(workspace, "monthly", "2026-12", today=date(2027, 6, 1))  # a rerun keeps number and date
    assert (again.doc_number, again.issue_date) == ("创建办〔2027〕1号", date(2027, 1, 6))
    run = run_cycle(workspace, "monthly", "2026-10")  # issued today: the prefix takes this year
    assert run.report.doc_number.startswith(f"创建办〔{run.report.issue_date.year}〕")
    assert run.notice.name.endswith(f"（{run.report.doc_number}）.docx")
    assert run.report.doc_number in docx_text(run.notice)


def test_no_notice_while_a_file_has_no_receipt(workspace: Path, drop: Dropper, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file claimed by another live run and never answered: the run names it and issues nothing."""
    import subprocess
    import sys

    import sqlalchemy as sa

    from docgen import intake, pipeline
    from docgen.state import SubmissionRow, owner_token
    from docgen.workspace import Workspace

    drop("A01", [row("A01", "T1", 70)], name="一号.xlsx")
    drop("B01", [row("B01", "T2", 70)])
    ws = Workspace(workspace)
    intake.collect(ws)
    monkeypatch.setattr(pipeline, "ANSWER_WAIT_SECONDS", 1.0)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with ws.state.session() as s:
            s.execute(sa.update(SubmissionRow).where(SubmissionRow.unit == "A01").values(
                status="processing", claimed_by=owner_token(other.pid), claimed_at=datetime.now(UTC)))
        with pytest.raises(pipeline.IncompleteIntake, match="A01/一号.xlsx"):
            run_cycle(workspace, "monthly", "2026-10")
        assert not (workspace / "outbox").exists()
    finally:
        other.kill()
        other.wait()
    run = run_cycle(workspace, "monthly", "2026-10")  # the other run is gone: its file is answered and counted
    assert {u.code: u.state for u in run.report.units}["A01"] == "on_time"


def test_an_accepted_receipt_says_what_the_unit_still_owes(workspace: Path, drop: Dropper) -> None:
    """B01 leads T2 and cooperates on T1: a file with only T2 is accepted, and its receipt names T1."""
    drop("B01", [row("B01", "T2", 80)])
    drop("A01", [row("A01", "T1", 50)])
    run_cycle(workspace, "monthly", "2026-10")
    (b01,) = (workspace / "receipts/monthly/2026-10/B01").glob("*.回执.json")
    receipt = json.loads(b01.read_text(encoding="utf-8"))
    assert receipt["accepted"] is True
    assert receipt["notes"] == [
        "本单位参与的以下任务本期尚无进展记录，如有进展请补充后重新报送：T1 开展民族团结进步宣传月活动（配合）"]
    (a01,) = (workspace / "receipts/monthly/2026-10/A01").glob("*.回执.json")
    assert json.loads(a01.read_text(encoding="utf-8"))["notes"] == []  # A01's only task of October is T1
