"""A unit's annual work summary (年度工作总结, .docx): the reader its kind names (``Kind.reader``).

The file is inspected first (``formats.docx_guard``: nothing unsafe reaches python-docx), then opened:
it must open as a Word document and have text. Missing usual headings, and what the compiled volume
will not carry, are told as notes in the receipt; they never refuse the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import docx
from docx.oxml.ns import qn

from ...config import IntakeLimits
from ...contracts import Validation
from ...formats.docx_guard import inspect_docx
from ...models import Problem

HEADINGS = ("一、基本情况", "二、主要做法", "三、取得成效", "四、存在问题", "五、下步打算")
OPEN_FAILED = "文件无法作为 Word（.docx）文档打开，请在 Word 或 WPS 中“另存为” Word 文档（.docx）后重新报送"
NO_TEXT = "文档没有正文内容，请检查是否选错了文件后重新报送"

# a heading's numeral and what may follow it: 一、 一. 一． 一， 一：(spaces are removed before matching)
_NUMBERED = re.compile(r"[一二三四五六七八九十]+[、.．,，:：]?")
_SPACES = re.compile(r"\s+")


def missing_headings_note(missing: Iterable[str]) -> str:
    return f"总结缺少以下常用标题：{'、'.join(missing)}（不影响接收，建议按常用结构撰写）"


def headings_found(texts: Iterable[str]) -> set[str]:
    """The usual headings among paragraph texts, matched loosely: spaces ignored, any Chinese numeral with
    or without 、 . ． ， ： after it ("二.主要做法", "三、 取得成效"), or the bare title alone on its line
    (a heading numbered by Word's automatic numbering)."""
    found = set()
    for text in texts:
        line = _SPACES.sub("", text)
        numbered = _NUMBERED.match(line)
        rest = line[numbered.end():] if numbered else line
        for heading in HEADINGS:
            title = heading.split("、", 1)[1]
            if rest.startswith(title) and (numbered or rest.rstrip("。.:：") == title):
                found.add(heading)
    return found


def check_summary(path: Path, limits: IntakeLimits) -> Validation:
    """A unit's summary: inspected, opened, and described in one row for the rules."""
    check = inspect_docx(path, limits)
    if check.refused:
        return Validation(rows=[], problems=check.problems)
    try:
        document = docx.Document(str(path))
        texts = [p.text for p in document.paragraphs]
        tables = document.tables
        table_text = any((t.text or "").strip() for table in tables for t in table._tbl.iter(qn("w:t")))
    except Exception:  # noqa: BLE001 - whatever python-docx cannot read is the unit's to resave
        return Validation(rows=[], problems=[Problem(message=OPEN_FAILED)])
    paragraphs = sum(1 for t in texts if t.strip())
    if not paragraphs and not table_text:
        return Validation(rows=[], problems=[Problem(message=NO_TEXT)])
    found = headings_found(texts)
    missing = [h for h in HEADINGS if h not in found]
    notes = [missing_headings_note(missing)] if missing else []
    row = {"paragraphs": paragraphs, "tables": len(tables), "pictures": check.pictures, "missing_headings": missing}
    return Validation(rows=[row], problems=[], notes=notes + check.notes)
