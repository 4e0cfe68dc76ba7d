"""Every cycle as the same steps: intake → validate and receipts → compute → render → publish.

Each step takes the workspace root, the cycle's name and the period as plain strings and returns JSON-able
data, so the Airflow tasks are one-line calls and ``docgen run <cycle>`` runs exactly the same code. What
differs between cycles (their kinds, rules and documents) is asked of their declaration (``docgen.cycle``).

Safety of a deadline run: each step holds the period's run lock (two runs of one cycle and period never
overlap; the second waits); the numbers are computed only once every registered file of the period has
its receipts; publishing is crash-safe (a half-moved earlier version is completed by the next publish);
a run that waited for another and finds the same document already issued issues nothing new.
"""

from __future__ import annotations

import contextlib
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

from . import cycles, intake, levels
from .approval import make_draft
from .config import Campaign
from .cycle import LedgerView, Report
from .delivery import announce_receipts, deliver_quietly, request_review
from .errors import DocgenError
from .faults import checkpoint
from .inputs import inputs_for
from .issuing import SUMMARY, already_issued, issue, run_lock, summary_bytes
from .periods import Period
from .state import StorageError, disk_message
from .workspace import Workspace

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
SETTLE_ROUNDS = 3  # a deadline run waits at most this many settle intervals for files still being written
ANSWER_WAIT_SECONDS = 300.0  # a deadline run waits this long for files another live run is answering
NOTES = "说明.txt"  # why a document of the run was not made (an optional component missing)


class IncompleteIntake(DocgenError):
    """Some registered files of the period have no receipts: the notice would be wrong, so none is issued."""


@dataclass
class CycleRun:
    """What ``run_cycle`` did: the report, the files published, and how long each step took."""

    cycle: str
    report: Any
    outputs: list[Path]
    intake: dict[str, Any]
    receipts: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    draft: Any = None  # an ``approval.Draft`` when the run stopped at a draft for review (nothing issued)

    @property
    def documents(self) -> list[Path]:
        """The .docx documents issued, the cycle's main document first."""
        names = [d.file_name for d in cycles.get(self.cycle).documents(self.report)]
        by_name = {p.name: p for p in self.outputs}
        return [by_name[n] for n in names if n in by_name and n.endswith(".docx")]

    @property
    def notice(self) -> Path:
        """The cycle's main document (the first it declares)."""
        return self.documents[0]


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
    if cycle:
        declared = cycles.get(cycle)
        if period:
            declared.parse_period(period, ws.campaign)
    checkpoint("intake")
    with run_lock(ws, cycle, period):
        result = intake.collect(ws, cycle, period, now=now)
        for _ in range(wait_for_settling):
            if not any(p.settling for p in result.pending):
                break
            time.sleep(ws.campaign.intake.settle_seconds)
            more = intake.collect(ws, cycle, period)
            result = intake.CollectResult(new=result.new + more.new, pending=more.pending,
                                          already_seen=result.already_seen, unreadable=more.unreadable)
    ws.push()  # the archived copies, for a bucket's other machines
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
    with run_lock(ws, cycle, period):
        checkpoint("receipts-locked")  # the period's lock held, nothing answered yet
        receipts = intake.process(ws, cycle, period, progress=progress)
    ws.push()  # the receipts, where the units look for them
    announce_receipts(ws.root)  # each unit is told (once) how its file was answered
    if ws.campaign.levels.any:
        levels.sync_quietly(ws.root)  # receipts down to the children, reports still waiting up to the parent
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


def ledger_view(
    root: str | Path, cycle: str, *, unit: str | None = None, open_only: bool = False, item: str | None = None
) -> LedgerView:
    """The cycle's ledger as it stands now, one unit's items, or one item's whole history."""
    ws = Workspace(root)
    declared = cycles.get(cycle)
    now = declared.previous_period(datetime.now(UTC), ws.campaign)
    return declared.ledger_view(inputs_for(ws, declared, now), unit=unit, open_only=open_only, item=item)


def compute(
    root: str | Path, cycle: str, period: str, *, number: bool = True, today: date | None = None
) -> Report:
    """Apply the cycle's rules; with ``number``, give each numbered document its issuing number (kept on reruns).

    A numbered (deadline) computation first makes sure every registered file of the period has its
    receipts: it answers what crashed runs left, waits for files a live run is answering, and refuses
    (``IncompleteIntake``) rather than issue a document that calls a unit missing whose file was unread.
    The first numbered document's issue date is the report's.
    """
    ws = Workspace(root)
    declared = cycles.get(cycle)
    per = declared.parse_period(period, ws.campaign)
    with run_lock(ws, cycle, period) if number else contextlib.nullcontext():
        if number:
            ensure_answered(ws, cycle, period)
        report = declared.build(inputs_for(ws, declared, per))
    if not number:
        return report
    today = today or pendulum.now(ws.campaign.timezone).date()
    issued_on = ws.state.issue_date(cycle, period) or today  # a rerun keeps the first run's date
    report = declared.dated(report, issued_on)
    numbers: dict[str, str] = {}
    for key in declared.number_keys(report):
        prefix, seq, _ = ws.state.issuing_number(declared.number_prefix(key, ws.campaign), cycle, period, issued_on, key)
        numbers[key] = f"{prefix}{seq}号"
    return declared.with_numbers(report, numbers, issued_on)


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


def compute_step(root: str | Path, cycle: str, period: str) -> str:
    """Compute and number the report, write it as JSON for the next step; return that file's path,
    relative to the workspace (in a bucket, the next step may run on another machine).

    Airflow tasks pass this path, not the report: XCom carries small values.
    """
    report = compute(root, cycle, period)
    ws = Workspace(root)
    folder = ws.staging_dir(cycle, period)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"report-{uuid.uuid4().hex}.json"
    path.write_text(json.dumps({"cycle": cycle, "report": report.to_dict()}, ensure_ascii=False), encoding="utf-8")
    ws.push(ws.relative(path))
    return ws.relative(path)


def load_report(root: str | Path, path: str | Path) -> tuple[str, Report]:
    """(cycle, report) as ``compute_step`` wrote them (``path`` relative to the workspace, or absolute)."""
    data = json.loads(Workspace(root).local(str(path)).read_text(encoding="utf-8"))
    return data["cycle"], cycles.get(data["cycle"]).report_from_dict(data["report"])


def render(root: str | Path, cycle: str, report: Report, *, charts: Any = None) -> str:
    """Render the cycle's documents and summary.json into a fresh staging folder; return that folder,
    relative to the workspace (in a bucket, copied up for the machine that publishes it).

    ``charts``: a ``ChartProcess`` started earlier in the run, to draw charts without waiting for
    matplotlib's import.
    """
    from .render.document import render_document  # noqa: PLC0415 - rendering imports matplotlib and docxtpl

    ws = Workspace(root)
    checkpoint("render")
    staging = ws.staging_dir(cycle, report.period, uuid.uuid4().hex)
    try:
        staging.mkdir(parents=True)
        notes = []
        for document in cycles.get(cycle).documents(report):
            rendered = render_document(document, staging, workspace_templates=ws.templates_dir, charts=charts,
                                       root=ws.root)
            if rendered.note:
                log.warning("%s 未生成：%s", document.file_name, rendered.note)
                notes.append(f"{document.file_name} 未生成：{rendered.note}")
            checkpoint("render-half")
        levels.write_upward(ws, cycle, report, staging)  # the report to the level above, issued with them
        if notes:  # beside the documents, where the secretariat looks for them
            (staging / NOTES).write_text("\n".join(notes) + "\n", encoding="utf-8")
        (staging / SUMMARY).write_bytes(summary_bytes(cycle, report))
    except OSError as exc:  # a full disk: a clear message, and the half-written documents do not keep the space
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageError(disk_message(exc)) from exc
    ws.push(ws.relative(staging))
    return ws.relative(staging)


def publish(root: str | Path, cycle: str, period: str, staging: str | Path, *, trigger: str = "cli",
            doc_number: str | None = None, started_at: datetime | None = None) -> list[Path]:
    """Move the staged documents into the outbox; whatever was there becomes an earlier version.

    Crash-safe (``versions.place``): a publish killed half-way is completed by the next one, without its
    never-issued files becoming a "version"; nothing issued is ever deleted.
    """
    ws = Workspace(root)
    staging = ws.local_folder(staging)  # rendered on another machine, perhaps
    outbox = ws.outbox_dir(cycle, period)
    outbox.mkdir(parents=True, exist_ok=True)
    checkpoint("publish")
    with run_lock(ws, cycle, period):
        return issue(ws, cycle, period, staging, trigger=trigger, doc_number=doc_number, started_at=started_at)[0]


def run_cycle(
    root: str | Path, cycle: str, period: str, *, trigger: str = "cli", now: datetime | None = None,
    progress: Progress | None = None, started_at: datetime | None = None, draft: bool = False,
    today: date | None = None,
) -> CycleRun:
    """A whole cycle, step by step, timing each step, holding the period's run lock.

    ``started_at``: when the run was asked for (the command passes its own start, before its imports),
    so a run asked for while another was running, and finding the same documents issued, issues no copy.
    ``draft``: stop at a draft for the secretariat's review (``docgen.approval``) instead of publishing.
    ``today``: the issue date a first run gives (default: today in the campaign's zone; a rerun keeps its own).
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
    cycles.get(cycle).parse_period(period, ws.campaign)
    from .render.chart import ChartProcess  # noqa: PLC0415 - rendering imports docxtpl

    with run_lock(ws, cycle, period), ChartProcess() as charts:
        got = timed("intake", lambda: intake_step(root, cycle, period, now=now, wait_for_settling=SETTLE_ROUNDS,
                                                  deadline=True))
        receipts = timed("receipts", lambda: receipts_step(root, cycle, period, progress=progress))
        report = timed("compute", lambda: compute(root, cycle, period, today=today))
        issued = None if draft else already_issued(ws, cycle, period, report, started)
        if issued is not None:
            log.info("同时运行的另一次运行已发布相同的公文，本次不再重复发布")
            return CycleRun(cycle, report, issued, got, receipts, timings)
        staging = timed("render", lambda: render(root, cycle, report, charts=charts))
        if draft:
            made = timed("draft", lambda: make_draft(root, cycle, report, staging))
            request_review(root, made.to_dict())
            return CycleRun(cycle, report, sorted(Path(made.folder).iterdir()), got, receipts, timings, made)
        outputs = timed("publish", lambda: publish(root, cycle, period, staging, trigger=trigger,
                                                   doc_number=report.doc_number, started_at=started))
    timed("deliver", lambda: deliver_quietly(root))
    return CycleRun(cycle, report, outputs, got, receipts, timings)


def period_of(cycle: str, given: str | None, run_after: datetime | None, campaign: Campaign) -> Period:
    """The period a run reports on: the one given, else the one before ``run_after`` (or now)."""
    declared = cycles.get(cycle)
    if given:
        return declared.parse_period(given, campaign)
    return declared.previous_period(run_after or datetime.now(UTC), campaign)
