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
"""

from __future__ import annotations

import copy
import functools
import re
import threading

from docx.oxml.ns import nsmap, qn
from docx.oxml.parser import element_class_lookup
from docxtpl import DocxTemplate
from lxml import etree

BODY = qn("w:body")
_SPANS = ".//w:tc/w:tcPr[1]/w:gridSpan[1]"  # the gridSpan fix_tables reads: tc.find(tcPr).find(gridSpan)
_DOC_PR = etree.XPath("//wp:docPr", namespaces=nsmap)
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


class InPlaceDocxTemplate(DocxTemplate):
    """A DocxTemplate whose rendered body is parsed inside the document element instead of moved in."""

    _rendered_root: etree._Element | None = None

    def fix_tables(self, xml: str) -> etree._Element:
        self._rendered_root = None
        root = self.docx.element
        frame = document_frame(root)
        body_xml = strip_redundant_namespaces(xml, root.nsmap) if frame else None
        if frame is None or body_xml is None:
            return super().fix_tables(xml)
        whole = etree.fromstring(frame[0] + body_xml + frame[1], _document_parser())
        body = whole.find(BODY)
        if body is None or tables_need_fixing(body):
            return super().fix_tables(xml)
        self._rendered_root = whole
        return body

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
