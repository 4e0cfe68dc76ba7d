"""What intake must never read (hard links, pipes), names it must still answer (any bytes), and clocks it
must not trust (a modification time in the future): each dropped among good files, through the whole run."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from docgen.pipeline import run_cycle

from .builders.registry import write_campaign
from .conftest import Dropper, row

UNIT_DIR = Path("intake/monthly/2026-10")


def _receipts(root: Path, unit: str) -> list[dict]:
    folder = root / "receipts/monthly/2026-10" / unit
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.回执.json"))]


def _good_units(workspace: Path, drop: Dropper) -> None:
    drop("B01", [row("B01", "T1", 60), row("B01", "T2", 40)])
    drop("C01", [row("C01", "T3", 30)])


def _assert_good_units_accepted(workspace: Path, report_units: dict[str, str]) -> None:
    assert report_units["B01"] == "on_time" and report_units["C01"] == "on_time"
    for unit in ("B01", "C01"):
        (receipt,) = _receipts(workspace, unit)
        assert receipt["accepted"] is True


def test_a_hard_link_is_refused_unread(workspace: Path, drop: Dropper, tmp_path: Path) -> None:
    _good_units(workspace, drop)
    secret = tmp_path / "elsewhere" / "工资表.xlsx"
    secret.parent.mkdir()
    drop("A01", [row("A01", "T1", 99, 本月进展="不应被读取的内容")], name="tmp.xlsx")
    source = workspace / UNIT_DIR / "A01" / "tmp.xlsx"
    os.replace(source, secret)
    os.link(secret, workspace / UNIT_DIR / "A01" / "链接的表.xlsx")
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    run = run_cycle(workspace, "monthly", "2026-10")
    units = {u.code: u.state for u in run.report.units}
    _assert_good_units_accepted(workspace, units)
    (receipt,) = _receipts(workspace, "A01")
    assert receipt["accepted"] is False and "硬链接" in receipt["errors"][0]["message"]
    assert receipt["sha256"] is None  # never read, not even hashed
    archived = [p.name for p in (workspace / "archive").rglob("*") if p.is_file()]
    assert not any(name.startswith(digest) for name in archived)
    assert units["A01"] == "rejected"


def test_a_pipe_never_hangs_the_run(workspace: Path, drop: Dropper) -> None:
    _good_units(workspace, drop)
    fifo = workspace / UNIT_DIR / "A01" / "进展.xlsx"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    start = time.monotonic()
    run = run_cycle(workspace, "monthly", "2026-10")
    assert time.monotonic() - start < 60
    _assert_good_units_accepted(workspace, {u.code: u.state for u in run.report.units})
    (receipt,) = _receipts(workspace, "A01")
    assert receipt["accepted"] is False and "不是普通文件" in receipt["errors"][0]["message"]


def test_a_name_that_is_not_utf8_is_answered_with_its_bytes_escaped(workspace: Path, drop: Dropper) -> None:
    _good_units(workspace, drop)
    made = drop("A01", [row("A01", "T1", 80)], name="tmp.xlsx")
    gbk_name = "进展表.xlsx".encode("gbk")  # as an archive unpacked on Linux gives it
    os.rename(bytes(made), os.path.join(bytes(made.parent), gbk_name))
    run = run_cycle(workspace, "monthly", "2026-10")
    units = {u.code: u.state for u in run.report.units}
    _assert_good_units_accepted(workspace, units)
    assert units["A01"] == "on_time"
    (receipt,) = _receipts(workspace, "A01")
    shown = gbk_name.decode("utf-8", "backslashreplace")
    assert receipt["file"] == shown and receipt["accepted"] is True
    assert "\\x" in receipt["file"]
    summary = json.loads((workspace / "outbox/monthly/2026-10/summary.json").read_text(encoding="utf-8"))
    assert "A01" in summary["on_time_units"]
    assert os.path.exists(os.path.join(bytes(made.parent), gbk_name))  # the original is where it was


def test_a_future_modification_time_is_taken_in_at_first_sight(workspace: Path, drop: Dropper) -> None:
    """A clock-skewed share: received when first seen, with a note; the run does not wait for it."""
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 2})
    _good_units(workspace, drop)
    future = datetime.now(UTC) + timedelta(days=30)
    path = drop("A01", [row("A01", "T1", 80)], when=future)
    before = datetime.now(UTC)
    start = time.monotonic()
    run = run_cycle(workspace, "monthly", "2026-10")
    assert time.monotonic() - start < 30
    (receipt,) = _receipts(workspace, "A01")
    received = datetime.fromisoformat(receipt["received_at"])
    assert before - timedelta(seconds=5) <= received <= datetime.now(UTC)
    assert receipt["accepted"] is True
    assert any("晚于" in note for note in receipt.get("notes", [])), receipt
    assert {u.code: u.state for u in run.report.units}["A01"] == "late"  # seen today, after the deadline
    assert path.stat().st_mtime > time.time() + 86400  # untouched


def test_far_corner_cell_costs_only_its_file(workspace: Path, drop: Dropper) -> None:
    """A cell at XFD1048576 made the reader abort the whole process; now only that file is refused."""
    import openpyxl

    _good_units(workspace, drop)
    path = drop("A01", [row("A01", "T1", 80)], name="远角.xlsx")
    book = openpyxl.load_workbook(path)
    book.worksheets[0]["XFD1048576"] = "x"
    book.save(path)
    from docgen.resources import set_drop_time

    from .conftest import ON_TIME

    set_drop_time(path, ON_TIME)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    start = time.monotonic()
    run = run_cycle(workspace, "monthly", "2026-10")
    assert time.monotonic() - start < 60
    _assert_good_units_accepted(workspace, {u.code: u.state for u in run.report.units})
    (receipt,) = _receipts(workspace, "A01")
    assert receipt["accepted"] is False and receipt["sha256"] == digest
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_scans_at_once_register_each_file_once(tmp_path: Path) -> None:
    """Two scans of the same folder at the same moment (the intake DAG and a deadline run)."""
    import subprocess
    import sys

    from docgen.workspace import Workspace

    from .builders.workspaces import BENCH_PERIOD, build_bench_workspace

    ws_path = build_bench_workspace(tmp_path / "ws", n_units=40)
    Workspace(ws_path).state  # noqa: B018 - the schema exists before the race
    go = tmp_path / "go"
    code = (
        "import sys, time, pathlib\n"
        "from docgen.workspace import Workspace\nfrom docgen import intake\n"
        "ws = Workspace(sys.argv[1])\n"
        "while not pathlib.Path(sys.argv[2]).exists(): time.sleep(0.005)\n"
        f"print(len(intake.collect(ws, 'monthly', {BENCH_PERIOD!r}).new))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(ws_path), str(go)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(2)
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    dropped = sum(1 for p in (ws_path / "intake").rglob("*") if p.is_file())
    rows = Workspace(ws_path).state.submissions("monthly", BENCH_PERIOD)
    assert len(rows) == len({r.path for r in rows}) == dropped
    assert sum(int(o[0].strip()) for o in outs) == dropped  # each registered by exactly one of the scans


def test_half_made_archive_copies_of_a_killed_run_are_swept(workspace: Path, drop: Dropper) -> None:
    from docgen import intake
    from docgen.workspace import Workspace

    archive = workspace / "archive"
    archive.mkdir()
    old, fresh = archive / ".partial-old", archive / ".partial-fresh"
    old.write_bytes(b"half")
    fresh.write_bytes(b"under way")
    os.utime(old, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    drop("A01", [row("A01", "T1", 70)])
    intake.collect(Workspace(workspace))
    assert not old.exists() and fresh.exists()  # a copy under way in another scan is left alone
    assert len([p for p in archive.rglob("*.xlsx")]) == 1
