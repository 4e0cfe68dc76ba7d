"""Reading a PDF back in the tests (pypdf): each page's text and lines, which face set which text, and
whether every face is embedded; and converting a document with ``to_pdf`` or skipping with its reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from docgen.render import pdf as pdf_module
from docgen.render.pdf import NOT_INSTALLED, find_soffice, find_uno_python

# A face of another script's glyph forms (Noto CJK's JP/KR/TC/HK members, a Mincho, a Gothic, a Ming).
OTHER_SCRIPTS = re.compile(r"CJK(jp|kr|tc|hk)|(jp|kr|tc|hk)\b|Japanese|Korean|Mincho|Gothic|Ming", re.I)


def office_unavailable() -> str | None:
    """Why LibreOffice cannot make a PDF here, or None."""
    soffice = find_soffice()
    if soffice is None:
        return NOT_INSTALLED
    if find_uno_python(soffice) is None:
        return pdf_module.NO_UNO
    return None


needs_office = pytest.mark.skipif(office_unavailable() is not None, reason=office_unavailable() or "")


def convert(docx: Path, pdf: Path | None = None) -> Path:
    """``docx`` as PDF through docgen's own PDF step; the test fails with its reason if none was made."""
    result = pdf_module.to_pdf(docx, pdf or docx.with_suffix(".pdf"), timeout=240)
    assert result.path is not None, result.skipped_reason
    return result.path


@dataclass(frozen=True)
class Run:
    """A piece of text as the PDF sets it: its page (1-based), face (subset prefix removed) and size."""

    page: int
    face: str
    size: float
    text: str


def _face(font: object) -> str:
    name = str(font.get("/BaseFont", "")) if hasattr(font, "get") else ""
    return re.sub(r"^/?([A-Z]{6}\+)?", "", name)


def runs(path: Path) -> list[Run]:
    """Every piece of text with the face that sets it."""
    found: list[Run] = []
    for number, page in enumerate(PdfReader(str(path)).pages, start=1):

        def visit(text: str, cm: object, tm: list[float], font: object, size: float, number: int = number) -> None:
            if text.strip():
                found.append(Run(number, _face(font), float(size) * abs(tm[0] or 1), text.strip()))

        page.extract_text(visitor_text=visit)
    return found


def page_lines(path: Path) -> list[list[str]]:
    """Each page's lines of text, blank lines dropped, inner spaces removed (CJK text has none)."""
    pages = []
    for page in PdfReader(str(path)).pages:
        text = page.extract_text() or ""
        pages.append([re.sub(r"\s+", "", line) for line in text.splitlines() if line.strip()])
    return pages


def faces(path: Path) -> dict[str, bool]:
    """Every face a page uses (descendant fonts of composite ones included) → whether it is embedded."""
    found: dict[str, bool] = {}
    for page in PdfReader(str(path)).pages:
        resources = page.get("/Resources") or {}
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            for member in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                descriptor = member.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[_face(member)] = embedded
    return found


def title(path: Path) -> str | None:
    """The document's title as a PDF reader shows it."""
    meta = PdfReader(str(path)).metadata
    return None if meta is None else meta.title
