"""Addresses of the status board's pages, relative to where the board is served (``/docgen``): the board
page builds its links from them and messages make them absolute with ``delivery.board_url``."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def board_path(cycle: str, period: str) -> str:
    """The board of one cycle and period."""
    return "board?" + urlencode({"cycle": cycle, "period": period})


def preview_path(cycle: str, period: str, seq: int) -> str:
    """The phone preview of draft ``seq`` of (cycle, period)."""
    return f"preview/{quote(cycle)}/{quote(period)}/{int(seq)}"
