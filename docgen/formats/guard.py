"""Check an .xlsx before any parser touches it, so no file can stop, stall or bloat reading.

calamine (native code) trusts what a file says about itself: one cell at XFD1048576 makes it allocate a
dense grid of 17 billion cells and abort the whole process, and a shared-string table declaring four
billion entries does the same. A zip directory can lie about sizes too (the zip crate bundled today
stops at the declared size, but our bounds must not depend on a version of it). So before calamine
opens the file:

1. the zip's central-directory records are counted on the raw bytes (a directory of 100,000 entries
   takes Python's zipfile seconds to parse), and duplicate member names are refused;
2. a declared unpacked total over the limit is refused (honest zip bombs), then every member is inflated
   in small chunks with a hard cap at its declared size (lying directories): time and memory are bounded
   by the limit, never by the bomb;
3. the first visible worksheet is resolved as calamine resolves it (``_rels/.rels`` → the workbook's
   rels → ``workbook.xml``) and its XML streamed, each cell placed as calamine places it (``r``
   attributes, or counting when they are absent); the first cell with content beyond the row or column
   limit is refused, by name. Any other part calamine could read as a sheet is held to a looser safety
   bound, so a reading that differs from calamine's can never let a far cell through. The sheet's
   ``<dimension ref>`` is recorded but trusted neither way: formatting alone widens it, and it can lie;
4. a ``uniqueCount`` (calamine reserves that many strings up front) must fit the part declaring it.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

MAX_ZIP_ENTRIES = 2000  # a workbook from Excel or WPS has a few dozen parts; hundreds with many pictures
MAX_SHARED_STRINGS = 2_000_000  # calamine reserves uniqueCount slots up front
SAFETY_CELLS = 4_000_000  # area from A1 allowed to any other part calamine could read as a sheet
_IN_CHUNK = 1 << 16
_OUT_CHUNK = 1 << 20
_CENTRAL_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_CELL_REF = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")
_COUNT = re.compile(r"^\+?[0-9]+$")
_WATCHED = (b"sheetData", b"uniqueCount")
_WIDE = tuple(w.decode().encode(enc) for w in _WATCHED for enc in ("utf-16-le", "utf-16-be"))
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_CACHE_BYTES = 16 << 20  # inflated members kept from the first pass, so small parts are inflated once
# The fast sheet scan: every tag that opens a cell (``<c`` then a space, ``/`` or ``>``, where quick-xml
# ends a name) must be in the strict form Excel, WPS and openpyxl write: ``r`` first, double-quoted
# attributes. Groups: column letters, row digits (both empty for any other opening), and ">" alone when
# the cell has a child (content).
_CELL_TAG = re.compile(
    rb'<c(?:\s+r="([A-Za-z]{1,3})([0-9]{1,7})"(?:\s+[^\s=<>/"\']+\s*=\s*"[^"]*")*\s*(/>|>\s*</c\s*>|>)'
    rb"|[\s/>])"
)
_PREFIXED_CELL = re.compile(rb":c[\s/>]")  # a namespace prefix (``<x:c``): left to the expat scan
_ROW_END = b"</row>"
_PIECE = 1 << 20
_DIMENSION = re.compile(rb'<(?:[^\s<>/!?\"\'=]*:)?dimension\s+ref\s*=\s*"([^"]*)"')

CORRUPT = "文件已损坏或不是有效的 .xlsx 文件，请在 Excel 或 WPS 中重新保存后报送"
BOMB = "文件解压后体积异常（疑似压缩炸弹），不予读取，请使用报送模板重新制作"
LYING = "文件内部记录的大小与实际内容不符（疑似压缩炸弹），不予读取，请使用报送模板重新制作"
ENCRYPTED = (
    "文件设置了打开密码（或是改了扩展名的旧版 .xls 文件），无法读取；"
    "请取消密码，在 Excel 或 WPS 中“另存为”.xlsx 后重新报送"
)
NO_VISIBLE_SHEET = "工作簿中没有可见的工作表，请取消隐藏要报送的工作表后重新报送"


def non_standard(what: str) -> str:
    return f"文件内部结构不符合 Excel 标准（{what}），不予读取；请在 Excel 或 WPS 中“另存为”.xlsx 后重新报送"


class Refused(Exception):
    """The file is refused before parsing; the message is for the unit, in Chinese."""


@dataclass(frozen=True)
class SheetBounds:
    """The used range the sheet we read may have: content beyond it is refused before calamine reads it."""

    row_limit: int  # last Excel row that may hold content
    max_columns: int
    far_message: Callable[[str], str]  # the Chinese message for a content cell (e.g. "XFD1048576") beyond
    max_area: int | None = None  # rows × columns from A1, when the shape does not matter


@dataclass(frozen=True)
class CheckedWorkbook:
    """What the check learnt: which sheet to read, and what its XML declares."""

    sheet: str  # name of the first visible worksheet
    sheet_names: tuple[str, ...]  # every sheet in workbook order, to compare with calamine's own list
    dimension: str | None  # the sheet's <dimension ref> as declared (not trusted)
    last_cell: tuple[int, int] | None  # 1-based (row, column) bounds of the content cells seen
    largest_part: int  # bytes of the largest member: no text in the file can be longer


def column_number(letters: str) -> int:
    """A → 1, Z → 26, AA → 27, XFD → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    """1 → A, 27 → AA (1-based; the inverse of column_number)."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def open_zip(fp: BinaryIO, max_entries: int, too_many: Callable[[int], str], corrupt: str) -> zipfile.ZipFile:
    """An Office file's zip, opened only once its central directory is small enough to read: refused
    with ``too_many(records)`` beyond ``max_entries`` records, with ``corrupt`` when it does not open."""
    fp.seek(0)
    if (records := _count_signature(fp, _CENTRAL_SIG)) > max_entries:
        raise Refused(too_many(records))
    try:
        return zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused(corrupt) from exc


def check_xlsx(path: Path, *, max_unpacked_bytes: int, bounds: SheetBounds) -> CheckedWorkbook:
    """Refuse (``Refused``) an .xlsx that is not safe to hand to calamine; else say which sheet to read."""
    with path.open("rb") as fp:
        magic = fp.read(4)
        if magic == _OLE_MAGIC:
            raise Refused(ENCRYPTED)
        if magic != _LOCAL_SIG:
            raise Refused(CORRUPT)
        zf = open_zip(fp, MAX_ZIP_ENTRIES, lambda n: non_standard(f"包含 {n:,} 个部件，正常的文件只有几十个"),
                      CORRUPT)
        with zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            z = _Zip(fp, _index(infos))
            if sum(i.file_size for i in infos) > max_unpacked_bytes:
                raise Refused(BOMB)
            for info in infos:
                if info.flag_bits & 0x1:
                    raise Refused(ENCRYPTED)
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise Refused(CORRUPT)
            # the sheet first: a far cell is found after the rows before it, not after the whole file
            book = _workbook(z)
            dimension, last = _scan_sheet(z, book.chosen, bounds)
            for info in infos:  # then every member, inflated to its end under its cap
                has_sheet_data, has_count = z.drain(info)
                if has_count:
                    _check_shared_strings(z, info)
                if has_sheet_data and info is not book.chosen:
                    _scan_sheet(z, info, _safety_bounds(book.part_names.get(info.filename, info.filename)))
    return CheckedWorkbook(sheet=book.sheet, sheet_names=book.names, dimension=dimension, last_cell=last,
                           largest_part=max((i.file_size for i in infos), default=0))


# ---------------------------------------------------------------- the zip layer


def _count_signature(fp: BinaryIO, sig: bytes) -> int:
    """How often ``sig`` occurs in the file; every central-directory record starts with it (an upper bound)."""
    count, tail = 0, b""
    while chunk := fp.read(1 << 20):
        data = tail + chunk
        count += data.count(sig) - tail.count(sig)
        tail = data[-(len(sig) - 1):]
    return count


def _lookup_key(name: str) -> str:
    """How calamine finds a part: backslashes as slashes, ASCII letters case-insensitive."""
    return name.replace("\\", "/").translate(_ASCII_LOWER)


def _index(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    parts: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = _lookup_key(info.filename)
        if key in parts:  # which of the two would a reader take? refuse rather than guess
            raise Refused(non_standard(f"部件名“{info.filename}”重复"))
        parts[key] = info
    return parts


class _Zip:
    """The open file, its members by lookup key, and members inflated to their end (so verified), with
    what they hold; the small ones kept, so that each is inflated once."""

    def __init__(self, fp: BinaryIO, parts: dict[str, zipfile.ZipInfo]) -> None:
        self.fp = fp
        self.parts = parts
        self._cache: dict[str, bytes] = {}
        self._cached = 0
        self._flags: dict[str, tuple[bool, bool]] = {}

    def part(self, path: str) -> zipfile.ZipInfo:
        info = self.parts.get(path.translate(_ASCII_LOWER))
        if info is None:
            raise Refused(CORRUPT)
        return info

    def load(self, info: zipfile.ZipInfo) -> bytes | None:
        """The whole member, if it fits in what is left of the cache; else None (stream it)."""
        if (data := self._cache.get(info.filename)) is not None:
            return data
        if self._cached + info.file_size > _CACHE_BYTES:
            return None
        self._inflate(info, keep=True)
        return self._cache[info.filename]

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        data = self.load(info)
        if data is not None:
            yield data
        else:
            yield from _member(self.fp, info)

    def drain(self, info: zipfile.ZipInfo) -> tuple[bool, bool]:
        """Inflate a whole member under its cap (once): does it hold ``sheetData``, ``uniqueCount``?"""
        if info.filename not in self._flags:
            self._inflate(info, keep=self._cached + info.file_size <= _CACHE_BYTES)
        return self._flags[info.filename]

    def _inflate(self, info: zipfile.ZipInfo, *, keep: bool) -> None:
        """Text in UTF-16 is refused: Excel and WPS write UTF-8, and a byte search would not see into it."""
        width = max(len(w) for w in _WIDE) - 1
        seen: set[bytes] = set()
        tail = b""
        kept: list[bytes] = []
        for chunk in _member(self.fp, info):
            data = tail + chunk if tail else chunk
            seen.update(w for w in _WATCHED + _WIDE if w in data)
            tail = data[-width:]
            if keep:
                kept.append(chunk)
        if seen.intersection(_WIDE):
            raise Refused(non_standard(f"部件“{info.filename}”不是 UTF-8 编码"))
        self._flags[info.filename] = (_WATCHED[0] in seen, _WATCHED[1] in seen)
        if keep:
            self._cache[info.filename] = b"".join(kept)
            self._cached += info.file_size


def _member(fp: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes, inflated in chunks; never more than its declared size (else ``LYING``)."""
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != _LOCAL_SIG:
        raise Refused(CORRUPT)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise Refused(LYING)
        while left:
            chunk = fp.read(min(_IN_CHUNK, left))
            if not chunk:
                raise Refused(CORRUPT)
            left -= len(chunk)
            yield chunk
        return
    inflater = zlib.decompressobj(-15)
    produced = 0
    try:
        while left and not inflater.eof:
            data = fp.read(min(_IN_CHUNK, left))
            if not data:
                raise Refused(CORRUPT)
            left -= len(data)
            while data and not inflater.eof:
                out = inflater.decompress(data, _OUT_CHUNK)
                produced += len(out)
                if produced > info.file_size:
                    raise Refused(LYING)
                if out:
                    yield out
                data = inflater.unconsumed_tail
        while not inflater.eof and (out := inflater.decompress(b"", _OUT_CHUNK)):
            produced += len(out)
            if produced > info.file_size:
                raise Refused(LYING)
            yield out
    except zlib.error as exc:
        raise Refused(CORRUPT) from exc
    if not inflater.eof or produced != info.file_size:
        raise Refused(CORRUPT)


# ---------------------------------------------------------------- XML parts


class _Stop(Exception):
    """Raised inside an expat handler to end a scan early."""


def _parse(
    z: _Zip, info: zipfile.ZipInfo, start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
) -> None:
    """Stream a member of the workbook through expat; handlers may raise _Stop or Refused."""
    stream_xml(z.chunks(info), info.filename, start, end)


def stream_xml(
    chunks: Iterable[bytes], part: str, start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None, *, namespaces: bool = False, corrupt: str = CORRUPT,
    told: Callable[[str], str] = non_standard,
) -> None:
    """Stream an XML part through expat: a DTD is refused (so no entity is ever expanded), malformed XML is
    ``corrupt``; a handler may raise _Stop to end early. ``namespaces``: names as "namespace local";
    ``told`` words a refusal for the kind of file (a workbook's or a Word document's)."""
    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end

    def no_dtd(*_args: object) -> None:
        raise Refused(told(f"部件“{part}”含有 DTD 声明"))

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Stop:
        return
    except expat.ExpatError as exc:
        raise Refused(corrupt) from exc


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _check_shared_strings(z: _Zip, info: zipfile.ZipInfo) -> None:
    """calamine reserves ``uniqueCount`` strings up front: a forged count aborts the process."""

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) != "sst":
            return
        declared = attrs.get("uniqueCount", "")
        if _COUNT.match(declared) and int(declared) > min(MAX_SHARED_STRINGS, max(info.file_size // 5, 16)):
            raise Refused(non_standard(f"声明了 {int(declared):,} 个共享字符串"))
        raise _Stop

    _parse(z, info, start)


def _relationships(z: _Zip, info: zipfile.ZipInfo, *, skip_to_container: bool) -> list[dict[str, str]]:
    """``<Relationship>`` attributes up to the first ``</Relationships>``, as calamine reads them."""
    found: list[dict[str, str]] = []
    inside = not skip_to_container

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal inside
        local = _local(name)
        if local == "Relationships":
            inside = True
        elif local == "Relationship" and inside:
            found.append(attrs)

    def end(name: str) -> None:
        if _local(name) == "Relationships" and inside:
            raise _Stop

    _parse(z, info, start, end)
    return found


def _sheets(z: _Zip, info: zipfile.ZipInfo) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            found.append(attrs)

    def end(name: str) -> None:
        if _local(name) == "workbook":
            raise _Stop

    _parse(z, info, start, end)
    return found


@dataclass(frozen=True)
class _Book:
    sheet: str
    chosen: zipfile.ZipInfo
    names: tuple[str, ...]
    part_names: dict[str, str]  # member name → sheet name, for messages


def _workbook(z: _Zip) -> _Book:
    """The first visible worksheet and its part, resolved the way calamine resolves it."""
    target = None
    for rel in _relationships(z, z.part("_rels/.rels"), skip_to_container=True):
        if rel.get("Type", "").endswith("/relationships/officeDocument") and "Target" in rel:
            target = rel["Target"]  # the last one wins, as in calamine
    if target is None:
        raise Refused(CORRUPT)
    xl_path = target[: target.rfind("/") + 1].removeprefix("/") if "/" in target else ""
    rels = {
        r["Id"]: (r.get("Target", ""), r.get("Type", ""))
        for r in _relationships(z, z.part(f"{xl_path}_rels/workbook.xml.rels"), skip_to_container=False)
        if "Id" in r
    }
    names: list[str] = []
    part_names: dict[str, str] = {}
    chosen: tuple[str, zipfile.ZipInfo] | None = None
    for sheet in _sheets(z, z.part(f"{xl_path}workbook.xml")):
        name = sheet.get("name", "")
        if name in names:
            raise Refused(non_standard(f"工作表名“{name}”重复"))
        names.append(name)
        rel_id = None
        for key, value in sheet.items():
            if _local(key) == "id":
                rel_id = value  # the last one wins, as in calamine
        state = sheet.get("state", "visible")
        if rel_id not in rels or state not in ("visible", "hidden", "veryHidden"):
            raise Refused(CORRUPT)
        rel_target, rel_type = rels[rel_id]
        path = rel_target[1:] if rel_target.startswith("/") else f"{xl_path}{rel_target}"
        info = z.parts.get(path.translate(_ASCII_LOWER))
        if info is not None:
            part_names.setdefault(info.filename, name)
        if chosen is None and state == "visible" and rel_type.rsplit("/", 1)[-1] == "worksheet":
            if info is None:
                raise Refused(CORRUPT)
            chosen = (name, info)
    if chosen is None:
        raise Refused(NO_VISIBLE_SHEET)
    return _Book(sheet=chosen[0], chosen=chosen[1], names=tuple(names), part_names=part_names)


def _safety_bounds(sheet: str) -> SheetBounds:
    def message(ref: str) -> str:
        return (f"工作簿中的工作表“{sheet}”在 {ref} 单元格有内容，表格范围过大，不予读取；"
                "请删除该工作表或其中的多余内容后重新报送")

    return SheetBounds(row_limit=1_048_576, max_columns=16_384, far_message=message, max_area=SAFETY_CELLS)


def _scan_sheet(
    z: _Zip, info: zipfile.ZipInfo, bounds: SheetBounds
) -> tuple[str | None, tuple[int, int] | None]:
    """Refuse the first cell with content beyond ``bounds``; the declared dimension and the content's extent."""
    data = z.load(info)
    found = _scan_fast(_pieces([data]) if data is not None else _pieces(_member(z.fp, info)), bounds)
    return found if found is not None else _scan_streaming(z, info, bounds)


def _pieces(chunks: Iterable[bytes]) -> Iterator[bytes | None]:
    """The part in pieces of about a megabyte that end just after a ``</row>``, so no cell is cut; None
    when a megabyte passes without one (then the fast scan gives way)."""
    rest = b""
    for chunk in chunks:
        rest = rest + chunk if rest else chunk
        while len(rest) > _PIECE:
            cut = rest.find(_ROW_END, _PIECE)
            if cut < 0:
                cut = rest.rfind(_ROW_END, 0, _PIECE)
                if cut < 0:
                    if len(rest) > 8 * _PIECE:
                        yield None
                        return
                    break
            cut += len(_ROW_END)
            yield rest[:cut]
            rest = rest[cut:]
    yield rest


def _scan_fast(
    pieces: Iterable[bytes | None], bounds: SheetBounds
) -> tuple[str | None, tuple[int, int] | None] | None:
    """Regular expressions over the part, piece by piece, when every cell tag is in the strict form Excel,
    WPS and openpyxl write (``<c r="B3" …>``); None as soon as any tag that could open a cell is not.

    A tag inside a comment or CDATA is counted as a cell: that can only refuse more, never less.
    """
    dimension: str | None = None
    last_row = last_col = 0
    for number, piece in enumerate(pieces):
        if piece is None or _PREFIXED_CELL.search(piece):
            return None
        if number == 0 and (m := _DIMENSION.search(piece)):
            dimension = m.group(1).decode("ascii", "replace")
        cells = _CELL_TAG.findall(piece)
        if not cells:
            continue
        letters, digits, empty = zip(*cells, strict=True)
        if b"" in letters:  # an opening not in the strict form
            return None
        content = [e == b">" for e in empty]
        if not any(content):
            continue
        top = max(last_row, max(map(int, compress(digits, content))))
        # widest column: right-justified upper-case letters compare as column numbers (" ZZ" < "AAA")
        widest = max(map(bytes.rjust, map(bytes.upper, compress(letters, content)), repeat(3)))
        left = max(last_col, column_number(widest.strip().decode("ascii")))
        if (top > bounds.row_limit or left > bounds.max_columns
                or (bounds.max_area is not None and top * left > bounds.max_area)):
            for col_letters, row_digits in compress(zip(letters, digits, strict=True), content):  # in order
                r, c = int(row_digits), column_number(col_letters.decode("ascii"))
                last_row, last_col = max(last_row, r), max(last_col, c)
                if (r > bounds.row_limit or c > bounds.max_columns
                        or (bounds.max_area is not None and last_row * last_col > bounds.max_area)):
                    raise Refused(bounds.far_message(f"{column_letters(c)}{r}"))
        last_row, last_col = top, left
    return dimension, ((last_row, last_col) if last_row else None)


def _scan_streaming(
    z: _Zip, info: zipfile.ZipInfo, bounds: SheetBounds
) -> tuple[str | None, tuple[int, int] | None]:
    """Walk the sheet's cells through expat as calamine walks them (counting cells without ``r``)."""
    dimension: str | None = None
    in_data = False
    row = 0  # 0-based, as calamine counts
    col = 0
    cell: tuple[int, int] | None = None  # the open <c>, until it turns out to have content
    last_row = last_col = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal dimension, in_data, row, col, cell, last_row, last_col
        local = _local(name)
        if not in_data:
            if local == "dimension":
                dimension = attrs.get("ref")
            elif local == "sheetData":
                in_data = True
            return
        if cell is not None:  # a child (<v>, <is>, <f>): the cell has content
            r, c = cell
            cell = None
            if r >= bounds.row_limit or c >= bounds.max_columns:
                raise Refused(bounds.far_message(f"{column_letters(c + 1)}{r + 1}"))
            last_row, last_col = max(last_row, r + 1), max(last_col, c + 1)
            if bounds.max_area is not None and last_row * last_col > bounds.max_area:
                raise Refused(bounds.far_message(f"{column_letters(c + 1)}{r + 1}"))
        elif local == "row":
            if (r_attr := attrs.get("r")) is not None:
                if not r_attr.isdigit() or len(r_attr) > 7 or int(r_attr) == 0:
                    raise Refused(CORRUPT)
                row = int(r_attr) - 1
        elif local == "c":
            if (ref := attrs.get("r")) is not None:
                m = _CELL_REF.match(ref)
                if m is None or int(m[2]) == 0:
                    raise Refused(CORRUPT)
                col = column_number(m[1]) - 1
                cell = (int(m[2]) - 1, col)
            else:
                cell = (row, col)

    def end(name: str) -> None:
        nonlocal row, col, cell
        if not in_data:
            return
        local = _local(name)
        if local == "c":
            cell = None
            col += 1
        elif local == "row":
            row += 1
            col = 0
        elif local == "sheetData":
            raise _Stop

    _parse(z, info, start, end)
    return dimension, ((last_row, last_col) if last_row else None)
