"""The sample writers produce what readers expect: header positions, encodings, number formats, mtimes."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
import yaml

from docgen.config import Campaign
from docgen.models import Task, Unit
from docgen.samples import (
    DEMO_DIR,
    DEMO_EMPTY_FOLDERS,
    PROGRESS_HEADERS,
    PROGRESS_INSTRUCTIONS,
    REGISTRY_FILES,
    REGISTRY_HEADERS,
    build_bench_workspace,
    build_demo_workspace,
    progress_rows,
    sample_indicators,
    set_drop_time,
    to_fullwidth,
    write_campaign,
    write_registry,
    write_table,
)

CST = timezone(timedelta(hours=8))
UNITS = [Unit("A01", "甲街道", "乡镇街道"), Unit("B01", "乙局", "部门"), Unit("C01", "丙社区", "社区")]
TASKS = [
    Task("T1", "开展宣传月活动", "宣传教育工程", "A01", ("B01",), date(2026, 1, 1), date(2026, 12, 31)),
    Task("T2", "示范社区创建", "创建“七进”工程", "B01", ("C01", "A01"), date(2026, 3, 1), date(2026, 11, 30)),
    Task("T3", "非遗展演", "民族文化传承工程", "C01", (), date(2026, 5, 1), date(2026, 10, 15)),
]


def test_xlsx_title_instructions_blank_rows_extra_column_and_percent(tmp_path: Path) -> None:
    rows = [["A01", "T1", "进展", 0.85, 3, 100, 1.5, "", "", "张三", "13912345678"]]
    path = write_table(
        tmp_path / "a.xlsx",
        PROGRESS_HEADERS,
        rows,
        title="甲街道2026年10月进展报送表",
        instructions=PROGRESS_INSTRUCTIONS,
        trailing_blank_rows=4,
        extra_columns={"备注": ["2026年10月5日已核查"]},
        percent_columns={"完成进度(%)"},
    )
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "甲街道2026年10月进展报送表"
    assert "A1:L1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == [*PROGRESS_HEADERS, "备注"]
    assert str(ws["A3"].value).startswith("填表说明：")
    assert ws["D4"].value == 0.85 and ws["D4"].number_format == "0%"
    assert ws["L4"].value == "2026年10月5日已核查"
    assert ws.max_row == 8  # the blank rows count in the sheet's dimension, as Excel's formatted ones do
    assert all(c.value is None for row in ws.iter_rows(min_row=5) for c in row)


def test_xlsx_plain_header_on_first_row(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(
        write_table(tmp_path / "p.xlsx", ["甲", "乙"], [[1, date(2026, 10, 5)]])
    ).active
    assert [c.value for c in ws[1]] == ["甲", "乙"]
    assert ws["B2"].value == datetime(2026, 10, 5) and ws["B2"].number_format == "yyyy-mm-dd"


def test_xlsx_is_byte_identical_when_rewritten(tmp_path: Path) -> None:
    a = write_table(tmp_path / "a.xlsx", ["甲"], [[1]], title="标题")
    first = a.read_bytes()
    assert write_table(a, ["甲"], [[1]], title="标题").read_bytes() == first


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_and_header_row(tmp_path: Path, encoding: str) -> None:
    path = write_table(
        tmp_path / "a.csv",
        ["单位代码", "完成进度(%)"],
        [["A01", 0.85]],
        title="标题行",
        trailing_blank_rows=2,
        encoding=encoding,
        percent_columns={"完成进度(%)"},
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if encoding in ("gb18030", "gbk"):
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    with path.open(encoding=encoding, newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0][0].lstrip("\ufeff") == "标题行"
    assert lines[1] == ["单位代码", "完成进度(%)"]
    assert lines[2] == ["A01", "85%"]
    assert lines[3:] == [["", ""], ["", ""]]


def test_unsupported_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_table(tmp_path / "a.xls", ["甲"], [])


def test_fullwidth() -> None:
    assert to_fullwidth(85) == "８５"
    assert to_fullwidth("1,234.5%") == "１，２３４．５％"


def test_registry_and_campaign_round_trip(tmp_path: Path) -> None:
    write_registry(tmp_path, UNITS, TASKS, sample_indicators(), messy=True)
    for kind, name in REGISTRY_FILES.items():
        ws = openpyxl.load_workbook(tmp_path / "registry" / name).active
        assert [c.value for c in ws[2]] == REGISTRY_HEADERS[kind]
    ws = openpyxl.load_workbook(tmp_path / "registry" / REGISTRY_FILES["tasks"]).active
    assert ws["E4"].value == "C01,A01"  # messy separators rotate
    assert ws["H4"].value == "2026/3/1"
    assert sum(x.points for x in sample_indicators()) == 100

    path = write_campaign(tmp_path, name="测试活动", deadlines={"monthly": {"day": 7}})
    campaign = Campaign.load(path)
    assert campaign.name == "测试活动"
    assert campaign.doc_number_prefix == "创建办〔2026〕"
    assert campaign.deadlines["monthly"].day == 7
    assert campaign.deadlines["quarterly"].day == 10  # deep merge keeps the rest
    assert len(campaign.monthly_requirements) == 3


def test_progress_rows_cover_involved_tasks_deterministically() -> None:
    rows = progress_rows("A01", TASKS, progress={"T1": 55}, seed=3)
    assert [r[1] for r in rows] == ["T1", "T2"]
    assert rows == progress_rows("A01", TASKS, progress={"T1": 55}, seed=3)
    assert rows != progress_rows("A01", TASKS, progress={"T1": 55}, seed=4)
    assert rows[0][3] == 55
    for r in rows:
        assert len(r) == len(PROGRESS_HEADERS)
        assert r[0] == "A01" and 0 < len(str(r[2])) <= 500
        assert 0 <= float(r[3]) <= 100  # type: ignore[arg-type]
        assert isinstance(r[4], int) and isinstance(r[5], int) and r[4] >= 0 and r[5] >= 0
        assert round(float(r[6]), 2) == r[6]  # type: ignore[arg-type]
    on_track = progress_rows("C01", TASKS, as_of=date(2026, 10, 31))
    assert all(float(r[3]) <= 100 for r in on_track)  # type: ignore[arg-type]


def test_set_drop_time_needs_aware_datetime(tmp_path: Path) -> None:
    f = tmp_path / "x.xlsx"
    f.write_bytes(b"")
    when = datetime(2026, 11, 5, 16, 59, tzinfo=CST)
    set_drop_time(f, when)
    assert f.stat().st_mtime == when.timestamp()
    with pytest.raises(ValueError):
        set_drop_time(f, datetime(2026, 11, 5, 16, 59))


def test_demo_workspace_applies_manifest(tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "demo")
    manifest = yaml.safe_load((DEMO_DIR / "drop_times.yaml").read_text(encoding="utf-8"))
    assert len(manifest) >= 15
    for rel, when in manifest.items():
        moment = when if isinstance(when, datetime) else datetime.fromisoformat(when)
        assert (ws / rel).stat().st_mtime == moment.timestamp(), rel
    for skipped in ("drop_times.yaml", "generate.py", "expected.yaml"):
        assert not (ws / skipped).exists()
    for rel in DEMO_EMPTY_FOLDERS:
        assert (ws / rel).is_dir() and not any((ws / rel).iterdir())
    assert Campaign.load(ws / "campaign.yaml").secretariat.endswith("领导小组办公室")

    expected = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))
    deadline = datetime.fromisoformat(expected["deadline"]).timestamp()
    intake = ws / "intake" / "monthly" / "2026-10"
    for code, state in expected["unit_states"].items():
        files = sorted((intake / code).glob("*")) if (intake / code).is_dir() else []
        if state == "missing":
            assert not files, code
        elif state == "late":
            assert files and min(f.stat().st_mtime for f in files) > deadline, code
        else:
            assert files and max(f.stat().st_mtime for f in files) <= deadline, code


def test_bench_workspace_small(tmp_path: Path) -> None:
    ws = build_bench_workspace(tmp_path / "bench", n_units=40, tasks_per_unit=4, seed=7)
    expected = json.loads((ws / "expected.json").read_text(encoding="utf-8"))
    states = expected["unit_states"]
    assert len(states) == 40 and set(states.values()) == {"on_time", "late", "rejected", "missing"}
    deadline = datetime.fromisoformat(expected["deadline"]).timestamp()
    intake = ws / "intake" / "monthly" / "2026-10"
    for code, state in states.items():
        files = list((intake / code).glob("*.xlsx")) if (intake / code).is_dir() else []
        assert len(files) == (0 if state == "missing" else 1), code
        if files:
            assert (files[0].stat().st_mtime > deadline) == (state == "late"), code
    tasks = openpyxl.load_workbook(ws / "registry" / REGISTRY_FILES["tasks"]).active
    assert tasks.max_row - 2 == expected["tasks"] > 0
    Campaign.load(ws / "campaign.yaml")
