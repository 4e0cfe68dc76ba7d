"""Read a dropped spreadsheet (.xlsx or .csv) into rows with the row numbers Excel shows.

This layer knows files, not contracts: it finds the header row among the first rows (a title row above
it is normal), skips 填表说明 and blank rows, and refuses whole files that are empty, too large, of the
wrong type, corrupt, or zip bombs. Every refusal is a FileRejected with a Chinese message.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import is_blank, normalize

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

    def column_index(self, names: Iterable[str]) -> int | None:
        """The index of the first column whose header is one of ``names`` (compared normalized)."""
        wanted = {header_key(n) for n in names}
        for i, h in enumerate(self.headers):
            if header_key(h) in wanted:
                return i
        return None


def header_key(text: str) -> str:
    """Compare headers loosely: width, spaces, line breaks and required-marks (*) do not matter."""
    return re.sub(r"[\s*]", "", normalize(str(text)))


def column_letter(index: int) -> str:
    """0 → A, 26 → AA, as Excel names columns."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def check_file(path: Path, *, max_bytes: int, max_unpacked_bytes: int) -> None:
    """Refuse a file before reading it: type, emptiness, size, and (for .xlsx) the zip bomb guard."""
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
    if suffix == ".xlsx":
        try:
            with zipfile.ZipFile(path) as zf:
                unpacked = sum(info.file_size for info in zf.infolist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise FileRejected("文件已损坏或不是有效的 .xlsx 文件，请在 Excel 或 WPS 中重新保存后报送") from exc
        if unpacked > max_unpacked_bytes:
            raise FileRejected("文件解压后体积异常（疑似压缩炸弹），不予读取，请使用报送模板重新制作")


def read_table(
    path: Path,
    *,
    is_header: Callable[[list[str]], int],
    percent_columns: Callable[[str], bool] = lambda _h: False,
    max_bytes: int = 10 * 2**20,
    max_unpacked_bytes: int = 100 * 2**20,
    max_rows: int = 5000,
) -> RawTable:
    """Read the first visible sheet of an .xlsx, or a .csv, into a RawTable.

    ``is_header(row_texts)`` scores a row as a header (how many known headers it holds); the best
    row among the first 20 wins. ``percent_columns(header)`` says which columns may hold
    percent-formatted numbers, whose number format is then looked up with openpyxl.
    """
    check_file(path, max_bytes=max_bytes, max_unpacked_bytes=max_unpacked_bytes)
    suffix = path.suffix.lower()
    grid = _read_xlsx(path) if suffix == ".xlsx" else read_csv_rows(path)
    table = _locate(grid, is_header=is_header, max_rows=max_rows)
    if suffix == ".xlsx":
        percent_cols = [i for i, h in enumerate(table.headers) if percent_columns(h)]
        if percent_cols and _has_fractions(table, percent_cols):
            table.percent_formatted = _percent_cells(path, table, percent_cols)
    return table


def _read_xlsx(path: Path) -> Iterable[list[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook  # noqa: PLC0415 - keep import light

    try:
        book = CalamineWorkbook.from_path(str(path))
        visible = [
            i for i, meta in enumerate(book.sheets_metadata)
            if str(meta.visible).endswith("Visible") and str(meta.typ).endswith("WorkSheet")
        ]
        if not visible:
            raise FileRejected("工作簿中没有可见的工作表")
        sheet = book.get_sheet_by_index(visible[0])
        return sheet.to_python(skip_empty_area=False)
    except FileRejected:
        raise
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRejected("文件已损坏或不是有效的 .xlsx 文件，请在 Excel 或 WPS 中重新保存后报送") from exc


def read_csv_rows(path: Path) -> list[list[Any]]:
    """The rows of a CSV as Excel or WPS saved it (UTF-8, UTF-8 with BOM or GB18030/GBK)."""
    raw = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected("无法识别 CSV 文件的文字编码，请用 Excel 或 WPS“另存为”CSV UTF-8 或 .xlsx 后重新报送")
    if "\x00" in text:
        raise FileRejected("CSV 文件中含有异常字符，疑似不是文本文件，请另存为 .xlsx 后重新报送")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


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


def _percent_cells(path: Path, table: RawTable, cols: list[int]) -> set[tuple[int, int]]:
    """Which cells of ``cols`` Excel shows as percentages: only openpyxl sees number formats."""
    import openpyxl  # noqa: PLC0415 - only needed for this rare case

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = next(ws for ws in book.worksheets if ws.sheet_state == "visible")
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
