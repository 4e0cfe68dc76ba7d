"""The templates: the committed ``templates/*.docx`` are what ``tools/make_templates.py`` writes, and
both carry the fixed headings, table headers and named styles of the documents, as literal text here.

A heading changed in the generator fails ``test_committed_templates_are_what_the_generator_writes``
(until the templates are regenerated) and the heading tests on the generated templates; regenerated,
it fails the heading tests on the committed templates and on the rendered documents (test_render).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from docgen.render import REPO_TEMPLATES

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ("monthly_notice.docx", "receipt.docx")

NOTICE_FIXED = [
    ("发文机关标志", "{{r issuer_mark }}"),
    ("发文字号", "{{ doc_number }}"),
    ("公文标题", "关于{{ period_label }}{{ campaign }}工作进展情况的通报"),
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
    "报送单位", "报送文件", "报送类型", "期次", "接收时间", "截止时间", "是否按时", "文件指纹(SHA-256)", "处理结果",
]  # fmt: skip
RECEIPT_PROBLEM_HEADERS = ["序号", "行号", "列名", "填写的值", "问题说明"]
RECEIPT_SECTIONS = [  # the body sentences a unit reads, in order (tags kept)
    "你单位于{{ received_text }}报送的材料已收到，登记信息如下：",
    "经审核，报送材料符合要求，已接收数据{{ rows }}行，作为你单位{{ period_label }}的报送数据。",
    "本次报送晚于截止时间（{{ deadline_text }}），按逾期报送登记。",
    "如需更正，可修改后重新报送；重新报送的材料将替换本期此前报送的材料，此前的材料留档备查。",
    "经审核，报送材料存在以下{{ problem_count }}个问题，未予接收：",
    "另有{{ problems_more }}个问题未在此列出，完整问题清单见同一文件夹中同名的JSON格式回执。",
    "请对照上述问题逐项修改后，{{ resubmit_by }}重新报送。重新报送的材料将替换本期此前报送的材料，此前的材料留档备查。",
    "说明：{{ note }}",
]

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
NOTICE_ONLY_STYLES = {
    "发文机关标志": ("方正小标宋简体", 26, C),
    "发文字号": ("仿宋_GB2312", 16, C),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The templates as ``python tools/make_templates.py`` writes them now.

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
    return REPO_TEMPLATES if request.param == "committed" else generated


def fixed_paragraphs(doc: DocumentObject) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs if p.style.name != "公文正文"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_committed_templates_are_what_the_generator_writes(generated: Path, name: str) -> None:
    with zipfile.ZipFile(REPO_TEMPLATES / name) as committed, zipfile.ZipFile(generated / name) as fresh:
        assert committed.namelist() == fresh.namelist()
        stale = [part for part in committed.namelist() if committed.read(part) != fresh.read(part)]
    assert stale == [], f"templates/{name} 与 tools/make_templates.py 生成的不一致（{stale}）：请重新运行该工具并提交"


def test_notice_template_headings_and_table_headers(templates: Path) -> None:
    doc = docx.Document(str(templates / "monthly_notice.docx"))
    assert fixed_paragraphs(doc) == NOTICE_FIXED
    assert [[c.text for c in t.rows[0].cells] for t in doc.tables] == NOTICE_TABLE_HEADERS
    for table in doc.tables:
        assert {c.paragraphs[0].style.name for c in table.rows[0].cells} == {"附件表头"}


def test_receipt_template_title_sections_and_table_headers(templates: Path) -> None:
    doc = docx.Document(str(templates / "receipt.docx"))
    assert fixed_paragraphs(doc) == RECEIPT_FIXED
    body = [p.text for p in doc.paragraphs if p.style.name == "公文正文" and not p.text.startswith("{%")]
    assert body == RECEIPT_SECTIONS
    info, problems = doc.tables
    assert [row.cells[0].text for row in info.rows] == RECEIPT_INFO_LABELS
    assert [c.text for c in problems.rows[0].cells] == RECEIPT_PROBLEM_HEADERS


@pytest.mark.parametrize(("name", "expected"), [
    ("monthly_notice.docx", {**SHARED_STYLES, **NOTICE_ONLY_STYLES}),
    ("receipt.docx", SHARED_STYLES),
])  # fmt: skip
def test_named_styles(templates: Path, name: str, expected: dict[str, tuple[str, float, int]]) -> None:
    styles = docx.Document(str(templates / name)).styles
    for style_name, (font, size, align) in expected.items():
        style = styles[style_name]
        assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == font, style_name
        assert style.font.size.pt == size, style_name
        assert style.paragraph_format.alignment == align, style_name
    if "发文机关标志" in expected:  # the red 版头 of a 公文
        assert str(styles["发文机关标志"].font.color.rgb) == "FF0000"
