"""What the DAG files need at parse time, kept light: no pandas, no rendering, only campaign.yaml.

Airflow parses DAG files continuously, so this module reads one small YAML file and nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import Campaign
from .errors import WorkspaceError

ROOT_ENV = "DOCGEN_ROOT"
DEFAULT_TZ = "Asia/Shanghai"


def workspace_root(variable_getter=None) -> str:
    """The workspace: ``DOCGEN_ROOT`` from the environment, else the Airflow Variable of that name."""
    root = os.environ.get(ROOT_ENV)
    if not root and variable_getter is not None:
        root = variable_getter(ROOT_ENV, default=None)
    if not root:
        raise WorkspaceError("未设置工作区：请设置环境变量 DOCGEN_ROOT，或在 Airflow 中设置同名 Variable")
    return root


def campaign_at_parse_time() -> Campaign | None:
    """The campaign settings if ``DOCGEN_ROOT`` points at a workspace, else None (defaults apply)."""
    root = os.environ.get(ROOT_ENV)
    if not root:
        return None
    try:
        return Campaign.load(Path(root) / "campaign.yaml")
    except WorkspaceError:
        return None


def deadline_cron(cycle: str = "monthly") -> tuple[str, str]:
    """(cron expression, time zone) firing at the cycle's deadline: by default the 5th, 17:00, Shanghai."""
    campaign = campaign_at_parse_time()
    if campaign is None:
        return ("0 17 5 * *", DEFAULT_TZ) if cycle == "monthly" else ("0 17 10 1,4,7,10 *", DEFAULT_TZ)
    d = campaign.deadlines[cycle]
    hour, minute = (int(x) for x in d.time.split(":"))
    months = {"monthly": "*", "quarterly": "1,4,7,10", "annual": str(d.month or 1)}[cycle]
    return f"{minute} {hour} {d.day} {months} *", campaign.timezone
