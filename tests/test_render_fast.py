"""The compiled receipt path writes what docxtpl writes, and the notice's in-place body is docxtpl's body.

Each receipt is rendered twice: the plain way (docxtpl opens, renders and saves the template, as every
receipt was rendered before) and through ``render_receipt`` (the template compiled once per process).
The two documents are opened and compared: paragraph and cell texts, the canonical XML of the body,
and every zip member byte for byte.
"""

from __future__ import annotations

import base64
import os
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.shared import Mm
from docxtpl import DocxTemplate
from lxml import etree

from docgen.cycles.monthly.notice import render_monthly_notice
from docgen.models import Problem, Receipt
from docgen.render import (
    PROPERTIES,
    REPO_TEMPLATES,
    InPlaceDocxTemplate,
    RenderError,
    apply_properties,
    compiled_template,
    load_template,
    make_jinja_env,
    receipt_context,
    render_cached,
    render_receipt,
    render_to_file,
)
from docgen.render.engine import settle_for_print

from .test_render import DANGER, SH, full_text, make_receipt, make_report

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# A 1×1 PNG: an image in a custom template (its drawing id is renumbered by docxtpl).
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
HOSTILE_VALUES = [
    "<w:p>注入</w:p>",
    "&amp; &lt; & <",
    "{{ 7*7 }}{% if true %}真{% endif %}{# 注释 #}",
    "\x00空\x07字\x0b符\x0c\x1f",
    "第一行\n第二行\t制表\r\n第三行",
    "]]><![CDATA[x]]>",
    "“引号” '单' \"双\"",
    "很长的值" * 30,
    "emoji 😀 组合 é",
    "{_{ 下划线 }_}",
]


def plain_render(template: Path, context: dict, out: Path) -> Path:
    """Today's plain docxtpl path: open, render (sandboxed, autoescaped), settle for print, set the
    properties and save."""
    tpl = DocxTemplate(str(template))
    tpl.render(context, make_jinja_env(), autoescape=True)
    settle_for_print(tpl.docx.element.body)
    apply_properties(tpl.docx.core_properties, context[PROPERTIES])
    tpl.save(str(out))
    return out


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


def cell_texts(doc: DocumentObject) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]


def assert_same_document(plain: Path, fast: Path) -> DocumentObject:
    """Same texts, same body structure, same package; returns the fast document, opened."""
    with zipfile.ZipFile(fast) as zf:
        assert zf.testzip() is None
    plain_doc, fast_doc = docx.Document(str(plain)), docx.Document(str(fast))
    assert [p.text for p in fast_doc.paragraphs] == [p.text for p in plain_doc.paragraphs]
    assert [p.style.name for p in fast_doc.paragraphs] == [p.style.name for p in plain_doc.paragraphs]
    assert cell_texts(fast_doc) == cell_texts(plain_doc)
    a, b = members(plain), members(fast)
    assert list(b) == list(a)
    assert canonical(b["word/document.xml"]) == canonical(a["word/document.xml"])
    different = [name for name in a if a[name] != b[name]]
    assert different == []
    return fast_doc


def accepted() -> Receipt:
    return make_receipt(accepted=True)


def rejected_hostile() -> Receipt:
    receipt = make_receipt(accepted=False, problems=240)  # over the 200 rows shown
    hostile = [
        Problem(f"问题说明{value}", row=300 + i, column=f"列{value}", value=value, cell=f"C{300 + i}")
        for i, value in enumerate(HOSTILE_VALUES)
    ]
    receipt.errors = hostile + receipt.errors  # 250 problems, the hostile ones among the 200 shown
    receipt.file = f"报送{DANGER}\x0b表.xlsx"
    receipt.notes = [f"说明{value}" for value in HOSTILE_VALUES[:5]]
    return receipt


def late() -> Receipt:
    receipt = make_receipt(accepted=True)
    receipt.received_at = datetime(2026, 11, 6, 8, 30, tzinfo=SH)
    receipt.notes = ["文件修改时间晚于系统时间，按首次发现时间计"]
    return receipt


def no_deadline() -> Receipt:
    receipt = make_receipt(accepted=False)
    receipt.deadline = None
    return receipt


RECEIPTS: dict[str, Callable[[], Receipt]] = {
    "accepted": accepted,
    "rejected_hostile": rejected_hostile,
    "late": late,
    "no_deadline": no_deadline,
}


@pytest.mark.parametrize("name", list(RECEIPTS))
def test_compiled_receipt_is_the_plain_docxtpl_receipt(tmp_path: Path, name: str) -> None:
    receipt = RECEIPTS[name]()
    template = REPO_TEMPLATES / "receipt.docx"
    plain = plain_render(template, receipt_context(receipt), tmp_path / "plain.docx")
    fast = render_receipt(receipt, tmp_path / "fast.docx")
    assert compiled_template(template) is not None  # the compiled path was taken
    doc = assert_same_document(plain, fast)
    # and the documents compared are real receipts, not two empty ones
    info = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    expected = {"accepted": "接收", "late": "接收", "rejected_hostile": "退回", "no_deadline": "退回"}[name]
    assert info["处理结果"] == expected
    assert info["截止时间"] == ("未设定" if name == "no_deadline" else "2026年11月5日17:00")
    if name == "rejected_hostile":
        text = full_text(doc)
        assert "{{ 7*7 }}{% if true %}真{% endif %}{# 注释 #}" in text and "<w:p>注入</w:p>" in text
        assert "&amp; &lt; & <" in text and "空字符" in text and "]]><![CDATA[x]]>" in text
        assert "{{ 下划线 }}" in text  # docxtpl turns {_{ into {{ after rendering, unit text included
        assert len(doc.tables[1].rows) == 1 + 200
        assert "另有50个问题未在此列出" in text
        assert f"说明：说明{HOSTILE_VALUES[0]}" in [p.text for p in doc.paragraphs]
        # newlines and tabs in a value become Word breaks and tabs, as docxtpl makes them
        xml = members(fast)["word/document.xml"].decode()
        assert "第一行</w:t><w:br/>" in xml and "<w:tab/>" in xml


def test_compiled_receipt_is_written_atomically_and_refuses_unknown_variables(tmp_path: Path) -> None:
    typo = docx.Document()
    typo.add_paragraph("{{ unit_name }}{{ secretarat }}")
    typo.save(str(tmp_path / "typo.docx"))
    assert compiled_template(tmp_path / "typo.docx") is not None
    with pytest.raises(RenderError, match="secretarat"):
        render_receipt(make_receipt(True), tmp_path / "out" / "r.docx", template=tmp_path / "typo.docx")
    assert not (tmp_path / "out" / "r.docx").exists()

    evil = docx.Document()
    evil.add_paragraph("{{ unit.__class__.__mro__ }}")
    evil.save(str(tmp_path / "evil.docx"))
    with pytest.raises(RenderError, match="填写失败"):
        render_receipt(make_receipt(True), tmp_path / "out" / "e.docx", template=tmp_path / "evil.docx")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []  # no half-written or temporary file


def test_template_is_compiled_once_per_version_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "templates" / "receipt.docx"
    path.parent.mkdir()
    first = docx.Document()
    first.add_paragraph("第一版：{{ result }}")
    first.save(str(path))
    compiled = compiled_template(path)
    assert compiled is not None and compiled_template(path) is compiled
    out = render_receipt(make_receipt(True), tmp_path / "a.docx", workspace_templates=path.parent)
    assert "第一版：接收" in full_text(docx.Document(str(out)))

    second = docx.Document()
    second.add_paragraph("第二版：{{ result }}")
    second.save(str(path))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # an edit a second later
    assert compiled_template(path) is not compiled
    out = render_receipt(make_receipt(True), tmp_path / "b.docx", workspace_templates=path.parent)
    text = full_text(docx.Document(str(out)))
    assert "第二版：接收" in text and "第一版" not in text


def custom_template(path: Path) -> Path:
    """Tags in a header, an image, a {%tc %} column loop (docxtpl widens the table's grid), {%p %}."""
    doc = docx.Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = "{{ unit_name }}（{{ unit }}）的回执"
    section.footer.paragraphs[0].text = "第 1 页（无标记的页脚）"
    doc.add_paragraph("{%p if accepted %}")
    doc.add_paragraph("已接收{{ rows }}行")
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("退回：{{ problem_count }}个问题")
    doc.add_paragraph("{%p endif %}")
    table = doc.add_table(rows=2, cols=4)
    for i, text in enumerate(["问题", "{%tc for prob in problems %}", "{{ prob.message }}", "{%tc endfor %}"]):
        table.cell(0, i).text = text
    for i, text in enumerate(["序号", "{%tc for prob in problems %}", "{{ prob.no }}", "{%tc endfor %}"]):
        table.cell(1, i).text = text
    (path.parent / "pixel.png").write_bytes(PIXEL)
    doc.add_picture(str(path.parent / "pixel.png"), width=Mm(5))
    doc.add_paragraph("{{ secretariat }}")
    doc.save(str(path))
    return path


def test_custom_template_with_header_image_and_column_loop(tmp_path: Path) -> None:
    template = custom_template(tmp_path / "custom.docx")
    context = receipt_context(make_receipt(accepted=False, problems=6))
    plain = plain_render(template, context, tmp_path / "plain.docx")
    fast = render_cached(template, context, tmp_path / "fast.docx")
    doc = assert_same_document(plain, fast)
    assert doc.sections[0].header.paragraphs[0].text == f"市民族宗教事务局{DANGER}（BM03）的回执"
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["问题"] + [p.message for p in make_receipt(False, 6).errors]
    body = etree.fromstring(members(fast)["word/document.xml"])
    assert len(body.findall(f".//{W}tblGrid/{W}gridCol")) == 7  # widened from 4 by docxtpl's fix_tables
    ids = body.xpath("//wp:docPr/@id", namespaces={"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"})
    assert ids == ["1001"]


def test_template_with_tags_in_its_properties_takes_the_plain_path(tmp_path: Path) -> None:
    doc = docx.Document()
    doc.core_properties.title = "{{ result }}的回执"
    doc.add_paragraph("{{ result }}")
    doc.save(str(tmp_path / "titled.docx"))
    assert compiled_template(tmp_path / "titled.docx") is None
    out = render_cached(tmp_path / "titled.docx", receipt_context(make_receipt(True)), tmp_path / "out.docx")
    rendered = docx.Document(str(out))
    assert rendered.core_properties.title == "材料报送回执"  # the document's own title, not the template's
    assert rendered.paragraphs[0].text == "接收"


# ---------------------------------------------------------------- the notice without docxtpl's body move


def test_notice_rendered_in_place_is_the_plain_docxtpl_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = make_report()
    fast = render_monthly_notice(report, tmp_path / "in_place.docx")
    from docgen.render import document

    monkeypatch.setattr(document, "load_template", lambda path, in_place=False: DocxTemplate(str(path)))
    plain = render_monthly_notice(report, tmp_path / "plain.docx")
    a, b = members(plain), members(fast)
    assert list(b) == list(a)
    for name in a:  # the chart's drawing XML keeps namespace declarations docxtpl's move drops
        if name.endswith((".xml", ".rels")):
            assert canonical(b[name]) == canonical(a[name]), name
        else:
            assert b[name] == a[name], name
    plain_doc, fast_doc = docx.Document(str(plain)), docx.Document(str(fast))
    assert [p.text for p in fast_doc.paragraphs] == [p.text for p in plain_doc.paragraphs]
    assert cell_texts(fast_doc) == cell_texts(plain_doc)
    assert len(fast_doc.inline_shapes) == 1 and len(fast_doc.tables[1].rows) == 1 + len(report.tasks)


@pytest.mark.parametrize("column_loop", [True, False])
def test_in_place_template_renders_what_docxtpl_renders(tmp_path: Path, column_loop: bool) -> None:
    """With a {%tc %} loop docxtpl must widen the grid (the plain move is taken); without, the body
    is parsed in place. Either way the document is docxtpl's."""
    template = custom_template(tmp_path / "custom.docx")
    if not column_loop:
        doc = docx.Document(str(template))
        doc.tables[0]._tbl.getparent().remove(doc.tables[0]._tbl)
        doc.save(str(template))
    context = receipt_context(make_receipt(accepted=False, problems=6))
    plain = plain_render(template, context, tmp_path / "plain.docx")
    in_place = load_template(template, in_place=True)
    assert isinstance(in_place, InPlaceDocxTemplate)
    fast = render_to_file(in_place, context, tmp_path / "in_place.docx")
    a, b = members(plain), members(fast)
    assert list(b) == list(a)
    for name in a:
        assert (canonical(b[name]) == canonical(a[name])) if name.endswith((".xml", ".rels")) else b[name] == a[name]
    body = etree.fromstring(b["word/document.xml"])
    assert len(body.findall(f".//{W}tblGrid/{W}gridCol")) == (7 if column_loop else 0)
    assert docx.Document(str(fast)).sections[0].header.paragraphs[0].text == f"市民族宗教事务局{DANGER}（BM03）的回执"


# ---------------------------------------------------------------- the notice's body written as a stream


def _notice_with(tasks: int, units: int) -> Any:
    """make_report() with ``tasks`` tasks and ``units`` units (a tab and line breaks in some unit text, and
    codes with hyphens, which the print settling splits)."""
    report = make_report()
    more_tasks = [replace(report.tasks[i % len(report.tasks)], task_id=f"T-{i}",
                          issues=f"第{i}行\n换行\t制表" if i % 7 == 0 else report.tasks[i % len(report.tasks)].issues)
                  for i in range(tasks)]
    more_units = [replace(report.units[i % len(report.units)], code=f"U-{i:04d}") for i in range(units)]
    return replace(report, tasks=more_tasks, units=more_units)


def _documents(tmp_path: Path, report: Any, monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[dict, dict]:
    """The notice written as a stream, and parsed as one tree (the in-place template without ``settle``)."""
    from docgen.render import document, inplace

    written = []
    blob = inplace._BodyWriter.blob  # noqa: SLF001
    with monkeypatch.context() as m:
        m.setattr(inplace._BodyWriter, "blob", lambda self, whole: written.append(1) or blob(self, whole))  # noqa: SLF001
        streamed = render_monthly_notice(report, tmp_path / f"{name}-streamed.docx")
    assert written == [1]  # the stream was taken
    with monkeypatch.context() as m:
        m.setattr(document, "load_template", lambda path, in_place=False: InPlaceDocxTemplate(str(path)))
        whole = render_monthly_notice(report, tmp_path / f"{name}-whole.docx")
    return members(streamed), members(whole)


@pytest.mark.parametrize(("tasks", "units"), [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (120, 400)])
def test_notice_written_as_a_stream_is_the_notice_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tasks: int, units: int
) -> None:
    """Byte for byte, every member: tables of 1 to 4 rows (where keep_rows' rules start to apply) and long
    ones, text with tabs and breaks (resolve_listing) and hyphens (no-break hyphens), the chart's drawing
    numbered in document order."""
    streamed, whole = _documents(tmp_path, _notice_with(tasks, units), monkeypatch, f"n{tasks}")
    assert list(streamed) == list(whole)
    for name in whole:
        assert streamed[name] == whole[name], name
    body = streamed["word/document.xml"]
    assert b"docgen-" not in body  # no marker left
    if tasks >= 120:
        assert body.count(b"<w:tab/>") >= 1 and body.count(b"<w:noBreakHyphen/>") >= 120


def test_a_table_docxtpl_must_fix_is_rendered_whole(tmp_path: Path) -> None:
    """A {%tc %} loop widening the grid: the stream gives up (PlainPath) and docxtpl's fix_tables runs on the
    body rendered again as one string: the document is plain docxtpl's."""
    template = custom_template(tmp_path / "custom.docx")
    context = receipt_context(make_receipt(accepted=False, problems=6))
    plain = plain_render(template, context, tmp_path / "plain.docx")
    streamed = load_template(template, in_place=True)
    assert streamed.settle is not None
    out = render_to_file(streamed, context, tmp_path / "streamed.docx")
    assert streamed._writer is None  # noqa: SLF001 - the whole-tree path was taken
    a, b = members(plain), members(out)
    for name in a:
        assert (canonical(b[name]) == canonical(a[name])) if name.endswith((".xml", ".rels")) else b[name] == a[name]
