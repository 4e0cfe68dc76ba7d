"""``make demo``: run the demo campaign's October cycle through Airflow and say where the outputs are.

The workspace is a fresh copy of examples/demo (with the drop times applied), so the repository stays
clean; the Airflow metadata database is a throwaway SQLite file beside it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import yaml

from docgen.airflow_local import dags_test
from docgen.samples import build_demo_workspace

PERIOD = "2026-10"
HERE = Path(__file__).resolve().parent


def main(dest: str = "build/demo") -> int:
    root = Path(dest).resolve()
    shutil.rmtree(root, ignore_errors=True)
    ws = build_demo_workspace(root / "workspace")
    airflow_home = root / "airflow_home"  # throwaway: removed with the demo folder on the next run
    print(f"演示工作区：{ws}")
    print(f"Airflow（临时 AIRFLOW_HOME，SQLite 元数据库）：{airflow_home}")
    print(f"运行 airflow dags test monthly_notice -c '{{\"period\": \"{PERIOD}\"}}' …", flush=True)
    done = dags_test("monthly_notice", airflow_home, ws, {"period": PERIOD})
    (root / "airflow-run.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
        print(f"DAG 运行失败，完整日志：{root / 'airflow-run.log'}", file=sys.stderr)
        return 1
    outbox = ws / "outbox" / "monthly" / PERIOD
    summary = json.loads((outbox / "summary.json").read_text(encoding="utf-8"))
    notice = next(outbox.glob("*月通报*.docx"))
    differences = check_expected(summary)
    if differences:
        print("DAG 运行完成，但结果与 examples/demo/expected.yaml 不符：", *differences, sep="\n  ", file=sys.stderr)
        return 1
    print("\nDAG 运行成功，结果与 expected.yaml 一致。")
    print(f"  月通报：{notice}")
    print(f"  统计摘要：{outbox / 'summary.json'}")
    print(f"  回执：{ws / 'receipts' / 'monthly' / PERIOD}/<单位代码>/")
    print(f"  应报 {len(summary['expected_units'])} 个单位：按时 {len(summary['on_time_units'])}，"
          f"逾期 {summary['late_units']}，退回 {summary['rejected_units']}，未报 {summary['missing_units']}")
    print(f"  滞后任务 {summary['lagging_tasks']}，逾期任务 {summary['overdue_tasks']}，"
          f"未报进度 {summary['unreported_tasks']}")
    print(f"  Airflow 日志：{root / 'airflow-run.log'}")
    print("\n在 Airflow 界面中查看（见 README「Airflow 界面」）：")
    print(f"  DOCGEN_ROOT={ws} AIRFLOW_HOME={airflow_home} \\")
    print("  AIRFLOW__CORE__DAGS_FOLDER=$PWD/dags AIRFLOW__CORE__LOAD_EXAMPLES=False \\")
    print("  PATH=$PWD/.venv/bin:$PATH airflow standalone")
    return 0


def check_expected(summary: dict) -> list[str]:
    """What in ``summary.json`` differs from expected.yaml (unit and task states, totals); empty if nothing."""
    expected = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
    found = {
        "period": summary["period"],
        "unit_states": {c: s for s in ("on_time", "late", "rejected", "missing") for c in summary[f"{s}_units"]},
        "considered_tasks": sorted(summary["considered_tasks"]),
        **{f"{s}_tasks": sorted(summary[f"{s}_tasks"]) for s in ("lagging", "overdue", "unreported")},
        "totals": summary["totals"],
    }
    want = {
        "period": expected["period"],
        "unit_states": expected["unit_states"],
        "considered_tasks": sorted(expected["task_states"]),
        **{f"{s}_tasks": sorted(t for t, v in expected["task_states"].items() if v == s)
           for s in ("lagging", "overdue", "unreported")},
        "totals": expected["totals_accepted"],
    }
    return [f"{key}：应为 {want[key]}，实为 {found[key]}" for key in want if found[key] != want[key]]


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
