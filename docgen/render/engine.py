"""What every rendered document shares: finding and loading a template, the sandboxed Jinja
environment, rendering to a file, and the Chinese formatting of numbers and dates.

Templates are data the secretariat edits; unit text is data the units submit. So rendering always uses a
``SandboxedEnvironment`` with autoescaping: a template can only read the context, and whatever a unit
typed (``{{ }}``, ``<``, ``&``) comes out literally and never breaks the document's XML.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from docx.opc.coreprops import CoreProperties
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from ..atomic import replacing
from ..errors import DocgenError
from ..filenames import safe_component
from ..models import RETURNED_BY_REVIEW
from ..resources import templates_dir
from .inplace import InPlaceDocxTemplate
from .paragraphs import CLOSING_STYLES, keep_with_next, style_of

TIMEZONE = ZoneInfo("Asia/Shanghai")
REPO_TEMPLATES = templates_dir()  # the shipped templates: package data in a wheel, else templates/

# Characters XML 1.0 forbids (Excel cells carry \x0b and friends); docxtpl also turns \a and \f into
# paragraph and page breaks, so they must not reach it from unit text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class RenderError(DocgenError):
    """A template is missing, malformed, or asks for a variable the context does not provide."""


# ---------------------------------------------------------------- templates and Jinja


def make_jinja_env() -> SandboxedEnvironment:
    """The only environment templates are rendered (and inspected) with: sandboxed and autoescaping."""
    return SandboxedEnvironment(autoescape=True)


def find_template(
    name: str, template: Path | None = None, workspace_templates: Path | None = None
) -> Path:
    """Which file to render: an explicit path, else the workspace's own copy, else the repository's.

    A workspace overrides a template by putting a file of the same name in its ``templates/`` folder.
    """
    if template is not None:
        candidates = [Path(template)]
    else:
        candidates = []
        if workspace_templates is not None:
            candidates.append(Path(workspace_templates) / name)
        candidates.append(REPO_TEMPLATES / name)
    for path in candidates:
        if path.is_file():
            return path
    if template is not None:
        raise RenderError(f"找不到模板文件 {template}")
    raise RenderError(f"找不到模板 {name}（已查找：{'、'.join(str(p) for p in candidates)}）")


def load_template(path: Path, *, in_place: bool = False) -> DocxTemplate:
    """Open a .docx template, with a Chinese message when it is not a Word file.

    ``in_place``: render large bodies without docxtpl's quadratic move (see ``inplace``).
    """
    try:
        if not in_place:
            return DocxTemplate(str(path))
        tpl = InPlaceDocxTemplate(str(path))
        tpl.settle = settle_for_print  # the body is settled piece by piece as it is written
        return tpl
    except Exception as exc:  # python-docx raises several unrelated types for a bad package
        raise RenderError(f"模板 {path} 不是有效的 Word（.docx）文件：{exc}") from exc


def template_variables(template: Path | DocxTemplate) -> set[str]:
    """The top-level names a template uses, parsed with the same environment rendering uses."""
    tpl = template if isinstance(template, DocxTemplate) else load_template(template)
    try:
        return set(tpl.get_undeclared_template_variables(make_jinja_env()))
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"模板 {_name(tpl)} 中的标记有语法错误：{exc.message}") from exc


@functools.lru_cache(maxsize=16)
def _variables_of_file(path: str, _mtime_ns: int) -> frozenset[str]:
    """Parsing a template's tags costs as much as rendering it: do it once per version of the file."""
    return frozenset(template_variables(Path(path)))


def _variables(tpl: DocxTemplate) -> set[str]:
    path = _name(tpl)
    if path and Path(path).is_file():
        return set(_variables_of_file(path, Path(path).stat().st_mtime_ns))
    return template_variables(tpl)


def check_variables(name: str, variables: Set[str], context: Mapping[str, Any]) -> None:
    """Refuse a template that uses a name the context lacks: a typo in an edited template would
    otherwise vanish silently from every document."""
    unknown = variables - set(context)
    if unknown:
        raise RenderError(
            f"模板 {name} 使用了程序不提供的变量：{'、'.join(sorted(unknown))}。"
            "请检查模板中 {{ }} 标记的拼写。"
        )


# ---------------------------------------------------------------- document properties

PROPERTIES = "document_properties"  # the context key every rendering requires (a DocumentProperties)
PROPERTIES_TIME = time(12, 0)  # an issue date is stamped at noon in the campaign's zone: the same day for readers far east or west


@dataclass(frozen=True)
class DocumentProperties:
    """What Word, WPS and a PDF show as a document's title, author and dates (the package's core properties).

    ``issued``: the 成文日期 (a date: that day at noon in ``timezone``) or, for a receipt, the moment of
    the receipt. Without them every document would show the template's own title (“……（模板）”).
    """

    title: str
    author: str
    issued: date | datetime
    timezone: str | None = None

    @property
    def moment(self) -> datetime:
        """The issue moment in UTC, naive (core properties are written in UTC with a trailing Z)."""
        issued = self.issued
        if not isinstance(issued, datetime):
            issued = datetime.combine(issued, PROPERTIES_TIME, zone(self.timezone))
        return to_local(issued, self.timezone).astimezone(UTC).replace(tzinfo=None)


def properties_of(context: Mapping[str, Any], template: str) -> DocumentProperties:
    """The context's ``document_properties``; a rendering without them is a program error, refused."""
    props = context.get(PROPERTIES)
    if not isinstance(props, DocumentProperties):
        raise RenderError(f"填写模板 {template} 时程序未提供文档属性（标题、作者、日期）")
    return props


def apply_properties(core: Any, props: DocumentProperties) -> None:
    """Set a package's core properties (python-docx's ``CoreProperties`` or its XML element) to ``props``.

    The template's comment (an instruction to whoever edits the template) is not the document's: cleared.
    """
    target = core if isinstance(core, CoreProperties) else CoreProperties(core)
    target.title = clean_text(props.title).replace("\n", "")
    target.author = target.last_modified_by = clean_text(props.author)
    target.comments = ""
    target.created = target.modified = props.moment
    target.revision = 1


def render_to_file(tpl: DocxTemplate, context: Mapping[str, Any], out_path: Path) -> Path:
    """Render and save atomically, so a half-written document never appears in a shared folder.

    Unknown variables are refused up front: a typo in an edited template would otherwise vanish silently.
    The context's ``document_properties`` become the file's title, author and dates.
    """
    check_variables(_name(tpl), _variables(tpl), context)
    props = properties_of(context, _name(tpl))
    env = make_jinja_env()
    try:
        tpl.render(dict(context), env, autoescape=True)
    except jinja2.TemplateError as exc:
        raise RenderError(f"模板 {_name(tpl)} 填写失败：{exc}") from exc
    settle_for_print(tpl.docx.element.body)
    apply_properties(tpl.docx.core_properties, props)
    out_path = Path(out_path)
    with replacing(out_path) as tmp:
        tpl.save(str(tmp))
    return out_path


def _name(tpl: DocxTemplate) -> str:
    return str(getattr(tpl, "template_file", "") or "")


# ---------------------------------------------------------------- typesetting a rendered body

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NO_BREAK_HYPHEN = "\u2011"


def keep_whole(code: object) -> str:
    """A code (DC2026Q2-002, a task number) as a document shows it: its hyphens never end a line.

    The hyphens become U+2011 here and Word's own no-break hyphen (``w:noBreakHyphen``) when the document
    is rendered (``settle_for_print``), so the text read back from the .docx or its PDF still says "-".
    """
    return clean_text(code).replace("-", NO_BREAK_HYPHEN)


def settle_for_print(body: Any) -> None:
    """What a rendered body needs before it is printed: codes kept whole, the 落款 kept with the text.

    * every U+2011 (``keep_whole``) becomes a ``w:noBreakHyphen`` element in its run;
    * the body paragraph just before the 落款 (附件说明 or 发文机关署名) keeps with it (``w:keepNext``), so
      the authority and the date never stand alone at the top of a page;
    * a table's last row never stands alone on a page (``keep_rows``; the templates' tables already
      repeat their header row and have rows that cannot split).
    """
    for t in list(body.iter(_W + "t")):
        if t.text and NO_BREAK_HYPHEN in t.text:
            _split_no_break(t)
    for p in body.iter(_W + "p"):
        if style_of(p) not in CLOSING_STYLES:
            continue
        before = p.getprevious()
        if before is not None and before.tag == _W + "p" and style_of(before) not in CLOSING_STYLES:
            keep_with_next(before)
    for tbl in body.iter(_W + "tbl"):
        keep_rows(tbl)


def keep_rows(tbl: Any, *, header: bool = False) -> None:
    """A table's first and last rows keep company: the row before the last keeps with it, and under a
    header row the first row keeps with the second (Word and LibreOffice keep a row whose paragraphs keep
    with the next on the page of the next row), so neither a header with one row at the foot of a page
    nor a last row alone at the head of one. With ``header``, also what a unit's table needs: no row
    splits across pages, and the first row repeats on each page as a header and stays with the next."""
    rows = tbl.findall(_W + "tr")
    if header:
        for row in rows:
            _row_property(row, "cantSplit")
        if len(rows) > 1:
            _row_property(rows[0], "tblHeader")
            for p in rows[0].iter(_W + "p"):
                keep_with_next(p)
    kept = [rows[-2]] if len(rows) >= 3 else []
    if len(rows) >= 4 and rows[0].find(f"{_W}trPr/{_W}tblHeader") is not None:
        kept.append(rows[1])
    for row in kept:
        for p in row.iter(_W + "p"):
            keep_with_next(p)


# w:trPr's children in schema order (CT_TrPr is a sequence in Word's eyes)
_TRPR_ORDER = ("cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight",
               "tblHeader", "tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange")  # fmt: skip


def _row_property(row: Any, tag: str) -> None:
    trpr = row.find(_W + "trPr")
    if trpr is None:
        trpr = row.makeelement(_W + "trPr", {})
        tblpr_ex = row.find(_W + "tblPrEx")
        row.insert(0 if tblpr_ex is None else row.index(tblpr_ex) + 1, trpr)
    if trpr.find(_W + tag) is not None:
        return
    rank = _TRPR_ORDER.index(tag)
    for i, child in enumerate(trpr):
        name = child.tag.split("}")[-1] if isinstance(child.tag, str) else ""
        if name in _TRPR_ORDER and _TRPR_ORDER.index(name) > rank:
            trpr.insert(i, trpr.makeelement(_W + tag, {}))
            return
    trpr.append(trpr.makeelement(_W + tag, {}))


def _split_no_break(t: Any) -> None:
    """``<w:t>a‑b</w:t>`` → ``<w:t>a</w:t><w:noBreakHyphen/><w:t>b</w:t>`` within the same run."""
    parts = (t.text or "").split(NO_BREAK_HYPHEN)
    t.text = parts[0]
    anchor = t
    for part in parts[1:]:
        hyphen = t.makeelement(_W + "noBreakHyphen", {})
        anchor.addnext(hyphen)
        anchor = hyphen
        if part:
            piece = t.makeelement(_W + "t", {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
            piece.text = part
            anchor.addnext(piece)
            anchor = piece
    if not parts[0]:
        t.getparent().remove(t)


# ---------------------------------------------------------------- formatting


def clean_text(value: object) -> str:
    """Any value as text that is safe in a .docx: None → "", XML-illegal control characters dropped."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _XML_ILLEGAL.sub("", text)


def number_suffix(number: object) -> str:
    """An issuing number as a file name carries it, ``（创建办〔2026〕1号）``; "" when there is none."""
    text = clean_text(number).strip()
    return f"（{safe_component(text, 60)}）" if text else ""


def format_number(value: float, decimals: int = 2) -> str:
    """85.0 → "85", 12.50 → "12.5", 40.25 → "40.3" (one decimal): no needless decimals, no "-0"."""
    # 四舍五入 on the decimal digits shown (40.25 → 40.3), not binary round-half-even (40.2).
    quantum = Decimal(1).scaleb(-decimals)
    text = f"{Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_percent(value: float | None, decimals: int = 1, missing: str = "—") -> str:
    """A percentage as a notice shows it: 85 → "85%", 85.25 → "85.3%", None → "—"."""
    return missing if value is None else f"{format_number(value, decimals)}%"


TimeZone = str | tzinfo | None


def zone(tz: TimeZone = None) -> tzinfo:
    """A time zone from a campaign's setting (an IANA name such as ``Asia/Urumqi``); None is Asia/Shanghai."""
    if tz is None:
        return TIMEZONE
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise RenderError(f"未知的时区 {tz!r}：请在 campaign.yaml 的 timezone 中填写如 Asia/Shanghai 的时区名") from exc


def to_local(moment: datetime, tz: TimeZone = None) -> datetime:
    """A datetime in the campaign's zone (Asia/Shanghai by default); a naive one is taken to be in it already."""
    local = zone(tz)
    return moment.replace(tzinfo=local) if moment.tzinfo is None else moment.astimezone(local)


def format_date(day: date | datetime, tz: TimeZone = None) -> str:
    """2026年11月6日: Arabic numerals, no leading zeros, as GB/T 9704-2012 writes the 成文日期.

    A datetime is first put in ``tz``: 23:30 in Berlin is already the next day in Shanghai.
    """
    if isinstance(day, datetime):
        day = to_local(day, tz).date()
    return f"{day.year}年{day.month}月{day.day}日"


def format_datetime(moment: datetime | None, missing: str = "—", tz: TimeZone = None) -> str:
    """2026年11月5日16:30 in the campaign's zone (Asia/Shanghai by default)."""
    if moment is None:
        return missing
    local = to_local(moment, tz)
    return f"{format_date(local.date())}{local:%H:%M}"


OFFICE_HOURS = (8, 20)  # a clock time a notice may print for "截至": 08:00 to 20:00


def format_as_of(moment: datetime, tz: TimeZone = None) -> str:
    """What "截至…" says of the moment counts were taken: 2026年11月3日09:00 within office hours, else the
    day alone (a run at 01:31 is as of that day, not a time of night nobody works)."""
    local = to_local(moment, tz)
    start, end = OFFICE_HOURS
    if start <= local.hour < end or (local.hour == end and local.minute == 0):
        return format_datetime(local, tz=tz)
    return format_date(local.date())


DEFAULT_CHANNEL = "报送渠道不变，如有疑问请与{secretariat}联系。"


def channel_sentence(channel: str, secretariat: str) -> str:
    """How a unit sends its files, in its own terms: ``submission_channel`` of campaign.yaml as written
    (a sentence, closed with 。), or a default that names no folder."""
    text = clean_text(channel).strip()
    if not text:
        return DEFAULT_CHANNEL.format(secretariat=clean_text(secretariat).strip() or "创建办")
    return text if text[-1] in "。！；" else text + "。"


def today_local(tz: TimeZone = None) -> date:
    """Today in the campaign's zone (the default 成文日期)."""
    return datetime.now(zone(tz)).date()


CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十: for （一） headings (Arabic numerals from 100 on)."""
    if not 0 < n < 100:
        return str(n)
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_NUMERALS[tens - 1]
    return f"{head}十{CHINESE_NUMERALS[ones - 1] if ones else ''}"


# ---------------------------------------------------------------- who reported, as documents name it

# The reporting states a notice names, in the order and words it names them.
NAMED_UNIT_STATES: tuple[tuple[str, str], ...] = (
    ("late", "逾期报送"),
    ("rejected", "报送材料未通过审核"),
    ("missing", "未报送"),
)


def named_unit_groups(units: Sequence[Any]) -> list[dict[str, Any]]:
    """The units a notice names, by reporting state: ``label``, ``count`` and their ``names`` (、-joined)."""
    groups = []
    for state, label in NAMED_UNIT_STATES:
        named = [u for u in units if u.state == state]
        if named:
            names = "、".join(_named(u) for u in named)
            groups.append({"label": label, "count": len(named), "names": names})
    return groups


def _named(unit: Any) -> str:
    """A unit as a notice names it; one whose accepted file the review returned, with the review's comment."""
    name = clean_text(unit.name) or clean_text(unit.code)
    returned = clean_text(getattr(unit, "returned", "") or "")
    return f"{name}（{RETURNED_BY_REVIEW}{returned}）" if returned else name


def who_reported_context(units: Sequence[Any]) -> dict[str, Any]:
    """A notice's 报送情况: how many units were expected, on time, late, returned and missing, and the
    units it names by state (``named_unit_groups``)."""
    def count(state: str) -> int:
        return sum(1 for u in units if u.state == state)

    return {
        "expected_count": len(units),
        "on_time_count": count("on_time"),
        "late_count": count("late"),
        "rejected_count": count("rejected"),
        "missing_count": count("missing"),
        "unit_groups": named_unit_groups(units),
    }


def requirement_lines(requirements: Sequence[str]) -> list[str]:
    """下步要求 as a notice lists them: each cleaned, the empty ones left out."""
    return [r for r in (clean_text(x).strip() for x in requirements) if r]
