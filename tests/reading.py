"""Reading a rendered .docx back in the tests: its paragraphs, a part of them, a table's cells."""

from __future__ import annotations

from docx.document import Document as DocumentObject


def paragraphs(doc: DocumentObject) -> list[str]:
    return [p.text for p in doc.paragraphs]


def section(doc: DocumentObject, start: str, end: str) -> list[str]:
    """The paragraphs between the one reading ``start`` and the one reading ``end``."""
    texts = paragraphs(doc)
    return texts[texts.index(start) + 1 : texts.index(end)]


def rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]
