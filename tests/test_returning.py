"""The review returns (退回) a unit's accepted submission: the unit counts as returned until it resubmits."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import docx
import pytest

from docgen import approval
from docgen.board import board
from docgen.cli import main
from docgen.delivery import deliver
from docgen.errors import DocgenError
from docgen.inputs import submissions_for
from docgen.pipeline import intake_step, receipts_step, run_cycle
from docgen.reminders import remind
from docgen.resources import build_demo_workspace, set_drop_time
from docgen.returning import NotReturnable, return_named, return_submission, split_names
from docgen.workspace import Workspace

from .builders import CST
from .conftest import LATE, ON_TIME, Dropper, row
from .delivery_servers import SmtpServer

MONTH = "2026-10"
COMMENT = "经费合计与台账不符，请核实后重报"
AFTER_DEADLINE = datetime(2026, 11, 9, 10, 0, tzinfo=CST)


def _summary(ws: Path) -> dict:
    return json.loads((ws / "outbox/monthly" / MONTH / "summary.json").read_text(encoding="utf-8"))


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])


def _notice_text(ws: Path) -> str:
    (notice,) = (ws / "outbox/monthly" / MONTH).glob("*月通报*.docx")
    return _docx_text(notice)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_returned_report_counts_as_returned_until_resubmitted_and_then_late(tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    run_cycle(ws, "monthly", MONTH)
    first = _summary(ws)
    assert "BM03" in first["on_time_units"]
    receipts = ws / "receipts/monthly" / MONTH / "BM03"
    intake = ws / "intake/monthly" / MONTH / "BM03"
    receipts_before, intake_before = _digests(receipts), _digests(intake)

    returned = return_submission(ws, "monthly", MONTH, "BM03", comment=COMMENT, by="王科长")
    assert (returned.unit, returned.unit_name, returned.file, returned.by) == (
        "BM03", "青禾市教育局", "教育局10月报送.csv", "王科长")
    assert sorted(p.name for p in returned.receipt_paths) == [
        "20261104-162000_教育局10月报送.csv.退回回执.docx", "20261104-162000_教育局10月报送.csv.退回回执.json"]
    # nothing is deleted or changed: the unit's file and its first receipts stay as they were
    after = _digests(receipts)
    assert {k: v for k, v in after.items() if k in receipts_before} == receipts_before
    assert set(after) - set(receipts_before) == {p.name for p in returned.receipt_paths}
    assert _digests(intake) == intake_before
    stored = json.loads(next(p for p in returned.receipt_paths if p.suffix == ".json").read_text(encoding="utf-8"))
    assert stored["accepted"] is False and stored["returned_by"] == "王科长"
    assert [e["message"] for e in stored["errors"]] == [f"审核退回：{COMMENT}"]
    text = _docx_text(next(p for p in returned.receipt_paths if p.suffix == ".docx"))
    for expected in ("青禾市教育局", "教育局10月报送.csv", "审核退回", COMMENT, "重新报送", "审核人：王科长",
                     "截止时间已过，重新报送的材料按逾期报送登记"):
        assert expected in text, expected

    (bm03,) = [s for s in submissions_for(Workspace(ws), "monthly", MONTH) if s.unit == "BM03"]
    assert not bm03.accepted and bm03.problems == [f"审核退回：{COMMENT}"] and bm03.rows  # its rows are kept
    with pytest.raises(NotReturnable, match="已于 .* 由王科长审核退回，尚未重新报送"):
        return_submission(ws, "monthly", MONTH, "BM03", comment="再退一次", by="李主任")

    run_cycle(ws, "monthly", MONTH)
    second = _summary(ws)
    assert "BM03" in second["rejected_units"] and "BM03" not in second["on_time_units"]
    assert f"青禾市教育局（审核退回：{COMMENT}）" in _notice_text(ws)
    shown = next(u for u in board(ws, "monthly", MONTH).units if u.code == "BM03")
    assert shown.state == "rejected" and any(COMMENT in p for p in shown.problems)
    reminded = remind(ws, "monthly", MONTH, today=date(2026, 11, 10))
    (told,) = [r for r in reminded.returned if r.code == "BM03"]
    assert told.file == "教育局10月报送.csv" and COMMENT in told.problems[0]

    # the unit resubmits after the deadline: accepted, counted late, its figures counted once
    again = intake / "教育局10月报送（重报）.csv"
    shutil.copyfile(intake / "教育局10月报送.csv", again)
    set_drop_time(again, AFTER_DEADLINE)
    run_cycle(ws, "monthly", MONTH)
    third = _summary(ws)
    assert "BM03" in third["late_units"] and "BM03" not in third["rejected_units"] + third["on_time_units"]
    assert third["totals"] == first["totals"]
    assert "审核退回" not in _notice_text(ws)


def test_only_an_accepted_submission_of_a_known_unit_can_be_returned(tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    run_cycle(ws, "monthly", MONTH)
    with pytest.raises(NotReturnable, match="SQ02.*没有报送文件，无可退回"):
        return_submission(ws, "monthly", MONTH, "SQ02", comment=COMMENT, by="王科长")
    with pytest.raises(NotReturnable, match="XX02.*未通过校验、已退回"):
        return_submission(ws, "monthly", MONTH, "XX02", comment=COMMENT, by="王科长")
    with pytest.raises(DocgenError, match="ZZ99.*不在成员单位名册中"):
        return_submission(ws, "monthly", MONTH, "ZZ99", comment=COMMENT, by="王科长")
    with pytest.raises(NotReturnable, match="须写明退回意见"):
        return_submission(ws, "monthly", MONTH, "BM03", comment="  ", by="王科长")
    assert "BM03" in _summary(ws)["on_time_units"]  # none of them changed anything


def test_a_ledger_submission_is_corrected_by_a_recheck_not_returned(tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    run_cycle(ws, "quarterly", "2026-Q2")
    with pytest.raises(NotReturnable, match="整改情况报送表，接收时已记入台账，不能退回；.*复查结果"):
        return_submission(ws, "quarterly", "2026-Q2", "BM03", comment=COMMENT, by="王科长")
    rows = [r for r in Workspace(ws).state.submissions("quarterly", "2026-Q2") if r.unit == "BM03"]
    assert rows and all(r.status == "accepted" for r in rows)


def test_the_earlier_accepted_file_it_replaced_is_returned_with_it(workspace: Path, drop: Dropper) -> None:
    drop("A01", [row("A01", "T1", 30)], name="第一版.xlsx")
    drop("A01", [row("A01", "T1", 40)], name="第二版.xlsx", when=LATE)
    drop("B01", [row("B01", "T1", 90), row("B01", "T2", 80)])
    run_cycle(workspace, "monthly", MONTH)
    assert _summary(workspace)["on_time_units"] == ["A01", "B01"]

    returned = return_submission(workspace, "monthly", MONTH, "A01", comment=COMMENT, by="王科长")
    assert returned.file == "第二版.xlsx" and returned.also == ("第一版.xlsx",)
    assert [r.status for r in Workspace(workspace).state.submissions("monthly", MONTH) if r.unit == "A01"] == [
        "rejected", "rejected"]
    run_cycle(workspace, "monthly", MONTH)
    summary = _summary(workspace)
    assert summary["rejected_units"] == ["A01"] and summary["on_time_units"] == ["B01"]
    assert summary["totals"]["activities"] == 3 + 3  # B01's rows only: A01's returned rows count no more

    drop("A01", [row("A01", "T1", 50)], name="第三版.xlsx", when=ON_TIME.replace(day=4))
    run_cycle(workspace, "monthly", MONTH)
    summary = _summary(workspace)
    assert summary["on_time_units"] == ["A01", "B01"] and summary["totals"]["activities"] == 3 + 3 + 3


def test_the_command_returns_and_says_why_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    run_cycle(ws, "monthly", MONTH)
    capsys.readouterr()
    args = ["return", "--root", str(ws), "--cycle", "monthly", "--period", MONTH, "--unit", "BM03"]
    assert main([*args, "--comment", COMMENT, "--by", "张秘书"]) == 0
    out = capsys.readouterr().out
    assert "已退回 青禾市教育局（BM03）的《教育局10月报送.csv》" in out and COMMENT in out and "张秘书" in out
    assert "退回回执.docx" in out
    assert main([*args, "--comment", COMMENT]) == 2
    assert "由张秘书审核退回，尚未重新报送" in capsys.readouterr().err
    assert main([*args[:-1], "SQ02", "--comment", COMMENT]) == 2
    assert "没有报送文件" in capsys.readouterr().err
    assert main(args) == 2  # --comment is required
    capsys.readouterr()
    assert main(["status", "--root", str(ws), "--cycle", "monthly", "--period", MONTH]) == 0
    status = capsys.readouterr().out
    assert f"审核退回 BM03 青禾市教育局《教育局10月报送.csv》：{COMMENT}" in status


def test_the_review_returns_the_draft_and_the_units_it_names(tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    run = run_cycle(ws, "monthly", MONTH, draft=True)
    assert "“退回的报送”" in run.draft.body
    decision = approval.answer(ws, run.draft.to_dict(), {
        "chosen_options": ["退回"], "params_input": {"comment": "x", "return_units": "BM03、青禾市人力资源和社会保障局，无此单位"},
        "responded_by_user": {"id": "7", "name": "王科长"}, "responded_at": "2026-11-06T02:00:00+00:00"})
    assert not decision.approved and decision.returns is not None
    assert [r.unit for r in decision.returns.returned] == ["BM03", "BM06"]
    assert all(r.comment == "x" and r.by == "王科长" for r in decision.returns.returned)
    assert decision.returns.unknown == ["无此单位"]
    note = decision.note.read_text(encoding="utf-8")
    assert "退回意见：x" in note and "青禾市教育局（BM03）的《教育局10月报送.csv》" in note
    assert "未找到的单位：无此单位" in note
    assert approval.latest_pending(ws, "monthly", MONTH) is None  # the draft is returned all the same

    second = run_cycle(ws, "monthly", MONTH, draft=True)
    assert "| BM03 | 青禾市教育局 | 报送未通过（审核退回：x） |" in second.draft.body


def test_the_review_answers_a_form_without_its_responder(tmp_path: Path) -> None:
    """Only the comment and the units, nobody named: the units are returned in the secretariat's name (a
    timeout's form names no unit)."""
    ws = build_demo_workspace(tmp_path / "ws")
    run = run_cycle(ws, "monthly", MONTH, draft=True)
    decision = approval.answer(ws, run.draft.to_dict(), {
        "chosen_options": ["退回"], "params_input": {"comment": "x", "return_units": "BM03"}})
    assert not decision.approved and approval.latest_pending(ws, "monthly", MONTH) is None
    assert [r.unit for r in decision.returns.returned] == ["BM03"]
    assert decision.returns.returned[0].by == Workspace(ws).campaign.secretariat
    (bm03,) = [s for s in submissions_for(Workspace(ws), "monthly", MONTH) if s.unit == "BM03"]
    assert not bm03.accepted and bm03.problems == ["审核退回：x"]


def test_names_are_split_as_a_reviewer_types_them(tmp_path: Path) -> None:
    assert split_names(" BM03、BM04,BM05，BM06；XZ01 XZ01 ") == ["BM03", "BM04", "BM05", "BM06", "XZ01"]
    assert split_names(None) == [] and split_names("") == []
    ws = build_demo_workspace(tmp_path / "ws")
    run_cycle(ws, "monthly", MONTH)
    done = return_named(ws, "monthly", MONTH, "bm03, SQ02", comment="", by="王科长")
    assert [r.unit for r in done.returned] == ["BM03"] and done.unknown == []
    assert len(done.refused) == 1 and "SQ02" in done.refused[0] and "没有报送文件" in done.refused[0]
    assert done.returned[0].comment.startswith("审核人未写明退回意见")


def test_the_unit_is_told_by_mail_with_its_return_receipt(reached: Path, drop: Dropper,
                                                          smtp_server: SmtpServer) -> None:
    drop("A01", [row("A01", "T1", 30)])
    intake_step(reached)
    receipts_step(reached)
    deliver(reached)
    assert [m["Subject"] for m in smtp_server.mailbox.to("a01@qinghe.example.cn")] == [
        "【回执】月度进展报送表.xlsx：已接收"]
    return_submission(reached, "monthly", MONTH, "A01", comment=COMMENT, by="王科长")
    deliver(reached)
    deliver(reached)  # sends nothing twice
    mails = smtp_server.mailbox.to("a01@qinghe.example.cn")
    assert [m["Subject"] for m in mails] == ["【回执】月度进展报送表.xlsx：已接收", "【回执】月度进展报送表.xlsx：审核退回"]
    body = mails[1].get_body(("plain",)).get_content()
    assert f"退回意见：{COMMENT}" in body and "青禾镇人民政府" in body
    assert [a.get_filename() for a in mails[1].iter_attachments()] == ["20261103-100000_月度进展报送表.xlsx.退回回执.docx"]
