"""The monthly cycle as steps: intake → validate and receipts → compute → render → publish.

Each step takes the workspace root and the period as plain strings and returns JSON-able data, so the
Airflow tasks are one-line calls and ``docgen run monthly`` runs exactly the same code.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pendulum

from . import intake
from .models import MonthlyReport
from .monthly import Submission, build_monthly_report
from .periods import Period, parse_period, previous_period
from .registry import load_registry
from .state import aware
from .workspace import Workspace

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
VERSIONS_DIR = "versions"
SETTLE_ROUNDS = 3  # a deadline run waits at most this many settle intervals for files still being written


@dataclass
class MonthlyRun:
    """What ``run_monthly`` did: the report, the files published, and how long each step took."""

    report: MonthlyReport
    outputs: list[Path]
    intake: dict[str, Any]
    receipts: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def notice(self) -> Path:
        return next(p for p in self.outputs if p.suffix == ".docx")


def intake_step(
    root: str | Path, cycle: str | None = None, period: str | None = None, *, now: datetime | None = None,
    wait_for_settling: int = 0,
) -> dict[str, Any]:
    """Archive and register every settled file dropped for the period (or for every open period).

    ``wait_for_settling`` rounds: a deadline run waits for files dropped just before the deadline to
    settle (a settle interval a round) instead of leaving them out of the notice.
    """
    ws = Workspace(root)
    if cycle and period:
        parse_period(cycle, period)  # type: ignore[arg-type]
    result = intake.collect(ws, cycle, period, now=now)
    for _ in range(wait_for_settling):
        if not any(p.settling for p in result.pending):
            break
        time.sleep(ws.campaign.intake.settle_seconds)
        more = intake.collect(ws, cycle, period)
        result = intake.CollectResult(new=result.new + more.new, pending=more.pending,
                                      already_seen=result.already_seen)
    for p in result.pending:
        log.warning("暂不读取 %s：%s", p.path, p.reason)
    log.info("新收到 %d 个文件，已处理过 %d 个，暂缓 %d 个", len(result.new), result.already_seen, len(result.pending))
    return {
        "new": len(result.new),
        "already_seen": result.already_seen,
        "pending": [{"path": p.path, "reason": p.reason} for p in result.pending],
    }


def receipts_step(
    root: str | Path, cycle: str | None = None, period: str | None = None, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Validate every registered submission and write its receipts; list who was accepted or rejected."""
    ws = Workspace(root)
    receipts = intake.process(ws, cycle, period, progress=progress)
    rejected = [
        {"unit": r.unit, "file": r.file, "problems": [p.describe() for p in r.errors[:5]],
         "problem_count": len(r.errors)}
        for r in receipts if not r.accepted
    ]
    for r in rejected:
        log.warning("退回 %s 单位的文件 %s（%d 处问题）：%s", r["unit"], r["file"], r["problem_count"],
                    "；".join(r["problems"]))
    return {
        "accepted": [{"unit": r.unit, "file": r.file} for r in receipts if r.accepted],
        "rejected": rejected,
    }


def submissions_for(ws: Workspace, cycle: str, period: str) -> list[Submission]:
    """The processed submissions of a period, as the cycle rules see them."""
    return [
        Submission(unit=row.unit, file=row.file_name, received_at=aware(row.received_at),  # type: ignore[arg-type]
                   accepted=row.accepted, rows=row.rows)
        for row in ws.state.submissions(cycle, period)
        if row.status in ("accepted", "rejected")
    ]


def compute_monthly(root: str | Path, period: str, *, number: bool = True, today: date | None = None) -> MonthlyReport:
    """Apply the monthly rules; with ``number``, give the notice its issuing number (kept on reruns)."""
    ws = Workspace(root)
    per = parse_period("monthly", period)
    registry = load_registry(ws.registry_dir)
    report = build_monthly_report(ws.campaign, registry, per, submissions_for(ws, "monthly", period))
    if number:
        today = today or pendulum.now(ws.campaign.timezone).date()
        seq, issued_on = ws.state.doc_number(ws.campaign.doc_number_prefix, "monthly", period, today)
        report.doc_number = f"{ws.campaign.doc_number_prefix}{seq}号"
        report.issue_date = issued_on
    return report


def notice_name(report: MonthlyReport) -> str:
    """The notice's file name: ``2026年10月月通报（创建办〔2026〕1号）.docx``."""
    return f"{report.period_label}月通报（{report.doc_number}）.docx" if report.doc_number else f"{report.period_label}月通报.docx"


def render_monthly(root: str | Path, report: MonthlyReport) -> str:
    """Render the notice and summary.json into a fresh staging folder; return that folder."""
    from .render import render_monthly_notice  # noqa: PLC0415 - rendering imports matplotlib and docxtpl

    ws = Workspace(root)
    staging = ws.root / ".docgen" / "staging" / "monthly" / report.period / uuid.uuid4().hex
    staging.mkdir(parents=True)
    render_monthly_notice(report, staging / notice_name(report), workspace_templates=ws.templates_dir)
    (staging / "summary.json").write_text(
        json.dumps(report.summary(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return str(staging)


def publish(root: str | Path, cycle: str, period: str, staging: str | Path, *, trigger: str = "cli",
            doc_number: str | None = None) -> list[Path]:
    """Move the staged documents into the outbox; whatever was there becomes an earlier version."""
    ws = Workspace(root)
    staging = Path(staging)
    outbox = ws.outbox_dir(cycle, period)
    outbox.mkdir(parents=True, exist_ok=True)
    current = sorted(p for p in outbox.iterdir() if p.name != VERSIONS_DIR)
    if current:
        versions = outbox / VERSIONS_DIR
        versions.mkdir(exist_ok=True)
        n = 1 + sum(1 for p in versions.iterdir() if p.is_dir())
        earlier = versions / f"v{n}"
        earlier.mkdir()
        for p in current:
            shutil.move(str(p), earlier / p.name)
    outputs = []
    for p in sorted(staging.iterdir()):
        target = outbox / p.name
        shutil.move(str(p), target)
        outputs.append(target)
    staging.rmdir()
    ws.state.record_run(cycle, period, trigger, doc_number=doc_number,
                        outputs=[str(p.relative_to(ws.root)) for p in outputs])
    return outputs


def run_monthly(
    root: str | Path, period: str, *, trigger: str = "cli", now: datetime | None = None,
    progress: Progress | None = None,
) -> MonthlyRun:
    """The whole monthly cycle, step by step, timing each step."""
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = fn()
        timings[name] = round(time.perf_counter() - start, 3)
        return value

    now = now or datetime.now(UTC)
    got = timed("intake", lambda: intake_step(root, "monthly", period, now=now, wait_for_settling=SETTLE_ROUNDS))
    receipts = timed("receipts", lambda: receipts_step(root, "monthly", period, progress=progress))
    report = timed("compute", lambda: compute_monthly(root, period))
    staging = timed("render", lambda: render_monthly(root, report))
    outputs = timed("publish", lambda: publish(root, "monthly", period, staging, trigger=trigger,
                                               doc_number=report.doc_number))
    return MonthlyRun(report=report, outputs=outputs, intake=got, receipts=receipts, timings=timings)


def period_of(cycle: str, given: str | None, run_after: datetime | None, tz: str) -> Period:
    """The period a run reports on: the one given, else the one before ``run_after`` (or now)."""
    if given:
        return parse_period(cycle, given)  # type: ignore[arg-type]
    return previous_period(cycle, run_after or datetime.now(UTC), tz)  # type: ignore[arg-type]

