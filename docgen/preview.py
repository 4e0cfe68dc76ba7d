"""A draft's documents as a reviewer reads them on a phone (手机预览): one PDF or HTML page per document.

The secretariat reviews a draft (``approval``) wherever it is, and a .docx in a server folder does not
open on a phone. ``draft_preview`` makes, once per draft, ``drafts/<n>/预览/`` holding a PDF of each
.docx (LibreOffice, ``render.pdf``) or, where LibreOffice is missing or fails, an HTML rendering of its
paragraphs, tables and pictures (autoescaped, readable on a small screen). A PDF the draft already holds
beside its .docx is used as it is. The folder is made in a hidden folder beside it and renamed into
place, so nobody sees half a preview, whether a caller is killed or two make it at once; once made it is
reused. It is a subfolder: approving copies only the draft's own files, so a preview is never issued.
Names no cycle.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import cycles
from .errors import DocgenError
from .faults import checkpoint
from .workspace import Workspace

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

PREVIEW_DIR = "预览"
PDF_TIMEOUT_SECONDS = 300.0  # one document; the page that asks waits for it on the first visit only
TEMP_PREFIX = ".预览-"  # a folder being made (hidden: the board lists no dot-names)
STALE_SECONDS = 24 * 3600  # a temporary folder this old was left by a killed caller
PICTURES = {"image/png", "image/jpeg", "image/gif"}  # shown inline in an HTML preview; others named only

PreviewKind = Literal["pdf", "html"]


class NoDraft(DocgenError):
    """The draft asked for was never made, or its folder is gone."""


@dataclass(frozen=True)
class PreviewDocument:
    """One document of a draft and what a reviewer opens instead of it."""

    source: Path  # the draft's .docx (or a PDF it holds with no .docx)
    file: Path  # the preview: a PDF or an HTML page
    kind: PreviewKind

    @property
    def name(self) -> str:
        """The preview's file name: how a link names it."""
        return self.file.name


@dataclass(frozen=True)
class Preview:
    """A draft's preview: its ``预览`` folder and each document's preview, the numbered one first."""

    folder: Path
    documents: tuple[PreviewDocument, ...]

    def document(self, name: str) -> PreviewDocument | None:
        """The document whose preview file is called ``name``, if any (what a link may ask for)."""
        return next((d for d in self.documents if d.name == name), None)


def draft_folder(root: str | Path, cycle: str, period: str, seq: int) -> tuple[Path, str | None]:
    """Draft ``seq``'s folder and issuing number; ``NoDraft`` (Chinese) when it does not exist.

    An unknown cycle raises ``DocgenError``, a malformed period ``ValueError``, as ``approval.decide``.
    """
    ws = Workspace(root)
    declared = cycles.get(cycle)
    per = declared.parse_period(period, ws.campaign)
    try:
        row = ws.state.draft(declared.name, per.key, seq)
    finally:
        ws.state.engine.dispose()
    said = f"{declared.label} {per.label}"
    if row is None:
        raise NoDraft(f"{said}没有第 {seq} 稿")
    folder = (ws.root / row.folder).resolve()
    if not folder.is_relative_to(ws.outbox_dir(declared.name, per.key).resolve()) or not folder.is_dir():
        raise NoDraft(f"{said}第 {seq} 稿的文件夹不存在（生成草稿时中断），无法预览；请重新运行本期")
    return folder, row.doc_number


def draft_preview(root: str | Path, cycle: str, period: str, seq: int) -> Preview:
    """The preview of draft ``seq`` of (cycle, period), made on the first call and reused after.

    Raises ``NoDraft`` for a draft that does not exist; never fails for a missing LibreOffice (the
    documents are then HTML pages).
    """
    folder, doc_number = draft_folder(root, cycle, period, seq)
    target = folder / PREVIEW_DIR
    sources = _sources(folder, doc_number)
    found = [_existing(s, target) for s in sources]
    if target.is_dir() and all(found):
        return Preview(target, tuple(d for d in found if d))
    _sweep(folder)
    temp = folder / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    temp.mkdir()  # not mkdtemp: its mode 0700 would keep a server of another user out
    try:
        for source, done in zip(sources, found, strict=True):
            if done is None:
                _make(source, temp)
        checkpoint("preview")  # made and not yet in place: a kill here leaves no preview
        try:
            os.rename(temp, target)  # the whole folder at once
        except OSError:  # another caller made it meanwhile: keep its files, add only what it lacks
            of = {s.stem: s for s in sources}
            for made in temp.iterdir():
                if _existing(of[made.stem], target) is None:
                    os.replace(made, target / made.name)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    found = [_existing(s, target) for s in sources]
    if not all(found):
        raise DocgenError(f"草稿 {folder} 的预览未能生成，请稍后再试")
    return Preview(target, tuple(d for d in found if d))


def _sources(folder: Path, doc_number: str | None) -> list[Path]:
    """The draft's documents: each .docx, and each PDF without one; the numbered document first."""
    files = [p for p in folder.iterdir()
             if p.is_file() and not p.is_symlink() and not p.name.startswith((".", "~$"))]
    words = [p for p in files if p.suffix.lower() == ".docx"]
    stems = {p.stem for p in words}
    alone = [p for p in files if p.suffix.lower() == ".pdf" and p.stem not in stems]
    return sorted(words + alone, key=lambda p: (not (doc_number and doc_number in p.name), p.name))


def _existing(source: Path, target: Path) -> PreviewDocument | None:
    """The preview ``source`` already has: a PDF beside it in the draft, else one in ``target`` (never a
    link: it could lead out of the outbox)."""
    if source.suffix.lower() == ".pdf":
        return PreviewDocument(source, source, "pdf")
    beside = source.with_suffix(".pdf")
    if beside.is_file() and not beside.is_symlink():
        return PreviewDocument(source, beside, "pdf")
    for kind in ("pdf", "html"):
        made = target / f"{source.stem}.{kind}"
        if made.is_file() and not made.is_symlink():
            return PreviewDocument(source, made, kind)  # type: ignore[arg-type]
    return None


def _make(source: Path, into: Path) -> None:
    """``source``'s preview in ``into``: a PDF when LibreOffice makes one, else an HTML page."""
    from .render.pdf import to_pdf  # noqa: PLC0415 - only when a preview is made

    made = to_pdf(source, into / f"{source.stem}.pdf", timeout=PDF_TIMEOUT_SECONDS).path
    if made is None:
        made = into / f"{source.stem}.html"
        made.write_text(docx_html(source), encoding="utf-8")
    shutil.copymode(source, made)  # readable by whoever may read the document, nobody else


def _sweep(folder: Path) -> None:
    """Remove temporary folders a killed caller left (old enough that nobody is still making them)."""
    for entry in folder.glob(f"{TEMP_PREFIX}*"):
        try:
            if entry.is_dir() and time.time() - entry.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


# ---------------------------------------------------------------- the HTML rendering of a .docx


@dataclass
class Cell:
    """A table cell's text (its paragraphs, one a line) and how many grid columns and rows it spans."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Block:
    """A paragraph (``role``: how it is shown; pictures as data URIs) or a table (``rows``)."""

    role: str
    text: str = ""
    pictures: tuple[str, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    header_rows: int = 0
    missing_pictures: int = 0


# How a paragraph of a known style is shown; any other by its alignment (centred, right) or as body text.
ROLES = {
    "公文标题": "title", "Title": "title", "发文机关标志": "masthead", "发文字号": "number",
    "一级标题": "h2", "Heading 1": "h2", "二级标题": "h3", "Heading 2": "h3", "三级标题": "h4", "Heading 3": "h4",
    "表题": "caption", "图题": "caption", "发文机关署名": "right", "成文日期": "right",
}


def docx_html(source: Path) -> str:
    """``source`` as one HTML page for a small screen: its paragraphs, tables and pictures in order, every
    text autoescaped; a file python-docx cannot read gives a page that says so."""
    from .pages import environment  # noqa: PLC0415 - the one autoescaping environment of docgen/html

    try:
        blocks = _blocks(source)
    except Exception:  # noqa: BLE001 - any unreadable file: the page says so, the .docx stays downloadable
        blocks = None
    return environment().get_template("preview_document.html").render(name=source.stem, blocks=blocks)


def _blocks(source: Path) -> list[Block]:
    from docx import Document  # noqa: PLC0415 - rendering imports python-docx only when asked
    from docx.table import Table  # noqa: PLC0415

    doc = Document(str(source))
    return [_table(item) if isinstance(item, Table) else _paragraph(item, doc) for item in doc.iter_inner_content()]


def _paragraph(paragraph: Paragraph, doc: WordDocument) -> Block:
    name = paragraph.style.name if paragraph.style is not None else ""
    role = ROLES.get(name or "")
    if role is None:
        align = paragraph.alignment
        if align is None and paragraph.style is not None:
            align = paragraph.style.paragraph_format.alignment
        role = {1: "center", 2: "right"}.get(int(align) if align is not None else -1, "body")
    pictures, missing = [], 0
    for blip in paragraph._p.xpath(".//a:blip"):  # noqa: SLF001 - python-docx has no public access to pictures
        part = doc.part.related_parts.get(blip.get(_EMBED) or "")
        if part is not None and part.content_type in PICTURES:
            pictures.append(f"data:{part.content_type};base64,{base64.b64encode(part.blob).decode('ascii')}")
        else:
            missing += 1
    return Block(role, paragraph.text, tuple(pictures), missing_pictures=missing)


_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def _table(table: Table) -> Block:
    """A table with merged cells kept merged (a spanned column, a vertically merged row) and its repeated
    header rows as the table's head."""
    from docx.table import _Cell  # noqa: PLC0415

    rows: list[tuple[Cell, ...]] = []
    above: dict[int, Cell] = {}  # grid column → the cell a vertical merge started there
    header = 0
    for tr in table._tbl.tr_lst:  # noqa: SLF001 - merged cells once each: python-docx's rows repeat them
        column = tr.grid_before
        row = []
        for tc in tr.tc_lst:
            span = tc.grid_span
            if tc.vMerge == "continue" and column in above:
                above[column].rowspan += 1
            else:
                cell = Cell("\n".join(p.text for p in _Cell(tc, table).paragraphs), span)
                row.append(cell)
                if tc.vMerge == "restart":
                    above[column] = cell
                else:
                    above.pop(column, None)
            column += span
        if header == len(rows) and tr.xpath("./w:trPr/w:tblHeader"):
            header += 1
        rows.append(tuple(row))
    return Block("table", rows=tuple(rows), header_rows=header)
