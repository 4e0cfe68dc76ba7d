"""Addresses of the status board's pages, relative to the board's root (``/docgen``): the pages build
their links from them, and messages make them absolute with ``delivery.board_url``."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def board_path(cycle: str, period: str) -> str:
    """The board of one cycle and period."""
    return "board?" + urlencode({"cycle": cycle, "period": period})


def preview_path(cycle: str, period: str, seq: int) -> str:
    """The page of a draft's preview (手机预览): ``preview/<cycle>/<period>/<n>``, quoted."""
    return f"preview/{quote(cycle, safe='')}/{quote(period, safe='')}/{int(seq)}"
