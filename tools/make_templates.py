"""Write the docxtpl templates of the rendering layer that do not exist yet: ``monthly_notice.docx``,
``receipt.docx``, ``quarterly_notice.docx``, ``rectification_notice.docx``, ``acceptance_report.docx`` and
``volume.docx``.

The templates are data that a secretariat opens and edits in Word or WPS, so each is generated once with
python-docx and then the committed file in ``templates/`` is the source of truth: this tool never
overwrites a template (it says which ones it skipped); delete one to have it written anew. The layout
follows GB/T 9704-2012 (A4, type area 156 × 225 mm, 3号仿宋 body on a 22 × 28 grid, 2号小标宋 title,
"— N —" page numbers odd right / even left), every look is a named style (公文正文, 公文标题, 一级标题 …)
so it can be restyled in Word, and every Jinja tag is typed in a single run so that Word does not split
it. Styles, 版头, 版记, page numbers and tables are written by the functions below, once for every template.
The 公文标题 is a rich-text run (``{{r title }}``): render/gbt.py splits it into lines by meaning.

Run: ``python tools/make_templates.py [OUT_DIR]`` (default: the repository's ``templates/``).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

REPO_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

# Fonts named as Chinese Word/WPS installations name them.
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"

BODY_PT = 16.0  # 3号
TITLE_PT = 22.0  # 2号
PAGE_NUMBER_PT = 14.0  # 4号
TABLE_PT = 12.0  # 小四, acceptable for attachment tables
ISSUER_PT = 26.0  # 发文机关标志: the standard only asks for 醒目、美观、庄重
RED = RGBColor(0xFF, 0x00, 0x00)

# GB/T 9704-2012: 22 lines of 28 characters in a 156 × 225 mm type area.
TYPE_WIDTH_MM = 156.0
LINE_PITCH_TWIPS = 579  # 28.95 pt; 22 × 28.95 pt = 224.7 mm
LINE_PT = Pt(LINE_PITCH_TWIPS / 20)
# 28 characters of 16 pt (448 pt) do not fit 156 mm (442.2 pt). Word's answer is a character grid with
# a negative w:charSpace, but LibreOffice (7.x) lays such a grid out with every character taking two
# cells (about 17 characters a line). So the grid is a line grid only, and the body styles condense
# their characters by 0.25 pt (w:spacing, in twentieths of a point): 28 × 15.75 pt = 441 pt, which
# every word processor honours the same way.
CHAR_SPACING_TWENTIETHS = -5

# Schema order of the children we insert (python-docx only orders the ones it models).
PPR_ORDER = (
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
    "sectPr", "pPrChange",
)
RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
    "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
    "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
    "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
)
TRPR_ORDER = (
    "cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight",
    "tblHeader", "tblCellSpacing", "jc", "hidden",
)
TBLPR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
    "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
    "tblCaption", "tblDescription",
)


# ---------------------------------------------------------------- low-level XML helpers


def _insert_ordered(parent: BaseOxmlElement, child: BaseOxmlElement, order: Sequence[str]) -> None:
    """Insert ``child`` into ``parent`` at its schema position, replacing an existing one of the same tag.

    Word refuses files whose property elements are out of order, and python-docx does not know them all.
    """
    tag = child.tag.split("}")[1]
    for old in parent.findall(qn(f"w:{tag}")):
        parent.remove(old)
    rank = order.index(tag)
    for i, sibling in enumerate(parent):
        sibling_tag = sibling.tag.split("}")[1] if "}" in str(sibling.tag) else ""
        if sibling_tag in order and order.index(sibling_tag) > rank:
            parent.insert(i, child)
            return
    parent.append(child)


def _el(tag: str, **attrs: str) -> BaseOxmlElement:
    el = OxmlElement(f"w:{tag}")
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _set_rfonts(rpr: CT_RPr, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts explicitly (w:eastAsia included) and drop theme fonts, which would win otherwise."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{attr}"), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), latin)


# ---------------------------------------------------------------- document setup


def _setup_document(doc: DocumentObject, title: str) -> None:
    """Defaults, page geometry and grid shared by every template."""
    # Defaults: 仿宋 3号, Chinese language, so unstyled text still looks like a 公文.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_rfonts(rpr, FANGSONG)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    # Word sizes the character grid from the default font size: make it 3号 too.
    for tag in ("sz", "szCs"):
        el = rpr.find(qn(f"w:{tag}"))
        if el is not None:
            el.set(qn("w:val"), str(round(BODY_PT * 2)))

    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_rfonts(normal.element.get_or_add_rPr(), FANGSONG)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)

    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(22)  # puts the page number about 7 mm below the type area
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.attrib.pop(qn("w:charSpace"), None)

    props = doc.core_properties
    props.title = title
    props.author = "创建办"
    props.last_modified_by = "创建办"
    # Core properties are rendered by docxtpl too: no braces here.
    props.comments = "docxtpl 模板：双花括号标记由程序填写，请勿拆分或改名。"
    props.created = props.modified = datetime(2026, 1, 1)
    props.revision = 1


def _paragraph_style(
    doc: DocumentObject,
    name: str,
    style_id: str,
    *,
    font: str,
    size: float = BODY_PT,
    align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_line_chars: float = 0,
    left_chars: float = 0,
    right_chars: float = 0,
    exact_lines: bool = True,
    snap_to_grid: bool = True,
    space_before: Pt | Mm | int = 0,
    space_after: Pt | Mm | int = 0,
    color: RGBColor | None = None,
    latin: str = LATIN,
    page_break_before: bool = False,
    keep_with_next: bool = False,
    keep_lines: bool = False,
    autospace: bool = True,
) -> ParagraphStyle:
    """A named paragraph style, so the secretariat restyles a level once in Word instead of every line.

    Every style has widow/orphan control (w:widowControl): no paragraph leaves a single line at the foot
    or the head of a page. ``keep_with_next`` keeps a heading or a caption on the page of what it heads;
    ``keep_lines`` keeps a short paragraph (a heading of two lines) in one piece.
    """
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    style.font.bold = False
    if color is not None:
        style.font.color.rgb = color
    _set_rfonts(style.element.get_or_add_rPr(), font, latin)
    if size == BODY_PT:  # 28 characters a line (see CHAR_SPACING_TWENTIETHS)
        spacing = _el("spacing", val=str(CHAR_SPACING_TWENTIETHS))
        _insert_ordered(style.element.get_or_add_rPr(), spacing, RPR_ORDER)

    pf = style.paragraph_format
    pf.alignment = align
    pf.space_before = space_before
    pf.space_after = space_after
    pf.widow_control = True
    pf.page_break_before = page_break_before
    pf.keep_with_next = keep_with_next
    pf.keep_together = keep_lines or None
    if exact_lines:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = LINE_PT
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    ppr = style.element.get_or_add_pPr()
    if first_line_chars or left_chars or right_chars:
        # Both absolute and character units: Word/WPS use the *Chars ones, LibreOffice the others.
        pf.first_line_indent = Pt(size * first_line_chars) if first_line_chars else None
        pf.left_indent = Pt(size * left_chars) if left_chars else None
        pf.right_indent = Pt(size * right_chars) if right_chars else None
        ind = ppr.get_or_add_ind()
        if first_line_chars > 0:
            ind.set(qn("w:firstLineChars"), str(round(first_line_chars * 100)))
        elif first_line_chars < 0:
            ind.set(qn("w:hangingChars"), str(round(-first_line_chars * 100)))
        if left_chars:
            ind.set(qn("w:leftChars"), str(round(left_chars * 100)))
        if right_chars:
            ind.set(qn("w:rightChars"), str(round(right_chars * 100)))
    if not snap_to_grid:
        _insert_ordered(ppr, _el("snapToGrid", val="0"), PPR_ORDER)
    if not autospace:  # no extra space between Chinese and digits: table columns stay narrow
        _insert_ordered(ppr, _el("autoSpaceDE", val="0"), PPR_ORDER)
        _insert_ordered(ppr, _el("autoSpaceDN", val="0"), PPR_ORDER)
    return style


def _add_styles(doc: DocumentObject) -> None:
    """The styles both templates use; names are what the secretariat sees in Word's style gallery."""
    one_line = Pt(LINE_PITCH_TWIPS / 20)
    _paragraph_style(doc, "公文正文", "GongwenBody", font=FANGSONG, first_line_chars=2)
    _paragraph_style(
        doc, "公文标题", "GongwenTitle", font=XIAOBIAOSONG, size=TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False, snap_to_grid=False,
        space_after=one_line, keep_with_next=True,
    )  # fmt: skip
    _paragraph_style(
        doc, "主送机关", "GongwenRecipients", font=FANGSONG, align=WD_ALIGN_PARAGRAPH.LEFT,
    )  # fmt: skip
    _paragraph_style(
        doc, "一级标题", "GongwenHeading1", font=HEITI, latin=HEITI, first_line_chars=2, keep_with_next=True,
        keep_lines=True,
    )
    _paragraph_style(
        doc, "二级标题", "GongwenHeading2", font=KAITI, latin=KAITI, first_line_chars=2, keep_with_next=True,
        keep_lines=True,
    )
    # 三级标题 "1." in the body face (GB/T 9704-2012 7.3.3): a unit's level-3 heading in the 汇编.
    _paragraph_style(
        doc, "三级标题", "GongwenHeading3", font=FANGSONG, first_line_chars=2, keep_with_next=True, keep_lines=True,
    )  # fmt: skip
    # The attachment note, the authority and the date stay on one page: a date alone at the top of a
    # page (or of the attachments) is the classic 公文 layout error.
    _paragraph_style(
        doc, "附件说明", "GongwenAttachmentNote", font=FANGSONG, left_chars=5, first_line_chars=-3,
        space_before=one_line, keep_with_next=True,
    )  # fmt: skip
    _paragraph_style(
        doc, "附件说明续行", "GongwenAttachmentNoteMore", font=FANGSONG, left_chars=5, keep_with_next=True,
    )  # fmt: skip
    # 不加盖印章: 正文（或附件说明）下空一行右空二字编排发文机关署名 (GB/T 9704-2012 7.3.5.2).
    _paragraph_style(
        doc, "发文机关署名", "GongwenSignature", font=FANGSONG, align=WD_ALIGN_PARAGRAPH.RIGHT,
        right_chars=2, space_before=one_line, keep_with_next=True,
    )  # fmt: skip
    _paragraph_style(
        doc, "成文日期", "GongwenDate", font=FANGSONG, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2,
    )  # fmt: skip
    _paragraph_style(
        doc, "附件标识", "GongwenAttachmentMark", font=HEITI, latin=HEITI, align=WD_ALIGN_PARAGRAPH.LEFT,
        page_break_before=True, keep_with_next=True,
    )  # fmt: skip
    _paragraph_style(
        doc, "附件标题", "GongwenAttachmentTitle", font=XIAOBIAOSONG, size=TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False, snap_to_grid=False,
        space_before=one_line, space_after=one_line, keep_with_next=True,
    )  # fmt: skip
    _paragraph_style(
        doc, "附件表格", "GongwenTableText", font=FANGSONG, size=TABLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False, snap_to_grid=False, autospace=False,
    )  # fmt: skip
    _paragraph_style(
        doc, "附件表格居左", "GongwenTableTextLeft", font=FANGSONG, size=TABLE_PT,
        align=WD_ALIGN_PARAGRAPH.LEFT, exact_lines=False, snap_to_grid=False, autospace=False,
    )  # fmt: skip
    # keep_with_next: Word keeps a header row with the first row under it (never a header alone at the
    # foot of a page).
    _paragraph_style(
        doc, "附件表头", "GongwenTableHeader", font=HEITI, latin=HEITI, size=TABLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False, snap_to_grid=False, autospace=False,
        keep_with_next=True,
    )  # fmt: skip
    _paragraph_style(
        doc, "表注", "GongwenTableNote", font=FANGSONG, size=TABLE_PT, align=WD_ALIGN_PARAGRAPH.LEFT,
        exact_lines=False, snap_to_grid=False, space_before=Pt(6),
    )  # fmt: skip
    # An inline image must not sit in an exact-height line, or Word clips it to one line.
    _paragraph_style(
        doc, "图片", "GongwenFigure", font=FANGSONG, align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False,
        snap_to_grid=False, space_before=Pt(6), keep_with_next=True,
    )  # fmt: skip
    _paragraph_style(
        doc, "图题", "GongwenFigureCaption", font=FANGSONG, size=14, align=WD_ALIGN_PARAGRAPH.CENTER,
        exact_lines=False, snap_to_grid=False, space_after=Pt(6),
    )  # fmt: skip
    # A table's caption goes above it and stays on the page of the table's first rows.
    _paragraph_style(
        doc, "表题", "GongwenTableCaption", font=FANGSONG, size=14, align=WD_ALIGN_PARAGRAPH.CENTER,
        exact_lines=False, snap_to_grid=False, space_before=Pt(6), space_after=Pt(6), keep_with_next=True,
        keep_lines=True,
    )  # fmt: skip
    _paragraph_style(
        doc, "页码", "GongwenPageNumber", font=SONGTI, latin=SONGTI, size=PAGE_NUMBER_PT,
        exact_lines=False, snap_to_grid=False,
    )  # fmt: skip


def _para(doc: DocumentObject, style: str, text: str = "") -> Paragraph:
    """A paragraph whose text (tags included) is one run, so Word keeps each tag whole."""
    p = doc.add_paragraph(style=style)
    if text:
        p.add_run(text)
    return p


# ---------------------------------------------------------------- page numbers


def _add_page_field(paragraph: Paragraph) -> None:
    """A PAGE field as w:fldChar begin / w:instrText / separate / cached result / end runs."""
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("result", "1"), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "result":
            run.text = text or ""
        else:
            run._r.append(_el("fldChar", fldCharType=kind))


def _fill_page_number(footer_paragraph: Paragraph, odd: bool) -> None:
    p = footer_paragraph
    p.style = "页码"
    pf = p.paragraph_format
    ind = p._p.get_or_add_pPr().get_or_add_ind()
    if odd:  # 单页码居右空一字
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        pf.right_indent = Pt(PAGE_NUMBER_PT)
        ind.set(qn("w:rightChars"), "100")
    else:  # 双页码居左空一字
        pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
        pf.left_indent = Pt(PAGE_NUMBER_PT)
        ind.set(qn("w:leftChars"), "100")
    p.add_run("— ")
    _add_page_field(p)
    p.add_run(" —")


def _add_page_numbers(doc: DocumentObject, section: Section) -> None:
    """"— N —" in 4号宋体: odd pages right, even pages left (needs evenAndOddHeaders in settings)."""
    doc.settings.odd_and_even_pages_header_footer = True
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    _fill_page_number(section.footer.paragraphs[0], odd=True)
    _fill_page_number(section.even_page_footer.paragraphs[0], odd=False)


# ---------------------------------------------------------------- tables


def _style_table(table: Table, widths_mm: Sequence[float]) -> None:
    """Single-line borders on every cell, fixed column widths summing to the type area, centred; no row
    splits across pages (w:cantSplit)."""
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in table.rows:
        _insert_ordered(row._tr.get_or_add_trPr(), _el("cantSplit"), TRPR_ORDER)
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    total = round(sum(widths_mm) / 25.4 * 1440)
    _insert_ordered(tbl_pr, _el("tblW", w=str(total), type="dxa"), TBLPR_ORDER)
    borders = _el("tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(edge, val="single", sz="4", space="0", color="000000"))
    _insert_ordered(tbl_pr, borders, TBLPR_ORDER)
    # 1 mm left/right cell margins instead of Word's 1.9 mm: an 11 mm 序号 column then holds "序号".
    _fixed_columns(table, tbl_pr, ("0", "57", "0", "57"), widths_mm)


def _fixed_columns(table: Table, tbl_pr: BaseOxmlElement, margins_twips: Sequence[str],
                   widths_mm: Sequence[float]) -> None:
    """A fixed layout with these cell margins (top, left, bottom, right) and column widths, cells centred
    vertically."""
    _insert_ordered(tbl_pr, _el("tblLayout", type="fixed"), TBLPR_ORDER)
    margins = _el("tblCellMar")
    for edge, width in zip(("top", "left", "bottom", "right"), margins_twips, strict=True):
        margins.append(_el(edge, w=width, type="dxa"))
    _insert_ordered(tbl_pr, margins, TBLPR_ORDER)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _cell(table: Table, row: int, col: int, text: str, style: str) -> None:
    p = table.cell(row, col).paragraphs[0]
    p.style = style
    if text:
        p.add_run(text)


def _loop_table(
    doc: DocumentObject,
    headers: Sequence[str],
    widths_mm: Sequence[float],
    loop: str,
    cells: Sequence[str],
    left_columns: Sequence[int] = (),
) -> Table:
    """A header row, then ``{%tr for … %}`` / one row of ``{{ … }}`` / ``{%tr endfor %}``.

    The header row repeats on every page; the data row never splits across pages.
    """
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    _style_table(table, widths_mm)
    for i, header in enumerate(headers):
        _cell(table, 0, i, header, "附件表头")
    _cell(table, 1, 0, f"{{%tr for {loop} %}}", "附件表格")
    for i, text in enumerate(cells):
        _cell(table, 2, i, text, "附件表格居左" if i in left_columns else "附件表格")
    _cell(table, 3, 0, "{%tr endfor %}", "附件表格")
    _insert_ordered(table.rows[0]._tr.get_or_add_trPr(), _el("tblHeader"), TRPR_ORDER)
    return table


def _total_row(table: Table, cells: Sequence[str]) -> None:
    """A 合计 row under a ``_loop_table``'s rows: its first cell says 合计, the others take ``cells``."""
    row = table.add_row()
    _insert_ordered(row._tr.get_or_add_trPr(), _el("cantSplit"), TRPR_ORDER)
    for i, text in enumerate(["合计", *cells]):
        row.cells[i].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell(table, len(table.rows) - 1, i, text, "附件表头" if i == 0 else "附件表格")


# ---------------------------------------------------------------- the templates


def _add_masthead(doc: DocumentObject) -> None:
    """The 版头 of a 公文 (its two styles and two paragraphs), the same in every document that has one.

    发文机关标志 35 mm below the top of the type area, red 小标宋; 发文字号 two lines below; the red rule
    4 mm under the 发文字号. The mark is a rich-text run (``{{r issuer_mark }}``): render/gbt.py's
    ``IssuerMark`` condenses a long authority name so that the mark stays on one line.
    """
    _paragraph_style(
        doc, "发文机关标志", "GongwenIssuerMark", font=XIAOBIAOSONG, size=ISSUER_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False, snap_to_grid=False, color=RED,
        space_before=Mm(35),
    )  # fmt: skip
    number = _paragraph_style(
        doc, "发文字号", "GongwenDocNumber", font=FANGSONG, align=WD_ALIGN_PARAGRAPH.CENTER,
        space_before=Pt(2 * LINE_PITCH_TWIPS / 20), space_after=Pt(2 * LINE_PITCH_TWIPS / 20),
    )  # fmt: skip
    rule = _el("pBdr")
    rule.append(_el("bottom", val="single", sz="12", space="11", color="FF0000"))
    _insert_ordered(number.element.get_or_add_pPr(), rule, PPR_ORDER)
    _para(doc, "发文机关标志", "{{r issuer_mark }}")
    _para(doc, "发文字号", "{{ doc_number }}")


def _closing(doc: DocumentObject, number: str, body: str, attachments: Sequence[str] = ()) -> None:
    """下步要求 as a numbered list under heading ``number`` (e.g. 四), the 附件说明, 署名 and 成文日期."""
    _para(doc, "一级标题", f"{number}、下步要求")
    _para(doc, body, "{%p for req in requirements %}")
    _para(doc, body, "{{ loop.index }}. {{ req }}")
    _para(doc, body, "{%p endfor %}")
    _signature(doc, attachments)


def _signature(doc: DocumentObject, attachments: Sequence[str] = ()) -> None:
    """附件说明 (附件：1. …, then 2. … aligned under it), 署名 and 成文日期 (GB/T 9704-2012 7.3.4, 7.3.5)."""
    for i, title in enumerate(attachments, start=1):
        _para(doc, "附件说明" if i == 1 else "附件说明续行", f"{'附件：' if i == 1 else ''}{i}. {title}")
    _para(doc, "发文机关署名", "{{ secretariat }}")
    _para(doc, "成文日期", "{{ issue_date_text }}")


# GB/T 9704-2012 7.4.1: the first and last rules of the 版记 thick (0.35 mm), those between thin (0.25 mm);
# w:sz is in eighths of a point (0.35 mm = 0.99 pt, 0.25 mm = 0.71 pt).
COLOPHON_PT = 14.0  # 4号
THICK_RULE = "8"
THIN_RULE = "6"
COLOPHON_DATE_MM = 62.0  # the 印发日期 column (“2026年11月6日印发” with its one-character right indent)


def _add_colophon(doc: DocumentObject) -> Table:
    """The 版记 (GB/T 9704-2012 7.4, 10) at the end of a 公文: 抄送 (a row only when ``cc_text`` is not empty),
    then 印发机关 at left and 印发日期 at right, between rules as wide as the type area.

    A table floating at the bottom of the type area (``w:tblpPr`` anchored to the bottom margin), so the
    last rule lies on the last page's lower edge of the type area as the standard asks, in Word, WPS and
    LibreOffice alike; it is anchored to a one-point paragraph that ends the document. Horizontally it is
    placed from the page's edge at the left margin: LibreOffice makes a table as wide as the type area
    float only when it is positioned relative to the page (otherwise it stays in the text flow).
    """
    _paragraph_style(
        doc, "版记抄送", "GongwenColophonCc", font=FANGSONG, size=COLOPHON_PT, align=WD_ALIGN_PARAGRAPH.LEFT,
        left_chars=4, first_line_chars=-3, right_chars=1,
    )  # fmt: skip
    _paragraph_style(
        doc, "版记印发机关", "GongwenColophonPrinter", font=FANGSONG, size=COLOPHON_PT,
        align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=1,
    )  # fmt: skip
    _paragraph_style(
        doc, "版记印发日期", "GongwenColophonDate", font=FANGSONG, size=COLOPHON_PT,
        align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=1,
    )  # fmt: skip
    table = doc.add_table(rows=4, cols=2)
    widths = [TYPE_WIDTH_MM - COLOPHON_DATE_MM, COLOPHON_DATE_MM]
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    position = _el(
        "tblpPr", leftFromText="0", rightFromText="0", topFromText="0", bottomFromText="0",
        vertAnchor="margin", horzAnchor="page", tblpX=str(doc.sections[0].left_margin.twips), tblpYSpec="bottom",
    )  # fmt: skip
    _insert_ordered(tbl_pr, position, TBLPR_ORDER)
    _insert_ordered(tbl_pr, _el("tblOverlap", val="never"), TBLPR_ORDER)
    _insert_ordered(tbl_pr, _el("tblW", w=str(round(TYPE_WIDTH_MM / 25.4 * 1440)), type="dxa"), TBLPR_ORDER)
    borders = _el("tblBorders")
    for edge, size in (("top", THICK_RULE), ("bottom", THICK_RULE), ("insideH", THIN_RULE)):
        borders.append(_el(edge, val="single", sz=size, space="0", color="000000"))
    for edge in ("left", "right", "insideV"):
        borders.append(_el(edge, val="nil"))
    _insert_ordered(tbl_pr, borders, TBLPR_ORDER)
    _fixed_columns(table, tbl_pr, ("0", "0", "0", "0"), widths)
    _cell(table, 0, 0, "{%tr if cc_text %}", "版记抄送")
    cc = table.cell(1, 0).merge(table.cell(1, 1))
    cc.paragraphs[0].style = "版记抄送"
    cc.paragraphs[0].add_run("抄送：{{ cc_text }}。")
    _cell(table, 2, 0, "{%tr endif %}", "版记抄送")
    _cell(table, 3, 0, "{{ printed_by }}", "版记印发机关")
    _cell(table, 3, 1, "{{ printed_date_text }}印发", "版记印发日期")
    for row in table.rows:
        _insert_ordered(row._tr.get_or_add_trPr(), _el("cantSplit"), TRPR_ORDER)
    anchor = doc.add_paragraph()
    anchor.paragraph_format.space_before = anchor.paragraph_format.space_after = Pt(0)
    anchor.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    anchor.paragraph_format.line_spacing = Pt(1)
    return table


def build_monthly_notice() -> DocumentObject:
    """The monthly notice (月通报): 版头, title, 主送, 一 … 四, 附件说明, signature, 附件1 and 附件2."""
    doc = Document()
    _setup_document(doc, "月度工作进展通报（模板）")
    _add_styles(doc)
    _add_masthead(doc)
    body = "公文正文"
    _para(doc, "公文标题", "{{r title }}")
    _para(doc, "主送机关", "{{ recipients }}：")
    _para(
        doc, body,
        "为及时掌握{{ campaign }}各项任务推进情况，按照“一月一通报”工作机制，现将{{ period_label }}"
        "工作进展情况通报如下。",
    )  # fmt: skip

    _para(doc, "一级标题", "一、报送情况")
    _para(
        doc, body,
        "{{ period_label }}工作进展应于{{ deadline_text }}前报送。应报送单位{{ expected_count }}家，"
        "其中按时报送{{ on_time_count }}家，逾期报送{{ late_count }}家，报送材料未通过审核"
        "{{ rejected_count }}家，未报送{{ missing_count }}家。",
    )  # fmt: skip
    _para(doc, body, "{%p for grp in unit_groups %}")
    _para(doc, body, "{{ grp.label }}的单位（{{ grp.count }}家）：{{ grp.names }}。")
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p if unit_groups %}")
    _para(
        doc, body,
        "以上单位要高度重视月度报送工作。逾期报送和未报送的单位要向{{ secretariat }}书面说明原因；"
        "报送材料未通过审核的单位要按回执逐项修改后重新报送。",
    )  # fmt: skip
    _para(doc, body, "{%p else %}")
    _para(doc, body, "各成员单位均按时报送，报送材料全部通过审核。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "二、工作进展")
    _para(
        doc, body,
        "本月各成员单位共开展活动{{ activities }}场次，参与{{ participants }}人次，"
        "投入经费{{ funds }}万元。",
    )  # fmt: skip
    _para(
        doc, body,
        "纳入本期通报的任务共{{ task_count }}项，其中已完成{{ completed_count }}项，正常推进"
        "{{ on_track_count }}项，进度滞后{{ lagging_count }}项，逾期未完成{{ overdue_count }}项，"
        "未报进度{{ unreported_count }}项。",
    )  # fmt: skip
    _para(doc, body, "{%p if projects %}")
    _para(doc, body, "各工程平均完成进度（按已报送进度的任务计算）如下：")
    _para(doc, body, "{%p for proj in projects %}")
    _para(
        doc, body,
        "{{ proj.no }}. {{ proj.name }}：任务{{ proj.tasks }}项，报送进度{{ proj.reported }}项，"
        "平均完成进度{{ proj.average }}。",
    )  # fmt: skip
    _para(doc, body, "{%p endfor %}")
    _para(doc, "图片", "{{ progress_chart }}")
    _para(doc, "图题", "图1  各工程平均完成进度")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "三、存在问题")
    _para(doc, body, "{%p for grp in task_groups %}")
    _para(doc, "二级标题", "{{ grp.heading }}")
    _para(doc, body, "{%p for task in grp.tasks %}")
    _para(
        doc, body,
        "{{ task.no }}. {{ task.task_id }} {{ task.name }}（牵头单位：{{ task.lead_unit_name }}）："
        "{{ task.detail }}。",
    )  # fmt: skip
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p if task_groups %}")
    _para(
        doc, body,
        "以上任务的牵头单位要认真分析原因，制定针对性措施，明确完成时限，加快推进进度；未报进度任务的"
        "牵头单位要在下次报送时一并说明情况。{{ secretariat }}将持续跟踪督办。",
    )  # fmt: skip
    _para(doc, body, "{%p else %}")
    _para(doc, body, "本月未发现进度滞后、逾期未完成或未报进度的任务。")
    _para(doc, body, "{%p endif %}")

    _closing(doc, "四", body, ["{{ period_label }}成员单位报送情况表", "{{ period_label }}任务进展情况表"])

    _para(doc, "附件标识", "附件1")
    _para(doc, "附件标题", "{{ period_label }}成员单位报送情况表")
    _loop_table(
        doc,
        ["序号", "单位代码", "单位名称", "单位类别", "报送状态", "报送时间"],
        [11, 13, 51, 20, 24, 37],  # 单位/代码; 报送时间 as 2026年11月15日 / 16:30; names on one line
        "unit in unit_rows",
        [
            "{{ unit.no }}", "{{ unit.code }}", "{{ unit.name }}", "{{ unit.category }}",
            "{{ unit.state }}", "{{ unit.received }}",
        ],
        left_columns=(2,),
    )  # fmt: skip
    _para(doc, "表注", "注：报送时间为{{ time_zone_text }}；报送截止时间为{{ deadline_text }}。")

    _para(doc, "附件标识", "附件2")
    _para(doc, "附件标题", "{{ period_label }}任务进展情况表")
    _loop_table(
        doc,
        ["序号", "任务编号", "任务名称", "所属工程", "牵头单位", "完成进度", "应达进度", "状态"],
        [11, 13, 32, 20, 28, 14, 14, 24],  # two characters a line in 任务/编号 and 完成/进度; 逾期未完成
        "task in task_rows",
        [
            "{{ task.no }}", "{{ task.task_id }}", "{{ task.name }}", "{{ task.project }}",
            "{{ task.lead_unit_name }}", "{{ task.progress }}", "{{ task.expected }}", "{{ task.state }}",
        ],
        left_columns=(2,),
    )  # fmt: skip
    _para(
        doc, "表注",
        "注：完成进度为牵头单位报送的完成进度；应达进度按任务起止时间中已过去的比例计算；"
        "“—”表示未报进度。",
    )  # fmt: skip
    _add_colophon(doc)
    _add_page_numbers(doc, doc.sections[0])
    return doc


def build_receipt() -> DocumentObject:
    """The receipt (回执) for one dropped file: what was received, and either 接收 or 退回 with problems."""
    doc = Document()
    _setup_document(doc, "材料报送回执（模板）")
    _add_styles(doc)
    body = "公文正文"
    _para(doc, "公文标题", "材料报送回执")
    _para(doc, "主送机关", "{{ unit_name }}：")
    _para(doc, body, "你单位于{{ received_text }}报送的材料已收到，登记信息如下：").paragraph_format.keep_with_next = True

    rows = [
        ("报送单位", "{{ unit_name }}"),
        ("报送文件", "{{ file }}"),
        ("报送类型", "{{ submission_type }}"),
        ("期次", "{{ period_label }}"),
        ("接收时间", "{{ received_text }}"),
        ("截止时间", "{{ deadline_text }}"),
        ("是否按时", "{{ on_time_text }}"),
        ("处理结果", "{{ result }}"),
    ]
    info = doc.add_table(rows=len(rows), cols=2)
    info.style = doc.styles["Table Grid"]
    _style_table(info, [44, 112])
    for i, (label, value) in enumerate(rows):
        _cell(info, i, 0, label, "附件表头")
        _cell(info, i, 1, value, "附件表格居左")

    _para(doc, body, "{%p if accepted %}")
    _para(
        doc, body,
        "经审核，报送材料符合要求，已接收数据{{ rows }}行，作为你单位{{ period_label }}的报送数据。",
    )  # fmt: skip
    _para(doc, body, "{%p if late %}")
    _para(doc, body, "本次报送晚于截止时间（{{ deadline_text }}），按逾期报送登记。")
    _para(doc, body, "{%p endif %}")
    _para(
        doc, body,
        "如需更正，可修改后重新报送；重新报送的材料将替换本期此前报送的材料，此前的材料留档备查。",
    ).paragraph_format.keep_with_next = True  # never the authority and date alone on a page
    # fmt: skip
    _para(doc, body, "{%p else %}")
    _para(doc, body, "经审核，报送材料存在以下{{ problem_count }}个问题，未予接收：").paragraph_format.keep_with_next = True
    _loop_table(
        doc,
        ["序号", "行号", "列名", "填写的值", "问题说明"],
        [11, 12, 36, 37, 60],
        "prob in problems",
        ["{{ prob.no }}", "{{ prob.row }}", "{{ prob.column }}", "{{ prob.value }}", "{{ prob.message }}"],
        left_columns=(3, 4),
    )
    _para(doc, body, "{%p if problems_more %}")
    _para(
        doc, body,
        "另有{{ problems_more }}个问题未在此列出，{{ more_where }}",
    )  # fmt: skip
    _para(doc, body, "{%p endif %}")
    _para(
        doc, body,
        "请对照上述问题逐项修改后，{{ resubmit_by }}重新报送。{{ channel }}重新报送的材料将替换本期此前报送的"
        "材料，此前的材料留档备查。",
    ).paragraph_format.keep_with_next = True  # fmt: skip
    _para(doc, body, "{%p endif %}")
    # Notes of the intake (e.g. which time a file was taken in by), after the result and before the
    # signature; kept with it so that the authority and date never stand alone on a page.
    _para(doc, body, "{%p for note in notes %}")
    _para(doc, body, "说明：{{ note }}").paragraph_format.keep_with_next = True
    _para(doc, body, "{%p endfor %}")
    _signature(doc)
    _add_page_numbers(doc, doc.sections[0])
    return doc


# A problem the quarterly notice names (逾期, 复查未通过): who, which, what, and why it is named.
NAMED_ITEM = (
    "{{ item.no }}. {{ item.unit_name }}：{{ item.problem_id }} {{ item.description }}（{{ item.detail }}）。"
)


def _counts(row: str) -> list[str]:
    """The 问题数 / 已销号 / 未销号 / 逾期 cells of a row of the quarterly notice's count tables."""
    return [f"{{{{ {row}.{key} }}}}" for key in ("total", "closed", "open", "overdue")]


def build_quarterly_notice() -> DocumentObject:
    """The quarterly inspection notice (督查通报): 版头, title, 主送, 一 … 五, 附件说明, signature, 附件1 and 附件2."""
    doc = Document()
    _setup_document(doc, "季度督查通报（模板）")
    _add_styles(doc)
    _add_masthead(doc)
    body = "公文正文"
    _para(doc, "公文标题", "{{r title }}")
    _para(doc, "主送机关", "{{ recipients }}：")
    _para(
        doc, body,
        "为推动督查发现问题整改落实到位，按照季度督查工作机制，现将{{ period_label }}{{ campaign }}"
        "督查及整改情况通报如下。{{ late_issue_text }}",
    )  # fmt: skip

    _para(doc, "一级标题", "一、督查及整改总体情况")
    _para(
        doc, body,
        "{{ period_label }}督查新发现问题{{ filed_count }}个，以前季度结转未销号问题{{ carried_count }}个，"
        "合计{{ total_count }}个。本季度销号{{ closed_count }}个；截至{{ cutoff_text }}，尚未销号"
        "{{ open_count }}个，其中挂号{{ registered_count }}个、整改中{{ rectifying_count }}个、"
        "已整改待复查{{ awaiting_count }}个。未销号问题中逾期未整改{{ overdue_count }}个；"
        "本季度复查未通过{{ failed_count }}个。",
    )  # fmt: skip
    _para(doc, body, "{%p if type_rows %}")
    _para(doc, body, "按问题类型统计如下（表1、图1）：").paragraph_format.keep_with_next = True
    _para(doc, "表题", "表1  各类型问题整改情况")
    _loop_table(
        doc,
        ["序号", "问题类型", "问题数", "已销号", "未销号", "逾期"],
        [11, 53, 23, 23, 23, 23],
        "row in type_rows",
        ["{{ row.no }}", "{{ row.name }}", *_counts("row")],
        left_columns=(1,),
    )
    _total_row(doc.tables[-1], ["", *_counts("type_total")])
    _para(doc, "图片", "{{ problem_chart }}")
    _para(doc, "图题", "图1  各类型问题整改情况")
    _para(doc, body, "{%p else %}")
    _para(doc, body, "本季度无督查发现问题，也无以前季度结转的未销号问题。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "二、逾期未整改问题")
    _para(doc, body, "{%p if overdue_items %}")
    _para(doc, body, "截至{{ cutoff_text }}，以下{{ overdue_count }}个问题已超过整改时限仍未销号，予以通报：")
    _para(doc, body, "{%p for item in overdue_items %}")
    _para(doc, body, NAMED_ITEM)
    _para(doc, body, "{%p endfor %}")
    _para(
        doc, body,
        "以上单位要切实履行整改主体责任，认真分析逾期原因，明确整改时限和责任人，尽快完成整改并报送"
        "整改情况。",
    )  # fmt: skip
    _para(doc, body, "{%p else %}")
    _para(doc, body, "本季度无逾期未整改问题。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "三、复查未通过问题")
    _para(doc, body, "{%p if failed_items %}")
    _para(doc, body, "本季度复查中，以下{{ failed_count }}个问题整改不到位，复查未通过，退回重新整改：")
    _para(doc, body, "{%p for item in failed_items %}")
    _para(doc, body, NAMED_ITEM)
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "以上单位要对照整改要求重新制定整改措施，确保真改实改，整改完成后再次报送整改情况。")
    _para(doc, body, "{%p else %}")
    _para(doc, body, "本季度无复查未通过问题。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "四、未按时报送整改情况的单位")
    _para(
        doc, body,
        "{{ period_label }}整改情况应于{{ deadline_text }}（{{ time_zone_text }}）前报送。应报送单位{{ expected_count }}家，"
        "其中按时报送{{ on_time_count }}家，逾期报送{{ late_count }}家，报送材料未通过审核"
        "{{ rejected_count }}家，未报送{{ missing_count }}家。",
    )  # fmt: skip
    _para(doc, body, "{%p for grp in unit_groups %}")
    _para(doc, body, "{{ grp.label }}的单位（{{ grp.count }}家）：{{ grp.names }}。")
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p if unit_groups %}")
    _para(
        doc, body,
        "以上单位要高度重视整改情况报送工作。逾期报送和未报送的单位要向{{ secretariat }}书面说明原因；"
        "报送材料未通过审核的单位要按回执逐项修改后重新报送。",
    )  # fmt: skip
    _para(doc, body, "{%p else %}")
    _para(doc, body, "各成员单位均按时报送整改情况，报送材料全部通过审核。")
    _para(doc, body, "{%p endif %}")

    _closing(doc, "五", body, ["{{ period_label }}各单位问题整改情况统计表", "{{ period_label }}未销号问题清单"])

    _para(doc, "附件标识", "附件1")
    _para(doc, "附件标题", "{{ period_label }}各单位问题整改情况统计表")
    _para(doc, body, "{%p if unit_rows %}")
    _loop_table(
        doc,
        ["序号", "单位", "问题数", "已销号", "未销号", "逾期"],
        [11, 61, 21, 21, 21, 21],
        "row in unit_rows",
        ["{{ row.no }}", "{{ row.name }}", *_counts("row")],
        left_columns=(1,),
    )
    _total_row(doc.tables[-1], ["", *_counts("unit_total")])
    _para(
        doc, "表注",
        "注：问题数为{{ period_label }}督查新发现问题与以前季度结转未销号问题之和；已销号为本季度销号的"
        "问题；逾期指截至{{ cutoff_text }}已超过整改时限仍未销号的问题。",
    )  # fmt: skip
    _para(doc, body, "{%p else %}")
    _para(doc, body, "本季度无督查发现问题。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "附件标识", "附件2")
    _para(doc, "附件标题", "{{ period_label }}未销号问题清单")
    _para(doc, body, "{%p if open_rows %}")
    _loop_table(
        doc,
        ["序号", "问题编号", "单位", "问题类型", "问题描述", "整改时限", "当前状态", "备注"],
        # 问题编号 holds a code of 12 characters (DC2026Q2-002: 27.3 mm of 12 pt Times New Roman) on one
        # line; 整改时限 as 2026年 / 12月31日; 已整改 / 待复查; 已逾期
        [11, 30, 22, 15, 28, 20, 15, 15],
        "row in open_rows",
        [
            "{{ row.no }}", "{{ row.problem_id }}", "{{ row.unit_name }}", "{{ row.problem_type }}",
            "{{ row.description }}", "{{ row.deadline }}", "{{ row.state }}", "{{ row.remark }}",
        ],
        left_columns=(2, 4),
    )  # fmt: skip
    _para(doc, "表注", "注：当前状态为截至{{ cutoff_text }}的状态。")
    _para(doc, body, "{%p else %}")
    _para(doc, body, "截至{{ cutoff_text }}，督查发现问题已全部销号。")
    _para(doc, body, "{%p endif %}")
    _add_colophon(doc)
    _add_page_numbers(doc, doc.sections[0])
    return doc


def build_rectification_notice() -> DocumentObject:
    """The rectification notice (整改通知书) to one unit: 版头, its open problems, the deadline to report."""
    doc = Document()
    _setup_document(doc, "整改通知书（模板）")
    _add_styles(doc)
    _add_masthead(doc)
    body = "公文正文"
    _para(doc, "公文标题", "{{r title }}")
    _para(doc, "主送机关", "{{ unit_name }}：")
    _para(
        doc, body,
        "{{ late_issue_text }}根据《{{ notice_title }}》{{ notice_number_text }}，截至{{ cutoff_text }}，你单位尚有"
        "{{ open_count }}个督查发现问题未整改销号{{ overdue_clause }}{{ closed_since_clause }}。",
    )  # fmt: skip
    # A line of its own that keeps with the table: LibreOffice moves a whole paragraph that keeps with the
    # next, so the long sentence above would leave the first page empty under the title.
    _para(doc, body, "具体问题如下：").paragraph_format.keep_with_next = True
    _loop_table(
        doc,
        ["问题编号", "问题类型", "问题描述", "整改要求", "整改时限", "当前状态", "备注"],
        [30, 15, 30, 28, 20, 15, 18],  # 问题编号 as in the notice's 附件2: a 12-character code on one line
        "row in item_rows",
        [
            "{{ row.problem_id }}", "{{ row.problem_type }}", "{{ row.description }}",
            "{{ row.requirement }}", "{{ row.deadline }}", "{{ row.state }}", "{{ row.remark }}",
        ],
        left_columns=(2, 3),
    )  # fmt: skip
    _para(
        doc, body,
        "请你单位对照上述问题和整改要求，逐项制定整改措施、明确责任人和完成时限，于{{ deadline_text }}"
        "（{{ time_zone_text }}）前报送整改情况报送表。{{ channel }}已逾期的问题要立即整改，"
        "并书面说明逾期原因；复查未通过的问题要重新制定整改措施。整改完成后由{{ secretariat }}组织复查，"
        "复查通过的予以销号。",
    ).paragraph_format.keep_with_next = True  # fmt: skip
    _signature(doc)
    _add_colophon(doc)
    _add_page_numbers(doc, doc.sections[0])
    return doc


def build_acceptance_report() -> DocumentObject:
    """The acceptance report (验收报告): 版头, title, 主送, 一 … 六, 附件说明, signature, 附件1.

    The campaign calls it the 验收报告 (DOMAIN.md), so its title says 报告; it is sent to the member units
    (主送 各成员单位) and ends with 下步要求 to them. 附件1's score table has one column per indicator, so its columns are not known here: the
    context brings the whole table (``{{p score_table }}``, laid out per indicator system) and this
    template places it between the 附件标题 and the notes.
    """
    doc = Document()
    _setup_document(doc, "年度测评验收报告（模板）")
    _add_styles(doc)
    _add_masthead(doc)
    body = "公文正文"
    none_scored = "本年度尚无验收评分结果。"
    _para(doc, "公文标题", "{{r title }}")
    _para(doc, "主送机关", "{{ recipients }}：")
    _para(
        doc, body,
        "按照{{ campaign }}测评体系，{{ secretariat }}组织对各成员单位{{ period_label }}创建工作进行了"
        "测评验收。现将验收情况报告如下。",
    )  # fmt: skip

    _para(doc, "一级标题", "一、总体情况")
    _para(
        doc, body,
        "{{ period_label }}测评验收材料应于{{ deadline_text }}（{{ time_zone_text }}）前报送。应报送单位"
        "{{ expected_count }}家，已报送{{ submitted_count }}家（其中逾期报送{{ late_count }}家），未报送或报送"
        "材料未通过审核{{ missing_count }}家。",
    )  # fmt: skip
    _para(doc, body, "{%p if missing_names %}")
    _para(doc, body, "未报送或报送材料未通过审核的单位：{{ missing_names }}（详见第五部分）。")
    _para(doc, body, "{%p endif %}")
    _para(doc, body, "{%p if rank_rows %}")
    _para(
        doc, body,
        "测评体系共{{ indicator_count }}项指标，满分{{ full_points }}分。纳入验收评分的单位{{ ranked_count }}家，"
        "平均得分{{ average_total }}分，最高{{ top_total }}分，最低{{ bottom_total }}分。等次按总分评定："
        "{{ grade_rule_text }}。{{ grade_text }}（图1）。",
    )  # fmt: skip
    _para(doc, "图片", "{{ score_chart }}")
    _para(doc, "图题", "图1  验收得分等次分布")
    _para(doc, body, "{%p else %}")
    _para(doc, body, none_scored)
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "二、得分与等次")
    _para(doc, body, "{%p if rank_rows %}")
    _para(doc, body, "各单位验收得分及等次如下（表1）：").paragraph_format.keep_with_next = True
    _para(doc, "表题", "表1  各单位验收得分及等次")
    _loop_table(
        doc,
        ["名次", "单位", "总分", "等次", "自评总分", "自评与验收差距"],
        [11, 51, 18, 18, 24, 34],  # 自评与验收差距 on one line
        "row in rank_rows",
        [
            "{{ row.rank }}", "{{ row.name }}", "{{ row.total }}", "{{ row.grade }}", "{{ row.self_total }}",
            "{{ row.gap }}",
        ],
        left_columns=(1,),
    )  # fmt: skip
    _para(
        doc, "表注",
        "注：名次按验收总分由高到低排列，总分相同的名次并列；自评与验收差距为自评总分减验收总分，正数表示"
        "自评高于验收；“—”表示未报送自评表。",
    )  # fmt: skip
    _para(doc, body, "{%p if unscored_units %}")
    _para(doc, body, "以下单位有指标未评分，总分按已评分的指标计算：")
    _para(doc, body, "{%p for unit in unscored_units %}")
    _para(doc, body, "{{ unit.no }}. {{ unit.name }}：未评分指标{{ unit.count }}项（{{ unit.indicators }}）。")
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p endif %}")
    _para(doc, body, "{%p else %}")
    _para(doc, body, none_scored)
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "三、失分较多的指标")
    _para(doc, body, "{%p if loss_rows %}")
    _para(doc, body, "按各指标在已评分单位中的平均失分排序，失分较多的{{ loss_count }}项指标如下：")
    _para(doc, body, "{%p for loss in loss_rows %}")
    _para(
        doc, body,
        "{{ loss.no }}. {{ loss.indicator_id }} {{ loss.level2 }}（{{ loss.level1 }}）：分值{{ loss.points }}分，"
        "平均得分{{ loss.average }}分，平均失分{{ loss.lost }}分，失分率{{ loss.rate }}。",
    )  # fmt: skip
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "各成员单位要对照上述指标的评分标准逐项查找差距，补齐短板。")
    _para(doc, body, "{%p else %}")
    _para(doc, body, "各项指标均未失分。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "四、自评与验收差距较大的单位")
    _para(doc, body, "{%p if gap_rows %}")
    _para(doc, body, "自评总分与验收总分差距较大的{{ gap_count }}家单位如下：")
    _para(doc, body, "{%p for gap in gap_rows %}")
    _para(
        doc, body,
        "{{ gap.no }}. {{ gap.name }}：自评总分{{ gap.self_total }}分，验收总分{{ gap.total }}分，"
        "自评{{ gap.direction }}验收{{ gap.gap }}分。",
    )  # fmt: skip
    _para(doc, body, "{%p endfor %}")
    _para(
        doc, body,
        "以上单位要对照测评体系和评分标准，认真分析自评与验收得分存在差距的原因，今后要实事求是开展自评。",
    )  # fmt: skip
    _para(doc, body, "{%p else %}")
    _para(doc, body, "未发现自评总分与验收总分存在差距的单位。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "五、未报送材料的单位")
    _para(doc, body, "{%p for grp in unit_groups %}")
    _para(doc, body, "{{ grp.label }}的单位（{{ grp.count }}家）：{{ grp.names }}。")
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p if unit_groups %}")
    _para(doc, body, "以上单位要向{{ secretariat }}书面说明原因。")
    _para(doc, body, "{%p else %}")
    _para(doc, body, "各成员单位均已报送测评验收材料。")
    _para(doc, body, "{%p endif %}")

    _closing(doc, "六", body, ["{{ period_label }}验收评分汇总表"])

    _para(doc, "附件标识", "附件1")
    _para(doc, "附件标题", "{{ period_label }}验收评分汇总表")
    _para(doc, body, "{%p if rank_rows %}")
    _para(doc, "附件表格", "{{p score_table }}")
    _para(
        doc, "表注",
        "注：表中为各指标的验收得分（多名评审人员评分的取平均分），表头为指标编号和分值；“—”表示该指标未评分，"
        "总分按已评分的指标计算。",
    )  # fmt: skip
    _para(doc, "表注", "指标：{{ indicator_legend }}")
    _para(doc, body, "{%p else %}")
    _para(doc, body, none_scored)
    _para(doc, body, "{%p endif %}")
    _add_colophon(doc)
    _add_page_numbers(doc, doc.sections[0])
    return doc


def build_reminder() -> DocumentObject:
    """The reminder (催报通知) sent before a deadline: 版头, title, 主送, the deadline, 一 the units that have sent
    nothing, 二 those whose file was returned (each with its first problems), 三 what to do, signature.

    Filled by ``docgen.reminders.reminder_context``; it names no cycle (``kind_title`` says what is owed).
    """
    doc = Document()
    _setup_document(doc, "催报通知（模板）")
    _add_styles(doc)
    _add_masthead(doc)
    body = "公文正文"
    _para(doc, "公文标题", "{{r title }}")
    _para(doc, "主送机关", "{{ recipients }}：")
    _para(doc, body, "{%p if overdue %}")
    _para(
        doc, body,
        "{{ period_label }}{{ kind_title }}应于{{ deadline_text }}（{{ time_zone_text }}）前报送，报送截止时间已过。"
        "截至{{ as_of_text }}，应报送单位{{ expected_count }}家，仍有{{ owing_count }}家未报送或报送材料未通过审核。"
        "现将有关情况通知如下。",
    )  # fmt: skip
    _para(doc, body, "{%p else %}")
    _para(
        doc, body,
        "{{ period_label }}{{ kind_title }}报送截止时间为{{ deadline_text }}（{{ time_zone_text }}），"
        "{{ remaining_text }}。截至{{ as_of_text }}，应报送单位{{ expected_count }}家，尚有{{ owing_count }}家"
        "未报送或报送材料未通过审核。现将有关情况通知如下。",
    )  # fmt: skip
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "一、未报送的单位")
    _para(doc, body, "{%p if missing_rows %}")
    _para(doc, body, "{%p for unit in missing_rows %}")
    _para(doc, body, "{{ unit.no }}. {{ unit.name }}{{ unit.detail }}")
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p else %}")
    _para(doc, body, "无。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "二、已退回未重新报送的单位")
    _para(doc, body, "{%p if returned_rows %}")
    _para(doc, body, "{%p for unit in returned_rows %}")
    _para(
        doc, body,
        "{{ unit.no }}. {{ unit.name }}{{ unit.detail }}：{{ unit.received_text }}报送的“{{ unit.file }}”"
        "未通过审核，已退回，共{{ unit.problem_count }}处问题，主要是：",
    )  # fmt: skip
    _para(doc, body, "{%p for problem in unit.problems %}")
    _para(doc, body, "（{{ loop.index }}）{{ problem }}")
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p if unit.more %}")
    _para(doc, body, "另有{{ unit.more }}处问题，详见回执。")
    _para(doc, body, "{%p endif %}")
    _para(doc, body, "{%p endfor %}")
    _para(doc, body, "{%p else %}")
    _para(doc, body, "无。")
    _para(doc, body, "{%p endif %}")

    _para(doc, "一级标题", "三、有关要求")
    _para(
        doc, body,
        "1. 请以上单位{{ report_by_text }}报送{{ kind_title }}（{{ file_types }}）。{{ channel }}",
    )  # fmt: skip
    _para(
        doc, body,
        "2. 报送后请及时查看回执（与所报文件同名）。回执显示“接收”的，即报送成功；"
        "显示“退回”的，请按回执所列问题逐项修改后重新报送。重新报送的材料将替换此前报送的材料，此前的材料留档备查。",
    )  # fmt: skip
    _para(
        doc, body, "3. 逾期未报送或报送材料未通过审核的单位，将在{{ document_title }}中予以通报。"
    ).paragraph_format.keep_with_next = True  # the 署名 never stands alone on a page
    _signature(doc)
    _add_colophon(doc)
    _add_page_numbers(doc, doc.sections[0])
    return doc


# ---------------------------------------------------------------- the compiled volume (年度工作汇编)

# The placeholder the volume template's TOC field shows until the contents are built (docgen.render.volume
# replaces it with the chapter titles) and updated (Word on opening, LibreOffice when making the PDF).
TOC_PLACEHOLDER = "目录在 Word 中打开时自动更新（或右键单击此处，选择“更新域”）。"
TOC_INSTRUCTION = ' TOC \\o "1-1" \\h \\z \\u '
# Children of w:settings that come after w:updateFields in the schema (CT_Settings is a sequence).
SETTINGS_AFTER_UPDATE_FIELDS = (
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr", "attachedSchema",
    "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures",
    "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
    "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
)


def _add_volume_styles(doc: DocumentObject) -> None:
    """The cover, the 目录 and the chapter heading of the volume.

    The chapter heading is Word's built-in 标题 1 ("heading 1", outline level 1), restyled as a centred
    2号小标宋 starting a new page: every word processor's contents field and navigation pane know that
    style. The contents entries are the built-in 目录 1 ("toc 1"), which Word applies when it updates the
    field: 3号仿宋 with the page number right-aligned after a dotted leader.
    """
    one_line = Pt(LINE_PITCH_TWIPS / 20)
    _paragraph_style(
        doc, "汇编封面活动", "VolumeCoverCampaign", font=XIAOBIAOSONG, size=TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False, snap_to_grid=False, space_before=Mm(45),
    )  # fmt: skip
    _paragraph_style(
        doc, "汇编封面标题", "VolumeCoverTitle", font=XIAOBIAOSONG, size=36,
        align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False, snap_to_grid=False, space_before=Mm(12),
    )  # fmt: skip
    _paragraph_style(
        doc, "汇编封面署名", "VolumeCoverSecretariat", font=FANGSONG, align=WD_ALIGN_PARAGRAPH.CENTER,
        exact_lines=False, snap_to_grid=False, space_before=Mm(90),
    )  # fmt: skip
    _paragraph_style(
        doc, "汇编封面日期", "VolumeCoverDate", font=FANGSONG, align=WD_ALIGN_PARAGRAPH.CENTER,
        exact_lines=False, snap_to_grid=False, space_before=Pt(8),
    )  # fmt: skip
    _paragraph_style(
        doc, "目录标题", "VolumeContentsTitle", font=XIAOBIAOSONG, size=TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER, exact_lines=False, snap_to_grid=False, space_after=one_line,
        page_break_before=True,
    )  # fmt: skip
    # The built-in heading 1, written anew (python-docx's default one is a blue theme font).
    old = doc.styles.element.get_by_id("Heading1")
    if old is not None:
        doc.styles.element.remove(old)
    heading = _paragraph_style(
        doc, "Heading 1", "Heading1", font=XIAOBIAOSONG, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER,
        exact_lines=False, snap_to_grid=False, space_after=one_line, page_break_before=True,
        keep_with_next=True,
    )  # fmt: skip
    heading.priority = 9
    _insert_ordered(heading.element.get_or_add_pPr(), _el("outlineLvl", val="0"), PPR_ORDER)
    toc = _paragraph_style(doc, "toc 1", "TOC1", font=FANGSONG, align=WD_ALIGN_PARAGRAPH.LEFT)
    toc.priority = 39
    tabs = _el("tabs")
    tabs.append(_el("tab", val="right", leader="dot", pos=str(round(TYPE_WIDTH_MM / 25.4 * 1440) - 10)))
    _insert_ordered(toc.element.get_or_add_pPr(), tabs, PPR_ORDER)


def _add_toc_field(doc: DocumentObject) -> Paragraph:
    """A paragraph holding a whole TOC field (begin, instruction, separate, placeholder result, end)."""
    p = doc.add_paragraph(style="toc 1")
    for kind in ("begin", "instr", "separate", "result", "end"):
        run = p.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = TOC_INSTRUCTION
            run._r.append(instr)
        elif kind == "result":
            run.text = TOC_PLACEHOLDER
        else:
            run._r.append(_el("fldChar", fldCharType=kind, **({"dirty": "true"} if kind == "begin" else {})))
    return p


def _update_fields_on_open(doc: DocumentObject) -> None:
    """``<w:updateFields w:val="true"/>``: Word refreshes the contents when the file is opened (it asks)."""
    settings = doc.settings.element
    for old in settings.findall(qn("w:updateFields")):
        settings.remove(old)
    update = _el("updateFields", val="true")
    later = [child for child in settings if child.tag in {qn(f"w:{t}") for t in SETTINGS_AFTER_UPDATE_FIELDS}]
    if later:
        later[0].addprevious(update)
    else:
        settings.append(update)


def build_volume() -> DocumentObject:
    """The compiled volume (年度工作汇编): cover, 目录 (a TOC field) and the section its chapters go in.

    ``docgen.render.volume`` fills the cover, then appends one chapter per unit after the contents: a
    标题 1 heading and the unit's summary. One section: the page numbers run through the whole volume
    (the cover counts as page 1 and shows none: a different first page with an empty footer).
    """
    doc = Document()
    _setup_document(doc, "年度工作汇编（模板）")
    _add_styles(doc)
    _add_volume_styles(doc)
    _para(doc, "汇编封面活动", "{{ campaign }}")
    _para(doc, "汇编封面标题", "{{ title }}")
    _para(doc, "汇编封面署名", "{{ secretariat }}")
    _para(doc, "汇编封面日期", "{{ date_text }}")
    _para(doc, "目录标题", "目  录")
    _add_toc_field(doc)
    section = doc.sections[0]
    _add_page_numbers(doc, section)
    section.different_first_page_header_footer = True
    section.first_page_footer.is_linked_to_previous = False  # an empty footer on the cover
    _update_fields_on_open(doc)
    return doc


BUILDERS: dict[str, Callable[[], DocumentObject]] = {
    "monthly_notice.docx": build_monthly_notice,
    "receipt.docx": build_receipt,
    "quarterly_notice.docx": build_quarterly_notice,
    "rectification_notice.docx": build_rectification_notice,
    "acceptance_report.docx": build_acceptance_report,
    "volume.docx": build_volume,
    "reminder.docx": build_reminder,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Write each template missing from the output folder; an existing one is kept as it is."""
    args = list(sys.argv[1:] if argv is None else argv)
    out_dir = Path(args[0]) if args else REPO_TEMPLATES
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        path = out_dir / name
        if _write_new(path, build):
            print(f"wrote {path}")
        else:
            print(f"skipped {path}: it exists (the committed file is the source; delete it to write it anew)")
    return 0


def _no_theme_fonts(doc: DocumentObject) -> None:
    """python-docx's built-in styles (Heading 1–9, Title, the table styles) name theme fonts, which Word
    resolves to whatever its theme says (等线, or a Japanese face): name the official fonts instead, so a
    secretariat who applies one of them in Word gets a 公文 face."""
    for style in doc.styles.element.findall(qn("w:style")):
        style_id = style.get(qn("w:styleId"), "")
        east_asia = XIAOBIAOSONG if style_id.startswith("Title") else HEITI if style_id.startswith("Heading") else FANGSONG
        for fonts in style.iter(qn("w:rFonts")):  # the style's own and its table parts'
            if any(qn(f"w:{a}") in fonts.attrib for a in ("asciiTheme", "eastAsiaTheme")):
                _set_rfonts(fonts.getparent(), east_asia)


def _write_new(path: Path, build: Callable[[], DocumentObject]) -> bool:
    """Write the template to ``path`` unless a file is there (also one that appeared while building)."""
    if path.exists():
        return False
    data = io.BytesIO()
    doc = build()
    _no_theme_fonts(doc)
    doc.save(data)
    try:
        with open(path, "xb") as out:
            out.write(data.getvalue())
    except FileExistsError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
