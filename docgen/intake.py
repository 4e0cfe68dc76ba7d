"""Intake: find what units dropped, archive it, and answer each file with receipts.

Two steps, so Airflow can show them apart and a crash between them loses nothing:

- ``collect``: walk ``intake/<cycle>/<period>/<unit>/``; every file that has stopped changing is copied
  to ``archive/`` by its SHA-256 and registered as a submission. Symlinks, sub-folders and unknown unit
  folders are registered as refused, never followed.
- ``process``: validate each registered submission from its archived copy and write its receipts.

Originals are only ever read. A unit's bad file gives that unit a receipt and never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, select, update

from .contracts import ValidationContext, load_contract
from .models import Problem, Receipt, Registry
from .periods import CYCLES, Period, parse_period
from .receipts import write_receipts
from .registry import load_registry
from .state import Sighting, SubmissionRow, aware, utc_naive
from .validation import validate_file
from .workspace import Workspace

log = logging.getLogger(__name__)

CYCLE_CONTRACTS = {"monthly": "monthly_progress"}
CLAIM_TIMEOUT = timedelta(minutes=15)
MAX_WORKERS = 4
PARALLEL_FROM = 16  # fewer files than this are not worth starting processes for
_IGNORED = {".ds_store", "thumbs.db", "desktop.ini"}
_TEMP_PREFIXES = ("~$", ".~lock", "~wrl")
_TEMP_SUFFIXES = (".tmp", ".part", ".crdownload", ".download", ".partial", "~")
Progress = Callable[[str, int, int], None]


@dataclass
class Pending:
    """A file left for a later scan, and why (in Chinese); ``settling`` if it only needs time."""

    path: str
    reason: str
    settling: bool = False


@dataclass
class CollectResult:
    new: list[int] = field(default_factory=list)  # submission ids registered by this scan
    pending: list[Pending] = field(default_factory=list)
    already_seen: int = 0


def collect(
    ws: Workspace,
    cycle: str | None = None,
    period: str | None = None,
    *,
    now: datetime | None = None,
    units: Iterable[str] | None = None,
) -> CollectResult:
    """Register every settled file under ``intake/`` (optionally one cycle and period)."""
    now = now or datetime.now(UTC)
    known_units = set(units) if units is not None else set(load_registry(ws.registry_dir).units)
    result = CollectResult()
    for cyc, per, folder in _period_folders(ws, cycle, period, result):
        for unit_dir in sorted(folder.iterdir()):
            if unit_dir.name.startswith(".") or unit_dir.name.lower() in _IGNORED:
                continue
            if unit_dir.is_symlink() or not _inside(unit_dir, ws.intake_root):
                _refuse(ws, result, cyc, per, unit_dir.name, unit_dir, now,
                        "单位文件夹是快捷方式（符号链接），指向收件夹以外，不予读取；请建立真实的文件夹")
                continue
            if not unit_dir.is_dir():
                result.pending.append(Pending(_rel(ws, unit_dir), "文件应放在以单位代码命名的文件夹中，不要直接放在期次文件夹里"))
                continue
            for entry in sorted(unit_dir.iterdir()):
                try:
                    _collect_entry(ws, result, cyc, per, unit_dir.name, entry, now, known_units)
                except OSError as exc:
                    log.warning("读取 %s 失败：%s", entry, exc)
                    result.pending.append(Pending(_rel(ws, entry), f"暂时无法读取（{exc.strerror or exc}），下次扫描时重试"))
    return result


def process(
    ws: Workspace,
    cycle: str | None = None,
    period: str | None = None,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[Receipt]:
    """Validate every registered, unprocessed submission and write its receipts.

    Each submission is claimed first, so two runs at once (the intake DAG and a deadline run) never
    answer the same file twice; a claim left by a crashed run expires after ``CLAIM_TIMEOUT``. Many
    files are shared among ``workers`` processes (default: one per core, at most 4).
    """
    now = datetime.now(UTC)
    with ws.state.session() as s:
        query = select(SubmissionRow.id).where(_claimable(now))
        if cycle:
            query = query.where(SubmissionRow.cycle == cycle)
        if period:
            query = query.where(SubmissionRow.period == period)
        candidates = list(s.scalars(query.order_by(SubmissionRow.received_at, SubmissionRow.id)))
    claimed = [sub for sub_id in candidates if (sub := _claim(ws, sub_id, now)) is not None]
    if not claimed:
        return []
    registry = load_registry(ws.registry_dir)
    workers = min(workers or os.cpu_count() or 1, MAX_WORKERS)
    receipts: list[Receipt] = []
    if workers > 1 and len(claimed) >= PARALLEL_FROM:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=(str(ws.root), ws.db_url)) as pool:
            answers = pool.map(_process_in_worker, claimed, chunksize=4)
            for i, receipt in enumerate(answers, start=1):
                receipts.append(receipt)
                if progress:
                    progress("校验与回执", i, len(claimed))
        return receipts
    for i, sub in enumerate(claimed, start=1):
        receipts.append(_process_one(ws, registry, sub))
        if progress:
            progress("校验与回执", i, len(claimed))
    return receipts


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Registered and not yet processed, or claimed by a run that has not finished in time."""
    return (SubmissionRow.status == "received") | (
        (SubmissionRow.status == "processing") & (SubmissionRow.claimed_at < utc_naive(now - CLAIM_TIMEOUT))
    )


def _claim(ws: Workspace, sub_id: int, now: datetime) -> SubmissionRow | None:
    """Mark a submission as being processed by this run; None if another run got there first."""
    with ws.state.session() as s:
        claimed = s.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == sub_id, _claimable(now))
            .values(status="processing", claimed_at=utc_naive(now))
        ).rowcount
        return s.get(SubmissionRow, sub_id) if claimed == 1 else None


_worker: tuple[Workspace, Registry] | None = None


def _start_worker(root: str, db_url: str) -> None:
    """Each worker process opens its own workspace and database engine (never the parent's)."""
    global _worker
    ws = Workspace(root, db_url=db_url)
    _worker = (ws, load_registry(ws.registry_dir))


def _process_in_worker(sub: SubmissionRow) -> Receipt:
    assert _worker is not None
    return _process_one(*_worker, sub)


# ---------------------------------------------------------------- collect internals


def _period_folders(
    ws: Workspace, cycle: str | None, period: str | None, result: CollectResult
) -> Iterable[tuple[str, str, Path]]:
    for cyc in [cycle] if cycle else CYCLES:
        if cyc not in CYCLE_CONTRACTS:
            continue  # no submission type yet for this cycle
        base = ws.intake_root / cyc
        if not base.is_dir():
            continue
        names = [period] if period else sorted(p.name for p in base.iterdir() if p.is_dir())
        for name in names:
            folder = base / name
            if not folder.is_dir() or folder.is_symlink():
                continue
            try:
                parse_period(cyc, name)  # type: ignore[arg-type]
            except ValueError as exc:
                result.pending.append(Pending(_rel(ws, folder), str(exc)))
                continue
            yield cyc, name, folder


def _collect_entry(
    ws: Workspace, result: CollectResult, cycle: str, period: str, unit: str, entry: Path, now: datetime,
    known_units: set[str],
) -> None:
    name = entry.name
    if name.lower() in _IGNORED:
        return
    if entry.is_symlink():
        _refuse(ws, result, cycle, period, unit, entry, now, "不接受快捷方式或符号链接，请直接放入文件本身")
        return
    if entry.is_dir():
        _refuse(ws, result, cycle, period, unit, entry, now,
                f"子文件夹“{name}”中的内容不会被读取，请把文件直接放在本单位文件夹中")
        return
    if not entry.is_file() or not _inside(entry, ws.intake_root):
        _refuse(ws, result, cycle, period, unit, entry, now, "不是普通文件，不予读取")
        return
    if name.startswith(_TEMP_PREFIXES) or name.lower().endswith(_TEMP_SUFFIXES) or name.startswith("."):
        result.pending.append(Pending(_rel(ws, entry), "这是编辑中的临时文件，已忽略；请关闭文件后放入正式文件"))
        return
    stat = entry.stat()
    rel = _rel(ws, entry)
    if _already_registered(ws, rel, stat):
        result.already_seen += 1
        return
    with ws.state.session() as s:
        first_seen = _sight(s, rel, stat.st_size, stat.st_mtime_ns, now)
    settle = ws.campaign.intake.settle_seconds
    mtime = datetime.fromtimestamp(stat.st_mtime_ns / 1e9, UTC)
    if first_seen is None or (now - mtime).total_seconds() < settle:
        result.pending.append(Pending(rel, "文件仍在写入或刚刚改动，待其稳定后再读取", settling=True))
        return
    sha, archived = _archive(ws, entry)
    if entry.stat().st_mtime_ns != stat.st_mtime_ns:  # changed while we copied it
        result.pending.append(Pending(rel, "文件仍在写入，待其稳定后再读取", settling=True))
        return
    refusal = None
    if unit not in known_units:
        refusal = f"文件夹“{unit}”不是成员单位名册中的单位代码，请放入以本单位代码命名的文件夹"
    result.new.append(
        _register(ws, cycle, period, unit, entry, rel, stat.st_size, stat.st_mtime_ns,
                  received_at=min(mtime, first_seen), sha=sha, archived=archived, refusal=refusal)
    )


def _already_registered(ws: Workspace, rel: str, stat: os.stat_result) -> bool:
    """This version of the file (path, size, modification time) was registered by an earlier scan."""
    with ws.state.session() as s:
        return s.scalar(select(SubmissionRow.id).where(
            SubmissionRow.path == rel, SubmissionRow.size == stat.st_size, SubmissionRow.mtime_ns == stat.st_mtime_ns
        )) is not None


def _sight(s: Any, rel: str, size: int, mtime_ns: int, now: datetime) -> datetime | None:
    """Record a sighting; return when the file was first seen, or None if it changed since last time."""
    sighting = s.scalar(select(Sighting).where(Sighting.path == rel))
    if sighting is None:
        s.add(Sighting(path=rel, size=size, mtime_ns=mtime_ns, first_seen_at=utc_naive(now),
                       last_changed_at=utc_naive(now)))
        return now
    if (sighting.size, sighting.mtime_ns) != (size, mtime_ns):  # a new version: first seen now
        sighting.size, sighting.mtime_ns = size, mtime_ns
        sighting.first_seen_at = sighting.last_changed_at = utc_naive(now)
        return None
    return aware(sighting.first_seen_at)


def _archive(ws: Workspace, path: Path) -> tuple[str, str]:
    """Copy ``path`` into the archive under its SHA-256 (streamed, so size does not matter)."""
    ws.archive_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with path.open("rb") as src, tempfile.NamedTemporaryFile(dir=ws.archive_dir, delete=False) as tmp:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
            tmp.write(chunk)
    sha = digest.hexdigest()
    target = ws.archive_dir / sha[:2] / f"{sha}{path.suffix.lower()}"
    target.parent.mkdir(exist_ok=True)
    if target.exists():
        os.unlink(tmp.name)
    else:
        os.replace(tmp.name, target)
        os.chmod(target, 0o444)
    return sha, str(target.relative_to(ws.root))


def _refuse(
    ws: Workspace, result: CollectResult, cycle: str, period: str, unit: str, entry: Path, now: datetime,
    reason: str,
) -> None:
    """Register something intake will not read (a link, a folder), once per version of it."""
    stat = entry.lstat()
    rel = _rel(ws, entry)
    if _already_registered(ws, rel, stat):
        result.already_seen += 1
        return
    result.new.append(
        _register(ws, cycle, period, unit, entry, rel, stat.st_size, stat.st_mtime_ns, received_at=now,
                  sha=None, archived=None, refusal=reason)
    )


def _register(
    ws: Workspace, cycle: str, period: str, unit: str, entry: Path, rel: str, size: int, mtime_ns: int, *,
    received_at: datetime, sha: str | None, archived: str | None, refusal: str | None,
) -> int:
    with ws.state.session() as s:
        row = SubmissionRow(
            cycle=cycle, period=period, unit=unit, file_name=entry.name, path=rel, size=size, mtime_ns=mtime_ns,
            sha256=sha, archive_path=archived, received_at=utc_naive(received_at), status="received",
            refusal=refusal,
        )
        s.add(row)
        s.flush()
        return row.id


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def _rel(ws: Workspace, path: Path) -> str:
    return path.relative_to(ws.intake_root).as_posix()


# ---------------------------------------------------------------- process internals


def _process_one(ws: Workspace, registry: Registry, sub: SubmissionRow) -> Receipt:
    period: Period = parse_period(sub.cycle, sub.period)  # type: ignore[arg-type]
    contract = load_contract(CYCLE_CONTRACTS[sub.cycle])
    source = ws.root / sub.archive_path if sub.archive_path else None
    rows: list[dict[str, Any]] = []
    if sub.refusal or source is None:
        problems = [Problem(message=sub.refusal or "文件未能存档，请重新报送")]
    else:
        try:
            context = ValidationContext(unit=sub.unit, tasks=registry.tasks, unit_codes=registry.units.keys())
            validation = validate_file(source, contract, context, ws.campaign.intake)
            problems, rows = validation.problems, validation.rows
        except Exception:  # one unit's file must never stop the others
            log.exception("处理 %s 单位的文件 %s 时出错", sub.unit, sub.file_name)
            problems = [Problem(message="系统处理该文件时出错，已记录，请联系创建办")]
    unit = registry.units.get(sub.unit)
    receipt = Receipt(
        file=sub.file_name,
        unit=sub.unit,
        unit_name=unit.name if unit else "（未登记单位）",
        cycle=sub.cycle,
        period=sub.period,
        period_label=period.label,
        received_at=aware(sub.received_at),  # type: ignore[arg-type]
        sha256=sub.sha256,
        accepted=not problems,
        errors=problems,
        submission_type=contract.title,
        rows=len(rows),
        deadline=ws.campaign.deadline(period),
        secretariat=ws.campaign.secretariat,
    )
    try:
        paths = write_receipts(ws, receipt, source if sub.refusal is None else None)
    except Exception:
        log.exception("为 %s 单位的文件 %s 写回执时出错", sub.unit, sub.file_name)
        paths = []
    with ws.state.session() as s:
        row = s.get(SubmissionRow, sub.id)
        assert row is not None
        row.status = "accepted" if receipt.accepted else "rejected"
        row.errors_json = json.dumps([p.to_dict() for p in problems], ensure_ascii=False)
        row.rows_json = json.dumps(rows, ensure_ascii=False, default=_json_default)
        row.receipt_paths_json = json.dumps([str(p.relative_to(ws.root)) for p in paths], ensure_ascii=False)
        row.processed_at = utc_naive(datetime.now(UTC))
    log.info("%s %s/%s：%s", "接收" if receipt.accepted else "退回", sub.unit, sub.file_name,
             f"{len(rows)} 行" if receipt.accepted else f"{len(problems)} 处问题")
    return receipt


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | set):
        return list(value)
    raise TypeError(type(value))

