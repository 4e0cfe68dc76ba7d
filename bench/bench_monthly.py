"""Benchmark: time each step of ``docgen run monthly`` on a synthetic campaign of N units.

    python bench/bench_monthly.py --units 500

Builds the workspace with ``tests.builders.workspaces.build_bench_workspace`` (the test data builders, so
run it in a clone; every unit drops one .xlsx; a few are late, rejected or missing), then runs the cycle
twice: the first run receives and validates every file; the rerun finds nothing new and re-issues the
notice (same numbers, same issuing number).
Everything runs in this process; for docgen against the plain-script baseline, each program in a fresh
process with its peak memory, use ``bench/compare.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

# The builders live with the tests (tests/builders), not in the library: this clone's root first on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docgen.pipeline import run_cycle
from tests.builders.workspaces import BENCH_PERIOD, build_bench_workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=500, help="number of member units (default 500)")
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    start = time.perf_counter()
    ws = build_bench_workspace(base / "ws", n_units=args.units)
    built = time.perf_counter() - start
    files = sum(1 for p in (ws / "intake").rglob("*") if p.is_file())

    first = run_cycle(ws, "monthly", BENCH_PERIOD)
    again = run_cycle(ws, "monthly", BENCH_PERIOD)
    assert again.report.summary() == first.report.summary()
    result = {
        "units": args.units,
        "files": files,
        "tasks": len(first.report.tasks),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "build_workspace_s": round(built, 2),
        "first_run_s": first.timings | {"total": round(sum(first.timings.values()), 2)},
        "rerun_s": again.timings | {"total": round(sum(again.timings.values()), 2)},
        "accepted": len(first.receipts["accepted"]),
        "rejected": len(first.receipts["rejected"]),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
