"""Words for people: what a unit reads (the 回执 and its annotated copy, the 催报通知) names no folder,
hash, English word or field, and says how to send a file in the words of ``submission_channel``.

The rule for ASCII in a receipt a unit reads: letters may come only from the unit itself (the name of
the file it dropped, the values it typed, shown in 填写的值, and the Excel cell a problem sits in, such as
"E3") or be the names of the programs and formats it works with (Excel, WPS, Word, xlsx, csv, docx).
Everything else is Chinese, numbers and punctuation; no "/" or "\\" at all (no path).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import docx
import openpyxl

from docgen import intake
from docgen.reminders import remind
from docgen.render.engine import format_as_of
from docgen.workspace import Workspace

from .builders import CST
from .builders.registry import write_campaign
from .conftest import ON_TIME, Dropper, row

CHANNEL = "请登录市创建办共享盘，在本单位报送栏目中上传"
PROGRAMS = {"Excel", "WPS", "Word", "xlsx", "csv", "docx"}
HEX_RUN = re.compile(r"[0-9a-fA-F]{16,}")  # a hash, or any part of one long enough to matter
CELL_REF = re.compile(r"（[A-Z]{1,3}[0-9]+）")  # "完成进度(%)（D2）": the Excel cell, in the 列名 column
ASCII_WORD = re.compile(r"[A-Za-z]+")
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def _receipt_parts(path: Path) -> tuple[list[str], list[list[str]]]:
    """(paragraph texts, rows of every table) of a rendered receipt."""
    doc = docx.Document(str(path))
    return [p.text for p in doc.paragraphs], [[c.text for c in r.cells] for t in doc.tables for r in t.rows]


def _foreign_words(text: str, own: list[str]) -> set[str]:
    """ASCII words in ``text`` that are neither the unit's own (``own``) nor a program's or format's name."""
    for piece in sorted(own, key=len, reverse=True):
        if piece:
            text = text.replace(piece, "")
    return set(ASCII_WORD.findall(CELL_REF.sub("", text))) - PROGRAMS


def _receipts(root: Path, unit: str, name: str) -> tuple[dict, Path]:
    folder = root / "receipts/monthly/2026-10" / unit
    for json_path in folder.glob("*.回执.json"):
        data = json.loads(json_path.read_text(encoding="utf-8"))
        if data["file"] == name:
            return data, json_path.with_name(json_path.name.replace(".回执.json", ".回执.docx"))
    raise AssertionError(f"no receipt for {name}")


def test_receipts_speak_the_units_words(workspace: Path, drop: Dropper) -> None:
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 0}, submission_channel=CHANNEL)
    drop("A01", name="Progress-Oct.xlsx")
    bad = [row("C01", "T3", "八十", **{"本月开展活动(场次)": "十二", "联系电话": "12345", "参与人数(人次)": "many"})]
    drop("C01", bad, name="进展 v2.xlsx")
    ws = Workspace(workspace)
    intake.collect(ws)
    intake.process(ws)

    accepted, accepted_docx = _receipts(workspace, "A01", "Progress-Oct.xlsx")
    returned, returned_docx = _receipts(workspace, "C01", "进展 v2.xlsx")
    assert accepted["accepted"] is True and returned["accepted"] is False
    # the machine-readable receipt keeps its keys, the hash among them
    assert re.fullmatch(r"[0-9a-f]{64}", accepted["sha256"]) and re.fullmatch(r"[0-9a-f]{64}", returned["sha256"])

    for path, data in ((accepted_docx, accepted), (returned_docx, returned)):
        paragraphs, rows = _receipt_parts(path)
        text = "\n".join(paragraphs + ["\t".join(r) for r in rows])
        assert data["sha256"] not in text and not HEX_RUN.search(text) and "SHA" not in text.upper(), path.name
        assert "/" not in text and "\\" not in text, path.name
        assert "json" not in text.lower() and "intake" not in text and "receipts" not in text, path.name
        typed = [r[3] for r in rows if len(r) == 5 and r[0].isdigit()]  # 填写的值 of the problem table
        assert _foreign_words(text, [data["file"], *typed]) == set(), path.name
        info = {r[0]: r[1] for r in rows if len(r) == 2}
        assert info["报送单位"] == {"A01": "青禾镇人民政府", "C01": "青禾市第一中学"}[data["unit"]]  # named, not coded
        assert data["unit"] not in text

    paragraphs, rows = _receipt_parts(returned_docx)
    problems = {r[2]: r[4] for r in rows if len(r) == 5 and r[0].isdigit()}
    count = problems["本月开展活动(场次)（E2）"]
    percent = problems["完成进度(%)（D2）"]
    assert count == "应填写整数（如 12 或 1,234），不能填写文字" and "%" not in count and "％" not in count
    assert percent == "应填写百分比数字（如 85 或 85%），不能填写文字"
    phone = problems["联系电话（K2）"]
    assert "如 区号-12345678" in phone and not re.search(r"0\d{2,3}-\d{7,8}", phone)
    assert any(f"重新报送。{CHANNEL}。重新报送的材料" in p for p in paragraphs)

    # the annotated copy's 问题清单: the same words, nothing but the unit's own values in English
    listing_path = returned_docx.with_name(returned_docx.name.replace(".回执.docx", ".标注.xlsx"))
    listing = list(openpyxl.load_workbook(listing_path)["问题清单"].iter_rows(values_only=True))
    assert listing[0][0] == "《进展 v2.xlsx》填报问题清单"  # the printed sheet's title row
    listing = listing[1:]
    assert listing[0] == ("序号", "行号", "列名", "单元格", "填写的值", "问题说明")
    for _, _, _column, cell, value, message in listing[1:]:
        assert "/" not in message and not HEX_RUN.search(message)
        assert _foreign_words(message, [str(value or "")]) == set(), message
        assert re.fullmatch(r"[A-Z]{1,3}[0-9]+", cell)
    assert {r[2]: r[5] for r in listing[1:]}["本月开展活动(场次)"] == count


def test_a_receipt_without_a_channel_names_no_folder(workspace: Path, drop: Dropper) -> None:
    drop("C01", [row("C01", "T3", 150)], name="进展.xlsx")
    ws = Workspace(workspace)
    intake.collect(ws)
    intake.process(ws)
    _, path = _receipts(workspace, "C01", "进展.xlsx")
    paragraphs, _ = _receipt_parts(path)
    assert any("重新报送。报送渠道不变，如有疑问请与" in p for p in paragraphs)
    assert not any("文件夹" in p or "/" in p for p in paragraphs)


def test_a_reminder_run_at_night_says_the_day_and_the_channel(workspace: Path, drop: Dropper) -> None:
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 0}, submission_channel=CHANNEL + "。")
    drop("C01", [row("C01", "T3", 150)], name="进展.xlsx", when=ON_TIME)  # returned; B01 sends nothing
    night = datetime(2026, 11, 4, 1, 31, tzinfo=CST)
    result = remind(workspace, "monthly", "2026-10", today=night)
    doc = docx.Document(str(result.paths[0]))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "截至2026年11月4日，应报送单位" in text
    clocks = [(int(h), int(m)) for h, m in CLOCK.findall(text)]
    assert clocks and all((8, 0) <= c <= (20, 0) for c in clocks), clocks  # 17:00 deadline, 10:00 received
    assert "/" not in text and "intake" not in text and "receipts" not in text and "文件夹" not in text
    assert "单位代码" not in text and "B01" not in text and "C01" not in text
    assert f"前报送月度进展报送表（.xlsx或.csv格式）。{CHANNEL}。\n" in text  # one 。, not two
    assert _foreign_words(text, ["进展.xlsx"]) == set()
    # reminder.json keeps its keys for programs
    data = json.loads(result.paths[1].read_text(encoding="utf-8"))
    assert data["drop_folder"] == "intake/monthly/2026-10/<单位代码>/"


def test_as_of_prints_a_clock_only_in_office_hours() -> None:
    def at(hour: int, minute: int) -> str:
        return format_as_of(datetime(2026, 11, 2, hour, minute, tzinfo=CST))

    assert at(1, 31) == "2026年11月2日"
    assert at(7, 59) == "2026年11月2日"
    assert at(8, 0) == "2026年11月2日08:00"
    assert at(9, 0) == "2026年11月2日09:00"
    assert at(20, 0) == "2026年11月2日20:00"
    assert at(20, 1) == "2026年11月2日"
    assert at(23, 59) == "2026年11月2日"
