"""Paragraph properties both the template engine and the streamed notice body set (WordprocessingML)."""

from __future__ import annotations

from typing import Any

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# The 落款 of a 公文 as the templates style it (tests/test_templates.py checks they define these): the 附件说明 when there is one,
# else the 发文机关署名; each keeps with the next, so the whole block ends at the 成文日期.
CLOSING_STYLES = ("GongwenAttachmentNote", "GongwenSignature")


def style_of(p: Any) -> str | None:
    """The style id of paragraph ``p`` (None: the default style)."""
    style = p.find(f"{_W}pPr/{_W}pStyle")
    return None if style is None else style.get(_W + "val")


def keep_with_next(p: Any) -> None:
    """Give paragraph ``p`` keep-with-next (``w:keepNext`` in its properties, at its schema place)."""
    _keep(p, "keepNext")


def keep_together(p: Any) -> None:
    """Keep paragraph ``p``'s lines on one page (``w:keepLines``)."""
    _keep(p, "keepLines")


def _keep(p: Any, name: str) -> None:
    ppr = p.find(_W + "pPr")
    if ppr is None:
        ppr = p.makeelement(_W + "pPr", {})
        p.insert(0, ppr)
    if ppr.find(_W + name) is not None:
        return
    # schema order: pStyle, keepNext, keepLines, …
    after = [ppr.find(_W + n) for n in ("pStyle", "keepNext")[: 1 if name == "keepNext" else 2]]
    at = max((ppr.index(e) + 1 for e in after if e is not None), default=0)
    ppr.insert(at, ppr.makeelement(_W + name, {}))
