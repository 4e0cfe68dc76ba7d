"""Where secrets come from (a delivery channel's, a bucket's): an Airflow connection, found the way Airflow finds one.

First the environment (``AIRFLOW_CONN_<ID>``, as a URI or as JSON: Airflow's own convention, so the same
variable serves the library without Airflow and the DAGs); then, inside Airflow, its connections (the
metadata database or a secrets backend). Never ``campaign.yaml``, which names the connection only.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import DocgenError


class MissingSecret(DocgenError):
    """The connection a channel names exists nowhere: the channel cannot send."""


@dataclass(frozen=True)
class Conn:
    """The fields of an Airflow connection a channel reads."""

    conn_id: str
    host: str = ""
    port: int | None = None
    login: str = ""
    password: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def env_name(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def connection(conn_id: str) -> Conn:
    """The connection ``conn_id``; ``MissingSecret`` (in Chinese, saying where to put it) when none is found."""
    value = os.environ.get(env_name(conn_id))
    if value:
        return parse(conn_id, value)
    found = _from_airflow(conn_id)
    if found is not None:
        return found
    raise MissingSecret(f"找不到连接 {conn_id}：请在 Airflow 的 Connections（连接）中添加，"
                        f"或设置环境变量 {env_name(conn_id)}")


def parse(conn_id: str, value: str) -> Conn:
    """A connection written as JSON (``{"host": …, "password": …, "extra": {…}}``) or as a URI
    (``smtp://user:password@host:587?from_email=…``: the query is the extra)."""
    value = value.strip()
    if value.startswith("{"):
        try:
            raw = json.loads(value)
        except json.JSONDecodeError as exc:
            raise MissingSecret(f"环境变量 {env_name(conn_id)} 不是有效的 JSON：{exc.msg}") from None
        extra = raw.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra or "{}")
        return Conn(conn_id, host=str(raw.get("host") or ""), port=int(raw["port"]) if raw.get("port") else None,
                    login=str(raw.get("login") or ""), password=str(raw.get("password") or ""), extra=dict(extra))
    parts = urlsplit(value)
    if not parts.scheme:
        raise MissingSecret(f"环境变量 {env_name(conn_id)} 应为连接 URI（如 smtp://用户:密码@主机:端口）或 JSON")
    extra = dict(parse_qsl(parts.query))
    if "__extra__" in extra:
        extra = json.loads(extra["__extra__"])
    host = parts.hostname or ""
    if parts.scheme in ("http", "https") and host:  # a web address keeps its scheme (the robots' base URL)
        host = f"{parts.scheme}://{host}"
    return Conn(conn_id, host=host, port=parts.port, login=unquote(parts.username or ""),
                password=unquote(parts.password or ""), extra=extra)


def _from_airflow(conn_id: str) -> Conn | None:
    """The connection from Airflow's own lookup, where Airflow is installed and answers; else None."""
    try:
        from airflow.sdk import Connection  # noqa: PLC0415 - only where Airflow is installed
    except ImportError:
        return None
    try:
        found = Connection.get(conn_id)
    except Exception:  # noqa: BLE001 - outside a task, or no such connection: the caller says it is missing
        return None
    if found is None:
        return None
    host = found.host or ""
    if found.conn_type in ("http", "https") and host and "://" not in host:
        host = f"{found.conn_type}://{host}"
    return Conn(conn_id, host=host, port=found.port, login=found.login or "", password=found.password or "",
                extra=dict(found.extra_dejson or {}))
