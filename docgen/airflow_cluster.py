"""A CeleryExecutor Airflow as plain processes on this machine: the shape of a deployment on several.

Scheduler, DAG processor, API server and two Celery workers (distinct hostnames), the metadata database in
a PostgreSQL database of its own (created here, dropped afterwards), Celery's broker on one Redis database
number, its result backend on PostgreSQL, and docgen's state on PostgreSQL too (``DOCGEN_DB_URL``): nothing
is shared through one machine's SQLite. Timeouts are short, so a worker that dies is noticed in seconds and
its task retried on the other. Used by the distributed tests and, for a person, by
``python -m docgen.airflow_cluster WORKSPACE`` (stops everything on Ctrl-C).

With ``edge_worker=NAME`` the cluster also runs Airflow's EdgeExecutor beside Celery and one ``airflow edge
worker`` (hostname ``NAME-edge``) that reaches the API server over HTTP only, as a county or township office
would; the DAGs send intake and validate_and_receipts to it (``DOCGEN_EDGE_QUEUE``, docgen.airflow_dag).

Needs the ``[airflow]`` and ``[celery]`` extras and ``psycopg2`` (an edge worker: the ``[edge]`` extra);
importing this module needs none of them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .airflow_local import ApiError, ApiServer, _airflow, _free_port, airflow_env, api_server
from .storage import is_url

PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"  # any database of the server: to create ours
REDIS_URL = "redis://127.0.0.1:6379"
REDIS_DB = 11  # Celery's queues live on this database number; each cluster's has a name of its own
WORKERS = ("county", "township")  # two workers, as two machines would be named
EDGE_EXECUTOR = "airflow.providers.edge3.executors.EdgeExecutor"


@dataclass
class Cluster:
    """The running cluster: its REST API, its environment, and the process of each part."""

    api: ApiServer
    env: dict[str, str]
    home: Path
    queue: str = "default"  # the Celery queue its tasks go to and its workers listen on
    processes: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    def worker_pids(self) -> dict[str, int]:
        """Worker name → the pid of its ``airflow celery worker`` process (the leader of its own group)."""
        return {name.removeprefix("worker-"): p.pid for name, p in self.processes.items()
                if name.startswith("worker-")}

    def unpause(self, dag_id: str, timeout: float = 180) -> None:
        """Unpause ``dag_id`` once the DAG processor has stored it (it is not known before)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.api.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
                return
            except ApiError as exc:
                if exc.status != 404 or time.monotonic() > deadline:
                    raise
                time.sleep(2)

    def start_worker(self, name: str, concurrency: int = 1, wait: float = 300) -> None:
        """Start (or start again, after it was killed) the Celery worker ``name``; ``wait`` for it to be ready."""
        log = self.home / f"worker-{name}.log"
        if log.exists():  # an earlier life's log is kept beside
            log.rename(log.with_suffix(f".{int(time.time())}.log"))
        worker_env = {**self.env, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
                      **_own_face(self.env, self.home, name)}
        self.processes[f"worker-{name}"] = _start(
            f"worker-{name}",
            ["celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", str(concurrency),
             "--queues", self.queue, "--pid", str(self.home / f"worker-{name}.pid"), "--without-mingle",
             "--without-gossip"],
            worker_env, self.home)
        if wait:
            _wait_ready(self, f"worker-{name}", "ready.", wait)

    def start_edge_worker(self, name: str, wait: float = 300) -> None:
        """Start ``airflow edge worker`` serving the queue ``name`` as host ``NAME-edge``; ``wait`` until it
        has registered with the API server (it writes its pid file then)."""
        pid = self.home / f"edge-{name}.pid"
        pid.unlink(missing_ok=True)
        # no metadata database, no broker: like a remote office, it has the API server's edge URL (the
        # execution API's is derived from it) and the JWT secret (a database that does not exist, so that
        # any use of one fails loudly)
        worker_env = {k: v for k, v in self.env.items()
                      if not k.startswith("AIRFLOW__CELERY__") and k != "AIRFLOW__CORE__EXECUTION_API_SERVER_URL"}
        worker_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = _server_url(
            self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], "no_metadata_database_on_an_edge_worker")
        worker_env.update(_own_face(self.env, self.home, f"edge-{name}"))
        self.processes[f"edge-{name}"] = _start(
            f"edge-{name}", ["edge", "worker", "--queues", name, "--edge-hostname", f"{name}-edge",
                             "--concurrency", "1", "--pid", str(pid)], worker_env, self.home)
        deadline = time.monotonic() + wait
        while wait and not pid.exists():
            if self.processes[f"edge-{name}"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"edge-{name} 未能启动：\n{self.log(f'edge-{name}')[-3000:]}")
            time.sleep(1)

    def log(self, name: str) -> str:
        path = self.home / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _server_url(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


def _admin(url: str, statement: str) -> None:
    """One statement outside a transaction (CREATE/DROP DATABASE cannot run in one)."""
    import sqlalchemy as sa  # noqa: PLC0415

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def _drop_queue(url: str, queue: str) -> None:
    """Delete the cluster's own keys on the broker (its queue and Celery's bindings of it), no one else's."""
    import redis  # noqa: PLC0415 - the [celery] extra

    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
    finally:
        client.close()


def reachable(pg_server: str = PG_SERVER, redis_url: str = REDIS_URL) -> str | None:
    """Why a cluster cannot start here (no provider, no PostgreSQL, no Redis), or None."""
    try:
        import airflow.providers.celery  # noqa: F401, PLC0415
        import psycopg2  # noqa: F401, PLC0415
        import redis  # noqa: PLC0415
        import sqlalchemy as sa  # noqa: PLC0415
    except ImportError as exc:
        return f"the [celery] extra (or psycopg2) is not installed: {exc}"
    try:
        engine = sa.create_engine(pg_server)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to use
        return f"no PostgreSQL server at {pg_server}: {exc}"
    try:
        client = redis.Redis.from_url(f"{redis_url}/0", socket_connect_timeout=3)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001
        return f"no Redis server at {redis_url}: {exc}"
    return None


def edge_reachable() -> str | None:
    """Why a cluster with an edge worker cannot start here, or None."""
    try:
        import airflow.providers.edge3  # noqa: F401, PLC0415
    except ImportError as exc:
        return f"the [edge] extra is not installed: {exc}"
    return reachable()


def edge_env(api_url: str, queue: str) -> dict[str, str]:
    """Celery and the EdgeExecutor side by side, the API server serving edge workers, and the DAGs told
    (at parse time) to send their intake tasks to the edge ``queue``."""
    return {
        "AIRFLOW__CORE__EXECUTOR": f"CeleryExecutor,{EDGE_EXECUTOR}",  # the first is every task's default
        "AIRFLOW__EDGE__API_ENABLED": "True",
        "AIRFLOW__EDGE__API_URL": f"{api_url}/edge_worker/v1/rpcapi",
        "AIRFLOW__EDGE__JOB_POLL_INTERVAL": "2",
        "AIRFLOW__EDGE__HEARTBEAT_INTERVAL": "5",
        "DOCGEN_EDGE_QUEUE": queue,
    }


def cluster_env(home: Path, workspace: Path | str, metadata_url: str, state_url: str, broker_url: str,
                api_url: str, schedules: bool = True) -> dict[str, str]:
    """The environment every part shares (a real deployment puts the same in each machine's airflow.cfg)."""
    env = airflow_env(home, workspace)
    env.update({
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
        "AIRFLOW__API__BASE_URL": api_url,
        # a task whose worker died stops beating: failed after this many seconds, then retried elsewhere
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "2",
        "AIRFLOW__CORE__DEFAULT_TASK_RETRIES": "2",
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "2",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        # only the DAG a person (or test) unpauses runs; the others stay paused
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        # False: only runs someone triggers (a test: no scheduled run of the last period on unpausing)
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(schedules),
        "DOCGEN_DB_URL": state_url,
        # a dead worker's claims and run locks: another machine's are taken over after this lease
        "DOCGEN_LEASE_SECONDS": env.get("DOCGEN_LEASE_SECONDS", "15"),
    })
    env.update(_own_face(env, home, "server"))  # the workers get theirs
    return env


def _own_face(env: dict[str, str], home: Path, name: str) -> dict[str, str]:
    """For a workspace in a bucket, the local face of one part of the cluster (``DOCGEN_LOCAL_DIR``), of its
    own as on a machine of its own; nothing for a local workspace, which every part shares."""
    return {"DOCGEN_LOCAL_DIR": str(home / "faces" / name)} if is_url(env.get("DOCGEN_ROOT", "")) else {}


def _start(name: str, args: list[str], env: dict[str, str], home: Path) -> subprocess.Popen[str]:
    exe = Path(sys.executable).parent / "airflow"
    with open(home / f"{name}.log", "w", encoding="utf-8") as out:
        return subprocess.Popen([str(exe), *args], env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)


def stop(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """SIGTERM the process group, SIGKILL what is left after ``timeout``."""
    if process.poll() is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # a group whose leader died may leave children
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_ready(cluster: Cluster, name: str, marker: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while marker not in cluster.log(name):
        process = cluster.processes[name]
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} 未能启动（{marker!r}）：\n{cluster.log(name)[-3000:]}")
        time.sleep(1)


@contextmanager
def celery_cluster(home: Path, workspace: Path | str, *, pg_server: str = PG_SERVER, redis_url: str = REDIS_URL,
                   redis_db: int = REDIS_DB, concurrency: int = 1, timeout: float = 300, schedules: bool = True,
                   extra_env: dict[str, str] | None = None, edge_worker: str | None = None) -> Iterator[Cluster]:
    """Start the cluster for ``workspace`` with its home ``home``; stop every process and drop the databases
    it made afterwards, also when starting fails. ``schedules=False``: only triggered runs;
    ``extra_env``: laid over every part's environment (test hooks); ``edge_worker``: the name of an edge
    worker to run too (its queue), which takes intake and validate_and_receipts."""
    home.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    metadata_db, state_db = f"airflow_{tag}", f"docgen_{tag}"
    queue = f"docgen_{tag}"  # clusters side by side on one Redis (a test, a benchmark) never take each other's tasks
    broker_url = f"{redis_url}/{redis_db}"
    created: list[str] = []
    cluster: Cluster | None = None
    try:
        for db in (metadata_db, state_db):
            _admin(pg_server, f'CREATE DATABASE "{db}"')
            created.append(db)
        port = _free_port()
        api_url = f"http://127.0.0.1:{port}"
        env = cluster_env(home, workspace, _server_url(pg_server, metadata_db), _server_url(pg_server, state_db),
                          broker_url, api_url, schedules)
        env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] = queue
        if edge_worker:
            env.update(edge_env(api_url, edge_worker))
        env.update(extra_env or {})
        done = _airflow(["db", "migrate"], env, timeout)
        if done.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        with api_server(home, workspace, port=port, timeout=timeout, env=env) as api:
            cluster = Cluster(api=api, env=env, home=home, queue=queue)
            cluster.processes["api-server"] = api.process
            cluster.processes["dag-processor"] = _start("dag-processor", ["dag-processor"], env, home)
            cluster.processes["scheduler"] = _start("scheduler", ["scheduler"], env, home)
            for name in WORKERS:
                cluster.start_worker(name, concurrency, wait=0)
            for name in WORKERS:
                _wait_ready(cluster, f"worker-{name}", "ready.", timeout)
            try:
                if edge_worker:
                    cluster.start_edge_worker(edge_worker, timeout)
                yield cluster
            finally:  # an edge worker signs off through the API server: stopped while it still answers
                for name, process in cluster.processes.items():
                    if name.startswith("edge-"):
                        stop(process)
    finally:
        if cluster is not None:
            for name, process in cluster.processes.items():
                if name != "api-server":
                    stop(process)
        with contextlib.suppress(Exception):
            _drop_queue(broker_url, queue)
        for db in created:
            _admin(pg_server, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    """Start the cluster for a workspace and keep it until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m docgen.airflow_cluster",
                                     description="在本机以 CeleryExecutor 启动 Airflow（两个 worker），Ctrl-C 停止并删除临时数据库")
    parser.add_argument("workspace", help="docgen 工作区目录，或对象存储地址（s3://连接名@桶名/前缀）")
    parser.add_argument("--home", type=Path, default=None,
                        help="AIRFLOW_HOME（默认 工作区/.airflow-cluster；对象存储时为 ~/.cache/docgen/airflow-cluster）")
    parser.add_argument("--edge-worker", metavar="NAME", default=None,
                        help="另启动一个 Edge worker（如 township），接收与校验回执两步在其上运行（需 [edge] 依赖）")
    args = parser.parse_args(argv)
    why = edge_reachable() if args.edge_worker else reachable()
    if why:
        print(f"无法启动：{why}", file=sys.stderr)
        return 2
    workspace: Path | str = args.workspace if is_url(args.workspace) else Path(args.workspace).resolve()
    default_home = (Path("~/.cache/docgen/airflow-cluster").expanduser() if isinstance(workspace, str)
                    else workspace / ".airflow-cluster")
    home = args.home or default_home

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `kill PID` stops the cluster as Ctrl-C does, everything cleaned up

    signal.signal(signal.SIGTERM, interrupt)
    with celery_cluster(home.resolve(), workspace, edge_worker=args.edge_worker) as cluster:
        print(f"Airflow 界面：{cluster.api.url}（用户 secretariat，密码见 {home / 'passwords.json'}）")
        print(f"各进程日志：{home}/*.log；Ctrl-C 停止")
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in cluster.processes.values()):
                time.sleep(2)
            print("有进程已退出，停止集群", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
