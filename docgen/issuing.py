"""Issuing a period's documents: the run lock, placing them in the outbox, and recording the run.

The one step both ways of issuing share: a run that publishes what it rendered (``docgen.pipeline``) and a
reviewer's approval of a draft (``docgen.approval``). Both import this module and neither imports the
other for it, so the lock, the placing and what counts as "the same documents already issued" are one.

What a run issued is known by its fingerprint: the hash of ``summary.json`` (numbers, units, issuing
number) placed last beside the documents. A run or an approval that finds the same fingerprint issued
after it started issues nothing new.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from .cycle import Report
from .faults import checkpoint
from .state import RunRow, utc_naive
from .storage import Bucket
from .versions import place
from .workspace import Workspace

LOCK_WAIT_SECONDS = 900.0  # a run waits this long for another run of the same cycle and period
SUMMARY = "summary.json"  # beside every period's documents; placed last
ADDRESSEES = "addressees"  # summary.json's map of each document to the units it is delivered to


def run_lock(ws: Workspace, cycle: str | None, period: str | None) -> Any:
    """The run lock of (cycle, period); none for a scan of every open period (claims keep that safe)."""
    if not (cycle and period):
        return contextlib.nullcontext()
    return ws.state.lock(f"run:{cycle}:{period}", wait_seconds=LOCK_WAIT_SECONDS,
                         describe=f" {cycle} {period} ")


PLACED = ".placed"  # in a bucket's outbox: the staging folder its documents came from


def issue(ws: Workspace, cycle: str, period: str, staging: Path, *, trigger: str, doc_number: str | None,
          started_at: datetime | None) -> tuple[list[Path], int]:
    """Place the staged files in the period's outbox and record the run (the caller holds the run lock);
    return (outputs, run id).

    Crash-safe (``versions.place``): a placing killed half-way is completed by the next one, without its
    never-issued files becoming a "version"; whatever was there becomes an earlier version, never deleted.
    """
    outbox = ws.outbox_dir(cycle, period)
    ws.pull(ws.relative(outbox), exact=True)  # in a bucket: what another machine issued is the earlier version
    # False: an earlier try placed it (place() removes the staging folder; in a bucket, the marker says so)
    fresh = staging.is_dir() and not _placed_from(outbox, staging)
    if fresh:
        outputs = place(outbox, staging, last=SUMMARY, moved=lambda: checkpoint("publish-moving"))
        if ws.bucket:
            (outbox / PLACED).write_text(staging.name, encoding="utf-8")
        checkpoint("publish-placed")  # issued, not yet recorded
    elif (outbox / SUMMARY).is_file():
        # A retry of a publish whose first try placed these files and died (an Airflow task retried on
        # another worker): its staging is spent and the outbox holds them, sealed by summary.json. Placing
        # again would move them into versions/ with nothing to put in their place.
        outputs = sorted(p for p in outbox.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        raise FileNotFoundError(f"暂存文件夹 {staging} 不存在，{outbox} 中也没有已发布的文件：请重新运行本期")
    issued = fingerprint(outbox)
    if ws.bucket is not None:  # up before the run is recorded: a retry on another machine then finds them there
        _copy_up(ws, ws.bucket, outbox, staging)
    last = ws.state.last_run(cycle, period)
    if not fresh and last is not None and last.fingerprint == issued:
        run_id = last.id  # the try that died had recorded it already
    else:
        run_id = ws.state.record_run(cycle, period, trigger, doc_number=doc_number,
                                     outputs=[str(p.relative_to(ws.root)) for p in outputs],
                                     started_at=started_at, fingerprint=issued)
    from .delivery import announce_issued  # noqa: PLC0415 - delivery reads the registry

    announce_issued(ws.root, cycle, period, issued, outputs)  # the same documents issued again: sent once
    if ws.campaign.levels.parent is not None:
        from .levels import sync_quietly  # noqa: PLC0415 - the registry and the forms writer

        sync_quietly(ws.root, cycle, period)  # the report to the level above, at once when it can be reached
    return outputs, run_id


def _placed_from(outbox: Path, staging: Path) -> bool:
    """Whether the outbox already holds this staging folder's documents (a bucket's marker says which)."""
    marker = outbox / PLACED
    return marker.is_file() and marker.read_text(encoding="utf-8").strip() == staging.name


def _copy_up(ws: Workspace, bucket: Bucket, outbox: Path, staging: Path) -> None:
    """The period's outbox into the bucket: the documents and the version moved aside first, then the marker
    saying they are complete, then the top-level copies of the earlier version and the spent staging go."""
    rel = ws.relative(outbox)
    ws.push(rel)
    ws.push(f"{rel}/{PLACED}")
    bucket.remove(bucket.stale(ws.root, rel))
    ws.forget(ws.relative(staging))


def summary_bytes(cycle: str, report: Report) -> bytes:
    """``summary.json`` as written beside the notice; its hash is a run's fingerprint. Besides the cycle's
    own keys, ``addressees``: each document's units (主送), whom delivery sends it to once issued."""
    from . import cycles  # noqa: PLC0415 - the cycles import the rendering layer

    units = [u.code for u in report.units]
    addressees = {d.file_name: list(units if d.addressees is None else d.addressees)
                  for d in cycles.get(cycle).documents(report) if d.addressees != ()}
    summary = {**report.summary(), ADDRESSEES: addressees}
    return json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8")


def fingerprint(folder: Path) -> str:
    """What a run issued (or a draft would issue): the summary (numbers, units, issuing number) beside the
    documents."""
    summary = folder / SUMMARY
    data = summary.read_bytes() if summary.is_file() else b""
    return hashlib.sha256(data).hexdigest()


def already_issued(ws: Workspace, cycle: str, period: str, report: Report, since: datetime) -> list[Path] | None:
    """The outputs of a run that finished after ``since`` and issued exactly this report, if any.

    A run that waited for another run of the same period has nothing to add when the other one issued
    the same numbers: it returns that run's outputs instead of issuing a duplicate version.
    """
    last = issued_since(ws, cycle, period, hashlib.sha256(summary_bytes(cycle, report)).hexdigest(), since)
    if last is None:
        return None
    outputs = [ws.root / p for p in last.outputs]
    return outputs if all(p.exists() for p in outputs) else None


def issued_since(ws: Workspace, cycle: str, period: str, fingerprint: str, since: datetime) -> RunRow | None:
    """The latest run of (cycle, period), if it finished after ``since`` and issued exactly ``fingerprint``."""
    last = ws.state.last_run(cycle, period)
    if last is None or last.finished_at is None or last.finished_at < utc_naive(since):
        return None
    return last if last.fingerprint == fingerprint else None
