"""The status board as one HTML page: server-side, Chinese, readable on a phone, no script.

Rendered with Jinja2 with autoescaping on (unit names, file names and review comments come from people
and are shown as text, never as markup) from ``docgen/html/board.html``, shipped as package data. Links
are relative to the page (``board?…``, ``file/…``), so the page works wherever the Airflow API server
mounts it, behind a proxy's sub-path too. No Airflow import: the plugin (``airflow_board``) serves it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import cycles
from .board import STATE_LABELS, STATE_ORDER, Board

HTML_DIR = Path(__file__).resolve().parent / "html"


@dataclass(frozen=True)
class CycleChoice:
    """One entry of the form's cycle list."""

    name: str
    label: str
    example: str  # how its periods are written


@functools.cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HTML_DIR), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["size"] = _size
    return env


def _size(n: int) -> str:
    """1536 → 1.5 KB: a file's size as people read it."""
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def file_link(board: Board, path: str) -> str:
    """The download link of a file of the board's period outbox, relative to the page."""
    return f"file/{quote(board.cycle)}/{quote(board.period)}/{quote(path)}"


def board_link(cycle: str, period: str) -> str:
    """The page of another cycle or period, relative to the page."""
    return "board?" + urlencode({"cycle": cycle, "period": period})


def render_page(board: Board | None, *, cycle: str, period: str, periods: list[str],
                message: str | None = None, dag_link: str | None = None) -> str:
    """The whole page: the form (``cycle``/``period`` as asked), then the board, or ``message`` (Chinese)
    when there is no board to show (a bad request, a workspace not set)."""
    zone = ZoneInfo(board.timezone) if board else None

    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return (moment.astimezone(zone) if zone else moment).strftime("%Y-%m-%d %H:%M")

    choices = [CycleChoice(c.name, c.label, c.period_example) for c in cycles.declared().values()]
    return _environment().get_template("board.html").render(
        board=board, cycle=cycle, period=period, periods=periods, message=message, choices=choices,
        when=when, file_link=file_link, board_link=board_link, labels=STATE_LABELS, order=STATE_ORDER,
        dag_link=dag_link,
    )
