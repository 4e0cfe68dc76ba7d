"""GB/T 9704-2012 pieces every official document shares: the 发文机关标志 fitted to the type area, and the
name of the clock a document's times are in. The layout itself (版头, page numbers, named styles) lives in
the committed templates; this is only what must be computed per document.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
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


# ---------------------------------------------------------------- the 公文标题, split by meaning

TITLE_PT = 22.0  # 2号小标宋
# 20 full-width characters of 2号 fill the 156 mm type area (440 of 442 pt): half a character is kept free
# for the renderer's own spacing, so a line this function measures as fitting never wraps by itself.
TITLE_LINE_UNITS = int(TYPE_WIDTH_PT // TITLE_PT) - 0.5
# Words of campaign titles that a segmenter's dictionary may cut (民族团结 / 进步) but a title never does.
KNOWN_PHRASES = (
    "民族团结进步", "全国文明城市", "文明城市", "卫生城市", "示范区", "示范市", "示范州", "示范县", "示范单位",
    "领导小组", "的通报", "的通知", "的报告", "的决定", "的意见", "的批复", "的函",
)  # fmt: skip
# Dates stay whole (2026年10月, 11月6日); a period's own name comes in ``keep``.
_WHOLE = re.compile(r"\d+年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")
_OPENERS = ("关于",)  # a break right after these reads naturally
_GLUED_FORWARD = frozenset("的和与及并")  # stays with the word after it: …情况/的通报, …自评表/和年度工作总结
_MAX_LAYOUTS = 50_000  # layouts weighed per line count; a title past that (a very long name) is filled greedily
_SHORT_LINE = 4.0  # units: a line shorter than this (“的通报” alone) is a widow of the title


def text_units(text: str) -> float:
    """Width in full-width characters: CJK and full-width forms 1, Latin letters and digits ½, and ¼ for
    each change between the two (the space Word, WPS and LibreOffice put between Chinese and digits)."""
    wide = [unicodedata.east_asian_width(c) in "WFA" for c in text]
    changes = sum(1 for a, b in itertools.pairwise(wide) if a != b)
    return sum(1.0 if w else 0.5 for w in wide) + 0.25 * changes


@functools.lru_cache(maxsize=1)
def _segmenter() -> Any:
    """jieba's tokenizer with its shipped dictionary, read in this process (about a second, once).

    Built here rather than by ``Tokenizer.initialize``, which reads and writes a cache file in the shared
    temporary folder: a file another user may own (then it logs a traceback) or may have written.
    """
    import jieba  # noqa: PLC0415 - only a long title needs it

    tokenizer = jieba.Tokenizer()
    with tokenizer.get_dict_file() as words:
        tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(words)
    tokenizer.initialized = True
    return tokenizer


def _spans(text: str, phrases: Iterable[str], max_units: float) -> list[tuple[int, int]]:
    """Where the phrases that must stay whole (and fit a line) occur in ``text``."""
    spans = [(m.start(), m.end()) for m in _WHOLE.finditer(text)]
    for phrase in phrases:
        if not phrase or text_units(phrase) > max_units:
            continue
        start = text.find(phrase)
        while start >= 0:
            spans.append((start, start + len(phrase)))
            start = text.find(phrase, start + 1)
    return spans


def _break_points(text: str, keep: Sequence[str], max_units: float) -> list[int]:
    """Offsets between words where a line may end: the segmenter's word boundaries, but not before a lone
    character (市, 表: a suffix of the word before) nor after 的 or a conjunction; the edges of a phrase
    kept whole are boundaries, its inside is not."""
    words = list(_segmenter().cut(text, HMM=False))
    points: set[int] = set()
    glued: set[int] = set()
    offset = 0
    for word in words:
        if word in _GLUED_FORWARD:
            glued.add(offset + len(word))
        elif len(word) == 1 and unicodedata.east_asian_width(word) == "W":
            glued.add(offset)
        offset += len(word)
        points.add(offset)
    points -= glued
    spans = _spans(text, (*keep, *KNOWN_PHRASES), max_units)
    for start, end in spans:
        points |= {start, end}
    for start, end in spans:
        points -= set(range(start + 1, end))
    return sorted(points - {0, len(text)})


def _cost(text: str, cuts: Sequence[int], lines: list[str]) -> float:
    widths = [text_units(line) for line in lines]
    longest = max(widths)
    cost = sum((longest - w) ** 2 for w in widths)  # lines of similar length
    if len(lines) > 1:
        if widths[-1] > max(widths[:-1]) + 0.5:
            cost += 40  # the longest line first (梯形) or in the middle (菱形), not last
        cost += sum(50 for w in widths if w < _SHORT_LINE)  # no one-word line
        cost -= sum(8 for cut in cuts if text[:cut].endswith(_OPENERS))
    return cost


def split_title(title: str, keep: Sequence[str] = (), max_units: float = TITLE_LINE_UNITS) -> list[str]:
    """A 公文标题 in lines that fit the type area, broken only between words (GB/T 9704-2012 7.3.3).

    ``keep``: phrases that stay on one line when they fit one (the campaign's name, the period). Words
    come from the ``jieba`` segmenter, together with ``KNOWN_PHRASES`` and dates kept whole; among the
    layouts with the fewest lines (or one more), the one with lines of most similar length wins, the
    longest first or in the middle (梯形/菱形), with no line of a single short word.
    """
    title = title.strip()
    if text_units(title) <= max_units:
        return [title]
    for phrases in (keep, ()):
        points = _break_points(title, phrases, max_units)
        fewest = math.ceil(text_units(title) / max_units)
        best: tuple[float, list[str]] | None = None
        for count in range(fewest, min(fewest + 2, len(points) + 2)):
            if math.comb(len(points), count - 1) > _MAX_LAYOUTS:
                continue
            for cuts in itertools.combinations(points, count - 1):
                bounds = (0, *cuts, len(title))
                lines = [title[a:b] for a, b in itertools.pairwise(bounds)]
                if any(text_units(line) > max_units for line in lines):
                    continue
                cost = _cost(title, cuts, lines) + 100 * (count - fewest)  # fewer lines first
                if best is None or cost < best[0]:
                    best = (cost, lines)
        if best is not None:
            return best[1]
    return _fill(title, [*_break_points(title, (), max_units), len(title)], max_units)


def _fill(title: str, points: Sequence[int], max_units: float) -> list[str]:
    """Lines filled to the width, broken at ``points`` (between words) where one fits, else (a word longer
    than a line) inside it, as a word processor would."""
    lines, start = [], 0
    while text_units(title[start:]) > max_units:
        fitting = [p for p in points if start < p and text_units(title[start:p]) <= max_units]
        end = fitting[-1] if fitting else start + 1
        while not fitting and end < len(title) and text_units(title[start : end + 1]) <= max_units:
            end += 1
        lines.append(title[start:end])
        start = end
    return [*lines, title[start:]]


class TitleLines:
    """The 公文标题 as one run (``{{r title }}``) with a line break (``w:br``) between its lines."""

    def __init__(self, title: str, keep: Sequence[str] = (), max_units: float = TITLE_LINE_UNITS) -> None:
        self.text = title
        self.lines = split_title(title, keep, max_units)

    def __html__(self) -> str:
        parts = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in self.lines)
        return f"<w:r>{parts}</w:r>"

    def __str__(self) -> str:
        return self.text


# ---------------------------------------------------------------- 版记 and what every 公文 carries


def official_context(
    *, title: str, keep: Sequence[str], secretariat: str, cc: Sequence[str], printed_by: str,
    issued: date, timezone: str | None,
) -> dict[str, Any]:
    """What every 公文 template takes besides its own content: the title in lines (``title``), the 版记
    (``cc_text``: 抄送 names joined by ，, empty for no 抄送 line; ``printed_by``; ``printed_date_text``: the
    成文日期) and the file's properties (title, author = the secretariat, dates = the issue date)."""
    from .engine import PROPERTIES, DocumentProperties, clean_text, format_date  # noqa: PLC0415 - engine imports docx

    title = clean_text(title)
    names = [name for name in (clean_text(c).strip() for c in cc) if name]
    return {
        "title": TitleLines(title, [clean_text(k) for k in keep]),
        "cc_text": "，".join(names),
        "printed_by": clean_text(printed_by) or clean_text(secretariat),
        "printed_date_text": format_date(issued),
        PROPERTIES: DocumentProperties(title, clean_text(secretariat), issued, timezone),
    }


def report_official_context(report: Any, title: str) -> dict[str, Any]:
    """``official_context`` for a cycle's report (any: they all carry ``campaign``, ``period_label``,
    ``secretariat``, ``cc``, ``printed_by``, ``issue_date`` and ``timezone``); the campaign's name and the
    period stay whole in the title's lines."""
    from .engine import today_local, zone  # noqa: PLC0415 - engine imports docx

    return official_context(
        title=title, keep=(report.campaign, report.period_label), secretariat=report.secretariat, cc=report.cc,
        printed_by=report.printed_by, issued=report.issue_date or today_local(zone(report.timezone)),
        timezone=report.timezone,
    )  # fmt: skip
