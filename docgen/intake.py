"""Intake: find what units dropped, archive it, and answer each file with receipts.

Two steps, so Airflow can show them apart and a crash between them loses nothing:

- ``collect``: walk ``intake/<cycle>/<period>/<folder>/`` of every declared cycle (a folder is a unit's
  code, or a role folder such as ``_inspection`` that the cycle declares); every regular file that has
  stopped changing is copied to ``archive/`` by its SHA-256 and registered as a submission of the kind
  its folder and type say (one transaction per scan). Symlinks, hard links, sub-folders, anything that is
  not a regular file and unknown folders are registered as refused and never read.
- ``process``: claim the registered submissions, read and validate them in bounded worker processes
  (``docgen.isolation``: a file that crashes, exhausts or stalls its reader costs only itself), write
  their receipts, and record the outcomes in batches. An accepted file of a kind that changes the
  cycle's ledger is applied to it in the parent, in the order the files were received, and answered
  after: a file the ledger refuses is rejected and changes nothing.

Originals are only ever read. A unit's bad file gives that unit a receipt and never stops the others.
A claim names the process that made it: a run that died (even by kill -9) leaves claims the next run
takes over at once.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import stat as stat_mod
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from . import cycles
from .contracts import Contract, Validation, ValidationContext, load_contract
from .cycle import Cycle, Kind, resolve
from .faults import checkpoint
from .filenames import display_name
from .isolation import BATCH, Bounds, Failure, run_isolated
from .models import Problem, Receipt, Registry
from .registry import load_registry
from .state import (
    Sighting,
    StorageError,
    SubmissionRow,
    aware,
    disk_message,
    owner_alive,
    owner_token,
    utc_naive,
)
from .workspace import Workspace

log = logging.getLogger(__name__)

MAX_WORKERS = 4
CHUNK = 50  # files a worker reads and validates together (one validation pass costs ~5 ms whatever its size)
RECORD_EVERY = 50  # outcomes written to the state database per transaction
TEMP_PREFIX = ".partial-"  # a copy into the archive under way; one older than a day was left by a killed run
CLOCK_SLACK = timedelta(seconds=2)  # a modification time this far ahead of now is a skewed clock
_IGNORED = {".ds_store", "thumbs.db", "desktop.ini"}
_TEMP_PREFIXES = ("~$", ".~lock", "~wrl")
_TEMP_SUFFIXES = (".tmp", ".part", ".crdownload", ".download", ".partial", "~")
Progress = Callable[[str, int, int], None]

REFUSE_SYMLINK = "不接受快捷方式或符号链接，请直接放入文件本身"
REFUSE_HARDLINK = "该文件是硬链接（与其他位置的文件共用内容），出于安全原因不予读取；请复制一份普通文件放入"
REFUSE_SPECIAL = "不是普通文件（如管道、设备或套接字），不予读取；请放入 .xlsx 或 .csv 文件"
REFUSE_UNREADABLE = "系统没有读取该文件的权限，未能接收。请创建办管理员修正该文件的读取权限，之后单位重新放入该文件即可"
FAILURE_MESSAGES = {
    "crash": "文件无法读取：读取该文件时程序异常中止，文件可能已损坏或结构异常。请在 Excel 或 WPS 中打开后"
             "“另存为”新的 .xlsx 文件再报送；如仍有问题请联系创建办",
    "timeout": "文件读取超时（超过 {detail} 仍未读完），可能含有大量空白格式或异常内容。请删除多余内容，"
               "“另存为”新的 .xlsx 文件后重新报送",
    "memory": "读取该文件所需内存超出上限，文件可能含有大量内容或异常结构。请删除多余内容或拆分后重新报送",
}
SYSTEM_ERROR = "系统处理该文件时出错，已记录，请联系创建办"
MISSING_COLUMN = "缺少必填列"  # how a contract's missing-column problem begins (a file of another kind?)
FUTURE_NOTE = ("文件的修改时间（{mtime}）晚于系统收到它的时间，可能是共享盘时钟不准；"
               "已按系统首次发现该文件的时间（{seen}）计为接收时间")


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
    unreadable: list[Pending] = field(default_factory=list)  # folders the service cannot list


# ---------------------------------------------------------------- collect


@dataclass
class _Scan:
    """What one scan knows before it writes: the period's registered versions and sightings."""

    ws: Workspace
    now: datetime
    known_units: set[str]
    registered: set[tuple[str, int, int]]
    sightings: dict[str, Sighting]
    unreadable: dict[tuple[str, int, int], int] = field(default_factory=dict)  # refused for permissions: id
    new_rows: list[dict[str, Any]] = field(default_factory=list)  # submissions to insert
    readable_again: list[tuple[int, str, str]] = field(default_factory=list)  # (id, sha, archive path)
    sighting_rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # sightings to insert or update


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
    _sweep(ws.archive_dir)
    for cyc, per, folder in _period_folders(ws, cycle, period, result):
        scan = _prefetch(ws, cyc, per, now, known_units)
        try:
            unit_dirs = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            _unreadable(ws, result, Path(folder), exc)
            continue
        for unit_dir in unit_dirs:
            _collect_unit(scan, result, cyc, per, unit_dir)
        _write_scan(scan, result)
    return result


def _sweep(archive: Path, older_than: float = 86400.0) -> None:
    """Remove half-made archive copies a killed run left (never a finished one: those are renamed)."""
    cutoff = time.time() - older_than
    for leftover in archive.glob(f"{TEMP_PREFIX}*") if archive.is_dir() else ():
        with contextlib.suppress(OSError):
            if leftover.lstat().st_mtime < cutoff:
                leftover.unlink()


def _prefetch(ws: Workspace, cycle: str, period: str, now: datetime, known_units: set[str]) -> _Scan:
    prefix = f"{cycle}/{period}/"
    with ws.state.session() as s:
        versions = s.execute(
            select(SubmissionRow.id, SubmissionRow.path, SubmissionRow.size, SubmissionRow.mtime_ns,
                   SubmissionRow.refusal == REFUSE_UNREADABLE)
            .where(SubmissionRow.cycle == cycle, SubmissionRow.period == period)
        ).all()
        sightings = {x.path: x for x in s.scalars(select(Sighting).where(Sighting.path.startswith(prefix)))}
    registered = {(path, size, mtime) for _, path, size, mtime, _ in versions}
    unreadable = {(path, size, mtime): sub_id for sub_id, path, size, mtime, refused in versions if refused}
    return _Scan(ws, now, known_units, registered, sightings, unreadable)


def _collect_unit(scan: _Scan, result: CollectResult, cycle: str, period: str, unit_dir: os.DirEntry) -> None:
    """One submitter's folder: a unit's (named by its code) or a role's (``_inspection``)."""
    ws = scan.ws
    name = unit_dir.name
    if name.startswith(".") or name.lower() in _IGNORED:
        return
    unit = display_name(name)
    path = Path(unit_dir.path)
    if unit_dir.is_symlink():  # the period folder itself was checked to be inside intake/
        _refuse(scan, result, cycle, period, unit, path,
                "单位文件夹是快捷方式（符号链接），指向收件夹以外，不予读取；请建立真实的文件夹")
        return
    if not unit_dir.is_dir(follow_symlinks=False):
        result.pending.append(Pending(_rel(ws, path), "文件应放在以单位代码命名的文件夹中，不要直接放在期次文件夹里"))
        return
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        _unreadable(ws, result, path, exc)
        return
    for entry in entries:
        try:
            _collect_entry(scan, result, cycle, period, unit, Path(entry.path))
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise StorageError(disk_message(exc)) from exc
            log.warning("读取 %s 失败：%s", display_name(entry.path), exc)
            result.pending.append(Pending(_rel(ws, Path(entry.path)),
                                          f"暂时无法读取（{exc.strerror or exc}），下次扫描时重试"))


def _unreadable(ws: Workspace, result: CollectResult, folder: Path, exc: OSError) -> None:
    rel = _rel(ws, folder)
    reason = (f"文件夹“{rel}”无法读取（{exc.strerror or exc}），其中的文件未能接收。"
              "请创建办管理员修正该文件夹的权限后重新运行")
    log.error(reason)
    pending = Pending(rel, reason)
    result.pending.append(pending)
    result.unreadable.append(pending)


def _collect_entry(scan: _Scan, result: CollectResult, cycle: str, period: str, unit: str, entry: Path) -> None:
    ws, now = scan.ws, scan.now
    name = entry.name
    if name.lower() in _IGNORED:
        return
    st = entry.lstat()
    if stat_mod.S_ISLNK(st.st_mode):
        _refuse(scan, result, cycle, period, unit, entry, REFUSE_SYMLINK, st)
        return
    if stat_mod.S_ISDIR(st.st_mode):
        _refuse(scan, result, cycle, period, unit, entry,
                f"子文件夹“{display_name(name)}”中的内容不会被读取，请把文件直接放在本单位文件夹中", st)
        return
    if not stat_mod.S_ISREG(st.st_mode):
        _refuse(scan, result, cycle, period, unit, entry, REFUSE_SPECIAL, st)
        return
    if st.st_nlink > 1:
        _refuse(scan, result, cycle, period, unit, entry, REFUSE_HARDLINK, st)
        return
    if name.startswith(_TEMP_PREFIXES) or name.lower().endswith(_TEMP_SUFFIXES) or name.startswith("."):
        result.pending.append(Pending(_rel(ws, entry), "这是编辑中的临时文件，已忽略；请关闭文件后放入正式文件"))
        return
    rel = _rel(ws, entry)
    version = (rel, st.st_size, st.st_mtime_ns)
    if version in scan.unreadable and os.access(entry, os.R_OK):
        _read_again(scan, result, entry, st, scan.unreadable[version])
        return
    if version in scan.registered:
        result.already_seen += 1
        return
    first_seen = _sight(scan, rel, st.st_size, st.st_mtime_ns)
    mtime = datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC)
    future = mtime > now + CLOCK_SLACK
    settle = ws.campaign.intake.settle_seconds
    if first_seen is None or (now - (first_seen if future else mtime)).total_seconds() < settle:
        result.pending.append(Pending(rel, "文件仍在写入或刚刚改动，待其稳定后再读取", settling=True))
        return
    try:
        sha, archived = _archive(ws, entry, st)
    except PermissionError:
        _refuse(scan, result, cycle, period, unit, entry, REFUSE_UNREADABLE, st)
        return
    except _NotPlain as exc:
        _refuse(scan, result, cycle, period, unit, entry, str(exc), st)
        return
    except _Changed:
        result.pending.append(Pending(rel, "文件仍在写入，待其稳定后再读取", settling=True))
        return
    refusal = None
    declared = cycles.get(cycle)
    kind = declared.kind_for(_folder_kind(unit), name)
    if unit.startswith("_") and unit not in declared.role_folders:
        roles = "、".join(f"{k.folder}（{k.role}）" for k in declared.role_folders.values())
        refusal = (f"文件夹“{unit}”不是本周期的报送文件夹；单位请放入以本单位代码命名的文件夹"
                   + (f"，{roles}" if roles else ""))
        kind = None
    elif not unit.startswith("_") and unit not in scan.known_units:
        refusal = f"文件夹“{unit}”不是成员单位名册中的单位代码，请放入以本单位代码命名的文件夹"
    note = None
    received_at = min(mtime, first_seen)
    if future:
        received_at = first_seen
        note = FUTURE_NOTE.format(mtime=_local(ws, mtime), seen=_local(ws, first_seen))
    _register(scan, cycle, period, unit, entry, rel, st.st_size, st.st_mtime_ns, received_at=received_at,
              sha=sha, archived=archived, refusal=refusal, note=note, kind=kind.name if kind else None)


def _read_again(scan: _Scan, result: CollectResult, entry: Path, st: os.stat_result, sub_id: int) -> None:
    """A file refused for its permissions that the secretariat has since fixed: answer it anew."""
    try:
        sha, archived = _archive(scan.ws, entry, st)
    except (OSError, _NotPlain, _Changed):
        result.already_seen += 1
        return
    scan.readable_again.append((sub_id, sha, archived))
    result.new.append(sub_id)


def _local(ws: Workspace, moment: datetime) -> str:
    import pendulum  # noqa: PLC0415

    return pendulum.instance(moment).in_timezone(ws.campaign.timezone).format("YYYY-MM-DD HH:mm:ss")


def _sight(scan: _Scan, rel: str, size: int, mtime_ns: int) -> datetime | None:
    """Note a sighting; return when this version was first seen, or None if it changed since last scan."""
    now = utc_naive(scan.now)
    if rel in scan.sighting_rows:  # seen twice in one scan: the same version
        return aware(scan.sighting_rows[rel]["first_seen_at"])
    sighting = scan.sightings.get(rel)
    values = {"path": rel, "size": size, "mtime_ns": mtime_ns, "first_seen_at": now, "last_changed_at": now}
    if sighting is None:
        scan.sighting_rows[rel] = values
        return scan.now
    if (sighting.size, sighting.mtime_ns) != (size, mtime_ns):  # a new version: first seen now
        scan.sighting_rows[rel] = {"id": sighting.id, **values}
        return None
    return aware(sighting.first_seen_at)


class _NotPlain(Exception):
    """The path turned out not to be a plain, single-link file when opened."""


class _Changed(Exception):
    """The file changed while it was copied."""


def _archive(ws: Workspace, path: Path, seen: os.stat_result) -> tuple[str, str]:
    """Copy ``path`` into the archive under its SHA-256, reading it only if it is what ``lstat`` saw.

    Opened without following links and without blocking (a FIFO swapped in cannot hang the scan); the
    open file must be the same regular, single-link file, unchanged while copied.
    """
    ws.archive_dir.mkdir(parents=True, exist_ok=True)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _NotPlain(REFUSE_SYMLINK) from exc
        raise
    with os.fdopen(fd, "rb") as src:
        st = os.fstat(fd)
        if not stat_mod.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (seen.st_dev, seen.st_ino):
            raise _NotPlain(REFUSE_SPECIAL)
        if st.st_nlink > 1:
            raise _NotPlain(REFUSE_HARDLINK)
        digest = hashlib.sha256()
        partial = None
        try:  # closing flushes: on a full disk that fails too, and the partial copy must still go
            with tempfile.NamedTemporaryFile(dir=ws.archive_dir, prefix=TEMP_PREFIX, delete=False) as tmp:
                partial = tmp.name
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    digest.update(chunk)
                    tmp.write(chunk)
        except BaseException:
            if partial:
                os.unlink(partial)
            raise
        after = os.fstat(fd)
    if (after.st_size, after.st_mtime_ns) != (seen.st_size, seen.st_mtime_ns):
        os.unlink(tmp.name)
        raise _Changed
    sha = digest.hexdigest()
    target = ws.archive_dir / sha[:2] / f"{sha}{_suffix(path)}"
    target.parent.mkdir(exist_ok=True)
    if target.exists():
        os.unlink(tmp.name)
    else:
        os.chmod(tmp.name, 0o444)
        os.replace(tmp.name, target)
    return sha, str(target.relative_to(ws.root))


def _suffix(path: Path) -> str:
    """The file's extension for its archived copy, only if it is plain (an odd name keeps none)."""
    suffix = display_name(path.suffix.lower())
    return suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 10 else ""


def _refuse(
    scan: _Scan, result: CollectResult, cycle: str, period: str, unit: str, entry: Path, reason: str,
    st: os.stat_result | None = None,
) -> None:
    """Register something intake will not read (a link, a folder, a device), once per version of it."""
    st = st or entry.lstat()
    rel = _rel(scan.ws, entry)
    if (rel, st.st_size, st.st_mtime_ns) in scan.registered:
        result.already_seen += 1
        return
    kind = cycles.get(cycle).kind_for(_folder_kind(unit), entry.name)
    _register(scan, cycle, period, unit, entry, rel, st.st_size, st.st_mtime_ns, received_at=scan.now,
              sha=None, archived=None, refusal=reason, kind=kind.name if kind else None)


def _folder_kind(folder: str) -> str | None:
    """The folder as the cycle's kinds name it: a role folder by its name, any unit's as ``UNIT_FOLDER``."""
    return folder if folder.startswith("_") else None


def _register(
    scan: _Scan, cycle: str, period: str, unit: str, entry: Path, rel: str, size: int, mtime_ns: int, *,
    received_at: datetime, sha: str | None, archived: str | None, refusal: str | None, note: str | None = None,
    kind: str | None = None,
) -> None:
    scan.registered.add((rel, size, mtime_ns))
    scan.new_rows.append({
        "cycle": cycle, "period": period, "unit": unit, "kind": kind, "file_name": display_name(entry.name), "path": rel,
        "size": size, "mtime_ns": mtime_ns, "sha256": sha, "archive_path": archived,
        "received_at": utc_naive(received_at), "status": "received", "claimed_at": None, "claimed_by": None,
        "refusal": refusal, "note": note, "errors_json": "[]", "rows_json": "[]", "receipt_paths_json": "[]",
        "processed_at": None,
    })


def _write_scan(scan: _Scan, result: CollectResult) -> None:
    """One transaction for the whole scan; row by row if another scan registered some of it meanwhile."""
    if scan.readable_again:
        with scan.ws.state.session() as s:
            for sub_id, sha, archived in scan.readable_again:
                s.execute(update(SubmissionRow).where(
                    SubmissionRow.id == sub_id, SubmissionRow.refusal == REFUSE_UNREADABLE
                ).values(refusal=None, sha256=sha, archive_path=archived, status="received", claimed_by=None))
    if not scan.new_rows and not scan.sighting_rows:
        return
    try:
        with scan.ws.state.session() as s:
            fresh = [x for x in scan.sighting_rows.values() if "id" not in x]
            changed = [x for x in scan.sighting_rows.values() if "id" in x]
            if fresh:
                s.execute(insert(Sighting), fresh)
            if changed:
                s.execute(update(Sighting), changed)
            if scan.new_rows:
                ids = s.scalars(insert(SubmissionRow).returning(SubmissionRow.id, sort_by_parameter_order=True),
                                scan.new_rows)
                result.new.extend(ids)
        return
    except IntegrityError:
        log.info("另一次扫描同时登记了部分文件，逐个登记")
    for values in scan.sighting_rows.values():
        try:
            with scan.ws.state.session() as s:
                if s.scalar(select(Sighting.id).where(Sighting.path == values["path"])) is None:
                    s.execute(insert(Sighting), [{k: v for k, v in values.items() if k != "id"}])
        except IntegrityError:
            pass
    for values in scan.new_rows:
        try:
            with scan.ws.state.session() as s:
                result.new.append(s.scalar(insert(SubmissionRow).returning(SubmissionRow.id), [values]))
        except IntegrityError:
            result.already_seen += 1  # the other scan has it


def _period_folders(
    ws: Workspace, cycle: str | None, period: str | None, result: CollectResult
) -> Iterable[tuple[str, str, Path]]:
    for cyc in [cycle] if cycle else cycles.declared():
        base = ws.intake_root / cyc
        try:
            if not base.is_dir():
                continue
            names = [period] if period else sorted(p.name for p in base.iterdir() if p.is_dir())
        except OSError as exc:
            _unreadable(ws, result, base, exc)
            continue
        for name in names:
            folder = base / name
            if not folder.is_dir() or folder.is_symlink() or not _inside(folder, ws.intake_root):
                continue
            try:
                cycles.get(cyc).parse_period(name, ws.campaign)
            except ValueError as exc:
                result.pending.append(Pending(_rel(ws, folder), str(exc)))
                continue
            yield cyc, name, folder


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def _rel(ws: Workspace, path: Path) -> str:
    return display_name(path.relative_to(ws.intake_root).as_posix())


# ---------------------------------------------------------------- process


@dataclass(frozen=True)
class Job:
    """What a worker needs to answer one submission (small, picklable)."""

    id: int
    cycle: str
    period: str
    unit: str
    kind: str | None
    file_name: str
    archive_path: str | None
    refusal: str | None
    received_at: datetime
    sha256: str | None
    note: str | None

    @property
    def readable(self) -> bool:
        """Archived, not refused, of a known kind: a worker reads it."""
        return bool(self.archive_path) and not self.refusal and self.kind is not None

    @property
    def declared(self) -> Kind | None:
        return cycles.get(self.cycle).kind(self.kind) if self.kind else None

    @property
    def kind_read_as(self) -> Kind:
        """Its kind; a file refused unread is named by its folder's kind for its type."""
        cycle = cycles.get(self.cycle)
        return self.declared or cycle.kind_for(_folder_kind(self.unit), self.file_name) or cycle.kinds[0]

    @property
    def contract(self) -> Contract:
        """The data contract it is read by (a kind with its own reader has none: see ``Kind.reader``)."""
        return load_contract(self.kind_read_as.name)

    @classmethod
    def of(cls, row: SubmissionRow) -> Job:
        return cls(row.id, row.cycle, row.period, row.unit, row.kind, row.file_name, row.archive_path, row.refusal,
                   aware(row.received_at), row.sha256, row.note)  # type: ignore[arg-type]


@dataclass
class Outcome:
    """A submission answered: its receipt, the typed rows used when accepted, where the receipts went.

    ``storage_error`` is set when the receipts could not be written (a full disk): the submission is then
    left for the next run instead of being recorded as answered.
    """

    receipt: Receipt | None
    rows: list[dict[str, Any]]
    receipt_paths: list[str]
    storage_error: str | None = None
    for_ledger: Validation | None = None  # accepted by its contract; the ledger decides, then it is answered


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
    answer the same file twice; claims of a process that no longer runs are taken over. Files are read
    in bounded worker processes (one per core, at most 4).
    """
    token = owner_token()
    claimed = _claim_all(ws, cycle, period, token)
    if not claimed:
        return []
    registry = load_registry(ws.registry_dir)
    jobs = [Job.of(row) for row in claimed]
    receipts: list[Receipt] = []
    storage_errors: list[str] = []
    buffer: list[tuple[Job, Outcome]] = []

    for_ledger: list[tuple[Job, Validation]] = []

    def take(job: Job, outcome: Outcome) -> None:
        if outcome.for_ledger is not None:
            for_ledger.append((job, outcome.for_ledger))
            return
        if outcome.storage_error:
            storage_errors.append(outcome.storage_error)
        else:
            receipts.append(outcome.receipt)  # type: ignore[arg-type]
        buffer.append((job, outcome))
        if len(buffer) >= RECORD_EVERY:
            _record(ws, token, buffer)
            buffer.clear()
            checkpoint("receipts-batch")
        if progress:
            progress("校验与回执", len(receipts) + len(storage_errors), len(jobs))

    try:
        readable = [j for j in jobs if j.readable]
        for job in jobs:
            if not job.readable:  # refused unread: answered here
                take(job, _answer(ws, registry, job, None))
        global _context
        _context = (ws, registry)  # inherited by the forked workers
        if readable:
            from .receipts import prepare  # noqa: PLC0415

            prepare(ws)  # so every worker starts with the receipt template compiled
        n_workers = max(1, min(workers or os.cpu_count() or 1, MAX_WORKERS, -(-len(readable) // CHUNK) or 1))
        chunk = max(1, min(CHUNK, -(-len(readable) // n_workers)))
        bounds = Bounds(seconds_per_item=ws.campaign.intake.max_seconds_per_file,
                        memory_mb=int(ws.campaign.intake.max_memory_mb))
        for job, outcome in run_isolated(readable, _answer_chunk, _failed_in_worker, workers=n_workers,
                                         chunk_size=chunk, bounds=bounds):
            take(job, outcome)
        if for_ledger:
            _apply_to_ledgers(ws, registry, for_ledger, take)
        if buffer:
            _record(ws, token, buffer)
            buffer.clear()
    finally:
        _context = None
        _release(ws, token)
    if storage_errors:
        raise StorageError(f"{len(storage_errors)} 个文件的回执未能写入：{storage_errors[0]}")
    return receipts


def _apply_to_ledgers(
    ws: Workspace, registry: Registry, accepted: list[tuple[Job, Validation]], take: Callable[[Job, Outcome], None]
) -> None:
    """Apply files its contract accepted to their cycle's ledger, in the order received (on a tie, in the
    order the cycle declares its kinds), then answer each: a file the ledger refuses is rejected whole.

    The ledger lock keeps two runs from interleaving their files; events carry their submission, so a
    file applied before a crash adds nothing when it is answered again.
    """
    # -- shared ledgers (Cycle.ledger_name): grouped, locked, read and written by ledger, not by cycle --
    by_ledger: dict[str, list[tuple[Job, Validation]]] = {}
    for job, validation in accepted:
        by_ledger.setdefault(cycles.get(job.cycle).ledger_name, []).append((job, validation))
    for name, items in by_ledger.items():
        owner = cycles.get(name) if name in cycles.declared() else cycles.get(items[0][0].cycle)
        orders = {c: {k.name: i for i, k in enumerate(cycles.get(c).kinds)} for c in {j.cycle for j, _ in items}}
        items.sort(key=lambda x: (x[0].received_at, orders[x[0].cycle].get(x[0].kind or "", 0), x[0].id))
        with ws.state.lock(f"ledger:{name}", wait_seconds=900.0, describe=f" {owner.label}台账 "):
            events = [e.payload for e in ws.state.events(name)]
            for job, validation in items:
                cycle = cycles.get(job.cycle)
                take(job, _answer(ws, registry, job, _applied(ws, cycle, job, validation, events), events=events))
    # -- end of shared ledgers --


def _applied(ws: Workspace, cycle: Cycle, job: Job, validation: Validation, events: list[dict[str, Any]]) -> Validation:
    """The file's validation once the ledger has had its say; its events are stored (and added to ``events``)."""
    assert job.declared is not None
    try:
        new, problems = cycle.apply(events, job.declared, validation.rows, source=str(job.id), at=job.received_at,
                                    unit=job.unit, excel_rows=validation.excel_rows,
                                    period=cycle.parse_period(job.period, ws.campaign))  # shared ledgers: its period
    except Exception:  # a fault in the rules must cost only this file
        log.exception("%s 的文件 %s 未能记入台账", job.unit, job.file_name)
        new, problems = [], [Problem(message=SYSTEM_ERROR)]
    if problems:
        return Validation(rows=[], problems=problems, excel_rows=validation.excel_rows)
    if new:
        ws.state.append_events(cycle.ledger_name, job.period, str(job.id), new, item_key=cycle.ledger_item_key)  # shared
        events.extend(new)
        checkpoint("ledger-applied")  # the events are stored; the file is not yet recorded as answered
    return validation


def _claim_all(ws: Workspace, cycle: str | None, period: str | None, token: str) -> list[SubmissionRow]:
    """Claim every unanswered submission (optionally of one cycle and period) for this process."""
    now = utc_naive(datetime.now(UTC))

    def scope(query: Any) -> Any:
        if cycle:
            query = query.where(SubmissionRow.cycle == cycle)
        if period:
            query = query.where(SubmissionRow.period == period)
        return query

    with ws.state.session() as s:
        holders = s.execute(scope(
            select(SubmissionRow.claimed_by, SubmissionRow.claimed_at).where(SubmissionRow.status == "processing")
        ).distinct()).all()
    dead = sorted({h for h, at in holders if h != token and not owner_alive(h, at)})
    if dead:
        log.warning("接管已中断的运行留下的 %d 个认领", len(dead))
    with ws.state.session() as s:
        open_rows = (SubmissionRow.status == "received") | (
            (SubmissionRow.status == "processing") & (SubmissionRow.claimed_by.in_(dead) | SubmissionRow.claimed_by.is_(None))
        )
        s.execute(scope(update(SubmissionRow).where(open_rows)).values(
            status="processing", claimed_by=token, claimed_at=now
        ).execution_options(synchronize_session=False))
    with ws.state.session() as s:
        return list(s.scalars(scope(
            select(SubmissionRow).where(SubmissionRow.status == "processing", SubmissionRow.claimed_by == token)
        ).order_by(SubmissionRow.received_at, SubmissionRow.id)))


def _release(ws: Workspace, token: str) -> None:
    """Give back what this process claimed and did not answer (it will be answered by the next run)."""
    try:
        with ws.state.session() as s:
            s.execute(update(SubmissionRow)
                      .where(SubmissionRow.status == "processing", SubmissionRow.claimed_by == token)
                      .values(status="received", claimed_by=None, claimed_at=None)
                      .execution_options(synchronize_session=False))
    except StorageError:
        log.warning("未能释放认领；下次运行会接管")


def _record(ws: Workspace, token: str, outcomes: Sequence[tuple[Job, Outcome]]) -> None:
    """Write a batch of outcomes in one transaction (a storage failure leaves the file unanswered)."""
    now = utc_naive(datetime.now(UTC))
    values = [
        {
            "id": job.id,
            "status": "accepted" if o.receipt.accepted else "rejected",
            "errors_json": json.dumps([p.to_dict() for p in o.receipt.errors], ensure_ascii=False),
            "rows_json": json.dumps(o.rows, ensure_ascii=False, default=_json_default),
            "receipt_paths_json": json.dumps(o.receipt_paths, ensure_ascii=False),
            "processed_at": now,
            "claimed_by": None,
        }
        for job, o in outcomes if not o.storage_error
    ]
    if values:
        with ws.state.session() as s:
            s.execute(update(SubmissionRow), values)


_context: tuple[Workspace, Registry] | None = None


def _answer_chunk(chunk: Sequence[Job], at: Callable[[int], None]) -> Iterator[Outcome]:
    """In a worker: read every file of the chunk, validate them together, write each one's receipts."""
    assert _context is not None
    ws, registry = _context
    from .formats.tables import FileRejected  # noqa: PLC0415
    from .validation import read_for  # noqa: PLC0415

    tables: list[Any] = []
    for i, job in enumerate(chunk):
        at(i)
        try:
            reader = job.kind_read_as.reader
            if reader:  # not a table: the kind's own reader checks it whole
                tables.append(resolve(reader)(ws.root / str(job.archive_path), ws.campaign.intake))
                continue
            tables.append(read_for(job.contract, ws.root / str(job.archive_path), ws.campaign.intake))
        except FileRejected as exc:
            tables.append([Problem(message=str(exc))])
        except MemoryError:
            tables.append([Problem(message=FAILURE_MESSAGES["memory"])])
        except Exception:  # one unit's file must never stop the others
            log.exception("读取 %s 单位的文件 %s 时出错", job.unit, job.file_name)
            tables.append([Problem(message=SYSTEM_ERROR)])
    at(BATCH)
    validations = _validate_all(chunk, tables, registry)
    for i, job in enumerate(chunk):
        at(i)
        if validations[i].accepted and job.declared is not None and job.declared.ledger:
            yield Outcome(None, [], [], for_ledger=validations[i])  # the parent applies it in order
            continue
        if not validations[i].accepted and not isinstance(tables[i], list | Validation):
            validations[i] = _misplaced(job, tables[i]) or validations[i]
        yield _answer(ws, registry, job, validations[i])


def _validate_all(chunk: Sequence[Job], tables: list[Any], registry: Registry) -> list[Validation]:
    """Validate the readable tables of a chunk together (one pass per contract)."""
    results: list[Validation | None] = [
        t if isinstance(t, Validation) else Validation(rows=[], problems=t) if isinstance(t, list) else None
        for t in tables
    ]
    by_contract: dict[str, list[int]] = {}
    for i, t in enumerate(tables):
        if not isinstance(t, list | Validation):
            by_contract.setdefault(chunk[i].contract.name, []).append(i)
    for name, indexes in by_contract.items():
        contract = load_contract(name)
        items = [(tables[i], ValidationContext(unit=None if chunk[i].unit.startswith("_") else chunk[i].unit,
                                               tasks=registry.tasks, unit_codes=registry.units.keys(),
                                               indicators=registry.indicators)) for i in indexes]
        try:
            answers = contract.validate_many(items)
        except Exception:  # a check that raises must cost only its own file: validate one by one
            log.exception("批量校验出错，改为逐个文件校验")
            answers = [_validate_one(contract, table, context) for table, context in items]
        for i, answer in zip(indexes, answers, strict=True):
            results[i] = answer
    return [r for r in results if r is not None]


def _validate_one(contract: Contract, table: Any, context: ValidationContext) -> Validation:
    try:
        return contract.validate(table, context)
    except Exception:
        log.exception("校验出错")
        return Validation(rows=[], problems=[Problem(message=SYSTEM_ERROR)])


def _misplaced(job: Job, table: Any) -> Validation | None:
    """A file of another kind of the cycle, dropped in the wrong folder: one problem saying what it is and who
    sends it (in words, never a folder's path).

    Told only when the file lacks its folder's columns and has every column of the other kind.
    """
    if job.contract.missing_columns(table) == []:
        return None
    for kind in cycles.get(job.cycle).kinds:
        if kind.folder == _folder_kind(job.unit) or kind.reader or load_contract(kind.name).missing_columns(table):
            continue
        here = job.kind_read_as.title
        return Validation(rows=[], problems=[Problem(message=(
            f"这是一份{kind.title}，应由{kind.role}报送；这里只接收{here}。请按{kind.title}的报送方式重新报送"))])
    return None


def _failed_in_worker(job: Job, failure: Failure) -> Outcome:
    """In the parent: the worker reading ``job`` died, ran out of memory or time."""
    assert _context is not None
    ws, registry = _context
    message = FAILURE_MESSAGES.get(failure.kind, FAILURE_MESSAGES["crash"]).format(detail=failure.detail)
    log.error("%s 单位的文件 %s 未能读取（%s %s）", job.unit, job.file_name, failure.kind, failure.detail)
    return _answer(ws, registry, job, Validation(rows=[], problems=[Problem(message=message)]), annotate=False)


def _answer(
    ws: Workspace, registry: Registry, job: Job, validation: Validation | None, *, annotate: bool = True,
    events: Sequence[dict[str, Any]] = (),
) -> Outcome:
    """Build the receipt of one submission and write it (JSON, .docx, annotated copy)."""
    from .receipts import write_receipts  # noqa: PLC0415 - rendering is the heavier layer

    period = cycles.get(job.cycle).parse_period(job.period, ws.campaign)
    kind = job.kind_read_as
    role = job.declared.role if job.declared and job.declared.folder else None
    if validation is None:
        validation = Validation(rows=[], problems=[Problem(message=job.refusal or "文件未能存档，请重新报送")])
    unit = registry.units.get(job.unit)
    receipt = Receipt(
        file=job.file_name,
        unit=job.unit,
        unit_name=role or (unit.name if unit else "（未登记单位）"),
        cycle=job.cycle,
        period=job.period,
        period_label=period.label,
        received_at=job.received_at,
        sha256=job.sha256,
        accepted=not validation.problems,
        errors=validation.problems,
        submission_type=kind.title,
        rows=len(validation.rows),
        deadline=period.deadline,
        secretariat=ws.campaign.secretariat,
        notes=[*([job.note] if job.note else []), *validation.notes,
               *(_form_note(ws, job) if validation.problems else _owed(registry, job, validation, period, events))],
        timezone=ws.campaign.timezone,
        channel=ws.campaign.submission_channel,
    )
    source = ws.root / str(job.archive_path) if job.readable and annotate else None
    try:
        paths = write_receipts(ws, receipt, source)
    except OSError as exc:
        log.error("为 %s 单位的文件 %s 写回执失败：%s", job.unit, job.file_name, exc)
        return Outcome(receipt, [], [], storage_error=disk_message(exc))
    log.info("%s %s/%s：%s", "接收" if receipt.accepted else "退回", job.unit, job.file_name,
             f"{len(validation.rows)} 行" if receipt.accepted else f"{len(validation.problems)} 处问题")
    rows = validation.rows if receipt.accepted else []
    return Outcome(receipt, rows, [str(p.relative_to(ws.root)) for p in paths])


def _owed(registry: Registry, job: Job, validation: Validation, period: Any, events: Sequence[dict[str, Any]]) -> list[str]:
    """For an accepted file from a unit's own folder: what the unit still owes for the period."""
    kind = job.declared
    if kind is None or kind.folder is not None or not validation.rows:
        return []
    try:
        return cycles.get(job.cycle).still_owed(kind, job.unit, validation.rows, registry, period, events)
    except Exception:  # a courtesy line must never cost the unit its receipt
        log.exception("列出 %s 尚欠的报送内容时出错", job.unit)
        return []


def _form_note(ws: Workspace, job: Job) -> list[str]:
    """For a returned file: the submitter's fill-in form for the period, when one was issued."""
    folder = ws.root / "forms" / job.cycle / job.period
    kind = job.kind_read_as
    try:
        forms = sorted(p for p in folder.glob(f"{job.unit}_*.xlsx") if kind.title in p.name)
    except OSError:
        return []
    if not forms:
        return []
    return [f"创建办已下发本期{kind.title}填报模板，用模板填写可避免大部分问题（表头、编号、数值范围已预设）"]


def unanswered(ws: Workspace, cycle: str, period: str) -> list[SubmissionRow]:
    """Registered submissions of the period that have no receipts yet."""
    with ws.state.session() as s:
        return list(s.scalars(select(SubmissionRow).where(
            SubmissionRow.cycle == cycle, SubmissionRow.period == period,
            SubmissionRow.status.in_(("received", "processing")),
        )))


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | set):
        return list(value)
    raise TypeError(type(value))
