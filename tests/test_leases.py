"""Leases: a claim or run lock held by a process this one cannot see (another machine, another container's
PID namespace) stays its holder's while the holder's heartbeat is fresh, and is taken over, from anywhere,
once it has not beaten for the lease (``DOCGEN_LEASE_SECONDS``). The processes here really cannot see each
other's PIDs: one of each pair runs in a PID namespace of its own (``unshare --pid``), where its pid is 1."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from docgen.state import Busy, LockRow, State

LEASE = 3.0
LOCK = "run:monthly:2026-10"


def _unshare() -> str:
    found = shutil.which("unshare")
    if found is None:
        pytest.skip("no unshare(1) here: a PID namespace of its own cannot be made")
    probe = subprocess.run([found, "--pid", "--fork", "--mount-proc", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"unshare --pid is refused here ({probe.stderr.decode(errors='replace').strip()}): needs root")
    return found


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("DOCGEN_LEASE_SECONDS", str(LEASE))
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def _holder(url: str, ready: Path) -> str:
    """A process that takes the lock, says so, and works on (beating) until it is killed."""
    return (f"import pathlib, time\nfrom docgen.state import State\nstate = State({url!r})\n"
            f"with state.lock({LOCK!r}, wait_seconds=30):\n"
            f"    pathlib.Path({str(ready)!r}).write_text('held')\n    time.sleep(600)\n")


def _taker(url: str, wait: float) -> str:
    """A process that tries the lock for ``wait`` seconds and prints what happened and when."""
    return (f"import time\nfrom docgen.state import Busy, State\nstate = State({url!r})\nstart = time.monotonic()\n"
            f"try:\n    with state.lock({LOCK!r}, wait_seconds={wait}):\n"
            f"        print('acquired', round(time.monotonic() - start, 1))\n"
            f"except Busy:\n    print('busy')\n")


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    procs: list[subprocess.Popen] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _start(procs: list[subprocess.Popen], args: list[str], env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(args, env=env, start_new_session=True, stdout=subprocess.PIPE, text=True)
    procs.append(proc)
    return proc


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, "the holder never took the lock"
        time.sleep(0.1)


def test_a_holder_in_another_pid_namespace_keeps_its_lock_while_it_beats_and_loses_it_when_killed(
        tmp_path: Path, env: dict[str, str], started: list[subprocess.Popen]) -> None:
    unshare = _unshare()
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    state = State(url)
    ready = tmp_path / "ready"
    holder = _start(started, [unshare, "--pid", "--fork", "--mount-proc", sys.executable, "-c", _holder(url, ready)],
                    env)
    _wait_for(ready)
    with state.session() as s:
        token = s.get(LockRow, LOCK).owner
    assert token.split(":")[1] == "1"  # its pid in its own namespace: meaningless here
    time.sleep(LEASE * 1.5)  # longer than a lease: only its heartbeat keeps it
    with pytest.raises(Busy), state.lock(LOCK, wait_seconds=1):
        pass
    os.killpg(holder.pid, signal.SIGKILL)  # the worker is lost: no release, no more beats
    holder.wait()
    lost = time.monotonic()
    with state.lock(LOCK, wait_seconds=LEASE * 4):
        waited = time.monotonic() - lost
    assert LEASE * 0.5 <= waited <= LEASE + 2.0  # taken over once its last beat is a lease old, not hours later


def test_a_process_that_cannot_see_the_holder_waits_for_it_then_takes_over(
        tmp_path: Path, env: dict[str, str], started: list[subprocess.Popen]) -> None:
    """The other way round: the holder runs here, the taker in a namespace of its own, where the holder's pid
    does not exist (nor any process of the machine)."""
    unshare = _unshare()
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    State(url)
    ready = tmp_path / "ready"
    holder = _start(started, [sys.executable, "-c", _holder(url, ready)], env)
    _wait_for(ready)
    time.sleep(LEASE * 1.5)
    refused = subprocess.run([unshare, "--pid", "--fork", "--mount-proc", sys.executable, "-c", _taker(url, 1)],
                             env=env, capture_output=True, text=True, check=True)
    assert refused.stdout.split() == ["busy"]  # alive by its heartbeat, though its pid is nowhere to be seen
    taker = _start(started, [unshare, "--pid", "--fork", "--mount-proc", sys.executable, "-c",
                             _taker(url, LEASE * 4)], env)
    time.sleep(1.0)
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait()
    out, _ = taker.communicate(timeout=60)
    word, seconds = out.split()
    assert word == "acquired" and float(seconds) <= 1.0 + LEASE + 2.0


def test_a_claim_of_a_lost_worker_in_another_namespace_is_taken_over_after_the_lease(
        workspace: Path, env: dict[str, str], started: list[subprocess.Popen]) -> None:
    from docgen import intake
    from docgen.workspace import Workspace

    from .builders.monthly import PROGRESS_HEADERS
    from .builders.tables import write_table
    from .conftest import row

    unshare = _unshare()
    write_table(workspace / "intake/monthly/2026-10/A01/月度进展报送表.xlsx", PROGRESS_HEADERS, [row("A01", "T1", 70)])
    ws = Workspace(workspace)
    intake.collect(ws)
    ready = tmp = workspace.parent / "claimed"
    code = (f"import pathlib, time\nfrom docgen.state import State, owner_token\nstate = State({ws.db_url!r})\n"
            f"assert state.claim(owner_token())\npathlib.Path({str(tmp)!r}).write_text('claimed')\ntime.sleep(600)\n")
    worker = _start(started, [unshare, "--pid", "--fork", "--mount-proc", sys.executable, "-c", code], env)
    _wait_for(ready)
    time.sleep(LEASE * 1.5)
    assert intake.process(ws) == []  # still its: the worker beats
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    time.sleep(LEASE + 0.5)
    (receipt,) = intake.process(ws)  # its lease ran out: answered here
    assert receipt.accepted
