"""Every document the demo issues, read as the clerk who signs and prints it: as PDF pages (where
LibreOffice is installed) and as the .docx a secretariat opens in Word or WPS.

The demo's month, two quarters and year run through the library (``run_cycle``, published at once), and
its next month's reminder (催报) is issued; every issued .docx is then printed to PDF by docgen's own PDF
step (the annual report and volume come with their PDFs from the cycle itself). From the PDF: the faces
(embedded, no Japanese/Korean/Traditional variant, the body in a 仿宋 face, not a sans), the 版记 on the
last page, the title a reader shows, no page with fewer than two lines of body, no item or task code
split across lines, and every “截至” date equal to the cut-off the counts used (``summary.json``'s
``cutoff``). From the .docx: the official font names for East Asian text, widow control, and tables whose
header row repeats and whose rows cannot split.
"""

from __future__ import annotations

import itertools
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import docx
import pytest
from lxml import etree

from docgen.pipeline import run_cycle
from docgen.reminders import remind
from docgen.render.faces import OFFICIAL_FONTS
from docgen.resources import build_demo_workspace
from docgen.workspace import Workspace

from .pdfs import OTHER_SCRIPTS, convert, faces, needs_office, office_unavailable, page_lines, runs, title

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RUNS = (("monthly", "2026-10"), ("quarterly", "2026-Q2"), ("quarterly", "2026-Q3"), ("annual", "2025"))
NEXT_MONTH = "2026-11"
OFFICIAL_NAMES = {name for f in OFFICIAL_FONTS for name in (f.name, *f.aliases)}
FOOTER = re.compile(r"^—?\d+—?$")  # "— 3 —" as extracted: a page number alone
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


@dataclass(frozen=True)
class Issued:
    """One issued document: its .docx, its PDF (None without LibreOffice), its period's summary.json."""

    docx: Path
    pdf: Path | None
    summary: dict

    @property
    def name(self) -> str:
        return self.docx.name

    @property
    def is_volume(self) -> bool:
        return "汇编" in self.docx.name


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_demo_workspace(tmp_path_factory.mktemp("fit") / "demo")
    for cycle, period in RUNS:
        run_cycle(root, cycle, period)
    remind(root, "monthly", NEXT_MONTH)
    return root


def _issued_docx(root: Path) -> list[Path]:
    outbox = root / "outbox"
    return sorted(
        p for p in outbox.rglob("*.docx") if not {"versions", "drafts"} & set(p.relative_to(outbox).parts)
    )


def _summary_of(path: Path) -> dict:
    for folder in path.parents:
        if (folder / "summary.json").is_file():
            return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        if (folder / "reminder.json").is_file():
            return json.loads((folder / "reminder.json").read_text(encoding="utf-8"))
    return {}


@pytest.fixture(scope="module")
def issued(demo: Path) -> list[Issued]:
    documents = []
    for path in _issued_docx(demo):
        pdf = None
        if office_unavailable() is None:
            made = path.with_suffix(".pdf")
            pdf = made if made.is_file() else convert(path, path.parent / "_pdf" / made.name)
        documents.append(Issued(path, pdf, _summary_of(path)))
    return documents


def test_the_demo_issues_every_kind_of_document(issued: list[Issued]) -> None:
    names = [d.name for d in issued]
    for kind in ("月通报", "督查通报", "整改通知书", "验收报告", "汇编", "催报"):
        assert any(kind in n for n in names), (kind, names)


# ---------------------------------------------------------------- from the PDF


def _pdfs(issued: list[Issued]) -> list[Issued]:
    return [d for d in issued if d.pdf is not None]


@needs_office
def test_faces_are_embedded_simplified_chinese_and_the_body_is_not_sans(issued: list[Issued]) -> None:
    for doc in _pdfs(issued):
        used = faces(doc.pdf)
        assert [f for f, embedded in used.items() if not embedded] == [], doc.name
        assert [f for f in used if OTHER_SCRIPTS.search(f)] == [], doc.name
        body = Counter()
        for run in runs(doc.pdf):
            if 15.5 <= run.size <= 16.5:
                body[run.face] += len(re.findall(r"[\u4e00-\u9fff]", run.text))
        face, _ = body.most_common(1)[0]
        assert "Sans" not in face and "Hei" not in face, (doc.name, body.most_common(3))


def _body_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if not FOOTER.match(line)]


@needs_office
def test_no_page_holds_fewer_than_two_lines_of_body(issued: list[Issued], demo: Path) -> None:
    """Not counted as body: the page number, a date alone, the authority's name, the 版记's lines: a page
    holding only a 落款, a date or a piece of the 版记 is a lonely page. Two pages are pages of their own by
    design: the volume's cover, and a last page holding the whole 版记 when the text left no room for it
    (GB/T 9704-2012 7.4: the 版记 sits at the foot of the document's last page)."""
    campaign = Workspace(demo).campaign
    names = {re.sub(r"\s+", "", n) for n in (campaign.secretariat, campaign.printer)}
    for doc in _pdfs(issued):
        pages = page_lines(doc.pdf)
        for number, lines in enumerate(pages, start=1):
            if doc.is_volume and number == 1:
                continue
            imprint = [i for i, line in enumerate(lines) if line.startswith("抄送：")]
            if number == len(pages) and imprint and "".join(lines[imprint[0]:]).endswith("印发"):
                lines = lines[: imprint[0]]  # the whole 版记, as the last page's foot
                if not _body_lines(lines):
                    continue
            body = [line for line in _body_lines(lines) if not DATE.fullmatch(line) and line not in names]
            assert len(body) >= 2, (doc.name, number, lines)


FULL_ENOUGH = 8  # lines: a page with fewer, where the text goes on, was left empty by a keep gone wrong


@needs_office
def test_no_page_is_left_mostly_empty_where_the_text_goes_on(issued: list[Issued]) -> None:
    """A page whose text continues on the next page is filled: a paragraph kept with a table that does
    not fit moves whole, and must not leave the first page holding only the title and 主送. A page may
    end early where the next starts on a new page on purpose: an 附件, a chapter of the volume."""
    for doc in _pdfs(issued):
        if doc.is_volume:
            continue
        pages = [_body_lines(p) for p in page_lines(doc.pdf)]
        for number, (lines, following) in enumerate(itertools.pairwise(pages), start=1):
            if following and following[0].startswith("附件"):
                continue
            assert len(lines) >= FULL_ENOUGH, (doc.name, number, lines)


def _imprint_date(lines: list[str]) -> date | None:
    for line in lines:
        if line.endswith("印发") and (m := DATE.search(line)):
            return date(int(m[1]), int(m[2]), int(m[3]))
    return None


@needs_office
def test_every_official_document_ends_with_its_imprint(issued: list[Issued], demo: Path) -> None:
    """版记 (GB/T 9704 §7.4) on the last page: 抄送 from campaign.yaml, then the 印发机关 and the 印发日期 (the
    document's own date), nothing after them."""
    campaign = Workspace(demo).campaign
    cc = "抄送：" + "，".join(campaign.cc) + "。"
    for doc in _pdfs(issued):
        if doc.is_volume:
            continue
        last = _body_lines(page_lines(doc.pdf)[-1])
        tail = "".join(last)
        assert tail.endswith("印发"), (doc.name, last)
        assert cc + campaign.printer in tail, (doc.name, last)
        # the 印发日期 is the 成文日期: the date under the authority's name (署名) at the end of the text
        text = "".join(line for page in page_lines(doc.pdf) for line in _body_lines(page))
        signature = re.escape(re.sub(r"\s+", "", campaign.secretariat)) + DATE.pattern
        signed = [date(int(m[1]), int(m[2]), int(m[3])) for m in re.finditer(signature, text)]
        printed = _imprint_date(last)
        assert printed is not None and signed and printed == signed[-1], (doc.name, printed, signed)


def _docx_title(path: Path) -> str:
    document = docx.Document(str(path))
    return document.core_properties.title


@needs_office
def test_a_reader_shows_each_documents_own_title(issued: list[Issued]) -> None:
    for doc in _pdfs(issued):
        shown = title(doc.pdf) or ""
        assert "模板" not in shown, doc.name
        assert shown == _docx_title(doc.docx), doc.name
        flat = "".join(line for page in page_lines(doc.pdf) for line in page)
        assert re.sub(r"\s+", "", shown) in flat, (doc.name, shown)


def _codes(demo: Path) -> set[str]:
    quarterly = [json.loads(p.read_text(encoding="utf-8")) for p in (demo / "outbox" / "quarterly").glob("*/summary.json")]
    items = {c for s in quarterly for key in ("filed", "closed", "open", "rectifying", "awaiting_recheck")
             for c in s.get(key, [])}  # fmt: skip
    return items


@needs_office
def test_no_item_code_is_split_across_lines(issued: list[Issued], demo: Path) -> None:
    codes = _codes(demo)
    assert codes, "the demo's quarters name no item"
    for doc in _pdfs(issued):
        for number, lines in enumerate(page_lines(doc.pdf), start=1):
            joined = "".join(lines)
            for code in codes:
                whole = sum(line.count(code) for line in lines)
                assert joined.count(code) == whole, (doc.name, number, code)


@needs_office
def test_every_cut_off_printed_is_the_one_the_counts_used(issued: list[Issued]) -> None:
    checked = 0
    for doc in _pdfs(issued):
        cutoff = doc.summary.get("cutoff")
        text = "".join(line for page in page_lines(doc.pdf) for line in page)
        printed = [date(int(m[1]), int(m[2]), int(m[3])) for m in re.finditer(r"截至" + DATE.pattern, text)]
        if not printed:
            continue
        assert cutoff, (doc.name, "prints 截至 but its summary has no cutoff")
        expected = date.fromisoformat(str(cutoff)[:10])
        assert set(printed) == {expected}, (doc.name, printed, expected)
        checked += 1
    assert checked >= 3


# ---------------------------------------------------------------- from the .docx


def _parts(path: Path, names: tuple[str, ...] = ("word/document.xml", "word/styles.xml")) -> list[etree._Element]:
    with zipfile.ZipFile(path) as z:
        return [etree.fromstring(z.read(n)) for n in names if n in z.namelist()]


def test_east_asian_text_names_the_official_fonts(issued: list[Issued]) -> None:
    for doc in issued:
        for root in _parts(doc.docx):
            named = {f.get(f"{W}eastAsia") for f in root.iter(f"{W}rFonts") if f.get(f"{W}eastAsia")}
            assert named <= OFFICIAL_NAMES, (doc.name, named - OFFICIAL_NAMES)
            themed = [f for f in root.iter(f"{W}rFonts") if f.get(f"{W}eastAsiaTheme")]
            assert themed == [], doc.name


def test_body_styles_keep_widows_and_orphans(issued: list[Issued]) -> None:
    for doc in issued:
        styles = docx.Document(str(doc.docx)).styles
        body = styles["公文正文"] if "公文正文" in [s.name for s in styles] else styles["Normal"]
        assert body.paragraph_format.widow_control is True, doc.name


def test_table_headers_repeat_and_rows_do_not_split(issued: list[Issued]) -> None:
    for doc in issued:
        document = docx.Document(str(doc.docx))
        for n, table in enumerate(document.tables):
            rows = table._tbl.findall(f"{W}tr")
            if len(rows) < 2:
                continue
            for row in rows:
                props = row.find(f"{W}trPr")
                assert props is not None and props.find(f"{W}cantSplit") is not None, (doc.name, n)
            first = rows[0].find(f"{W}trPr")
            if table._tbl.find(f".//{W}tblpPr") is None:  # a floating block (版记) has no header to repeat
                assert first.find(f"{W}tblHeader") is not None, (doc.name, n, [c.text for c in table.rows[0].cells])
