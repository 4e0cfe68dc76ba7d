"""Documents from a template compiled once per process: what makes a receipt cost ~1 ms instead of ~24 ms.

docxtpl as is pays for every document: python-docx opening the template's parts, docxtpl's regular
expressions patching the XML, Jinja compiling each part, and deflating every zip member again (the
styles parts alone are ~800 KB). None of that depends on the document being rendered. ``CompiledDocx``
does it once per version of a template file: it opens the template, patches it with docxtpl's own
``patch_xml`` (so ``{%p %}``, ``{%tr %}``, ``{{r }}`` … mean exactly what they mean to docxtpl) and
compiles it with the sandboxed, autoescaping environment. Per document it then follows
``DocxTemplate.render`` step by step for the parts that carry tags only (the body, and any header or
footer with tags), and writes the .docx with every other member copied as the bytes deflated once.

The result is the same package docxtpl writes, member for member (tests compare them byte for byte).
Templates this path cannot reproduce exactly (tags in the core properties or footnotes, no core
properties part) are rendered the plain way, and so is any context value that adds parts to the
package (``InlineImage``, ``Subdoc``): ``render_cached`` is for contexts of plain values.
"""

from __future__ import annotations

import copy
import functools
import io
import os
import re
import struct
import threading
import time
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import jinja2
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml.parser import parse_xml

from ..atomic import replacing
from .engine import (
    RenderError,
    apply_properties,
    check_variables,
    load_template,
    make_jinja_env,
    properties_of,
    render_to_file,
    settle_for_print,
    template_variables,
)
from .inplace import BODY, parse_rendered, resolve_listing, tables_need_fixing

# What docxtpl's render_properties fills through Jinja, and the footnotes it renders.
_CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_JINJA_MARKS = ("{{", "{%", "{#")
_PARAGRAPH = re.compile(r"<w:p([ >])")

# ZIP structures (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16), as the zipfile module writes them.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP_VERSION = 20  # 2.0: deflate
_UNIX = 3
_UTF8_NAME = 0x800
_MEMBER_MODE = 0o600 << 16  # what ZipFile.writestr gives a member written from bytes
_ZIP32_LIMIT = 0xFFFFFFFF


class NotCompilable(Exception):
    """The template uses something this path cannot reproduce exactly: render it the plain way."""


@dataclass(frozen=True)
class _Member:
    """A zip member as stored: its deflated bytes are written as they are."""

    name: bytes
    flags: int
    crc: int
    size: int
    deflated: bytes


@dataclass(frozen=True)
class _Part:
    """A header or footer with tags: rendered for every document."""

    name: str
    template: jinja2.Template
    encoding: str


def _has_tags(text: str | None) -> bool:
    return bool(text) and any(mark in text for mark in _JINJA_MARKS)  # type: ignore[operator]


def _deflate(data: bytes) -> bytes:
    """Raw deflate at zipfile's default level, as python-docx's ZipFile writes members."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _stored_member(archive: bytes, info: zipfile.ZipInfo) -> _Member:
    """A member's deflated bytes read straight from the archive, without inflating them."""
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise NotCompilable(f"zip member {info.filename} is not deflated")
    name_length, extra_length = struct.unpack_from("<HH", archive, info.header_offset + 26)
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    name = info.filename.encode("utf-8")
    return _Member(
        name=name,
        flags=0 if name.isascii() else _UTF8_NAME,
        crc=info.CRC,
        size=info.file_size,
        deflated=archive[start : start + info.compress_size],
    )


def _dos_now() -> tuple[int, int]:
    """The current local time as a zip member's (time, date), as ZipFile.writestr stamps members."""
    t = time.localtime()
    return (
        t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2,
        (t.tm_year - 1980) << 9 | t.tm_mon << 5 | t.tm_mday,
    )


def _write_zip(out: BinaryIO, members: list[_Member]) -> None:
    """Write a zip archive of already deflated members (local headers, data, central directory)."""
    dos_time, dos_date = _dos_now()
    central = []
    offset = 0
    for m in members:
        if max(m.size, len(m.deflated), offset) > _ZIP32_LIMIT:
            raise RenderError("生成的文档超过4GB，无法写入")
        out.write(
            _LOCAL_HEADER.pack(
                b"PK\x03\x04", _ZIP_VERSION, 0, m.flags, zipfile.ZIP_DEFLATED, dos_time, dos_date,
                m.crc, len(m.deflated), m.size, len(m.name), 0,
            )
        )  # fmt: skip
        out.write(m.name)
        out.write(m.deflated)
        central.append(
            _CENTRAL_HEADER.pack(
                b"PK\x01\x02", _ZIP_VERSION, _UNIX, _ZIP_VERSION, 0, m.flags, zipfile.ZIP_DEFLATED,
                dos_time, dos_date, m.crc, len(m.deflated), m.size, len(m.name), 0, 0, 0, 0,
                _MEMBER_MODE, offset,
            )
            + m.name
        )  # fmt: skip
        offset += _LOCAL_HEADER.size + len(m.name) + len(m.deflated)
    directory = b"".join(central)
    out.write(directory)
    out.write(_END_RECORD.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), offset, 0))


class CompiledDocx:
    """A .docx template opened, patched and compiled once, rendered to as many documents as needed.

    Not for contexts holding ``InlineImage`` or ``Subdoc`` (they add parts to the package).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        env = make_jinja_env()
        tpl = load_template(self.path)
        self.variables = frozenset(template_variables(tpl))  # also refuses a tag with a syntax error
        tpl.render_init()  # opens the document, as DocxTemplate.render does first
        document = tpl.docx
        package = document.part.package
        if not any(rel.reltype == RT.CORE_PROPERTIES for rel in package.rels.values()):
            raise NotCompilable("no core properties part: python-docx would date a new one at each save")
        core = document.core_properties
        if any(_has_tags(getattr(core, name)) for name in _CORE_PROPERTIES):
            raise NotCompilable("tags in the core properties")
        if any(
            part.content_type == _FOOTNOTES_TYPE and b"{" in part.blob for part in package.iter_parts()
        ):
            raise NotCompilable("footnotes that may carry tags")
        try:
            # Without tags these come out the same for every document: let docxtpl do them once.
            tpl.render_properties({}, env)
            tpl.render_footnotes({}, env)
            self._body = env.from_string(_PARAGRAPH.sub(r"\n<w:p\1", tpl.patch_xml(tpl.get_xml())))
            parts = []
            for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
                for rel_key, part in list(tpl.get_headers_footers(uri)):
                    xml = tpl.get_part_xml(part)
                    encoding = tpl.get_headers_footers_encoding(xml)
                    patched = tpl.patch_xml(xml)
                    if _has_tags(patched):
                        parts.append(_Part(part.partname.membername, env.from_string(
                            _PARAGRAPH.sub(r"\n<w:p\1", patched)), encoding))  # fmt: skip
                    else:  # what docxtpl does to a header or footer without tags, once
                        rendered = tpl.render_xml_part(patched, part, {}, env)
                        tpl.map_headers_footers_xml(rel_key, rendered.encode(encoding))
        except jinja2.TemplateError as exc:
            raise RenderError(f"模板 {self.path} 中的标记有语法错误：{exc}") from exc
        self._parts = parts
        self._tpl = tpl
        self._document_name = document.part.partname.membername
        # The core properties (title, author, dates) are each document's own: written per render.
        core_part = package._core_properties_part
        self._core_name = core_part.partname.membername
        self._core = copy.deepcopy(core_part.element)
        # The document element with an empty body: each render fills a copy of it. Moving a large
        # rendered body *out* of a tree costs lxml time quadratic in its size (namespace fix-ups), so
        # a rendered body is never replaced; its tree is simply dropped.
        self._root = copy.deepcopy(document.element)
        body = self._root.find(BODY)
        if body is None:
            raise NotCompilable("no w:body")
        for child in list(body):
            body.remove(child)

        # The package as python-docx saves it, rendered parts excepted: those members keep their bytes.
        buffer = io.BytesIO()
        document.save(buffer)
        archive = buffer.getvalue()
        rendered = {self._document_name, self._core_name, *(p.name for p in parts)}
        self._members: list[_Member | str] = []
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            for info in zf.infolist():
                self._members.append(
                    info.filename if info.filename in rendered else _stored_member(archive, info)
                )
        self._lock = threading.Lock()  # docxtpl's id counter is shared

    def _finish(self, xml: str) -> str:
        """docxtpl's render_xml_part after Jinja: undo the line breaks, unescape, tabs and breaks."""
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # re.sub(r"\n<w:p([ >])", …)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return resolve_listing(self._tpl, xml)

    def render_parts(self, context: Mapping[str, Any]) -> dict[str, bytes]:
        """The parts with tags rendered for ``context``, serialized as python-docx saves them."""
        ctx = dict(context)
        tpl = self._tpl
        try:
            xml = self._finish(self._body.render(ctx))
            tree = parse_rendered(xml)
            if tables_need_fixing(tree):
                tree = tpl.fix_tables(xml)
            with self._lock:
                tpl.docx_ids_index = 1000  # as render_init sets it
                tpl.fix_docpr_ids(tree)
            settle_for_print(tree)  # as render_to_file does
            root = copy.deepcopy(self._root)
            root.replace(root.find(BODY), tree)  # docxtpl's map_tree
            parts = {self._document_name: serialize_part_xml(root)}
            core = copy.deepcopy(self._core)
            apply_properties(core, properties_of(ctx, str(self.path)))
            parts[self._core_name] = serialize_part_xml(core)
            for part in self._parts:
                xml = self._finish(part.template.render(ctx)).encode(part.encoding)
                parts[part.name] = serialize_part_xml(parse_xml(xml))
        except jinja2.TemplateError as exc:
            raise RenderError(f"模板 {self.path} 填写失败：{exc}") from exc
        return parts

    def write(self, context: Mapping[str, Any], out: BinaryIO) -> None:
        """Write the rendered .docx to an open binary file."""
        parts = self.render_parts(context)
        members = []
        for member in self._members:
            if isinstance(member, str):
                data = parts[member]
                name = member.encode("utf-8")
                member = _Member(
                    name=name, flags=0 if name.isascii() else _UTF8_NAME, crc=zlib.crc32(data),
                    size=len(data), deflated=_deflate(data),
                )  # fmt: skip
            members.append(member)
        _write_zip(out, members)


@functools.lru_cache(maxsize=16)
def _compiled(path: str, _mtime_ns: int, _size: int) -> CompiledDocx | None:
    try:
        return CompiledDocx(Path(path))
    except NotCompilable:
        return None


def compiled_template(path: Path) -> CompiledDocx | None:
    """The compiled template for this version of the file (cached per process), or None when the
    template needs the plain docxtpl path."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise RenderError(f"无法读取模板文件 {path}：{exc}") from exc
    return _compiled(os.fspath(path), stat.st_mtime_ns, stat.st_size)


def render_cached(path: Path, context: Mapping[str, Any], out_path: Path) -> Path:
    """Render ``path`` with a context of plain values to ``out_path``, atomically, from the compiled
    template when it can be used; the output is what ``render_to_file`` writes."""
    compiled = compiled_template(path)
    if compiled is None:
        return render_to_file(load_template(path), context, out_path)
    check_variables(str(path), compiled.variables, context)
    out_path = Path(out_path)
    with replacing(out_path) as tmp, open(tmp, "wb") as out:
        compiled.write(context, out)
    return out_path
