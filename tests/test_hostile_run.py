"""Every hostile file of issue 5 dropped at once among good ones, through the whole deadline run: the run
ends within a bound, the other units' outcomes are unchanged, each hostile file has exactly one receipt in
Chinese, and every original is unchanged and archived."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import openpyxl

from docgen.pipeline import run_cycle
from docgen.resources import set_drop_time

from .builders.registry import write_campaign
from .conftest import ON_TIME, Dropper, row
from .test_hostile_files import (
    HEADER_ROW,
    MAIN_NS,
    REL_NS,
    crafted_xlsx,
    good_rows,
    honest,
    package,
    raw_zip,
    repeated_deflate,
    rows_xml,
    shared_strings_sheet,
)

A01 = Path("intake/monthly/2026-10/A01")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hostile_files(folder: Path) -> dict[str, bool]:
    """Write the hostile files into ``folder``; return each file name with whether it should be accepted."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, bool] = {}

    far = folder / "远角.xlsx"  # a cell at XFD1048576: aborted the whole process
    book = openpyxl.Workbook()
    book.active.append(["单位代码", "任务编号"])
    book.active["XFD1048576"] = "x"
    book.save(far)
    expected[far.name] = False

    sheet, sst = shared_strings_sheet([HEADER_ROW, *good_rows(2, 200_000)], refs=True)  # 33 s and 870 MB
    sst_rel = f'<Relationship Id="rId9" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    raw_zip(folder / "二十万行.xlsx", [*package([("报送表", "visible")], sst_rel), honest("xl/sharedStrings.xml", sst),
                                       honest("xl/worksheets/sheet1.xml", sheet)])
    expected["二十万行.xlsx"] = False

    head = f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>'.encode()  # 1 GB declared as 1 KB
    bomb = repeated_deflate(head, b"a" * 2**20, 1024, b"</t></si></sst>")
    crafted_xlsx(folder / "炸弹.xlsx", rows_xml([HEADER_ROW, *good_rows(2, 1)]), extra_rels=sst_rel,
                 extra=[("xl/sharedStrings.xml", bomb, 1024, 0)])
    expected["炸弹.xlsx"] = False

    (folder / "超大.csv").write_bytes(("单位代码,任务编号\n" + "A01,T1\n" * 1_600_000).encode())  # over 10 MB
    expected["超大.csv"] = False
    long_cell = "单位代码,任务编号,本月进展\nA01,T1," + "长" * 200_000 + "\n"
    (folder / "长单元格.csv").write_text(long_cell, encoding="utf-8")
    expected["长单元格.csv"] = False

    formulas = folder / "公式.xlsx"  # live formulas, links and merged header cells in the annotated copy
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026年10月月度进展报送表"])
    sheet.merge_cells("A1:K1")
    from .builders.monthly import PROGRESS_HEADERS

    sheet.append(PROGRESS_HEADERS)
    sheet.append(row("A01", "T1", 150, 本月进展='=HYPERLINK("http://x.example/","点击")'))
    sheet.append(row("A01", "T2", 50, 本月进展="=cmd|' /C calc'!A0"))
    sheet["H3"].hyperlink = "http://evil.example/"
    book.save(formulas)
    expected[formulas.name] = False

    long_name = "青禾市创建全国民族团结进步示范市" * 5 + "进展.xlsx"  # the receipt's name was too long
    assert 240 < len(long_name.encode()) <= 255
    book = openpyxl.Workbook()
    book.active.append(PROGRESS_HEADERS)
    book.active.append(row("A01", "T1", 40))
    book.save(folder / long_name)
    expected[long_name] = True
    for name in ("进展 表.xlsx", "进展_表.xlsx"):  # their receipts overwrote each other
        book.save(folder / name)
        expected[name] = True
    for path in folder.iterdir():
        set_drop_time(path, ON_TIME)
    return expected


def test_every_hostile_file_at_once_costs_only_itself(workspace: Path, drop: Dropper) -> None:
    write_campaign(workspace, intake={"settle_seconds": 0})  # the default limits: 10 MB a file
    drop("B01", [row("B01", "T1", 60), row("B01", "T2", 40)])
    drop("C01", [row("C01", "T3", 30)])
    expected = _hostile_files(workspace / A01)
    originals = {p.name: _sha(p) for p in (workspace / A01).iterdir()}

    start = time.monotonic()
    run = run_cycle(workspace, "monthly", "2026-10")
    assert time.monotonic() - start < 120

    states = {u.code: u.state for u in run.report.units}
    assert states == {"A01": "on_time", "B01": "on_time", "C01": "on_time"}
    folder = workspace / "receipts/monthly/2026-10"
    for unit in ("B01", "C01"):
        (one,) = [json.loads(p.read_text(encoding="utf-8")) for p in (folder / unit).glob("*.回执.json")]
        assert one["accepted"] is True
    receipts = [json.loads(p.read_text(encoding="utf-8")) for p in (folder / "A01").glob("*.回执.json")]
    assert sorted(r["file"] for r in receipts) == sorted(expected)  # exactly one set each
    assert len(list((folder / "A01").glob("*.回执.docx"))) == len(expected)
    fragments = {"远角.xlsx": "XFD1048576", "二十万行.xlsx": "A5021", "炸弹.xlsx": "压缩炸弹",
                 "超大.csv": "超过上限", "长单元格.csv": "32,767", "公式.xlsx": "0 到 100"}
    for receipt in receipts:
        assert receipt["accepted"] is expected[receipt["file"]], receipt["file"]
        if receipt["file"] in fragments:
            text = " ".join(e["message"] for e in receipt["errors"])
            assert fragments[receipt["file"]] in text, (receipt["file"], text)
        if not receipt["accepted"]:
            message = receipt["errors"][0]["message"]
            assert CJK.search(message) and "系统处理该文件时出错" not in message, (receipt["file"], message)
    archived = {p.name.split(".")[0] for p in (workspace / "archive").rglob("*") if p.is_file()}
    for name, digest in originals.items():
        assert _sha(workspace / A01 / name) == digest  # unchanged
        assert digest in archived, name  # and kept
    for annotated in (folder / "A01").glob("*.标注.xlsx"):
        import zipfile

        with zipfile.ZipFile(annotated) as z:
            xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml") or n.endswith(".rels"))
        assert b"<f>" not in xml and b"<f " not in xml and b"hyperlink" not in xml.lower()
