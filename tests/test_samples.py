"""The sample writers produce what readers expect: header positions, encodings, number formats, mtimes."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml

from docgen import run_cycle
from docgen.config import Campaign
from docgen.models import Task, Unit
from docgen.resources import build_demo_workspace, set_drop_time

from .builders.monthly import PROGRESS_HEADERS, PROGRESS_INSTRUCTIONS, progress_rows
from .builders.registry import (
    REGISTRY_FILES,
    REGISTRY_HEADERS,
    sample_indicators,
    write_campaign,
    write_registry,
)
from .builders.tables import to_fullwidth, write_table
from .builders.workspaces import DEMO_DIR, DEMO_EMPTY_FOLDERS, build_bench_workspace

REPO = Path(__file__).resolve().parents[1]
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
    assert campaign.deadlines["monthly"]["day"] == 7
    assert campaign.deadlines["quarterly"]["day"] == 10  # deep merge keeps the rest
    assert len(campaign.section("monthly")["requirements"]) == 3


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


# What the notice's 附件 tables call each state: the words a secretariat reads, written out here.
UNIT_LABELS = {"on_time": "按时报送", "late": "逾期报送", "rejected": "报送未通过", "missing": "未报送"}
TASK_LABELS = {"completed": "已完成", "on_track": "正常推进", "lagging": "进度滞后", "overdue": "逾期未完成",
               "unreported": "未报进度"}


def _demo_expected() -> dict:
    return yaml.safe_load((REPO / "examples" / "demo" / "expected.yaml").read_text(encoding="utf-8"))


def _status_column(notice: Path, key_header: str) -> dict[str, str]:
    """The 状态 column of the notice table whose header has ``key_header``, by that column's value."""
    for table in docx.Document(str(notice)).tables:
        header = [c.text for c in table.rows[0].cells]
        if key_header in header:
            key, status = header.index(key_header), next(i for i, h in enumerate(header) if h.endswith("状态"))
            return {r.cells[key].text: r.cells[status].text for r in table.rows[1:]}
    raise AssertionError(f"通报中没有含“{key_header}”列的表格")


def test_demo_run_finds_every_field_of_expected_yaml(tmp_path: Path) -> None:
    """Each field of examples/demo/expected.yaml against what a run of the demo writes."""
    expected = _demo_expected()
    ws = build_demo_workspace(tmp_path / "demo")
    run_cycle(ws, "monthly", expected["period"])
    outbox = ws / "outbox" / "monthly" / expected["period"]
    summary = json.loads((outbox / "summary.json").read_text(encoding="utf-8"))
    (notice,) = outbox.glob("*月通报*.docx")

    assert summary["period"] == expected["period"]

    states = {code: state for state in UNIT_LABELS for code in summary[f"{state}_units"]}
    assert states == expected["unit_states"]
    assert sorted(summary["expected_units"]) == sorted(expected["unit_states"])
    assert _status_column(notice, "单位代码") == {c: UNIT_LABELS[s] for c, s in expected["unit_states"].items()}

    assert sorted(summary["considered_tasks"]) == sorted(expected["task_states"])
    for state in ("lagging", "overdue", "unreported"):
        assert sorted(summary[f"{state}_tasks"]) == sorted(
            t for t, s in expected["task_states"].items() if s == state
        ), state
    # completed and on_track are not in summary.json; 附件2 of the notice names every task's state
    assert _status_column(notice, "任务编号") == {t: TASK_LABELS[s] for t, s in expected["task_states"].items()}
    assert expected["not_considered_tasks"]
    assert not set(expected["not_considered_tasks"]) & set(summary["considered_tasks"])

    deadline = datetime.fromisoformat(expected["deadline"])
    receipts = [json.loads(p.read_text(encoding="utf-8")) for p in (ws / "receipts/monthly").rglob("*.回执.json")]
    drops = yaml.safe_load((REPO / "examples/demo/drop_times.yaml").read_text("utf-8"))
    assert len(receipts) == len([d for d in drops if d.startswith("intake/monthly/")])
    assert {datetime.fromisoformat(r["deadline"]) for r in receipts} == {deadline}

    totals, want = summary["totals"], expected["totals_accepted"]
    assert (totals["activities"], totals["participants"]) == (want["activities"], want["participants"])
    assert totals["funds_10k_yuan"] == pytest.approx(want["funds_10k_yuan"], abs=1e-9)


def test_demo_totals_without_the_late_files_are_the_on_time_totals(tmp_path: Path) -> None:
    """``totals_on_time_only``: take the late units' files away and the totals are the on-time units'."""
    expected = _demo_expected()
    late = sorted(code for code, state in expected["unit_states"].items() if state == "late")
    assert late
    ws = build_demo_workspace(tmp_path / "demo")
    for code in late:
        shutil.rmtree(ws / "intake" / "monthly" / expected["period"] / code)
    run_cycle(ws, "monthly", expected["period"])
    summary = json.loads((ws / "outbox" / "monthly" / expected["period"] / "summary.json").read_text("utf-8"))
    assert sorted(summary["late_units"]) == [] and set(late) <= set(summary["missing_units"])
    totals, want = summary["totals"], expected["totals_on_time_only"]
    assert (totals["activities"], totals["participants"]) == (want["activities"], want["participants"])
    assert totals["funds_10k_yuan"] == pytest.approx(want["funds_10k_yuan"], abs=1e-9)


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
