"""What the DAG files need at parse time, kept light: no pandas, no rendering, only campaign.yaml.

Airflow parses DAG files continuously, so this module reads one small YAML file and nothing else.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from .config import Campaign
from .errors import WorkspaceError
from .periods import DEADLINE_MONTHS

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


def deadline_cron(cycle: str) -> tuple[str, str]:
    """(cron expression, time zone) firing at the cycle's deadline from ``campaign.yaml``, else the defaults."""
    campaign = campaign_at_parse_time()
    deadlines = campaign.deadlines if campaign else Campaign.__dataclass_fields__["deadlines"].default_factory()  # type: ignore[misc]
    d = deadlines[cycle]
    hour, minute = (int(x) for x in d.time.split(":"))
    months = DEADLINE_MONTHS.get(cycle, str(d.month or 1))
    return f"{minute} {hour} {d.day} {months} *", campaign.timezone if campaign else DEFAULT_TZ


def approval_at_parse_time() -> tuple[bool, float]:
    """(whether drafts wait for the secretariat's review, the response timeout in hours) from
    ``campaign.yaml``, else the defaults (required, 72 hours)."""
    campaign = campaign_at_parse_time()
    approval, hours = (campaign.approval, campaign.approval_timeout_hours) if campaign else (
        Campaign.approval, Campaign.approval_timeout_hours)
    return approval == "required", hours


def run_moment(context: Any) -> datetime:
    """The moment a daily DAG run acts as of: its ``as_of`` param when given (a catch-up or a demo), else
    when the run was due."""
    given = (context.get("params") or {}).get("as_of")
    return datetime.fromisoformat(given) if given else context["dag_run"].run_after
