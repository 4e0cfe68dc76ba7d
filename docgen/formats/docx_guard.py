"""Check a Word (.docx) file before python-docx parses it: nothing in it is followed, fetched or run.

python-docx reads every part of the package into memory and lxml builds the main document whole, so
before it opens a unit's document (in the spirit of ``guard`` for .xlsx, whose zip layer this reuses):

1. the file: its type by name, its size, its first bytes (an OLE2 container is an old .doc, or a
   password-protected document when it holds an ``EncryptedPackage`` stream);
2. the zip, from its central directory before anything is inflated: records counted on the raw bytes,
   duplicate names, the unpacked total (zip bombs), each picture's and the main document's size;
   then the package's declarations (``[Content_Types].xml``, ``_rels/.rels``): a macro-enabled
   document or a ``vbaProject.bin`` is refused, and the main part must be a Word document;
3. every member inflated in chunks capped at its declared size (a lying directory is refused), XML
   parts with a DTD (entity expansion) or in UTF-16 refused, each picture's pixel size read from its
   header; the main document streamed through expat, counting paragraphs (refused beyond ~200 pages).

What the compiled volume will not carry is told, never refused: external relationships (hyperlinks kept
as text only, linked pictures, an attached template, other external references) and embedded OLE
objects, as ``notes`` in Chinese and as flags the volume builder can use to strip them.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..config import IntakeLimits
from ..models import Problem
from .guard import LYING as _XLSX_LYING
from .guard import Refused, _count_signature, _member, open_zip, stream_xml

MAX_ZIP_ENTRIES = 1000  # a Word document has a few dozen parts; a few hundred with many pictures
MAX_PICTURE_MB = 20  # one picture, unpacked
MAX_PICTURE_PIXELS = 40_000_000  # one raster picture (PNG, JPEG, GIF, BMP), read from its header
MAX_PARAGRAPHS = 8_000  # paragraphs outside tables plus table rows: ~200 pages at ~40 a page
MAX_DOCUMENT_XML_MB = 32  # the main document part, unpacked: ~4 KB a paragraph at MAX_PARAGRAPHS
PAGES = 200  # what the two bounds above amount to, as the messages say it

DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_HEAD = 256 << 10  # bytes of a member kept to read a picture's header
_LOCAL_SIG = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream's name in the OLE2 directory
_DTD = b"<!DOCTYPE"
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main "
_P, _TBL, _TR, _OBJECT = _W + "p", _W + "tbl", _W + "tr", _W + "object"
_BLIP = "http://schemas.openxmlformats.org/drawingml/2006/main blip"
_IMAGEDATA = "urn:schemas-microsoft-com:vml imagedata"
_FALLBACK = "http://schemas.openxmlformats.org/markup-compatibility/2006 Fallback"
_RELATIONSHIP = "http://schemas.openxmlformats.org/package/2006/relationships Relationship"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types "

_RESAVE = "请在 Word 或 WPS 中“另存为” Word 文档（.docx）后重新报送"
OLD_DOC = f"这是旧版 Word（.doc）文件，无法读取；{_RESAVE}"
ENCRYPTED = "文件设有打开密码，无法读取；请在 Word 或 WPS 中取消密码后另存为 .docx，重新报送"
MACRO = ("文件是启用宏的 Word 文档（.docm）或含有宏，出于安全考虑不予接收；"
         "请在 Word 或 WPS 中“另存为”不含宏的 Word 文档（.docx）后重新报送")
CORRUPT = f"文件已损坏或不是有效的 Word（.docx）文档，无法读取；{_RESAVE}"
NOT_WORD = f"文件不是 Word 文档（可能是模板或其他类型的文件改了扩展名），无法读取；{_RESAVE}"
LYING = f"文件内部记录的大小与实际内容不符（疑似压缩炸弹），不予读取；{_RESAVE}"
EMPTY = "文件为空（0 字节），请检查后重新报送"


def wrong_type(suffix: str) -> str:
    return f"不支持的文件类型（{suffix or '无扩展名'}），请用 Word 或 WPS 保存为 .docx 后重新报送"


def too_large(size_mb: float, limit_mb: float) -> str:
    return f"文件大小 {size_mb:.1f} MB 超过上限 {limit_mb:.0f} MB，请压缩文档中的图片或删除无关内容后重新报送"


def bomb(total_mb: float, limit_mb: float) -> str:
    return (f"文件解压后有 {total_mb:,.0f} MB，超过 {limit_mb:,.0f} MB 的上限（疑似压缩炸弹），不予读取；"
            "请压缩文档中的图片或删除无关内容后重新报送")


def non_standard(what: str) -> str:
    return f"文件内部结构不符合 Word 标准（{what}），不予读取；{_RESAVE}"


def picture_too_large(name: str, size_mb: float) -> str:
    return (f"文档中的图片“{name}”解压后有 {size_mb:.1f} MB，超过单张图片 {MAX_PICTURE_MB} MB 的上限；"
            "请压缩该图片（如 Word 的“压缩图片”）后重新报送")


def picture_too_many_pixels(name: str, width: int, height: int) -> str:
    return (f"文档中的图片“{name}”有 {width:,}×{height:,} 像素，超过单张图片 {MAX_PICTURE_PIXELS // 10_000:,} 万像素"
            "的上限；请缩小该图片后重新报送")


TOO_LONG = (f"文档超过 {MAX_PARAGRAPHS:,} 段（表格每行按一段计，约 {PAGES} 页），篇幅过长，不予读取；"
            "请精简正文（详细材料可另行报送）后重新报送")


def too_long_xml(size_mb: float) -> str:
    return (f"文档正文部分解压后有 {size_mb:.1f} MB，超过 {MAX_DOCUMENT_XML_MB} MB（约 {PAGES} 页）的上限，"
            "篇幅过长，不予读取；请精简正文（详细材料可另行报送）后重新报送")


@dataclass
class DocxCheck:
    """What the inspection found: ``problems`` refuse the file; ``notes`` and the flags only inform."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    main_part: str = ""  # the main document's member name, e.g. word/document.xml
    paragraphs: int = 0  # paragraphs outside tables plus table rows (the length bound's measure)
    pictures: int = 0  # pictures placed in the main document, embedded or linked
    external_hyperlinks: int = 0  # kept as text only
    linked_pictures: int = 0  # pictures linked to a file outside the document, not embedded
    attached_template: bool = False  # an external template named in settings
    other_external: int = 0  # any other external relationship (frames, sub-documents, linked objects …)
    ole_objects: int = 0  # embedded objects (w:object: Excel sheets, other files)

    @property
    def refused(self) -> bool:
        return bool(self.problems)

    @property
    def has_external(self) -> bool:
        return bool(self.external_hyperlinks or self.linked_pictures or self.attached_template or self.other_external)

    @property
    def has_ole(self) -> bool:
        return self.ole_objects > 0


def inspect_docx(path: Path, limits: IntakeLimits) -> DocxCheck:
    """Inspect a .docx without parsing it with python-docx: refuse what is unsafe, note what is dropped."""
    check = DocxCheck()
    try:
        _inspect(path, limits, check)
    except Refused as exc:
        return DocxCheck(problems=[Problem(message=str(exc))])
    check.notes = _notes(check)
    return check


def _notes(c: DocxCheck) -> list[str]:
    notes = []
    if c.external_hyperlinks:
        notes.append(f"文档中有 {c.external_hyperlinks} 个指向网址或外部文件的超链接，汇编中只保留其文字，不保留链接")
    if c.linked_pictures:
        notes.append(f"文档中有 {c.linked_pictures} 张图片链接到外部文件（未嵌入文档），汇编中不会显示；"
                     "如需保留，请在 Word 或 WPS 中将图片插入文档后重新报送")
    if c.attached_template:
        notes.append("文档附加了外部模板，汇编中不使用该模板，只保留文档本身的内容和格式")
    if c.other_external:
        notes.append(f"文档中另有 {c.other_external} 处指向外部文件的引用，汇编中不会保留")
    if c.ole_objects:
        notes.append(f"文档中嵌入了 {c.ole_objects} 个对象（如 Excel 表格、其他文件），汇编中不会保留；"
                     "如需保留其内容，请以表格或图片的形式放入正文")
    return notes


# ---------------------------------------------------------------- the file and the zip


def _inspect(path: Path, limits: IntakeLimits, check: DocxCheck) -> None:
    suffix = path.suffix.lower()
    if suffix != ".docx":
        raise Refused({".doc": OLD_DOC, ".docm": MACRO}.get(suffix) or wrong_type(suffix))
    size = path.stat().st_size
    if size == 0:
        raise Refused(EMPTY)
    if size > limits.max_file_mb * 2**20:
        raise Refused(too_large(size / 2**20, limits.max_file_mb))
    with path.open("rb") as fp:
        magic = fp.read(4)
        if magic == _OLE_MAGIC:
            raise Refused(ENCRYPTED if _count_signature(_rewound(fp), _ENCRYPTED) else OLD_DOC)
        if magic != _LOCAL_SIG:
            raise Refused(CORRUPT)
        zf = open_zip(fp, MAX_ZIP_ENTRIES, lambda n: non_standard(f"包含 {n:,} 个部件，正常的 Word 文档只有几十个"),
                      CORRUPT)
        with zf:
            _inspect_zip(fp, [i for i in zf.infolist() if not i.is_dir()], limits, check)


def _rewound(fp: BinaryIO) -> BinaryIO:
    fp.seek(0)
    return fp


def _inspect_zip(fp: BinaryIO, infos: list[zipfile.ZipInfo], limits: IntakeLimits, check: DocxCheck) -> None:
    # from the central directory alone: nothing is inflated before these
    total = sum(i.file_size for i in infos)
    if total > limits.max_unpacked_mb * 2**20:
        raise Refused(bomb(total / 2**20, limits.max_unpacked_mb))
    parts: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = info.filename.replace("\\", "/").lower()
        if key in parts:
            raise Refused(non_standard(f"部件名“{info.filename}”重复"))
        parts[key] = info
        if info.flag_bits & 0x1:
            raise Refused(ENCRYPTED)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(CORRUPT)
        if posixpath.basename(key) == "vbaproject.bin":
            raise Refused(MACRO)

    def part(name: str) -> zipfile.ZipInfo:
        if (info := parts.get(name.lower())) is None:
            raise Refused(CORRUPT)
        return info

    # the package's declarations (small parts, inflated under their caps)
    defaults, overrides = _content_types(fp, part("[Content_Types].xml"))
    if any("macroenabled" in t or "vbaproject" in t for t in (*defaults.values(), *overrides.values())):
        raise Refused(MACRO)

    def content_type(info: zipfile.ZipInfo) -> str:
        name = info.filename.lower()
        return overrides.get("/" + name) or defaults.get(posixpath.splitext(name)[1].lstrip("."), "")

    mains = [r for r in _relationships(fp, part("_rels/.rels")) if r.get("Type", "").endswith("/officeDocument")]
    if len(mains) != 1 or mains[0].get("TargetMode") == "External":
        raise Refused(CORRUPT)
    main = part(posixpath.normpath(mains[0].get("Target", "").lstrip("/")))
    if content_type(main) != DOCUMENT_TYPE:
        raise Refused(NOT_WORD)
    for info in infos:
        if content_type(info).startswith("image/") and info.file_size > MAX_PICTURE_MB * 2**20:
            raise Refused(picture_too_large(posixpath.basename(info.filename), info.file_size / 2**20))
    if main.file_size > MAX_DOCUMENT_XML_MB * 2**20:
        raise Refused(too_long_xml(main.file_size / 2**20))

    # every member inflated to its end under its cap: sizes verified, XML and pictures looked at
    for info in infos:
        _drain(fp, info, xml=content_type(info).endswith("xml"))
    ole_rels = 0
    for info in infos:
        if info.filename.lower().endswith(".rels"):
            ole_rels += _external(fp, info, check)
    check.main_part = main.filename
    check.ole_objects = max(_scan_document(fp, main, check), ole_rels)


def _chunks(fp: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member inflated in chunks, never past its declared size (guard's zip layer, told for Word)."""
    try:
        yield from _member(fp, info)
    except Refused as exc:
        raise Refused(LYING if str(exc) == _XLSX_LYING else CORRUPT) from exc


def _drain(fp: BinaryIO, info: zipfile.ZipInfo, *, xml: bool) -> None:
    """Inflate a whole member: an XML part must be UTF-8 without a DTD; a picture must be within bounds."""
    head = bytearray()
    tail = b""
    for chunk in _chunks(fp, info):
        if len(head) < _HEAD:
            head += chunk[: _HEAD - len(head)]
        if xml:
            data = tail + chunk
            if _DTD in data:
                raise Refused(non_standard(f"部件“{info.filename}”含有 DTD 声明"))
            tail = data[-len(_DTD):]
    if xml and bytes(head[:2]) in _UTF16_STARTS:
        raise Refused(non_standard(f"部件“{info.filename}”不是 UTF-8 编码"))
    if (dims := picture_size(bytes(head))) and dims[0] * dims[1] > MAX_PICTURE_PIXELS:
        raise Refused(picture_too_many_pixels(posixpath.basename(info.filename), *dims))


def picture_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, JPEG, GIF or BMP; None for anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    if head.startswith(b"BM") and len(head) >= 26:
        if head[14:18] == b"\x0c\x00\x00\x00":  # the old OS/2 header: 16-bit sizes
            return int.from_bytes(head[18:20], "little"), int.from_bytes(head[20:22], "little")
        return (abs(int.from_bytes(head[18:22], "little", signed=True)),
                abs(int.from_bytes(head[22:26], "little", signed=True)))
    if head.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 <= len(head) and head[i] == 0xFF:
            marker = head[i + 1]
            if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8:  # fill byte, markers without length
                i += 1 if marker == 0xFF else 2
                continue
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
                return int.from_bytes(head[i + 7:i + 9], "big"), int.from_bytes(head[i + 5:i + 7], "big")
            i += 2 + int.from_bytes(head[i + 2:i + 4], "big")
    return None


# ---------------------------------------------------------------- XML parts


def _parse(
    fp: BinaryIO, info: zipfile.ZipInfo, start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
) -> None:
    """Stream a member through expat, names as "namespace local"; a DTD is refused (no entity expansion)."""
    stream_xml(_chunks(fp, info), info.filename, start, end, namespaces=True, corrupt=CORRUPT, told=non_standard)


def _content_types(fp: BinaryIO, info: zipfile.ZipInfo) -> tuple[dict[str, str], dict[str, str]]:
    """``[Content_Types].xml``: extension → type, and part name → type (lower-case keys and types)."""
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        kind = attrs.get("ContentType", "").strip().lower()
        if name == _CT + "Default":
            defaults[attrs.get("Extension", "").lower()] = kind
        elif name == _CT + "Override":
            overrides[attrs.get("PartName", "").lower()] = kind

    _parse(fp, info, start)
    return defaults, overrides


def _relationships(fp: BinaryIO, info: zipfile.ZipInfo) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    _parse(fp, info, lambda name, attrs: found.append(attrs) if name == _RELATIONSHIP else None)
    return found


def _external(fp: BinaryIO, info: zipfile.ZipInfo, check: DocxCheck) -> int:
    """Count a relationships part's external targets into ``check``; return its embedded OLE objects."""
    ole = 0
    for rel in _relationships(fp, info):
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        if rel.get("TargetMode") != "External":
            ole += 1 if kind == "oleObject" else 0
        elif kind == "hyperlink":
            check.external_hyperlinks += 1
        elif kind == "image":
            check.linked_pictures += 1
        elif kind == "attachedTemplate":
            check.attached_template = True
        else:
            check.other_external += 1
    return ole


def _scan_document(fp: BinaryIO, info: zipfile.ZipInfo, check: DocxCheck) -> int:
    """Count the main document's paragraphs (refused past MAX_PARAGRAPHS) and pictures; return its OLE
    objects. A ``mc:Fallback`` repeats its ``mc:Choice`` for older readers, so it is not counted."""
    depth = {_TBL: 0, _OBJECT: 0, _FALLBACK: 0}
    objects = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal objects
        if name in depth:
            depth[name] += 1
        if depth[_FALLBACK]:
            return
        if name == _TR or (name == _P and not depth[_TBL]):
            check.paragraphs += 1
            if check.paragraphs > MAX_PARAGRAPHS:
                raise Refused(TOO_LONG)
        elif name == _OBJECT:
            objects += 1
        elif name == _BLIP or (name == _IMAGEDATA and not depth[_OBJECT]):  # an object's icon is no picture
            check.pictures += 1

    def end(name: str) -> None:
        if name in depth:
            depth[name] -= 1

    _parse(fp, info, start, end)
    return objects
