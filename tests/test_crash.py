"""A crash never produces a wrong document (issue 5, item 3).

Real ``docgen run monthly`` processes on real workspaces, killed with SIGKILL at the named checkpoints of
``docgen.faults`` and at random moments, run two at a time, run on a full disk and as a user who cannot
read a folder or a file. After each, a rerun at once must end with exactly what an uninterrupted run on
an identical copy of the workspace published (the reference), and nothing wrong may ever have been
published in between: every ``summary.json`` under ``outbox/`` (current and earlier versions) is compared
with the reference's, every dropped file has exactly one set of receipts equal to the reference's, every
submission is answered in the state database, and the units' originals are unchanged.
"""

from __future__ import annotations

import contextlib
import grp
import hashlib
import json
import os
import pwd
import random
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
import sqlalchemy as sa

from docgen.faults import CRASH_ENV
from docgen.registry import load_registry
from docgen.resources import set_drop_time

from .builders import CST
from .builders.monthly import PROGRESS_HEADERS, progress_rows
from .builders.tables import write_table
from .builders.workspaces import BENCH_PERIOD, build_bench_workspace
from .conftest import pg_schema

PY = sys.executable
REPO = Path(__file__).resolve().parents[1]
PERIOD = BENCH_PERIOD
N_UNITS = 60  # more than one batch of 50 outcomes, so ``receipts-batch`` is reached with files left
SMALL_UNITS = 30  # for the full disk and the unreadable folder and file
RUN_TIMEOUT = 300
NOBODY = 65534
SEED = int(os.environ.get("DOCGEN_CRASH_SEED", str(time.time_ns() % 1_000_000)))
ANSWERED = {"accepted", "rejected"}


# ---------------------------------------------------------------- running docgen as a real process


def _env(*, crash_at: str | None = None, db_url: str | None = None, home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (CRASH_ENV, "DOCGEN_DB_URL")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    if crash_at:
        env[CRASH_ENV] = crash_at
    if db_url:
        env["DOCGEN_DB_URL"] = db_url
    if home:
        env["HOME"] = str(home)
        env["MPLCONFIGDIR"] = str(home / ".mpl")
    return env


def _command(ws: Path, as_nobody: bool = False) -> list[str]:
    cmd = [PY, "-m", "docgen.cli", "run", "monthly", "--root", str(ws), "--period", PERIOD]
    if as_nobody:
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    return cmd


def run_docgen(ws: Path, *, crash_at: str | None = None, db_url: str | None = None, as_nobody: bool = False,
               home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``docgen run monthly`` on ``ws`` in a fresh interpreter, as a secretariat would start it."""
    return subprocess.run(_command(ws, as_nobody), env=_env(crash_at=crash_at, db_url=db_url, home=home),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd="/")


def start_docgen(ws: Path, *, crash_at: str | None = None, db_url: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(_command(ws), env=_env(crash_at=crash_at, db_url=db_url), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd="/")


def _pids_of(ws: Path) -> list[int]:
    """Processes whose command line names ``ws`` (a docgen run and the workers it forked)."""
    needle = str(ws).encode() + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if needle in f.read():
                    found.append(int(entry))
        except OSError:
            pass
    return found


class Watcher:
    """Counts how many processes ran for ``ws`` at once while a run was alive (workers included)."""

    def __init__(self, ws: Path) -> None:
        self.ws, self.most, self._stop = ws, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.most = max(self.most, len(_pids_of(self.ws)))
            time.sleep(0.05)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def assert_nothing_outlives(ws: Path, within: float = 2.0) -> None:
    """No process of a killed run (its workers above all) is still running ``within`` seconds later."""
    deadline = time.monotonic() + within
    while (left := _pids_of(ws)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # forked by the run this test started: end them so they cannot disturb the rest
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes of the killed run still running {within:.0f} s later: {left}"


def assert_clean_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Failed with a Chinese message (containing each needle), not a traceback."""
    assert result.returncode not in (0, -signal.SIGKILL), (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-5000:]
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr[-3000:])


# ---------------------------------------------------------------- what a workspace holds


def copy_workspace(src: Path, dest: Path) -> Path:
    """An identical copy: same files, same modification times (the drop times), same state database."""
    shutil.copytree(src, dest, symlinks=True)
    return dest


def originals(ws: Path) -> dict[str, tuple[str, int, int, int]]:
    """Every file a unit dropped: content hash, size, modification time and mode."""
    out = {}
    for p in sorted((ws / "intake").rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(ws / "intake").as_posix()] = (
                hashlib.sha256(p.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns, stat.S_IMODE(st.st_mode))
    return out


def dropped(ws: Path) -> set[tuple[str, str]]:
    """(unit, file name) of every file dropped for the period."""
    base = ws / "intake" / "monthly" / PERIOD
    return {(p.parent.name, p.name) for p in base.glob("*/*") if p.is_file()}


def receipts_of(ws: Path) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], dict[str, Any]]]:
    """How many ``.回执.json`` each (unit, file) has, and the content of each."""
    counts: Counter[tuple[str, str]] = Counter()
    content = {}
    for p in sorted((ws / "receipts" / "monthly" / PERIOD).rglob("*.回执.json")):
        data = json.loads(p.read_text(encoding="utf-8"))
        key = (data["unit"], data["file"])
        counts[key] += 1
        content[key] = data
        docx_twin = p.with_name(p.name.removesuffix(".json") + ".docx")
        assert zipfile.is_zipfile(docx_twin), f"{docx_twin} missing or not a complete .docx"
    return counts, content


def docx_text(path: Path) -> list[str]:
    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs] + ["\t".join(c.text for c in r.cells) for t in d.tables for r in t.rows]


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def outbox(ws: Path) -> Path:
    return ws / "outbox" / "monthly" / PERIOD


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.is_dir() else []


def submissions(ws: Path, db_url: str | None = None) -> list[tuple[str, str, str, str | None]]:
    """(unit, file, status, claimed_by) of the period's submissions, read straight from the database."""
    query = "SELECT unit, file_name, status, claimed_by FROM submissions WHERE cycle = 'monthly' AND period = :p"
    if db_url is None:
        with contextlib.closing(sqlite3.connect(f"file:{ws / '.docgen' / 'state.sqlite'}?mode=ro", uri=True)) as c:
            return [tuple(r) for r in c.execute(query.replace(":p", "?"), (PERIOD,))]
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query), {"p": PERIOD})]
    finally:
        engine.dispose()


@dataclass
class Reference:
    """What an uninterrupted run published for a workspace."""

    ws: Path
    summary: dict[str, Any]
    notice_name: str
    notice_text: list[str]
    receipts: dict[tuple[str, str], dict[str, Any]]
    seconds: float


def make_reference(prepared: Path, dest: Path) -> Reference:
    ws = copy_workspace(prepared, dest)
    start = time.perf_counter()
    result = run_docgen(ws)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-3000:]
    (notice,) = outbox(ws).glob("*.docx")
    counts, content = receipts_of(ws)
    assert set(counts) == dropped(ws) and set(counts.values()) == {1}
    return Reference(ws, load_json(outbox(ws) / "summary.json"), notice.name, docx_text(notice), content, seconds)


def assert_consistent(ws: Path, ref: Reference, before: dict[str, Any], *, db_url: str | None = None,
                      versions: bool = True, earlier: Sequence[Reference] = ()) -> None:
    """What a finished rerun must show: the reference's documents and receipts, and nothing wrong ever.

    Every folder of the outbox (the current one and each earlier version) must hold exactly a notice and
    its summary as ``ref`` or one of the ``earlier`` references issued them.
    """
    out = outbox(ws)
    assert load_json(out / "summary.json") == ref.summary
    folders = [out, *sorted((out / "versions").iterdir())] if (out / "versions").is_dir() else [out]
    assert versions or folders == [out], f"more than one notice was issued: {listing(out)}"
    issued = {json.dumps(r.summary, sort_keys=True): r for r in (ref, *earlier)}
    for folder in folders:  # no wrong notice was ever published, and no half of one
        names = sorted(p.name for p in folder.iterdir() if p.name != "versions")
        summary = load_json(folder / "summary.json") if "summary.json" in names else None
        which = issued.get(json.dumps(summary, sort_keys=True))
        assert which is not None, f"{folder.relative_to(ws)}: {names}, summary unlike any reference's: {summary}"
        assert names == sorted([which.notice_name, "summary.json"]), f"{folder.relative_to(ws)}: {names}"
        assert docx_text(folder / which.notice_name) == which.notice_text, f"{folder.relative_to(ws)}: notice"
    assert not [p for p in (ws / "outbox").rglob("*") if "partial" in p.name], listing(ws / "outbox")
    stray = [p for p in (ws / "outbox").rglob("*") if p.is_file() and p.parent not in folders]
    assert stray == [], listing(ws / "outbox")

    counts, content = receipts_of(ws)
    files = dropped(ws)
    assert {k: n for k, n in counts.items() if n != 1} == {}, "files with more than one receipt"
    assert set(counts) == files, f"unanswered: {files - set(counts)}; unknown: {set(counts) - files}"
    assert content == ref.receipts

    rows = submissions(ws, db_url)
    assert sorted((u, f) for u, f, _, _ in rows) == sorted(files), "each file registered exactly once"
    assert {(u, f, s, c) for u, f, s, c in rows if s not in ANSWERED or c is not None} == set()
    assert originals(ws) == before, "a unit's original was changed"


# ---------------------------------------------------------------- workspaces shared by the module


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bench campaign with N_UNITS units (one .xlsx each, a few late, rejected and missing); never run."""
    return build_bench_workspace(tmp_path_factory.mktemp("prepared") / "ws", n_units=N_UNITS)


@pytest.fixture(scope="module")
def reference(prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    return make_reference(prepared, tmp_path_factory.mktemp("reference") / "ws")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bench_workspace(tmp_path_factory.mktemp("small") / "ws", n_units=SMALL_UNITS)


@pytest.fixture(scope="module")
def small_reference(small: Path, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    return make_reference(small, tmp_path_factory.mktemp("small-reference") / "ws")


# ---------------------------------------------------------------- 1. kill -9 at each checkpoint


CHECKPOINTS = ["intake", "receipts", "receipts-locked", "receipts-batch", "render", "render-half", "publish"]


@pytest.mark.parametrize("point", CHECKPOINTS)
def test_kill_at_checkpoint_then_rerun(point: str, prepared: Path, reference: Reference, tmp_path: Path) -> None:
    ws = copy_workspace(prepared, tmp_path / "ws")
    before = originals(ws)
    with Watcher(ws) as watcher:
        killed = run_docgen(ws, crash_at=point)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-3000:])
    assert_nothing_outlives(ws)
    if point == "receipts-batch":  # the kill came while worker processes were running
        assert watcher.most >= 2, "no worker process was seen: the test did not test what it says"
    assert not (outbox(ws) / "summary.json").exists(), "the killed run published"

    again = run_docgen(ws)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, reference, before, versions=False)


KILL_AT_STATEMENT = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
from docgen.cli import main

@event.listens_for(Engine, "before_cursor_execute")
def _kill(conn, cursor, statement, parameters, context, executemany):
    if sys.argv[1] in " ".join(statement.split()).upper():
        os.kill(os.getpid(), signal.SIGKILL)

sys.exit(main(sys.argv[2:]))
"""


def test_kill_while_creating_the_schema_then_rerun(prepared: Path, reference: Reference, tmp_path: Path) -> None:
    """A first run killed half-way through making the state schema (SQL fault injection: the process kills
    itself as it sends ``CREATE TABLE doc_numbers``, with two of the first migration's tables made).

    SQLite only: PostgreSQL's DDL is transactional by itself.
    """
    statement, db_url = "CREATE TABLE DOC_NUMBERS", None
    ws = copy_workspace(prepared, tmp_path / "ws")
    before = originals(ws)
    killed = subprocess.run([PY, "-c", KILL_AT_STATEMENT, statement, "run", "monthly", "--root", str(ws),
                             "--period", PERIOD], env=_env(db_url=db_url), cwd="/", capture_output=True, text=True,
                            timeout=RUN_TIMEOUT)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-3000:])
    again = run_docgen(ws, db_url=db_url)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, reference, before, db_url=db_url, versions=False)


KILL_AFTER_PLACING = """
import os, shutil, signal, sys
from docgen.cli import main

def _killing(real):
    def move(src, dst, *args, **kwargs):
        out = real(src, dst, *args, **kwargs)
        if str(dst).endswith(".docx") and "outbox" in str(dst) and "versions" not in str(dst):
            os.kill(os.getpid(), signal.SIGKILL)
        return out
    return move

shutil.move, os.replace, os.rename = _killing(shutil.move), _killing(os.replace), _killing(os.rename)
sys.exit(main(sys.argv[1:]))
"""


def test_kill_between_placing_the_notice_and_the_summary(prepared: Path, reference: Reference,
                                                         tmp_path: Path) -> None:
    """Killed right after the new notice is placed in the outbox and before summary.json (placed last, it
    seals a publish) is (file system fault injection: the process kills itself when that move returns):
    the rerun completes the publish, and the half-placed files do not become an earlier "version"."""
    ws = copy_workspace(prepared, tmp_path / "ws")
    before = originals(ws)
    killed = subprocess.run([PY, "-c", KILL_AFTER_PLACING, "run", "monthly", "--root", str(ws), "--period", PERIOD],
                            env=_env(), cwd="/", capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-3000:])
    placed = listing(outbox(ws))
    assert len(placed) == 2 and placed[0] == ".publishing.json" and placed[1].endswith(".docx"), (
        "the kill did not come between the two files", placed)
    again = run_docgen(ws)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, reference, before, versions=False)


def drop_late_file(ws: Path, unit: str) -> Path:
    """A valid 月度进展报送表 from ``unit``, dropped a day after the deadline."""
    tasks = list(load_registry(ws / "registry").tasks.values())
    rows = progress_rows(unit, tasks, seed=7, as_of=date(2026, 10, 31))
    assert rows, unit
    path = write_table(ws / "intake" / "monthly" / PERIOD / unit / f"{unit}_补报.xlsx", PROGRESS_HEADERS, rows)
    set_drop_time(path, datetime(2026, 11, 6, 9, 30, tzinfo=CST))
    return path


def test_kill_while_moving_the_earlier_version(reference: Reference, tmp_path: Path) -> None:
    """A second issue killed half-way through moving the first into versions/: the rerun completes it."""
    base = copy_workspace(reference.ws, tmp_path / "base")  # the first notice is issued
    unit = reference.summary["missing_units"][0]
    drop_late_file(base, unit)
    after = make_reference(base, tmp_path / "after")  # the second issue, uninterrupted
    assert unit in after.summary["late_units"] and after.summary != reference.summary
    assert listing(outbox(after.ws) / "versions") == ["v1", f"v1/{reference.notice_name}", "v1/summary.json"]

    ws = copy_workspace(base, tmp_path / "ws")
    before = originals(ws)
    killed = run_docgen(ws, crash_at="publish-moving")
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-3000:])
    assert_nothing_outlives(ws)
    half = [p for p in (outbox(ws) / "versions").iterdir()]
    assert len(half) == 1 and len(list(half[0].iterdir())) == 1, "the kill did not come half-way"

    again = run_docgen(ws)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, after, before, earlier=[reference])
    assert listing(outbox(ws)) == listing(outbox(after.ws))  # v1: the first issue, complete
    assert load_json(outbox(ws) / "versions" / "v1" / "summary.json") == reference.summary


# ---------------------------------------------------------------- 2. kill -9 at a random moment


@pytest.mark.parametrize("window", [0, 1, 2])
def test_kill_at_a_random_moment_then_rerun(window: int, prepared: Path, reference: Reference,
                                            tmp_path: Path) -> None:
    """Killed somewhere in the first, second or last third of a run (seeded: DOCGEN_CRASH_SEED)."""
    rng = random.Random(f"{SEED}:{window}")
    lo, hi = 0.15 + window * 0.8 / 3, 0.15 + (window + 1) * 0.8 / 3
    delay = reference.seconds * rng.uniform(lo, hi)
    where = f"seed {SEED}, killed after {delay:.2f} s of a {reference.seconds:.2f} s run"
    ws = copy_workspace(prepared, tmp_path / "ws")
    before = originals(ws)
    proc = start_docgen(ws)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=RUN_TIMEOUT)
    assert proc.returncode in (0, -signal.SIGKILL), (where, err[-3000:])
    assert_nothing_outlives(ws)

    again = run_docgen(ws)
    assert again.returncode == 0, (where, again.stderr[-3000:])
    try:
        assert_consistent(ws, reference, before)
    except AssertionError as exc:
        raise AssertionError(f"{where}: {exc}") from exc


# ---------------------------------------------------------------- 3. overlapping runs


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (the workspace's SQLite file) or a fresh PostgreSQL schema, dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    with pg_schema() as url:
        yield url


@pytest.mark.parametrize("stagger", ["together", "0.5-2 s later"])
def test_overlapping_runs_issue_one_notice(stagger: str, db_url: str | None, prepared: Path,
                                           reference: Reference, tmp_path: Path) -> None:
    ws = copy_workspace(prepared, tmp_path / "ws")
    before = originals(ws)
    first = start_docgen(ws, db_url=db_url)
    if stagger != "together":  # while the first is still running (it takes reference.seconds alone)
        time.sleep(random.Random(f"{SEED}:stagger").uniform(0.5, min(2.0, reference.seconds / 2)))
    second = start_docgen(ws, db_url=db_url)
    for proc in (first, second):
        _, err = proc.communicate(timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
    assert not (outbox(ws) / "versions").exists(), f"more than one notice was issued: {listing(outbox(ws))}"
    assert_consistent(ws, reference, before, db_url=db_url, versions=False)
    if db_url:
        assert not (ws / ".docgen" / "state.sqlite").exists()


RACE = """
import os, sys, time
import alembic.command, alembic.config  # imported before the start, so the race is on the schema
from docgen.state import State
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
State(sys.argv[1]).engine.dispose()
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_creating_the_schema_at_once(backend: str, tmp_path: Path) -> None:
    """Three processes opening the same fresh state database at the same instant all succeed."""
    for attempt in range(2):
        with contextlib.ExitStack() as stack:
            url = f"sqlite:///{tmp_path / f'state{attempt}.sqlite'}" if backend == "sqlite" else \
                stack.enter_context(pg_schema())
            go = tmp_path / f"go{attempt}"
            procs = [subprocess.Popen([PY, "-c", RACE, url, str(go)], env=_env(), cwd="/", stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(3)]
            for p in procs:
                assert p.stdout is not None and p.stdout.readline() == "ready\n", p.communicate()[1][-3000:]
            go.touch()  # all three start creating the schema now
            for p in procs:
                _, err = p.communicate(timeout=120)
                assert p.returncode == 0, err[-3000:]
            engine = sa.create_engine(url)
            try:
                with engine.connect() as conn:
                    tables = set(sa.inspect(conn).get_table_names())
                    versions = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
            finally:
                engine.dispose()
            assert {"submissions", "sightings", "doc_numbers", "runs", "locks"} <= tables
            assert len(versions) == 1


# ---------------------------------------------------------------- 4. a full disk


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A small tmpfs mounted for the test (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def leave_free(mnt: Path, free_bytes: int) -> None:
    """Fill the disk with a ballast file until about ``free_bytes`` are left."""
    st = os.statvfs(mnt)
    ballast = st.f_bavail * st.f_frsize - free_bytes
    assert ballast > 0, "the tmpfs is too small for this test"
    with open(mnt / "ballast", "wb") as f:
        f.write(b"\0" * ballast)


def enlarge(mnt: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def assert_nothing_published(ws: Path) -> None:
    published = [p for p in listing(ws / "outbox") if p.endswith((".docx", ".json"))]
    assert published == [], published


def test_full_disk_during_intake(tmpfs: Path, small: Path, small_reference: Reference) -> None:
    """The disk fills while dropped files are copied into the archive: nothing half-copied is left."""
    ws = copy_workspace(small, tmpfs / "ws")
    before = originals(ws)
    ref = small_reference.ws
    leave_free(tmpfs, du(ref / ".docgen") // 2 + du(ref / "archive") // 2)

    full = run_docgen(ws)
    assert_clean_failure(full, "磁盘空间已满")
    assert "状态数据库" not in full.stderr, "the database filled first: the archive was not what filled the disk"
    assert_nothing_published(ws)
    archived = [p for p in (ws / "archive").rglob("*") if p.is_file()]
    assert [p for p in archived if not re.fullmatch(r"[0-9a-f]{64}\.xlsx", p.name)] == [], "a half-copied file"

    enlarge(tmpfs)
    again = run_docgen(ws)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, small_reference, before, versions=False)


def test_full_disk_during_receipts(tmpfs: Path, small: Path, small_reference: Reference) -> None:
    """The workspace's disk fills while receipts are written: a clear message, nothing issued; then right."""
    ws = copy_workspace(small, tmpfs / "ws")
    before = originals(ws)
    ref = small_reference.ws
    needed_before_receipts = du(ref / "archive") + du(ref / ".docgen") + 64 * 1024
    leave_free(tmpfs, needed_before_receipts + du(ref / "receipts") // 3)

    full = run_docgen(ws)
    assert_clean_failure(full, "磁盘空间已满")
    assert_nothing_published(ws)
    assert_nothing_outlives(ws)

    enlarge(tmpfs)
    again = run_docgen(ws)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, small_reference, before, versions=False)


def test_full_disk_while_rendering_the_notice(tmpfs: Path, small: Path, small_reference: Reference) -> None:
    """Receipts were answered before the deadline; at the deadline the notice does not fit on the disk."""
    ws = copy_workspace(small, tmpfs / "ws")
    before = originals(ws)
    refreshed = subprocess.run([PY, "-m", "docgen.cli", "status", "--root", str(ws), "--period", PERIOD, "--refresh"],
                               env=_env(), cwd="/", capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert refreshed.returncode == 0, refreshed.stderr[-3000:]
    leave_free(tmpfs, (small_reference.ws / "outbox" / "monthly" / PERIOD / small_reference.notice_name)
               .stat().st_size * 8 // 10)

    full = run_docgen(ws)
    assert_clean_failure(full, "磁盘空间已满")
    assert "状态数据库" not in full.stderr, "the database filled first: the notice was not what filled the disk"
    assert_nothing_published(ws)

    enlarge(tmpfs)
    again = run_docgen(ws)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, small_reference, before, versions=False)


def test_full_disk_under_the_state_database(tmpfs: Path, small: Path, small_reference: Reference,
                                            tmp_path: Path) -> None:
    """The state database's disk fills after intake registered the files: a clear message, nothing issued."""
    ws = copy_workspace(small, tmp_path / "ws")
    before = originals(ws)
    url = f"sqlite:///{tmpfs / 'state.sqlite'}"
    created = subprocess.run([PY, "-c", "import sys; from docgen.state import State; State(sys.argv[1])", url],
                             env=_env(), cwd="/", capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    leave_free(tmpfs, 160 * 1024)

    full = run_docgen(ws, db_url=url)
    assert_clean_failure(full, "磁盘空间已满")
    assert_nothing_published(ws)
    assert len(submissions(ws, url)) == len(dropped(ws)), "the disk did not fill mid-run"

    enlarge(tmpfs)
    again = run_docgen(ws, db_url=url)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, small_reference, before, db_url=url, versions=False)


# ---------------------------------------------------------------- 5. unreadable folders and files


@pytest.fixture
def nobody_ws(small: Path) -> Iterator[Path]:
    """A copy of the small workspace owned by nobody, in a folder only nobody uses."""
    if os.geteuid() != 0:
        pytest.skip("running as another user needs root")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")
    try:
        pwd.getpwuid(NOBODY), grp.getgrgid(NOBODY)
    except KeyError:
        pytest.skip("no user and group 65534")
    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", PY, "-c",
                            "import docgen.cli, docgen.pipeline, docgen.intake, docx, openpyxl, matplotlib"],
                           env=_env(home=Path("/tmp")), cwd="/", capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"the interpreter or docgen is not usable by nobody: {probe.stderr.strip()[-300:]}")
    top = Path(tempfile.mkdtemp(dir="/tmp", prefix="docgen-nobody-"))
    try:
        ws = copy_workspace(small, top / "ws")
        (top / "home").mkdir()
        for p in [top, *top.rglob("*")]:
            os.chown(p, NOBODY, NOBODY, follow_symlinks=False)
            if p.is_dir():
                p.chmod(0o755)
        yield ws
    finally:
        for p in [top, *top.rglob("*")]:
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(top)


def test_unreadable_unit_folder(nobody_ws: Path, small_reference: Reference) -> None:
    ws = nobody_ws
    home = ws.parent / "home"
    before = originals(ws)
    unit = small_reference.summary["on_time_units"][0]
    folder = ws / "intake" / "monthly" / PERIOD / unit
    folder.chmod(0)
    try:
        failed = run_docgen(ws, as_nobody=True, home=home)
    finally:
        folder.chmod(0o755)
    assert_clean_failure(failed, f"monthly/{PERIOD}/{unit}", "无法读取", "权限")
    assert_nothing_published(ws)

    again = run_docgen(ws, as_nobody=True, home=home)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_consistent(ws, small_reference, before, versions=False)


def test_unreadable_file_gets_a_receipt(nobody_ws: Path, small_reference: Reference) -> None:
    """A file the service cannot read: its unit is told to have the secretariat fix it; others go on.

    The file chosen is one the reference rejects, so the expected numbers are the reference's exactly:
    the unit counts as rejected (it dropped a file, none accepted), not as missing.
    """
    ws = nobody_ws
    unit = small_reference.summary["rejected_units"][0]
    (path,) = (ws / "intake" / "monthly" / PERIOD / unit).iterdir()
    path.chmod(0)
    before = originals(ws)

    result = run_docgen(ws, as_nobody=True, home=ws.parent / "home")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    summary = load_json(outbox(ws) / "summary.json")
    assert unit in summary["rejected_units"] and unit not in summary["missing_units"]
    assert summary == small_reference.summary
    counts, content = receipts_of(ws)
    assert set(counts) == dropped(ws) and set(counts.values()) == {1}
    mine = content.pop((unit, path.name))
    assert not mine["accepted"]
    message = " ".join(e["message"] for e in mine["errors"])
    assert "权限" in message and "创建办" in message, message
    assert content == {k: v for k, v in small_reference.receipts.items() if k != (unit, path.name)}
    assert {(u, f, s, c) for u, f, s, c in submissions(ws) if s not in ANSWERED or c is not None} == set()
    assert originals(ws) == before


# ---------------------------------------------------------------- the quarterly ledger


def test_kill_after_a_ledger_file_is_applied_adds_nothing_twice(tmp_path: Path) -> None:
    """Killed right after a file's ledger events are stored and before it is recorded as answered: the
    rerun answers it again, adds none of its events a second time, and issues what an uninterrupted run
    issues (the demo's first quarter)."""
    from docgen.resources import build_demo_workspace

    def run_quarter(ws: Path, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([PY, "-m", "docgen.cli", "run", "quarterly", "--root", str(ws), "--period", "2026-Q2"],
                              env=_env(crash_at=crash_at), capture_output=True, text=True, timeout=RUN_TIMEOUT,
                              cwd="/")

    def events(ws: Path) -> list[tuple[str, str, str]]:
        with sqlite3.connect(ws / ".docgen" / "state.sqlite") as db:
            return sorted(db.execute("SELECT item, source, payload_json FROM ledger_events").fetchall())

    reference = build_demo_workspace(tmp_path / "reference")
    assert run_quarter(reference).returncode == 0
    ws = build_demo_workspace(tmp_path / "ws")
    killed = run_quarter(ws, crash_at="ledger-applied")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert len(events(ws)) == 9  # the problem list (first received) was applied: its nine items filed
    again = run_quarter(ws)
    assert again.returncode == 0, again.stderr[-3000:]
    outbox = "outbox/quarterly/2026-Q2/summary.json"
    assert json.loads((ws / outbox).read_text("utf-8")) == json.loads((reference / outbox).read_text("utf-8"))
    assert [(i, p) for i, _, p in events(ws)] == [(i, p) for i, _, p in events(reference)]
