"""The compiled volume (汇编): a cover, a 目录 and one chapter per submitted document, page numbers throughout.

A generic renderer: it knows a cover (the template's ``{{ }}`` values) and a list of chapters (a title and
a .docx), never which cycle they come from. The template (``templates/volume.docx``, edited in Word
like every template) holds the cover, a 目录 page with a Word TOC field (``TOC \\o "1-1" \\h \\z
\\u``; ``w:updateFields`` in its settings asks Word to refresh it on opening, and ``render.pdf`` has
LibreOffice refresh it) and the one GB/T 9704 section of the whole volume: A4, the type area, "— N —"
page numbers odd right / even left (none on the cover).

Each chapter is a 标题 1 heading (outline level 1, so the contents list it; the style starts a new page)
followed by the unit's body, merged with docxcompose's ``Composer.append`` (text, tables, numbered
lists and embedded pictures, with their styles, numbering and images remapped). What a unit's file
brings is made to fit the volume first, on the unit's document in memory:

* styles: body paragraphs (Normal and every other non-heading style) take 公文正文; a unit's level-1
  heading (标题 1, Title, or any paragraph of outline level 1) takes 一级标题 and level 2 (标题 2,
  Subtitle) 二级标题, both without an outline level so that the contents list only the chapters; deeper
  headings take 公文正文 (GB/T 9704 sets 1. and （1） in the body face). A paragraph that is only a
  picture takes 图片 (an exact line height would clip it), a caption 图题, a paragraph in a table or a
  text box 附件表格居左. Numbering a style carried (List Number, numbered headings) is moved onto the
  paragraph so the list keeps its numbers. Direct formatting (bold, a font set by hand) is kept.
* page setup: the unit's section breaks are dropped with their page size, margins, headers and
  footers, so the volume's one section (and its page numbers) runs through every chapter; tables wider
  than the type area and inline pictures wider than it are scaled down to fit.
* nothing external: a hyperlink to an address becomes plain text (a link inside the document stays),
  HYPERLINK / INCLUDEPICTURE / INCLUDETEXT / LINK fields keep their shown text only, linked pictures
  (``r:link`` without an embedded copy), OLE objects (``w:object``), ActiveX controls, embedded foreign
  chunks (``w:altChunk``) and sub-documents are dropped, and so is any other element that points at an
  external relationship. The unit's attached template (settings.xml) is never read; the volume's own is
  removed if the secretariat's Word added one. Comments and endnote references are dropped
  (docxcompose carries neither), and so is a unit's own table of contents (its page numbers are the
  unit's, and updating indexes would rebuild it from the whole volume).

Performance (bench/bench_volume.py, 300 units of about 3 pages with a table and a picture each, 915
pages, 2-core machine): docxcompose's stock ``Composer`` takes about 25 s for the bare merge; the volume
takes about 8.5 s with all the fitting above. ``_VolumeComposer`` keeps docxcompose's merge and removes
its repeated passes over the whole volume (style lists rebuilt per element, ids renumbered and sections
counted per append, image hashes recomputed, footnotes reparsed: see its docstring); what remains is
mostly python-docx opening the 300 files and docxcompose's per-element work, linear in the volume.
"""

from __future__ import annotations

import hashlib
import math
import re
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.styles import BabelFish
from docxcompose.composer import Composer
from docxcompose.image import ImageWrapper
from lxml import etree

from ..atomic import replacing
from .engine import (
    PROPERTIES,
    DocumentProperties,
    clean_text,
    keep_rows,
    load_template,
    render_to_file,
)
from .faces import OFFICIAL_FONTS
from .paragraphs import keep_together, keep_with_next

VOLUME_TEMPLATE = "volume.docx"
COVER_FIELDS = ("campaign", "title", "secretariat", "date_text")

CHAPTER_STYLE = "Heading1"  # 标题 1 (heading 1), restyled in the template; outline level 1
BODY_STYLE = "GongwenBody"  # 公文正文
HEADING_STYLES = ("GongwenHeading1", "GongwenHeading2")  # 一级标题, 二级标题
FIGURE_STYLE = "GongwenFigure"  # 图片
CAPTION_STYLE = "GongwenFigureCaption"  # 图题
CELL_STYLE = "GongwenTableTextLeft"  # 附件表格居左
TOC_ENTRY_STYLE = "TOC1"  # 目录 1 (toc 1)
NOTES_TITLE = "说明"
# A chapter's closing lines (the unit's name, a date) are short: up to this many characters each, and up
# to CLOSING_LINES of them at the end of a chapter are kept with the paragraph before them.
BODY_FONT = OFFICIAL_FONTS[0].name  # 仿宋_GB2312
CLOSING_CHARS = 30
CLOSING_LINES = 3
# The last line of a 落款: a date as units write it (2026年1月5日, 二〇二六年一月五日).
DATE_LINE = re.compile(r"^[0-9０-９〇零一二三四五六七八九]{4}\s*年\s*\S{1,3}\s*月\s*\S{1,3}\s*日$")
SENTENCE_ENDS = ("。", "！", "？", "；", "：", ".", ";", ":")
LINE_CHARS = 28  # characters of a line of 公文正文 (GB/T 9704-2012: 22 lines of 28 characters)

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "v": "urn:schemas-microsoft-com:vml",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
R_NS = f"{{{NS['r']}}}"
W = f"{{{NS['w']}}}"

# Fields whose result is kept as plain text (their code points outside the document).
UNWRAPPED_FIELDS = {"HYPERLINK", "INCLUDEPICTURE", "INCLUDETEXT", "LINK", "DDE", "DDEAUTO"}
# Fields removed with their result: a unit's own indexes.
DROPPED_FIELDS = {"TOC", "INDEX", "TOA", "BIBLIOGRAPHY"}
HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)

_xp: dict[str, etree.XPath] = {}  # compiled XPath expressions


def _x(expr: str) -> etree.XPath:
    compiled = _xp.get(expr)
    if compiled is None:
        compiled = _xp[expr] = etree.XPath(expr, namespaces=NS)
    return compiled


@dataclass(frozen=True)
class Chapter:
    """One chapter of the volume: its heading (e.g. the unit's name) and the .docx that becomes its body."""

    title: str
    path: Path


@dataclass
class VolumeResult:
    """What ``compose_volume`` wrote: the file, what it holds, what it left out, and how long it took."""

    path: Path
    chapters: int
    tables: int = 0
    pictures: int = 0
    seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (chapter title, 原因) of unreadable files
    dropped: dict[str, int] = field(default_factory=dict)  # what was removed: kind → count


# ---------------------------------------------------------------- the composer


class _VolumeComposer(Composer):
    """docxcompose's Composer without its repeated passes over the whole volume (same result).

    Measured on 50 three-page units (bench/bench_volume.py --profile), where the stock Composer spent
    most of its time:

    * ``add_styles`` lists the volume's ~190 style ids through python-docx's style objects twice for
      every top-level element appended (and ``_create_style_id_mapping`` names every style of both
      documents for every append): 6 of 7.4 s. Here the volume's ids and names are read from the XML
      once and kept up to date, and a unit's style names are read only for the styles it uses.
    * ``fix_section_types`` and ``fix_header_and_footers`` count the volume's sections (a pass over the
      body) for every append; a unit fitted to the volume has one section, so there is nothing to fix.
    * ``insert`` renumbers every bookmark, ``wp:docPr`` and ``pic:cNvPr`` of the volume after each
      append, a pass over the whole body each time: quadratic in the number of chapters (docxcompose's
      issue #78 is this kind of path). Here they run once, in ``finish``.
    * Image parts are matched by a SHA-1 that python-docx recomputes from the blob of every image in
      the volume for every picture appended; ``add_images`` keeps the hashes.
    * Footnotes (issue #78's slow path): see ``add_footnotes``. 300 units with 5 footnotes each: the
      stock method added ~4 s to ~8.5 s.
    """

    def __init__(self, doc: DocumentObject) -> None:
        super().__init__(doc)
        self._deferred = True
        self._notes: Any = None  # the volume's footnotes, parsed once (see add_footnotes)
        self._notes_part: Any = None
        self._next_note = 1
        self._image_by_sha1: dict[str, Any] = {p.sha1: p for p in self.pkg.image_parts}
        self._our_ids: set[str] = set()
        self._our_name2id: dict[str | None, str] = {}
        for sid, name in _style_names(doc.styles.element).items():
            self._our_ids.add(sid)
            self._our_name2id[name] = sid

    def reset_reference_mapping(self) -> None:
        super().reset_reference_mapping()
        self._numbering_mapped: set[str] = set()  # the unit's styles looked at by _map_abstract_numbering
        self._unit_notes: dict[str | None, Any] | None = None  # the unit's footnotes by id, parsed once

    def _create_style_id_mapping(self, doc: DocumentObject) -> None:
        self._style_id2name = _StyleNames(doc.styles.element)  # looked up for the few styles used
        self._style_name2id = self._our_name2id

    def fix_section_types(self, doc: DocumentObject) -> None:
        if len(_x("./w:sectPr")(doc.element.body)) + len(_x("./w:p/w:pPr/w:sectPr")(doc.element.body)) > 1:
            super().fix_section_types(doc)  # never after _fit_unit, which leaves one section

    def fix_header_and_footers(self, doc: DocumentObject) -> None:
        if len(_x("./w:sectPr")(doc.element.body)) + len(_x("./w:p/w:pPr/w:sectPr")(doc.element.body)) > 1:
            super().fix_header_and_footers(doc)

    def add_styles(self, doc: DocumentObject, element: Any) -> None:
        """``Composer.add_styles`` (without ``preserve_styles``), with the volume's style ids kept in a set."""
        if self.preserve_styles:
            super().add_styles(doc, element)
            return
        used = dict.fromkeys(e.get(W + "val") for e in _x(".//w:tblStyle|.//w:pStyle|.//w:rStyle")(element))
        for style_id in used:
            our_style_id = self.mapped_style_id(style_id)
            if our_style_id not in self._our_ids:
                style_element = doc.styles.element.get_by_id(style_id)
                if style_element is not None:
                    style_element = deepcopy(style_element)
                    self.doc.styles.element.append(style_element)
                    self._learn(style_element)
                    self.add_numberings(doc, style_element)
                    for linked in _x("./w:link")(style_element):
                        linked_id = self.mapped_style_id(linked.get(W + "val"))
                        if linked_id not in self._our_ids:
                            theirs = doc.styles.element.get_by_id(linked.get(W + "val"))
                            if theirs is not None:
                                theirs = deepcopy(theirs)
                                self.doc.styles.element.append(theirs)
                                self._learn(theirs)
            else:
                self._map_abstract_numbering(doc, style_id, our_style_id)
            if our_style_id != style_id and our_style_id is not None:
                for el in _x(".//w:tblStyle|.//w:pStyle|.//w:rStyle")(element):
                    if el.get(W + "val") == style_id:
                        el.set(W + "val", our_style_id)

    def _learn(self, style_element: Any) -> None:
        sid = style_element.get(W + "styleId")
        self._our_ids.add(sid)
        self._our_name2id.setdefault(_ui_name(style_element), sid)

    def _map_abstract_numbering(self, doc: DocumentObject, style_id: str, our_style_id: str) -> None:
        """As docxcompose does: a unit style with numbering that the volume also has shares its list."""
        if style_id in self._numbering_mapped:
            return
        self._numbering_mapped.add(style_id)
        style_element = doc.styles.element.get_by_id(style_id)
        if style_element is None:
            return
        num_ids = _x(".//w:numId/@w:val")(style_element)
        if not num_ids:
            return
        anum_ids = _x(f'.//w:num[@w:numId="{num_ids[0]}"]/w:abstractNumId/@w:val')(doc.part.numbering_part.element)
        our_num_ids = _x(".//w:numId/@w:val")(self.doc.styles.element.get_by_id(our_style_id))
        if anum_ids and our_num_ids:
            numbering = self.numbering_part().element
            our_anum_ids = _x(f'.//w:num[@w:numId="{our_num_ids[0]}"]/w:abstractNumId/@w:val')(numbering)
            if our_anum_ids:
                self.anum_id_mapping[int(anum_ids[0])] = int(our_anum_ids[0])

    def renumber_bookmarks(self) -> None:
        if not self._deferred:
            super().renumber_bookmarks()

    def renumber_docpr_ids(self) -> None:
        if not self._deferred:
            super().renumber_docpr_ids()

    def renumber_nvpicpr_ids(self) -> None:
        if not self._deferred:
            super().renumber_nvpicpr_ids()

    def add_images(self, doc: DocumentObject, element: Any) -> None:
        for blip in _x("(.//a:blip|.//*[local-name()='svgBlip'])[@r:embed]")(element):
            rid = blip.get(R_NS + "embed")
            img_part = doc.part.rels[rid].target_part
            sha1 = hashlib.sha1(img_part.blob).hexdigest()
            new_img_part = self._image_by_sha1.get(sha1)
            if new_img_part is None:
                new_img_part = self.pkg.image_parts._add_image_part(ImageWrapper(img_part))
                self._image_by_sha1[sha1] = new_img_part
            blip.set(R_NS + "embed", self.doc.part.relate_to(new_img_part, RT.IMAGE))
            # linked pictures are dropped before the append (``_drop_external``)

    def add_footnotes(self, doc: DocumentObject, element: Any) -> None:
        """``Composer.add_footnotes`` with each footnotes part parsed once.

        docxcompose parses the unit's footnotes part again for every reference and the volume's (growing)
        one again, and serializes it, for every element holding a reference (its issue #78 found most of
        a slow merge there). Here the volume's footnotes stay parsed until ``finish`` and a unit's are
        parsed once; each copied note is renumbered, and its relationships (a hyperlink's target is
        already gone, see ``_drop_external``) are copied into the volume's footnotes part.
        """
        refs = _x(".//w:footnoteReference")(element)
        if not refs:
            return
        source_part = doc.part.rels.part_with_reltype(RT.FOOTNOTES)
        if self._unit_notes is None:
            root = etree.fromstring(source_part.blob)
            self._unit_notes = {n.get(W + "id"): n for n in _x("./w:footnote")(root)}
        if self._notes is None:
            self._notes_part = self.footnote_part()
            self._notes = etree.fromstring(self._notes_part.blob)
            ids = [int(n.get(W + "id")) for n in _x("./w:footnote[@w:id]")(self._notes)]
            self._next_note = max([0, *ids]) + 1
        for ref in refs:
            source = self._unit_notes.get(ref.get(W + "id"))
            if source is None:
                _remove(ref)  # a reference to no note: Word would refuse the file
                continue
            note = deepcopy(source)
            note.set(W + "id", str(self._next_note))
            ref.set(W + "id", str(self._next_note))
            self._next_note += 1
            self.add_referenced_parts(source_part, self._notes_part, note)
            self._notes.append(note)

    def finish(self) -> None:
        """The passes deferred during the appends: ids renumbered once, the footnotes part written once."""
        self._deferred = False
        self.renumber_bookmarks()
        self.renumber_docpr_ids()
        self.renumber_nvpicpr_ids()
        if self._notes is not None:
            self._notes_part._blob = etree.tostring(self._notes, xml_declaration=True, encoding="UTF-8",
                                                    standalone=True)  # fmt: skip


def _ui_name(style: Any) -> str | None:
    """A style's name as python-docx gives it (``BaseStyle.name``), read straight from the XML."""
    name = style.find(W + "name")
    value = name.get(W + "val") if name is not None else None
    return None if value is None else BabelFish.internal2ui(value)


class _StyleNames(dict):  # type: ignore[type-arg]
    """style id → name of a unit's styles, read on demand: docxcompose asks only for the styles used."""

    def __init__(self, styles: Any) -> None:
        super().__init__()
        self._styles = styles

    def _load(self, sid: object) -> bool:
        if not dict.__contains__(self, sid):
            found = _x("./w:style[@w:styleId=$sid]")(self._styles, sid=sid) if isinstance(sid, str) else []
            if not found:
                return False
            self[sid] = _ui_name(found[0])
        return True

    def __contains__(self, sid: object) -> bool:
        return self._load(sid)

    def __missing__(self, sid: str) -> str | None:
        if not self._load(sid):
            raise KeyError(sid)
        return dict.__getitem__(self, sid)


def _style_names(styles: Any) -> dict[str, str | None]:
    """style id → name of every style in a styles part (what docxcompose builds with python-docx)."""
    return {style.get(W + "styleId"): _ui_name(style) for style in _x("./w:style")(styles)}


# ---------------------------------------------------------------- the volume


def compose_volume(
    cover: Mapping[str, str], chapters: Sequence[Chapter], out: Path, *, template: Path,
    issued: date | datetime, timezone: str | None = None,
    notes: Sequence[str] = (), notes_title: str = NOTES_TITLE,
) -> VolumeResult:
    """Write the volume to ``out`` (atomically): the cover filled with ``cover``, the 目录, each chapter.

    ``cover`` gives the template's variables (``campaign``, ``title``, ``secretariat``, ``date_text`` in
    the shipped template); a template naming one it lacks is refused (``RenderError``). A chapter whose
    file cannot be read as a .docx is still listed, with a line saying so, and reported in ``skipped``.
    ``notes``: the paragraphs of a 说明 (``notes_title``) between the contents and the first chapter, listed
    in the contents like a chapter: what the volume holds and what it leaves out (the caller words it).
    The file's properties: the cover's ``title`` and ``secretariat``, dated ``issued`` (in ``timezone``).
    """
    started = time.perf_counter()
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="docgen-volume-") as scratch:
        rendered = Path(scratch) / "cover.docx"
        tpl = load_template(Path(template))
        properties = DocumentProperties(cover.get("title", ""), cover.get("secretariat", ""), issued, timezone)
        render_to_file(tpl, {**{k: clean_text(v) for k, v in cover.items()}, PROPERTIES: properties}, rendered)
        volume = docx.Document(str(rendered))

    body = volume.element.body
    toc = _toc_paragraph(volume)
    composer = _VolumeComposer(volume)
    result = VolumeResult(path=out, chapters=len(chapters))
    anchors: list[tuple[str, str]] = []
    type_width = _type_width_twips(volume)
    if notes:
        anchors.append(("_TocVolumeNotes", notes_title))
        body.insert(composer.append_index(), _heading(notes_title, "_TocVolumeNotes"))
        for text in notes:
            body.insert(composer.append_index(), _plain_paragraph(clean_text(text)))
    for number, chapter in enumerate(chapters, start=1):
        title = clean_text(chapter.title).strip() or f"第{number}章"
        anchor = f"_TocVolume{number:04d}"
        anchors.append((anchor, title))
        body.insert(composer.append_index(), _heading(title, anchor))
        try:
            unit = docx.Document(str(chapter.path))
        except Exception as exc:  # python-docx raises several unrelated types for a bad package
            reason = f"文件无法作为 Word（.docx）文档读取：{type(exc).__name__}"
            result.skipped.append((title, reason))
            body.insert(composer.append_index(), _plain_paragraph(f"（{reason}，未收入汇编。）"))
            continue
        _fit_unit(unit, type_width, result.dropped)
        composer.append(unit)
    if toc is not None:
        _fill_contents(toc, anchors)
    _drop_external_everywhere(volume, result.dropped)
    composer.finish()
    for part in (volume.styles.element, body):
        _official_fonts(part)

    result.tables = len(_x("./w:tbl")(body))
    result.pictures = len(_x(".//a:blip[@r:embed]")(body))
    with replacing(out) as tmp:
        volume.save(str(tmp))
    result.seconds = time.perf_counter() - started
    return result


# An East Asian font a unit named, as the official font of its style (a face nobody has would otherwise
# print with whatever the printing machine falls back to). Checked in this order; anything else is body text.
OFFICIAL_BY_LOOK = (("仿宋", "仿宋_GB2312"), ("fang", "仿宋_GB2312"), ("黑", "黑体"), ("hei", "黑体"),
                    ("楷", "楷体_GB2312"), ("kai", "楷体_GB2312"), ("小标宋", "方正小标宋简体"),
                    ("宋", "宋体"), ("song", "宋体"), ("sun", "宋体"), ("ming", "宋体"))  # fmt: skip
OFFICIAL_FONT_NAMES = frozenset(font.name for font in OFFICIAL_FONTS)
THEME_FONTS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def _official_fonts(root: Any) -> None:
    """Every East Asian font in the volume is an official one: a unit's theme fonts (Word's 等线 and the
    like, which each machine resolves its own way) and fonts outside the official set are named as the
    official font of the same look, so Word and WPS show the official faces and the PDF step's
    substitution table covers every one."""
    for fonts in root.iter(W + "rFonts"):
        themed = fonts.get(W + "eastAsiaTheme") is not None
        for attr in THEME_FONTS:
            fonts.attrib.pop(W + attr, None)
        name = fonts.get(W + "eastAsia")
        if name is None:
            if themed:
                fonts.set(W + "eastAsia", BODY_FONT)
            continue
        if name not in OFFICIAL_FONT_NAMES:
            look = name.lower()
            fonts.set(W + "eastAsia", next((o for key, o in OFFICIAL_BY_LOOK if key in look), BODY_FONT))


def _type_width_twips(doc: DocumentObject) -> int:
    section = doc.sections[-1]
    return round((section.page_width - section.left_margin - section.right_margin) / 635)  # EMU → twips


def _toc_paragraph(doc: DocumentObject) -> Any:
    """The paragraph of the template whose field is the contents (TOC), or None."""
    for instr in _x(".//w:instrText")(doc.element.body):
        if (instr.text or "").strip().upper().startswith("TOC"):
            return instr.getparent().getparent()
    return None


def _w(tag: str, **attrs: str) -> Any:
    el = OxmlElement(f"w:{tag}")
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), value)
    return el


def _run(text: str = "", *children: Any) -> Any:
    r = _w("r")
    for child in children:
        r.append(child)
    if text:
        t = _w("t")
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        r.append(t)
    return r


def _paragraph(style: str) -> Any:
    p = _w("p")
    ppr = _w("pPr")
    ppr.append(_w("pStyle", val=style))
    p.append(ppr)
    return p


def _heading(title: str, anchor: str) -> Any:
    """The chapter's 标题 1 paragraph, bookmarked for the contents' links."""
    p = _paragraph(CHAPTER_STYLE)
    p.append(_w("bookmarkStart", id="0", name=anchor))
    p.append(_run(title))
    p.append(_w("bookmarkEnd", id="0"))
    return p


def _plain_paragraph(text: str) -> Any:
    p = _paragraph(BODY_STYLE)
    p.append(_run(text))
    return p


def _field_runs(instruction: str, result: str) -> list[Any]:
    instr = _w("instrText")
    instr.text = instruction
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return [
        _run("", _w("fldChar", fldCharType="begin")),
        _run("", instr),
        _run("", _w("fldChar", fldCharType="separate")),
        _run(result),
        _run("", _w("fldChar", fldCharType="end")),
    ]


def _fill_contents(toc: Any, anchors: Sequence[tuple[str, str]]) -> None:
    """The contents field's shown result: one 目录 1 line per chapter (title, dotted leader, a PAGEREF to
    the chapter's bookmark), as Word writes it; the page numbers come when the field is updated.

    The template's field may end in a later paragraph (a template saved by Word after updating it):
    whatever the field showed, from its separator to its end, is replaced.
    """
    if not anchors:
        return
    separate = end = None
    depth = 0
    paragraphs = [toc, *toc.itersiblings(W + "p")]
    for p in paragraphs:
        for mark in _x(".//w:fldChar")(p):
            kind = mark.get(W + "fldCharType")
            depth += {"begin": 1, "end": -1}.get(kind, 0)
            if kind == "separate" and depth == 1 and separate is None:
                separate = mark.getparent()
            elif kind == "end" and depth == 0:
                end = mark.getparent()
                break
        if end is not None or depth == 0 and p is not toc:
            break
    if separate is None or end is None or separate.getparent() is not toc:
        return  # not a field this code wrote or Word writes: left as it is
    last = end.getparent()
    if last.tag != W + "p":
        return
    for el in list(separate.itersiblings()):  # the old result in the field's first paragraph
        if el is end:
            break
        toc.remove(el)
    if last is not toc:
        for p in list(toc.itersiblings(W + "p")):  # paragraphs wholly inside the old result
            if p is last:
                break
            p.getparent().remove(p)
        tail = list(end.itersiblings())
        last.getparent().remove(last)
    else:
        tail = []
        toc.remove(end)
    lines = []
    for anchor, title in anchors:
        p = _paragraph(TOC_ENTRY_STYLE)
        link = _w("hyperlink", anchor=anchor, history="1")
        link.append(_run(title))
        link.append(_run("", _w("tab")))
        for r in _field_runs(f" PAGEREF {anchor} \\h ", ""):
            link.append(r)
        p.append(link)
        lines.append(p)
    # The first entry shares the paragraph that opens the field; the field ends after the last entry.
    for child in list(lines[0])[1:]:
        toc.append(child)
    lines[0] = toc
    lines[-1].append(end)
    for el in tail:
        lines[-1].append(el)
    for p in reversed(lines[1:]):
        toc.addnext(p)


# ---------------------------------------------------------------- fitting a unit's document


def _fit_unit(unit: DocumentObject, type_width: int, dropped: dict[str, int]) -> None:
    """Make a unit's document fit the volume, in memory, before docxcompose appends it (see the module)."""
    body = unit.element.body
    for sect in _x(".//w:pPr/w:sectPr")(body):
        _remove(sect)  # and the paragraph that only carried the section break
    _drop_fields(body, dropped)
    for kind, expr in (
        ("目录", ".//w:sdt[w:sdtPr/w:docPartObj/w:docPartGallery[@w:val='Table of Contents']]"),
        ("批注", ".//w:commentRangeStart|.//w:commentRangeEnd|.//w:r[w:commentReference]"),
        ("尾注", ".//w:r[w:endnoteReference]"),
        ("嵌入的外部文档", ".//w:altChunk|.//w:subDoc"),
    ):
        for el in _x(expr)(body):
            if el.getparent() is not None:
                el.getparent().remove(el)
                dropped[kind] = dropped.get(kind, 0) + 1
    _drop_external(body, unit.part, _styles_named(unit, "hyperlink"), dropped)
    for part in _note_parts(unit):
        _drop_external(part[1], part[0], set(), dropped)
        part[2]()
    _map_styles(unit, body)
    for off in _x(".//w:pPr/w:widowControl[@w:val='0' or @w:val='false' or @w:val='off']")(body):
        off.getparent().remove(off)  # the volume's styles have widow/orphan control: a unit does not undo it
    _trim_end(body, dropped)
    _keep_closing_lines(body)
    for tbl in body.iter(W + "tbl"):
        keep_rows(tbl, header=True)
    _fit_tables(body, type_width)
    _fit_pictures(body, type_width * 635)


def _blank(p: Any) -> bool:
    """A paragraph that shows nothing: no text, no picture, no object (page breaks and spaces only)."""
    if _x(".//w:drawing|.//w:pict|.//w:object|.//mc:AlternateContent")(p):
        return False
    return not _text(p)


def _trim_end(body: Any, dropped: dict[str, int]) -> None:
    """Nothing a unit's document ends with may leave a fragment in the volume: its trailing empty
    paragraphs and page breaks go (the next chapter starts a new page anyway)."""
    while True:
        last = [el for el in body if el.tag in (W + "p", W + "tbl")]
        if not last or last[-1].tag != W + "p" or not _blank(last[-1]):
            break
        body.remove(last[-1])
        _count(dropped, "末尾空行")
    blocks = [el for el in body if el.tag in (W + "p", W + "tbl")]
    if blocks and blocks[-1].tag == W + "p":
        for br in _x(".//w:br[@w:type='page']")(blocks[-1]):
            br.getparent().remove(br)
            _count(dropped, "末尾分页符")


def _keep_closing_lines(body: Any) -> None:
    """A chapter's closing lines (the unit's name, the date: short paragraphs at its end) keep with the
    paragraph before them (w:keepNext), so that no page of the volume holds only a signature or a date."""
    blocks = [el for el in body if el.tag in (W + "p", W + "tbl")]
    lines = run = 0  # closing lines with text; paragraphs of the closing run (blank ones between included)
    for el in reversed(blocks):
        if el.tag != W + "p":
            break
        if not _blank(el):
            if lines == CLOSING_LINES or len(_text(el)) > CLOSING_CHARS:
                break
            lines += 1
        run += 1
    if not lines or run == len(blocks):
        return
    tail = blocks[len(blocks) - run :]
    texted = [p for p in tail if not _blank(p)]
    closing = None
    if DATE_LINE.match(_text(texted[-1])):  # a date, and the signer's line above it when there is one
        signed = len(texted) > 1 and not _text(texted[-2]).endswith(SENTENCE_ENDS)
        start = tail.index(texted[-2] if signed else texted[-1])
        closing = _join_closing_lines(body, tail[start:])
        tail = tail[:start]
    keep = tail if closing is not None else tail[:-1]
    # and the body paragraphs before them, back to two lines of text (widow control keeps the last two
    # lines of a longer paragraph together), at most CLOSING_LINES paragraphs
    body_lines = 0
    for el in list(reversed(blocks[: len(blocks) - run]))[:CLOSING_LINES]:
        if el.tag != W + "p" or _blank(el):
            break  # a table right before the closing lines: left as it is
        keep.append(el)
        body_lines += max(1, math.ceil(len(_text(el)) / LINE_CHARS))
        if body_lines >= 2:
            break
    for p in keep:
        keep_with_next(p)
    if closing is not None:
        keep_together(closing)


def _text(p: Any) -> str:
    """A paragraph's text, trimmed."""
    return "".join(t.text or "" for t in p.iter(W + "t")).strip()


def _join_closing_lines(body: Any, run: list[Any]) -> Any:
    """The signer's line and the date as one paragraph, line after line (w:br): LibreOffice does not
    always keep a one-line paragraph with the next when that one ends the chapter (seen with 7.4: the
    date alone on a page), but it never splits a kept-together paragraph, so they move to a page
    together."""
    lines = [p for p in run if not _blank(p)]
    first = lines[0]
    for p in run:
        if p is first:
            continue
        if p in lines:
            first.append(first.makeelement(W + "r", {}))
            first[-1].append(first.makeelement(W + "br", {}))
            for child in [c for c in p if c.tag != W + "pPr"]:
                first.append(child)
        body.remove(p)
    return first


def _note_parts(unit: DocumentObject) -> list[tuple[Any, Any, Any]]:
    """(part, its XML root, a function writing the root back) of the unit's footnotes, which
    docxcompose copies note by note from the part's bytes."""
    found = []
    for rel in unit.part.rels.values():
        if rel.is_external or rel.reltype != RT.FOOTNOTES:
            continue
        part = rel.target_part
        if hasattr(part, "element"):
            found.append((part, part.element, lambda: None))
        else:
            root = etree.fromstring(part.blob)

            def write(part: Any = part, root: Any = root) -> None:
                part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

            found.append((part, root, write))
    return found


def _styles_named(doc: DocumentObject, name: str) -> set[str]:
    """The ids of the styles called ``name`` (in any case: Word writes "Hyperlink", others "hyperlink")."""
    upper, lower = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
    expr = f"./w:style[translate(w:name/@w:val, '{upper}', '{lower}') = '{name.lower()}']/@w:styleId"
    return set(_x(expr)(doc.styles.element))


def _run_content(el: Any) -> Any:
    """The run-level element holding ``el`` (a w:drawing, w:pict, w:object, mc:AlternateContent …)."""
    node = el
    while node.getparent() is not None and node.getparent().tag != W + "r":
        node = node.getparent()
        if node.tag in (W + "p", W + "body", W + "tc"):
            return el
    return node if node.getparent() is not None else el


def _remove(el: Any) -> None:
    """Remove ``el``, then the run and the body paragraph it leaves with nothing in them (a dropped OLE
    object or section break must not leave an empty line behind; a table cell keeps its paragraph)."""
    parent = el.getparent()
    parent.remove(el)
    if parent.tag == W + "pPr":
        parent = parent.getparent()
    if parent.tag == W + "r" and all(child.tag == W + "rPr" for child in parent):
        run, parent = parent, parent.getparent()
        parent.remove(run)
    if (parent.tag == W + "p" and parent.getparent() is not None and parent.getparent().tag == W + "body"
            and all(child.tag == W + "pPr" for child in parent)):  # fmt: skip
        parent.getparent().remove(parent)


def _count(dropped: dict[str, int], kind: str) -> None:
    dropped[kind] = dropped.get(kind, 0) + 1


def _unwrap(el: Any) -> None:
    """Replace ``el`` by its children."""
    parent = el.getparent()
    index = parent.index(el)
    for child in list(el):
        parent.insert(index, child)
        index += 1
    parent.remove(el)


def _drop_external(root: Any, part: Any, hyperlink_styles: set[str], dropped: dict[str, int]) -> None:
    """Nothing under ``root`` may point outside the package (see the module docstring)."""
    rels = part.rels
    external = {rid for rid, rel in rels.items() if rel.is_external}
    for link in _x(".//w:hyperlink[@r:id]")(root):
        for rstyle in _x("./w:r/w:rPr/w:rStyle")(link):
            if rstyle.get(W + "val") in hyperlink_styles:
                rstyle.getparent().remove(rstyle)
        _unwrap(link)
        _count(dropped, "外部链接")
    for blip in _x(".//a:blip[@r:link]")(root):
        if blip.get(R_NS + "embed"):
            del blip.attrib[R_NS + "link"]
        else:
            content = _run_content(blip)
            if content.getparent() is not None:
                _remove(content)
                _count(dropped, "链接的图片")
    for kind, expr in (("OLE 对象", ".//w:object"), ("控件", ".//w:control")):
        for el in _x(expr)(root):
            content = _run_content(el)
            if content.getparent() is not None:
                _remove(content)
                _count(dropped, kind)
    if not external:
        return
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if any(k.startswith(R_NS) and v in external for k, v in el.attrib.items()):
            content = _run_content(el)
            if content.getparent() is not None:
                _remove(content)
                _count(dropped, "外部引用")


def _field_instruction(instr_runs: Iterable[Any]) -> str:
    return "".join(t.text or "" for r in instr_runs for t in r.iter(W + "instrText")).strip()


def _drop_fields(root: Any, dropped: dict[str, int]) -> None:
    """Fields pointing outside keep their shown text only; a unit's own indexes go (see the module)."""
    for simple in _x(".//w:fldSimple")(root):
        kind = (simple.get(W + "instr") or "").split()[:1]
        kind = kind[0].upper() if kind else ""
        if kind in UNWRAPPED_FIELDS:
            _unwrap(simple)
            _count(dropped, "外部域")
        elif kind in DROPPED_FIELDS:
            simple.getparent().remove(simple)
            _count(dropped, "目录")
    # Complex fields: begin … instrText … separate … result … end, possibly over several paragraphs.
    marks = _x(".//w:fldChar")(root)
    stack: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    for mark in marks:
        kind = mark.get(W + "fldCharType")
        run = mark.getparent()
        if kind == "begin":
            stack.append({"begin": run, "separate": None, "end": None, "instr": []})
        elif not stack:
            continue
        elif kind == "separate":
            stack[-1]["separate"] = run
        elif kind == "end":
            fld = stack.pop()
            fld["end"] = run
            if not stack:  # only outermost fields are acted on
                done.append(fld)
    for fld in done:
        runs = _runs_between(fld["begin"], fld["separate"] if fld["separate"] is not None else fld["end"])
        instruction = _field_instruction(runs)
        kind = instruction.split()[0].upper() if instruction else ""
        if kind in UNWRAPPED_FIELDS:
            for r in [fld["begin"], *runs, fld["separate"], fld["end"]]:
                if r is not None and r.getparent() is not None:
                    r.getparent().remove(r)
            _count(dropped, "外部域")
        elif kind in DROPPED_FIELDS:
            _remove_span(fld["begin"], fld["end"])
            _count(dropped, "目录")


def _runs_between(start: Any, stop: Any) -> list[Any]:
    """The runs after ``start`` up to (not including) ``stop``, in document order, within one body."""
    out = []
    for el in start.itersiblings() if start.getparent() is stop.getparent() else _following_runs(start):
        if el is stop:
            break
        if el.tag == W + "r":
            out.append(el)
    return out


def _following_runs(start: Any) -> Iterable[Any]:
    """Runs following ``start`` across paragraphs (for a field instruction split over paragraphs)."""
    body = start
    while body.getparent() is not None:
        body = body.getparent()
    seen = False
    for el in body.iter(W + "r"):
        if el is start:
            seen = True
            continue
        if seen:
            yield el


def _remove_span(begin: Any, end: Any) -> None:
    """Remove a field from its begin run to its end run: whole paragraphs between them, and the parts of
    the first and last paragraphs that belong to the field."""
    first, last = begin.getparent(), end.getparent()
    if first is last:
        remove = False
        for el in list(first):
            if el is begin:
                remove = True
            if remove:
                first.remove(el)
            if el is end:
                break
        return
    if first.getparent() is not last.getparent():
        return  # a field across table cells: left as it is
    for el in list(begin.itersiblings()):
        first.remove(el)
    first.remove(begin)
    for p in list(first.itersiblings()):
        if p is last:
            break
        p.getparent().remove(p)
    for el in list(last):
        if el.tag == W + "pPr":
            continue
        last.remove(el)
        if el is end:
            break
    for p in (first, last):
        if not len(_x("./w:r|./w:hyperlink|./w:ins|./w:sdt")(p)) and p.getparent() is not None:
            p.getparent().remove(p)


class _StyleInfo:
    """What the mapping needs of a unit's paragraph style: its heading level and its numbering."""

    def __init__(self, unit: DocumentObject) -> None:
        self.styles: dict[str, Any] = {}
        self.default: str | None = None
        for style in _x("./w:style[@w:type='paragraph']")(unit.styles.element):
            sid = style.get(W + "styleId")
            self.styles[sid] = style
            if style.get(W + "default") in ("1", "true", "on"):
                self.default = sid
        self._cache: dict[str | None, tuple[str, Any]] = {}

    def _chain(self, sid: str | None) -> list[Any]:
        chain, seen = [], set()
        while sid and sid in self.styles and sid not in seen:
            seen.add(sid)
            style = self.styles[sid]
            chain.append(style)
            based = style.find(W + "basedOn")
            sid = based.get(W + "val") if based is not None else None
        return chain

    def role(self, sid: str | None) -> tuple[str, Any]:
        """("heading1" | "heading2" | "caption" | "body", the numPr the style chain carries or None)."""
        if sid not in self._cache:
            chain = self._chain(sid or self.default)
            role, num_pr = "body", None
            for style in chain:
                if num_pr is None:
                    num_pr = style.find(f"{W}pPr/{W}numPr")
            for style in chain:
                name_el = style.find(W + "name")
                name = (name_el.get(W + "val") if name_el is not None else "").strip().lower()
                level = style.find(f"{W}pPr/{W}outlineLvl")
                match = HEADING_NAME.match(name)
                if name == "title" or (match and match.group(1) == "1"):
                    role = "heading1"
                elif name == "subtitle" or (match and match.group(1) == "2"):
                    role = "heading2"
                elif match:
                    role = "body"
                elif name == "caption":
                    role = "caption"
                elif level is not None:
                    value = level.get(W + "val")
                    role = {"0": "heading1", "1": "heading2"}.get(value or "", "body")
                else:
                    continue
                break
            self._cache[sid] = (role, num_pr)
        return self._cache[sid]


ROLE_STYLES = {"heading1": HEADING_STYLES[0], "heading2": HEADING_STYLES[1], "caption": CAPTION_STYLE,
               "body": BODY_STYLE}  # fmt: skip


def _map_styles(unit: DocumentObject, body: Any) -> None:
    """Give every paragraph of the unit one of the volume's styles (see the module docstring)."""
    info = _StyleInfo(unit)
    for p in body.iter(W + "p"):
        ppr = p.find(W + "pPr")
        if ppr is None:
            ppr = _w("pPr")
            p.insert(0, ppr)
        pstyle = ppr.find(W + "pStyle")
        sid = pstyle.get(W + "val") if pstyle is not None else None
        role, style_num = info.role(sid)
        direct_level = ppr.find(W + "outlineLvl")
        if direct_level is not None:
            if role == "body":  # a body-styled paragraph given an outline level by hand
                role = {"0": "heading1", "1": "heading2"}.get(direct_level.get(W + "val") or "", role)
            ppr.remove(direct_level)
        if style_num is not None and ppr.find(W + "numPr") is None:
            _set_ppr_child(ppr, deepcopy(style_num), before=("suppressLineNumbers", "pBdr", "shd", "tabs",
                                                             "suppressAutoHyphens", "kinsoku", "wordWrap",
                                                             "overflowPunct", "topLinePunct", "autoSpaceDE",
                                                             "autoSpaceDN", "bidi", "adjustRightInd",
                                                             "snapToGrid", "spacing", "ind",
                                                             "contextualSpacing", "mirrorIndents",
                                                             "suppressOverlap", "jc", "textDirection",
                                                             "textAlignment", "textboxTightWrap",
                                                             "outlineLvl", "divId", "cnfStyle", "rPr",
                                                             "sectPr", "pPrChange"))  # fmt: skip
        if _in_cell(p):
            target = CELL_STYLE
        elif _only_picture(p):
            target = FIGURE_STYLE
        else:
            target = ROLE_STYLES[role]
        if pstyle is None:
            pstyle = _w("pStyle")
            ppr.insert(0, pstyle)
        pstyle.set(W + "val", target)


def _set_ppr_child(ppr: Any, child: Any, before: Sequence[str]) -> None:
    for i, existing in enumerate(ppr):
        if isinstance(existing.tag, str) and existing.tag.split("}")[-1] in before:
            ppr.insert(i, child)
            return
    ppr.append(child)


def _in_cell(p: Any) -> bool:
    node = p.getparent()
    while node is not None:
        if node.tag in (W + "tc", W + "txbxContent"):
            return True
        if node.tag == W + "body":
            return False
        node = node.getparent()
    return False


def _only_picture(p: Any) -> bool:
    if not _x(".//w:drawing|.//w:pict")(p):
        return False
    return not _text(p)


def _fit_tables(body: Any, type_width: int) -> None:
    """Scale a top-level table wider than the type area (fixed widths in twips) down to it."""
    for tbl in _x("./w:tbl")(body):
        cols = _x("./w:tblGrid/w:gridCol")(tbl)
        width = sum(int(c.get(W + "w") or 0) for c in cols)
        ind = tbl.find(f"{W}tblPr/{W}tblInd")
        if ind is not None and ind.get(W + "type", "dxa") == "dxa":
            width += max(0, int(ind.get(W + "w") or 0))
        if width <= type_width or width == 0:
            continue
        scale = type_width / width
        for c in cols:
            c.set(W + "w", str(int(int(c.get(W + "w") or 0) * scale)))
        for el in _x(".//w:tcW[@w:type='dxa']|./w:tblPr/w:tblW[@w:type='dxa']|./w:tblPr/w:tblInd")(tbl):
            el.set(W + "w", str(int(int(el.get(W + "w") or 0) * scale)))


def _fit_pictures(body: Any, type_width_emu: int) -> None:
    """Scale an inline picture wider than the type area down to it (both sizes Word stores)."""
    for inline in _x(".//wp:inline")(body):
        extent = inline.find(f"{{{NS['wp']}}}extent")
        if extent is None:
            continue
        cx, cy = int(extent.get("cx") or 0), int(extent.get("cy") or 0)
        if cx <= type_width_emu or cx == 0:
            continue
        scale = type_width_emu / cx
        extent.set("cx", str(type_width_emu))
        extent.set("cy", str(int(cy * scale)))
        for ext in _x(".//pic:spPr/a:xfrm/a:ext")(inline):
            ext.set("cx", str(type_width_emu))
            ext.set("cy", str(int(int(ext.get("cy") or 0) * scale)))


# ---------------------------------------------------------------- the volume's own parts


def _drop_external_everywhere(volume: DocumentObject, dropped: dict[str, int]) -> None:
    """No part of the volume keeps an external relationship: the template's attached template (Word adds
    one when the secretariat saves the template) and anything else a part still points at outside."""
    settings = volume.settings.element
    for attached in settings.findall(qn("w:attachedTemplate")):
        settings.remove(attached)
    for part in list(volume.part.package.iter_parts()):
        external = [rid for rid, rel in part.rels.items() if rel.is_external]
        if not external:
            continue
        root = getattr(part, "element", None)
        if root is not None:
            _drop_external(root, part, _styles_named(volume, "hyperlink"), dropped)
        for rid in external:
            part.rels.pop(rid, None)
