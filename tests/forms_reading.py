"""Reading a fill-in form's data validations back, by header: what the tests compare with the contract.

A form someone re-saved (LibreOffice, WPS) may spell a validation differently without changing what it
means; ``form_rules`` reads past those spellings, so a test can say the rules survived.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from docgen.formats import cells
from docgen.forms import HEADER_ROW


def form_rules(path: Path, header_row: int = HEADER_ROW) -> dict[str, dict[str, Any]]:
    """The data validations of the form at ``path`` (its first sheet), by the header of their column.

    Each rule: ``type`` (list, whole, decimal, date, textLength, custom, any), ``operator``,
    ``formula1``/``formula2`` as written, ``values`` (a list's values, inline or read from the cells its
    defined name or range points to), ``minimum``/``maximum`` (numbers and dates, from the operator),
    ``max_length`` (textLength), ``prompt``, ``prompt_title``, ``error``, ``error_title``,
    ``error_style`` (None means Excel's default, stop), ``show_error``, ``show_prompt``, ``allow_blank``,
    and ``ranges``: the cell ranges it covers in that column (a rule spread over several ranges, as a
    re-saving application may write it, is one entry as long as the ranges agree).
    """
    wb = load_workbook(path)
    try:
        ws = wb.worksheets[0]
        headers = {c: cells.parse_text(ws.cell(header_row, c).value) or "" for c in range(1, ws.max_column + 1)}
        rules: dict[str, dict[str, Any]] = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                for c in range(rng.min_col, rng.max_col + 1):
                    header = headers.get(c) or get_column_letter(c)
                    rule = _rule(wb, dv)
                    ref = f"{get_column_letter(c)}{rng.min_row}:{get_column_letter(c)}{rng.max_row}"
                    if header in rules:
                        ranges = rules[header].pop("ranges")
                        if rules[header] != rule:
                            raise ValueError(f"column {header!r} has different validations in {path}")
                        rule["ranges"] = [*ranges, ref]
                    else:
                        rule["ranges"] = [ref]
                    rules[header] = rule
        return rules
    finally:
        wb.close()


def _rule(wb: Workbook, dv: DataValidation) -> dict[str, Any]:
    kind = dv.type or "any"
    operator = dv.operator or "between"  # the default of the format
    f1 = _formula(dv.formula1)
    f2 = _formula(dv.formula2)
    # what a re-saving application may add without meaning: LibreOffice writes formula1 and formula2
    # "0" for a validation without a type, and formula2 "0" for one-bound operators
    if kind in ("any", "list", "custom"):
        operator = None
    if kind == "any":
        f1 = f2 = None
    elif operator not in ("between", "notBetween"):
        f2 = None
    rule: dict[str, Any] = {
        "type": kind,
        "operator": operator,
        "formula1": f1,
        "formula2": f2,
        "prompt_title": dv.promptTitle,
        "prompt": dv.prompt,
        "error_title": dv.errorTitle,
        "error": dv.error,
        "error_style": dv.errorStyle,
        "show_error": bool(dv.showErrorMessage),
        "show_prompt": bool(dv.showInputMessage),
        "allow_blank": bool(dv.allowBlank),
    }
    if kind == "list":
        rule["values"] = _list_values(wb, f1 or "")
    elif kind in ("whole", "decimal", "date", "textLength"):
        low = high = None
        op = operator
        if op in ("between", "greaterThanOrEqual", "greaterThan", "equal"):
            low = _number(f1)
        if op == "between":
            high = _number(f2)
        elif op in ("lessThanOrEqual", "lessThan", "equal"):
            high = _number(f1)
        if kind == "textLength":
            rule["max_length"] = int(high) if high is not None else None
        else:
            rule["minimum"], rule["maximum"] = low, high
    return rule


def _formula(text: str | None) -> str | None:
    return None if text is None else text.removeprefix("=")


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _list_values(wb: Workbook, formula: str) -> list[str]:
    """The values of a list validation: inline ("a,b"), a defined name, or a range on a sheet."""
    if formula.startswith('"') and formula.endswith('"') and len(formula) >= 2:
        return formula[1:-1].split(",")
    target = formula
    if formula in wb.defined_names:
        target = wb.defined_names[formula].attr_text
    out: list[str] = []
    if "!" not in target:
        return out
    for title, ref in _destinations(target):
        if title not in wb.sheetnames:
            continue
        for row in wb[title][ref.replace("$", "")]:
            for cell in row if isinstance(row, tuple) else (row,):
                text = cells.parse_text(cell.value)
                if text is not None:
                    out.append(text)
    return out


def _destinations(text: str) -> list[tuple[str, str]]:
    return list(DefinedName("x", attr_text=text).destinations)
