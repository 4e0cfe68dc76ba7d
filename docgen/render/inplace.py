"""docxtpl without its quadratic body move, for documents with large tables (the notice's attachments).

``DocxTemplate.render`` parses the rendered body on its own (``fix_tables``) and then moves it into the
document element (``map_tree``). lxml fixes up the namespace of every moved node, and for the
``xml:space`` attribute that nearly every ``w:t`` carries it does so in time quadratic in their number:
at 10,000 units the move took 32 s of a 46 s notice. ``InPlaceDocxTemplate`` parses the rendered body
between the document element's own start and end tags instead, so nothing moves: the same document
(canonical XML equal; tests compare them), in linear time. Whenever this could differ from docxtpl (a
table whose grid docxtpl's ``fix_tables`` would change, a body declaring a namespace differently from
the document element), the body is parsed and moved the plain way. It also runs docxtpl's
``resolve_listing`` only on the paragraphs it can change.

Nor does it hold the rendered body as one tree: at 10,000 units that tree took about half a gigabyte
(libxml2 spends 10–12 bytes per character of WordprocessingML, most of it on attributes). The body is parsed as a stream
(``_BodyWriter``): each top-level paragraph, and each row of a top-level table, is settled for print
(``settle_for_print``, given by the engine), serialized and dropped as soon as what follows it is known, and the
document part is written from those pieces (byte for byte what serializing the whole tree writes; tests
compare). Only the last rows of a table and the last body element stay in the tree. Nor is the rendered body
ever one string: Jinja's output is handed to the stream as it is made (``render_in_pieces``). At 10,000 units
the notice's step went from 1.1 GB to under 0.45 GB (``bench/memory.py``).
"""

from __future__ import annotations

import copy
import functools
import itertools
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import jinja2
from docx.opc.oxml import serialize_part_xml
from docx.oxml.ns import nsmap, qn
from docx.oxml.parser import element_class_lookup
from docxtpl import DocxTemplate
from lxml import etree

from .paragraphs import CLOSING_STYLES, keep_with_next, style_of

BODY = qn("w:body")
_P, _TBL, _TR, _GRID_COL, _TBL_GRID = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:gridCol"), qn("w:tblGrid")
_TC, _TC_PR, _GRID_SPAN, _VAL = qn("w:tc"), qn("w:tcPr"), qn("w:gridSpan"), qn("w:val")
_HEADER_ROW = f"{qn('w:trPr')}/{qn('w:tblHeader')}"
FEED = 1 << 20  # bytes of rendered body given to the parser at a time
_DECLARATION = re.compile(rb'\sxmlns(?::[\w.-]+)?="[^"]*"')
_LEADING_DECLARATIONS = re.compile(rb'(<[\w.:-]+)((?:\sxmlns(?::[\w.-]+)?="[^"]*")*)')
_SPANS = ".//w:tc/w:tcPr[1]/w:gridSpan[1]"  # the gridSpan fix_tables reads: tc.find(tcPr).find(gridSpan)
_DOC_PR = etree.XPath("//wp:docPr", namespaces=nsmap)
_DOC_PR_UNDER = etree.XPath(".//wp:docPr", namespaces=nsmap)  # in one element written alone
_START_TAG = re.compile(r"<([\w.-]+:)?body\b[^>]*>")
_NAMESPACE = re.compile(r"""\s+xmlns(?::([\w.-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@functools.lru_cache(maxsize=4)
def _table_checks(w: str) -> tuple[etree.XPath, etree.XPath]:
    """Compiled once: (a row with more cells than $n, or a gridSpan that is not a plain number;
    a row whose cells span at least $n columns)."""
    ns = {"w": w}
    return (
        etree.XPath(
            f"boolean(.//w:tr[count(w:tc) > $n] | {_SPANS}"
            "[not(string-length(@w:val) > 0 and translate(@w:val, '0123456789', '') = '')])",
            namespaces=ns,
        ),
        etree.XPath(
            "boolean(.//w:tr[count(w:tc[not(w:tcPr[1]/w:gridSpan)])"
            " + sum(w:tc/w:tcPr[1]/w:gridSpan[1]/@w:val) >= $n])",
            namespaces=ns,
        ),
    )


def tables_need_fixing(tree: etree._Element) -> bool:
    """Whether docxtpl's ``fix_tables`` would change any table's grid, checked in XPath (C) instead of
    its Python loop over every cell: true when a row has more cells than grid columns, when no row
    spans all of them, or when anything is unusual enough that only fix_tables should judge it."""
    w = tree.nsmap.get("w")
    if w is None:
        return True
    too_many_or_odd, spans_all = _table_checks(w)
    for table in tree.iter(f"{{{w}}}tbl"):
        grid = table.find(f"{{{w}}}tblGrid")
        if grid is None:
            return True
        columns = len(grid.findall(f"{{{w}}}gridCol"))
        if too_many_or_odd(table, n=columns) or not spans_all(table, n=columns):
            return True
    return False


_LISTING_CHARS = ("\t", "\a", "\n", "\f")  # what resolve_listing turns into tabs and breaks
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", flags=re.DOTALL)  # resolve_listing's own


def resolve_listing(tpl: DocxTemplate, xml: str) -> str:
    """docxtpl's ``resolve_listing`` (tabs and line breaks in rendered text), run only on the
    paragraphs that contain such a character: on any other paragraph it changes nothing, and running
    it over every paragraph of a 10,000-row notice took 7 s."""
    if not any(c in xml for c in _LISTING_CHARS):
        return xml

    def paragraph(match: re.Match[str]) -> str:
        text = match.group(0)
        if any(c in text for c in _LISTING_CHARS):
            return DocxTemplate.resolve_listing(tpl, text)  # the same regex matches this paragraph whole
        return text

    return _PARAGRAPH.sub(paragraph, xml)


PIECE = 20_000  # Jinja output strings joined at a time


def render_in_pieces(tpl: DocxTemplate, src_xml: str, context: dict[str, Any], jinja_env: Any) -> Iterator[bytes]:
    """docxtpl's ``render_xml_part`` for the document body, its output given as it is made, in pieces of
    UTF-8 (the same text once joined; nothing is rendered before the first piece is asked for). Each piece but the first starts at a paragraph's line break (docxtpl puts one before
    each paragraph to render and takes it out after) and no paragraph straddles two pieces, so docxtpl's
    edits after rendering (those breaks taken out, escaped braces restored, ``resolve_listing`` paragraph by
    paragraph) give each piece what they give the whole text."""
    src_xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)
    tpl.current_rendering_part = tpl.docx._part

    def finish(text: str) -> bytes:
        text = re.sub(r"\n<w:p([ >])", r"<w:p\1", text)
        text = text.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return resolve_listing(tpl, text).encode("utf-8")

    try:
        template = jinja_env.from_string(src_xml) if jinja_env else jinja2.Template(src_xml)
        batch: list[str] = []
        for output in template.generate(context):
            batch.append(output)
            if len(batch) >= PIECE:
                text = "".join(batch)
                cut = _paragraph_cut(text)
                batch = [text[cut:]] if cut else [text]
                if cut:
                    yield finish(text[:cut])
        yield finish("".join(batch))
    except jinja2.TemplateError as exc:
        if getattr(exc, "lineno", None) is not None:  # as docxtpl tells where a template error is
            line_number = max(exc.lineno - 4, 0)
            exc.docx_context = [re.sub(r"<[^>]+>", "", x) for x in src_xml.splitlines()[line_number : line_number + 7]]
        raise


_BREAK_BEFORE_PARAGRAPH = re.compile(r"\n<w:p[ >]")


def _paragraph_cut(text: str) -> int:
    """Where ``text`` can be cut (the last break docxtpl put before a paragraph, with every paragraph before
    it closed, as ``resolve_listing``'s non-greedy match closes them), or 0."""
    cut = text.rfind("\n<w:p")
    while cut > 0 and not _BREAK_BEFORE_PARAGRAPH.match(text, cut):
        cut = text.rfind("\n<w:p", 0, cut)
    if cut <= 0:
        return 0
    opened = max(text.rfind("<w:p ", 0, cut), text.rfind("<w:p>", 0, cut))
    return cut if opened < 0 or text.rfind("</w:p>", 0, cut) > opened else 0


_local = threading.local()


def parse_rendered(xml: str) -> etree._Element:
    """Parse rendered XML as fix_tables does (a recovering parser), with one parser per thread."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(recover=True)
    return etree.fromstring(xml, parser)


def _document_parser() -> etree.XMLParser:
    """fix_tables' recovering parser, making python-docx's element classes (the document stays usable)."""
    parser = getattr(_local, "document_parser", None)
    if parser is None:
        parser = _local.document_parser = etree.XMLParser(recover=True)
        parser.set_element_class_lookup(element_class_lookup)
    return parser


def document_frame(root: etree._Element) -> tuple[str, str] | None:
    """The document element serialized around its body: (everything before it, everything after)."""
    frame = copy.deepcopy(root)
    body = frame.find(BODY)
    if body is None:
        return None
    body.clear()
    body.tail = None
    xml = etree.tostring(frame, encoding="unicode")
    empty = f"<{body.prefix}:body/>" if body.prefix else "<body/>"
    if xml.count(empty) != 1:
        return None
    head, tail = xml.split(empty)
    return head, tail


def strip_redundant_namespaces(body_xml: str, nsmap: dict[str | None, str]) -> str | None:
    """The rendered body without the namespace declarations the document element already makes, as
    lxml's move strips them; None when a declaration would be rebound instead (take the plain way)."""
    match = _START_TAG.match(body_xml)
    if match is None:
        return None
    start = match.group(0)
    declared = {prefix: href for prefix, href in nsmap.items()}
    kept = start
    for decl in _NAMESPACE.finditer(start):
        prefix, href = decl.group(1), decl.group(2) if decl.group(2) is not None else decl.group(3)
        if declared.get(prefix) == href:
            kept = kept.replace(decl.group(0), "", 1)
        elif href in declared.values():
            return None  # lxml would rename this prefix to the document element's
    return kept + body_xml[match.end() :]


class PlainPath(Exception):  # noqa: N818 - a signal, not an error
    """The streamed body could differ from docxtpl's (a table to fix, an unusual namespace): parse it whole."""


class _Table:
    """A top-level table being streamed: its rows written so far and what docxtpl's checks need of them."""

    def __init__(self, tbl: etree._Element) -> None:
        grid = tbl.find(_TBL_GRID)
        if grid is None:
            raise PlainPath("a table without a grid")
        self.tbl = tbl
        self.columns = len(grid.findall(_GRID_COL))
        self.rows = 0
        self.header = False
        self.pending: deque[etree._Element] = deque()  # its last rows, still in the tree
        self.written = bytearray()  # its rows written, until the table itself is
        self.marker: etree._Element | None = None
        self.odd = False  # a row with more cells than the grid, or an odd gridSpan (tables_need_fixing)
        self.spans_all = False  # some row spans every column (tables_need_fixing)

    def check(self, row: etree._Element) -> None:
        """``tables_need_fixing``'s checks on one row (and the rows of tables in it), in Python: its XPath
        over a tree being parsed costs milliseconds a call."""
        for tr in row.iter(_TR):
            cells = tr.findall(_TC)
            if len(cells) > self.columns:
                self.odd = True
            spanned = 0
            for tc in cells:
                props = tc.find(_TC_PR)
                span = props.find(_GRID_SPAN) if props is not None else None
                spanned += 1 if span is None else int(_plain_number(span.get(_VAL)) or 0)
            self.spans_all = self.spans_all or spanned >= self.columns
        for props in row.iter(_TC_PR):
            span = props.find(_GRID_SPAN)
            if span is not None and props is props.getparent().find(_TC_PR) and not _plain_number(span.get(_VAL)):
                self.odd = True


def _plain_number(value: str | None) -> str | None:
    """``value`` when it is a non-empty run of ASCII digits (what the XPath check accepts), else None."""
    return value if value and value.isascii() and value.isdigit() else None


class _BodyWriter:
    """Parse a rendered document as a stream and write its body's top-level elements, and the rows of its
    top-level tables, one by one as soon as what follows them is known, settled as ``settle_for_print``
    settles the whole body, their drawings numbered as ``fix_docpr_ids`` numbers them (in document order:
    whatever precedes a table is written before its rows).

    What is written is the bytes serializing the whole tree gives: lxml serializes an element alone with
    its ancestors' namespace declarations, which are cut off (and checked: anything unexpected raises
    ``PlainPath``). What is left in the tree at the end (the last rows and body elements, and a comment
    marking where the written pieces go) is settled and numbered by the usual steps after."""

    def __init__(self, tpl: DocxTemplate, settle: Callable[[Any], None], declarations: str) -> None:
        self.tpl = tpl
        self.settle = settle
        self.keep_with_next = keep_with_next
        self.style_of = style_of
        self.closing = CLOSING_STYLES
        self.declarations = sorted(_DECLARATION.findall(declarations.encode("utf-8")))
        self.written = bytearray()  # the body's elements written, in order (one buffer: few, large allocations)
        self.marker: etree._Element | None = None  # where they go
        self.tables: list[_Table] = []  # top-level tables with rows, until the table itself is written
        self._blob: bytes | bytearray | None = None

    def parse(self, head: str, body: Iterator[bytes], tail: str) -> etree._Element:
        """The document element, its body (given in pieces of UTF-8, each parsed as it comes) holding only
        what was not written."""
        parser = etree.XMLPullParser(events=("end",), tag=(_P, _TBL, _TR), recover=True)
        parser.set_element_class_lookup(element_class_lookup)
        parser.feed(head.encode("utf-8"))
        for piece in body:
            for start in range(0, len(piece), FEED):
                parser.feed(piece[start : start + FEED])
                self._take(parser)
        parser.feed(tail.encode("utf-8"))
        whole = parser.close()
        self._take(parser)
        body = whole.find(BODY)
        if body is None:
            raise PlainPath("no body")
        for child in body:
            if isinstance(child.tag, str) and self._table(child) is None and tables_need_fixing(child):
                raise PlainPath("a table docxtpl would fix")
        return whole

    def _take(self, parser: etree.XMLPullParser) -> None:
        for _, element in parser.read_events():
            parent = element.getparent()
            if parent is None:
                continue
            if parent.tag == BODY:
                self._body_element_ended(element)
            elif element.tag == _TR and parent.tag == _TBL and _is_body(parent.getparent()):
                self._row_ended(parent, element)

    def _table(self, tbl: etree._Element) -> _Table | None:
        return next((t for t in self.tables if t.tbl is tbl), None)

    def _body_element_ended(self, element: etree._Element) -> None:
        table = self._table(element)
        if table is not None:
            self._table_ended(table)
        if element.tag == _P and self.style_of(element) in self.closing:  # settle_for_print's 落款 rule
            before = element.getprevious()
            if before is not None and before.tag == _P and self.style_of(before) not in self.closing:
                self.keep_with_next(before)
        self._write_body_before(element)

    def _write_body_before(self, element: etree._Element) -> None:
        start = self.marker.getnext() if self.marker is not None else element.getparent()[0]
        if start is None or start is element:
            return
        if self.marker is None:
            self.marker = _mark(start)
        self._write(start, element.getprevious(), self.written)

    def _row_ended(self, tbl: etree._Element, row: etree._Element) -> None:
        table = self._table(tbl)
        if table is None:
            self._write_body_before(tbl)  # in document order: what precedes the table, then its rows
            table = _Table(tbl)
            self.tables.append(table)
        table.rows += 1
        if table.rows == 1:
            table.header = row.find(_HEADER_ROW) is not None
        table.pending.append(row)
        if len(table.pending) < 3:
            return
        oldest = table.pending.popleft()
        if table.rows == 4 and table.header:  # keep_rows: under a header, the first row keeps with the second
            for p in oldest.iter(_P):
                self.keep_with_next(p)
        table.check(oldest)
        if table.marker is None:
            table.marker = _mark(oldest)
        self._write(table.marker.getnext(), oldest, table.written)

    def _table_ended(self, table: _Table) -> None:
        """keep_rows on the rows left (the one before the last keeps with it); the table's checks done."""
        if table.rows >= 3:
            for p in table.pending[0].iter(_P):
                self.keep_with_next(p)
        for row in table.pending:
            table.check(row)
        if table.odd or not table.spans_all or any(tables_need_fixing(r) for r in table.pending):
            raise PlainPath("a table docxtpl would fix")

    def _write(self, start: etree._Element, stop: etree._Element, out: bytearray) -> None:
        """Write the siblings from ``start`` to ``stop`` (both included) to ``out`` and drop them from the tree."""
        node = start
        while True:
            following = node.getnext()
            self._serialize(node, out)
            node.getparent().remove(node)  # its tail goes with it, as it was written
            if node is stop or following is None:
                return
            node = following

    def _serialize(self, node: etree._Element, out: bytearray) -> None:
        if not isinstance(node.tag, str):  # a comment or processing instruction
            out += etree.tostring(node, encoding="utf-8", with_tail=True)
            return
        table = self._table(node)
        nested = node.iter(_TBL) if table is None else (t for r in table.pending for t in r.iter(_TBL))
        if any(t is not node and tables_need_fixing(t) for t in nested) or (
                table is None and node.tag == _TBL and tables_need_fixing(node)):
            raise PlainPath("a table docxtpl would fix")
        self.settle(node)
        for drawing in _DOC_PR_UNDER(node):  # fix_docpr_ids, in document order
            self.tpl.docx_ids_index += 1
            drawing.attrib["id"] = str(self.tpl.docx_ids_index)
        text = etree.tostring(node, encoding="utf-8", with_tail=True)
        found = _LEADING_DECLARATIONS.match(text)
        if found is None or sorted(_DECLARATION.findall(found.group(2))) != self.declarations:
            raise PlainPath("namespace declarations not as expected")
        out += found.group(1)
        if table is None or table.marker is None:
            out += memoryview(text)[found.end() :]
        else:  # the table's rows written before, in place of their marker
            before, _, after = text[found.end() :].partition(_comment(table.marker))
            out += before
            out += table.written
            table.written = bytearray()
            out += after
        if table is not None:
            self.tables.remove(table)

    def blob(self, whole: etree._Element) -> bytes | bytearray:
        """The document part: the tree left, with the pieces written in place of their markers (the
        body's buffer becomes the part's: it is not copied)."""
        if self._blob is not None:
            return self._blob
        xml = serialize_part_xml(whole)
        for table in self.tables:  # tables still in the tree: the body's last elements
            if table.marker is not None:
                xml = xml.replace(_comment(table.marker), bytes(table.written), 1)
        if self.marker is None:
            self._blob = xml
            return xml
        before, found, after = xml.partition(_comment(self.marker))
        if not found:
            raise RuntimeError("the marker of the written body is missing")
        self.written[0:0] = before
        self.written += after
        self._blob, self.written = self.written, bytearray()
        return self._blob


def _is_body(element: etree._Element | None) -> bool:
    return element is not None and element.tag == BODY


def _mark(before: etree._Element) -> etree._Element:
    """A comment where the pieces written from here on go (unit text cannot make one: it is escaped)."""
    marker = etree.Comment(f"docgen-{uuid.uuid4().hex}")
    before.addprevious(marker)
    return marker


def _comment(marker: etree._Element) -> bytes:
    return f"<!--{marker.text}-->".encode()


def _declarations(head: str) -> str | None:
    """The namespace declarations of the document element's start tag, as lxml writes them on an element
    serialized alone (in their order), or None when there are none to expect."""
    start = re.match(r"<[^>]*>", head)
    if start is None:
        return None
    found = [m.group(0) for m in _NAMESPACE.finditer(start.group(0))]
    return "".join(" " + d.strip() for d in found) or None


class InPlaceDocxTemplate(DocxTemplate):
    """A DocxTemplate whose rendered body is parsed inside the document element instead of moved in, and
    (given ``settle``, the engine's ``settle_for_print``) as a stream, written piece by piece."""

    _rendered_root: etree._Element | None = None
    settle: Callable[[Any], None] | None = None
    _writer: _BodyWriter | None = None
    _source: tuple[str, dict[str, Any], Any] = ("", {}, None)

    def build_xml(self, context: dict[str, Any], jinja_env: Any = None) -> str | Iterator[bytes]:
        """docxtpl's ``build_xml`` for the body, rendered piece by piece (``render_in_pieces``) as the stream
        is parsed, when it will be streamed: the whole rendered body as one string, and Jinja's list of every
        output string joined into it, took 230 MB at 10,000 units."""
        xml = self.patch_xml(self.get_xml())
        if self.settle is None:
            return self.render_xml_part(xml, self.docx._part, context, jinja_env)
        self._source = (xml, context, jinja_env)  # to render it again as one string if it cannot be streamed
        return render_in_pieces(self, xml, context, jinja_env)

    def fix_tables(self, xml: str | Iterator[bytes]) -> etree._Element:
        self._rendered_root = None
        self._writer = None
        root = self.docx.element
        frame = document_frame(root)
        if not isinstance(xml, str):  # rendered as it is parsed: streamed, unless something unusual needs the whole
            ids = self.docx_ids_index  # the whole tree is numbered from the start again if it is not streamed
            whole = self._streamed(frame, xml) if frame is not None and self.settle is not None else None
            if whole is not None:
                return whole.find(BODY)
            source, context, jinja_env = self._source  # the pieces are spent: docxtpl's plain rendering
            self.docx_ids_index = ids
            xml = self.render_xml_part(source, self.docx._part, context, jinja_env)
        body_xml = strip_redundant_namespaces(xml, root.nsmap) if frame else None
        if frame is None or body_xml is None:
            return super().fix_tables(xml)
        whole = etree.fromstring(frame[0] + body_xml + frame[1], _document_parser())
        body = whole.find(BODY)
        if body is None or tables_need_fixing(body):
            return super().fix_tables(xml)
        self._rendered_root = whole
        return body

    def _streamed(self, frame: tuple[str, str], pieces: Iterator[bytes]) -> etree._Element | None:
        """The document element after ``_BodyWriter`` wrote the body, or None: take the whole-tree path."""
        assert self.settle is not None
        first_piece = next(pieces, None)
        first = strip_redundant_namespaces(first_piece.decode("utf-8"), self.docx.element.nsmap) if first_piece else None
        start_tag = _START_TAG.match(first) if first else None
        declarations = _declarations(frame[0])
        if first is None or start_tag is None or "xmlns" in start_tag.group(0) or not declarations:
            return None
        writer = _BodyWriter(self, self.settle, declarations)
        try:
            whole = writer.parse(frame[0], itertools.chain([first.encode("utf-8")], pieces), frame[1])
        except PlainPath:
            return None
        self._writer = writer
        self._rendered_root = whole
        return whole

    def resolve_listing(self, xml: str) -> str:
        return resolve_listing(self, xml)

    def fix_docpr_ids(self, tree: etree._Element) -> None:
        """docxtpl's renumbering of drawing ids, with an XPath object: python-docx's element classes
        (the in-place body has them) take no ``namespaces`` argument in ``xpath``."""
        for elt in _DOC_PR(tree):
            self.docx_ids_index += 1
            elt.attrib["id"] = str(self.docx_ids_index)

    def map_tree(self, tree: etree._Element) -> None:
        whole, self._rendered_root = self._rendered_root, None
        if whole is None or tree.getparent() is not whole:
            super().map_tree(tree)
            return
        # The rendered document element replaces the template's: python-docx saves the part's element.
        document = self.docx
        document.part._element = whole
        document._element = whole
        document._Document__body = None  # python-docx builds its body proxy again on first use
        if self._writer is not None:
            _write_part_from(document.part, self._writer)


def _write_part_from(part: Any, writer: _BodyWriter) -> None:
    """Make ``part`` save the writer's pieces around its (small) tree: its class becomes a subclass whose
    ``blob`` assembles them (python-docx reads ``blob`` when it saves the package)."""
    base = type(part)
    part.__class__ = type(f"Streamed{base.__name__}", (base,), {"blob": property(lambda self: writer.blob(self._element))})
