"""The review before issuing (审核) as a library and from the command line: drafts, approval, return."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from docgen import approval
from docgen.cli import main
from docgen.config import Campaign
from docgen.errors import WorkspaceError
from docgen.faults import CRASH_ENV
from docgen.pipeline import run_cycle
from docgen.resources import build_demo_workspace
from docgen.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_workspace(tmp_path_factory.mktemp("approval") / "ws")


def _issued(outbox: Path) -> list[str]:
    return sorted(p.name for p in outbox.iterdir() if p.is_file()) if outbox.is_dir() else []


def test_a_draft_issues_nothing_until_approved_and_a_decision_is_final(demo: Path) -> None:
    run = run_cycle(demo, "monthly", "2026-10", draft=True)
    outbox = demo / "outbox/monthly/2026-10"
    assert run.draft is not None and run.draft.seq == 1
    assert Path(run.draft.folder) == outbox / "drafts/1"
    assert _issued(outbox) == []
    assert sorted(p.name for p in (outbox / "drafts/1").iterdir()) == [
        "2026年10月月通报（创建办〔2026〕1号）.docx", "summary.json"]
    assert "| 逾期报送 | 2 个 |" in run.draft.body and "| XZ03 | 青禾市石门乡人民政府 | 逾期报送 |" in run.draft.body

    returned = approval.decide(demo, "monthly", "2026-10", 1, approve=False, by="王科长", comment="经费合计有误")
    assert not returned.approved and returned.outputs == []
    assert _issued(outbox) == []
    note = (outbox / "drafts/1/审核意见.txt").read_text(encoding="utf-8")
    assert "退回" in note and "王科长" in note and "经费合计有误" in note
    with pytest.raises(approval.NotPending, match="第 1 稿已.*王科长.*已退回"):
        approval.decide(demo, "monthly", "2026-10", 1, approve=True, by="李主任")
    assert _issued(outbox) == []

    second = run_cycle(demo, "monthly", "2026-10", draft=True)
    assert second.draft.seq == 2 and second.draft.doc_number == "创建办〔2026〕1号"  # the number is kept
    issued = approval.decide(demo, "monthly", "2026-10", 2, approve=True, by="李主任", comment="同意")
    assert _issued(outbox) == ["2026年10月月通报（创建办〔2026〕1号）.docx", "summary.json"]
    assert sorted(p.name for p in issued.outputs) == _issued(outbox)
    assert (outbox / "summary.json").read_bytes() == (outbox / "drafts/2/summary.json").read_bytes()
    assert json.loads((outbox / "summary.json").read_text(encoding="utf-8"))["doc_number"] == "创建办〔2026〕1号"
    rows = Workspace(demo).state.drafts("monthly", "2026-10")
    assert [(r.seq, r.status, r.decided_by) for r in rows] == [(1, "returned", "王科长"), (2, "approved", "李主任")]
    run_row = Workspace(demo).state.run(rows[1].run_id)
    assert run_row is not None and sorted(Path(p).name for p in run_row.outputs) == _issued(outbox)
    with pytest.raises(approval.NotPending, match="已签发"):
        approval.decide(demo, "monthly", "2026-10", 2, approve=True, by="李主任")
    with pytest.raises(approval.NotPending, match="没有第 9 稿"):
        approval.decide(demo, "monthly", "2026-10", 9, approve=True, by="李主任")


def test_a_newer_draft_supersedes_a_pending_one_and_a_timeout_returns(tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    run_cycle(ws, "quarterly", "2026-Q2", draft=True)
    run_cycle(ws, "quarterly", "2026-Q2", draft=True)
    with pytest.raises(approval.NotPending, match="已被新稿取代"):
        approval.decide(ws, "quarterly", "2026-Q2", 1, approve=True, by="李主任")
    assert approval.latest_pending(ws, "quarterly", "2026-Q2").seq == 2
    timed_out = approval.answer(ws, {"cycle": "quarterly", "period": "2026-Q2", "seq": 2},
                                {"chosen_options": ["退回"], "params_input": {"comment": ""},
                                 "responded_by_user": None, "responded_at": "2026-07-13T09:00:00+00:00"})
    assert not timed_out.approved and timed_out.by == approval.TIMED_OUT_BY
    assert "超过审核时限" in timed_out.note.read_text(encoding="utf-8")
    assert _issued(ws / "outbox/quarterly/2026-Q2") == []
    assert approval.latest_pending(ws, "quarterly", "2026-Q2") is None


def test_cli_run_draft_then_publish_and_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    assert main(["run", "annual", "--root", str(ws), "--period", "2025", "--draft"]) == 0
    out = capsys.readouterr().out
    assert "第 1 稿待审核，未发布" in out and "docgen publish" in out
    assert _issued(ws / "outbox/annual/2025") == []
    assert main(["publish", "--root", str(ws), "--cycle", "annual", "--period", "2025", "--by", "张秘书",
                 "--comment", "同意印发"]) == 0
    assert "已签发第 1 稿" in capsys.readouterr().out
    issued = _issued(ws / "outbox/annual/2025")
    assert "summary.json" in issued and any("验收报告" in n for n in issued)
    assert main(["publish", "--root", str(ws), "--cycle", "annual", "--period", "2025"]) == 2
    assert "没有待审核的草稿" in capsys.readouterr().err
    assert main(["status", "--root", str(ws), "--cycle", "annual", "--period", "2025"]) == 0
    status = capsys.readouterr().out
    assert "第 1 稿" in status and "已签发，张秘书" in status and "同意印发" in status


def test_run_without_draft_publishes_directly(tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    run = run_cycle(ws, "monthly", "2026-10")
    assert run.draft is None and "summary.json" in _issued(ws / "outbox/monthly/2026-10")
    assert not (ws / "outbox/monthly/2026-10/drafts").exists()


def test_review_text_escapes_what_units_wrote(tmp_path: Path) -> None:
    """A unit name with Markdown or HTML in it stays one table cell of plain text."""
    ws = build_demo_workspace(tmp_path / "ws")
    units = ws / "registry" / "成员单位名册.xlsx"
    book = openpyxl.load_workbook(units)
    (cell,) = [c for row in book.active.iter_rows() for c in row if c.value == "青禾市广福寺"]
    cell.value = "广福寺|<b>**x**</b>"
    book.save(units)
    run = run_cycle(ws, "monthly", "2026-10", draft=True)
    (row,) = [line for line in run.draft.body.splitlines() if line.startswith("| ZJ02 ")]
    assert row == "| ZJ02 | 广福寺\\|\\<b\\>\\*\\*x\\*\\*\\</b\\> | 未报送 |  |  |"


@pytest.mark.parametrize(("text", "mode", "hours"), [
    ("", "required", 72.0), ("approval: off\n", "off", 72.0), ("approval: required\napproval_timeout_hours: 24\n",
                                                               "required", 24.0)])
def test_campaign_approval_settings(text: str, mode: str, hours: float) -> None:
    c = Campaign.from_dict({"name": "n", "secretariat": "s", "doc_number_prefix": "p", **_yaml(text)})
    assert (c.approval, c.approval_timeout_hours) == (mode, hours)


@pytest.mark.parametrize("text", ["approval: maybe\n", "approval_timeout_hours: -1\n", "approval_timeout_hours: x\n"])
def test_campaign_approval_settings_refused(text: str) -> None:
    with pytest.raises(WorkspaceError, match="approval"):
        Campaign.from_dict({"name": "n", "secretariat": "s", "doc_number_prefix": "p", **_yaml(text)})


def _yaml(text: str) -> dict:
    import yaml

    return yaml.safe_load(text) or {}


def _docgen(*args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, CRASH_ENV: crash_at} if crash_at else dict(os.environ)
    return subprocess.run([str(Path(sys.executable).parent / "docgen"), *args], capture_output=True, text=True,
                          env=env, check=False)


def test_a_killed_draft_or_publish_is_completed_by_the_next(tmp_path: Path) -> None:
    """Killed after registering a draft but before its folder exists, the next ``--draft`` makes draft 2;
    ``publish`` killed after issuing but before recording the decision is completed by the next
    ``publish`` without a second version of the same documents."""
    ws = build_demo_workspace(tmp_path / "ws")
    common = ["--root", str(ws), "--period", "2026-10"]
    assert _docgen("run", "monthly", *common, "--draft", crash_at="draft").returncode == -signal.SIGKILL
    assert approval.latest_pending(ws, "monthly", "2026-10") is None
    assert _docgen("run", "monthly", *common, "--draft").returncode == 0
    assert approval.latest_pending(ws, "monthly", "2026-10").seq == 2
    publish = ["publish", "--cycle", "monthly", *common, "--by", "李主任"]
    assert _docgen(*publish, crash_at="decide").returncode == -signal.SIGKILL
    outbox = ws / "outbox/monthly/2026-10"
    assert "summary.json" in _issued(outbox)
    done = _docgen(*publish)
    assert done.returncode == 0, done.stderr
    assert not (outbox / "versions").exists()  # the same documents were not issued twice
    rows = Workspace(ws).state.drafts("monthly", "2026-10")
    assert [(r.seq, r.status) for r in rows] == [(1, "superseded"), (2, "approved")]
    assert Workspace(ws).state.run(rows[1].run_id).outputs == [
        str(p.relative_to(ws)) for p in sorted(outbox.iterdir()) if p.is_file()]
