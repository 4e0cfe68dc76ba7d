"""Peak memory of docgen's monthly cycle, step by step: which step makes the largest process.

    python bench/memory.py --workspace /tmp/ws10k          # a built bench workspace, copied first
    python bench/memory.py --units 1000 --repeat 3          # built here (in a child process)

Runs ``docgen.pipeline.run_cycle`` in a fresh process (as ``run_docgen.py`` does) on a fresh copy of the
workspace, ``--repeat`` times, and prints, per step (intake, receipts, compute, render, publish), its time and:

- ``main_mb``: the peak RSS of the main process during that step, exact: the kernel's high-water mark
  (``VmHWM``), reset when the step starts (``/proc/self/clear_refs``, Linux);
- ``children_mb``: the largest peak RSS of any child process ended so far (``ru_maxrss`` of
  ``RUSAGE_CHILDREN``: the forked reading workers end within the receipts step, the chart process at the end);

and the **largest process** of the run: the maximum of both over the steps. Because the high-water mark is reset
at each step, the run's ``ru_maxrss`` seen from outside would only cover the last step: this script reports
its own figures instead. Wall time is the whole process, start to exit, as ``compare.py`` measures it.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PERIOD = "2026-10"
STEPS = ("intake_step", "receipts_step", "compute", "render", "publish")
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from compare import child_env  # noqa: E402 - this checkout first on PYTHONPATH, each copy its own SQLite


def _status_mb(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(key + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def child(workspace: Path, period: str) -> None:
    """In the measured process: run the cycle with every step's peak noted; print one JSON line."""
    start = time.perf_counter()
    from docgen import pipeline  # noqa: PLC0415

    steps: dict[str, dict[str, float]] = {}
    for name in STEPS:
        original = getattr(pipeline, name)

        def timed(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
                f.write("5")  # the high-water mark starts again from the present size
            began = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                steps[_name] = {
                    "s": round(time.perf_counter() - began, 2),
                    "main_mb": _status_mb("VmHWM"),
                    "children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
                }

        setattr(pipeline, name, timed)
    imports_mb = _status_mb("VmHWM")
    run = pipeline.run_cycle(workspace, "monthly", period, trigger="bench")
    children = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    print(json.dumps({
        "imports_mb": imports_mb,
        "steps": steps,
        "children_mb": children,
        "largest_process_mb": max([imports_mb, children, *(s["main_mb"] for s in steps.values())]),
        "cycle_s": round(time.perf_counter() - start, 2),
        "summary": run.report.summary(),
    }, ensure_ascii=False))


def measure(source: Path, base: Path, period: str) -> dict[str, Any]:
    """One fresh process on a fresh copy of ``source``."""
    ws = base / "ws"
    if ws.exists():
        shutil.rmtree(ws)
    shutil.copytree(source, ws, symlinks=True)  # keeps the files' times: they are the drop times
    began = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", str(ws), "--period", period], cwd=REPO,
                          env=child_env(), capture_output=True, text=True, check=False)
    wall = round(time.perf_counter() - began, 2)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(lines[-1])
    result["wall_s"] = wall
    shutil.rmtree(ws, ignore_errors=True)
    return result


def table(runs: list[dict[str, Any]]) -> str:
    head = "| step | seconds | main process peak (MB) | largest child so far (MB) |"
    lines = [head, "|---|---|---|---|"]
    for name in STEPS:
        got = [r["steps"][name] for r in runs if name in r["steps"]]
        if got:
            lines.append(f"| {name} | {min(g['s'] for g in got):.2f} | {max(g['main_mb'] for g in got):.0f} "
                         f"| {max(g['children_mb'] for g in got):.0f} |")
    lines.append(f"| **largest process** | wall {min(r['wall_s'] for r in runs):.2f} s (fastest run) | "
                 f"**{max(r['largest_process_mb'] for r in runs):.0f}** | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, help="a built bench workspace (copied for each run)")
    parser.add_argument("--units", type=int, default=1000, help="units of the workspace built when none is given")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--period", default=PERIOD)
    parser.add_argument("--json", type=Path, help="also write the runs here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.period)
        return []
    base = Path(tempfile.mkdtemp(prefix="docgen-memory-"))
    try:
        source = args.workspace
        if source is None:
            source = base / "source"
            subprocess.run([sys.executable, "-c", "import sys; from tests.builders.workspaces import "
                            "build_bench_workspace; build_bench_workspace(sys.argv[1], n_units=int(sys.argv[2]))",
                            str(source), str(args.units)], cwd=REPO, env=child_env(), check=True)
        runs = []
        for i in range(args.repeat):
            runs.append(measure(source, base, args.period))
            print(f"run {i + 1}: wall {runs[-1]['wall_s']} s, largest process {runs[-1]['largest_process_mb']} MB",
                  file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(runs, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(table(runs))
    return runs


if __name__ == "__main__":
    main()
