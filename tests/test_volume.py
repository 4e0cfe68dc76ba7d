"""The compiled volume (汇编): cover, 目录 field, one chapter per unit document, one GB/T 9704 page setup.

Unit summaries are built here with python-docx the way units write them: headings, a table, a numbered
list, an embedded PNG, their own header and footer, another page size and margins, a link to a web
address (and, for the rules on what is dropped, a linked picture, an OLE object and a section break).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Mm
from PIL import Image

from docgen.render import REPO_TEMPLATES, RenderError
from docgen.render.volume import Chapter, compose_volume

COVER = {
    "campaign": "创建全国民族团结进步示范区",
    "title": "2025年度工作汇编",
    "secretariat": "创建工作领导小组办公室",
    "date_text": "2026年1月20日",
}
ISSUED = date(2026, 1, 20)
UNITS = [("A01", "青禾镇人民政府"), ("B01", "市民族宗教事务局"), ("C01", "青禾市第一中学"), ("D01", "青禾乳业有限公司")]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
TEMPLATE = REPO_TEMPLATES / "volume.docx"


def png(color: tuple[int, int, int], size: tuple[int, int] = (240, 160)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, color).save(data, format="PNG")
    data.seek(0)
    return data


def add_external_link(paragraph: docx.text.paragraph.Paragraph, text: str, url: str) -> None:
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = parse_xml(
        f'<w:hyperlink xmlns:w="{W[1:-1]}" xmlns:r="{R[1:-1]}" r:id="{rid}">'
        f'<w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t>{text}</w:t></w:r></w:hyperlink>'
    )
    paragraph._p.append(link)


def add_linked_picture(doc: docx.document.Document, url: str) -> None:
    """A picture that only points at a file (Word's 链接到文件): an a:blip with r:link and no r:embed."""
    rid = doc.part.relate_to(url, RT.IMAGE, is_external=True)
    p = doc.add_paragraph()
    p._p.append(parse_xml(
        f'<w:r xmlns:w="{W[1:-1]}" xmlns:r="{R[1:-1]}" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        f'xmlns:a="{A[1:-1]}" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/><wp:docPr id="99" name="linked"/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
        '<pic:nvPicPr><pic:cNvPr id="0" name="linked.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:link="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
        '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
        '<a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>'
    ))  # fmt: skip


def add_ole_object(doc: docx.document.Document) -> None:
    p = doc.add_paragraph()
    p._p.append(parse_xml(
        f'<w:r xmlns:w="{W[1:-1]}" xmlns:v="urn:schemas-microsoft-com:vml">'
        '<w:object w:dxaOrig="1440" w:dyaOrig="1440"><v:shape id="ole1" style="width:72pt;height:72pt"/>'
        '</w:object></w:r>'
    ))  # fmt: skip


def make_unit(path: Path, index: int, code: str, name: str) -> dict[str, object]:
    """A unit's 年度工作总结 with everything a volume must carry or drop; returns what it holds."""
    doc = docx.Document()
    section = doc.sections[0]
    if index % 2:  # US Letter landscape, narrow margins
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Inches(11), Inches(8.5)
    else:
        section.page_width, section.page_height = Mm(182), Mm(257)  # B5
    section.left_margin = section.right_margin = Mm(12)
    section.top_margin = section.bottom_margin = Mm(15)
    section.header.paragraphs[0].text = f"{name}页眉专用文字{code}"
    section.footer.paragraphs[0].text = f"{name}页脚专用文字{code}"

    doc.add_heading(f"{name}2025年度创建工作总结", level=0)  # Title
    doc.add_heading("一、基本情况", level=1)
    doc.add_paragraph(f"{name}（{code}）全年围绕创建目标扎实推进各项工作。" * 6)
    doc.add_heading("二、主要做法", level=1)
    doc.add_heading("（一）强化组织领导", level=2)
    for step in ("成立工作专班", "建立月调度机制", "开展督导检查"):
        doc.add_paragraph(f"{code}{step}", style="List Number")
    p = doc.add_paragraph("相关报道见")
    add_external_link(p, f"{code}官网报道", f"https://example.org/{code}")
    p.add_run("。")
    doc.add_heading("三、取得成效", level=1)
    rows = [("指标", "目标", "完成"), (f"{code}宣传活动", "12", "14"), (f"{code}参与人次", "3000", "3650")]
    table = doc.add_table(rows=3, cols=3)
    table.style = doc.styles["Table Grid"]
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    if index % 2:  # a table wider than the volume's type area (fixed widths, 240 mm)
        for column in table.columns:
            for cell in column.cells:
                cell.width = Mm(80)
        grid = table._tbl.tblGrid
        for col in grid.findall(qn("w:gridCol")):
            col.set(qn("w:w"), str(round(80 / 25.4 * 1440)))
    doc.add_picture(png((40 * index, 120, 200), (1200, 600) if index % 2 else (240, 160)),
                    width=Mm(230 if index % 2 else 100))  # fmt: skip
    doc.add_paragraph("图1  活动现场", style="Caption")
    add_linked_picture(doc, f"file:///C:/units/{code}/linked.png")
    add_ole_object(doc)
    # a second section (a page of its own layout) with its own header text
    new = doc.add_section(WD_SECTION.NEW_PAGE)
    new.header.is_linked_to_previous = False
    new.header.paragraphs[0].text = f"{name}第二节页眉{code}"
    doc.add_heading("四、存在问题", level=1)
    doc.add_paragraph(f"{code}部分工作进度不均衡。")
    doc.add_heading("五、下步打算", level=1)
    doc.add_paragraph(f"{code}持续巩固创建成果。")
    doc.save(str(path))
    return {"code": code, "name": name, "tables": 1, "pictures": 1}


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Chapter], object]:
    folder = tmp_path_factory.mktemp("volume")
    chapters = []
    for i, (code, name) in enumerate(UNITS):
        path = folder / f"{code}.docx"
        make_unit(path, i, code, name)
        chapters.append(Chapter(name, path))
    out = folder / "汇编.docx"
    result = compose_volume(COVER, chapters, out, template=TEMPLATE, issued=ISSUED)
    return out, chapters, result


def body_text(doc: docx.document.Document) -> str:
    return "".join(t.text or "" for t in doc.element.body.iter(f"{W}t"))


def test_cover_and_contents_field(volume: tuple[Path, list[Chapter], object]) -> None:
    out, chapters, result = volume
    doc = docx.Document(str(out))
    texts = [p.text for p in doc.paragraphs[:4]]
    assert texts == [COVER["campaign"], COVER["title"], COVER["secretariat"], COVER["date_text"]]
    instr = "".join(t.text for t in doc.element.body.iter(f"{W}instrText"))
    assert 'TOC \\o "1-1" \\h \\z \\u' in instr
    settings = doc.settings.element
    assert settings.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    assert settings.find(qn("w:attachedTemplate")) is None
    # the contents already list the chapters (page numbers come when the field is updated)
    entries = [p.text for p in doc.paragraphs if p.style.style_id == "TOC1"]
    assert [e.strip() for e in entries] == [c.title for c in chapters]
    assert result.chapters == len(chapters) and not result.skipped


def test_chapters_in_order_with_the_heading_style(volume: tuple[Path, list[Chapter], object]) -> None:
    out, chapters, _ = volume
    doc = docx.Document(str(out))
    headings = [p for p in doc.paragraphs if p.style.style_id == "Heading1"]
    assert [p.text for p in headings] == [c.title for c in chapters]
    style = doc.styles["Heading 1"]
    assert style.element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == "0"  # outline level 1
    assert style.paragraph_format.page_break_before
    # only the chapter headings carry an outline level: the contents list nothing else
    levels = [p for p in doc.element.body.iter(f"{W}p") if p.find(f"{W}pPr/{W}outlineLvl") is not None]
    assert levels == []
    for s in doc.styles:
        if s.type == 1 and s.style_id != "Heading1" and s.element.pPr is not None:
            used = any(p.style.style_id == s.style_id for p in doc.paragraphs)
            assert not (used and s.element.pPr.find(qn("w:outlineLvl")) is not None), s.name


def test_each_unit_keeps_its_text_tables_lists_and_pictures(volume: tuple[Path, list[Chapter], object]) -> None:
    out, chapters, result = volume
    doc = docx.Document(str(out))
    text = body_text(doc)
    order = [text.index(f"{code}宣传活动") for code, _ in UNITS]
    assert order == sorted(order)
    for code, name in UNITS:
        for piece in (f"{name}（{code}）全年", f"{code}成立工作专班", f"{code}官网报道", f"{code}持续巩固创建成果"):
            assert piece in text
    assert len(doc.tables) == len(UNITS) == result.tables
    blips = [b.get(f"{R}embed") for b in doc.element.body.iter(f"{A}blip")]
    assert len(blips) == len(UNITS) == result.pictures and all(blips)
    with zipfile.ZipFile(out) as z:
        assert len([n for n in z.namelist() if n.startswith("word/media/")]) == len(UNITS)
    # numbered lists keep their numbering (moved from List Number onto the paragraph)
    numbered = [p for p in doc.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None]
    assert len(numbered) == 3 * len(UNITS)
    assert {p.style.name for p in numbered} == {"公文正文"}
    # styles mapped to the volume's
    names = {p.style.name for p in doc.paragraphs}
    assert {"一级标题", "二级标题", "公文正文", "图片", "图题"} <= names
    assert not names & {"Normal", "Title", "Heading 2", "List Number", "Caption"}
    for table in doc.tables:
        assert {p.style.name for cell in table._cells for p in cell.paragraphs} == {"附件表格居左"}
        width = sum(int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol")))
        assert width <= round(156 / 25.4 * 1440) + 1
    for extent in doc.element.body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent"):
        assert Emu(int(extent.get("cx"))).mm <= 156.1


def test_no_unit_header_footer_or_page_setup_survives(volume: tuple[Path, list[Chapter], object]) -> None:
    out, _, _ = volume
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    for code, name in UNITS:
        for leftover in (f"{name}页眉专用文字{code}", f"{name}页脚专用文字{code}", f"{name}第二节页眉{code}"):
            assert leftover not in xml
    doc = docx.Document(str(out))
    assert len(doc.sections) == 1
    section = doc.sections[0]
    for actual, expected in ((section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
                             (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26)):  # fmt: skip
        assert abs(Emu(actual).mm - expected) <= 0.5
    assert doc.settings.odd_and_even_pages_header_footer and section.different_first_page_header_footer
    for footer in (section.footer, section.even_page_footer):
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(" —")
        assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
    assert section.first_page_footer.paragraphs[0].text == ""  # no number on the cover
    assert not [r for r in doc.part.rels.values() if r.reltype == RT.HEADER]  # the volume has no header


def test_nothing_external_is_carried(volume: tuple[Path, list[Chapter], object]) -> None:
    out, _, result = volume
    with zipfile.ZipFile(out) as z:
        rels = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".rels"))
        document = z.read("word/document.xml").decode()
    assert 'TargetMode="External"' not in rels
    assert "example.org" not in rels and "linked.png" not in rels
    assert "<w:object" not in document and "r:link=" not in document
    assert result.dropped.get("外部链接") == len(UNITS)
    assert result.dropped.get("链接的图片") == len(UNITS) and result.dropped.get("OLE 对象") == len(UNITS)
    # what was dropped (and the units' section breaks) leaves no empty paragraph behind
    doc = docx.Document(str(out))
    empty = [p for p in doc.element.body.iterchildren(f"{W}p") if all(c.tag == f"{W}pPr" for c in p)]
    assert empty == []


def test_unreadable_chapter_is_listed_and_reported(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    make_unit(good, 0, "A01", "青禾镇人民政府")
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a word file")
    result = compose_volume(COVER, [Chapter("甲单位", bad), Chapter("乙单位", good)], tmp_path / "v.docx",
                            template=TEMPLATE, issued=ISSUED)  # fmt: skip
    assert [title for title, _ in result.skipped] == ["甲单位"]
    doc = docx.Document(str(tmp_path / "v.docx"))
    assert [p.text for p in doc.paragraphs if p.style.style_id == "Heading1"] == ["甲单位", "乙单位"]
    assert "未收入汇编" in body_text(doc)


def test_cover_values_are_escaped_and_required(tmp_path: Path) -> None:
    unit = tmp_path / "u.docx"
    make_unit(unit, 0, "A01", "青禾镇人民政府")
    cover = {**COVER, "campaign": "创建<示范区> & {{ title }}"}
    compose_volume(cover, [Chapter("青禾镇", unit)], tmp_path / "v.docx", template=TEMPLATE, issued=ISSUED)
    assert docx.Document(str(tmp_path / "v.docx")).paragraphs[0].text == "创建<示范区> & {{ title }}"
    with pytest.raises(RenderError, match="date_text"):
        compose_volume({k: v for k, v in COVER.items() if k != "date_text"}, [], tmp_path / "w.docx",
                       template=TEMPLATE, issued=ISSUED)  # fmt: skip
    assert not (tmp_path / "w.docx").exists()


def _field(p: docx.text.paragraph.Paragraph, kind: str, instruction: str | None = None) -> None:
    run = p.add_run()
    if instruction is not None:
        instr = parse_xml(f'<w:instrText xmlns:w="{W[1:-1]}" xml:space="preserve">{instruction}</w:instrText>')
        run._r.append(instr)
    else:
        run._r.append(parse_xml(f'<w:fldChar xmlns:w="{W[1:-1]}" w:fldCharType="{kind}"/>'))


def test_a_units_own_contents_go_and_link_fields_keep_their_text(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.styles["Heading 1"].style_id = "1"  # as Chinese Word names it; found by its name "heading 1"
    first = doc.add_paragraph("")  # the unit's own TOC, over three paragraphs
    _field(first, "begin")
    _field(first, "", ' TOC \\o "1-3" \\h \\z \\u ')
    _field(first, "separate")
    first.add_run("单位目录第一行\t1")
    doc.add_paragraph("单位目录第二行\t2")
    last = doc.add_paragraph("单位目录第三行\t3")
    _field(last, "end")
    doc.add_heading("一、基本情况", level=1)
    p = doc.add_paragraph("详见")
    _field(p, "begin")
    _field(p, "", ' HYPERLINK "https://example.org/report" ')
    _field(p, "separate")
    p.add_run("单位官网")
    _field(p, "end")
    p._p.append(parse_xml(
        f'<w:fldSimple xmlns:w="{W[1:-1]}" w:instr=" HYPERLINK &quot;https://example.org/b&quot; ">'
        "<w:r><w:t>另一链接</w:t></w:r></w:fldSimple>"
    ))  # fmt: skip
    p.add_run("。")
    unit = tmp_path / "u.docx"
    doc.save(str(unit))
    out = tmp_path / "v.docx"
    result = compose_volume(COVER, [Chapter("青禾镇", unit)], out, template=TEMPLATE, issued=ISSUED)
    volume = docx.Document(str(out))
    text = body_text(volume)
    assert "单位目录" not in text and "详见单位官网另一链接。" in text
    instructions = [t.text for t in volume.element.body.iter(f"{W}instrText")]
    assert [i for i in instructions if "TOC" in i] == [' TOC \\o "1-1" \\h \\z \\u ']  # the volume's own
    assert not [i for i in instructions if "HYPERLINK" in i] and "example.org" not in out.read_bytes().decode("latin-1")
    assert volume.element.body.find(f".//{W}fldSimple") is None
    assert [p.style.name for p in volume.paragraphs if p.text == "一、基本情况"] == ["一级标题"]
    assert result.dropped == {"目录": 1, "外部域": 2}


def test_a_contents_field_word_already_updated_over_paragraphs_is_replaced(tmp_path: Path) -> None:
    """A template saved by Word after updating its contents: the result runs over several paragraphs."""
    template = docx.Document(str(TEMPLATE))
    toc = next(p for p in template.paragraphs if p.style.style_id == "TOC1")
    end = toc._p.findall(f"{W}r")[-1]
    old = [template.add_paragraph("旧目录一\t3", style="toc 1"), template.add_paragraph("旧目录二\t5", style="toc 1")]
    for p in reversed(old):
        toc._p.addnext(p._p)
    old[-1]._p.append(end)  # the field now ends in the last old entry
    toc._p.remove(toc._p.findall(f"{W}r")[-1])  # the placeholder text
    edited = tmp_path / "volume.docx"
    template.save(str(edited))
    unit = tmp_path / "u.docx"
    make_unit(unit, 0, "A01", "青禾镇人民政府")
    out = tmp_path / "v.docx"
    compose_volume(COVER, [Chapter("甲单位", unit), Chapter("乙单位", unit)], out, template=edited, issued=ISSUED)
    doc = docx.Document(str(out))
    assert "旧目录" not in body_text(doc)
    entries = [p for p in doc.paragraphs if p.style.style_id == "TOC1"]
    assert [p.text.strip() for p in entries] == ["甲单位", "乙单位"]
    kinds = [(i, m.get(qn("w:fldCharType"))) for i, p in enumerate(entries) for m in p._p.iter(qn("w:fldChar"))]
    outer = [k for k in kinds if k[1] in ("begin", "end")]
    assert outer[0] == (0, "begin") and outer[-1] == (1, "end")  # the TOC field wraps both entries


def add_footnotes(doc: docx.document.Document, texts: list[str]) -> None:
    """Footnotes as Word writes them (python-docx has no API): a footnotes part and references."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    notes = "".join(f'<w:footnote w:id="{i}"><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:footnote>'
                    for i, t in enumerate(texts, start=1))  # fmt: skip
    xml = (f'<w:footnotes xmlns:w="{W[1:-1]}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/>'
           '</w:r></w:p></w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
           f'<w:continuationSeparator/></w:r></w:p></w:footnote>{notes}</w:footnotes>')  # fmt: skip
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode(), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    for i, p in enumerate([p for p in doc.paragraphs if p.text][: len(texts)], start=1):
        p._p.append(parse_xml(f'<w:r xmlns:w="{W[1:-1]}"><w:footnoteReference w:id="{i}"/></w:r>'))


def test_footnotes_are_carried_and_renumbered(tmp_path: Path) -> None:
    chapters = []
    for i, (code, name) in enumerate(UNITS[:3]):
        path = tmp_path / f"{code}.docx"
        make_unit(path, i, code, name)
        doc = docx.Document(str(path))
        add_footnotes(doc, [f"{code}脚注甲", f"{code}脚注乙"])
        doc.save(str(path))
        chapters.append(Chapter(name, path))
    out = tmp_path / "v.docx"
    compose_volume(COVER, chapters, out, template=TEMPLATE, issued=ISSUED)
    with zipfile.ZipFile(out) as z:
        notes = parse_xml(z.read("word/footnotes.xml"))
        document = parse_xml(z.read("word/document.xml"))
    texts = {n.get(qn("w:id")): "".join(t.text for t in n.iter(f"{W}t")) for n in notes.iter(f"{W}footnote")}
    refs = [r.get(qn("w:id")) for r in document.iter(f"{W}footnoteReference")]
    assert len(refs) == len(set(refs)) == 6
    assert [texts[r] for r in refs] == [f"{c}脚注{x}" for c, _ in UNITS[:3] for x in "甲乙"]
