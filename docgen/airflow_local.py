"""Run the project's DAGs locally through the Airflow CLI, on an embedded SQLite metadata database.

Used by ``make demo`` and the end-to-end tests. It starts ``airflow`` as a subprocess, so importing this
module needs no Airflow; running it needs the ``[airflow]`` extra.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .resources import dags_dir

DAGS_DIR = dags_dir()  # a source checkout only: the library wheel carries no DAGs


def airflow_env(airflow_home: Path, workspace: Path | None = None) -> dict[str, str]:
    """The environment for a throwaway Airflow: its own home, SQLite database, our DAGs, no examples."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    if workspace is not None:
        env["DOCGEN_ROOT"] = str(workspace)
    return env


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


def dags_test(
    dag_id: str, airflow_home: Path, workspace: Path, conf: dict | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """``airflow dags test DAG_ID -c CONF``: one whole DAG run in one process, no scheduler."""
    if not DAGS_DIR.is_dir():  # an installed wheel: say so instead of an Airflow error about a dag_id
        raise RuntimeError(f"找不到 DAG 文件夹 {DAGS_DIR}：DAG 只在源代码仓库中提供，请在仓库中运行")
    migrate(airflow_home)
    args = ["dags", "test", dag_id]
    if conf:
        args += ["-c", json.dumps(conf)]
    return _airflow(args, airflow_env(airflow_home, workspace), timeout)
