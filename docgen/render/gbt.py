"""GB/T 9704-2012 pieces every official document shares: the 发文机关标志 fitted to the type area, and the
name of the clock a document's times are in. The layout itself (版头, page numbers, named styles) lives in
the committed templates; this is only what must be computed per document.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from xml.sax.saxutils import escape

ISSUER_PT = 26.0  # the size of the templates' 发文机关标志 style
TYPE_WIDTH_PT = 156 / 25.4 * 72  # GB/T 9704-2012 type area
MIN_ISSUER_SCALE = 60  # % width: below this a 小标宋 mark gets hard to read, so the size shrinks too


# Zones whose clock China calls 北京时间; any other campaign zone is named in the notice.
BEIJING_TIME_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"})


def time_zone_text(tz: str) -> str:
    """How the notice names the clock its times are in: 北京时间, or the campaign's zone by name."""
    return "北京时间" if tz in BEIJING_TIME_ZONES else f"当地时间（时区{tz}）"


class IssuerMark:
    """The 发文机关标志 ("××文件") as one run (``{{r issuer_mark }}``), condensed to fit on one line.

    A long authority (青禾市创建全国民族团结进步示范市工作领导小组办公室文件: 26 characters of 26 pt) does
    not fit the 156 mm type area and would wrap in the middle of a word; official practice narrows the
    characters (Word's 字符缩放, ``w:w``) instead, and shrinks the size only when that is not enough.
    """

    def __init__(self, text: str, size_pt: float = ISSUER_PT) -> None:
        self.text = text
        width = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text) or 1.0
        room = (TYPE_WIDTH_PT - 4) / (width * size_pt)  # a little slack for the renderer's rounding
        self.scale = min(100, int(room * 100))
        self.size_pt = size_pt
        if self.scale < MIN_ISSUER_SCALE:
            self.scale = MIN_ISSUER_SCALE
            self.size_pt = int(room * size_pt / (MIN_ISSUER_SCALE / 100) * 2) / 2

    def __html__(self) -> str:
        props = ""
        if self.scale < 100:
            props += f'<w:w w:val="{self.scale}"/>'
        if self.size_pt != ISSUER_PT:
            half_points = round(self.size_pt * 2)
            props += f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
        rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
        return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(self.text)}</w:t></w:r>'

    def __str__(self) -> str:
        return self.text


def issuer_size(tpl: Any) -> float:
    """The font size of the template's 发文机关标志 style (a secretariat may have changed it in Word)."""
    try:
        size = tpl.get_docx().styles["发文机关标志"].font.size
    except KeyError:
        return ISSUER_PT
    return size.pt if size is not None else ISSUER_PT
