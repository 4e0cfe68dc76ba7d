"""Files a unit may drop that must not stop, stall or bloat reading, and must not make anything of ours live.

Every hostile file is written for real (openpyxl, or the zip and XML crafted byte by byte), read through
the same calls intake uses (``validate_file``, ``write_receipts``), and the documents produced are opened.
Reads that would abort or exhaust the process on a regression run in a child process with a memory cap.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from docgen.config import IntakeLimits
from docgen.contracts import ValidationContext, load_contract
from docgen.filenames import display_name, safe_component
from docgen.formats.tables import read_grid
from docgen.models import Problem, Receipt
from docgen.receipts import receipt_stem, write_receipts
from docgen.validation import validate_file
from docgen.workspace import Workspace

from .builders.monthly import PROGRESS_HEADERS
from .builders.registry import write_campaign
from .builders.tables import write_table
from .conftest import ON_TIME, TASKS, parse_period, row

BOUND = 5.0  # seconds: generous; each refusal below takes well under a second on this machine
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTEXT = ValidationContext(unit="A01", tasks={t.task_id: t for t in TASKS}, unit_codes={"A01", "B01", "C01"})
CONTRACT = load_contract("monthly_progress")
TIMES: dict[str, float] = {}


def timed(label: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn``, record and bound its wall time."""
    start = time.perf_counter()
    result = fn()
    TIMES[label] = elapsed = time.perf_counter() - start
    print(f"\n{label}: {elapsed:.3f} s")
    assert elapsed < BOUND, (label, elapsed)
    return result


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak bytes Python allocated while ``fn`` ran (calamine's own memory is not seen: it is not reached)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def messages(path: Path, limits: IntakeLimits | None = None) -> str:
    result = validate_file(path, CONTRACT, CONTEXT, limits)
    assert not result.accepted and result.rows == []
    return " ".join(p.message for p in result.problems)


# ---------------------------------------------------------------- crafting .xlsx byte by byte


def raw_zip(path: Path, members: Iterable[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand: (name, deflated data, declared unpacked size, CRC) per member, so the
    directory can say anything."""
    out = bytearray()
    central = bytearray()
    count = 0
    for name, data, size, crc in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, 8, 0, 0, crc, len(data), size,
                           len(encoded), 0) + encoded + data
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0, crc, len(data),
                               size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        count += 1
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                      len(central), len(out), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out + central + end))
    return path


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def honest(name: str, data: bytes) -> tuple[str, bytes, int, int]:
    return name, deflate(data), len(data), zlib.crc32(data)


def repeated_deflate(head: bytes, unit: bytes, times: int, tail: bytes) -> bytes:
    """A deflate stream of head + unit * times + tail built in microseconds: a full flush makes the
    compressed unit self-contained, so its bytes can simply be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    return start + block * times + c.compress(tail) + c.flush()


def cell_xml(ref: str | None, value: object) -> str:
    r = f' r="{ref}"' if ref else ""
    if isinstance(value, int | float):
        return f"<c{r}><v>{value}</v></c>"
    return f'<c{r} t="inlineStr"><is><t>{value}</t></is></c>'


def letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def rows_xml(rows: Iterable[tuple[int, list[object]]], *, refs: bool = True) -> str:
    parts = []
    for number, values in rows:
        cells = "".join(cell_xml(f"{letters(c)}{number}" if refs else None, v)
                        for c, v in enumerate(values, start=1) if v is not None)
        parts.append(f'<row r="{number}">{cells}</row>' if refs else f"<row>{cells}</row>")
    return "".join(parts)


def sheet_xml(body: str, *, dimension: str = "A1:K3") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
            f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>').encode()


def package(sheets: list[tuple[str, str]], extra_rels: str = "") -> list[tuple[str, bytes, int, int]]:
    """The parts of a minimal workbook around ``sheets`` [(name, state)], sheet i at worksheets/sheet{i}.xml."""
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
    root_rels = (f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
                 f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    sheet_tags = "".join(
        f'<sheet name="{name}" sheetId="{i}"{"" if state == "visible" else f" state={chr(34)}{state}{chr(34)}"}'
        f' r:id="rId{i}"/>' for i, (name, state) in enumerate(sheets, start=1))
    workbook = f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{sheet_tags}</sheets></workbook>'
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    return [
        honest("[Content_Types].xml", types.encode()),
        honest("_rels/.rels", root_rels.encode()),
        honest("xl/workbook.xml", workbook.encode()),
        honest("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG_REL_NS}">{rels}{extra_rels}</Relationships>'.encode()),
    ]


HEADER_ROW = (1, list(PROGRESS_HEADERS))


def good_rows(first: int, count: int) -> list[tuple[int, list[object]]]:
    return [(n, ["A01", "T1", "开展宣讲活动", 50, 3, 120, 1.5, "无", "继续推进", "张三", "13800138000"])
            for n in range(first, first + count)]


def crafted_xlsx(path: Path, body: str, *, sheets: list[tuple[str, str]] | None = None,
                 extra: list[tuple[str, bytes, int, int]] = (), extra_rels: str = "") -> Path:
    sheets = sheets or [("报送表", "visible")]
    members = package(sheets, extra_rels)
    members.append(honest("xl/worksheets/sheet1.xml", sheet_xml(body)))
    for i in range(2, len(sheets) + 1):
        members.append(honest(f"xl/worksheets/sheet{i}.xml", sheet_xml(rows_xml([HEADER_ROW]))))
    return raw_zip(path, [*members, *extra])


# ---------------------------------------------------------------- reading in a child process


CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
from pathlib import Path
from docgen.config import IntakeLimits
from docgen.contracts import load_contract
from docgen.validation import validate_file
start = time.perf_counter()
result = validate_file(Path(sys.argv[1]), load_contract("monthly_progress"), None, IntakeLimits())
print(json.dumps({"seconds": time.perf_counter() - start, "messages": [p.message for p in result.problems],
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, ensure_ascii=False))
"""


def read_in_child(path: Path) -> dict[str, Any]:
    """validate_file in a fresh process capped at 3 GB: an abort or a runaway fails this test, not the run."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    return json.loads(done.stdout)


# ---------------------------------------------------------------- 1. limits before the work


def test_cell_at_the_far_corner_is_refused_not_fatal(tmp_path: Path) -> None:
    """Today calamine aborts the whole process (signal 6) on a cell at XFD1048576."""
    path = write_table(tmp_path / "远角.xlsx", PROGRESS_HEADERS, [row("A01", "T1")])
    book = openpyxl.load_workbook(path)
    book.active["XFD1048576"] = "误填"
    book.save(path)
    outcome = read_in_child(path)
    TIMES["XFD1048576 cell"] = outcome["seconds"]
    (message,) = outcome["messages"]
    assert message.startswith("表格在 XFD1048576 单元格有内容，超出 200 列/5,000 行的范围")
    assert "请删除" in message and "拆分" in message
    assert outcome["seconds"] < BOUND


def test_far_cells_are_named_and_the_limits_are_exact(tmp_path: Path) -> None:
    """Content up to column 200 (GR) and row 5,020 (5,000 data rows and 20 rows of title and header) is
    read; one column or one row further is refused, naming the cell."""
    header = rows_xml([HEADER_ROW])
    inside = crafted_xlsx(tmp_path / "边界内.xlsx", header + rows_xml([(5, [None] * 199 + ["备注"]), (5020, ["A01"])]))
    grid = read_grid(inside)
    assert len(grid.rows) == 5020 and grid.rows[4][199] == "备注" and grid.rows[5019][0] == "A01"
    wide = crafted_xlsx(tmp_path / "宽.xlsx", header + rows_xml([(5, [None] * 200 + ["备注"])]))
    assert messages(wide).startswith("表格在 GS5 单元格有内容")
    long = crafted_xlsx(tmp_path / "长.xlsx", header + rows_xml([(5021, ["A01"])]))
    assert messages(long).startswith("表格在 A5021 单元格有内容")
    # the campaign's own limits apply
    assert messages(inside, IntakeLimits(max_columns=50, max_rows=100)).startswith("表格在 GR5 单元格有内容，超出 50 列/100 行")


def test_formatting_alone_is_not_content(tmp_path: Path) -> None:
    """A bordered but empty cell at the far corner widens Excel's dimension, not calamine's grid: accepted."""
    path = write_table(tmp_path / "格式.xlsx", PROGRESS_HEADERS, [row("A01", "T1")])
    book = openpyxl.load_workbook(path)
    from openpyxl.styles import Border, Side

    book.active["XFD1048576"].border = Border(left=Side(style="thin"))
    book.save(path)
    assert b'dimension ref="A1:XFD1048576"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    result = validate_file(path, CONTRACT, CONTEXT)
    assert result.accepted and len(result.rows) == 1


def shared_strings_sheet(rows: list[tuple[int, list[object]]], *, refs: bool) -> tuple[bytes, bytes]:
    """A sheet as Excel writes one (text in the shared-string table, cells ``t="s"``), and that table."""
    table: dict[str, int] = {}
    parts = []
    for number, values in rows:
        cells = []
        for c, v in enumerate(values, start=1):
            r = f' r="{letters(c)}{number}"' if refs else ""
            if isinstance(v, str):
                cells.append(f'<c{r} t="s"><v>{table.setdefault(v, len(table))}</v></c>')
            else:
                cells.append(f"<c{r}><v>{v}</v></c>")
        parts.append(f'<row r="{number}">{"".join(cells)}</row>' if refs else f"<row>{''.join(cells)}</row>")
    sst = "".join(f"<si><t>{text}</t></si>" for text in table)
    sst_xml = f'<sst xmlns="{MAIN_NS}" count="{len(table)}" uniqueCount="{len(table)}">{sst}</sst>'
    return sheet_xml("".join(parts), dimension=f"A1:K{rows[-1][0]}"), sst_xml.encode()


@pytest.mark.parametrize("refs", [True, False], ids=["with-r", "counted"])
def test_200000_rows_refused_in_a_second(tmp_path: Path, refs: bool) -> None:
    """Today: read whole, then refused after 33 s and 870 MB. Cells without ``r`` (positions counted, as
    calamine counts them) take the streaming path."""
    sheet, sst = shared_strings_sheet([HEADER_ROW, *good_rows(2, 200_000)], refs=refs)
    assert len(sheet) < 100 * 2**20  # under the unpacked limit: only the rows can refuse it
    sst_rel = f'<Relationship Id="rId9" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    path = raw_zip(tmp_path / "二十万行.xlsx", [*package([("报送表", "visible")], sst_rel),
                                                 honest("xl/sharedStrings.xml", sst),
                                                 honest("xl/worksheets/sheet1.xml", sheet)])
    assert path.stat().st_size < 10 * 2**20
    text = timed(f"200,000 rows ({'r' if refs else 'no r'})", lambda: messages(path, IntakeLimits()))
    assert text.startswith("表格在 A5021 单元格有内容，超出 200 列/5,000 行的范围")
    assert peak_memory(lambda: messages(path, IntakeLimits())) < 40 * 2**20


def test_prefixed_and_counted_cells_are_placed_as_calamine_places_them(tmp_path: Path) -> None:
    """A namespace prefix (``<x:c>``) or cells without ``r`` cannot hide a far cell."""
    prefixed = raw_zip(tmp_path / "前缀.xlsx", [*package([("报送表", "visible")]), honest(
        "xl/worksheets/sheet1.xml",
        (f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>单位代码'
         '</x:t></x:is></x:c></x:row><x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
         "</x:sheetData></x:worksheet>").encode())])
    assert read_in_child(prefixed)["messages"][0].startswith("表格在 XFD1048576 单元格有内容")
    counted = crafted_xlsx(tmp_path / "计数.xlsx", rows_xml([HEADER_ROW]) + '<row r="7">' + "<c/>" * 230
                           + "<c><v>1</v></c></row>")
    assert messages(counted).startswith("表格在 HW7 单元格有内容")  # the 231st cell of row 7


def test_other_sheets_are_held_to_a_looser_bound(tmp_path: Path) -> None:
    """A hidden list sheet of 10,000 rows (as templates carry for drop-downs) does not block the visible
    sheet; a hidden sheet reaching the far corner is refused, naming that sheet."""
    body = rows_xml([HEADER_ROW, *good_rows(2, 1)])
    lists = rows_xml([(n, [f"选项{n}", n, "备注"]) for n in range(1, 10_001)])
    ok = raw_zip(tmp_path / "带下拉表.xlsx", [*package([("报送表", "visible"), ("下拉", "hidden")]),
                                            honest("xl/worksheets/sheet1.xml", sheet_xml(body)),
                                            honest("xl/worksheets/sheet2.xml", sheet_xml(lists))])
    assert validate_file(ok, CONTRACT, CONTEXT).accepted
    far = raw_zip(tmp_path / "隐藏表远角.xlsx", [*package([("报送表", "visible"), ("旧数据", "hidden")]),
                                              honest("xl/worksheets/sheet1.xml", sheet_xml(body)),
                                              honest("xl/worksheets/sheet2.xml", sheet_xml(rows_xml(
                                                  [(1, ["x"]), (1_048_576, [None] * 16_383 + ["y"])])))])
    assert messages(far).startswith("工作簿中的工作表“旧数据”在 XFD1048576 单元格有内容")


def test_zip_bombs_are_refused_from_the_directory_or_the_first_bytes(tmp_path: Path) -> None:
    """An honest directory declaring 1 GB, and a lying one declaring 1 KB for the same 1 GB of text
    (today: 300 s and 7.9 GB), and a directory of 100,000 entries."""
    head = f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>'.encode()
    data = repeated_deflate(head, b"a" * 2**20, 1024, b"</t></si></sst>")
    sst_rel = f'<Relationship Id="rId9" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    body = rows_xml([HEADER_ROW, *good_rows(2, 1)])
    for label, declared, fragment in (("honest", 2**30 + 100, "压缩炸弹"), ("lying", 1024, "大小与实际内容不符")):
        path = crafted_xlsx(tmp_path / f"炸弹-{label}.xlsx", body, extra_rels=sst_rel,
                            extra=[("xl/sharedStrings.xml", data, declared, 0)])
        assert path.stat().st_size < 2 * 2**20
        outcome = read_in_child(path)
        TIMES[f"zip bomb, {label} directory"] = outcome["seconds"]
        assert fragment in outcome["messages"][0] and "疑似压缩炸弹" in outcome["messages"][0]
        assert outcome["seconds"] < 1.0
    many = raw_zip(tmp_path / "十万部件.xlsx", [*package([("报送表", "visible")]),
                                                  *(honest(f"{i:x}", b"") for i in range(100_000))])
    assert timed("100,000 zip entries", lambda: messages(many, IntakeLimits())).startswith(
        "文件内部结构不符合 Excel 标准（包含 100,")


def test_forged_shared_string_count_is_refused_not_fatal(tmp_path: Path) -> None:
    """calamine reserves ``uniqueCount`` strings up front: four billion abort the process today."""
    sst = f'<sst xmlns="{MAIN_NS}" count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    path = crafted_xlsx(tmp_path / "字符串表.xlsx", rows_xml([HEADER_ROW]), extra=[honest("xl/sharedStrings.xml", sst.encode())],
                        extra_rels=f'<Relationship Id="rId9" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>')
    (message,) = read_in_child(path)["messages"]
    assert "声明了 4,000,000,000 个共享字符串" in message and "另存为" in message


def test_oversized_csv_is_never_read(tmp_path: Path) -> None:
    """A 50 MB CSV over the 10 MB limit: refused from its size, and the annotated copy does not read it
    either (today: 56 s and 2 GB)."""
    root = tmp_path / "ws"
    write_campaign(root, intake={"settle_seconds": 0})
    path = tmp_path / "大文件.csv"
    with path.open("wb") as f:
        f.write(",".join(PROGRESS_HEADERS).encode("utf-8-sig") + b"\r\n")
        line = b"A01,T1," + "开展宣讲".encode() * 20 + b",50,3,120,1.5,\xe6\x97\xa0,x,y,13800138000\r\n"
        f.write(line * (50 * 2**20 // len(line) + 1))
    assert path.stat().st_size > 50 * 2**20
    ws = Workspace(root)
    text = timed("50 MB CSV (validate)", lambda: messages(path, ws.campaign.intake))
    assert "超过上限 10 MB" in text
    receipt = make_receipt(ws, path, [Problem(message=text)])
    written = timed("50 MB CSV (receipts)", lambda: write_receipts(ws, receipt, path))
    assert [p.name.rsplit(".", 2)[-2:] for p in written] == [["回执", "json"], ["回执", "docx"]]
    assert peak_memory(lambda: write_receipts(ws, receipt, path)) < 30 * 2**20
    assert receipt.notes == []  # the receipt already says why: no note about a missing copy


def test_long_csv_cell_is_named_not_a_system_error(tmp_path: Path) -> None:
    """A 200 KB cell: today Python's csv field limit raises and the unit is told 系统处理该文件时出错."""
    rows = [row("A01", "T1", 本月进展="很" * 200_000)]
    path = write_table(tmp_path / "长单元格.csv", PROGRESS_HEADERS, rows)
    text = timed("200 KB CSV cell", lambda: messages(path, IntakeLimits()))
    assert text.startswith("C2 单元格的内容有 200,000 个字符，超过单个单元格 32,767 个字符的上限")
    assert "精简" in text


def test_long_xlsx_cell_is_named(tmp_path: Path) -> None:
    path = crafted_xlsx(tmp_path / "长单元格.xlsx", rows_xml([HEADER_ROW, (2, ["A01", "T1", "很" * 40_000])]))
    assert messages(path).startswith("C2 单元格的内容有 40,000 个字符")


def test_csv_rows_and_columns_are_bounded_while_reading(tmp_path: Path) -> None:
    many = write_table(tmp_path / "多行.csv", PROGRESS_HEADERS, [row("A01", "T1")] * 6000)
    assert timed("6,000-row CSV", lambda: messages(many)).startswith("表格在 A5021 单元格有内容")
    wide = tmp_path / "多列.csv"
    wide.write_text(",".join(PROGRESS_HEADERS) + "\n" + "A01,T1" + "," * 250 + "备注\n", encoding="utf-8")
    assert messages(wide).startswith("表格在 IR2 单元格有内容")  # field 252
    blank_tail = tmp_path / "空行多.csv"  # empty lines beyond the limit are harmless
    blank_tail.write_text(",".join(PROGRESS_HEADERS) + "\n" + ",".join(map(str, row("A01", "T1"))) + "\n"
                          + ",,,\n" * 20_000, encoding="utf-8")
    assert validate_file(blank_tail, CONTRACT, CONTEXT).accepted


# ---------------------------------------------------------------- 2. the annotated copy


def make_receipt(ws: Workspace, path: Path, problems: list[Problem], *, file: str | None = None,
                 unit: str = "A01", rows: int = 0) -> Receipt:
    """As intake builds it."""
    period = parse_period("monthly", "2026-10", ws.campaign)
    return Receipt(
        file=file if file is not None else path.name, unit=unit, unit_name="青禾镇人民政府", cycle="monthly",
        period="2026-10", period_label=period.label, received_at=ON_TIME,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None,
        accepted=not problems, errors=problems, submission_type=CONTRACT.title, rows=rows,
        deadline=period.deadline, secretariat=ws.campaign.secretariat,
    )


@pytest.fixture
def ws(workspace: Path) -> Workspace:
    return Workspace(workspace)


def answer(ws: Workspace, path: Path, **kw: Any) -> tuple[Receipt, list[Path]]:
    result = validate_file(path, CONTRACT, CONTEXT, ws.campaign.intake)
    receipt = make_receipt(ws, path, result.problems, rows=len(result.rows), **kw)
    return receipt, write_receipts(ws, receipt, path)


def live_parts(path: Path) -> list[str]:
    """Anything in a workbook that Excel would evaluate or follow: formulas, hyperlinks, external links."""
    found = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith(".rels") and (b"hyperlink" in data or b"externalLink" in data or b'TargetMode="External"' in data):
                found.append(f"{name}: external relationship")
            if "externalLink" in name or name.endswith((".bin", "vbaProject.bin")):
                found.append(name)
            if name.startswith("xl/worksheets/") and (b"<f>" in data or b"<f " in data or b"<hyperlink" in data):
                found.append(f"{name}: formula or hyperlink")
    return found


def test_annotated_copy_of_a_hostile_workbook_has_nothing_live(ws: Workspace) -> None:
    """Formulas, DDE, hyperlinks, formula-like text, merged header cells and a hidden first sheet: today the
    copy carries the formulas and links live, or crashes on the merged cell and the unit gets no receipt."""
    path = ws.root / "月报.xlsx"
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "旧数据"
    hidden["A1"] = "单位代码"
    hidden.sheet_state = "hidden"
    sheet = book.create_sheet("十月")
    sheet.append(["2026年10月月度进展报送表"])
    sheet.merge_cells("A1:K1")
    sheet.append(PROGRESS_HEADERS)
    sheet.append([None, "（必填）"] + [None] * 9)  # a second header row: 单位代码 merged down A2:A3
    sheet.merge_cells("A2:A3")
    sheet.append(row("A01", "T1", 150))
    sheet.append(row("A01", "T1", 50, 本月进展="=1+1"))
    sheet["C5"].data_type = "s"  # typed by the unit as text (Excel shows '=1+1)
    sheet.append(row("A01", "T2", 50, 本月进展='=HYPERLINK("http://x.example/","点击")'))
    sheet.append(row("A01", "T4", 50, 本月进展="=cmd|' /C calc'!A0"))
    sheet["H4"] = "=1+1"
    sheet["H4"].hyperlink = "http://evil.example/"
    sheet["L6"] = "='[外部.xlsx]Sheet1'!A1"
    book.save(path)
    assert any(n.endswith(".rels") and b"hyperlink" in zipfile.ZipFile(path).read(n)
               for n in zipfile.ZipFile(path).namelist())  # the source really has them

    receipt, written = answer(ws, path)
    assert not receipt.accepted and receipt.notes == []
    annotated = next(p for p in written if p.name.endswith(".标注.xlsx"))
    assert live_parts(annotated) == []
    copy = openpyxl.load_workbook(annotated)
    assert copy.sheetnames == ["问题清单", "十月"]  # the visible sheet the validator read
    data = copy["十月"]
    assert data["C5"].value == "=1+1" and data["C5"].data_type == "s"
    assert data["A1"].value == "2026年10月月度进展报送表" and data["B2"].value == "任务编号"
    assert data["A3"].comment is not None and data["A3"].fill.start_color.rgb.endswith("9999")  # merged A2:A3
    assert "0 到 100" in data["D4"].comment.text
    # formulas are not evaluated and not carried: a formula cell without a cached value is empty
    assert data["C6"].value is None and data["C7"].value is None and data["L6"].value is None
    listing = list(copy["问题清单"].iter_rows(min_row=2, values_only=True))
    assert {(r[1], r[3]) for r in listing} >= {(3, "A3"), (4, "D4"), (6, "B6"), (6, "C6"), (7, "C7")}
    with zipfile.ZipFile(annotated) as zf:
        sheet_xml_text = zf.read("xl/worksheets/sheet2.xml")
    assert b"=1+1" in sheet_xml_text and b"<f>" not in sheet_xml_text


def test_annotated_copy_of_a_csv_keeps_formula_text_as_text(ws: Workspace) -> None:
    path = ws.root / "月报.csv"
    rows = [row("A01", "T1", 150, 本月进展=text) for text in ("=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3")]
    write_table(path, PROGRESS_HEADERS, rows)
    receipt, written = answer(ws, path)
    annotated = next(p for p in written if p.name.endswith(".标注.xlsx"))
    assert live_parts(annotated) == []
    data = openpyxl.load_workbook(annotated).worksheets[1]
    assert [data.cell(r, 3).value for r in range(2, 6)] == ["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]
    assert all(data.cell(r, 3).data_type == "s" for r in range(2, 6))
    assert all("0 到 100" in data.cell(r, 4).comment.text for r in range(2, 6))


def test_receipts_are_written_when_the_copy_cannot_be_made(ws: Workspace) -> None:
    """The archived copy is gone by the time receipts are written: the JSON and .docx receipts still come,
    and say why there is no annotated copy."""
    path = write_table(ws.root / "有错.xlsx", PROGRESS_HEADERS, [row("A01", "T1", 150)])
    result = validate_file(path, CONTRACT, CONTEXT)
    receipt = make_receipt(ws, path, result.problems)
    path.unlink()
    written = write_receipts(ws, receipt, path)
    assert [p.suffix for p in written] == [".json", ".docx"] and all(p.is_file() for p in written)
    saved = json.loads(written[0].read_text(encoding="utf-8"))
    assert saved["notes"] == ["标注副本未能生成：系统处理该文件时出错，请对照回执中的问题清单修改"]
    assert saved["errors"][0]["cell"] == "D2"


# ---------------------------------------------------------------- 3. receipt names


ODD_NAMES = [
    "月度进展报送表.xlsx",
    "a b.xlsx", "a_b.xlsx", "a~b.xlsx",
    os.fsdecode(b"\xb2\xe2\xca\xd4.xlsx"),  # GBK 测试, as os.listdir gives it on a UTF-8 system
    os.fsdecode(b"\xb2\xe2\xca\xd5.xlsx"),
    "\\xb2\\xe2\\xca\\xd4.xlsx",  # literally what the first displays as
    "很" * 200 + "1.xlsx", "很" * 200 + "2.xlsx",
    "报表\u202excls.exe.xlsx", "line\nbreak.xlsx", "CON.xlsx", ".hidden.xlsx", "trailing..", "..",
    "问:题*?<>|\".xlsx", "【十月】报送表（终稿）.xlsx",
]


def test_safe_components_are_valid_short_and_unique() -> None:
    seen: dict[str, str] = {}
    for name in ODD_NAMES:
        safe = safe_component(name, 160)
        raw = safe.encode("utf-8")  # strict: no surrogates
        assert len(raw) <= 160 and "/" not in safe and "\\" not in safe and "\x00" not in safe
        assert not any(ch in safe for ch in ':*?"<>|\n\u202e') and not safe.startswith(".")
        assert safe.split(".")[0].upper() != "CON"
        assert safe not in seen, (name, seen.get(safe))
        seen[safe] = name
    assert safe_component("月度进展报送表.xlsx", 160) == "月度进展报送表.xlsx"  # an ordinary name is kept
    assert safe_component("【十月】报送表（终稿）.xlsx", 160) == "【十月】报送表（终稿）.xlsx"
    cut = safe_component("很" * 200 + "1.xlsx", 160)
    assert cut.startswith("很" * 48) and cut.endswith(".xlsx") and "~" in cut


def test_display_names() -> None:
    gbk = os.fsdecode(b"\xb2\xe2\xca\xd4.xlsx")
    assert display_name(gbk) == "\\xb2\\xe2\\xca\\xd4.xlsx"
    assert display_name("月报.xlsx") == "月报.xlsx"
    assert display_name("a\nb\u202e.xlsx") == "a\\x0ab\\u202e.xlsx"
    for name in ODD_NAMES:
        shown = display_name(name)
        shown.encode("utf-8")  # storable
        assert display_name(shown) == shown


def test_every_name_gets_its_own_receipts(ws: Workspace) -> None:
    """Every odd name, each dropped in the same second: one set of receipts each, none overwritten."""
    source = write_table(ws.root / "有错.xlsx", PROGRESS_HEADERS, [row("A01", "T1", 150)])
    stems = set()
    for name in ODD_NAMES:
        receipt, written = answer(ws, source, file=name)
        assert len(written) == 3, name  # JSON, .docx and the annotated copy
        for p in written:
            assert len(p.name.encode("utf-8")) <= 255 and p.is_file()
        stems.add(written[0].name.removesuffix(".回执.json"))
        saved = json.loads(written[0].read_text(encoding="utf-8"))
        assert saved["file"] == display_name(name)
    assert len(stems) == len(ODD_NAMES)
    folder = ws.root / "receipts/monthly/2026-10/A01"
    assert len(list(folder.glob("*.回执.json"))) == len(list(folder.glob("*.回执.docx"))) == len(ODD_NAMES)
    files = {json.loads(p.read_text(encoding="utf-8"))["file"] for p in folder.glob("*.回执.json")}
    assert files == {display_name(n) for n in ODD_NAMES}


def test_same_display_name_same_second_is_kept_apart_and_reruns_rewrite(ws: Workspace) -> None:
    """A GBK name and a name that is literally its escaped form, dropped in the same second, once intake
    has shown both as the same display name; answering one of them again rewrites its own receipts."""
    first = write_table(ws.root / "一.xlsx", PROGRESS_HEADERS, [row("A01", "T1", 150)])
    second = write_table(ws.root / "二.xlsx", PROGRESS_HEADERS, [row("A01", "T1", 120)])
    shown = display_name(os.fsdecode(b"\xb2\xe2.xlsx"))
    _, a = answer(ws, first, file=shown)
    _, b = answer(ws, second, file=shown)
    assert a[0].name != b[0].name and b[0].name.endswith("-2.回执.json")
    _, again = answer(ws, second, file=shown)
    assert again[0] == b[0]
    assert len(list(a[0].parent.glob("*.回执.json"))) == 2


def test_unit_folder_name_is_made_safe(ws: Workspace) -> None:
    source = write_table(ws.root / "x.xlsx", PROGRESS_HEADERS, [row("A01", "T1")])
    odd_unit = os.fsdecode(b"\xff/..")[:1] + " 单位"
    receipt = make_receipt(ws, source, [], unit=odd_unit)
    written = write_receipts(ws, receipt, source)
    folder = written[0].parent
    assert folder.parent == ws.root / "receipts/monthly/2026-10" and folder.name.encode("utf-8")
    assert json.loads(written[0].read_text(encoding="utf-8"))["unit"] == "\\xff 单位"
    assert receipt_stem(receipt).startswith("20261103-100000_x.xlsx")


def test_a_file_whose_name_is_not_utf8_is_read_and_answered(ws: Workspace) -> None:
    """The bytes of a GBK name on disk: read, validated and answered, the name shown escaped."""
    name = os.fsdecode(b"\xb2\xe2\xca\xd4.xlsx")
    source = ws.root / name
    write_table(ws.root / "tmp.xlsx", PROGRESS_HEADERS, [row("A01", "T1", 150)]).rename(source)
    assert os.fsencode(source.name) == b"\xb2\xe2\xca\xd4.xlsx"
    receipt, written = answer(ws, source, file=name)
    saved = json.loads(written[0].read_text(encoding="utf-8"))
    assert saved["file"] == "\\xb2\\xe2\\xca\\xd4.xlsx" and saved["errors"][0]["cell"] == "D2"
    assert len(written) == 3 and all(p.name.encode("utf-8") for p in written)
