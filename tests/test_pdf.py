"""The volume as PDF/A-2 through LibreOffice, with its 目录 updated: every chapter is listed with the page
its heading is printed on.

Page numbers: the volume is one section numbered from the cover (page 1, which shows no number), so the
number printed in a page's footer ("— N —"), the number the contents give and the PDF's 1-based page
index are the same number; the test checks all three agree.

Skipped, with ``to_pdf``'s reason, where LibreOffice or a Python with its ``uno`` module is missing.
Text is read with pypdf when it is installed, else by the small reader below (enough for LibreOffice's
output: uncompressed object table, Flate content streams, fonts with ToUnicode maps).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from docgen.render import pdf as pdf_module
from docgen.render.pdf import NOT_INSTALLED, to_pdf
from docgen.render.volume import Chapter, compose_volume

from .pdfs import needs_office
from .test_volume import COVER, ISSUED, TEMPLATE, UNITS, make_unit

CHAPTERS = 30  # more than one page of contents: updating it moves every chapter after it
FOOTER = re.compile(r"—(\d+)—")


# ---------------------------------------------------------------- reading the PDF


def page_texts(path: Path) -> list[str]:
    """The text of each page, without whitespace."""
    try:
        from pypdf import PdfReader
    except ImportError:
        texts = _simple_page_texts(path.read_bytes())
    else:
        texts = [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    return [re.sub(r"\s+", "", t) for t in texts]


def _simple_page_texts(data: bytes) -> list[str]:
    # Objects at the offsets of the (classic) cross-reference table; a stream's data is /Length bytes.
    table = data[int(re.findall(rb"startxref\s+(\d+)", data)[-1]) :]
    offsets: dict[int, int] = {}
    for first, _count, rows in re.findall(rb"(\d+) (\d+)\s*[\r\n]+((?:\d{10} \d{5} [nf]\s*)+)", table):
        for i, row in enumerate(re.findall(rb"(\d{10}) \d{5} ([nf])", rows)):
            if row[1] == b"n":
                offsets[int(first) + i] = int(row[0])
    objects: dict[int, bytes] = {}
    streams: dict[int, int] = {}  # object → where its stream data starts
    for num, offset in offsets.items():
        start = data.index(b"obj", offset) + 3
        end = data.index(b"endobj", start)
        at = data.find(b"stream", start, end)
        if at < 0:
            objects[num] = data[start:end]
            continue
        objects[num] = data[start:at]
        at += 6 + (2 if data[at + 6 : at + 8] == b"\r\n" else 1)
        streams[num] = at  # its length may be an object further on: read when needed

    def ref(value: bytes, key: bytes) -> int | None:
        m = re.search(rb"/" + key + rb"\s*(\d+) 0 R", value)
        return int(m.group(1)) if m else None

    def stream(num: int) -> bytes:
        head = objects[num]
        length_ref = ref(head, b"Length")
        length = int(objects[length_ref].strip()) if length_ref is not None else int(
            re.search(rb"/Length\s+(\d+)", head).group(1))  # fmt: skip
        raw = data[streams[num] : streams[num] + length]
        return zlib.decompress(raw) if b"FlateDecode" in head else raw

    def cmap(num: int) -> tuple[int, dict[bytes, str]]:
        text = stream(num)
        width = 1
        space = re.search(rb"begincodespacerange\s*<([0-9A-Fa-f]+)>", text)
        if space:
            width = len(space.group(1)) // 2
        table: dict[bytes, str] = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                table[bytes.fromhex(src.decode())] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                start, end, first = int(lo, 16), int(hi, 16), int(dst, 16)
                for code in range(start, end + 1):
                    table[code.to_bytes(len(lo) // 2, "big")] = chr(first + code - start)
        return width, table

    def resources(page: bytes) -> bytes:
        num = ref(page, b"Resources")
        return objects[num] if num is not None else page

    def fonts(res: bytes) -> dict[bytes, tuple[int, dict[bytes, str]]]:
        num = ref(res, b"Font")
        block = objects[num] if num is not None else (re.search(rb"/Font\s*<<(.*?)>>", res, re.S) or [b"", b""])[1]
        out = {}
        for name, font in re.findall(rb"/([\w.+-]+)\s*(\d+) 0 R", block):
            to_unicode = ref(objects[int(font)], b"ToUnicode")
            out[name] = cmap(to_unicode) if to_unicode is not None else (1, {})
        return out

    def show(hexes: list[bytes], font: tuple[int, dict[bytes, str]]) -> str:
        width, table = font
        out = []
        for h in hexes:
            raw = bytes.fromhex(h.decode())
            out.extend(table.get(raw[i : i + width], "") for i in range(0, len(raw), width))
        return "".join(out)

    root = next(num for num, body in objects.items() if re.search(rb"/Type\s*/Pages\b", body)
                and not re.search(rb"/Parent\s", body))  # fmt: skip

    def leaves(num: int) -> list[int]:
        body = objects[num]
        if re.search(rb"/Type\s*/Pages\b", body):
            kids = re.search(rb"/Kids\s*\[(.*?)\]", body, re.S)
            return [leaf for kid in re.findall(rb"(\d+) 0 R", kids.group(1)) for leaf in leaves(int(kid))]
        return [num]

    texts = []
    for num in leaves(root):
        page = objects[num]
        page_fonts = fonts(resources(page))
        content = stream(ref(page, b"Contents"))
        current: tuple[int, dict[bytes, str]] = (1, {})
        parts = []
        token = re.compile(rb"/([\w.+-]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\[((?:[^\]])*)\]\s*TJ")
        for m in token.finditer(content):
            if m.group(1) is not None:
                current = page_fonts.get(m.group(1), (1, {}))
            elif m.group(2) is not None:
                parts.append(show([m.group(2)], current))
            else:
                parts.append(show(re.findall(rb"<([0-9A-Fa-f]*)>", m.group(3)), current))
        texts.append("".join(parts))
    return texts


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def volume_docx(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Chapter]]:
    folder = tmp_path_factory.mktemp("pdf")
    files = []
    for i, (code, name) in enumerate(UNITS):
        path = folder / f"{code}.docx"
        make_unit(path, i, code, name)
        files.append((path, name))
    chapters = [Chapter(f"第{n:02d}章{files[n % len(files)][1]}", files[n % len(files)][0]) for n in range(CHAPTERS)]
    out = folder / "汇编.docx"
    compose_volume(COVER, chapters, out, template=TEMPLATE, issued=ISSUED)
    return out, chapters


@needs_office
def test_pdf_contents_give_the_page_each_chapter_starts_on(
    volume_docx: tuple[Path, list[Chapter]], tmp_path: Path
) -> None:
    docx_path, chapters = volume_docx
    result = to_pdf(docx_path, tmp_path / "汇编.pdf", timeout=300)
    assert result.skipped_reason is None and result.path == tmp_path / "汇编.pdf", result.skipped_reason
    data = result.path.read_bytes()
    assert data.startswith(b"%PDF-") and b"<pdfaid:part>2</pdfaid:part>" in data  # PDF/A-2
    pages = page_texts(result.path)
    declared = max(int(n) for n in re.findall(rb"/Type\s*/Pages\b.*?/Count\s+(\d+)", data, re.S))
    assert len(pages) == declared and len(pages) >= 2 + CHAPTERS
    assert COVER["title"] in pages[0] and not FOOTER.search(pages[0])  # the cover shows no number
    for index, text in enumerate(pages[1:], start=2):  # every other page prints its own index
        assert [int(n) for n in FOOTER.findall(text)] == [index], (index, text[-40:])
    contents_pages = [i for i, t in enumerate(pages, start=1) if t.startswith("目录") or "目录" in t[:4]]
    assert contents_pages == [2]
    length = _contents_length(pages)
    assert length >= 2  # 30 entries do not fit one page
    contents = "".join(FOOTER.sub("", t) for t in pages[1 : 1 + length])
    previous = 0
    for chapter in chapters:
        m = re.search(re.escape(chapter.title) + r"\.{3,}(\d+)", contents)
        assert m, chapter.title
        listed = int(m.group(1))
        starts = [i for i, t in enumerate(pages, start=1) if i > 1 + length and FOOTER.sub("", t).startswith(chapter.title)]
        assert starts == [listed], (chapter.title, listed, starts)
        assert listed > previous
        previous = listed


def _contents_length(pages: list[str]) -> int:
    """How many pages the contents take: from page 2 up to the first chapter's heading."""
    n = 0
    for text in pages[1:]:
        if FOOTER.sub("", text).startswith("第00章"):
            break
        n += 1
    return n


@needs_office
def test_a_timeout_is_a_skipped_result_and_leaves_no_file(volume_docx: tuple[Path, list[Chapter]], tmp_path: Path) -> None:
    docx_path, _ = volume_docx
    result = to_pdf(docx_path, tmp_path / "slow.pdf", timeout=0.5)
    assert result.path is None and "超过" in (result.skipped_reason or "")
    assert list(tmp_path.iterdir()) == []


def test_without_libreoffice_the_pdf_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: None)
    result = to_pdf(tmp_path / "any.docx", tmp_path / "any.pdf", timeout=10)
    assert result.path is None and result.skipped_reason == NOT_INSTALLED == "未安装 LibreOffice，未生成 PDF；安装方法见 README"
    assert not (tmp_path / "any.pdf").exists()


def test_without_a_python_for_uno_the_pdf_is_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: Path("/usr/bin/soffice"))
    monkeypatch.setattr(pdf_module, "find_uno_python", lambda soffice: None)
    result = to_pdf(tmp_path / "any.docx", tmp_path / "any.pdf", timeout=10)
    assert result.path is None and "uno" in (result.skipped_reason or "")
