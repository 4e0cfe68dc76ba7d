"""The cycle DAG with its intake tasks on an Airflow edge worker (the EdgeExecutor beside Celery), as a county
or township office would run them: the edge worker reaches Airflow through the API server over HTTP only (it
is given no metadata database, no broker; docgen's PostgreSQL and the workspace it still reaches itself), the
other tasks stay on the Celery workers, and the result is what `docgen run` makes of the same demo."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from docgen.pipeline import run_cycle
from docgen.resources import build_demo_workspace

pytestmark = pytest.mark.airflow
pytest.importorskip("airflow", reason="the [airflow] extra is not installed")

from docgen.airflow_cluster import EDGE_EXECUTOR, Cluster, celery_cluster, edge_reachable  # noqa: E402

DAG = "monthly_notice"
PERIOD = "2026-10"
EDGE = "township"  # the edge worker's queue; its hostname is township-edge
ON_EDGE = {"intake", "validate_and_receipts"}


def _demo(ws: Path) -> Path:
    """The demo workspace with no review step."""
    build_demo_workspace(ws)
    campaign = ws / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "\napproval: off\n", encoding="utf-8")
    return ws


def _dag_tasks(cluster: Cluster) -> dict[str, dict[str, Any]]:
    return {t["task_id"]: t for t in cluster.api.request("GET", f"/api/v2/dags/{DAG}/tasks")["tasks"]}


def _trigger(cluster: Cluster) -> str:
    """A run for the period once the DAG as parsed has no review step and its intake tasks on the edge."""
    deadline = time.monotonic() + 120
    while "review" in (tasks := _dag_tasks(cluster)) or tasks["intake"].get("queue") != EDGE:
        assert time.monotonic() < deadline, f"the DAG is not parsed as expected: {tasks.get('intake')}"
        time.sleep(2)
    run = cluster.api.request("POST", f"/api/v2/dags/{DAG}/dagRuns", {"logical_date": None, "conf": {"period": PERIOD}})
    return run["dag_run_id"]


def _wait_done(cluster: Cluster, run_id: str, timeout: float = 420) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cluster.api.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}")["state"] in ("success", "failed"):
            break
        time.sleep(2)
    else:
        raise TimeoutError(f"{run_id} not done in {timeout:.0f}s\n{cluster.log(f'edge-{EDGE}')[-3000:]}")
    found = cluster.api.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{run_id}/taskInstances")
    return {t["task_id"]: t for t in found["task_instances"]}


def test_monthly_notice_with_intake_on_an_edge_worker_matches_the_cli(tmp_path: Path) -> None:
    why = edge_reachable()
    if why:
        pytest.skip(why)
    ws = _demo(tmp_path / "ws")
    with celery_cluster(tmp_path / "home", ws, schedules=False, edge_worker=EDGE) as cluster:
        cluster.unpause(DAG)
        tasks = _wait_done(cluster, _trigger(cluster))
        edge_log = cluster.log(f"edge-{EDGE}")
    assert {t: ti["state"] for t, ti in tasks.items()} == dict.fromkeys(tasks, "success"), tasks
    for task_id, ti in tasks.items():
        where = (ti["executor"], ti["queue"], ti["hostname"])
        if task_id in ON_EDGE:
            assert where == (EDGE_EXECUTOR, EDGE, f"{EDGE}-edge"), (task_id, where)
        else:  # the default executor, on one of the Celery workers
            assert ti["executor"] in (None, "") and ti["queue"] != EDGE and ti["hostname"] != f"{EDGE}-edge", \
                (task_id, where)
    assert edge_log.count("Received job") == len(ON_EDGE), edge_log[-3000:]

    cli = _demo(tmp_path / "cli")
    run_cycle(cli, "monthly", PERIOD)
    ours, theirs = ws / "outbox/monthly" / PERIOD, cli / "outbox/monthly" / PERIOD
    assert json.loads((ours / "summary.json").read_text(encoding="utf-8")) == \
        json.loads((theirs / "summary.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir())
