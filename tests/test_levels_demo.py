"""``make demo-levels`` end to end: a city and two counties through the DAGs at both levels (``airflow dags
test`` on a throwaway SQLite Airflow, every draft answered through the REST API, one returned with a
county's report), checked against ``examples/levels/expected.yaml`` by the demo itself; here its exit
code, and what the counties and the city hold afterwards, read from the files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import docx

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "levels" / "run_levels_demo.py"


def _load_demo():  # noqa: ANN202 - the demo script as a module
    spec = importlib.util.spec_from_file_location("run_levels_demo", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_levels_demo_runs_through_the_dags(tmp_path: Path) -> None:
    demo = _load_demo()
    assert demo.main(str(tmp_path / "demo")) == 0
    base = tmp_path / "demo" / "workspaces"
    city, shixia = base / "青禾市", base / "石峡县"
    # 石峡县 issued twice: its first report is an earlier version, its second went up as 第2次上报
    assert sorted(p.name.split("_")[-1] for p in (city / "intake" / "monthly" / "2026-10" / "XQ02").iterdir()) == [
        "第1次上报.xlsx", "第2次上报.xlsx"]
    returned = [json.loads(p.read_text(encoding="utf-8"))
                for p in (shixia / "parent" / "receipts" / "monthly" / "2026-10").glob("*.json")]
    assert any(not r["accepted"] and demo.RETURN_COMMENT in json.dumps(r, ensure_ascii=False) for r in returned)
    # the city's notice names 石峡县's own lagging task and missing unit (levels.drill)
    notice = next((city / "outbox" / "monthly" / "2026-10").glob("*月通报*.docx"))
    text = "\n".join(p.text for p in docx.Document(str(notice)).paragraphs)
    assert "石峡县创建办：" in text and "石峡县文旅局未报送" in text
