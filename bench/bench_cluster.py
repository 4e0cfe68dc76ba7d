"""The monthly cycle (DAG ``monthly_notice``) for N units on a CeleryExecutor Airflow, timed and weighed.

    python bench/bench_cluster.py --units 1000
    python bench/bench_cluster.py --units 10000 --workspace /tmp/ws10k --json /tmp/cluster10k.json

Starts the cluster of ``docgen.airflow_cluster`` (scheduler, DAG processor, API server, two Celery workers;
Airflow's metadata and docgen's state on PostgreSQL 127.0.0.1:5432, the queue on Redis 6379) on a fresh copy
of the bench workspace (``--workspace``: a built one to copy, else built here), with ``approval: off`` (no
review step: the run goes from intake to publish), triggers one run for the period through the REST API
and waits for it. Reports:

- ``wall_s``: from the trigger to the run's success, as the API reports it (polled every second), and each
  task's own duration;
- memory: every cluster process (each role's process and its whole tree: the Celery worker's forked task
  runners and their reading workers) sampled with psutil every ``--sample-interval`` s from the trigger to the
  end; per role, the largest peak RSS of any single process of it (a peak shorter than the interval can be
  missed), and that process's command line;
- the same workspace through one ``docgen.pipeline.run_cycle`` on this machine (``bench/run_docgen.py`` in a
  fresh process, as ``compare.py`` measures it: wall time and exact ``ru_maxrss``), and whether its
  ``summary.json`` equals the cluster run's (issuing number aside).

The cluster's processes share two cores with everything else on the machine: times are noisy.
"""

from __future__ import annotations

import argparse
import json
import shutil
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
DAG = "monthly_notice"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from compare import child_env, measure  # noqa: E402 - the one-machine run measured as compare.py does

MB = 1024 * 1024


def prepare(source: Path, dest: Path) -> Path:
    """A fresh copy of the workspace (file times kept: they are the drop times), with no review step."""
    shutil.copytree(source, dest, symlinks=True)
    campaign = dest / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "\napproval: off\n", encoding="utf-8")
    return dest


class Sampler:
    """Every ``interval`` s: the RSS of each cluster process and of every process under it, peak per pid."""

    def __init__(self, roots: dict[str, int], interval: float) -> None:
        self.roots = roots
        self.interval = interval
        self.peaks: dict[int, dict[str, Any]] = {}  # pid → role, peak rss, command line
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil  # noqa: PLC0415

        while not self._stop.is_set():
            for role, pid in self.roots.items():
                try:
                    root = psutil.Process(pid)
                    tree = [root, *root.children(recursive=True)]
                except psutil.Error:
                    continue
                for p in tree:
                    try:
                        rss = p.memory_info().rss
                        seen = self.peaks.get(p.pid)
                        if seen is None:
                            seen = self.peaks[p.pid] = {"role": role, "rss": 0,
                                                        "cmd": " ".join(p.cmdline())[:160]}
                        seen["rss"] = max(seen["rss"], rss)
                    except psutil.Error:
                        continue
            self.samples += 1
            self._stop.wait(self.interval)

    def by_role(self) -> dict[str, dict[str, Any]]:
        """Per role: the largest single process's peak (MB), its command line, and how many processes."""
        roles: dict[str, dict[str, Any]] = {}
        for pid, seen in self.peaks.items():
            role = roles.setdefault(seen["role"], {"max_process_mb": 0.0, "processes": 0})
            role["processes"] += 1
            if seen["rss"] / MB > role["max_process_mb"]:
                role.update(max_process_mb=round(seen["rss"] / MB, 1), pid=pid, cmd=seen["cmd"])
        return roles

    def largest(self, n: int = 8) -> list[dict[str, Any]]:
        """The ``n`` processes with the largest peaks: role, pid, peak (MB), command line."""
        top = sorted(self.peaks.items(), key=lambda item: -item[1]["rss"])[:n]
        return [{"role": seen["role"], "pid": pid, "mb": round(seen["rss"] / MB, 1), "cmd": seen["cmd"]}
                for pid, seen in top]


def cluster_run(ws: Path, home: Path, interval: float, timeout: float, redis_db: int, log: Any) -> dict[str, Any]:
    """One triggered run of the DAG on a fresh cluster: its wall time, task times and memory per role."""
    from docgen.airflow_cluster import celery_cluster, reachable  # noqa: PLC0415

    why = reachable()
    if why:
        raise SystemExit(f"no cluster here: {why}")
    start = time.perf_counter()
    with celery_cluster(home, ws, schedules=False, redis_db=redis_db) as cluster:
        log(f"cluster up in {time.perf_counter() - start:.0f} s")
        cluster.unpause(DAG)
        roots = {name: p.pid for name, p in cluster.processes.items()}
        with Sampler(roots, interval) as sampler:
            t0 = time.perf_counter()
            run = cluster.api.request("POST", f"/api/v2/dags/{DAG}/dagRuns",
                                      {"logical_date": None, "conf": {"period": PERIOD}})
            run_id = run["dag_run_id"]
            state = "queued"
            while state not in ("success", "failed"):
                if time.perf_counter() - t0 > timeout:
                    raise TimeoutError(f"{run_id} not done in {timeout:.0f} s")
                time.sleep(1)
                state = cluster.api.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}")["state"]
            wall = time.perf_counter() - t0
        found = cluster.api.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}/taskInstances")
        tasks = {t["task_id"]: {"state": t["state"], "duration_s": round(t["duration"] or 0, 2),
                                "try_number": t["try_number"], "hostname": t.get("hostname")}
                 for t in found["task_instances"]}
        log(f"run {state} in {wall:.1f} s: " + ", ".join(f"{k} {v['duration_s']} s" for k, v in tasks.items()))
        if state != "success":
            for name in cluster.processes:
                log(f"--- {name} (tail)\n{cluster.log(name)[-2000:]}")
        ti_ids = {t["id"]: t["task_id"] for t in found["task_instances"] if t.get("id")}
        largest = sampler.largest()
        for proc in largest:  # a task's process is titled with its task instance's id
            proc["task"] = next((task for ti, task in ti_ids.items() if ti in proc["cmd"]), None)
        return {"state": state, "wall_s": round(wall, 2), "tasks": tasks, "memory": sampler.by_role(),
                "largest_processes": largest, "samples": sampler.samples}


def summary_of(ws: Path) -> dict[str, Any]:
    summary = json.loads((ws / "outbox" / "monthly" / PERIOD / "summary.json").read_text(encoding="utf-8"))
    summary.pop("doc_number", None)
    return summary


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--workspace", type=Path, help="a bench workspace already built for --units (copied)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--json", type=Path, help="also write the JSON result here")
    parser.add_argument("--sample-interval", type=float, default=0.5)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds the run may take")
    parser.add_argument("--no-single", action="store_true", help="skip the one-machine run")
    parser.add_argument("--redis-db", type=int, default=13,
                        help="Redis database number of the queue (default 13: not the tests' 11, so a test "
                             "cluster running meanwhile takes none of these tasks)")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    base = args.keep or Path(tempfile.mkdtemp(prefix="docgen-cluster-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        source = args.workspace
        if source is None:
            source = base / "source"
            log(f"building {args.units} units …")
            subprocess.run([sys.executable, "-c", "import sys; from tests.builders.workspaces import "
                            "build_bench_workspace; build_bench_workspace(sys.argv[1], n_units=int(sys.argv[2]))",
                            str(source), str(args.units)], env=child_env(), cwd=REPO, check=True)
        result: dict[str, Any] = {"units": args.units}
        ws = prepare(source, base / "cluster-ws")
        result["cluster"] = cluster_run(ws, base / "home", args.sample_interval, args.timeout, args.redis_db, log)
        if not args.no_single:
            single_ws = prepare(source, base / "single-ws")
            single = measure([sys.executable, str(BENCH / "run_docgen.py"), str(single_ws), "--period", PERIOD],
                             base / "logs-single", args.sample_interval)
            single.pop("report")
            result["single"] = single
            log(f"one machine: {single['wall_s']} s, largest process {single['max_process_rss_mb']} MB")
            if result["cluster"]["state"] == "success":
                result["same_summary"] = summary_of(ws) == summary_of(single_ws)
                log(f"same summary.json (issuing number aside): {result['same_summary']}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
