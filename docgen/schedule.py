"""What the DAG files need at parse time, kept light: no pandas, no rendering, only campaign.yaml.

Airflow parses DAG files continuously, so this module reads one small YAML file and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import cycles
from .config import NO_SETTINGS, Campaign
from .errors import DocgenError, WorkspaceError
from .periods import Calendar

ROOT_ENV = "DOCGEN_ROOT"
DEFAULT_TZ = Campaign.timezone


def workspace_root(variable_getter: Callable[..., Any] | None = None) -> str:
    """The workspace: ``DOCGEN_ROOT`` from the environment, else the Airflow Variable of that name.

    The same answer at parse time (schedules, review settings) and at run time: both ask here. Without
    ``variable_getter`` the Variable is looked up through Airflow when it is installed.
    """
    root = os.environ.get(ROOT_ENV) or _variable(ROOT_ENV, variable_getter)
    if not root:
        raise WorkspaceError("未设置工作区：请设置环境变量 DOCGEN_ROOT，或在 Airflow 中设置同名 Variable")
    return root


def _variable(name: str, getter: Callable[..., Any] | None) -> str | None:
    if getter is None:
        try:
            from airflow.sdk import Variable  # noqa: PLC0415 - the library works without Airflow
        except ImportError:
            return None
        getter = Variable.get
    try:
        return getter(name, default=None)
    except Exception:  # noqa: BLE001 - no metadata database while parsing: the defaults apply, as without a workspace
        return None


def campaign_at_parse_time() -> Campaign | None:
    """The campaign settings if the workspace is set (environment or Variable) and readable, else None
    (defaults apply; the run itself says what is wrong)."""
    from .workspace import Workspace  # noqa: PLC0415 - the state layer only when a DAG file is parsed

    try:
        return Workspace(workspace_root()).campaign  # a bucket's settings are read through its local face
    except (DocgenError, OSError):  # unreadable, or a bucket out of reach: the run itself says what is wrong
        return None




def timezone_at_parse_time() -> str:
    """The campaign's time zone, else the default (Asia/Shanghai): daily DAGs run on the campaign's clock."""
    return (campaign_at_parse_time() or NO_SETTINGS).timezone


def calendar_at_parse_time(cycle: str) -> Calendar:
    """The cycle's calendar under ``campaign.yaml``, else under the defaults: what its DAG's schedule and
    period parameter follow."""
    return cycles.get(cycle).calendar(campaign_at_parse_time() or NO_SETTINGS)


def approval_at_parse_time() -> tuple[bool, float]:
    """(whether drafts wait for the secretariat's review, the response timeout in hours) from
    ``campaign.yaml``, else the defaults (required, 72 hours)."""
    campaign = campaign_at_parse_time() or NO_SETTINGS
    return campaign.approval == "required", campaign.approval_timeout_hours


def run_moment(context: Any) -> datetime:
    """The moment a daily DAG run acts as of: its ``as_of`` param when given (a catch-up or a demo), else
    when the run was due."""
    given = (context.get("params") or {}).get("as_of")
    return datetime.fromisoformat(given) if given else context["dag_run"].run_after
