"""The templates: the committed ``templates/*.docx`` are the one source (a secretariat edits them in Word or
WPS; no program writes them), so these tests check what rendering relies on, never their wording: every
template renders with the context the program really builds for it (``SAMPLES``), uses only variables that
context provides, has its tags where docxtpl sees them, defines the styles it and the program use, names the
official fonts and no theme font, and keeps the GB/T 9704 page, page numbers and (a 公文) the 版记.

Every file in ``templates/`` is checked: a new template must be registered in ``SAMPLES`` (the template's file
→ the documents that render it from a sample report), or ``test_every_template_is_registered`` fails naming
it. The variables each template receives are listed in ``docs/templates.md`` from the same contexts
(``test_the_variables_each_template_receives_are_documented``).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Mm
from docxtpl import DocxTemplate, InlineImage

from docgen import cycles
from docgen.cycle import Document
from docgen.cycles.annual import documents as annual
from docgen.pipeline import run_cycle
from docgen.reminders import reminder_context
from docgen.render import REPO_TEMPLATES, check_variables, receipt_context, template_variables
from docgen.render import volume as volume_render
from docgen.render.document import Canvas
from docgen.render.engine import CLOSING_STYLES, PROPERTIES, DocumentProperties, load_template, render_to_file
from docgen.render.faces import OFFICIAL_FONTS

from .builders.special import make_special_report
from .test_annual_documents import make_report as make_annual_report
from .test_quarterly_documents import make_report as make_quarterly_report
from .test_reminders import make_reminder
from .test_render import make_receipt
from .test_render import make_report as make_monthly_report
from .test_weekly_rules import sample_reports

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "templates.md"
TEMPLATES = sorted(p.name for p in REPO_TEMPLATES.glob("*.docx"))


# ---------------------------------------------------------------- each template's real contexts


def declared(cycle: str, report: Any) -> list[Document]:
    """The documents a cycle issues for ``report``, as a run renders them (its own context functions)."""
    return cycles.get(cycle).documents(report)


def make_weekly_report() -> Any:
    """The 2026-W49 report of the weekly rules' tests, numbered as an issue would number it."""
    weekly = cycles.get("weekly")
    report = weekly.build(sample_reports().inputs("2026-W49"))
    return weekly.with_numbers(report, {"dispatch": "创建办调〔2026〕3号"}, date(2026, 12, 7))


def make_monthly_report_with_counties() -> Any:
    """The monthly sample of a city that drills down into its counties (levels.drill)."""
    from docgen.cycles.monthly.report import LowerLevel, LowerTask  # noqa: PLC0415

    county = LowerLevel("XQ01", "甲县创建办", late_units=["县教育局"], missing_units=["城关街道办事处"],
                        lagging=[LowerTask("T03", "建设石榴籽家园", "青禾镇人民政府", "进度滞后")])
    return replace(make_monthly_report(), lower_levels=[county, LowerLevel("XQ02", "乙县创建办")])


def sample(template: str, context: dict[str, Any]) -> Document:
    """A document outside the cycles (a receipt, a reminder, the volume's cover) with its real context."""
    return Document(f"样例-{template}", template=template, context=lambda _canvas: context)


def _cover() -> dict[str, Any]:
    """The volume's cover, as ``compose_volume`` fills it: ``COVER_FIELDS`` and the document's properties."""
    return {**dict.fromkeys(volume_render.COVER_FIELDS, "样例"),
            PROPERTIES: DocumentProperties("样例", "样例", date(2026, 1, 20))}


# A template's file → the documents that render it from sample reports. A template added to templates/
# needs its line here (the function may return documents of other templates too: they are filtered).
SAMPLES: dict[str, Callable[[], list[Document]]] = {
    "monthly_notice.docx": lambda: [*declared("monthly", make_monthly_report()),
                                    *declared("monthly", make_monthly_report_with_counties())],
    "quarterly_notice.docx": lambda: declared("quarterly", make_quarterly_report()),
    "rectification_notice.docx": lambda: declared("quarterly", make_quarterly_report()),
    "acceptance_report.docx": lambda: declared("annual", make_annual_report()),
    "weekly_dispatch.docx": lambda: declared("weekly", make_weekly_report()),
    "special_notice.docx": lambda: declared("special", make_special_report()),
    "special_rectification.docx": lambda: declared("special", make_special_report()),
    "receipt.docx": lambda: [sample("receipt.docx", receipt_context(make_receipt(ok))) for ok in (True, False)],
    "reminder.docx": lambda: [sample("reminder.docx", reminder_context(make_reminder(overdue=late)))
                              for late in (False, True)],  # fmt: skip
    "volume.docx": lambda: [sample("volume.docx", _cover())],
}
# Templates committed only (a cycle added after tools/make_templates.py, which does not write them).
COMMITTED_ONLY = {"special_notice.docx", "special_rectification.docx"}


def unregistered(name: str) -> str:
    return (f"templates/{name} has no sample context: add it to SAMPLES in tests/test_templates.py "
            "(the template's file → a function returning the documents that render it from a sample report)")


@dataclass
class Rendering:
    """One document of a template, about to be rendered: the loaded template and the context built on it."""

    name: str
    template: DocxTemplate
    context: dict[str, Any]


@pytest.fixture(scope="module")
def contexts(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[Rendering]]:
    """The renderings of a template, each built as ``render_document`` builds it (charts drawn), once."""
    scratch = tmp_path_factory.mktemp("pictures")
    made: dict[str, list[Rendering]] = {}

    def of(name: str) -> list[Rendering]:
        if name not in SAMPLES:
            pytest.fail(unregistered(name))
        if name not in made:
            documents = [d for d in SAMPLES[name]() if d.template == name and d.context is not None]
            assert documents, f"SAMPLES[{name!r}] returns no document rendered from templates/{name}"
            made[name] = []
            for document in documents:
                assert document.context is not None
                tpl = load_template(REPO_TEMPLATES / name, in_place=document.in_place)
                made[name].append(Rendering(document.file_name, tpl, document.context(Canvas(tpl, None, scratch))))
        return made[name]

    return of


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_is_registered(name: str) -> None:
    assert name in SAMPLES, unregistered(name)


def test_every_registered_template_exists() -> None:
    assert sorted(set(SAMPLES) - set(TEMPLATES)) == []


# ---------------------------------------------------------------- reading a template

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
TAG_PIECES = ("{{", "}}", "{%", "%}", "{#", "#}")
BLOCK_TAG = re.compile(r"(?:\{\{|\{%)(p|tr|tc|r) ")  # docxtpl's paragraph, row, cell and run tags
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def word_parts(path: Path) -> dict[str, Any]:
    """The parsed parts whose text docxtpl renders: the body, headers and footers."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
        return {n: parse_xml(z.read(n)) for n in names}


def formatting_parts(path: Path) -> dict[str, Any]:
    """The parts Word, WPS and LibreOffice take fonts from: the text parts, the styles and the numbering."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if re.fullmatch(r"word/(document|header\d*|footer\d*|styles|numbering)\.xml", n)]
        return {n: parse_xml(z.read(n)) for n in names}


def text_of(element: Any) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def is_official(renderings: Sequence[Rendering]) -> bool:
    """A 公文 (版头, 版记): its context carries the 发文机关标志, as every 公文's header gives it."""
    return any("issuer_mark" in r.context for r in renderings)


# ---------------------------------------------------------------- tags and variables


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_jinja_tag_is_split_across_runs(name: str) -> None:
    """docxtpl sees a tag only when it is whole in one w:t; Word splits a tag typed over several runs."""
    for part, root in word_parts(REPO_TEMPLATES / name).items():
        for p in root.iter(f"{W}p"):
            texts = [t.text or "" for t in p.iter(f"{W}t")]
            whole = TAG.findall("".join(texts))
            assert [tag for text in texts for tag in TAG.findall(text)] == whole, (part, whole)
            for text in texts:
                rest = TAG.sub("", text)
                assert not any(piece in rest for piece in TAG_PIECES), (part, text)


@pytest.mark.parametrize("name", TEMPLATES)
def test_block_tags_stand_alone_in_what_they_replace(name: str) -> None:
    """docxtpl replaces the whole paragraph of a ``{%p`` / ``{{p`` tag, the whole row of a ``{%tr``, the whole
    run of a ``{{r`` by the tag alone: any other text there would silently vanish from every document."""
    found = 0
    for part, root in word_parts(REPO_TEMPLATES / name).items():
        for kind in ("p", "tr", "tc", "r"):  # each replaces the element of its name: w:p, w:tr, w:tc, w:r
            for element in root.iter(f"{W}{kind}"):
                tags = [t for t in TAG.findall(text_of(element)) if (m := BLOCK_TAG.match(t)) and m[1] == kind]
                if tags:
                    found += 1
                    assert len(tags) == 1 and text_of(element).strip() == tags[0], (part, kind, text_of(element))
    assert found or name == "volume.docx"  # the volume's cover has only plain tags


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_variable_is_provided_by_the_real_context(name: str, contexts: Callable[[str], list[Rendering]]) -> None:
    needed = template_variables(REPO_TEMPLATES / name)  # a tag that does not parse raises here
    assert needed  # the template was parsed
    for rendering in contexts(name):
        check_variables(name, needed, rendering.context)


@pytest.mark.parametrize("name", TEMPLATES)
def test_formatted_values_go_in_formatted_tags(name: str, contexts: Callable[[str], list[Rendering]]) -> None:
    """A value that is Word XML (the 发文机关标志, the 公文标题, a table) needs ``{{r }}`` or ``{{p }}``; a plain
    ``{{ }}`` would put its XML inside a text run and break the file, and text in ``{{r }}`` would be lost."""
    text = "".join(text_of(root) for root in word_parts(REPO_TEMPLATES / name).values())
    top = template_variables(REPO_TEMPLATES / name)  # not a loop's own names (``{{ req }}``)
    formatted = set(re.findall(r"\{\{[rp] (\w+) *\}\}", text)) & top
    plain = set(re.findall(r"\{\{ *(\w+) *\}\}", text)) & top
    for rendering in contexts(name):
        for variable in formatted:
            assert hasattr(rendering.context[variable], "__html__"), (rendering.name, variable)
        for variable in plain:
            value = rendering.context[variable]
            assert isinstance(value, InlineImage) or not hasattr(value, "__html__"), (rendering.name, variable)


@pytest.mark.parametrize("name", TEMPLATES)
def test_renders_with_its_real_context(name: str, contexts: Callable[[str], list[Rendering]], tmp_path: Path) -> None:
    """Rendered as a run renders it: a valid .docx with none of the template's tags left in it (the sample
    data has braces of its own: what a unit typed comes out literally)."""
    tags = {tag for root in word_parts(REPO_TEMPLATES / name).values() for tag in TAG.findall(text_of(root))}
    assert tags
    for n, rendering in enumerate(contexts(name)):
        out = render_to_file(rendering.template, rendering.context, tmp_path / f"{n}.docx")
        docx.Document(str(out))  # opens
        for part, root in word_parts(out).items():
            text = text_of(root)
            assert [tag for tag in tags if tag in text] == [], (rendering.name, part)


# ---------------------------------------------------------------- styles and fonts


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_style_used_is_defined(name: str) -> None:
    doc = docx.Document(str(REPO_TEMPLATES / name))
    defined = {s.style_id for s in doc.styles}
    used = set()
    for root in word_parts(REPO_TEMPLATES / name).values():
        for tag in ("pStyle", "rStyle", "tblStyle"):
            used |= {el.get(qn("w:val")) for el in root.iter(f"{W}{tag}")}
    assert used and used <= defined, used - defined


# The style ids the program writes into a document or looks up in it, by template (every 公文: the 落款
# kept with the text, the 发文机关标志 whose size fits the authority's name).
CODE_STYLES: dict[str, tuple[str, ...]] = {
    "acceptance_report.docx": (annual.HEADER_STYLE, annual.CELL_STYLE, annual.CELL_LEFT_STYLE, annual.CAPTION_STYLE),
    "volume.docx": (volume_render.BODY_STYLE, *volume_render.HEADING_STYLES, volume_render.FIGURE_STYLE,
                    volume_render.CAPTION_STYLE, volume_render.CELL_STYLE),
}
OFFICIAL_CODE_STYLES = (*CLOSING_STYLES,)
OFFICIAL_CODE_STYLE_NAMES = ("发文机关标志",)  # gbt.issuer_size reads it by name


def code_styles(name: str, official: bool) -> tuple[str, ...]:
    return (*CODE_STYLES.get(name, ()), *(OFFICIAL_CODE_STYLES if official else ()))


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_styles_the_program_uses_exist(name: str, contexts: Callable[[str], list[Rendering]]) -> None:
    styles = docx.Document(str(REPO_TEMPLATES / name)).styles
    official = is_official(contexts(name))
    ids = {s.style_id for s in styles}
    assert [s for s in code_styles(name, official) if s not in ids] == []
    if official:
        assert [s for s in OFFICIAL_CODE_STYLE_NAMES if s not in [st.name for st in styles]] == []


L, C, R, J = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY
# GB/T 9704-2012's fonts and sizes by role. name: (East Asian font, size in pt, alignment)
SHARED_STYLES = {
    "公文正文": ("仿宋_GB2312", 16, J),
    "公文标题": ("方正小标宋简体", 22, C),
    "主送机关": ("仿宋_GB2312", 16, L),
    "一级标题": ("黑体", 16, J),
    "二级标题": ("楷体_GB2312", 16, J),
    "附件说明": ("仿宋_GB2312", 16, J),
    "附件说明续行": ("仿宋_GB2312", 16, J),
    "发文机关署名": ("仿宋_GB2312", 16, R),
    "成文日期": ("仿宋_GB2312", 16, R),
    "附件标识": ("黑体", 16, L),
    "附件标题": ("方正小标宋简体", 22, C),
    "附件表格": ("仿宋_GB2312", 12, C),
    "附件表格居左": ("仿宋_GB2312", 12, L),
    "附件表头": ("黑体", 12, C),
    "表注": ("仿宋_GB2312", 12, L),
    "图片": ("仿宋_GB2312", 16, C),
    "图题": ("仿宋_GB2312", 14, C),
    "页码": ("宋体", 14, J),
}
MASTHEAD_STYLES = {  # the red 版头 of a 公文
    "发文机关标志": ("方正小标宋简体", 26, C),
    "发文字号": ("仿宋_GB2312", 16, C),
}
OWN_STYLES = {  # a template's styles beyond those
    "volume.docx": {
        "汇编封面活动": ("方正小标宋简体", 22, C), "汇编封面标题": ("方正小标宋简体", 36, C),
        "汇编封面署名": ("仿宋_GB2312", 16, C), "汇编封面日期": ("仿宋_GB2312", 16, C),
        "目录标题": ("方正小标宋简体", 22, C), "Heading 1": ("方正小标宋简体", 22, C), "toc 1": ("仿宋_GB2312", 16, L),
    },
}  # fmt: skip


@pytest.mark.parametrize("name", TEMPLATES)
def test_named_styles(name: str, contexts: Callable[[str], list[Rendering]]) -> None:
    official = is_official(contexts(name))
    styles = docx.Document(str(REPO_TEMPLATES / name)).styles
    expected = {**SHARED_STYLES, **(MASTHEAD_STYLES if official else {}), **OWN_STYLES.get(name, {})}
    for style_name, (font, size, align) in expected.items():
        style = styles[style_name]
        assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == font, style_name
        assert style.font.size.pt == size, style_name
        assert style.paragraph_format.alignment == align, style_name
    body = styles["公文正文"]
    assert abs(body.paragraph_format.line_spacing.pt - 28.95) < 0.1
    assert body.paragraph_format.first_line_indent.pt == 32
    if official:  # the red 版头
        assert str(styles["发文机关标志"].font.color.rgb) == "FF0000"
        rule = styles["发文字号"].element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
        assert rule.get(qn("w:color")) == "FF0000"


OFFICIAL_FONT_NAMES = {font.name for font in OFFICIAL_FONTS}
THEME_ATTRIBUTES = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


@pytest.mark.parametrize("name", TEMPLATES)
def test_fonts_are_the_official_ones_and_none_is_a_theme_font(name: str) -> None:
    """Every East Asian font named is an official one (the PDF step's substitution table covers exactly
    those), and none comes from the theme, which each machine resolves its own way (等线, a Japanese face)."""
    for part, root in formatting_parts(REPO_TEMPLATES / name).items():
        fonts = list(root.iter(f"{W}rFonts"))
        named = {f.get(qn("w:eastAsia")) for f in fonts} - {None}
        assert named <= OFFICIAL_FONT_NAMES, (part, named - OFFICIAL_FONT_NAMES)
        themed = [(part, a) for f in fonts for a in THEME_ATTRIBUTES if f.get(qn(f"w:{a}")) is not None]
        assert themed == []


# ---------------------------------------------------------------- the page


@pytest.mark.parametrize("name", TEMPLATES)
def test_a4_page_with_the_gbt_9704_type_area_and_page_numbers(name: str) -> None:
    doc = docx.Document(str(REPO_TEMPLATES / name))
    for section in doc.sections:
        for actual, expected in (
            (section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
            (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26),
            (section.page_width - section.left_margin - section.right_margin, 156),
            (section.page_height - section.top_margin - section.bottom_margin, 225),
        ):  # fmt: skip
            assert abs(Emu(actual).mm - expected) <= 0.5
        grid = section._sectPr.find(qn("w:docGrid"))
        assert grid.get(qn("w:type")) == "lines"  # a character grid breaks LibreOffice
        assert 22 * int(grid.get(qn("w:linePitch"))) / 20 <= Mm(225).pt  # 22 lines fit the type area
        # "— N —": odd pages right, even pages left
        assert doc.settings.odd_and_even_pages_header_footer
        for footer, align in ((section.footer, R), (section.even_page_footer, L)):
            paragraph = footer.paragraphs[0]
            assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
            assert paragraph.alignment == align and paragraph.style.name == "页码"
            assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))


TYPE_WIDTH_TWIPS = round(156 / 25.4 * 1440)


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_table_is_wider_than_the_type_area(name: str) -> None:
    for n, table in enumerate(docx.Document(str(REPO_TEMPLATES / name)).tables):
        width = sum(int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol")))
        assert width <= TYPE_WIDTH_TWIPS + 30, (n, width)  # 0.5 mm of rounding


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_official_template_ends_with_the_colophon_at_the_foot_of_the_page(
    name: str, contexts: Callable[[str], list[Rendering]]
) -> None:
    """GB/T 9704-2012 7.4, on every 公文: 抄送 (a row only when there is one), 印发机关 | 印发日期, thick first and
    last rules, thin between, as wide as the type area, at the bottom of the last page's type area; and one
    公文标题, the rich-text title ``render/gbt.py`` splits into lines."""
    if not is_official(contexts(name)):
        pytest.skip("not a 公文")
    doc = docx.Document(str(REPO_TEMPLATES / name))
    colophon = doc.tables[-1]
    rows = [[c.text for c in row.cells] for row in colophon.rows]
    assert len(rows) == 4
    assert rows[0][0].replace(" ", "") == "{%trifcc_text%}" and rows[2][0].replace(" ", "") == "{%trendif%}"
    assert "{{ cc_text }}" in rows[1][0] and rows[1][0] == rows[1][1]  # the 抄送 row: two cells merged
    assert "{{ printed_by }}" in rows[3][0] and "{{ printed_date_text }}" in rows[3][1]
    body = list(doc.element.body)
    assert body.index(colophon._tbl) == len(body) - 3  # then the anchor paragraph and the section
    pr = colophon._tbl.tblPr
    position = pr.find(qn("w:tblpPr"))
    assert position.get(qn("w:vertAnchor")) == "margin" and position.get(qn("w:tblpYSpec")) == "bottom"
    assert pr.find(qn("w:tblW")).get(qn("w:w")) == str(TYPE_WIDTH_TWIPS)
    borders = {b.tag.split("}")[1]: (b.get(qn("w:val")), b.get(qn("w:sz"))) for b in pr.find(qn("w:tblBorders"))}
    assert borders["top"] == borders["bottom"] == ("single", "8")  # 1 pt ≈ 0.35 mm
    assert borders["insideH"] == ("single", "6")  # 0.75 pt ≈ 0.25 mm
    assert {borders[e][0] for e in ("left", "right", "insideV")} == {"nil"}
    cc, printer, date_ = colophon.rows[1].cells[0], colophon.rows[3].cells[0], colophon.rows[3].cells[1]
    assert [c.paragraphs[0].style.name for c in (cc, printer, date_)] == ["版记抄送", "版记印发机关", "版记印发日期"]
    assert {c.paragraphs[0].style.font.size.pt for c in (cc, printer, date_)} == {14.0}  # 4号
    assert date_.paragraphs[0].style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert [p.text for p in doc.paragraphs if p.style.name == "公文标题"] == ["{{r title }}"]
    assert [p.text for p in doc.paragraphs if p.style.name == "发文机关标志"] == ["{{r issuer_mark }}"]


# ---------------------------------------------------------------- a workspace's own copy


def test_a_workspace_copy_overrides_the_shipped_template(workspace: Path) -> None:
    """What docs/templates.md tells a secretariat: a file of the same name in the workspace's ``templates/``
    is what a run renders (the shipped file stays as it is)."""
    marker = "本工作区自行修改的模板"
    edited = docx.Document(str(REPO_TEMPLATES / "monthly_notice.docx"))
    edited.add_paragraph(marker, style="公文正文")
    (workspace / "templates").mkdir()
    edited.save(str(workspace / "templates" / "monthly_notice.docx"))
    run = run_cycle(workspace, "monthly", "2026-10")
    assert marker in "".join(text_of(root) for root in word_parts(run.notice).values())
    assert marker not in "".join(text_of(root) for root in word_parts(REPO_TEMPLATES / "monthly_notice.docx").values())


# ---------------------------------------------------------------- docs/templates.md

BEGIN = "<!-- BEGIN variables: written by tests/test_templates.py from each template's context; do not edit -->"
END = "<!-- END variables -->"
WRITE_ENV = "DOCGEN_WRITE_DOCS"


def _kind(name: str, value: Any, tag: str | None) -> str:
    """What a value is, as a template's editor needs to know it."""
    if isinstance(value, InlineImage):
        return "picture"
    if hasattr(value, "__html__"):
        return f"formatted: write `{{{{{tag} {name} }}}}`" if tag else "formatted"
    if isinstance(value, bool):
        return "yes / no (for `{% if %}`)"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "group of values: " + "、".join(f"`.{k}`" for k in value)
    if isinstance(value, list | tuple):
        items = [v for v in value if v is not None]
        if items and isinstance(items[0], Mapping):
            return "list (`{% for %}`), each item with " + "、".join(f"`.{k}`" for k in items[0])
        if items and isinstance(items[0], str):
            return "list of texts (`{% for %}`)"
        return "list (`{% for %}`)"
    return type(value).__name__


def _richer(a: Any, b: Any) -> Any:
    """Of two samples of one variable, the one that says more (a list with items over an empty one)."""
    if isinstance(a, list | tuple) and not a:
        return b
    return a


def variables_section(renderings: Mapping[str, Sequence[Rendering]]) -> str:
    lines = [BEGIN, ""]
    for name, made in renderings.items():
        text = "".join(text_of(root) for root in word_parts(REPO_TEMPLATES / name).values())
        tags = {variable: prefix for prefix, variable in re.findall(r"\{\{([rp]) (\w+) *\}\}", text)}
        used = template_variables(REPO_TEMPLATES / name)
        values: dict[str, Any] = {}
        for rendering in made:
            for key, value in rendering.context.items():
                values[key] = _richer(values[key], value) if key in values else value
        values.pop(PROPERTIES, None)  # the file's title, author and dates: not for the page
        lines += [f"### `{name}`", "", "| variable | what it holds | in the shipped template |", "|---|---|---|"]
        for key in sorted(values):
            lines.append(f"| `{key}` | {_kind(key, values[key], tags.get(key))} | {'used' if key in used else '—'} |")
        official = is_official(made)
        by_id = {s.style_id: s.name for s in docx.Document(str(REPO_TEMPLATES / name)).styles}
        styles = [by_id[i] for i in code_styles(name, official)] + list(OFFICIAL_CODE_STYLE_NAMES if official else ())
        if styles:
            lines += ["", "Styles the program writes or reads here (restyle them freely, keep their names): "
                      + "、".join(dict.fromkeys(styles)) + "."]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def test_the_variables_each_template_receives_are_documented(contexts: Callable[[str], list[Rendering]]) -> None:
    """docs/templates.md lists, per template, the variables its real context provides; a new template or
    variable makes this fail until the list is rewritten: ``DOCGEN_WRITE_DOCS=1 pytest tests/test_templates.py
    -k documented``."""
    expected = variables_section({name: contexts(name) for name in TEMPLATES if name in SAMPLES})
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{DOC} lost its markers"
    start, end = text.index(BEGIN), text.index(END) + len(END)
    if os.environ.get(WRITE_ENV) == "1":
        DOC.write_text(text[:start] + expected + text[end:], encoding="utf-8")
        return
    assert text[start:end] == expected, (
        f"{DOC} is not up to date with the templates' contexts: run "
        f"{WRITE_ENV}=1 pytest tests/test_templates.py -k documented, and read the change")
