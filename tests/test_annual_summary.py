"""The annual work summary (.docx): inspected before python-docx opens it, then described for the rules.

Good files are written with python-docx; hostile ones by editing the package (python-docx's own parts
API, or the zip rewritten byte by byte). Every message and note is written out by hand below.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import docx
import openpyxl
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from PIL import Image

from docgen.config import IntakeLimits
from docgen.cycles.annual.summary import HEADINGS, check_summary, headings_found
from docgen.formats import docx_guard
from docgen.formats.docx_guard import DocxCheck, inspect_docx, picture_size

LIMITS = IntakeLimits()
DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ATTACHED_TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
VML = 'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
RESAVE = "请在 Word 或 WPS 中“另存为” Word 文档（.docx）后重新报送"


def png(width: int, height: int, mode: str = "RGB") -> io.BytesIO:
    buf = io.BytesIO()
    Image.new(mode, (width, height)).save(buf, "PNG")
    buf.seek(0)
    return buf


def summary(headings: tuple[str, ...] = HEADINGS) -> docx.document.Document:
    """A real summary: headings, body text, a numbered list, a table and a picture."""
    doc = docx.Document()
    doc.add_paragraph("青禾镇2026年度创建工作总结", style="Title")
    for heading in headings:
        doc.add_heading(heading, level=1)
        doc.add_paragraph("今年以来，我镇围绕创建目标，扎实推进各项工作。")
    doc.add_paragraph("开展宣传月活动", style="List Number")
    doc.add_paragraph("建成教育基地", style="List Number")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "活动", "场次"
    table.cell(1, 0).text, table.cell(1, 1).text = "宣传月", "12"
    doc.add_picture(png(40, 30))
    return doc


def save(doc: docx.document.Document, path: Path) -> Path:
    doc.save(str(path))
    return path


def rezip(src: Path, dst: Path, replace: dict[str, bytes | None] | None = None,
          add: dict[str, bytes] | None = None) -> Path:
    """The package of ``src`` with members replaced (None: dropped) or added, written to ``dst``."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def big_member(dst: Path, src: Path, name: str, size: int, prefix: bytes = b"") -> Path:
    """``src`` with a member of ``size`` highly compressible bytes added, written in chunks."""
    rezip(src, dst)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as zf, zf.open(name, "w") as out:
        out.write(prefix)
        left = size - len(prefix)
        while left > 0:
            out.write(bytes(min(left, 1 << 20)))
            left -= 1 << 20
    return dst


def messages(path: Path) -> list[str]:
    return [p.message for p in check_summary(path, LIMITS).problems]


# ---------------------------------------------------------------- accepted


def test_a_usual_summary_is_described_in_one_row(tmp_path: Path) -> None:
    doc = summary(("一、基本情况", "二.主要做法", "三、 取得成效", "四．存在问题", "五 、下步打算"))
    result = check_summary(save(doc, tmp_path / "总结.docx"), LIMITS)
    assert result.problems == [] and result.notes == []
    # title + 5 headings + 5 body paragraphs + 2 list items; the table's cells are not body paragraphs
    assert result.rows == [{"paragraphs": 13, "tables": 1, "pictures": 1, "missing_headings": []}]


def test_missing_headings_are_told_without_refusing(tmp_path: Path) -> None:
    doc = summary(("一、基本情况", "三、取得成效", "四、存在问题"))
    result = check_summary(save(doc, tmp_path / "总结.docx"), LIMITS)
    assert result.accepted
    assert result.notes == ["总结缺少以下常用标题：二、主要做法、五、下步打算（不影响接收，建议按常用结构撰写）"]
    assert result.rows[0]["missing_headings"] == ["二、主要做法", "五、下步打算"]


@pytest.mark.parametrize(("text", "found"), [
    ("一、基本情况", True), ("一.基本情况", True), ("一．基本情况", True), ("一 、 基本情况", True),
    ("\u3000一、基本情况\u3000", True), ("二、基本情况", True), ("基本情况", True), ("基本情况：", True),
    ("基本情况良好，各项工作有序推进。", False), ("（一）基本情况", False), ("一、基本", False),
])
def test_headings_match_loosely(text: str, found: bool) -> None:
    assert (headings_found([text]) == {"一、基本情况"}) is found


def test_a_table_alone_is_text(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.add_table(rows=1, cols=1).cell(0, 0).text = "全年开展活动12场"
    result = check_summary(save(doc, tmp_path / "总结.docx"), LIMITS)
    assert result.accepted
    assert result.rows[0] == {"paragraphs": 0, "tables": 1, "pictures": 0, "missing_headings": list(HEADINGS)}


def test_what_the_volume_will_not_carry_is_noted(tmp_path: Path) -> None:
    doc = summary()
    para = doc.paragraphs[2]
    # an external hyperlink
    rid = doc.part.relate_to("https://www.example.org/创建", RT.HYPERLINK, is_external=True)
    para._p.append(parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:t>链接</w:t></w:r></w:hyperlink>'))
    # a picture also linked to a file on the unit's computer
    blip = doc.element.body.find(".//" + qn("a:blip"))
    blip.set(qn("r:link"), doc.part.relate_to("file:///C:/照片/活动.jpg", RT.IMAGE, is_external=True))
    # an attached template
    settings = doc.part._settings_part
    template = OxmlElement("w:attachedTemplate")
    template.set(qn("r:id"), settings.relate_to("file:///C:/模板/公文.dotm", ATTACHED_TEMPLATE, is_external=True))
    settings.element.append(template)
    # an embedded OLE object (an Excel sheet)
    ole = Part(PackURI("/word/embeddings/oleObject1.bin"), "application/vnd.openxmlformats-officedocument.oleObject",
               b"\xd0\xcf\x11\xe0" + bytes(508), doc.part.package)
    rid = doc.part.relate_to(ole, RT.OLE_OBJECT)
    para._p.append(parse_xml(
        f'<w:r {nsdecls("w", "r")} {VML}><w:object><v:shape id="x"><v:imagedata r:id="{rid}"/></v:shape>'
        f'<o:OLEObject Type="Embed" ProgID="Excel.Sheet.12" r:id="{rid}"/></w:object></w:r>'
    ))
    path = save(doc, tmp_path / "总结.docx")

    check = inspect_docx(path, LIMITS)
    assert (check.external_hyperlinks, check.linked_pictures, check.attached_template, check.ole_objects) == (1, 1, True, 1)
    assert check.has_external and check.has_ole and check.pictures == 1  # the object's icon is no picture
    assert check.main_part == "word/document.xml"
    result = check_summary(path, LIMITS)
    assert result.accepted
    assert result.notes == [
        "文档中有 1 个指向网址或外部文件的超链接，汇编中只保留其文字，不保留链接",
        "文档中有 1 张图片链接到外部文件（未嵌入文档），汇编中不会显示；如需保留，请在 Word 或 WPS 中将图片插入文档后重新报送",
        "文档附加了外部模板，汇编中不使用该模板，只保留文档本身的内容和格式",
        "文档中嵌入了 1 个对象（如 Excel 表格、其他文件），汇编中不会保留；如需保留其内容，请以表格或图片的形式放入正文",
    ]


def test_a_plain_document_has_no_flags(tmp_path: Path) -> None:
    check = inspect_docx(save(summary(), tmp_path / "总结.docx"), LIMITS)
    # 13 paragraphs with text, the picture's own paragraph, and the table's two rows
    assert check == DocxCheck(main_part="word/document.xml", paragraphs=16, pictures=1)
    assert not (check.refused or check.has_external or check.has_ole)


# ---------------------------------------------------------------- refused: what the file is


def test_an_empty_document(tmp_path: Path) -> None:
    assert messages(save(docx.Document(), tmp_path / "总结.docx")) == ["文档没有正文内容，请检查是否选错了文件后重新报送"]
    doc = docx.Document()
    doc.add_paragraph("  ")
    doc.add_table(rows=1, cols=2)
    assert messages(save(doc, tmp_path / "空白.docx")) == ["文档没有正文内容，请检查是否选错了文件后重新报送"]


def test_an_old_doc_renamed_or_not(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(4096)
    old = f"这是旧版 Word（.doc）文件，无法读取；{RESAVE}"
    (tmp_path / "总结.docx").write_bytes(ole)
    (tmp_path / "总结.doc").write_bytes(ole)
    assert messages(tmp_path / "总结.docx") == [old]
    assert messages(tmp_path / "总结.doc") == [old]


def test_a_password_protected_document(tmp_path: Path) -> None:
    ole = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000) + "EncryptionInfo".encode("utf-16-le") + bytes(50)
           + "EncryptedPackage".encode("utf-16-le") + bytes(3000))
    (tmp_path / "总结.docx").write_bytes(ole)
    assert messages(tmp_path / "总结.docx") == ["文件设有打开密码，无法读取；请在 Word 或 WPS 中取消密码后另存为 .docx，重新报送"]


MACRO = "文件是启用宏的 Word 文档（.docm）或含有宏，出于安全考虑不予接收；请在 Word 或 WPS 中“另存为”不含宏的 Word 文档（.docx）后重新报送"


def test_macro_enabled_documents(tmp_path: Path) -> None:
    good = save(summary(), tmp_path / "good.docx")
    with zipfile.ZipFile(good) as zf:
        types = zf.read("[Content_Types].xml").decode()
    docm = types.replace(DOCUMENT_TYPE, "application/vnd.ms-word.document.macroEnabled.main+xml")
    rezip(good, tmp_path / "类型.docx", replace={"[Content_Types].xml": docm.encode()})
    rezip(good, tmp_path / "宏.docx", add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(100)})
    rezip(good, tmp_path / "总结.docm")
    for name in ("类型.docx", "宏.docx", "总结.docm"):
        assert messages(tmp_path / name) == [MACRO], name


def test_not_a_word_document(tmp_path: Path) -> None:
    good = save(summary(), tmp_path / "good.docx")
    (tmp_path / "乱码.docx").write_bytes(b"not a zip at all")
    (tmp_path / "空.docx").write_bytes(b"")
    (tmp_path / "总结.xlsx").write_bytes(good.read_bytes())
    (tmp_path / "总结.pdf").write_bytes(b"%PDF-1.7")
    with zipfile.ZipFile(good) as zf:
        types = zf.read("[Content_Types].xml").decode()
    template = types.replace(DOCUMENT_TYPE, DOCUMENT_TYPE.replace("document.main", "template.main"))
    rezip(good, tmp_path / "模板.docx", replace={"[Content_Types].xml": template.encode()})
    openpyxl.Workbook().save(tmp_path / "表格.docx")  # a workbook renamed
    rezip(good, tmp_path / "无正文.docx", replace={"word/document.xml": None})
    rezip(good, tmp_path / "坏正文.docx", replace={"word/document.xml": b"<w:document"})
    rezip(good, tmp_path / "怪正文.docx", replace={"word/document.xml": b"<x/>"})  # well-formed, not Word

    corrupt = f"文件已损坏或不是有效的 Word（.docx）文档，无法读取；{RESAVE}"
    assert messages(tmp_path / "乱码.docx") == [corrupt]
    assert messages(tmp_path / "空.docx") == ["文件为空（0 字节），请检查后重新报送"]
    assert messages(tmp_path / "总结.xlsx") == ["不支持的文件类型（.xlsx），请用 Word 或 WPS 保存为 .docx 后重新报送"]
    assert messages(tmp_path / "总结.pdf") == ["不支持的文件类型（.pdf），请用 Word 或 WPS 保存为 .docx 后重新报送"]
    not_word = f"文件不是 Word 文档（可能是模板或其他类型的文件改了扩展名），无法读取；{RESAVE}"
    assert messages(tmp_path / "模板.docx") == [not_word]
    assert messages(tmp_path / "表格.docx") == [not_word]
    assert messages(tmp_path / "无正文.docx") == [corrupt]
    assert messages(tmp_path / "坏正文.docx") == [corrupt]
    assert messages(tmp_path / "怪正文.docx") == [
        "文件无法作为 Word（.docx）文档打开，请在 Word 或 WPS 中“另存为” Word 文档（.docx）后重新报送"
    ]


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    doc = summary()
    noise = io.BytesIO()
    Image.frombytes("L", (1024, 1024), os.urandom(1 << 20)).save(noise, "PNG")
    doc.add_picture(noise)
    path = save(doc, tmp_path / "总结.docx")
    size = path.stat().st_size / 2**20
    assert messages(path) == []
    assert [p.message for p in check_summary(path, IntakeLimits(max_file_mb=1)).problems] == [
        f"文件大小 {size:.1f} MB 超过上限 1 MB，请压缩文档中的图片或删除无关内容后重新报送"
    ]


# ---------------------------------------------------------------- refused: bounds, checked before the work


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The members the inspection inflates, in order."""
    names: list[str] = []
    real = docx_guard._member

    def recording(fp: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
        names.append(info.filename)
        yield from real(fp, info)

    monkeypatch.setattr(docx_guard, "_member", recording)
    return names


def test_a_zip_bomb_is_refused_from_the_central_directory(tmp_path: Path, inflated: list[str]) -> None:
    good = save(summary(), tmp_path / "good.docx")
    path = big_member(tmp_path / "总结.docx", good, "word/padding.bin", 100 << 20)  # + the usual 0.8 MB
    assert path.stat().st_size < 1 << 20
    assert messages(path) == ["文件解压后有 101 MB，超过 100 MB 的上限（疑似压缩炸弹），不予读取；请压缩文档中的图片或删除无关内容后重新报送"]
    assert inflated == []  # the central directory alone told it


def test_a_picture_over_the_byte_bound_is_refused_before_inflating(tmp_path: Path, inflated: list[str]) -> None:
    good = save(summary(), tmp_path / "good.docx")
    header = picture_header(64, 64)
    path = big_member(tmp_path / "总结.docx", good, "word/media/image9.png", 21 << 20, prefix=header)
    assert messages(path) == [
        "文档中的图片“image9.png”解压后有 21.0 MB，超过单张图片 20 MB 的上限；请压缩该图片（如 Word 的“压缩图片”）后重新报送"
    ]
    assert inflated == ["[Content_Types].xml", "_rels/.rels"]  # the declarations only, never the picture


def test_a_main_document_over_the_byte_bound_is_refused_before_inflating(tmp_path: Path, inflated: list[str]) -> None:
    good = save(summary(), tmp_path / "good.docx")
    with zipfile.ZipFile(good) as zf:
        body = zf.read("word/document.xml")
    rezip(good, tmp_path / "base.docx", replace={"word/document.xml": None})
    path = big_member(tmp_path / "总结.docx", tmp_path / "base.docx", "word/document.xml", 33 << 20, prefix=body)
    assert messages(path) == [
        "文档正文部分解压后有 33.0 MB，超过 32 MB（约 200 页）的上限，篇幅过长，不予读取；请精简正文（详细材料可另行报送）后重新报送"
    ]
    assert inflated == ["[Content_Types].xml", "_rels/.rels"]


def picture_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">II5B", width, height, 8, 2, 0, 0, 0)
    return bytes.fromhex("89504e470d0a1a0a") + struct.pack(">I", 13) + b"IHDR" + ihdr + bytes(4)


def test_a_picture_over_the_pixel_bound(tmp_path: Path) -> None:
    doc = summary()
    doc.add_picture(png(8000, 6000, mode="1"))
    path = save(doc, tmp_path / "总结.docx")
    assert path.stat().st_size < 1 << 20
    assert messages(path) == ["文档中的图片“image2.png”有 8,000×6,000 像素，超过单张图片 4,000 万像素的上限；请缩小该图片后重新报送"]


def test_picture_headers() -> None:
    assert picture_size(png(123, 45).getvalue()) == (123, 45)
    for fmt in ("JPEG", "GIF", "BMP"):
        buf = io.BytesIO()
        Image.new("RGB", (321, 54)).save(buf, fmt, **({"exif": Image.Exif()} if fmt == "JPEG" else {}))
        assert picture_size(buf.getvalue()) == (321, 54), fmt
    assert picture_size(b"<svg/>") is None


def test_a_lying_directory_is_caught_within_the_declared_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = save(summary(), tmp_path / "good.docx")
    path = big_member(tmp_path / "总结.docx", good, "word/padding.bin", 30 << 20)
    declared = 1000
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("word/padding.bin")
    name = info.filename.encode()
    # the local header and the central directory both say 1000 bytes; 30 MB are inflated from the data
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    central = data.rindex(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.rindex(b"PK\x01\x02", 0, central)
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("word/padding.bin").file_size == declared

    produced: dict[str, int] = {}
    real = docx_guard._member

    def counting(fp: BinaryIO, member: zipfile.ZipInfo) -> Iterator[bytes]:
        for chunk in real(fp, member):
            produced[member.filename] = produced.get(member.filename, 0) + len(chunk)
            yield chunk

    monkeypatch.setattr(docx_guard, "_member", counting)
    assert messages(path) == [f"文件内部记录的大小与实际内容不符（疑似压缩炸弹），不予读取；{RESAVE}"]
    assert produced.get("word/padding.bin", 0) <= declared


def test_a_document_over_the_paragraph_bound(tmp_path: Path) -> None:
    doc = docx.Document()
    body = doc.element.body
    for i in range(10_000):
        p = OxmlElement("w:p")
        r = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = f"第{i}段"
        r.append(t)
        p.append(r)
        body.append(p)
    assert messages(save(doc, tmp_path / "总结.docx")) == [
        "文档超过 8,000 段（表格每行按一段计，约 200 页），篇幅过长，不予读取；请精简正文（详细材料可另行报送）后重新报送"
    ]


def test_too_many_members_dtds_and_utf16_are_refused(tmp_path: Path) -> None:
    good = save(summary(), tmp_path / "good.docx")
    rezip(good, tmp_path / "部件.docx", add={f"customXml/x{i}.xml": b"<x/>" for i in range(1000)})
    with zipfile.ZipFile(good) as zf:
        styles = zf.read("word/styles.xml")
    laughs = styles.replace(b"?>", b'?><!DOCTYPE w:styles [<!ENTITY a "aaaaaaaaaa">]>', 1)
    rezip(good, tmp_path / "实体.docx", replace={"word/styles.xml": laughs})
    wide = styles.decode().replace("UTF-8", "UTF-16").encode("utf-16")
    rezip(good, tmp_path / "宽.docx", replace={"word/styles.xml": wide})
    records = 1000 + len(zipfile.ZipFile(good).infolist())
    assert messages(tmp_path / "部件.docx") == [
        f"文件内部结构不符合 Word 标准（包含 {records:,} 个部件，正常的 Word 文档只有几十个），不予读取；{RESAVE}"
    ]
    assert messages(tmp_path / "实体.docx") == [f"文件内部结构不符合 Word 标准（部件“word/styles.xml”含有 DTD 声明），不予读取；{RESAVE}"]
    assert messages(tmp_path / "宽.docx") == [f"文件内部结构不符合 Word 标准（部件“word/styles.xml”不是 UTF-8 编码），不予读取；{RESAVE}"]
