"""The monthly DAG on the CeleryExecutor cluster with the workspace in a bucket (moto's S3 server): each
worker has a local face of its own, as a machine with no disk shared with the others would, so the report
file and the staging folder the tasks pass reach the next task only through the bucket."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from docgen.pipeline import run_cycle

from . import s3_server

pytestmark = pytest.mark.airflow
pytest.importorskip("airflow", reason="the [airflow] extra is not installed")

from docgen.airflow_cluster import celery_cluster, reachable  # noqa: E402

from .test_distributed import DAG, PERIOD, _assert_succeeded, _demo, _trigger, _wait_done  # noqa: E402

BUCKET = "cluster-files"
CONN = "docgen_s3"


def test_monthly_notice_from_a_bucket_on_two_workers_without_a_shared_disk(
    s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    why = reachable()
    if why:
        pytest.skip(why)
    s3 = s3_server.client(s3_endpoint)
    s3_server.empty_bucket(s3, BUCKET)
    demo = _demo(tmp_path / "demo")
    s3_server.upload(s3, demo, BUCKET, "cluster")
    s3_server.upload(s3, demo, BUCKET, "one-machine")
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN.upper()}", s3_server.connection(s3_endpoint))
    home = tmp_path / "home"
    with celery_cluster(home, f"s3://{CONN}@{BUCKET}/cluster", schedules=False,
                        extra_env={f"AIRFLOW_CONN_{CONN.upper()}": os.environ[f"AIRFLOW_CONN_{CONN.upper()}"]}) as cluster:
        cluster.unpause(DAG)
        tasks = _wait_done(cluster, _trigger(cluster))
    _assert_succeeded(tasks)
    faces = sorted(p.name for p in (home / "faces").iterdir())
    assert "server" in faces and {"county", "township"} & set(faces), faces

    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / "one-machine"))
    reference = run_cycle(f"s3://{CONN}@{BUCKET}/one-machine", "monthly", PERIOD)

    def summary(prefix: str) -> dict[str, Any]:
        body = s3.get_object(Bucket=BUCKET, Key=f"{prefix}/outbox/monthly/{PERIOD}/summary.json")["Body"].read()
        return json.loads(body)

    assert summary("cluster") == summary("one-machine") == json.loads(
        (reference.outputs[0].parent / "summary.json").read_text(encoding="utf-8"))
    issued = {k.rsplit("/", 1)[1] for k in s3_server.keys(s3, BUCKET, "cluster")
              if k.startswith(f"outbox/monthly/{PERIOD}/") and k.count("/") == 3}
    assert issued == {p.name for p in reference.outputs} | {".placed"}
    receipts = [k for k in s3_server.keys(s3, BUCKET, "cluster") if k.endswith(".回执.json")]
    assert len(receipts) == len([k for k in s3_server.keys(s3, BUCKET, "one-machine") if k.endswith(".回执.json")]) > 0
