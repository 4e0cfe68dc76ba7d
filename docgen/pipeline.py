"""The monthly cycle as steps: intake → validate and receipts → compute → render → publish.

Each step takes the workspace root and the period as plain strings and returns JSON-able data, so the
Airflow tasks are one-line calls and ``docgen run monthly`` runs exactly the same code.

Safety of a deadline run: each step holds the period's run lock (two runs of one cycle and period never
overlap; the second waits); the numbers are computed only once every registered file of the period has
its receipts; publishing is crash-safe (a half-moved earlier version is completed by the next publish);
a run that waited for another and finds the same document already issued issues nothing new.
"""

from __future__ import annotations

import contextlib
import hashlib
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
from .errors import DocgenError
from .faults import checkpoint
from .models import MonthlyReport
from .monthly import Submission, build_monthly_report
from .periods import Period, parse_period, previous_period
from .registry import load_registry
from .state import StorageError, aware, disk_message, utc_naive
from .workspace import Workspace

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
VERSIONS_DIR = "versions"
SETTLE_ROUNDS = 3  # a deadline run waits at most this many settle intervals for files still being written
LOCK_WAIT_SECONDS = 900.0  # a run waits this long for another run of the same cycle and period
ANSWER_WAIT_SECONDS = 300.0  # a deadline run waits this long for files another live run is answering


class IncompleteIntake(DocgenError):
    """Some registered files of the period have no receipts: the notice would be wrong, so none is issued."""


def _lock(ws: Workspace, cycle: str | None, period: str | None) -> Any:
    """The run lock of (cycle, period); none for a scan of every open period (claims keep that safe)."""
    if not (cycle and period):
        return contextlib.nullcontext()
    return ws.state.lock(f"run:{cycle}:{period}", wait_seconds=LOCK_WAIT_SECONDS,
                         describe=f" {cycle} {period} ")


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
    wait_for_settling: int = 0, deadline: bool = False,
) -> dict[str, Any]:
    """Archive and register every settled file dropped for the period (or for every open period).

    ``deadline``: a folder the service cannot read stops the run (``IncompleteIntake``): a notice would
    call its units missing.

    ``wait_for_settling`` rounds: a deadline run waits for files dropped just before the deadline to
    settle (a settle interval a round) instead of leaving them out of the notice.
    """
    ws = Workspace(root)
    if cycle and period:
        parse_period(cycle, period)  # type: ignore[arg-type]
    checkpoint("intake")
    with _lock(ws, cycle, period):
        result = intake.collect(ws, cycle, period, now=now)
        for _ in range(wait_for_settling):
            if not any(p.settling for p in result.pending):
                break
            time.sleep(ws.campaign.intake.settle_seconds)
            more = intake.collect(ws, cycle, period)
            result = intake.CollectResult(new=result.new + more.new, pending=more.pending,
                                          already_seen=result.already_seen, unreadable=more.unreadable)
    if deadline and result.unreadable:
        raise IncompleteIntake("；".join(p.reason for p in result.unreadable) + "。本次不生成通报")
    for p in result.pending:
        log.warning("暂不读取 %s：%s", p.path, p.reason)
    log.info("新收到 %d 个文件，已处理过 %d 个，暂缓 %d 个", len(result.new), result.already_seen, len(result.pending))
    return {
        "new": len(result.new),
        "already_seen": result.already_seen,
        "pending": [{"path": p.path, "reason": p.reason} for p in result.pending],
        "unreadable": [{"path": p.path, "reason": p.reason} for p in result.unreadable],
    }


def receipts_step(
    root: str | Path, cycle: str | None = None, period: str | None = None, *, progress: Progress | None = None
) -> dict[str, Any]:
    """Validate every registered submission and write its receipts; list who was accepted or rejected."""
    ws = Workspace(root)
    checkpoint("receipts")
    with _lock(ws, cycle, period):
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
    """Apply the monthly rules; with ``number``, give the notice its issuing number (kept on reruns).

    A numbered (deadline) computation first makes sure every registered file of the period has its
    receipts: it answers what crashed runs left, waits for files a live run is answering, and refuses
    (``IncompleteIntake``) rather than issue a notice that calls a unit missing whose file was unread.
    """
    ws = Workspace(root)
    per = parse_period("monthly", period)
    with _lock(ws, "monthly", period) if number else contextlib.nullcontext():
        if number:
            ensure_answered(ws, "monthly", period)
        registry = load_registry(ws.registry_dir)
        report = build_monthly_report(ws.campaign, registry, per, submissions_for(ws, "monthly", period))
    if number:
        today = today or pendulum.now(ws.campaign.timezone).date()
        prefix, seq, issued_on = ws.state.issuing_number(ws.campaign.doc_number_prefix, "monthly", period, today)
        report.doc_number = f"{prefix}{seq}号"
        report.issue_date = issued_on
    return report


def ensure_answered(ws: Workspace, cycle: str, period: str, *, wait_seconds: float | None = None) -> None:
    """Return once every registered file of the period has receipts; else raise IncompleteIntake."""
    wait_seconds = ANSWER_WAIT_SECONDS if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait_seconds
    while True:
        intake.process(ws, cycle, period)  # takes over what dead runs left; live claims stay theirs
        left = intake.unanswered(ws, cycle, period)
        if not left:
            return
        if time.monotonic() >= deadline:
            names = "、".join(f"{r.unit}/{r.file_name}" for r in left[:10])
            raise IncompleteIntake(
                f"{cycle} {period} 还有 {len(left)} 个文件没有回执（{names}{'等' if len(left) > 10 else ''}），"
                "为免通报出错，本次不生成通报。请稍后重新运行"
            )
        time.sleep(1.0)


def compute_step(root: str | Path, period: str) -> str:
    """Compute and number the report, write it as JSON for the next step; return that file's path.

    Airflow tasks pass this path, not the report: XCom carries small values.
    """
    report = compute_monthly(root, period)
    folder = Workspace(root).root / ".docgen" / "staging" / "monthly" / period
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"report-{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(report.to_dict(), ensure_ascii=False), encoding="utf-8")
    return str(path)


def load_report(path: str | Path) -> MonthlyReport:
    """The report ``compute_step`` wrote."""
    return MonthlyReport.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def notice_name(report: MonthlyReport) -> str:
    """The notice's file name: ``2026年10月月通报（创建办〔2026〕1号）.docx``."""
    return f"{report.period_label}月通报（{report.doc_number}）.docx" if report.doc_number else f"{report.period_label}月通报.docx"


def render_monthly(root: str | Path, report: MonthlyReport, *, charts: Any = None) -> str:
    """Render the notice and summary.json into a fresh staging folder; return that folder.

    ``charts``: a ``ChartProcess`` started earlier in the run, to draw the chart without waiting for
    matplotlib's import.
    """
    from .render import render_monthly_notice  # noqa: PLC0415 - rendering imports matplotlib and docxtpl

    ws = Workspace(root)
    checkpoint("render")
    staging = ws.root / ".docgen" / "staging" / "monthly" / report.period / uuid.uuid4().hex
    try:
        staging.mkdir(parents=True)
        draw = {"draw_chart": charts.draw} if charts is not None else {}
        render_monthly_notice(report, staging / notice_name(report), workspace_templates=ws.templates_dir, **draw)
        checkpoint("render-half")
        (staging / "summary.json").write_bytes(summary_bytes(report))
    except OSError as exc:  # a full disk: a clear message, and the half-written notice does not keep the space
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageError(disk_message(exc)) from exc
    return str(staging)


def publish(root: str | Path, cycle: str, period: str, staging: str | Path, *, trigger: str = "cli",
            doc_number: str | None = None, started_at: datetime | None = None) -> list[Path]:
    """Move the staged documents into the outbox; whatever was there becomes an earlier version.

    Crash-safe: the earlier version is gathered in ``versions/.vN.partial`` and renamed to ``vN`` when
    complete; a publish killed half-way is completed by the next one, and nothing is ever deleted.
    """
    ws = Workspace(root)
    staging = Path(staging)
    outbox = ws.outbox_dir(cycle, period)
    outbox.mkdir(parents=True, exist_ok=True)
    checkpoint("publish")
    with _lock(ws, cycle, period):
        return _publish(ws, outbox, cycle, period, staging, trigger, doc_number, started_at)


def _publish(ws: Workspace, outbox: Path, cycle: str, period: str, staging: Path, trigger: str,
             doc_number: str | None, started_at: datetime | None) -> list[Path]:
    versions = outbox / VERSIONS_DIR
    current = sorted(p for p in outbox.iterdir() if p.name != VERSIONS_DIR)
    if current and not any(p.suffix == ".docx" for p in current) and all(
        p.is_file() and (staging / p.name).is_file() and (staging / p.name).read_bytes() == p.read_bytes()
        for p in current
    ):
        current = []  # a publish killed before placing its notice left these very files: replaced below
    partial = sorted(versions.glob(".v*.partial")) if versions.is_dir() else []
    if current or partial:
        versions.mkdir(exist_ok=True)
        if partial:
            earlier = partial[0]
        else:
            n = 1 + sum(1 for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
            earlier = versions / f".v{n}.partial"
            earlier.mkdir()
        for p in current:
            shutil.move(str(p), earlier / p.name)
            checkpoint("publish-moving")
        earlier.rename(versions / earlier.name.removeprefix(".").removesuffix(".partial"))
    outputs = []
    for p in sorted(staging.iterdir(), key=lambda p: p.suffix != ".json"):  # the notice last
        target = outbox / p.name
        shutil.move(str(p), target)
        outputs.append(target)
    staging.rmdir()
    ws.state.record_run(cycle, period, trigger, doc_number=doc_number,
                        outputs=[str(p.relative_to(ws.root)) for p in outputs],
                        started_at=started_at, fingerprint=_fingerprint(outbox))
    return outputs


def summary_bytes(report: MonthlyReport) -> bytes:
    """``summary.json`` as written beside the notice; its hash is a run's fingerprint."""
    return json.dumps(report.summary(), ensure_ascii=False, indent=2).encode("utf-8")


def _fingerprint(folder: Path) -> str:
    """What a run issued: the summary (numbers, units, tasks, issuing number) beside the notice."""
    summary = folder / "summary.json"
    data = summary.read_bytes() if summary.is_file() else b""
    return hashlib.sha256(data).hexdigest()


def already_issued(ws: Workspace, cycle: str, period: str, report: MonthlyReport, since: datetime) -> list[Path] | None:
    """The outputs of a run that finished after ``since`` and issued exactly this report, if any.

    A run that waited for another run of the same period has nothing to add when the other one issued
    the same numbers: it returns that run's outputs instead of issuing a duplicate version.
    """
    last = ws.state.last_run(cycle, period)
    if last is None or last.finished_at is None or last.finished_at < utc_naive(since):
        return None
    if last.fingerprint != hashlib.sha256(summary_bytes(report)).hexdigest():
        return None
    outputs = [ws.root / p for p in last.outputs]
    return outputs if all(p.exists() for p in outputs) else None


def run_monthly(
    root: str | Path, period: str, *, trigger: str = "cli", now: datetime | None = None,
    progress: Progress | None = None, started_at: datetime | None = None,
) -> MonthlyRun:
    """The whole monthly cycle, step by step, timing each step, holding the period's run lock.

    ``started_at``: when the run was asked for (the command passes its own start, before its imports),
    so a run asked for while another was running, and finding the same notice issued, issues no copy.
    """
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = fn()
        timings[name] = round(time.perf_counter() - start, 3)
        return value

    started = started_at or datetime.now(UTC)
    now = now or datetime.now(UTC)
    ws = Workspace(root)
    parse_period("monthly", period)
    from .render.chart import ChartProcess  # noqa: PLC0415 - rendering imports docxtpl

    with _lock(ws, "monthly", period), ChartProcess() as charts:
        got = timed("intake", lambda: intake_step(root, "monthly", period, now=now, wait_for_settling=SETTLE_ROUNDS,
                                                  deadline=True))
        receipts = timed("receipts", lambda: receipts_step(root, "monthly", period, progress=progress))
        report = timed("compute", lambda: compute_monthly(root, period))
        issued = already_issued(ws, "monthly", period, report, started)
        if issued is not None:
            log.info("同时运行的另一次运行已发布相同的通报，本次不再重复发布")
            return MonthlyRun(report=report, outputs=issued, intake=got, receipts=receipts, timings=timings)
        staging = timed("render", lambda: render_monthly(root, report, charts=charts))
        outputs = timed("publish", lambda: publish(root, "monthly", period, staging, trigger=trigger,
                                                   doc_number=report.doc_number, started_at=started))
    return MonthlyRun(report=report, outputs=outputs, intake=got, receipts=receipts, timings=timings)


def period_of(cycle: str, given: str | None, run_after: datetime | None, tz: str) -> Period:
    """The period a run reports on: the one given, else the one before ``run_after`` (or now)."""
    if given:
        return parse_period(cycle, given)  # type: ignore[arg-type]
    return previous_period(cycle, run_after or datetime.now(UTC), tz)  # type: ignore[arg-type]

