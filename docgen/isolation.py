"""Run risky per-file work in bounded child processes, so one file can cost only itself.

Reading a unit's file runs native code (calamine, lxml, zlib) on bytes we do not control: it may abort
the process, allocate without end, or spin. Each worker is a forked child with an address-space limit
that dies with its parent; it takes a chunk of items, notes which item it is working on before each
risky step (in a page of memory shared with the parent, so noting costs no message), and sends each
item's result as soon as it has one. When a worker dies or overruns its time,
the item it was working on is answered by ``on_failure`` and the rest of its chunk goes to a new worker.

This module knows nothing of files or receipts: it runs ``handle(chunk, at)`` and gives back results.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import mmap
import multiprocessing
import os
import resource
import signal
import struct
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

BATCH = -1  # ``at(BATCH)``: the worker is doing work that belongs to the whole chunk
IDLE = -2  # nothing under way (between items)
_SLOT = struct.Struct("qd")  # (item index, since: time.monotonic(), the same clock in every process)


def _note(slot: mmap.mmap, index: int) -> None:
    """Note in ``slot`` the item under way (or IDLE, BATCH) since now. Written as one copy of packed bytes:
    ``Struct.pack_into`` zeroes the fields before filling them, and the other process, reading at that
    moment, saw an item under way "since 0": a spurious timeout that blamed a valid file (seen at 10,000 units
    on a loaded machine)."""
    slot[: _SLOT.size] = _SLOT.pack(index, time.monotonic())
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Bounds:
    """What one worker may spend on one item."""

    seconds_per_item: float = 60.0
    memory_mb: int = 1536  # address space a worker may add to what it inherited


@dataclass
class Failure:
    """Why an item got no result from its worker: ``kind`` is ``crash``, ``timeout`` or ``memory``."""

    kind: str
    detail: str = ""


Handler = Callable[[Sequence[T], Callable[[int], None]], Iterator[R]]


@dataclass
class _Worker(Generic[T]):
    process: Any
    conn: Connection
    slot: mmap.mmap  # where the worker notes the item it is on
    chunk: list[T] = field(default_factory=list)
    done: set[int] = field(default_factory=set)

    def position(self) -> tuple[int | None, float]:
        """(index of the item under way, or BATCH, or None; since when)."""
        index, since = _SLOT.unpack_from(self.slot)
        if since <= 0:  # not written yet (never expected: see _note): nothing under way to judge
            return None, time.monotonic()
        return (None if index == IDLE else index), since


def run_isolated(
    items: Sequence[T],
    handle: Handler[T, R],
    on_failure: Callable[[T, Failure], R],
    *,
    workers: int = 2,
    chunk_size: int = 25,
    bounds: Bounds | None = None,
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, result)`` for every item, in completion order; never raises for an item's sake.

    ``handle(chunk, at)`` runs in a worker and yields one result per item of ``chunk``, in order;
    it calls ``at(i)`` before the risky work on ``chunk[i]`` and ``at(BATCH)`` before work on the whole
    chunk (a crash there is retried item by item to find the culprit).
    """
    bounds = bounds or Bounds()
    queue: deque[list[T]] = deque(
        list(items[i : i + chunk_size]) for i in range(0, len(items), chunk_size)
    )
    if not queue:
        return
    context = multiprocessing.get_context("fork")
    pool: list[_Worker[T]] = []
    try:
        while queue or any(w.chunk for w in pool):
            while queue and len([w for w in pool if not w.chunk]) == 0 and len(pool) < workers:
                pool.append(_start(context, handle, bounds))
            for w in pool:
                if not w.chunk and queue:
                    w.chunk, w.done = queue.popleft(), set()
                    _note(w.slot, IDLE)
                    w.conn.send(w.chunk)
            busy = [w for w in pool if w.chunk]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=0.5)
            for w in list(busy):
                if w.conn in ready or w.process.sentinel in ready:
                    yield from _drain(w)
                at, since = w.position()
                if w.chunk and not w.process.is_alive():
                    yield from _lost(w, pool, queue, on_failure, _death(w))
                elif w.chunk and at is not None and time.monotonic() - since > bounds.seconds_per_item:
                    w.process.kill()
                    w.process.join()
                    yield from _lost(w, pool, queue, on_failure,
                                     Failure("timeout", f"{bounds.seconds_per_item:.0f} 秒"))
    finally:
        for w in pool:
            w.conn.close()
            w.slot.close()
        for w in pool:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()


def _drain(w: _Worker[T]) -> Iterator[tuple[T, Any]]:
    """Read every message the worker has sent so far."""
    while w.chunk:
        try:
            if not w.conn.poll():
                return
            kind, index, payload = w.conn.recv()
        except (EOFError, OSError):
            return
        if kind == "result":
            w.done.add(index)
            yield w.chunk[index], payload
            if len(w.done) == len(w.chunk):
                w.chunk, w.done = [], set()


def _death(w: _Worker[T]) -> Failure:
    w.process.join()
    code = w.process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return Failure("crash", name)
    return Failure("memory" if code == 3 else "crash", f"exit {code}")


def _lost(
    w: _Worker[T], pool: list[_Worker[T]], queue: deque[list[T]],
    on_failure: Callable[[T, Failure], R], failure: Failure,
) -> Iterator[tuple[T, R]]:
    """A worker died or was killed: answer its culprit, requeue the rest of its chunk."""
    pool.remove(w)
    w.conn.close()
    at, _ = w.position()
    w.slot.close()
    rest = [i for i in range(len(w.chunk)) if i not in w.done]
    if at is None or at == BATCH or at in w.done:
        if len(rest) == 1:  # alone in its chunk: it is the culprit
            item = w.chunk[rest[0]]
            yield item, on_failure(item, failure)
            return
        queue.extendleft([w.chunk[i]] for i in reversed(rest))  # retry one by one to find the culprit
        return
    culprit = w.chunk[at]
    yield culprit, on_failure(culprit, failure)
    remaining = [w.chunk[i] for i in rest if i != at]
    if remaining:
        queue.appendleft(remaining)


def allow_children() -> None:
    """Let a daemonic process start workers: a task of a Celery prefork worker (Airflow's CeleryExecutor) is
    one, and multiprocessing refuses its children so that none outlives it. Ours cannot: each dies with its
    parent (``die_with_parent``) and is joined or killed before ``run_isolated`` returns."""
    me = multiprocessing.current_process()
    if me._config.get("daemon"):  # noqa: SLF001 - the flag multiprocessing checks; no public way to clear it
        me._config["daemon"] = False  # noqa: SLF001


def _start(context: Any, handle: Handler[T, Any], bounds: Bounds) -> _Worker[T]:
    allow_children()
    parent, child = context.Pipe()
    gc.freeze()  # the objects inherited stay out of the worker's collections: fewer copied pages
    slot = mmap.mmap(-1, _SLOT.size)  # anonymous and shared: the forked worker writes, we read
    _note(slot, IDLE)
    process = context.Process(target=_serve, args=(child, parent, slot, handle, bounds), daemon=True)
    process.start()
    gc.unfreeze()
    child.close()
    return _Worker(process=process, conn=parent, slot=slot)


def _serve(conn: Connection, parent_end: Connection, slot: mmap.mmap, handle: Handler[T, Any], bounds: Bounds) -> None:
    """The worker's loop: take a chunk, report progress and results, until the parent hangs up."""
    parent_end.close()
    gc.set_threshold(20_000, 20, 20)  # a worker allocates in bursts per file: collect less often
    die_with_parent()
    _limit_memory(bounds.memory_mb)
    code = 0
    try:
        while True:
            try:
                chunk = conn.recv()
            except (EOFError, OSError):
                break

            def at(index: int) -> None:
                _note(slot, index)

            for index, result in enumerate(handle(chunk, at)):
                _note(slot, IDLE)
                conn.send(("result", index, result))
    except MemoryError:
        code = 3
    except BaseException:  # noqa: BLE001 - the parent answers the item; the worker just ends
        log.exception("工作进程异常退出")
        code = 1
    finally:
        conn.close()
        os._exit(code)  # no atexit handlers, no finalizers of objects inherited from the parent


def die_with_parent() -> None:
    """Linux: the kernel kills this worker when the process that started it dies (even by kill -9)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before the line above ran
        os._exit(1)


def _limit_memory(extra_mb: int) -> None:
    """Cap the address space at what the worker inherited plus ``extra_mb``."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            size_kb = next(int(line.split()[1]) for line in f if line.startswith("VmSize:"))
        limit = size_kb * 1024 + extra_mb * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, StopIteration):
        pass
