"""Bounded worker processes: an item that aborts, stalls or eats memory costs only itself."""

from __future__ import annotations

import faulthandler
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from docgen.isolation import BATCH, Bounds, Failure, run_isolated


def _handler(chunk: Sequence[str], at: Callable[[int], None]) -> Iterator[str]:
    """Reads each item like a file reader would, then works on the whole chunk, then answers each."""
    for i, item in enumerate(chunk):
        at(i)
        if item == "abort":
            faulthandler.disable()  # pytest's traceback dump would only clutter the log
            os.abort()  # what a native reader does on an impossible allocation
        if item == "stall":
            time.sleep(60)
        if item == "hog":
            _ = bytearray(4 * 2**30)  # over the worker's memory bound
    at(BATCH)
    if "batch-crash" in chunk:
        os._exit(7)
    for i, item in enumerate(chunk):
        at(i)
        yield item.upper()


def _failed(item: str, failure: Failure) -> str:
    return f"failed:{item}:{failure.kind}"


def _run(items: list[str], **kwargs: object) -> dict[str, str]:
    results = dict(run_isolated(items, _handler, _failed, **kwargs))  # type: ignore[arg-type]
    assert sorted(results) == sorted(items)  # every item answered exactly once
    return results


def test_an_aborting_item_costs_only_itself() -> None:
    items = [f"f{i}" for i in range(9)] + ["abort"] + [f"g{i}" for i in range(9)]
    results = _run(items, workers=2, chunk_size=4)
    assert results["abort"] == "failed:abort:crash"
    assert all(results[i] == i.upper() for i in items if i != "abort")


def test_a_stalled_item_is_stopped_within_its_bound() -> None:
    start = time.monotonic()
    results = _run(["a", "stall", "b", "c"], workers=2, chunk_size=2, bounds=Bounds(seconds_per_item=1.5))
    assert time.monotonic() - start < 15
    assert results == {"a": "A", "stall": "failed:stall:timeout", "b": "B", "c": "C"}


def test_an_item_over_the_memory_bound_costs_only_itself() -> None:
    results = _run(["a", "hog", "b"], workers=1, chunk_size=3, bounds=Bounds(memory_mb=512))
    assert results["hog"] in {"failed:hog:memory", "failed:hog:crash"}
    assert (results["a"], results["b"]) == ("A", "B")


def test_a_crash_in_whole_chunk_work_is_narrowed_to_its_item() -> None:
    results = _run(["a", "b", "batch-crash", "c"], workers=1, chunk_size=4)
    assert results == {"a": "A", "b": "B", "batch-crash": "failed:batch-crash:crash", "c": "C"}


def test_workers_end_with_the_parent() -> None:
    """A parent killed with SIGKILL takes its workers with it (no orphan keeps reading)."""
    import signal
    import subprocess
    import sys

    code = (
        "import time, os\n"
        "from docgen.isolation import run_isolated\n"
        "def h(chunk, at):\n"
        "    for i, x in enumerate(chunk):\n"
        "        at(i); print(os.getpid(), flush=True); time.sleep(60); yield x\n"
        "list(run_isolated(['a', 'b'], h, lambda i, f: i, workers=2, chunk_size=1))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    workers = {int(parent.stdout.readline()) for _ in range(2)}
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in workers):
        time.sleep(0.1)
    alive = [pid for pid in workers if os.path.exists(f"/proc/{pid}")
             and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"]
    assert alive == []


def test_the_item_under_way_is_never_read_half_written() -> None:
    """The parent reads the slot while a worker writes it: it must never see an item under way "since 0"
    (``Struct.pack_into`` zeroes before it fills, and that read once timed out a valid file at 10,000 units)."""
    import mmap

    from docgen.isolation import _SLOT, _note  # noqa: PLC0415

    slot = mmap.mmap(-1, _SLOT.size)
    _note(slot, -2)
    pid = os.fork()
    if pid == 0:  # the worker: notes item after item for a second
        end = time.monotonic() + 1.0
        i = 0
        while time.monotonic() < end:
            _note(slot, i % 50)
            i += 1
        os._exit(0)
    zero = reads = 0
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        _, since = _SLOT.unpack_from(slot)
        reads += 1
        zero += since == 0
    os.waitpid(pid, 0)
    assert reads > 10_000 and zero == 0
