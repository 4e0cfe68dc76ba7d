"""The annual acceptance's files: 自评表 and 验收评分表 (headers from their contracts), a unit's 年度工作总结
as Word lays it out, the charts pasted into it, and a Word 97–2003 .doc renamed to .docx."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .tables import FIXED_ZIP_TIME, contract_headers

SELF_ASSESSMENT_HEADERS = contract_headers("self_assessment")
"""自评表 (data_contracts/self_assessment.yaml): one row per indicator, by each unit in its own folder."""
ASSESSOR_HEADERS = contract_headers("assessor_scores")
"""验收评分表 (data_contracts/assessor_scores.yaml): by each assessor in ``_assessors/``; one file scores many units."""
ANNUAL_HEADERS: dict[str, list[str]] = {
    "self_assessment": SELF_ASSESSMENT_HEADERS,
    "assessor_scores": ASSESSOR_HEADERS,
}
"""The annual tables' headers, by contract name."""
SELF_ASSESSMENT_INSTRUCTIONS = (
    "填表说明：对照测评体系逐项自评，每个指标填写一行；自评得分不得超过该指标分值，可保留一位小数；"
    "自评说明写明得分依据，佐证材料清单列明材料名称，材料按指标编号归档备查。"
)
ASSESSOR_INSTRUCTIONS = (
    "填表说明：每个单位每个指标填写一行；评分在0至该指标分值之间，可保留一位小数；"
    "扣分的须在扣分说明中写明扣分理由，对照评分标准填写。"
)
SUMMARY_HEADINGS = ("一、基本情况", "二、主要做法", "三、取得成效", "四、存在问题", "五、下步打算")
"""The usual headings of a 年度工作总结, in order."""
LEGACY_DOC_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
"""The first bytes of an OLE compound file: a Word 97–2003 .doc (also .xls, .ppt)."""


class DocHeading:
    """A heading of a summary (一、基本情况, level 1; （一）…, level 2)."""

    def __init__(self, text: str, level: int = 1) -> None:
        self.text, self.level = text, level


class DocParagraph:
    """A body paragraph (first line indented two characters); ``lead`` is a bold run that opens it."""

    def __init__(self, text: str, lead: str = "") -> None:
        self.text, self.lead = text, lead


class DocList:
    """Items numbered by Word itself (the List Number style), as a unit's 1. 2. 3. made with the toolbar."""

    def __init__(self, items: Sequence[str]) -> None:
        self.items = list(items)


class DocTable:
    """A table with a caption above it; the first row is the header."""

    def __init__(self, caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.caption, self.headers, self.rows = caption, list(headers), [list(r) for r in rows]


class DocPicture:
    """A picture (a PNG file) with a caption below it."""

    def __init__(self, png: Path, caption: str, width_cm: float = 14.0) -> None:
        self.png, self.caption, self.width_cm = Path(png), caption, width_cm


class DocSignature:
    """The closing lines, right-aligned: who writes and the date."""

    def __init__(self, *lines: str) -> None:
        self.lines = list(lines)


DocBlock = DocHeading | DocParagraph | DocList | DocTable | DocPicture | DocSignature


def write_summary_docx(
    path: Path,
    title: str,
    blocks: Sequence[DocBlock],
    *,
    author: str,
    created: datetime,
    modified: datetime,
    heading_styles: bool = False,
    header_text: str | None = None,
    footer_text: str | None = None,
    margins_cm: tuple[float, float, float, float] | None = None,
    body_font: str = "仿宋_GB2312",
    body_pt: float = 16,
) -> Path:
    """Write a unit's 年度工作总结 with python-docx, the way a unit's clerk lays one out in Word.

    A4 (GB/T 9704 margins unless ``margins_cm`` = top, bottom, left, right), a centred title, body in
    ``body_font`` with a two-character first-line indent. Level-1 headings are Word's Heading 1 with
    ``heading_styles``, else bold 黑体 body paragraphs (as most clerks type them). ``header_text`` and
    ``footer_text`` go in the page header and footer. The file is byte-for-byte reproducible: the core
    properties carry ``created``/``modified`` (timezone-aware) and ``author``, and the zip entry times are
    pinned.
    """
    import docx  # noqa: PLC0415 - python-docx is only needed by whoever writes summaries
    from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.shared import Cm, Pt, RGBColor  # noqa: PLC0415

    def fonts(run_or_style: Any, east_asia: str, ascii_font: str = "Times New Roman") -> None:
        run_or_style.font.name = ascii_font
        rpr = run_or_style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), east_asia)
        for theme in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(theme), None)  # a theme font would win over the one named here

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    top, bottom, left, right = margins_cm or (3.7, 3.5, 2.8, 2.6)
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    normal = doc.styles["Normal"]
    fonts(normal, body_font)
    normal.font.size = Pt(body_pt)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(round(body_pt * 1.75))
    normal.paragraph_format.space_after = Pt(0)
    if heading_styles:
        h1 = doc.styles["Heading 1"]
        fonts(h1, "黑体")
        h1.font.size, h1.font.bold, h1.font.color.rgb = Pt(body_pt), False, RGBColor(0, 0, 0)
        h1.paragraph_format.space_before, h1.paragraph_format.space_after = Pt(6), Pt(0)
    if header_text is not None:
        p = section.header.paragraphs[0]
        p.text = header_text
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if footer_text is not None:
        p = section.footer.paragraphs[0]
        p.text = footer_text
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    title_p = doc.add_paragraph()
    title_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_p.paragraph_format.line_spacing = Pt(36)
    title_p.paragraph_format.space_after = Pt(16)
    run = title_p.add_run(title)
    fonts(run, "方正小标宋简体")
    run.font.size = Pt(22)

    indent = Pt(body_pt * 2)
    for block in blocks:
        if isinstance(block, DocHeading):
            if block.level == 1 and heading_styles:
                doc.add_heading(block.text, level=1)
                continue
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = indent
            run = p.add_run(block.text)
            fonts(run, "黑体" if block.level == 1 else "楷体_GB2312")
        elif isinstance(block, DocParagraph):
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = indent
            if block.lead:
                run = p.add_run(block.lead)
                run.bold = True
            p.add_run(block.text)
        elif isinstance(block, DocList):
            for item in block.items:
                doc.add_paragraph(item, style="List Number")
        elif isinstance(block, DocTable):
            cap = doc.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap_run = cap.add_run(block.caption)
            fonts(cap_run, "黑体")
            table = doc.add_table(rows=1 + len(block.rows), cols=len(block.headers), style="Table Grid")
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for r, values in enumerate([block.headers, *block.rows]):
                for c, value in enumerate(values):
                    cell_p = table.cell(r, c).paragraphs[0]
                    cell_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    cell_p.paragraph_format.line_spacing = Pt(20)
                    cell_run = cell_p.add_run("" if value is None else str(value))
                    cell_run.font.size = Pt(12)
                    cell_run.bold = r == 0
        elif isinstance(block, DocPicture):
            doc.add_picture(str(block.png), width=Cm(block.width_cm))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.paragraphs[-1].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            cap = doc.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap_run = cap.add_run(block.caption)
            cap_run.font.size = Pt(12)
        elif isinstance(block, DocSignature):
            doc.add_paragraph()
            for line in block.lines:
                p = doc.add_paragraph(line)
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:  # pragma: no cover - the union above is closed
            raise TypeError(f"unknown block {block!r}")

    props = doc.core_properties
    props.author = author
    props.title = title
    props.created = _utc_naive(created)
    props.modified = _utc_naive(modified)
    doc.save(str(path))
    _pin_zip_times(path)
    return path


def _utc_naive(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("document dates must be timezone-aware")
    return when.astimezone(timezone(timedelta(0))).replace(tzinfo=None)


def _pin_zip_times(path: Path) -> None:
    """Pin every zip entry's time (docProps keep the dates they were given): reproducible bytes."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            zout.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)


def write_bar_chart_png(
    path: Path, labels: Sequence[str], values: Sequence[float], *, title: str, ylabel: str
) -> Path:
    """A small column chart (about 700 × 380 px) as a unit pastes into its summary: reproducible bytes.

    Agg with a fixed size and dpi, no Software metadata, the CJK font shipped by mplfonts; the Agg canvas
    is attached to this figure only (pyplot is never touched).
    """
    import matplotlib  # noqa: PLC0415
    from matplotlib import font_manager  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    from docgen.render.chart import cjk_font_path  # noqa: PLC0415

    font_path = cjk_font_path()
    if not any(entry.fname == str(font_path) for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(font_path))
    font = font_manager.FontProperties(fname=str(font_path), size=11)
    with matplotlib.rc_context({"font.family": font.get_name(), "axes.unicode_minus": False}):
        fig = Figure(figsize=(5.8, 3.2), dpi=120)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        bars = ax.bar(positions, list(values), width=0.55, color="#C0392B")
        for bar, value in zip(bars, values, strict=True):
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f"{value:g}",
                    ha="center", va="bottom", fontproperties=font)  # fmt: skip
        ax.set_xticks(positions, list(labels), fontproperties=font)
        ax.set_ylabel(ylabel, fontproperties=font)
        ax.set_title(title, fontproperties=font)
        ax.set_ylim(0, max(values, default=1) * 1.2)
        ax.grid(axis="y", color="#D9D9D9", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", metadata={"Software": None})
    return path


def write_legacy_doc(path: Path, text: str, *, size: int = 24576) -> Path:
    """A Word 97–2003 .doc as people send one renamed to .docx: the OLE magic, a compound-file header
    and the text in UTF-16, padded to ``size`` bytes with zeros. Not a zip: no .docx reader opens it."""
    header = bytearray(512)
    header[:8] = LEGACY_DOC_MAGIC
    header[24:26] = (0x003E).to_bytes(2, "little")  # minor version
    header[26:28] = (0x0003).to_bytes(2, "little")  # major version 3: 512-byte sectors
    header[28:30] = b"\xfe\xff"  # byte order mark
    header[30:32] = (9).to_bytes(2, "little")  # sector shift
    header[32:34] = (6).to_bytes(2, "little")  # mini sector shift
    header[76:512] = b"\xff" * 436  # DIFAT: free
    body = b"\x00" * 512 + "Microsoft Word 97-2003 文档\r".encode("utf-16-le") + text.encode("utf-16-le")
    data = bytes(header) + body
    data += b"\x00" * max(0, size - len(data))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
