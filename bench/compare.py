"""docgen's monthly cycle against a plain docxtpl script and the floor, side by side, with peak memory.

    python bench/compare.py                      # N = 1,000 (3 runs) and 10,000 (1 run)
    python bench/compare.py --units 1000 --repeat 3 --json result.json

For each N: build the bench workspace once (``tests.builders.workspaces.build_bench_workspace``; timed,
not counted), then, ``--repeat`` times, on fresh copies of it, each program in a fresh Python process:

- **docgen first run**: ``bench/run_docgen.py`` = ``docgen.pipeline.run_cycle`` on a new workspace
  (intake, archive, state, validation, receipts, annotated copies, notice, publish);
- **docgen rerun**: the same again on that workspace (nothing new; the notice re-issued);
- **baseline**: ``bench/baseline_docxtpl.py``, the plain script (pandas + checks + docxtpl receipts on
  ``multiprocessing.Pool(2)``, then the notice with docxtpl), writing to its own folder;
- **floor**: ``bench/floor.py``, read + hash + calamine cells + a receipt-sized deflated zip per file on
  2 processes.

Time is the wall time of the whole process, from start to exit (interpreter, imports, worker pools
included): what a user waits for. The figure reported is the median of the runs; each run is kept in
the JSON, with each program's own breakdown. The machine is shared, so the load average is recorded.

Memory, per run:

- ``max_process_rss_mb``: the largest peak resident set of any single process of the run (the program
  or one of its workers), exact: ``ru_maxrss`` from ``wait4`` on the child, which Linux fills with the
  maximum over the child and every descendant it reaped. It is NOT the total of the process tree. Linux
  carries a process's peak across ``execve``, so it is never below the harness's own size at the launch
  (``harness_rss_mb``, kept small: the workspace is built in a child process).
- the process tree's total, sampled every ``--sample-interval`` seconds with psutil (a peak shorter than
  the interval can be missed), as the peak of: ``tree_rss_mb``, the sum of RSS (an upper bound: the
  pages forked workers share with their parent, and the shared libraries, count once per process);
  ``tree_uss_mb``, the sum of USS (a lower bound: only each process's private pages, what the tree frees
  when it ends); ``tree_pss_mb``, the sum of PSS (shared pages divided among ALL processes mapping them,
  including other programs on the machine using the same libraries, so it moves with them); and
  ``tree_mb``, the figure the table shows: the sum of USS plus the largest shared part (RSS − USS) of any
  one process, i.e. every private page plus the shared pages once, an estimate of the RAM the run needs.

The memory figures reported are the maximum over the runs. Children run with this checkout first on
PYTHONPATH and without DOCGEN_DB_URL (each copy keeps its own SQLite state).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PERIOD = "2026-10"
PROGRAMS = ("docgen", "docgen_rerun", "baseline", "floor")
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # this checkout's docgen and test data builders, whatever is installed


# ---------------------------------------------------------------- measuring one process


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("DOCGEN_DB_URL", None)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def measure(cmd: list[str], logs: Path, interval: float = 0.2) -> dict[str, Any]:
    """Run ``cmd`` to its end: wall time, exit code, memory (see the module's doc), last JSON line."""
    import psutil  # noqa: PLC0415 - only the harness needs it

    logs.mkdir(parents=True, exist_ok=True)
    # Linux keeps a process's peak RSS across execve, and a child starts as a copy of (or, with vfork,
    # borrowing) this process: ru_maxrss can never be below the harness's own size, recorded here.
    launcher = psutil.Process().memory_info().rss
    peak = {"tree_rss": 0, "tree_pss": 0, "tree_uss": 0, "tree": 0, "processes": 0, "samples": 0}
    stop = threading.Event()
    with (logs / "stdout.txt").open("wb") as out, (logs / "stderr.txt").open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=child_env(), cwd=REPO)

        def sample() -> None:
            try:
                root = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not stop.is_set():
                try:
                    tree = [root, *root.children(recursive=True)]
                except psutil.Error:
                    return
                rss = pss = uss = shared = 0
                for p in tree:
                    try:
                        m = p.memory_full_info()
                    except psutil.Error:
                        continue
                    rss += m.rss
                    pss += m.pss
                    uss += m.uss
                    shared = max(shared, m.rss - m.uss)
                for key, value in (("tree_rss", rss), ("tree_pss", pss), ("tree_uss", uss), ("tree", uss + shared)):
                    peak[key] = max(peak[key], value)
                peak["processes"] = max(peak["processes"], len(tree))
                peak["samples"] += 1
                stop.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    lines = (logs / "stdout.txt").read_text(encoding="utf-8", errors="replace").strip().splitlines()
    report = None
    for line in reversed(lines):
        if line.startswith("{"):
            report = json.loads(line)
            break
    if proc.returncode != 0 or report is None:
        tail = (logs / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    mb = 1024 * 1024
    return {
        "wall_s": round(wall, 3),
        "max_process_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "harness_rss_mb": round(launcher / mb, 1),
        "tree_mb": round(peak["tree"] / mb, 1),
        "tree_uss_mb": round(peak["tree_uss"] / mb, 1),
        "tree_pss_mb": round(peak["tree_pss"] / mb, 1),
        "tree_rss_mb": round(peak["tree_rss"] / mb, 1),
        "max_processes": peak["processes"],
        "samples": peak["samples"],
        "report": report,
    }


# ---------------------------------------------------------------- one N


def copy_workspace(source: Path, dest: Path) -> Path:
    """A fresh copy; ``copy2`` keeps the files' mtimes, which are their drop times."""
    shutil.copytree(source, dest, symlinks=True)
    return dest


def _same_numbers(docgen: dict[str, Any], baseline_dir: Path) -> bool:
    """Whether docgen and the baseline found the same summary; the keys that differ go to stderr."""
    theirs = json.loads((baseline_dir / "notice" / "summary.json").read_text(encoding="utf-8"))
    ours = dict(docgen["summary"])
    ours.pop("doc_number", None)
    theirs.pop("doc_number", None)
    for key in sorted(set(ours) | set(theirs)):
        if ours.get(key) != theirs.get(key):
            print(f"summary differs at {key}: docgen {ours.get(key)!r}, baseline {theirs.get(key)!r}",
                  file=sys.stderr)
    return ours == theirs


def bench_n(n_units: int, repeat: int, base: Path, *, keep: bool, interval: float, engine: str,
            processes: int, log: Any) -> dict[str, Any]:
    root = base / f"n{n_units}"
    if root.exists():
        shutil.rmtree(root)
    log(f"N={n_units}: building the workspace …")
    source = root / "source"
    start = time.perf_counter()
    # In a child process: the harness stays small, which matters for ru_maxrss (see measure()).
    subprocess.run([sys.executable, "-c", "import sys; from tests.builders.workspaces import build_bench_workspace; "
                    "build_bench_workspace(sys.argv[1], n_units=int(sys.argv[2]))", str(source), str(n_units)],
                   env=child_env(), cwd=REPO, check=True)
    built = time.perf_counter() - start
    files = sum(1 for _ in (source / "intake" / "monthly" / PERIOD).glob("*/*.xlsx"))
    log(f"N={n_units}: built in {built:.1f} s, {files} files")
    py = sys.executable
    runs: list[dict[str, Any]] = []
    for r in range(repeat):
        run_dir = root / f"run{r + 1}"
        one: dict[str, Any] = {"load_before": os.getloadavg()[0]}

        def run_docgen(one: dict[str, Any] = one, run_dir: Path = run_dir) -> None:
            ws = copy_workspace(source, run_dir / "docgen")
            script = str(BENCH / "run_docgen.py")
            one["docgen"] = measure([py, script, str(ws), "--period", PERIOD], run_dir / "logs-docgen", interval)
            one["docgen_rerun"] = measure([py, script, str(ws), "--period", PERIOD], run_dir / "logs-rerun",
                                          interval)

        def run_baseline(one: dict[str, Any] = one, run_dir: Path = run_dir) -> None:
            ws = copy_workspace(source, run_dir / "baseline-ws")
            one["baseline"] = measure(
                [py, str(BENCH / "baseline_docxtpl.py"), str(ws), str(run_dir / "baseline-out"), "--period",
                 PERIOD, "--processes", str(processes), "--engine", engine],
                run_dir / "logs-baseline", interval)
            one["floor"] = measure(
                [py, str(BENCH / "floor.py"), str(ws), str(run_dir / "floor-out"), "--period", PERIOD,
                 "--processes", str(processes)],
                run_dir / "logs-floor", interval)

        order = (run_docgen, run_baseline) if r % 2 == 0 else (run_baseline, run_docgen)  # spread the drift
        for step in order:
            step()
        one["load_after"] = os.getloadavg()[0]
        one["same_numbers"] = _same_numbers(one["docgen"]["report"], run_dir / "baseline-out")
        one["rerun_same_summary"] = one["docgen"]["report"]["summary"] == one["docgen_rerun"]["report"]["summary"]
        log(f"N={n_units} run {r + 1}/{repeat}: " + ", ".join(f"{p} {one[p]['wall_s']:.2f} s" for p in PROGRAMS)
            + f"; same numbers: {one['same_numbers']}; load {one['load_before']:.1f}→{one['load_after']:.1f}")
        for p in PROGRAMS:  # the summaries are checked; keep the JSON small
            one[p]["report"].pop("summary", None)
        runs.append(one)
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    if not keep:
        shutil.rmtree(root, ignore_errors=True)

    def median(program: str) -> float:
        return round(statistics.median(run[program]["wall_s"] for run in runs), 3)

    def peak(program: str, key: str) -> float:
        return max(run[program][key] for run in runs)

    docgen, baseline = median("docgen"), median("baseline")
    return {
        "units": n_units,
        "files": files,
        "repeat": repeat,
        "build_workspace_s": round(built, 2),
        "docgen_first_run_s": docgen,
        "docgen_rerun_s": median("docgen_rerun"),
        "baseline_s": baseline,
        "floor_s": median("floor"),
        "ratio_baseline_over_docgen": round(baseline / docgen, 2),
        "docgen_ms_per_unit": round(1000 * docgen / n_units, 2),
        "baseline_ms_per_unit": round(1000 * baseline / n_units, 2),
        "floor_ms_per_file": round(1000 * median("floor") / max(files, 1), 2),
        "memory_mb": {
            p: {k: peak(p, k) for k in ("max_process_rss_mb", "tree_mb", "tree_uss_mb", "tree_pss_mb", "tree_rss_mb")}
            for p in PROGRAMS
        },
        "same_numbers": all(run["same_numbers"] for run in runs),
        "rerun_same_summary": all(run["rerun_same_summary"] for run in runs),
        "runs": runs,
    }


# ---------------------------------------------------------------- report


def markdown(results: list[dict[str, Any]]) -> str:
    head = ("| N units | files | docgen first run (s) | baseline (s) | baseline / docgen | docgen ms/unit "
            "| docgen rerun (s) | floor (s) | peak memory docgen (MB) | peak memory baseline (MB) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        mem = r["memory_mb"]

        def m(p: str, mem: dict[str, Any] = mem) -> str:
            return f"{mem[p]['max_process_rss_mb']:.0f} / {mem[p]['tree_mb']:.0f}"

        lines.append(
            f"| {r['units']:,} | {r['files']:,} | {r['docgen_first_run_s']:.2f} | {r['baseline_s']:.2f} "
            f"| {r['ratio_baseline_over_docgen']:.2f}× | {r['docgen_ms_per_unit']:.1f} | {r['docgen_rerun_s']:.2f} "
            f"| {r['floor_s']:.2f} | {m('docgen')} | {m('baseline')} |"
        )
    lines.append("")
    lines.append("Times: wall time of a fresh process, start to exit, median of the runs (`repeat` in the JSON). "
                 "Memory: largest single process's peak RSS (exact) / the process tree's peak, every private page "
                 "plus the shared pages once (sampled estimate; bounds in the JSON), maximum over the runs. Ratio > 1 means docgen is faster.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, nargs="+", default=[1000, 10000],
                        help="numbers of units (default: 1000 10000)")
    parser.add_argument("--repeat", type=int, help="runs per N (default: 3 below 5,000 units, else 1)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep every workspace and output")
    parser.add_argument("--json", type=Path, help="also write the JSON result to this file")
    parser.add_argument("--engine", default="calamine", choices=["calamine", "openpyxl"],
                        help="pandas engine of the baseline (default calamine)")
    parser.add_argument("--processes", type=int, default=2, help="processes of the baseline and floor (default 2)")
    parser.add_argument("--sample-interval", type=float, default=0.2, help="memory sampling interval, s")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    base = args.keep or Path(tempfile.mkdtemp(prefix="docgen-compare-"))
    base.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for n in args.units:
            repeat = args.repeat or (3 if n < 5000 else 1)
            results.append(bench_n(n, repeat, base, keep=bool(args.keep), interval=args.sample_interval,
                                   engine=args.engine, processes=args.processes, log=log))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True,
                            text=True, check=False).stdout.strip()
    import pandas  # noqa: PLC0415

    output = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
            "pandas": pandas.__version__,
            "baseline_engine": args.engine,
            "processes": args.processes,
            "commit": commit,
        },
        "results": results,
    }
    text = json.dumps(output, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print()
    print(markdown(results))
    return results


if __name__ == "__main__":
    main()
