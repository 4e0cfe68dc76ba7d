"""Run the project's DAGs locally through the Airflow CLI, on an embedded SQLite metadata database.

Used by ``make demo`` and the end-to-end tests. It starts ``airflow`` as a subprocess, so importing this
module needs no Airflow; running it needs the ``[airflow]`` extra.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .resources import dags_dir

DAGS_DIR = dags_dir()  # a source checkout only: the library wheel carries no DAGs
USER = "secretariat"  # the one login of a throwaway Airflow (its password is in AIRFLOW_HOME/passwords.json)


def airflow_env(airflow_home: Path, workspace: Path | str | None = None, dags_folder: Path | None = None) -> dict[str, str]:
    """The environment for a throwaway Airflow: its own home, SQLite database, our DAGs (or those of
    ``dags_folder``: a cycle declared in a package of one's own), no examples."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder or DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / "passwords.json"),
            "AIRFLOW__API_AUTH__JWT_SECRET": _secret(airflow_home),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins_folder(airflow_home)),
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    if workspace is not None:
        env["DOCGEN_ROOT"] = str(workspace)
    return env


PLUGIN_SHIM = "docgen_board.py"


def plugins_folder(airflow_home: Path) -> Path:
    """The home's plugins folder. An installed docgen registers its status board through the
    ``airflow.plugins`` entry point; where that entry point is not installed (a source checkout run
    with ``PYTHONPATH``, an editable install made before the entry point existed) a one-line module
    here loads it instead. Never both: Airflow would refuse the second copy."""
    from importlib.metadata import entry_points  # noqa: PLC0415

    folder = airflow_home / "plugins"
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / PLUGIN_SHIM
    installed = any(e.value.startswith("docgen.") for e in entry_points(group="airflow.plugins"))
    if installed:
        shim.unlink(missing_ok=True)
    elif not shim.exists():
        shim.write_text("from docgen.airflow_board import BoardPlugin  # noqa: F401 - found here by Airflow\n",
                        encoding="utf-8")
    return folder


def _secret(airflow_home: Path) -> str:
    """One signing key per home, so tokens hold across the API server and the CLI of the same home."""
    path = airflow_home / "jwt_secret"
    if not path.exists():
        airflow_home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    return path.read_text(encoding="utf-8")


def password(airflow_home: Path) -> str:
    """The password of ``USER`` in this home (made on first use)."""
    path = airflow_home / "passwords.json"
    if not path.exists():
        airflow_home.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({USER: secrets.token_urlsafe(12)}), encoding="utf-8")
    return json.loads(path.read_text(encoding="utf-8"))[USER]


def _airflow(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "airflow"
    return subprocess.run(
        [str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def migrate(airflow_home: Path, timeout: float = 600) -> None:
    """Create the metadata database (``airflow db migrate``) once per home."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    if (airflow_home / ".migrated").exists():
        return
    done = _airflow(["db", "migrate"], airflow_env(airflow_home), timeout)
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    (airflow_home / ".migrated").touch()


def _dags_test_args(dag_id: str, airflow_home: Path, conf: dict | None) -> list[str]:
    if not DAGS_DIR.is_dir():  # an installed wheel: say so instead of an Airflow error about a dag_id
        raise RuntimeError(f"找不到 DAG 文件夹 {DAGS_DIR}：DAG 只在源代码仓库中提供，请在仓库中运行")
    migrate(airflow_home)
    args = ["dags", "test", dag_id]
    if conf:
        args += ["-c", json.dumps(conf)]
    return args


def dags_test(
    dag_id: str, airflow_home: Path, workspace: Path | str, conf: dict | None = None, timeout: float = 900,
    dags_folder: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``airflow dags test DAG_ID -c CONF``: one whole DAG run in one process, no scheduler."""
    return _airflow(_dags_test_args(dag_id, airflow_home, conf), airflow_env(airflow_home, workspace, dags_folder),
                    timeout)


def start_dags_test(
    dag_id: str, airflow_home: Path, workspace: Path | str, conf: dict | None = None, log: Path | None = None
) -> subprocess.Popen[str]:
    """``dags_test`` in the background: for a run that waits for an answer (an approval) from outside.

    Its output goes to ``log`` (default ``AIRFLOW_HOME/<dag_id>.log``), so a long wait cannot fill a pipe.
    """
    args = _dags_test_args(dag_id, airflow_home, conf)
    out = open(log or airflow_home / f"{dag_id}.log", "w", encoding="utf-8")  # noqa: SIM115 - owned by the child
    exe = Path(sys.executable).parent / "airflow"
    try:
        return subprocess.Popen([str(exe), *args], env=airflow_env(airflow_home, workspace), stdout=out,
                                stderr=subprocess.STDOUT, text=True)
    finally:
        out.close()


class ApiError(RuntimeError):
    """The API server answered with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


class ApiServer:
    """A running ``airflow api-server`` of a throwaway home, and a logged-in client of its REST API."""

    def __init__(self, url: str, token: str, process: subprocess.Popen[str]) -> None:
        self.url = url
        self.token = token
        self.process = process

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = "login",
                raw: bool = False) -> Any:
        """``method path`` with the login's bearer token (``token=None``: anonymous); JSON in and out."""
        headers = {"Accept": "application/json"}
        token = self.token if token == "login" else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - our own local server
                content = resp.read()
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, exc.read().decode("utf-8", "replace")) from exc
        if raw:
            return content
        return json.loads(content) if content else None

    def pending_actions(self, dag_id: str) -> list[dict[str, Any]]:
        """The Required Actions of ``dag_id`` not yet answered."""
        found = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/~/hitlDetails?response_received=false")
        return found.get("hitl_details", [])

    def wait_for_action(self, dag_id: str, timeout: float = 600, process: subprocess.Popen | None = None,
                        since: datetime | None = None) -> dict[str, Any]:
        """The first pending Required Action of ``dag_id`` created after ``since``, once its task waits for
        it: a run's own, not one an earlier run left unanswered.

        Its task must already be in ``awaiting_input``: the action is listed a moment before the task is
        parked, and an answer given in that moment is recorded but does not wake the task (seen with
        Airflow 3.3.2 under ``dags test``: the run then waits for ever)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = [a for a in self.pending_actions(dag_id)
                       if (since is None or datetime.fromisoformat(a["created_at"].replace("Z", "+00:00")) > since)
                       and a.get("task_instance", {}).get("state", "awaiting_input") == "awaiting_input"]
            if pending:
                return pending[0]
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{dag_id} 的运行已结束（退出码 {process.returncode}），没有等待审核的草稿")
            time.sleep(1)
        raise TimeoutError(f"{timeout:.0f} 秒内 {dag_id} 没有等待审核的草稿")

    def respond(self, action: dict[str, Any], option: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Answer a Required Action as the logged-in user (as the Required Actions page does: with ``params``,
        every field of the form is sent, the ones not given empty; Airflow refuses a partial form)."""
        ti = action["task_instance"]
        path = (f"/api/v2/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/{ti['task_id']}/"
                f"{ti['map_index']}/hitlDetails")
        form = {**dict.fromkeys(action.get("params") or {}), **params} if params else {}
        return self.request("PATCH", path, {"chosen_options": [option], "params_input": form})


def run_reviewed(
    dag_id: str, airflow_home: Path, workspace: Path | str, api: ApiServer, conf: dict | None = None, *,
    option: str | None = None, comment: str = "", log: Path | None = None, timeout: float = 900,
    fields: dict[str, Any] | None = None,
) -> tuple[int, str, dict[str, Any] | None]:
    """Run a cycle DAG whose draft waits for review, and answer its Required Action through the REST API
    as the secretariat would on the Required Actions page: ``option`` (签发 or 退回) with ``comment`` (and
    the form's other ``fields``, e.g. ``return_units``).

    (exit code, the run's log, the action as the API listed it); ``option=None``: a DAG that does not ask.
    """
    log = log or airflow_home / f"{dag_id}.log"
    since = datetime.now(UTC)
    process = start_dags_test(dag_id, airflow_home, workspace, conf, log)
    action = None
    try:
        if option is not None:
            action = api.wait_for_action(dag_id, timeout=timeout, process=process, since=since)
            api.respond(action, option, {"comment": comment, **(fields or {})})
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, log.read_text(encoding="utf-8"), action


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def api_server(airflow_home: Path, workspace: Path | str | None = None, port: int | None = None,
               timeout: float = 180, env: dict[str, str] | None = None) -> Iterator[ApiServer]:
    """Start ``airflow api-server`` on localhost for this home (and workspace), log in as ``USER``, and
    stop it afterwards. Its log is ``AIRFLOW_HOME/api-server.log``. ``env``: a whole environment of one's
    own (a cluster's, its database migrated already) instead of the throwaway SQLite one."""
    if env is None:
        migrate(airflow_home)
        env = airflow_env(airflow_home, workspace)
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(env)
    env["AIRFLOW__API__BASE_URL"] = url
    secret = password(airflow_home)
    exe = Path(sys.executable).parent / "airflow"
    with open(airflow_home / "api-server.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen([str(exe), "api-server", "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
    try:
        api = ApiServer(url, "", process)
        deadline = time.monotonic() + timeout
        while True:
            try:
                login = {"username": USER, "password": secret}
                api.token = api.request("POST", "/auth/token", login, token=None)["access_token"]
                break
            except (ApiError, urllib.error.URLError, ConnectionError, json.JSONDecodeError) as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = (airflow_home / "api-server.log").read_text(encoding="utf-8")[-3000:]
                    raise RuntimeError(f"airflow api-server 未能启动：{exc}\n{tail}") from exc
                time.sleep(1)
        yield api
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
