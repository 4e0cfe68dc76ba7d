"""Fill-in forms (报送模板) made from a data contract: one writer for every submission type.

``write_form`` turns a compiled ``Contract`` into the .xlsx a unit fills in, so a new contract gets its
form without new form code. The sheet (named after the contract's title) is laid out as intake reads it:

- row 1: the title, merged across the columns, bold;
- row 2: 填表说明, made from the contract: what the form is for (the ODCS ``description.purpose``, or
  ``FormSpec.description``), then what each column takes (required columns, drop-down lists, number
  ranges, percentages, dates, text lengths, the fields' ``hint``s, one row per key), merged and wrapped;
- row 3: the header, exactly the contract's Chinese headers in contract order, then the hint headers;
- row 4 on: the pre-filled rows, then ``blank_rows`` empty rows.

Every input cell (pre-filled and blank rows, contract columns) carries the contract's rule as Excel data
validation, with a Chinese input message and a Chinese "stop" error: enumerations as drop-down lists
(inline when the list text is at most 255 characters and no value holds a comma or a quote, else the
values on the hidden sheet 下拉选项 behind a workbook-scoped defined name), integers as whole numbers and
numbers as decimals within the field's minimum/maximum (a percent field takes 0–100, as a number without
the %), dates as dates (cells formatted yyyy-mm-dd), text as a text length; a column without a rule
still gets its input message (validation type "any"). Excel holds one validation per cell, so a field
takes the first of: list, number/date, text length. ``pattern``, ``unique`` and the registry rules
(as each rule's registration explains it: 只填本单位牵头或配合的任务, 不超过该指标的分值 …) are told in the
input message and 填表说明, not enforced (intake checks them and says where).

Pre-filled cells of ``locked_fields`` and the hint columns are locked (grey), every input cell is
unlocked, and the sheet is protected without a password: a unit cannot overwrite a key by accident but
can still format (widen) columns and rows; anyone may lift the protection in Excel (审阅 → 撤销工作表保护)
since no password is set. Text columns are formatted as text (@), so codes and phone numbers keep their
leading zeros and a value starting with = stays text. The limits of the format are held: sheet names
≤ 31 characters, input messages ≤ 255 and error messages ≤ 225 characters, titles ≤ 32, cells ≤ 32,767,
no validation without cells, no empty list; intake's own bounds (200 columns, 5,000 data rows) too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .atomic import replacing
from .contracts import CONTRACTS_DIR, Contract, Field, rule_explanation
from .formats import cells, sheets
from .formats.tables import ReadLimits, header_key

__all__ = [
    "DATA_ROW",
    "HEADER_ROW",
    "INSTRUCTIONS_ROW",
    "LIST_SHEET",
    "TITLE_ROW",
    "FormSpec",
    "form_instructions",
    "write_form",
]

TITLE_ROW = 1
INSTRUCTIONS_ROW = 2
HEADER_ROW = 3
DATA_ROW = 4  # the first data row
LIST_SHEET = "下拉选项"  # the hidden sheet of long enumerations
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"

# Limits of the format (MS-XLS DValStrings, which Excel also holds .xlsx files to; Excel's own limits)
_MAX_TITLE = 32  # promptTitle, errorTitle
_MAX_PROMPT = 255
_MAX_ERROR = 225
_MAX_INLINE_LIST = 255  # characters of a list validation's formula text, without its quotes
_MAX_CELL = 32767
_MAX_SHEET_NAME = 31
_MAX_TOLD_CHOICES = 80  # a longer list is not spelt out in messages and 填表说明: the drop-down shows it
_EXCEL_FIRST_DATE = 1  # 1900-01-01 as an Excel serial
_EXCEL_LAST_DATE = 2958465  # 9999-12-31
_LIMITS = ReadLimits()  # intake's default bounds: a form must be readable as a submission

_TITLE_FONT = Font(bold=True, size=16)
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
_UNLOCKED = Protection(locked=False)
_LOCKED = Protection(locked=True)
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_NAME_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")


@dataclass(frozen=True)
class FormSpec:
    """What one form holds.

    ``rows`` are pre-filled values by contract field name (e.g. the unit's tasks: ``{"unit_code": "A01",
    "task_id": "T1"}``); ``locked_fields`` names the fields (by name, or by their Chinese header) whose
    pre-filled cells are locked, typically the keys 单位代码, 任务编号, 问题编号, 指标编号. ``hints`` are
    read-only columns after the contract's, one value per pre-filled row (e.g. ``("任务名称（参考）",
    [...])``); intake ignores them. ``description`` replaces the opening of 填表说明 (default: the ODCS
    ``description.purpose`` of the shipped contract of that name, when there is one).
    """

    contract: Contract
    title: str
    rows: Sequence[Mapping[str, Any]] = ()
    locked_fields: frozenset[str] = frozenset()
    hints: Sequence[tuple[str, Sequence[Any]]] = ()
    blank_rows: int = 20
    description: str | None = None
    issuer: str = ""  # who sends the form (the secretariat): its author in the document properties


# ---------------------------------------------------------------- writing


def write_form(spec: FormSpec, path: Path) -> Path:
    """Write the form of ``spec`` to ``path`` (.xlsx), atomically; returns ``path``.

    Raises ValueError for a spec the form cannot honestly carry: an unknown field or locked field, a
    hint column whose header is one of the contract's (intake would read it) or whose values do not match
    the rows, a pre-filled value its column cannot read, too many rows or columns for intake.
    """
    path = Path(path)
    contract = spec.contract
    fields = contract.fields
    locked = _locked_names(contract, spec.locked_fields)
    _check_spec(spec)
    rows = [_prefilled(contract, row, n) for n, row in enumerate(spec.rows, start=1)]

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_name(contract.title or contract.name)
    ncols = len(fields) + len(spec.hints)
    last_col = get_column_letter(ncols)
    first, last = DATA_ROW, DATA_ROW + len(rows) + spec.blank_rows - 1  # last < first: no data rows

    # row 1: title; row 2: 填表说明; row 3: header
    title = ws.cell(TITLE_ROW, 1, _text(spec.title))
    title.data_type = "s"
    title.font = _TITLE_FONT
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A{TITLE_ROW}:{last_col}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = 30

    wanted = [_column_width(f) for f in fields] + [_hint_width(header, values) for header, values in spec.hints]
    floors = [min(w, _column_floor(f)) for w, f in zip(wanted, fields, strict=False)]
    floors += [min(w, 10.0) for w in wanted[len(fields) :]]
    widths = sheets.fit_widths(wanted, floors)
    notes = form_instructions(contract, spec.description, locked=bool(locked and rows), hints=bool(spec.hints))
    note = ws.cell(INSTRUCTIONS_ROW, 1, _text(notes))
    note.data_type = "s"
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"A{INSTRUCTIONS_ROW}:{last_col}{INSTRUCTIONS_ROW}")
    ws.row_dimensions[INSTRUCTIONS_ROW].height = sheets.row_height([notes], [sum(widths)]) + 3

    headers = [f.header for f in fields] + [header for header, _ in spec.hints]
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, c, text)
        cell.data_type = "s"
        is_required = c <= len(fields) and fields[c - 1].required
        cell.font = _REQUIRED_FONT if is_required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = sheets.GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[HEADER_ROW].height = max(32.0, sheets.row_height(headers, widths))

    # the data rows: contract columns are input cells, except pre-filled cells of locked fields
    for c, f in enumerate(fields, start=1):
        number_format = _number_format(f)
        for r in range(first, last + 1):
            cell = ws.cell(r, c)
            value = rows[r - first].get(f.name) if r - first < len(rows) else None
            if value is not None:
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # "=..." stays text, never a formula
            cell.number_format = number_format
            cell.border = sheets.GRID
            cell.alignment = Alignment(vertical="top", wrap_text=f.logical_type == "string")
            if value is not None and f.name in locked:
                cell.protection = _LOCKED
                cell.fill = _LOCKED_FILL
            else:
                cell.protection = _UNLOCKED
    # hint columns: read-only, for reference
    for h, (_header, values) in enumerate(spec.hints):
        c = len(fields) + h + 1
        for r in range(first, last + 1):
            cell = ws.cell(r, c)
            if r - first < len(values):
                value = _hint_value(values[r - first])
                if value is not None:
                    cell.value = value
                    if isinstance(value, str):
                        cell.data_type = "s"
                        cell.number_format = TEXT_FORMAT
                    elif isinstance(value, date):
                        cell.number_format = DATE_FORMAT
            cell.protection = _LOCKED
            cell.fill = _LOCKED_FILL
            cell.border = sheets.GRID
            cell.alignment = Alignment(vertical="top", wrap_text=True)

    if last >= first:
        lists = _ListSheet(wb)
        for c, f in enumerate(fields, start=1):
            letter = get_column_letter(c)
            dv = _validation(f, lists, anchor=f"{letter}{first}")
            dv.sqref = f"{letter}{first}:{letter}{last}"  # type: ignore[assignment]
            ws.add_data_validation(dv)
        lists.finish()

    # pre-filled rows as tall as their text; title, 填表说明 and header stay in view and print on every page
    for r in range(first, first + len(rows)):
        ws.row_dimensions[r].height = sheets.row_height([ws.cell(r, c).value for c in range(1, ncols + 1)], widths)
    sheets.set_up_page(ws, widths, header_rows=(HEADER_ROW, HEADER_ROW), freeze=f"A{DATA_ROW}")
    _protect(ws)
    wb.active = 0
    sheets.set_properties(wb, title=_text(spec.title), creator=_text(spec.issuer))

    with replacing(path) as tmp:
        sheets.save(wb, tmp)
    return path


def form_instructions(
    contract: Contract, description: str | None = None, *, locked: bool = False, hints: bool = False
) -> str:
    """The 填表说明 of ``contract``'s form: what it is for, then what each column takes, from the fields."""
    purpose = description if description is not None else _purpose(contract.name)
    parts: list[str] = []
    if purpose:
        parts.append(purpose.strip().rstrip("。；;"))
    required = [f.header for f in contract.fields if f.required]
    if required:
        parts.append(f"红色表头为必填项（{'、'.join(required)}）")
    keys = [f.header for f in contract.fields if f.unique]
    for header in keys:
        parts.append(f"每个{header}只填一行")
    by_length: dict[int, list[str]] = {}
    for f in contract.fields:
        kind = _kind(f)
        if kind == "list":
            parts.append(f"{f.header}从下拉列表选择（{_choices(f)}）")
        elif kind == "percent":
            parts.append(f"{f.header}填{_range_text(f, unit='的数')}，如 85 表示 85%，不加百分号")
        elif kind == "whole":
            parts.append(f"{f.header}填{_range_text(f, unit='的整数')}")
        elif kind == "decimal":
            places = f"，最多保留{f.decimals}位小数" if f.decimals is not None else ""
            parts.append(f"{f.header}填{_range_text(f, unit='的数')}{places}")
        elif kind == "date":
            parts.append(f"{f.header}填日期，如 2026-10-05")
        elif kind == "length" and f.max_length is not None:
            by_length.setdefault(int(f.max_length), []).append(f.header)
        notes = _rule_notes(f)
        if notes:
            parts.append(f"{f.header}：{notes}")
        if f.hint:
            parts.append(f"{f.header}：{f.hint.strip().rstrip('。')}")
    for limit, headers in sorted(by_length.items()):
        parts.append(f"{'、'.join(headers)}不超过{limit}字")
    if locked:
        parts.append("灰色单元格为预填内容，不能修改")
    parts.append("请勿改动表头和表格结构" + ("，表格右侧的灰色列仅供对照" if hints else ""))
    return "填表说明：" + "；".join(parts) + "。"


# ---------------------------------------------------------------- what each field takes


def _kind(f: Field) -> str:
    """The one Excel rule a field's cells get: list, percent/decimal/whole, date, length, or any."""
    if f.valid_values:
        return "list"
    if f.logical_type == "date":
        return "date"
    if f.logical_type == "integer":
        return "whole"
    if f.logical_type == "number":
        return "percent" if f.parse == "percent" else "decimal"
    if f.max_length is not None:
        return "length"
    return "any"


def _rule_notes(f: Field) -> str:
    return "，".join(told for told in map(rule_explanation, f.rules) if told)


def _choices(f: Field) -> str:
    """A list's values as told in a message: all of them when short, else how many there are."""
    told = "、".join(f.valid_values)
    return told if len(told) <= _MAX_TOLD_CHOICES else f"共 {len(f.valid_values)} 项"


def _bounds(f: Field) -> tuple[float | None, float | None]:
    """A field's numeric bounds; a percent field without its own takes 0–100."""
    low, high = f.minimum, f.maximum
    if f.parse == "percent":
        low = 0 if low is None else low
        high = 100 if high is None else high
    return low, high


def _range_text(f: Field, unit: str) -> str:
    low, high = _bounds(f)
    if low is not None and high is not None:
        return f"{_num(low)}–{_num(high)}{unit}"
    if low is not None:
        return f"不小于{_num(low)}{unit}"
    if high is not None:
        return f"不大于{_num(high)}{unit}"
    return unit.removeprefix("的")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _validation(f: Field, lists: _ListSheet, anchor: str) -> DataValidation:
    """The data validation of ``f``'s input cells, with its Chinese input message and error.

    ``anchor`` is the first cell of the range: a custom formula is written for it, relative, as Excel
    applies it to each cell of the range."""
    kind = _kind(f)
    must = "必填。" if f.required else ""
    hint = f"{f.hint.strip()}" if f.hint else ""
    dv = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=True, errorStyle="stop")
    dv.promptTitle = _clip(f.header, _MAX_TITLE)
    dv.errorTitle = _clip(f"“{f.header}”填写有误", _MAX_TITLE)
    if kind == "list":
        dv.type = "list"
        dv.formula1 = lists.source(f)
        prompt = f"从下拉列表选择：{_choices(f)}"
        error = f"只能从下拉列表中选择：{_choices(f)}"
    elif kind in ("whole", "decimal", "percent"):
        low, high = _bounds(f)
        what = "整数" if kind == "whole" else "数"
        places = f"，最多保留{f.decimals}位小数" if kind == "decimal" and f.decimals is not None else ""
        if low is None and high is None:  # Excel's whole/decimal rules need a bound: a formula instead
            dv.type = "custom"
            dv.formula1 = (f"ISNUMBER({anchor})" if kind != "whole"
                           else f"AND(ISNUMBER({anchor}),INT({anchor})={anchor})")
        else:
            dv.type = "whole" if kind == "whole" else "decimal"
            if low is not None and high is not None:
                dv.operator, dv.formula1, dv.formula2 = "between", _num(low), _num(high)
            elif low is not None:
                dv.operator, dv.formula1 = "greaterThanOrEqual", _num(low)
            else:
                dv.operator, dv.formula1 = "lessThanOrEqual", _num(high)  # type: ignore[arg-type]
        prompt = f"填{_range_text(f, unit='的' + what)}{places}"
        if kind == "percent":
            prompt += "；如 85 表示完成 85%，不加百分号"
        error = f"应填写{_range_text(f, unit='的' + what)}{places}"
    elif kind == "date":
        dv.type = "date"
        dv.operator, dv.formula1, dv.formula2 = "between", str(_EXCEL_FIRST_DATE), str(_EXCEL_LAST_DATE)
        prompt = "填日期，如 2026-10-05"
        error = "应填写日期，如 2026-10-05"
    elif kind == "length":
        dv.type = "textLength"
        dv.operator, dv.formula1 = "lessThanOrEqual", str(int(f.max_length or 0))
        prompt = f"不超过{int(f.max_length or 0)}字"
        error = f"不能超过{int(f.max_length or 0)}个字，请精简"
    else:  # nothing Excel can refuse (a pattern is told, intake checks it): the input message alone
        dv.showErrorMessage = False
        dv.errorTitle = None
        if f.parse == "codes" or f.logical_type == "array":
            prompt = "可填多个代码，用 、 , ; 或空格分隔"
        elif _rule_notes(f) or hint:
            prompt = ""
        else:
            prompt = "填写编号或代码" if f.parse == "code" else "填写文字"
        error = ""
    prompt = "；".join(p for p in (prompt, _rule_notes(f)) if p)
    if hint:
        prompt = f"{prompt}。{hint}" if prompt else hint
        if kind == "length":
            error = f"{error}；{hint}"
    dv.prompt = _clip(must + prompt, _MAX_PROMPT)
    dv.error = _clip(error, _MAX_ERROR) if error else None
    return dv


class _ListSheet:
    """Where long enumerations go: a hidden, protected sheet, one column per field, each behind a
    workbook-scoped defined name (a sheet-scoped one would not be seen from the form's sheet in every
    reader). Made only when a list needs it, so a form without long lists has no extra sheet."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ws: Worksheet | None = None
        self.columns = 0

    def source(self, f: Field) -> str:
        """The list validation's formula1: the values inline, or the defined name of their column."""
        values = [_text(v) for v in f.valid_values]
        inline = ",".join(values)
        if len(inline) <= _MAX_INLINE_LIST and not any("," in v or '"' in v for v in values):
            return f'"{inline}"'
        if self.ws is None:
            self.ws = self.wb.create_sheet(_unique_sheet_name(self.wb, LIST_SHEET))
            self.ws.sheet_state = "hidden"
        self.columns += 1
        c = self.columns
        header = self.ws.cell(1, c, f.header)
        header.data_type = "s"
        header.font = _HEADER_FONT
        for r, value in enumerate(values, start=2):
            cell = self.ws.cell(r, c, value)
            cell.data_type = "s"
            cell.number_format = TEXT_FORMAT
        letter = get_column_letter(c)
        self.ws.column_dimensions[letter].width = min(60, max(10, max(_display_width(v) for v in values) + 2))
        name = _defined_name(self.wb, f, c)
        ref = f"{quote_sheetname(self.ws.title)}!${letter}$2:${letter}${len(values) + 1}"
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
        return name

    def finish(self) -> None:
        if self.ws is not None:
            _protect(self.ws)


def _defined_name(wb: Workbook, f: Field, column: int) -> str:
    base = f"list_{f.name}" if _NAME_OK.match(f"list_{f.name}") else f"list_{column}"
    name, n = base, 1
    while name in wb.defined_names:
        n += 1
        name = f"{base}_{n}"
    return name


def _protect(ws: Worksheet) -> None:
    """Protect ``ws`` without a password; formatting columns and rows (widths, heights) stays allowed."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


# ---------------------------------------------------------------- checking the spec and its values


def _locked_names(contract: Contract, given: frozenset[str]) -> frozenset[str]:
    by_header = {f.header: f.name for f in contract.fields}
    names = {f.name for f in contract.fields}
    out = set()
    for key in given:
        if key in names:
            out.add(key)
        elif key in by_header:
            out.add(by_header[key])
        else:
            raise ValueError(f"locked field {key!r} is not a field of contract {contract.name}")
    return frozenset(out)


def _check_spec(spec: FormSpec) -> None:
    contract = spec.contract
    if not spec.title.strip():
        raise ValueError("a form needs a title")
    if spec.blank_rows < 0:
        raise ValueError("blank_rows must be >= 0")
    if len(spec.rows) + spec.blank_rows > _LIMITS.max_rows:
        raise ValueError(f"a form holds at most {_LIMITS.max_rows} rows (intake's limit)")
    if len(contract.fields) + len(spec.hints) > _LIMITS.max_columns:
        raise ValueError(f"a form holds at most {_LIMITS.max_columns} columns (intake's limit)")
    known = {header_key(h) for f in contract.fields for h in f.headers}
    seen: set[str] = set()
    for header, values in spec.hints:
        key = header_key(header)
        if not key or key in known or key in seen:
            raise ValueError(f"hint column {header!r} is empty, repeated, or a header of the contract")
        seen.add(key)
        if len(values) != len(spec.rows):
            raise ValueError(f"hint column {header!r} has {len(values)} values for {len(spec.rows)} rows")


def _prefilled(contract: Contract, row: Mapping[str, Any], n: int) -> dict[str, Any]:
    """A pre-filled row as cell values, each read the way intake will read it back."""
    names = {f.name for f in contract.fields}
    unknown = set(row) - names
    if unknown:
        raise ValueError(f"row {n}: {sorted(unknown)} are not fields of contract {contract.name}")
    out: dict[str, Any] = {}
    for f in contract.fields:
        if f.name not in row:
            continue
        raw = row[f.name]
        if isinstance(raw, list | tuple) and (f.parse == "codes" or f.logical_type == "array"):
            raw = "、".join(str(v) for v in raw)
        try:
            value = f.read(raw)
        except cells.CellError as exc:
            raise ValueError(f"row {n}, {f.header}: {raw!r}: {exc}") from exc
        if isinstance(value, tuple):
            value = "、".join(value)
        if isinstance(value, str):
            value = _text(value)
            if len(value) > _MAX_CELL:
                raise ValueError(f"row {n}, {f.header}: longer than a cell can hold ({_MAX_CELL} characters)")
        if value is not None:
            _check_value(f, value, n)
            out[f.name] = value
    return out


def _check_value(f: Field, value: Any, n: int) -> None:
    """A pre-filled value the form's own validation (and intake) would refuse is the caller's mistake."""
    wrong = ""
    if f.valid_values and value not in f.valid_values:
        wrong = f"not one of {list(f.valid_values)}"
    elif isinstance(value, int | float):
        low, high = _bounds(f)
        if (low is not None and value < low) or (high is not None and value > high):
            wrong = f"outside {low}..{high}"
    elif isinstance(value, str) and f.max_length is not None and len(value) > f.max_length:
        wrong = f"longer than {f.max_length} characters"
    if wrong:
        raise ValueError(f"row {n}, {f.header}: {value!r} is {wrong}")


def _hint_value(value: Any) -> Any:
    if cells.is_blank(value):
        return None
    if isinstance(value, bool | int | float | date | datetime):
        return value
    return _text(str(value))[:_MAX_CELL]


def _text(value: str) -> str:
    """Text a cell can hold: without the control characters XML forbids."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _number_format(f: Field) -> str:
    if f.logical_type == "date":
        return DATE_FORMAT
    if f.logical_type in ("integer", "number"):
        return "General"
    return TEXT_FORMAT


def _sheet_name(title: str) -> str:
    name = _SHEET_NAME_BAD.sub("_", title).strip("'")[:_MAX_SHEET_NAME]
    return name if name.strip() and name.lower() != "history" else "报送表"


def _unique_sheet_name(wb: Workbook, wanted: str) -> str:
    name, n = wanted, 1
    while name in wb.sheetnames:
        n += 1
        name = f"{wanted}{n}"
    return name


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_display_width = sheets.text_width


def _column_width(f: Field) -> float:
    base = _display_width(f.header) + 4
    if f.logical_type == "date":
        return max(base, 13)
    if f.logical_type in ("integer", "number"):
        return max(base, 12)
    if f.valid_values:
        return max(base, max(_display_width(v) for v in f.valid_values) + 6)
    if f.max_length is not None and f.max_length >= 200:
        return max(base, 36)
    if f.parse in ("code", "codes"):
        return max(base, 14)
    return max(base, 16)


def _column_floor(f: Field) -> float:
    """How narrow a column may get so the form prints readably: a date or a code whole, a drop-down's
    values and its arrow, a number's digits; text wraps."""
    if f.logical_type == "date":
        return 12
    if f.valid_values:
        return max(_display_width(v) for v in f.valid_values) + 4
    if f.parse in ("code", "codes"):
        return 12
    if f.logical_type in ("integer", "number"):
        return 8
    return 10


def _hint_width(header: str, values: Sequence[Any]) -> float:
    longest = max((_display_width(str(v)) for v in values if not cells.is_blank(v)), default=0)
    return max(_display_width(header) + 4, min(40, longest + 2))


def _purpose(name: str) -> str:
    """``description.purpose`` of the shipped contract ``name`` ("" when there is none to read)."""
    path = CONTRACTS_DIR / f"{name}.yaml"
    if not name or not path.is_file():
        return ""
    import yaml  # noqa: PLC0415 - only when a form is made

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    description = doc.get("description") if isinstance(doc, dict) else None
    if isinstance(description, dict):
        return str(description.get("purpose") or "")
    return str(description or "")
