"""The status board as one HTML page: server-side, Chinese, readable on a phone, no script.

Rendered with Jinja2 with autoescaping on (unit names, file names and review comments come from people
and are shown as text, never as markup) from ``docgen/html/board.html``, shipped as package data; a
draft's preview page (手机预览, ``html/preview.html``) likewise. Links are relative to the page (``board?…``,
``file/…``, ``preview/…``), so the pages work wherever the Airflow API server mounts them, behind a proxy's
sub-path too. No Airflow import: the plugin (``airflow_board``) serves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from . import cycles
from .board import STATE_LABELS, STATE_ORDER, Board, DraftInfo
from .links import board_path, preview_path
from .pages import environment

if TYPE_CHECKING:
    from .preview import Preview

@dataclass(frozen=True)
class CycleChoice:
    """One entry of the form's cycle list."""

    name: str
    label: str
    example: str  # how its periods are written




def file_link(board: Board, path: str) -> str:
    """The download link of a file of the board's period outbox, relative to the page."""
    return outbox_link(board.cycle, board.period, path)


def outbox_link(cycle: str, period: str, path: str) -> str:
    """The download link of the file ``path`` of a period's outbox, relative to the board's root."""
    return f"file/{quote(cycle, safe='')}/{quote(period, safe='')}/{quote(path)}"


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
    return environment().get_template("board.html").render(
        board=board, cycle=cycle, period=period, periods=periods, message=message, choices=choices,
        when=when, file_link=file_link, board_link=board_path, preview_path=preview_path, labels=STATE_LABELS,
        order=STATE_ORDER, dag_link=dag_link,
    )


@dataclass(frozen=True)
class PreviewLink:
    """One document on a draft's preview page: its name, its preview and its original's download."""

    name: str
    kind: str  # pdf or html
    view: str
    download: str


PREVIEW_UP = "../../../"  # from ``preview/<cycle>/<period>/<n>`` back to the board's root


def render_preview(preview: Preview, draft: DraftInfo, *, cycle: str, period: str, label: str,
                   outbox: Path, timezone: str) -> str:
    """A draft's preview page (手机预览): its main document and 第 n 稿 as the title, its status, and each
    document's preview (opened in the browser) and original (downloaded). ``label`` names the cycle and
    period in Chinese; ``outbox`` is the period's outbox (the links' paths are relative to it). Links are
    relative to the page, as the board's are."""
    zone = ZoneInfo(timezone)
    here = preview_path(cycle, period, draft.seq)
    base = outbox.resolve()
    links = [PreviewLink(d.source.name, d.kind, f"{PREVIEW_UP}{here}/{quote(d.name, safe='')}",
                         PREVIEW_UP + outbox_link(cycle, period, d.source.relative_to(base).as_posix()))
             for d in preview.documents]
    shown = {d.source.name for d in preview.documents} | {d.file.name for d in preview.documents}
    others = [f for f in draft.files if f.name not in shown]
    main = Path(preview.documents[0].source).stem if preview.documents else label
    return environment().get_template("preview.html").render(
        title=f"{main}（第 {draft.seq} 稿）", draft=draft, label=label, links=links, others=others,
        up=PREVIEW_UP, cycle=cycle, period=period, board_link=board_path, outbox_link=outbox_link,
        created=_local(draft.created_at, zone), decided=_local(draft.decided_at, zone),
    )


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""
