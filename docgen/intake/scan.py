"""Scanning the intake folders: find what units dropped, archive it, and register it as submissions.

``collect`` walks ``intake/<cycle>/<period>/<folder>/`` of every declared cycle (a folder is a unit's code,
or a role folder such as ``_inspection`` that the cycle declares); every regular file that has stopped
changing is copied to ``archive/`` by its SHA-256 and registered as a submission of the kind its folder
and type say (one transaction per scan). Symlinks, hard links, sub-folders, anything that is not a
regular file and unknown folders are registered as refused and never read. Originals are only ever read.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import stat as stat_mod
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .. import cycles
from ..filenames import display_name
from ..registry import load_registry
from ..state import Sighting, StorageError, aware, disk_message, utc_naive
from ..storage import Oversized
from ..workspace import Workspace
from .job import folder_kind

log = logging.getLogger(__name__)

TEMP_PREFIX = ".partial-"  # a copy into the archive under way; one older than a day was left by a killed run
CLOCK_SLACK = timedelta(seconds=2)  # a modification time this far ahead of now is a skewed clock
_IGNORED = {".ds_store", "thumbs.db", "desktop.ini"}
_TEMP_PREFIXES = ("~$", ".~lock", "~wrl")
_TEMP_SUFFIXES = (".tmp", ".part", ".crdownload", ".download", ".partial", "~")

REFUSE_SYMLINK = "不接受快捷方式或符号链接，请直接放入文件本身"
REFUSE_HARDLINK = "该文件是硬链接（与其他位置的文件共用内容），出于安全原因不予读取；请复制一份普通文件放入"
REFUSE_SPECIAL = "不是普通文件（如管道、设备或套接字），不予读取；请放入 .xlsx 或 .csv 文件"
REFUSE_UNREADABLE = "系统没有读取该文件的权限，未能接收。请创建办管理员修正该文件的读取权限，之后单位重新放入该文件即可"
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


@dataclass
class _Scan:
    """What one scan knows before it writes: the period's registered versions and sightings."""

    ws: Workspace
    now: datetime
    known_units: set[str]
    registered: set[tuple[str, int, int]]
    sightings: dict[str, Sighting]
    unreadable: dict[tuple[str, int, int], int] = field(default_factory=dict)  # refused for permissions: id
    new_rows: list[dict[str, Any]] = field(default_factory=list)  # submissions to register
    readable_again: list[tuple[int, str, str]] = field(default_factory=list)  # (id, sha, archive path)
    sighting_rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # sightings to add (or, with an id, update)


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
    oversized = _mirror(ws, cycle, period, result)
    for cyc, per, folder in _period_folders(ws, cycle, period, result):
        scan = _prefetch(ws, cyc, per, now, known_units)
        try:
            unit_dirs = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            _unreadable(ws, result, Path(folder), exc)
            continue
        for unit_dir in unit_dirs:
            _collect_unit(scan, result, cyc, per, unit_dir)
        for big in oversized.get((cyc, per), ()):
            _refuse_oversized(scan, result, cyc, per, big)
        _write_scan(scan, result)
    return result


def _mirror(ws: Workspace, cycle: str | None, period: str | None, result: CollectResult
            ) -> dict[tuple[str, str], list[Oversized]]:
    """A bucket's intake copied into the local face, so the scan below reads it like a local folder;
    the objects too large to download, by (cycle, period)."""
    if ws.bucket is None:
        return {}
    under = "/".join(p for p in (cycle, period if cycle else None) if p)
    mirrored = ws.bucket.mirror_intake(ws.root, under, int(ws.campaign.intake.max_file_mb * 2**20))
    result.pending.extend(Pending(display_name(name.removeprefix("intake/")), reason) for name, reason in mirrored.skipped)
    by_period: dict[tuple[str, str], list[Oversized]] = {}
    for big in mirrored.oversized:
        _, cyc, per, *_ = big.rel.split("/")
        by_period.setdefault((cyc, per), []).append(big)
    return by_period


def _refuse_oversized(scan: _Scan, result: CollectResult, cycle: str, period: str, big: Oversized) -> None:
    """An object over the size limit, answered from its size alone: it was never downloaded."""
    entry = scan.ws.root / big.rel
    rel = _rel(scan.ws, entry)
    if (rel, big.size, big.mtime_ns) in scan.registered:
        result.already_seen += 1
        return
    limit = scan.ws.campaign.intake.max_file_mb
    reason = f"文件大小 {big.size / 2**20:.1f} MB 超过上限 {limit:.0f} MB，未予读取，请删除无关内容或压缩图片后重新报送"
    unit = display_name(entry.parent.name)
    kind = cycles.get(cycle).kind_for(folder_kind(unit), entry.name)
    _register(scan, cycle, period, unit, entry, rel, big.size, big.mtime_ns, received_at=scan.now,
              sha=None, archived=None, refusal=reason, kind=kind.name if kind else None)


def _sweep(archive: Path, older_than: float = 86400.0) -> None:
    """Remove half-made archive copies a killed run left (never a finished one: those are renamed)."""
    cutoff = time.time() - older_than
    for leftover in archive.glob(f"{TEMP_PREFIX}*") if archive.is_dir() else ():
        with contextlib.suppress(OSError):
            if leftover.lstat().st_mtime < cutoff:
                leftover.unlink()


def _prefetch(ws: Workspace, cycle: str, period: str, now: datetime, known_units: set[str]) -> _Scan:
    versions, sightings = ws.state.registered(cycle, period, sightings_under=f"{cycle}/{period}/")
    registered = {(path, size, mtime) for _, path, size, mtime, _ in versions}
    unreadable = {(path, size, mtime): sub_id for sub_id, path, size, mtime, refusal in versions
                  if refusal == REFUSE_UNREADABLE}
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
    kind = declared.kind_for(folder_kind(unit), name)
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
    kind = cycles.get(cycle).kind_for(folder_kind(unit), entry.name)
    _register(scan, cycle, period, unit, entry, rel, st.st_size, st.st_mtime_ns, received_at=scan.now,
              sha=None, archived=None, refusal=reason, kind=kind.name if kind else None)


def _register(
    scan: _Scan, cycle: str, period: str, unit: str, entry: Path, rel: str, size: int, mtime_ns: int, *,
    received_at: datetime, sha: str | None, archived: str | None, refusal: str | None, note: str | None = None,
    kind: str | None = None,
) -> None:
    scan.registered.add((rel, size, mtime_ns))
    scan.new_rows.append({
        "cycle": cycle, "period": period, "unit": unit, "kind": kind, "file_name": display_name(entry.name), "path": rel,
        "size": size, "mtime_ns": mtime_ns, "sha256": sha, "archive_path": archived, "received_at": received_at,
        "refusal": refusal, "note": note,
    })


def _write_scan(scan: _Scan, result: CollectResult) -> None:
    """One transaction for the whole scan; row by row if another scan registered some of it meanwhile."""
    if scan.readable_again:
        scan.ws.state.reopen_refused(scan.readable_again, REFUSE_UNREADABLE)
    new, taken = scan.ws.state.register_scan(list(scan.sighting_rows.values()), scan.new_rows)
    result.new.extend(new)
    result.already_seen += taken


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
