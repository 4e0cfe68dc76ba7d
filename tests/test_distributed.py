"""The cycle DAG on a CeleryExecutor Airflow: two workers, metadata, results and docgen's state on
PostgreSQL, the queue on Redis. One cluster serves both tests (each start costs a minute); between them the
workspace and docgen's database are made anew."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docgen.pipeline import run_cycle
from docgen.resources import build_demo_workspace

pytestmark = pytest.mark.airflow
pytest.importorskip("airflow", reason="the [airflow] extra is not installed")

from docgen.airflow_cluster import Cluster, celery_cluster, reachable  # noqa: E402

DAG = "monthly_notice"
PERIOD = "2026-10"
PAUSE = 15  # seconds a task waits at each point below (DOCGEN_PAUSE_AT), once per try: time to kill it
KILL_POINTS = {
    "validate_and_receipts": "receipts-locked",  # holding the period's lock, nothing answered yet
    "publish": "publish-placed",  # the documents in the outbox, the run not yet recorded
}


def _demo(ws: Path) -> Path:
    """The demo workspace with no review step, as tests/test_dags.py runs the monthly DAG."""
    build_demo_workspace(ws)
    campaign = ws / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "\napproval: off\n", encoding="utf-8")
    return ws


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    why = reachable()
    if why:
        pytest.skip(why)
    base = tmp_path_factory.mktemp("cluster")
    ws = _demo(base / "ws")
    with celery_cluster(base / "home", ws, schedules=False,
                        extra_env={"DOCGEN_PAUSE_AT": ",".join(f"{p}:{PAUSE}" for p in KILL_POINTS.values())}) as running:
        running.unpause(DAG)
        yield running


def _workspace(cluster: Cluster) -> Path:
    return Path(cluster.env["DOCGEN_ROOT"])


def _fresh(cluster: Cluster) -> Path:
    """The demo workspace again, and an empty docgen database: as if nothing had run."""
    import sqlalchemy as sa

    ws = _workspace(cluster)
    new = _demo(ws.with_name(ws.name + ".new"))  # built beside it, then swapped in: the DAG processor, parsing
    shutil.rmtree(ws)                            # campaign.yaml every few seconds, never sees it half-written
    new.rename(ws)
    engine = sa.create_engine(cluster.env["DOCGEN_DB_URL"])
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return ws


def _trigger(cluster: Cluster) -> str:
    """A run of the DAG for the period, once the DAG as parsed has no review step (approval: off)."""
    deadline = time.monotonic() + 60
    while "review" in {t["task_id"] for t in cluster.api.request("GET", f"/api/v2/dags/{DAG}/tasks")["tasks"]}:
        assert time.monotonic() < deadline, "the DAG still has its review step: campaign.yaml not read as written"
        time.sleep(2)
    run = cluster.api.request("POST", f"/api/v2/dags/{DAG}/dagRuns", {"logical_date": None, "conf": {"period": PERIOD}})
    return run["dag_run_id"]


def _tasks(cluster: Cluster, run_id: str) -> dict[str, dict[str, Any]]:
    found = cluster.api.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}/taskInstances")
    return {t["task_id"]: t for t in found["task_instances"]}


def _wait_done(cluster: Cluster, run_id: str, timeout: float = 420) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = cluster.api.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}")["state"]
        if state in ("success", "failed"):
            return _tasks(cluster, run_id)
        time.sleep(2)
    raise TimeoutError(f"{run_id} not done in {timeout:.0f}s: {_tasks(cluster, run_id)}\n{cluster.log('scheduler')[-3000:]}")


def _cli_summary(tmp_path: Path) -> tuple[dict[str, Any], list[str]]:
    """summary.json and the issued files of a `docgen run` of the same demo (its own SQLite state)."""
    ws = _demo(tmp_path / "cli")
    run_cycle(ws, "monthly", PERIOD)
    outbox = ws / "outbox/monthly" / PERIOD
    return json.loads((outbox / "summary.json").read_text(encoding="utf-8")), sorted(p.name for p in outbox.iterdir())


def _outbox(cluster: Cluster) -> Path:
    return _workspace(cluster) / "outbox/monthly" / PERIOD


def _assert_succeeded(tasks: dict[str, dict[str, Any]]) -> None:
    assert {t: ti["state"] for t, ti in tasks.items()} == dict.fromkeys(tasks, "success"), tasks


def test_monthly_notice_on_two_celery_workers_matches_the_cli(cluster: Cluster, tmp_path: Path) -> None:
    tasks = _wait_done(cluster, _trigger(cluster))
    _assert_succeeded(tasks)
    summary, issued = _cli_summary(tmp_path)
    assert json.loads((_outbox(cluster) / "summary.json").read_text(encoding="utf-8")) == summary
    assert sorted(p.name for p in _outbox(cluster).iterdir()) == issued


def _worker_of(cluster: Cluster, pid: int) -> str:
    """The worker whose process tree holds ``pid`` (all workers run on this one machine)."""
    import psutil

    leaders = {p: name for name, p in cluster.worker_pids().items()}
    for proc in [psutil.Process(pid), *psutil.Process(pid).parents()]:
        if proc.pid in leaders:
            return leaders[proc.pid]
    raise AssertionError(f"pid {pid} belongs to no worker")


def _kill_worker(cluster: Cluster, name: str) -> list[int]:
    """SIGKILL a worker as a machine that loses power: its process group and every descendant."""
    import psutil

    leader = cluster.processes[f"worker-{name}"]
    tree = [leader.pid] + [c.pid for c in psutil.Process(leader.pid).children(recursive=True)]
    os.killpg(leader.pid, signal.SIGKILL)
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    leader.wait(timeout=30)
    return tree


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("task_id", list(KILL_POINTS))
def test_a_worker_killed_mid_task_is_replaced_by_the_other(task_id: str, cluster: Cluster, tmp_path: Path) -> None:
    """The worker running 校验与回执 (holding the period's lock) or 发布 (the documents placed, the run not
    yet recorded) dies (SIGKILL, with its task); the scheduler notices the silence, the retry runs on the
    other worker, takes the dead holder's lock over and completes the run: the same summary as a run never
    interrupted, each document issued once."""
    import psutil
    import sqlalchemy as sa

    _fresh(cluster)
    run_id = _trigger(cluster)
    deadline = time.monotonic() + 300
    while True:
        ti = _tasks(cluster, run_id)[task_id]
        if ti["state"] == "running" and ti.get("pid") and psutil.pid_exists(ti["pid"]):
            break
        assert time.monotonic() < deadline, ti
        time.sleep(1)
    if task_id == "publish":  # placed: summary.json, placed last, is in the outbox
        while not (_outbox(cluster) / "summary.json").is_file():
            assert time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(1)
    else:
        time.sleep(3)  # inside the pause: the lock is held
    victim = _worker_of(cluster, ti["pid"])
    killed = _kill_worker(cluster, victim)
    try:
        gone = time.monotonic() + 20
        while (alive := [p for p in killed if _alive(p)]) and time.monotonic() < gone:
            time.sleep(0.5)
        assert alive == []
        tasks = _wait_done(cluster, run_id)
    finally:
        cluster.start_worker(victim)  # the next test has two workers again
    _assert_succeeded(tasks)
    assert tasks[task_id]["try_number"] >= 2  # the first try died with its worker

    summary, issued = _cli_summary(tmp_path)
    outbox = _outbox(cluster)
    assert json.loads((outbox / "summary.json").read_text(encoding="utf-8")) == summary
    assert sorted(p.name for p in outbox.iterdir()) == issued
    assert not (outbox / "versions").exists()  # issued once: nothing became an earlier version
    engine = sa.create_engine(cluster.env["DOCGEN_DB_URL"])
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT status FROM runs WHERE cycle = 'monthly' AND period = :p"),
                            {"p": PERIOD}).scalars().all()
    engine.dispose()
    assert runs == ["success"]
