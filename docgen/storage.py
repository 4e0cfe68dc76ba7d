"""A workspace whose shared folders live in an object-storage bucket (S3, MinIO, any store fsspec reaches).

Units drop their files into the bucket's ``intake/``; the secretariat reads receipts and documents there.
docgen itself works on a *local face* of the workspace, a folder on the machine that runs it, and keeps
the two in step, so every guard, lock and crash-safe move of the one-machine path applies unchanged:

- the settings (``campaign.yaml``, ``registry/``, ``templates/``) are read from the bucket when the workspace
  is opened by its URL (``docgen run s3://bucket/campaign …``);
- ``intake/`` is mirrored down before each scan (``mirror_intake``). Only object names that are plain file
  names are mirrored; an object over the size limit is not downloaded (the scan refuses it from its size);
  a key deeper than a unit's folder becomes an empty local sub-folder, which the scan refuses unread. Each
  copy keeps its object's LastModified as its modification time, so the settle time counts the same;
- ``receipts/``, ``outbox/``, ``forms/`` and ``archive/`` are copied up after the steps that write them (``push``);
- an archived file another machine took in is fetched when a step needs it (``fetch``).

Nothing in the bucket is ever modified or deleted except what docgen itself wrote there. Credentials come
from an Airflow connection named in the URL the way Airflow's ``ObjectStoragePath`` names it
(``s3://conn_id@bucket/prefix``), else from the store's own environment (``AWS_ACCESS_KEY_ID``,
``AWS_ENDPOINT_URL``…).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .atomic import replacing
from .connections import connection
from .errors import DocgenError, WorkspaceError

log = logging.getLogger(__name__)

# read from the bucket by a workspace opened by URL: the settings, and what another level wrote there
# (a parent's tasks, calendar, forms and receipts; the children's figures: docgen.levels)
SETTINGS = ("campaign.yaml", "registry", "templates", "parent", "children")
PUSHED = ("receipts", "outbox", "forms", "archive")  # written by docgen, copied up to the bucket
MARKER = ".docgen/bucket"  # in a local face: the URL of the bucket it mirrors
MANIFEST = ".docgen/pushed.json"  # in a local face: what was copied up, by (size, mtime)
SETTINGS_TTL = 60.0  # seconds a process reuses the settings it read from the bucket
MAX_SETTINGS_MB = 50.0  # a registry or template larger than this is not read from the bucket
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_BAD_PART = re.compile(r"[\x00-\x1f\\]")


class StorageUnreachable(DocgenError):
    """The bucket could not be reached or refused docgen: the step stops (and is retried), nothing is lost."""


def is_url(root: str | Path) -> bool:
    """Whether a workspace root is a bucket's URL rather than a local folder."""
    return isinstance(root, str) and bool(_URL.match(root)) and not root.lower().startswith("file://")


@dataclass
class Oversized:
    """An object in the bucket's intake over the size limit: never downloaded, refused from its size."""

    rel: str  # relative to the workspace root: intake/<cycle>/<period>/<unit>/<file>
    size: int
    mtime_ns: int


@dataclass
class Mirrored:
    """What one mirroring of the bucket's intake did."""

    downloaded: int = 0
    oversized: list[Oversized] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (object name, reason in Chinese)


class Bucket:
    """The bucket (and prefix) holding a workspace, and its local face."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        conn_id, _, host = parts.netloc.rpartition("@")
        self.scheme = parts.scheme.lower()
        self.conn_id = conn_id
        self.base = f"{host}{parts.path}".rstrip("/")  # bucket/prefix, as fsspec names it
        if not host:
            raise WorkspaceError(f"对象存储地址 {url} 缺少存储桶名，应如 s3://桶名/前缀")

    @functools.cached_property
    def fs(self) -> Any:
        import fsspec  # noqa: PLC0415 - only a bucket workspace needs fsspec and the store's driver

        try:
            return fsspec.filesystem(self.scheme, **self._options())
        except (ImportError, ValueError) as exc:
            raise WorkspaceError(f"无法访问对象存储 {self.url}：{exc}（S3 需安装 docgen[s3]）") from exc

    def _options(self) -> dict[str, Any]:
        """The store's options from the Airflow connection the URL names (an ``aws`` connection's fields)."""
        if not self.conn_id:
            return {}
        conn = connection(self.conn_id)
        extra = dict(conn.extra)
        options: dict[str, Any] = {}
        if conn.login:
            options["key"] = conn.login
        if conn.password:
            options["secret"] = conn.password
        client = {k: extra.pop(k) for k in ("endpoint_url", "region_name") if extra.get(k)}
        if conn.host and "endpoint_url" not in client:
            client["endpoint_url"] = conn.host if "://" in conn.host else f"http://{conn.host}:{conn.port or 80}"
        if client:
            options["client_kwargs"] = client
        return options

    def local_face(self, *, other_level: bool = False) -> Path:
        """The folder this machine works in for the bucket: ``DOCGEN_LOCAL_DIR``, else under ~/.cache/docgen.
        ``other_level``: the bucket of another level's workspace (docgen.levels), never this one's face
        (under ``DOCGEN_LOCAL_DIR``'s ``.docgen/levels/`` when it is set)."""
        tag = hashlib.sha256(self.url.encode()).hexdigest()[:12]
        name = f"{re.sub(r'[^A-Za-z0-9._-]+', '-', self.base)[:80]}-{tag}"
        given = os.environ.get("DOCGEN_LOCAL_DIR")
        if given:
            own = Path(given).expanduser().resolve()
            return own / ".docgen" / "levels" / name if other_level else own
        return Path("~/.cache/docgen").expanduser() / name

    def key(self, rel: str) -> str:
        return f"{self.base}/{rel}"

    def _listing(self, rel: str) -> dict[str, dict[str, Any]]:
        """Every object under ``rel`` (relative to the workspace), by its name relative to the workspace."""
        path = self.key(rel)
        self.fs.invalidate_cache()
        try:
            with self._reaching("列出"):
                found = self.fs.find(path, detail=True)
        except FileNotFoundError:
            return {}
        return {name[len(self.base) + 1:]: info for name, info in found.items()
                if info.get("type", "file") == "file" and name.startswith(self.base + "/")}

    # settings ------------------------------------------------------------------------------------------

    def pull_settings(self, face: Path) -> None:
        """Bring ``campaign.yaml``, the registry and the templates down (at most once a minute a process)."""
        _pull_settings_cached(self.url, str(face), int(time.monotonic() // SETTINGS_TTL))

    def _pull_settings(self, face: Path) -> None:
        (face / ".docgen").mkdir(parents=True, exist_ok=True)
        (face / MARKER).write_text(self.url, encoding="utf-8")
        wanted: dict[str, dict[str, Any]] = {}
        for name in SETTINGS:
            wanted.update(self._listing(name))
        if "campaign.yaml" not in wanted:
            raise WorkspaceError(f"对象存储 {self.url} 中找不到活动配置文件 campaign.yaml")
        fresh = {rel: info for rel, info in wanted.items()
                 if _safe(rel) is None and info["size"] <= MAX_SETTINGS_MB * 2**20 and not _same(face / rel, info)}
        for folder in SETTINGS[1:]:  # a registry file or template removed from the bucket is not used any more
            self._forget_removed(face / folder, set(wanted), face)
        self._download(face, fresh)

    # intake --------------------------------------------------------------------------------------------

    def mirror_intake(self, face: Path, under: str, max_bytes: int) -> Mirrored:
        """Mirror ``intake/<under>`` into the local face (see the module's docstring for the guards)."""
        result = Mirrored()
        listing = self._listing(f"intake/{under}".rstrip("/"))
        wanted: dict[str, dict[str, Any]] = {}
        for rel, info in sorted(listing.items()):
            reason = _safe(rel)
            if reason:
                result.skipped.append((rel, reason))
                continue
            parts = rel.split("/")
            if len(parts) < 4:  # a file beside the cycles' or periods' folders: nothing a unit drops there
                continue
            if len(parts) > 5:  # inside a sub-folder of a unit's folder: the scan refuses the folder unread
                (face / "/".join(parts[:5])).mkdir(parents=True, exist_ok=True)
                continue
            size, mtime_ns = int(info["size"]), _mtime_ns(info)
            if size > max_bytes:
                result.oversized.append(Oversized(rel, size, mtime_ns))
                (face / rel).parent.mkdir(parents=True, exist_ok=True)  # the scan visits the period's folder
                (face / rel).unlink(missing_ok=True)
                continue
            local = face / rel
            with contextlib.suppress(OSError):
                st = local.lstat()
                if (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
                    continue
            wanted[rel] = info
        result.downloaded = self._download(face, wanted)
        self._forget_removed(face / "intake" / under, set(listing), face)
        return result

    def _forget_removed(self, folder: Path, present: set[str], face: Path) -> None:
        """A copy whose object is gone from the bucket goes from the mirror too (the registered version stays
        in the archive and the state)."""
        if not folder.is_dir():
            return
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(face).as_posix()
                if rel not in present:
                    path.unlink(missing_ok=True)

    def _download(self, face: Path, objects: dict[str, dict[str, Any]]) -> int:
        """Download objects into the face, each appearing whole (a temporary name, then one rename), with
        the object's modification time."""
        if not objects:
            return 0
        temp = Path(tempfile.mkdtemp(dir=_docgen_dir(face), prefix="download-"))
        try:
            names = sorted(objects)
            temps = [str(temp / f"{i}") for i in range(len(names))]
            with self._reaching("下载"):
                self.fs.get([self.key(rel) for rel in names], temps)
            for rel, tmp in zip(names, temps, strict=True):
                target = face / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                mtime_ns = _mtime_ns(objects[rel])
                os.utime(tmp, ns=(mtime_ns, mtime_ns))
                os.replace(tmp, target)
        finally:
            shutil.rmtree(temp, ignore_errors=True)
        return len(objects)

    def fetch(self, face: Path, rel: str) -> Path:
        """The local copy of ``rel`` (an archived file), downloaded first if this machine has none."""
        local = face / rel
        if not local.exists() and _safe(rel) is None:
            with contextlib.suppress(FileNotFoundError), self._reaching("读取"):
                info = self.fs.info(self.key(rel))
                self._download(face, {rel: info})
        return local

    # up ------------------------------------------------------------------------------------------------

    def push(self, face: Path, folders: Iterable[str] = PUSHED) -> int:
        """Copy up every file of ``folders`` (or a file named itself) written or changed since the last push;
        return how many."""
        manifest_path = face / MANIFEST
        try:
            manifest: dict[str, list[int]] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        changed: dict[str, list[int]] = {}
        for folder in folders:
            top = face / folder
            if top.is_file():
                st = top.stat()
                if manifest.get(folder) != [st.st_size, st.st_mtime_ns]:
                    changed[folder] = [st.st_size, st.st_mtime_ns]
                continue
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in filenames:
                    if name.startswith("."):  # a copy or a temporary file under way
                        continue
                    path = Path(dirpath) / name
                    st = path.lstat()
                    rel = path.relative_to(face).as_posix()
                    if manifest.get(rel) != [st.st_size, st.st_mtime_ns]:
                        changed[rel] = [st.st_size, st.st_mtime_ns]
        if not changed:
            return 0
        names = sorted(changed)
        with self._reaching("上传到"):
            self.fs.put([str(face / rel) for rel in names], [self.key(rel) for rel in names])
        manifest.update(changed)
        with replacing(manifest_path) as tmp:
            tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        log.info("已将 %d 个文件同步到对象存储 %s", len(names), self.url)
        return len(names)

    def pull(self, face: Path, rel: str, *, exact: bool = False) -> int:
        """Bring down what the bucket holds under ``rel`` (a folder or a file) that this machine lacks or
        holds otherwise: what another machine wrote (a staging folder, a draft, the issued version).
        ``exact``: files of the local folder the bucket does not hold are removed (a stale copy)."""
        listing = self._listing(rel)
        wanted = {}
        for name, info in listing.items():
            if _safe(name) is None and not _same(face / name, info):
                wanted[name] = info
        if exact:
            self._forget_removed(face / rel, set(listing), face)
        return self._download(face, wanted)

    def stale(self, face: Path, rel: str) -> list[str]:
        """Objects directly under folder ``rel`` with no file of that name in the face's folder any more."""
        listing = self._listing(rel)
        return sorted(n for n in listing if "/" not in n[len(rel) + 1:] and not (face / n).exists())

    def remove_tree(self, rel: str) -> None:
        """Delete every object under ``rel`` (a folder docgen wrote itself)."""
        self.remove(self._listing(rel))

    def remove(self, rels: Iterable[str]) -> None:
        """Delete objects docgen wrote itself (a spent staging folder, a version moved aside)."""
        keys = [self.key(rel) for rel in rels]
        if keys:
            with self._reaching("删除"):
                self.fs.rm(keys)

    @contextlib.contextmanager
    def _reaching(self, doing: str) -> Iterator[None]:
        """A store that cannot be reached, or refuses, is named in Chinese (a missing object and a full
        local disk keep their own errors)."""
        try:
            yield
        except (FileNotFoundError, DocgenError):
            raise
        except Exception as exc:  # noqa: BLE001 - the driver's own errors (botocore's), whatever their class
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise
            raise StorageUnreachable(f"{doing}对象存储 {self.url} 失败：{exc}") from exc


def _same(local: Path, info: dict[str, Any]) -> bool:
    """Whether a local file already holds an object: the same size, and the same MD5 where the ETag is one."""
    try:
        if local.stat().st_size != int(info["size"]):
            return False
    except OSError:
        return False
    etag = str(info.get("ETag") or info.get("etag") or "").strip('"')
    if not re.fullmatch(r"[0-9a-f]{32}", etag):  # a multipart upload's ETag is no MD5: fetch it again
        return False
    return hashlib.md5(local.read_bytes(), usedforsecurity=False).hexdigest() == etag


@functools.lru_cache(maxsize=16)
def _pull_settings_cached(url: str, face: str, _minute: int) -> None:
    Bucket(url)._pull_settings(Path(face))


def bucket_of(face: Path, configured: str = "") -> Bucket | None:
    """The bucket a local folder mirrors: ``storage`` of campaign.yaml (noted in the face's marker, for the
    layers that see only the folder), else the marker; else None."""
    marker = face / MARKER
    if configured:
        if not marker.is_file() or marker.read_text(encoding="utf-8").strip() != configured.rstrip("/"):
            _docgen_dir(face)
            marker.write_text(configured.rstrip("/"), encoding="utf-8")
        return Bucket(configured)
    return Bucket(marker.read_text(encoding="utf-8").strip()) if marker.is_file() else None


def _docgen_dir(face: Path) -> Path:
    path = face / ".docgen"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _safe(rel: str) -> str | None:
    """Why an object name cannot be mirrored as a path, or None: every part a plain file name."""
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "对象名含空段、“.”或“..”，不是普通的文件路径，不予读取"
    if any(_BAD_PART.search(p) or len(p.encode("utf-8", "surrogateescape")) > 255 for p in parts):
        return "对象名含控制字符、反斜杠或过长的段，不予读取"
    return None


def _mtime_ns(info: dict[str, Any]) -> int:
    """An object's modification time in nanoseconds, whichever way its store reports it."""
    value = info.get("LastModified") or info.get("mtime") or info.get("last_modified") or info.get("created")
    if isinstance(value, datetime):
        return int(value.timestamp() * 1_000_000) * 1000
    if isinstance(value, int | float):
        return int(value * 1e9)
    if isinstance(value, str):
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1_000_000) * 1000
    return time.time_ns()
