"""Read a dropped spreadsheet (.xlsx or .csv) into rows with the row numbers Excel shows.

This layer knows files, not contracts: it finds the header row among the first rows (a title row above
it is normal), skips 填表说明 and blank rows, and refuses whole files that are empty, too large, of the
wrong type, corrupt, zip bombs, wider or longer than a submission can be, or with a cell longer than
Excel allows. Every bound is checked before the work it bounds (``guard`` for .xlsx, while reading for
CSV). Every refusal is a FileRejected with a Chinese message saying what is wrong and what to do.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import is_blank, normalize
from .guard import CORRUPT, Refused, SheetBounds, check_xlsx

SPREADSHEET_SUFFIXES = (".xlsx", ".csv")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too
HEADER_SEARCH_ROWS = 20
_INSTRUCTION_ROW = re.compile(r"^\s*(填表说明|填报说明|说明|注|备注|示例)\s*[:：]")
_REFUSED_SUFFIXES = {
    ".xls": "这是旧版 Excel 97-2003 格式（.xls），请在 Excel 或 WPS 中“另存为”.xlsx 后重新报送",
    ".xlsm": "含宏的工作簿（.xlsm）出于安全原因不予接收，请“另存为”不含宏的 .xlsx 后重新报送",
    ".et": "WPS 表格格式（.et）无法读取，请“另存为”.xlsx 后重新报送",
    ".ods": "请“另存为”.xlsx 后重新报送",
    ".numbers": "请“导出为”.xlsx 后重新报送",
}


class FileRejected(Exception):
    """The whole file cannot be read; the message says why, in Chinese."""


@dataclass
class RawTable:
    """The data rows of a sheet, cells as the reader gave them, and where each came from in Excel."""

    headers: list[str]  # header texts as written (normalized), one per column
    rows: list[list[Any]]  # data rows, each padded to len(headers)
    excel_rows: list[int]  # the Excel row number of each data row
    header_row: int  # the Excel row number of the header
    percent_formatted: set[tuple[int, int]] = field(default_factory=set)  # (data row index, column index)
    sheet: str | None = None  # the worksheet read (.xlsx)

    def column_index(self, names: Iterable[str]) -> int | None:
        """The index of the first column whose header is one of ``names`` (compared normalized)."""
        wanted = {header_key(n) for n in names}
        for i, h in enumerate(self.headers):
            if header_key(h) in wanted:
                return i
        return None


@functools.lru_cache(maxsize=8192)
def header_key(text: str) -> str:
    """Compare headers loosely: width, spaces, line breaks and required-marks (*) do not matter.

    Cached: the header search asks for the same few texts in every file.
    """
    return re.sub(r"[\s*]", "", normalize(str(text)))


def column_letter(index: int) -> str:
    """0 → A, 26 → AA, as Excel names columns."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class ReadLimits:
    """What reading one file may cost; every bound is checked before the work it bounds."""

    max_bytes: int = 10 * 2**20
    max_unpacked_bytes: int = 100 * 2**20  # .xlsx: total unpacked size (zip bomb guard)
    max_rows: int = 5000  # data rows
    max_columns: int = 200
    max_cell_chars: int = 32767  # Excel's own limit for one cell

    @property
    def row_limit(self) -> int:
        """The last Excel row that may hold content: the data rows, plus room for title and header rows."""
        return self.max_rows + HEADER_SEARCH_ROWS


@dataclass
class Grid:
    """The cells of the sheet read, from A1 (rows may be ragged), and which sheet that was."""

    rows: list[list[Any]]
    sheet: str | None = None  # the worksheet's name (.xlsx); None for a CSV


def far_message(ref: str, limits: ReadLimits) -> str:
    """A content cell outside the range a submission may use."""
    return (
        f"表格在 {ref} 单元格有内容，超出 {limits.max_columns} 列/{limits.max_rows:,} 行的范围，不予读取；"
        "请删除该单元格及表格右侧、下方的多余内容（可整行、整列删除），数据确实较多的请拆分为多个文件后重新报送"
    )


def long_cell_message(ref: str, chars: int, limits: ReadLimits) -> str:
    return (
        f"{ref} 单元格的内容有 {chars:,} 个字符，超过单个单元格 {limits.max_cell_chars:,} 个字符的上限，不予读取；"
        "请精简该单元格的内容（详细材料可另行报送）后重新报送"
    )


def check_file(path: Path, *, max_bytes: int, max_unpacked_bytes: int | None = None) -> None:
    """Refuse a file from its name and size alone: type, emptiness, size. Nothing of it is read.

    ``max_unpacked_bytes`` is accepted for compatibility; the .xlsx checks are in ``read_grid``.
    """
    suffix = path.suffix.lower()
    if suffix in _REFUSED_SUFFIXES:
        raise FileRejected(_REFUSED_SUFFIXES[suffix])
    if suffix not in SPREADSHEET_SUFFIXES:
        shown = suffix or "无扩展名"
        raise FileRejected(f"不支持的文件类型（{shown}），请使用报送模板，保存为 .xlsx 或 .csv 后重新报送")
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("文件为空（0 字节），请检查后重新报送")
    if size > max_bytes:
        raise FileRejected(
            f"文件大小 {size / 2**20:.1f} MB 超过上限 {max_bytes / 2**20:.0f} MB，请删除无关内容后重新报送"
        )


def read_grid(path: Path, limits: ReadLimits | None = None) -> Grid:
    """The cells of the first visible sheet of an .xlsx, or of a .csv, read within ``limits``.

    The same grid feeds validation and the annotated copy, so cell addresses agree between them.
    """
    limits = limits or ReadLimits()
    check_file(path, max_bytes=limits.max_bytes)
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path, limits)
    return Grid(rows=read_csv_rows(path, limits))


def read_table(
    path: Path,
    *,
    is_header: Callable[[list[str]], int],
    percent_columns: Callable[[str], bool] = lambda _h: False,
    max_bytes: int = 10 * 2**20,
    max_unpacked_bytes: int = 100 * 2**20,
    max_rows: int = 5000,
    max_columns: int = 200,
    max_cell_chars: int = 32767,
) -> RawTable:
    """Read the first visible sheet of an .xlsx, or a .csv, into a RawTable.

    ``is_header(row_texts)`` scores a row as a header (how many known headers it holds); the best
    row among the first 20 wins. ``percent_columns(header)`` says which columns may hold
    percent-formatted numbers, whose number format is then looked up with openpyxl.
    """
    limits = ReadLimits(max_bytes=max_bytes, max_unpacked_bytes=max_unpacked_bytes, max_rows=max_rows,
                        max_columns=max_columns, max_cell_chars=max_cell_chars)
    grid = read_grid(path, limits)
    table = _locate(grid.rows, is_header=is_header, max_rows=max_rows)
    table.sheet = grid.sheet
    if grid.sheet is not None:
        percent_cols = [i for i, h in enumerate(table.headers) if percent_columns(h)]
        if percent_cols and _has_fractions(table, percent_cols):
            table.percent_formatted = _percent_cells(path, table, percent_cols, grid.sheet)
    return table


def _read_xlsx(path: Path, limits: ReadLimits) -> Grid:
    """calamine reads the sheet only after guard.check_xlsx has bounded everything it would allocate."""
    from python_calamine import CalamineError, CalamineWorkbook  # noqa: PLC0415 - keep import light

    bounds = SheetBounds(row_limit=limits.row_limit, max_columns=limits.max_columns,
                         far_message=lambda ref: far_message(ref, limits))
    try:
        checked = check_xlsx(path, max_unpacked_bytes=limits.max_unpacked_bytes, bounds=bounds)
    except Refused as exc:
        raise FileRejected(str(exc)) from exc
    try:
        try:
            str(path).encode("utf-8")
            book = CalamineWorkbook.from_path(str(path))
        except UnicodeEncodeError:  # a name that is not UTF-8: calamine cannot open it by name
            with path.open("rb") as f:
                book = CalamineWorkbook.from_filelike(f)
        names = tuple(meta.name for meta in book.sheets_metadata)
        if names != checked.sheet_names:  # calamine sees another workbook than the one checked
            raise FileRejected(CORRUPT)
        sheet = book.get_sheet_by_index(names.index(checked.sheet))
        end = sheet.end  # checked again on calamine's own range, before the grid is built in Python
        if end is not None and (end[0] >= limits.row_limit or end[1] >= limits.max_columns):
            raise FileRejected(far_message(f"{column_letter(end[1])}{end[0] + 1}", limits))
        rows = sheet.to_python(skip_empty_area=False)
    except FileRejected:
        raise
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRejected(CORRUPT) from exc
    if checked.largest_part > limits.max_cell_chars:  # else no text in the file can be that long
        for r, row in enumerate(rows, start=1):
            for c, cell in enumerate(row):
                if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
                    raise FileRejected(long_cell_message(f"{column_letter(c)}{r}", len(cell), limits))
    return Grid(rows=rows, sheet=checked.sheet)


def read_csv_rows(path: Path, limits: ReadLimits | None = None) -> list[list[str]]:
    """The rows of a CSV as Excel or WPS saved it (UTF-8, UTF-8 with BOM or GB18030/GBK), within ``limits``.

    Rows keep their Excel numbering (blank rows included); trailing empty cells are dropped.
    """
    limits = limits or ReadLimits()
    with path.open("rb") as f:
        raw = f.read(limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:
        raise FileRejected(f"文件大小超过上限 {limits.max_bytes / 2**20:.0f} MB，请删除无关内容后重新报送")
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected("无法识别 CSV 文件的文字编码，请用 Excel 或 WPS“另存为”CSV UTF-8 或 .xlsx 后重新报送")
    del raw
    if "\x00" in text:
        raise FileRejected("CSV 文件中含有异常字符，疑似不是文本文件，请另存为 .xlsx 后重新报送")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # Python's own field limit (128 KB) would stop the reader with an error the unit cannot act on;
    # no field can be longer than the text, and the cell bound below says which cell is too long.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    rows: list[list[str]] = []
    try:
        for number, record in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            last = len(record) - 1
            while last >= 0 and not record[last].strip():
                last -= 1
            if last < 0:
                if number <= limits.row_limit:
                    rows.append([])
                continue
            if number > limits.row_limit or last >= limits.max_columns:
                col = last if last >= limits.max_columns else next(i for i, v in enumerate(record) if v.strip())
                raise FileRejected(far_message(f"{column_letter(col)}{number}", limits))
            for c in range(last + 1):
                if len(record[c]) > limits.max_cell_chars:
                    raise FileRejected(long_cell_message(f"{column_letter(c)}{number}", len(record[c]), limits))
            rows.append(record[: last + 1])
    except csv.Error as exc:
        raise FileRejected("CSV 文件格式有误（引号不成对等），请用 Excel 或 WPS 打开后“另存为”.xlsx 再报送") from exc
    return rows


def _locate(grid: Iterable[list[Any]], *, is_header: Callable[[list[str]], int], max_rows: int) -> RawTable:
    """Find the header row, then keep the data rows below it with their Excel row numbers."""
    rows = iter(grid)
    head: list[list[Any]] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    scores = [is_header([_text(c) for c in row]) for row in head]
    if not scores or max(scores) <= 0:
        raise FileRejected("在前 20 行中找不到表头行，请使用报送模板，不要改动表头文字")
    header_idx = scores.index(max(scores))
    headers = [_text(c) for c in head[header_idx]]
    while headers and not headers[-1]:
        headers.pop()
    data_rows: list[list[Any]] = []
    excel_rows: list[int] = []
    width = len(headers)

    def keep(row: list[Any], number: int) -> None:
        cells = list(row[:width]) + [None] * (width - len(row))
        if all(is_blank(c) for c in cells):
            return
        first = next((c for c in cells if not is_blank(c)), "")
        if isinstance(first, str) and _INSTRUCTION_ROW.match(normalize(first)):
            return
        if len(data_rows) >= max_rows:
            raise FileRejected(f"数据行超过 {max_rows} 行的上限，请检查是否误填或拆分后报送")
        data_rows.append([None if is_blank(c) else c for c in cells])
        excel_rows.append(number)

    for offset, row in enumerate(head[header_idx + 1 :], start=header_idx + 2):
        keep(row, offset)
    for offset, row in enumerate(rows, start=len(head) + 1):
        keep(row, offset)
    return RawTable(headers=headers, rows=data_rows, excel_rows=excel_rows, header_row=header_idx + 1)


def _text(cell: Any) -> str:
    return "" if is_blank(cell) else normalize(str(cell))


def _has_fractions(table: RawTable, cols: list[int]) -> bool:
    return any(
        isinstance(row[c], float) and 0 <= row[c] <= 1 for row in table.rows for c in cols
    )


def _percent_cells(path: Path, table: RawTable, cols: list[int], sheet_name: str) -> set[tuple[int, int]]:
    """Which cells of ``cols`` Excel shows as percentages: only openpyxl sees number formats."""
    import openpyxl  # noqa: PLC0415 - only needed for this rare case

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[sheet_name]  # the sheet calamine read, already checked by guard
        wanted = {(r, c) for r in range(len(table.rows)) for c in cols}
        by_excel_row = {n: i for i, n in enumerate(table.excel_rows)}
        found: set[tuple[int, int]] = set()
        first, last = table.excel_rows[0], table.excel_rows[-1]
        for excel_row, cells in enumerate(sheet.iter_rows(min_row=first, max_row=last), start=first):
            i = by_excel_row.get(excel_row)
            if i is None:
                continue
            for c in cols:
                if c < len(cells) and (i, c) in wanted and "%" in str(cells[c].number_format or ""):
                    found.add((i, c))
        return found
    finally:
        book.close()
