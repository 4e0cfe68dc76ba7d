"""A workspace in an S3 bucket: a local S3 server (moto's server mode, a real HTTP endpoint), reached
through s3fs with the credentials of an Airflow connection named in the URL (``s3://conn@bucket/prefix``).

The tests put the campaign and the units' files into the bucket with boto3 (another client than docgen's),
run docgen on the bucket's URL, and read what it wrote back from the bucket with boto3.
"""

from __future__ import annotations

import io
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from docgen.cli import main
from docgen.pipeline import intake_step, receipts_step, run_cycle
from docgen.workspace import Workspace

from . import s3_server
from .builders.registry import write_campaign, write_registry
from .builders.tables import write_table
from .conftest import PROGRESS_HEADERS, TASKS, UNITS, row

BUCKET = "campaign-files"
PREFIX = "qinghe"
CONN = "docgen_s3"
URL = f"s3://{CONN}@{BUCKET}/{PREFIX}"
PERIOD = "2026-11"


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """An empty bucket, the Airflow connection docgen reaches it by, and this test's own local face."""
    s3 = s3_server.client(s3_endpoint)
    s3_server.empty_bucket(s3, BUCKET)
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN.upper()}", s3_server.connection(s3_endpoint))
    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / "face"))
    from docgen import storage

    storage._pull_settings_cached.cache_clear()  # each test's bucket is new
    return s3


def _campaign(root: Path, **intake: Any) -> Path:
    write_campaign(root, intake={"max_file_mb": 1, "settle_seconds": 0, **intake})
    write_registry(root, UNITS, TASKS)
    return root


def _files(root: Path) -> None:
    """A month of drops: A01 and D01 right, B01 with two bad cells, C01 nothing."""
    folder = root / "intake" / "monthly" / PERIOD
    write_table(folder / "A01" / "月度进展报送表.xlsx", PROGRESS_HEADERS, [row("A01", "T1", 60), row("A01", "T4", 40)])
    write_table(folder / "B01" / "月度进展报送表.xlsx", PROGRESS_HEADERS,
                [row("B01", "T1", 130), row("B01", "T2", 50, **{"投入经费(万元)": -3})])
    write_table(folder / "D01" / "月度进展报送表.xlsx", PROGRESS_HEADERS, [row("D01", "T4", 20)])


def _upload(client: Any, root: Path) -> dict[str, str]:
    return s3_server.upload(client, root, BUCKET, PREFIX)


def _keys(client: Any, under: str) -> list[str]:
    return [k for k in s3_server.keys(client, BUCKET, PREFIX) if k.startswith(under)]


def _get(client: Any, rel: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{rel}")["Body"].read()


def _receipt(client: Any, unit: str) -> dict[str, Any]:
    found = [k for k in _keys(client, f"receipts/monthly/{PERIOD}/{unit}/") if k.endswith(".回执.json")]
    assert len(found) == 1, found
    return json.loads(_get(client, found[0]))


def test_a_month_runs_from_a_bucket(s3: Any, tmp_path: Path) -> None:
    """The whole monthly cycle on the bucket's URL: receipts, the notice and the archive land in the bucket,
    the originals are untouched, and the numbers are those of the same files on a local disk."""
    source = _campaign(tmp_path / "source")
    _files(source)
    originals = _upload(s3, source)

    assert main(["run", "monthly", "--root", URL, "--period", PERIOD]) == 0  # the command, as a secretariat types it

    local = run_cycle(source, "monthly", PERIOD)  # the same files, the one-machine path
    summary = json.loads(_get(s3, f"outbox/monthly/{PERIOD}/summary.json"))
    assert summary == json.loads((local.outputs[0].parent / "summary.json").read_text(encoding="utf-8"))
    assert (summary["late_units"], summary["rejected_units"], summary["missing_units"]) == (
        ["A01", "D01"], ["B01"], ["C01"])  # dropped after the 2026-12-05 deadline: the bucket's LastModified
    assert summary["doc_number"] == local.report.doc_number == "创建办〔2026〕1号"

    issued = _keys(s3, f"outbox/monthly/{PERIOD}/")
    notice = next(k for k in issued if k.endswith(".docx") and "通报" in k)
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(_get(s3, notice))).paragraphs)
    assert "青禾市第一中学" in text  # C01 sent nothing: named as not reported
    b01 = _receipt(s3, "B01")
    assert [(e["cell"], e["column"]) for e in b01["errors"]] == [("D2", "完成进度(%)"), ("G3", "投入经费(万元)")]
    assert _receipt(s3, "A01")["accepted"] and not b01["accepted"]
    assert len([k for k in _keys(s3, "archive/") if k.endswith(".xlsx")]) == 3
    for key, etag in originals.items():  # nothing a unit dropped was changed or removed
        assert s3.head_object(Bucket=BUCKET, Key=key)["ETag"] == etag


def test_the_bucket_gets_the_same_guards(s3: Any, tmp_path: Path) -> None:
    """Too large: refused from its size, never downloaded. Inside a sub-folder: refused unread. A name
    that is not a plain path (``..``): never followed. Still being edited (``~$``): left alone."""
    source = _campaign(tmp_path / "source")
    _upload(s3, source)
    base = f"{PREFIX}/intake/monthly/{PERIOD}"
    big = b"PK" + b"\0" * (1536 * 1024)  # 1.5 MB against the 1 MB limit
    s3.put_object(Bucket=BUCKET, Key=f"{base}/A01/大文件.xlsx", Body=big)
    s3.put_object(Bucket=BUCKET, Key=f"{base}/B01/旧表/月度进展报送表.xlsx", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key=f"{base}/C01/../../../../../campaign.yaml", Body=b"name: x")
    s3.put_object(Bucket=BUCKET, Key=f"{base}/D01/~$月度进展报送表.xlsx", Body=b"lock")

    got = intake_step(URL, "monthly", PERIOD)
    receipts_step(URL, "monthly", PERIOD)

    assert got["new"] == 2
    face = tmp_path / "face"
    assert not (face / "intake/monthly" / PERIOD / "A01" / "大文件.xlsx").exists()  # never downloaded
    a01 = _receipt(s3, "A01")
    assert not a01["accepted"]
    assert "文件大小 1.5 MB 超过上限 1 MB" in json.dumps(a01, ensure_ascii=False)
    b01 = _receipt(s3, "B01")
    assert "子文件夹“旧表”中的内容不会被读取" in json.dumps(b01, ensure_ascii=False)
    pending = {p["path"]: p["reason"] for p in got["pending"]}
    odd = f"monthly/{PERIOD}/C01/../../../../../campaign.yaml"
    assert "不是普通的文件路径" in pending[odd]
    assert any("临时文件" in reason for path, reason in pending.items() if "~$" in path)
    assert Workspace(URL).campaign == Workspace(source).campaign  # the campaign was not overwritten through the odd name
    assert _keys(s3, "receipts/monthly/2026-11/C01/") == [] and _keys(s3, "receipts/monthly/2026-11/D01/") == []


def test_a_file_still_settling_waits_in_the_bucket_too(s3: Any, tmp_path: Path) -> None:
    """The settle time counts from the object's LastModified, as from a local file's modification time."""
    source = _campaign(tmp_path / "source", settle_seconds=3600)
    _files(source)
    _upload(s3, source)
    got = intake_step(URL, "monthly", PERIOD)
    assert got["new"] == 0
    assert sorted(p["path"].split("/")[2] for p in got["pending"]) == ["A01", "B01", "D01"]
    assert all("待其稳定后再读取" in p["reason"] for p in got["pending"])


def test_another_machine_answers_what_one_took_in(s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two machines sharing only the bucket and the state database: the one answering the files fetches
    the archived copies the other took in."""
    source = _campaign(tmp_path / "source")
    _files(source)
    _upload(s3, source)
    monkeypatch.setenv("DOCGEN_DB_URL", f"sqlite:///{tmp_path / 'shared-state.sqlite'}")
    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / "machine-1"))
    assert intake_step(URL, "monthly", PERIOD)["new"] == 3
    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / "machine-2"))
    answered = receipts_step(URL, "monthly", PERIOD)
    assert not (tmp_path / "machine-2" / "intake").exists()  # it never scanned
    assert [r["unit"] for r in answered["rejected"]] == ["B01"]
    assert answered["rejected"][0]["problem_count"] == 2
    assert sorted(k.split("/")[3] for k in _keys(s3, "receipts/") if k.endswith(".回执.json")) == ["A01", "B01", "D01"]


@pytest.mark.airflow
def test_the_monthly_dag_runs_from_a_bucket(s3: Any, tmp_path: Path) -> None:
    """The DAG, given the bucket's URL as its workspace, issues the month into the bucket's outbox."""
    pytest.importorskip("airflow", reason="the [airflow] extra is not installed")
    from docgen.airflow_local import dags_test, migrate

    source = _campaign(tmp_path / "source")
    write_campaign(source, intake={"max_file_mb": 1, "settle_seconds": 0}, approval="off")
    _files(source)
    _upload(s3, source)
    home = tmp_path / "airflow"
    migrate(home)
    done = dags_test("monthly_notice", home, URL, {"period": PERIOD})
    assert done.returncode == 0 and "state=success" in done.stdout + done.stderr, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(_get(s3, f"outbox/monthly/{PERIOD}/summary.json"))
    assert (summary["doc_number"], summary["rejected_units"], summary["missing_units"]) == ("创建办〔2026〕1号", ["B01"], ["C01"])
    assert sorted(k.split("/")[3] for k in _keys(s3, "receipts/") if k.endswith(".回执.json")) == ["A01", "B01", "D01"]


def test_each_step_on_another_machine(s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The DAG's steps on four machines that share only the bucket and the state database, as Celery
    workers on separate hosts would run them: the report and the staging folder travel through the bucket,
    and a second issue keeps the first as an earlier version there."""
    import sqlalchemy as sa

    from docgen.pipeline import compute_step, load_report, publish, render

    source = _campaign(tmp_path / "source")
    _files(source)
    _upload(s3, source)
    state = tmp_path / "shared-state.sqlite"
    monkeypatch.setenv("DOCGEN_DB_URL", f"sqlite:///{state}")

    def on(machine: str) -> None:
        monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / machine))

    on("machine-1")
    intake_step(URL, "monthly", PERIOD)
    receipts_step(URL, "monthly", PERIOD)
    report_file = compute_step(URL, "monthly", PERIOD)
    on("machine-2")
    _, report = load_report(URL, report_file)
    staging = render(URL, "monthly", report)
    on("machine-3")
    issued = publish(URL, "monthly", PERIOD, staging, trigger="airflow")
    assert sorted(p.name for p in issued) == sorted(k.rsplit("/", 1)[1] for k in _keys(s3, f"outbox/monthly/{PERIOD}/")
                                                    if k.count("/") == 3 and not k.endswith("/.placed"))
    first = json.loads(_get(s3, f"outbox/monthly/{PERIOD}/summary.json"))
    assert (first["missing_units"], first["rejected_units"]) == (["C01"], ["B01"])
    assert _keys(s3, ".docgen/staging/") == [report_file]  # the spent staging folder is gone from the bucket

    on("machine-4")  # the publish task retried elsewhere after it had finished: nothing issued twice
    publish(URL, "monthly", PERIOD, staging, trigger="airflow")
    assert not any("/versions/" in k for k in _keys(s3, "outbox/"))

    c01 = tmp_path / "late" / "月度进展报送表.xlsx"  # C01 reports late; the month is issued again
    write_table(c01, PROGRESS_HEADERS, [row("C01", "T3", 30)])
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/intake/monthly/{PERIOD}/C01/月度进展报送表.xlsx", Body=c01.read_bytes())
    on("machine-2")
    run_cycle(URL, "monthly", PERIOD)
    second = json.loads(_get(s3, f"outbox/monthly/{PERIOD}/summary.json"))
    assert second["missing_units"] == [] and "C01" in second["late_units"]
    assert json.loads(_get(s3, f"outbox/monthly/{PERIOD}/versions/v1/summary.json")) == first
    top = [k for k in _keys(s3, f"outbox/monthly/{PERIOD}/") if k.count("/") == 3]
    assert len([k for k in top if k.endswith(".docx")]) == 1  # the first notice is only under versions/v1
    with sa.create_engine(f"sqlite:///{state}").connect() as conn:
        runs = conn.execute(sa.text("SELECT status FROM runs WHERE period = :p"), {"p": PERIOD}).scalars().all()
    assert runs == ["success", "success"]


def test_a_bucket_that_cannot_be_reached_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing listens at the connection's endpoint: the command says which store it could not reach."""
    pytest.importorskip("s3fs", reason="the [s3] extra (s3fs) is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_CONN_NOWHERE", json.dumps({"login": "k", "password": "s", "extra": {
        "endpoint_url": f"http://127.0.0.1:{closed}", "region_name": "us-east-1"}}))
    monkeypatch.setenv("DOCGEN_LOCAL_DIR", str(tmp_path / "face"))
    assert main(["run", "monthly", "--root", "s3://nowhere@campaign-files/qinghe", "--period", PERIOD]) == 2
    err = capsys.readouterr().err
    assert "列出对象存储 s3://nowhere@campaign-files/qinghe 失败" in err, err


def test_a_local_workspace_whose_folders_are_in_a_bucket(s3: Any, tmp_path: Path) -> None:
    """``storage:`` in a local campaign.yaml: settings and state on the disk, the units' files and what
    docgen answers in the bucket."""
    local = _campaign(tmp_path / "ws")
    write_campaign(local, intake={"max_file_mb": 1, "settle_seconds": 0}, storage=URL)
    drops = _campaign(tmp_path / "drops")
    _files(drops)
    s3_server.upload(s3, drops / "intake", BUCKET, f"{PREFIX}/intake")

    run_cycle(local, "monthly", PERIOD)

    assert _keys(s3, "campaign.yaml") == []  # the settings stay on the disk
    summary = json.loads(_get(s3, f"outbox/monthly/{PERIOD}/summary.json"))
    assert (summary["rejected_units"], summary["missing_units"]) == (["B01"], ["C01"])
    assert (local / "outbox/monthly" / PERIOD / "summary.json").read_bytes() == _get(
        s3, f"outbox/monthly/{PERIOD}/summary.json")


def test_a_run_killed_at_any_moment_is_completed_by_the_next(s3: Any, tmp_path: Path) -> None:
    """``docgen run`` on the bucket killed (SIGKILL) at moments spread over a whole run, then run again on
    the same machine: every issue in the bucket, the current one and any earlier version, says what a run
    never interrupted says; one notice at the top; a receipt for every file; the originals untouched."""
    import random
    import subprocess
    import sys
    import time

    reference = _campaign(tmp_path / "reference")
    _files(reference)
    originals = _upload(s3, reference)
    expected = json.loads((run_cycle(reference, "monthly", PERIOD).outputs[0].parent / "summary.json")
                          .read_text(encoding="utf-8"))
    expected.pop("doc_number")
    command = [sys.executable, "-m", "docgen.cli", "run", "monthly", "--root", URL, "--period", PERIOD]
    env = {**os.environ, "DOCGEN_DB_URL": f"sqlite:///{tmp_path / 'state.sqlite'}"}
    start = time.monotonic()
    assert subprocess.run(command, env=env, capture_output=True, timeout=300).returncode == 0
    whole = time.monotonic() - start
    moments = random.Random(17).sample(range(5, 95, 5), 4)  # percent of a whole run, fixed: repeatable
    for percent in moments:
        run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(whole * percent / 100)
        run.kill()
        run.wait()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (percent, done.stderr[-3000:])
    issued = [k for k in _keys(s3, f"outbox/monthly/{PERIOD}/") if k.endswith("summary.json") and "/drafts/" not in k]
    for key in issued:
        summary = json.loads(_get(s3, key))
        assert summary.pop("doc_number") == "创建办〔2026〕1号" and summary == expected, key
    top = [k for k in _keys(s3, f"outbox/monthly/{PERIOD}/") if k.count("/") == 3]
    assert len([k for k in top if k.endswith(".docx")]) == 1, top
    assert sorted(k.split("/")[3] for k in _keys(s3, "receipts/") if k.endswith(".回执.json")) == ["A01", "B01", "D01"]
    for key, etag in originals.items():
        assert s3.head_object(Bucket=BUCKET, Key=key)["ETag"] == etag
