"""Reading a rendered .docx back in the tests: its paragraphs, a part of them, a table's cells."""

from __future__ import annotations

from docx.document import Document as DocumentObject
from docx.oxml.ns import qn


def paragraphs(doc: DocumentObject) -> list[str]:
    return [p.text for p in doc.paragraphs]


def section(doc: DocumentObject, start: str, end: str) -> list[str]:
    """The paragraphs between the one reading ``start`` and the one reading ``end``."""
    texts = paragraphs(doc)
    return texts[texts.index(start) + 1 : texts.index(end)]


def rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def is_colophon(table) -> bool:
    """The 版记 (GB/T 9704-2012 7.4): the table floating at the foot of the last page (w:tblpPr)."""
    return table._tbl.tblPr.find(qn("w:tblpPr")) is not None


def body_tables(doc: DocumentObject) -> list:
    """The document's tables but the 版记."""
    return [t for t in doc.tables if not is_colophon(t)]


def colophon(doc: DocumentObject) -> list[list[str]]:
    """The 版记's rows as text (抄送 merged across both cells reads twice), checked to be the last table."""
    assert is_colophon(doc.tables[-1]) and not any(is_colophon(t) for t in doc.tables[:-1])
    return rows(doc.tables[-1])
