"""Intake: every bad input gets a receipt in Chinese naming the file and the problem, the other units'
files are still processed, and no original is ever modified or lost."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import openpyxl

from docgen import intake
from docgen.resources import set_drop_time
from docgen.workspace import Workspace

from .builders.monthly import PROGRESS_HEADERS
from .builders.registry import write_campaign
from .builders.tables import write_table
from .conftest import ON_TIME, Dropper, row

PERIOD_DIR = Path("intake/monthly/2026-10")


def receipts_of(root: Path, unit: str) -> dict[str, dict]:
    """The JSON receipts of a unit, by dropped file name."""
    folder = root / "receipts" / "monthly" / "2026-10" / unit
    return {
        (r := json.loads(p.read_text(encoding="utf-8")))["file"]: r | {"_stem": p.name.removesuffix(".回执.json")}
        for p in folder.glob("*.回执.json")
    }


def docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _raw(root: Path, unit: str, name: str, data: bytes) -> Path:
    path = root / PERIOD_DIR / unit / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    set_drop_time(path, ON_TIME)
    return path


def test_every_bad_input_gets_a_receipt_and_loses_nothing(workspace: Path, drop: Dropper, tmp_path: Path) -> None:
    good = drop("C01")  # another unit's good file must still be accepted
    bad: dict[str, tuple[str, str]] = {}  # file name -> (unit, expected fragment of the message)

    def expect(path: Path, unit: str, fragment: str) -> None:
        bad[path.name] = (unit, fragment)

    expect(_raw(workspace, "A01", "空文件.xlsx", b""), "A01", "文件为空")
    expect(_raw(workspace, "A01", "损坏.xlsx", b"PK\x03\x04 this is not really a zip"), "A01", "已损坏")
    expect(_raw(workspace, "A01", "旧版.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100), "A01", "另存为")
    expect(_raw(workspace, "A01", "带宏.xlsm", b"PK\x03\x04"), "A01", "含宏")
    expect(_raw(workspace, "A01", "说明.pdf", b"%PDF-1.4"), "A01", "不支持的文件类型")
    expect(_raw(workspace, "A01", "超大.csv", b"a," * 600_000), "A01", "超过上限")
    bomb = workspace / PERIOD_DIR / "A01" / "炸弹.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/worksheets/sheet1.xml", "w") as f:
        for _ in range(110):
            f.write(b"\0" * 2**20)
    set_drop_time(bomb, ON_TIME)
    expect(bomb, "A01", "压缩炸弹")
    headers = [h for h in PROGRESS_HEADERS if h != "完成进度(%)"]
    no_col = write_table(workspace / PERIOD_DIR / "A01" / "缺列.xlsx", headers, [["A01", "T1", "x"]])
    set_drop_time(no_col, ON_TIME)
    expect(no_col, "A01", "缺少必填列“完成进度(%)”")
    expect(drop("A01", [row("A01", "T1", 150)], name="超范围.xlsx"), "A01", "应在 0 到 100 之间")
    expect(drop("A01", [row("A01", "T1", "八十")], name="文字.xlsx"), "A01", "不能填写文字")
    expect(drop("A01", [row("A01", "T1"), row("A01", "T1")], name="重复.xlsx"), "A01", "出现多次")
    expect(drop("A01", [row("A01", "T3")], name="无关任务.xlsx"), "A01", "不是该任务的牵头单位或配合单位")
    expect(drop("A01", [row("B01", "T1")], name="他单位.xlsx"), "A01", "本单位代码“A01”")
    # valid files of A01 and B01 outside the intake folder, reachable only through symlinks: if a link
    # were followed, their content would be archived and accepted
    target = write_table(tmp_path / "elsewhere" / "他处.xlsx", PROGRESS_HEADERS, [row("A01", "T1", 77)])
    link = workspace / PERIOD_DIR / "A01" / "链接.xlsx"
    os.symlink(target, link)
    expect(link, "A01", "符号链接")
    outside = tmp_path / "outside"
    write_table(outside / "x.xlsx", PROGRESS_HEADERS, [row("B01", "T1", 66)])
    os.symlink(outside, workspace / PERIOD_DIR / "B01")
    bad["B01"] = ("B01", "指向收件夹以外")
    expect(drop("Z99", [row("Z99", "T1")], name="未登记.xlsx"), "Z99", "不是成员单位名册中的单位代码")
    gbk = drop("A01", [row("A01", "T1", 60, 本月进展="举办“民族团结进步”宣讲")], name="国标编码.csv",
               encoding="gbk")
    escaped = drop("B01x", [row("A01", "T1")], name="x.xlsx")  # unknown folder name, handled like Z99
    expect(escaped, "B01x", "不是成员单位名册中的单位代码")

    originals = {p: sha(p) for p in (workspace / "intake").rglob("*") if p.is_file() and not p.is_symlink()}
    ws = Workspace(workspace)
    collected = intake.collect(ws, "monthly", "2026-10")
    receipts = intake.process(ws, "monthly", "2026-10")
    assert len(receipts) == len(collected.new) == len(bad) + 2  # + the good file and the GBK csv

    # originals untouched, and every readable one archived byte for byte
    for path, digest in originals.items():
        assert sha(path) == digest
    archived = {p.name.split(".")[0] for p in (workspace / "archive").rglob("*") if p.is_file()}
    for path, digest in originals.items():
        if path.parent.name != "outside":
            assert digest in archived, path.name
    behind_links = {sha(target), sha(outside / "x.xlsx")}
    assert len(behind_links | {sha(good)}) == 3  # distinct contents, so the checks below can tell
    assert not behind_links & archived
    answered = [json.loads(p.read_text(encoding="utf-8")) for p in (workspace / "receipts").rglob("*.回执.json")]
    assert not behind_links & {r["sha256"] for r in answered}

    c01 = receipts_of(workspace, "C01")
    assert c01[good.name]["accepted"] is True and c01[good.name]["errors"] == []
    a01 = receipts_of(workspace, "A01")
    assert a01[gbk.name]["accepted"] is True and a01[gbk.name]["rows"] == 1

    for name, (unit, fragment) in bad.items():
        if name == "B01":
            (receipt,) = receipts_of(workspace, "B01").values()
        else:
            receipt = receipts_of(workspace, unit)[name]
        assert receipt["accepted"] is False, name
        messages = " ".join(e["message"] for e in receipt["errors"])
        assert fragment in messages, (name, messages)
        assert {"file", "unit", "period", "received_at", "sha256", "accepted", "errors"} <= receipt.keys()
        folder = workspace / "receipts" / "monthly" / "2026-10" / unit
        text = docx_text(folder / f"{receipt['_stem']}.回执.docx")
        assert receipt["file"] in text and "退回" in text, name
        assert fragment.split("“")[0][:4] in text, name


def test_annotated_copy_marks_each_bad_cell(workspace: Path, drop: Dropper) -> None:
    path = drop("A01", [row("A01", "T1", 150), row("A01", "T9", 50, **{"参与人数(人次)": "很多"})],
                name="有错.xlsx", title="2026年10月进展")
    ws = Workspace(workspace)
    intake.collect(ws)
    (receipt,) = intake.process(ws)
    assert not receipt.accepted
    stem = receipts_of(workspace, "A01")[path.name]["_stem"]
    book = openpyxl.load_workbook(workspace / "receipts/monthly/2026-10/A01" / f"{stem}.标注.xlsx")
    assert book.sheetnames[0] == "问题清单"
    listing = [r for r in book["问题清单"].iter_rows(min_row=3, values_only=True)]
    assert {(r[1], r[2]) for r in listing} == {(3, "完成进度(%)"), (4, "任务编号"), (4, "参与人数(人次)")}
    sheet = book[book.sheetnames[1]]
    assert "0 到 100" in sheet["D3"].comment.text and sheet["D3"].fill.start_color.rgb.endswith("9999")
    assert "不在任务清单中" in sheet["B4"].comment.text
    assert "不能填写文字" in sheet["F4"].comment.text
    assert sheet["A3"].comment is None


def test_file_still_being_written_waits(tmp_path: Path, workspace: Path, drop: Dropper) -> None:
    write_campaign(workspace, intake={"settle_seconds": 60})
    path = drop("A01")
    now = datetime.now(UTC)
    set_drop_time(path, now)
    temp = workspace / PERIOD_DIR / "A01" / "~$月度进展报送表.xlsx"
    temp.write_bytes(b"lock")
    ws = Workspace(workspace)
    first = intake.collect(ws, now=now)
    assert first.new == []
    assert {p.path.split("/")[-1]: p.reason for p in first.pending}.keys() == {path.name, temp.name}
    assert all("写入" in p.reason or "临时文件" in p.reason for p in first.pending)
    # still growing at the next scan: still pending
    with path.open("ab") as f:
        f.write(b"")
    os.utime(path, (now.timestamp() + 30, now.timestamp() + 30))
    assert intake.collect(ws, now=now + timedelta(seconds=40)).new == []
    # quiet for a minute: read; received when last written (earlier than when this version was first seen)
    later = intake.collect(ws, now=now + timedelta(seconds=120))
    assert len(later.new) == 1
    (receipt,) = intake.process(ws)
    assert receipt.accepted and abs((receipt.received_at - now).total_seconds() - 30) < 1


def test_resubmission_and_rescan(workspace: Path, drop: Dropper) -> None:
    ws = Workspace(workspace)
    first = drop("A01", [row("A01", "T1", 150)])
    intake.collect(ws)
    assert [r.accepted for r in intake.process(ws)] == [False]
    # scanning again finds nothing new; nothing is processed twice
    again = intake.collect(ws)
    assert again.new == [] and again.already_seen == 1
    # the unit fixes the file in place: a new version, a new receipt, the old archive copy kept
    old_sha = sha(first)
    drop("A01", [row("A01", "T1", 50)], when=ON_TIME + timedelta(hours=2))
    changed = intake.collect(ws)  # it changed since the last scan: it may still be being copied
    assert changed.new == [] and "写入" in changed.pending[0].reason
    assert len(intake.collect(ws).new) == 1  # unchanged at the next scan
    assert [r.accepted for r in intake.process(ws)] == [True]
    assert len(receipts_of(workspace, "A01")) == 1  # same file name: receipts kept apart by time stamp
    assert len(list((workspace / "receipts/monthly/2026-10/A01").glob("*.回执.json"))) == 2
    assert any(p.name.startswith(old_sha) for p in (workspace / "archive").rglob("*"))
    assert sha(first) != old_sha  # the unit's new version is in place; the old one lives on in the archive
