"""The benchmark's programs work and do the real job, at 20 units (not a timing test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from .builders.registry import REGISTRY_FILES
from .builders.workspaces import build_bench_workspace
from .test_intake import docx_text

REPO = Path(__file__).resolve().parents[1]
N = 20


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("DOCGEN_DB_URL", None)
    return env


def test_baseline_answers_every_file_and_issues_the_notice(tmp_path: Path) -> None:
    ws = build_bench_workspace(tmp_path / "ws", n_units=N)
    states = json.loads((ws / "expected.json").read_text(encoding="utf-8"))["unit_states"]
    names = {row[0]: row[1] for row in openpyxl.load_workbook(ws / "registry" / REGISTRY_FILES["units"])
             .active.iter_rows(min_row=3, values_only=True)}
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "baseline_docxtpl.py"), str(ws), str(out), "--period", "2026-10"],
        capture_output=True, text=True, env=_env(), timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    dropped = [code for code, state in states.items() if state != "missing"]
    rejected = [code for code, state in states.items() if state == "rejected"]
    assert result["files"] == len(dropped) and result["rejected"] == len(rejected) >= 1
    assert result["engine"] == "calamine" and result["processes"] == 2

    for code in dropped:
        [receipt] = (out / "receipts" / code).glob("*.回执.docx")
        text = docx_text(receipt)
        assert names[code] in text and f"{code}_2026年10月进展.xlsx" in text
        [answer] = (out / "receipts" / code).glob("*.回执.json")
        data = json.loads(answer.read_text(encoding="utf-8"))
        assert data["accepted"] == (code not in rejected)
        if code in rejected:
            assert "退回" in text
            assert {(e["column"], e["value"]) for e in data["errors"]} >= {("完成进度(%)", "120"),
                                                                            ("本月开展活动(场次)", "若干")}
            assert "完成进度(%)（D" in text and "若干" in text
        else:
            assert "接收" in text and data["errors"] == []
    assert not any((out / "receipts" / code).exists() for code, s in states.items() if s == "missing")

    [notice] = (out / "notice").glob("*月通报.docx")
    text = docx_text(notice)
    summary = json.loads((out / "notice" / "summary.json").read_text(encoding="utf-8"))
    assert "2026年10月" in text and "领导小组办公室" in text
    for code in summary["expected_units"]:
        assert names[code] in text  # 附件1 lists every expected unit
    assert set(summary["missing_units"]) == {c for c, s in states.items() if s == "missing"}
    assert set(summary["rejected_units"]) == set(rejected)
    assert set(summary["late_units"]) == {c for c, s in states.items() if s == "late"}
    assert not any(ws.rglob("*.回执.*")) and not (ws / ".docgen").exists()  # the workspace is only read


def test_harness_compares_docgen_baseline_and_floor(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "compare.py"), "--units", str(N), "--repeat", "1",
         "--keep", str(tmp_path / "runs"), "--json", str(out), "--sample-interval", "0.05"],
        capture_output=True, text=True, env=_env(), timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    [result] = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert result["units"] == N and result["files"] == len(list((tmp_path / "runs" / f"n{N}" / "source")
                                                               .glob("intake/monthly/2026-10/*/*.xlsx")))
    assert result["same_numbers"] and result["rerun_same_summary"], done.stderr[-3000:]  # they agree
    [run] = result["runs"]
    assert run["docgen"]["report"]["new_files"] == result["files"]
    assert run["docgen_rerun"]["report"]["new_files"] == 0
    assert run["baseline"]["report"]["files"] == run["floor"]["report"]["files"] == result["files"]
    for program in ("docgen", "docgen_rerun", "baseline", "floor"):
        assert run[program]["wall_s"] > 0 and run[program]["max_process_rss_mb"] > 10
    mem = result["memory_mb"]["docgen"]
    assert 0 < mem["tree_uss_mb"] <= mem["tree_mb"] <= mem["tree_rss_mb"]
    assert result["ratio_baseline_over_docgen"] == round(result["baseline_s"] / result["docgen_first_run_s"], 2)
    assert "| N units |" in done.stdout and f"| {N} |" in done.stdout
    floor_zips = list((tmp_path / "runs" / f"n{N}" / "run1" / "floor-out").glob("*/*.docx"))
    assert len(floor_zips) == result["files"]
