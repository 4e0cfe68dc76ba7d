"""The state database on PostgreSQL through DOCGEN_DB_URL; skipped only when no server is reachable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from docgen.pipeline import run_cycle
from docgen.state import State

from .conftest import LATE, Dropper, SmtpServer, pg_schema, row


@pytest.fixture
def pg_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh schema on the local server, dropped afterwards; DOCGEN_DB_URL points at it."""
    with pg_schema() as url:
        monkeypatch.setenv("DOCGEN_DB_URL", url)
        yield url


def test_monthly_cycle_on_postgresql(pg_url: str, workspace: Path, drop: Dropper) -> None:
    drop("A01", [row("A01", "T1", 80)])
    drop("B01", [row("B01", "T2", 100)], when=LATE)
    drop("C01", [row("C01", "T3", 120)])
    first = run_cycle(workspace, "monthly", "2026-10")
    assert not (workspace / ".docgen" / "state.sqlite").exists()  # the URL was used, not the default
    summary = json.loads((workspace / "outbox/monthly/2026-10/summary.json").read_text(encoding="utf-8"))
    assert (summary["on_time_units"], summary["late_units"], summary["rejected_units"]) == (["A01"], ["B01"], ["C01"])
    again = run_cycle(workspace, "monthly", "2026-10")
    assert again.report.doc_number == first.report.doc_number == "创建办〔2026〕1号"
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT unit, status FROM submissions")).all())
        runs = conn.execute(sa.text("SELECT count(*) FROM runs WHERE status = 'success'")).scalar()
    engine.dispose()
    assert statuses == {"A01": "accepted", "B01": "accepted", "C01": "rejected"}
    assert runs == 2


def test_issuing_numbers_are_unique_per_period(pg_url: str) -> None:
    state = State(pg_url)
    today = date(2026, 11, 6)
    assert state.doc_number("创建办〔2026〕", "monthly", "2026-10", today) == (1, today)
    assert state.doc_number("创建办〔2026〕", "monthly", "2026-11", date(2026, 12, 6)) == (2, date(2026, 12, 6))
    assert state.doc_number("创建办〔2026〕", "monthly", "2026-10", date(2027, 1, 1)) == (1, today)
    state.engine.dispose()


def test_parallel_receipts_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """Enough files to share among worker processes, each with its own connection."""
    from .builders.workspaces import build_bench_workspace

    ws = build_bench_workspace(tmp_path / "bench", n_units=40)
    dropped = sum(1 for p in (ws / "intake").rglob("*") if p.is_file())
    run = run_cycle(ws, "monthly", "2026-10")
    assert len(run.receipts["accepted"]) + len(run.receipts["rejected"]) == dropped >= 16
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT status, count(*) FROM submissions GROUP BY status")).all())
    engine.dispose()
    assert set(statuses) <= {"accepted", "rejected"} and sum(statuses.values()) == dropped
    assert len(list((ws / "receipts").rglob("*.回执.json"))) == dropped


def test_quarterly_ledger_on_postgresql(pg_url: str, workspace: Path) -> None:
    """Two quarters on PostgreSQL give what they give on SQLite (test_quarterly_cycle's hand-worked figures)."""
    from .test_quarterly_cycle import first_quarter, second_quarter, summary_of

    first_quarter(workspace)
    run_cycle(workspace, "quarterly", "2026-Q1")
    second_quarter(workspace)
    run_cycle(workspace, "quarterly", "2026-Q2")
    assert not (workspace / ".docgen" / "state.sqlite").exists()
    q2 = summary_of(workspace, "2026-Q2")
    assert (q2["closed"], q2["open"], q2["overdue"]) == (["P2", "P3"], ["P4", "P5"], ["P4", "P5"])
    assert q2["rectification_numbers"] == {"C01": "创建办〔2026〕6号", "D01": "创建办〔2026〕7号"}
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        events = conn.execute(sa.text("SELECT count(*) FROM ledger_events WHERE cycle = 'quarterly'")).scalar()
    engine.dispose()
    assert events == 4 + 3 + 2 + 1 + 2 + 2


def test_deliveries_on_postgresql_are_queued_and_sent_once(pg_url: str, reached: Path, drop: Dropper,
                                                           smtp_server: SmtpServer) -> None:
    """Two processes queueing the same receipts at once, then two delivering at once: one mail each."""
    from concurrent.futures import ProcessPoolExecutor

    from docgen import delivery
    from docgen.pipeline import intake_step, receipts_step

    drop("A01", [row("A01", "T1", 150)])
    drop("B01", [row("B01", "T2", 40)])
    intake_step(reached)
    receipts_step(reached)  # queues both receipts (and their group posts)
    with ProcessPoolExecutor(2) as pool:
        queued = list(pool.map(delivery.announce_receipts, [reached, reached]))
        sent = [f.result() for f in [pool.submit(_deliver_count, reached) for _ in range(2)]]
    assert queued == [0, 0]  # the step had queued them already
    assert sum(sent) == 4  # two mails, two group posts: each once
    assert sorted(str(m["To"]) for m in smtp_server.mailbox.messages) == [
        "市民族宗教事务局 <b01@qinghe.example.cn>", "青禾镇人民政府 <a01@qinghe.example.cn>"]
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status, count(*) FROM deliveries GROUP BY status")).all()
    engine.dispose()
    assert dict(statuses) == {"sent": 4}


def _deliver_count(root: Path) -> int:
    from docgen import delivery

    return delivery.deliver(root).sent
