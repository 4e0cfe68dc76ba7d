"""The templates: every ``templates/*.docx`` keeps what rendering relies on (each Jinja tag in one run,
the named styles it uses defined, the GB/T 9704 page and page numbers, every variable provided by its
context builder), and carries its fixed headings, table headers and named styles, as literal text here.

The committed templates are the source of truth: ``tools/make_templates.py`` only writes the templates
missing from a folder and never overwrites one. Its output is still checked against the same headings
and styles, so a template deleted to be written anew comes back with them.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Mm

from docgen.cycles.annual import documents as annual
from docgen.cycles.monthly.notice import notice_context
from docgen.cycles.quarterly import documents as quarterly
from docgen.cycles.special import documents as special
from docgen.reminders import reminder_context
from docgen.render import REPO_TEMPLATES, check_variables, receipt_context, template_variables
from docgen.render.volume import COVER_FIELDS

from .builders_special import make_special_report
from .test_annual_documents import make_report as make_annual_report
from .test_quarterly_documents import make_report as make_quarterly_report
from .test_reminders import make_reminder
from .test_render import make_receipt
from .test_render import make_report as make_monthly_report

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(p.name for p in REPO_TEMPLATES.glob("*.docx"))


def _rectification_contexts() -> list[dict[str, Any]]:
    report = make_quarterly_report()
    return [quarterly.rectification_context(report, unit) for unit in report.units_to_notify]


# Each template's context builder on sample reports: a template added to templates/ needs its own here.
CONTEXTS: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "monthly_notice.docx": lambda: [notice_context(make_monthly_report())],
    "receipt.docx": lambda: [receipt_context(make_receipt(True)), receipt_context(make_receipt(False))],
    "quarterly_notice.docx": lambda: [quarterly.notice_context(make_quarterly_report())],
    "rectification_notice.docx": _rectification_contexts,
    "acceptance_report.docx": lambda: [annual.report_context(make_annual_report())],
    "volume.docx": lambda: [dict.fromkeys(COVER_FIELDS, "样例")],
    "reminder.docx": lambda: [reminder_context(make_reminder()), reminder_context(make_reminder(overdue=True))],
    "special_notice.docx": lambda: [special.notice_context(make_special_report())],
    "special_rectification.docx": lambda: [special.rectification_context(r, u) for r in [make_special_report()]
                                           for u in r.units_to_notify],
}
# Templates committed only (a cycle added after tools/make_templates.py, which does not write them).
COMMITTED_ONLY = {"special_notice.docx", "special_rectification.docx"}

COLOPHON_ANCHOR = [("Normal", "")]  # the one-point paragraph the 版记 table floats from
# The 版记 table: {%tr if cc_text %}, 抄送 (two cells merged), {%tr endif %}, 印发机关 | 印发日期.
COLOPHON_ROWS = [
    ["{%tr if cc_text %}", ""],
    ["抄送：{{ cc_text }}。", "抄送：{{ cc_text }}。"],
    ["{%tr endif %}", ""],
    ["{{ printed_by }}", "{{ printed_date_text }}印发"],
]
MASTHEAD_FIXED = [
    ("发文机关标志", "{{r issuer_mark }}"),
    ("发文字号", "{{ doc_number }}"),
]
NOTICE_FIXED = [
    *MASTHEAD_FIXED,
    ("公文标题", "{{r title }}"),
    ("主送机关", "{{ recipients }}："),
    ("一级标题", "一、报送情况"),
    ("一级标题", "二、工作进展"),
    ("图片", "{{ progress_chart }}"),
    ("图题", "图1  各工程平均完成进度"),
    ("一级标题", "三、存在问题"),
    ("二级标题", "{{ grp.heading }}"),
    ("一级标题", "四、下步要求"),
    ("附件说明", "附件：1. {{ period_label }}成员单位报送情况表"),
    ("附件说明续行", "2. {{ period_label }}任务进展情况表"),
    ("发文机关署名", "{{ secretariat }}"),
    ("成文日期", "{{ issue_date_text }}"),
    ("附件标识", "附件1"),
    ("附件标题", "{{ period_label }}成员单位报送情况表"),
    ("表注", "注：报送时间为{{ time_zone_text }}；报送截止时间为{{ deadline_text }}。"),
    ("附件标识", "附件2"),
    ("附件标题", "{{ period_label }}任务进展情况表"),
    ("表注", "注：完成进度为牵头单位报送的完成进度；应达进度按任务起止时间中已过去的比例计算；“—”表示未报进度。"),
    *COLOPHON_ANCHOR,
]
NOTICE_TABLE_HEADERS = [
    ["序号", "单位代码", "单位名称", "单位类别", "报送状态", "报送时间"],
    ["序号", "任务编号", "任务名称", "所属工程", "牵头单位", "完成进度", "应达进度", "状态"],
]
RECEIPT_FIXED = [
    ("公文标题", "材料报送回执"),
    ("主送机关", "{{ unit_name }}："),
    ("发文机关署名", "{{ secretariat }}"),
    ("成文日期", "{{ issue_date_text }}"),
]
RECEIPT_INFO_LABELS = [
    "报送单位", "报送文件", "报送类型", "期次", "接收时间", "截止时间", "是否按时", "处理结果",
]  # fmt: skip
RECEIPT_PROBLEM_HEADERS = ["序号", "行号", "列名", "填写的值", "问题说明"]
RECEIPT_SECTIONS = [  # the body sentences a unit reads, in order (tags kept)
    "你单位于{{ received_text }}报送的材料已收到，登记信息如下：",
    "经审核，报送材料符合要求，已接收数据{{ rows }}行，作为你单位{{ period_label }}的报送数据。",
    "本次报送晚于截止时间（{{ deadline_text }}），按逾期报送登记。",
    "如需更正，可修改后重新报送；重新报送的材料将替换本期此前报送的材料，此前的材料留档备查。",
    "经审核，报送材料存在以下{{ problem_count }}个问题，未予接收：",
    "另有{{ problems_more }}个问题未在此列出，{{ more_where }}",
    "请对照上述问题逐项修改后，{{ resubmit_by }}重新报送。{{ channel }}重新报送的材料将替换本期此前报送的材料，"
    "此前的材料留档备查。",
    "说明：{{ note }}",
]
QUARTERLY_FIXED = [
    *MASTHEAD_FIXED,
    ("公文标题", "{{r title }}"),
    ("主送机关", "{{ recipients }}："),
    ("一级标题", "一、督查及整改总体情况"),
    ("表题", "表1  各类型问题整改情况"),
    ("图片", "{{ problem_chart }}"),
    ("图题", "图1  各类型问题整改情况"),
    ("一级标题", "二、逾期未整改问题"),
    ("一级标题", "三、复查未通过问题"),
    ("一级标题", "四、未按时报送整改情况的单位"),
    ("一级标题", "五、下步要求"),
    ("附件说明", "附件：1. {{ period_label }}各单位问题整改情况统计表"),
    ("附件说明续行", "2. {{ period_label }}未销号问题清单"),
    ("发文机关署名", "{{ secretariat }}"),
    ("成文日期", "{{ issue_date_text }}"),
    ("附件标识", "附件1"),
    ("附件标题", "{{ period_label }}各单位问题整改情况统计表"),
    ("表注", "注：问题数为{{ period_label }}督查新发现问题与以前季度结转未销号问题之和；已销号为本季度销号的问题；"
           "逾期指截至{{ cutoff_text }}已超过整改时限仍未销号的问题。"),
    ("附件标识", "附件2"),
    ("附件标题", "{{ period_label }}未销号问题清单"),
    ("表注", "注：当前状态为截至{{ cutoff_text }}的状态。"),
    *COLOPHON_ANCHOR,
]  # fmt: skip
QUARTERLY_EMPTY_SECTIONS = [
    "本季度无督查发现问题，也无以前季度结转的未销号问题。",
    "本季度无逾期未整改问题。",
    "本季度无复查未通过问题。",
    "各成员单位均按时报送整改情况，报送材料全部通过审核。",
    "本季度无督查发现问题。",
    "截至{{ cutoff_text }}，督查发现问题已全部销号。",
]
QUARTERLY_TABLE_HEADERS = [
    ["序号", "问题类型", "问题数", "已销号", "未销号", "逾期"],
    ["序号", "单位", "问题数", "已销号", "未销号", "逾期"],
    ["序号", "问题编号", "单位", "问题类型", "问题描述", "整改时限", "当前状态", "备注"],
]
RECTIFICATION_FIXED = [
    *MASTHEAD_FIXED,
    ("公文标题", "{{r title }}"),
    ("主送机关", "{{ unit_name }}："),
    ("发文机关署名", "{{ secretariat }}"),
    ("成文日期", "{{ issue_date_text }}"),
    *COLOPHON_ANCHOR,
]
RECTIFICATION_TABLE_HEADERS = [["问题编号", "问题类型", "问题描述", "整改要求", "整改时限", "当前状态", "备注"]]

L, C, R, J = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY
# name: (east Asian font, size in pt, alignment)
SHARED_STYLES = {
    "公文正文": ("仿宋_GB2312", 16, J),
    "公文标题": ("方正小标宋简体", 22, C),
    "主送机关": ("仿宋_GB2312", 16, L),
    "一级标题": ("黑体", 16, J),
    "二级标题": ("楷体_GB2312", 16, J),
    "附件说明": ("仿宋_GB2312", 16, J),
    "附件说明续行": ("仿宋_GB2312", 16, J),
    "发文机关署名": ("仿宋_GB2312", 16, R),
    "成文日期": ("仿宋_GB2312", 16, R),
    "附件标识": ("黑体", 16, L),
    "附件标题": ("方正小标宋简体", 22, C),
    "附件表格": ("仿宋_GB2312", 12, C),
    "附件表格居左": ("仿宋_GB2312", 12, L),
    "附件表头": ("黑体", 12, C),
    "表注": ("仿宋_GB2312", 12, L),
    "图片": ("仿宋_GB2312", 16, C),
    "图题": ("仿宋_GB2312", 14, C),
    "页码": ("宋体", 14, J),
}
MASTHEAD_STYLES = {  # the red 版头 of a 公文
    "发文机关标志": ("方正小标宋简体", 26, C),
    "发文字号": ("仿宋_GB2312", 16, C),
}
STYLES = {
    "monthly_notice.docx": {**SHARED_STYLES, **MASTHEAD_STYLES},
    "receipt.docx": SHARED_STYLES,
    "quarterly_notice.docx": {**SHARED_STYLES, **MASTHEAD_STYLES},
    "rectification_notice.docx": {**SHARED_STYLES, **MASTHEAD_STYLES},
    "acceptance_report.docx": {**SHARED_STYLES, **MASTHEAD_STYLES},
    "reminder.docx": {**SHARED_STYLES, **MASTHEAD_STYLES},
    "special_notice.docx": {**SHARED_STYLES, **MASTHEAD_STYLES},
    "special_rectification.docx": {**SHARED_STYLES, **MASTHEAD_STYLES},
    "volume.docx": {
        **SHARED_STYLES, "汇编封面活动": ("方正小标宋简体", 22, C), "汇编封面标题": ("方正小标宋简体", 36, C),
        "汇编封面署名": ("仿宋_GB2312", 16, C), "汇编封面日期": ("仿宋_GB2312", 16, C),
        "目录标题": ("方正小标宋简体", 22, C), "Heading 1": ("方正小标宋简体", 22, C), "toc 1": ("仿宋_GB2312", 16, L),
    },
}
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
TAG_PIECES = ("{{", "}}", "{%", "%}", "{#", "#}")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The templates as ``python tools/make_templates.py`` writes them now, into an empty folder.

    In a fresh interpreter, as it is run: once docxtpl is imported (this test session imports it),
    docxcompose has rebound python-docx's ``cp`` prefix to the custom-properties namespace, and
    python-docx then writes ``cp:lastModifiedBy`` and ``cp:revision`` of the core properties wrong.
    """
    out = tmp_path_factory.mktemp("generated")
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_templates.py"), str(out)], check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    return out


@pytest.fixture(params=["committed", "generated"])
def templates(request: pytest.FixtureRequest, generated: Path) -> Path:
    name = getattr(request.node, "callspec", None) and request.node.callspec.params.get("name")
    if request.param == "generated" and name in COMMITTED_ONLY:
        pytest.skip("committed only: the generator does not write it")
    return REPO_TEMPLATES if request.param == "committed" else generated


def fixed_paragraphs(doc: DocumentObject) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs if p.style.name != "公文正文"]


def content_tables(doc: DocumentObject) -> list[Any]:
    """The tables of the body, not the 版记 (which floats: w:tblpPr)."""
    return [t for t in doc.tables if t._tbl.tblPr.find(qn("w:tblpPr")) is None]


def header_rows(doc: DocumentObject) -> list[list[str]]:
    return [[c.text for c in t.rows[0].cells] for t in content_tables(doc)]


def word_parts(path: Path) -> dict[str, Any]:
    """The parsed parts whose text docxtpl renders: the body, headers and footers."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
        return {n: parse_xml(z.read(n)) for n in names}


# ---------------------------------------------------------------- the generator


def test_generator_never_overwrites_a_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("make_templates", ROOT / "tools" / "make_templates.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "receipt.docx").write_bytes(b"edited in Word")
    assert module.main([str(tmp_path)]) == 0
    assert (tmp_path / "receipt.docx").read_bytes() == b"edited in Word"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(TEMPLATES) - COMMITTED_ONLY)
    out = capsys.readouterr().out
    assert f"skipped {tmp_path / 'receipt.docx'}" in out and f"wrote {tmp_path / 'quarterly_notice.docx'}" in out
    assert module.main([str(tmp_path)]) == 0  # a second run writes nothing
    assert capsys.readouterr().out.count("skipped") == len(set(TEMPLATES) - COMMITTED_ONLY)


def test_every_template_has_its_context_builder_and_styles_here() -> None:
    assert TEMPLATES == sorted(CONTEXTS) == sorted(STYLES)


# ---------------------------------------------------------------- every template


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_jinja_tag_is_split_across_runs(templates: Path, name: str) -> None:
    """docxtpl sees a tag only when it is whole in one w:t; Word splits a tag typed over several runs."""
    for part, root in word_parts(templates / name).items():
        for p in root.iter(f"{W}p"):
            texts = [t.text or "" for t in p.iter(f"{W}t")]
            whole = TAG.findall("".join(texts))
            assert [tag for text in texts for tag in TAG.findall(text)] == whole, (part, whole)
            for text in texts:
                rest = TAG.sub("", text)
                assert not any(piece in rest for piece in TAG_PIECES), (part, text)


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_style_used_is_defined(templates: Path, name: str) -> None:
    doc = docx.Document(str(templates / name))
    defined = {s.style_id for s in doc.styles}
    used = set()
    for root in word_parts(templates / name).values():
        for tag in ("pStyle", "rStyle", "tblStyle"):
            used |= {el.get(qn("w:val")) for el in root.iter(f"{W}{tag}")}
    assert used and used <= defined, used - defined


@pytest.mark.parametrize("name", TEMPLATES)
def test_named_styles(templates: Path, name: str) -> None:
    styles = docx.Document(str(templates / name)).styles
    expected = STYLES[name]
    for style_name, (font, size, align) in expected.items():
        style = styles[style_name]
        assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == font, style_name
        assert style.font.size.pt == size, style_name
        assert style.paragraph_format.alignment == align, style_name
    body = styles["公文正文"]
    assert abs(body.paragraph_format.line_spacing.pt - 28.95) < 0.1
    assert body.paragraph_format.first_line_indent.pt == 32
    if "发文机关标志" in expected:  # the red 版头 of a 公文
        assert str(styles["发文机关标志"].font.color.rgb) == "FF0000"
        rule = styles["发文字号"].element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
        assert rule.get(qn("w:color")) == "FF0000"


@pytest.mark.parametrize("name", TEMPLATES)
def test_a4_page_with_the_gbt_9704_type_area_and_page_numbers(templates: Path, name: str) -> None:
    doc = docx.Document(str(templates / name))
    for section in doc.sections:
        for actual, expected in (
            (section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
            (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26),
            (section.page_width - section.left_margin - section.right_margin, 156),
            (section.page_height - section.top_margin - section.bottom_margin, 225),
        ):  # fmt: skip
            assert abs(Emu(actual).mm - expected) <= 0.5
        grid = section._sectPr.find(qn("w:docGrid"))
        assert grid.get(qn("w:type")) == "lines"  # a character grid breaks LibreOffice
        assert 22 * int(grid.get(qn("w:linePitch"))) / 20 <= Mm(225).pt  # 22 lines fit the type area
        # "— N —": odd pages right, even pages left
        assert doc.settings.odd_and_even_pages_header_footer
        for footer, align in ((section.footer, R), (section.even_page_footer, L)):
            paragraph = footer.paragraphs[0]
            assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
            assert paragraph.alignment == align and paragraph.style.name == "页码"
            assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_variable_is_provided_by_the_context_builder(name: str) -> None:
    needed = template_variables(REPO_TEMPLATES / name)
    assert needed  # the template was parsed
    for context in CONTEXTS[name]():
        check_variables(name, needed, context)


# ---------------------------------------------------------------- each template's fixed text


OFFICIAL = ["monthly_notice.docx", "quarterly_notice.docx", "rectification_notice.docx", "acceptance_report.docx",
            "reminder.docx", "special_notice.docx", "special_rectification.docx"]  # fmt: skip


@pytest.mark.parametrize("name", OFFICIAL)
def test_every_official_template_ends_with_the_colophon_at_the_foot_of_the_page(templates: Path, name: str) -> None:
    """GB/T 9704-2012 7.4: 抄送 (a row only when there is one), 印发机关 | 印发日期, thick first and last rules,
    thin between, as wide as the type area, at the bottom of the last page's type area."""
    doc = docx.Document(str(templates / name))
    colophon = doc.tables[-1]
    assert [[c.text for c in row.cells] for row in colophon.rows] == COLOPHON_ROWS
    body = list(doc.element.body)
    assert body.index(colophon._tbl) == len(body) - 3  # then the anchor paragraph and the section
    pr = colophon._tbl.tblPr
    position = pr.find(qn("w:tblpPr"))
    assert position.get(qn("w:vertAnchor")) == "margin" and position.get(qn("w:tblpYSpec")) == "bottom"
    assert pr.find(qn("w:tblW")).get(qn("w:w")) == str(round(156 / 25.4 * 1440))
    borders = {b.tag.split("}")[1]: (b.get(qn("w:val")), b.get(qn("w:sz"))) for b in pr.find(qn("w:tblBorders"))}
    assert borders["top"] == borders["bottom"] == ("single", "8")  # 1 pt ≈ 0.35 mm
    assert borders["insideH"] == ("single", "6")  # 0.75 pt ≈ 0.25 mm
    assert {borders[e][0] for e in ("left", "right", "insideV")} == {"nil"}
    cc, printer, date_ = colophon.rows[1].cells[0], colophon.rows[3].cells[0], colophon.rows[3].cells[1]
    assert [c.paragraphs[0].style.name for c in (cc, printer, date_)] == ["版记抄送", "版记印发机关", "版记印发日期"]
    assert {c.paragraphs[0].style.font.size.pt for c in (cc, printer, date_)} == {14.0}  # 4号
    assert date_.paragraphs[0].style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert [p.text for p in doc.paragraphs if p.style.name == "公文标题"] == ["{{r title }}"]


def test_notice_template_headings_and_table_headers(templates: Path) -> None:
    doc = docx.Document(str(templates / "monthly_notice.docx"))
    assert fixed_paragraphs(doc) == NOTICE_FIXED
    assert header_rows(doc) == NOTICE_TABLE_HEADERS
    for table in content_tables(doc):
        assert {c.paragraphs[0].style.name for c in table.rows[0].cells} == {"附件表头"}


def test_receipt_template_title_sections_and_table_headers(templates: Path) -> None:
    doc = docx.Document(str(templates / "receipt.docx"))
    assert fixed_paragraphs(doc) == RECEIPT_FIXED
    body = [p.text for p in doc.paragraphs if p.style.name == "公文正文" and not p.text.startswith("{%")]
    assert body == RECEIPT_SECTIONS
    info, problems = doc.tables
    assert [row.cells[0].text for row in info.rows] == RECEIPT_INFO_LABELS
    assert [c.text for c in problems.rows[0].cells] == RECEIPT_PROBLEM_HEADERS


def test_quarterly_notice_template_headings_and_tables(templates: Path) -> None:
    doc = docx.Document(str(templates / "quarterly_notice.docx"))
    assert fixed_paragraphs(doc) == QUARTERLY_FIXED
    assert header_rows(doc) == QUARTERLY_TABLE_HEADERS
    type_table, unit_table, _ = content_tables(doc)
    for table in (type_table, unit_table):  # a 合计 row under the loop
        assert [c.text for c in table.rows[-1].cells][:2] == ["合计", ""]
    body = [p.text for p in doc.paragraphs if p.style.name == "公文正文"]
    assert [text for text in QUARTERLY_EMPTY_SECTIONS if text not in body] == []


def test_rectification_notice_template_headings_and_table(templates: Path) -> None:
    doc = docx.Document(str(templates / "rectification_notice.docx"))
    assert fixed_paragraphs(doc) == RECTIFICATION_FIXED
    assert header_rows(doc) == RECTIFICATION_TABLE_HEADERS
