"""Parse cell values the way people type them in China: full-width digits, 1,234, 85%, 2026年10月5日.

Each parser takes what the reader gave (str, int, float, date, datetime or None) and returns a typed
value or raises CellError with a Chinese message that says what to write instead.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

_EXCEL_EPOCH = date(1899, 12, 30)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class CellError(ValueError):
    """A cell that cannot be read as its column's type; the message is shown to the unit."""


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), and trimmed: ``"　８５％ "`` → ``"85%"``."""
    return unicodedata.normalize("NFKC", text).strip()


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_text(value: Any) -> str | None:
    """Text as the unit wrote it, trimmed; a number Excel stored as 13800138000.0 comes back as digits."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_code(value: Any) -> str | None:
    """Identifiers (unit codes, task ids): text with full-width characters folded and spaces removed."""
    text = parse_text(value)
    return None if text is None else re.sub(r"\s+", "", normalize(text))


def parse_number(
    value: Any, *, percent: bool = False, percent_formatted: bool = False, whole: bool = False
) -> float | None:
    """A number. With ``percent``, ``85%`` and an Excel percent-formatted ``0.85`` both mean 85.

    ``whole``: the column counts things (场次, 人次), so the advice for text shows a whole number, never a
    percentage."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("应填写数字，不能填写是/否")
    if isinstance(value, int | float):
        number = float(value)
        if math.isinf(number):
            raise CellError("数字无效")
        return number * 100 if (percent and percent_formatted) else number
    if isinstance(value, date | datetime):
        raise CellError("应填写数字，这里填写的是日期")
    text = normalize(str(value)).replace("，", ",").replace(" ", "")
    has_percent = text.endswith("%")
    if has_percent:
        if not percent:
            raise CellError("此列不填百分号，请只填写数字")
        text = text[:-1]
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.match(text):
        raise CellError(_number_advice(percent, whole))
    return float(text)


def _number_advice(percent: bool, whole: bool) -> str:
    """What to write instead of text, in the column's own terms: 85% only where a percentage is asked."""
    if percent:
        return "应填写百分比数字（如 85 或 85%），不能填写文字"
    if whole:
        return "应填写整数（如 12 或 1,234），不能填写文字"
    return "应填写数字（如 8 或 12.5），不能填写文字"


def parse_integer(value: Any) -> int | None:
    """A whole number (场次, 人次)."""
    number = parse_number(value, whole=True)
    if number is None:
        return None
    if not float(number).is_integer():
        raise CellError("应填写整数，不能有小数")
    return int(number)


def parse_decimal(value: Any, places: int = 2) -> float | None:
    """A number with at most ``places`` decimals (万元 to two places), tolerant of float noise from Excel."""
    number = parse_number(value)
    if number is None:
        return None
    scaled = number * 10**places
    if abs(scaled - round(scaled)) > 1e-6:
        raise CellError(f"最多保留{places}位小数")
    return round(number, places)


def parse_date(value: Any) -> date | None:
    """A date: 2026-10-05, 2026/10/5, 2026年10月5日, 20261005, a date cell, or an Excel serial number."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial range (1900-01-01 … 9999-12-31)
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("日期无效，请写作 2026-10-05 或 2026年10月5日")
    text = normalize(str(value)).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise CellError("日期无效，请写作 2026-10-05 或 2026年10月5日")


def split_codes(value: Any) -> tuple[str, ...]:
    """Unit codes separated by 、 , ; or spaces (配合单位), full-width separators included."""
    text = parse_text(value)
    if text is None:
        return ()
    parts = re.split(r"[、,，;；\s]+", normalize(text))
    return tuple(p for p in parts if p)
