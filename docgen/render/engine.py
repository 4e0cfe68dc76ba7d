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
from ..resources import templates_dir
from .inplace import InPlaceDocxTemplate

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
        return (InPlaceDocxTemplate if in_place else DocxTemplate)(str(path))
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
    apply_properties(tpl.docx.core_properties, props)
    out_path = Path(out_path)
    with replacing(out_path) as tmp:
        tpl.save(str(tmp))
    return out_path


def _name(tpl: DocxTemplate) -> str:
    return str(getattr(tpl, "template_file", "") or "")


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
            names = "、".join(clean_text(u.name) or clean_text(u.code) for u in named)
            groups.append({"label": label, "count": len(named), "names": names})
    return groups
