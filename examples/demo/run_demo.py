"""``make demo``: run the demo's October, two quarters, the year 2025, two weeks of 调度 and one 专项督查 through
Airflow; say where the outputs are.

The workspace is a fresh copy of examples/demo (with the drop times applied), so the repository stays
clean; the Airflow metadata database is a throwaway SQLite file beside it. Each cycle's draft waits for
the secretariat's review (审核): the demo starts Airflow's API server and approves every draft itself
through the REST API, as a secretariat would on the Required Actions page, and says so.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import yaml

from docgen.airflow_local import USER, ApiServer, api_server, run_reviewed
from docgen.approval import APPROVE
from docgen.resources import build_demo_workspace

PERIOD = "2026-10"
QUARTERS = ("2026-Q2", "2026-Q3")
YEAR = "2025"
NEXT_PERIOD = "2026-11"  # the month after the demo's: its forms and its reminder
WEEKS = ("2026-W48", "2026-W49")  # the weekly 调度 cycle
INSPECTIONS = ("2026-ZX01",)  # the demo's 专项督查
HERE = Path(__file__).resolve().parent


def run_dag(dag_id: str, period: str, ws: Path, airflow_home: Path, log: Path, api: ApiServer) -> bool:
    """One ``airflow dags test`` run whose draft the demo approves through the REST API; its log goes to
    ``log``; False (with the tail printed) when it failed."""
    print(f"运行 airflow dags test {dag_id} -c '{{\"period\": \"{period}\"}}' …", flush=True)
    code, text, action = run_reviewed(dag_id, airflow_home, ws, api, {"period": period}, option=APPROVE,
                                      comment="演示：自动签发", log=log)
    if action is not None:
        print(f"  演示自动审核：以 {USER} 身份通过 REST API 签发「{action['subject']}」"
              "（实际使用时由秘书处在 Airflow 的 Required Actions 页面审核）", flush=True)
    if code != 0:
        print(text[-8000:], file=sys.stderr)
        print(f"DAG 运行失败，完整日志：{log}", file=sys.stderr)
    return code == 0


def main(dest: str = "build/demo") -> int:
    root = Path(dest).resolve()
    shutil.rmtree(root, ignore_errors=True)
    ws = build_demo_workspace(root / "workspace")
    airflow_home = root / "airflow_home"  # throwaway: removed with the demo folder on the next run
    print(f"演示工作区：{ws}")
    print(f"Airflow（临时 AIRFLOW_HOME，SQLite 元数据库）：{airflow_home}")
    print("启动 Airflow API 服务（用于审核草稿）…", flush=True)
    with api_server(airflow_home, ws) as api:
        runs = [("monthly_notice", PERIOD, "airflow-run.log")] + [
            ("quarterly_inspection", q, f"airflow-run-{q}.log") for q in QUARTERS] + [
            ("annual_acceptance", YEAR, f"airflow-run-{YEAR}.log")]
        runs += [("weekly_dispatch", w, f"airflow-run-{w}.log") for w in WEEKS]
        runs += [("special_inspection", k, f"airflow-run-{k}.log") for k in INSPECTIONS]
        for dag_id, period, log in runs:
            if not run_dag(dag_id, period, ws, airflow_home, root / log, api):
                return 1
    from docgen.issue_forms import issue_forms  # noqa: PLC0415
    from docgen.reminders import remind  # noqa: PLC0415

    forms = issue_forms(ws, "monthly", NEXT_PERIOD)  # what the forms DAG does on 1 December
    reminder = remind(ws, "monthly", NEXT_PERIOD)  # what the reminders DAG does 3 and 1 days before 5 December
    outbox = ws / "outbox" / "monthly" / PERIOD
    summary = json.loads((outbox / "summary.json").read_text(encoding="utf-8"))
    notice = next(outbox.glob("*月通报*.docx"))
    differences = check_expected(summary) + [d for q in QUARTERS for d in summary_differences(ws, "quarterly", q, QUARTER_KEYS)]
    differences += summary_differences(ws, "annual", YEAR, YEAR_KEYS)
    differences += [d for w in WEEKS for d in summary_differences(ws, "weekly", w)]
    differences += [d for k in INSPECTIONS for d in check_inspection(ws, k)]
    if differences:
        print("DAG 运行完成，但结果与 examples/demo/expected.yaml 不符：", *differences, sep="\n  ", file=sys.stderr)
        return 1
    print("\nDAG 运行成功，结果与 expected.yaml 一致。")
    print(f"\n月度（{PERIOD}）")
    print(f"  月通报：{notice}")
    print(f"  统计摘要：{outbox / 'summary.json'}")
    print(f"  回执：{ws / 'receipts' / 'monthly' / PERIOD}/<单位代码>/")
    print(f"  应报 {len(summary['expected_units'])} 个单位：按时 {len(summary['on_time_units'])}，"
          f"逾期 {summary['late_units']}，退回 {summary['rejected_units']}，未报 {summary['missing_units']}")
    print(f"  滞后任务 {summary['lagging_tasks']}，逾期任务 {summary['overdue_tasks']}，"
          f"未报进度 {summary['unreported_tasks']}")
    for quarter in QUARTERS:
        q_out = ws / "outbox" / "quarterly" / quarter
        q = json.loads((q_out / "summary.json").read_text(encoding="utf-8"))
        print(f"\n季度督查（{quarter}）")
        print(f"  督查通报：{next(q_out.glob('*督查通报*.docx'))}")
        print(f"  整改通知书 {len(list(q_out.glob('整改通知书_*.docx')))} 份：{q_out}/整改通知书_*.docx")
        print(f"  整改台账：{q_out / '整改台账.xlsx'}")
        print(f"  回执：{ws / 'receipts' / 'quarterly' / quarter}/（_inspection/、_recheck/、<单位代码>/）")
        print(f"  本季度挂号 {len(q['filed'])} 个，销号 {len(q['closed'])} 个；报送期限时未销号 "
              f"{len(q['open']) + len(q['rectifying']) + len(q['awaiting_recheck'])} 个，逾期 {q['overdue']}")
        print(f"  应报整改情况 {len(q['expected_units'])} 个单位：按时 {len(q['on_time_units'])}，"
              f"逾期 {q['late_units']}，退回 {q['rejected_units']}，未报 {q['missing_units']}")
    y_out = ws / "outbox" / "annual" / YEAR
    y = json.loads((y_out / "summary.json").read_text(encoding="utf-8"))
    print(f"\n年度验收（{YEAR}）")
    print(f"  验收报告：{next(y_out.glob('*验收报告*.docx'))}")
    print(f"  验收评分汇总表：{y_out / '验收评分汇总表.xlsx'}")
    print(f"  年度工作汇编：{next(y_out.glob('*汇编*.docx'))}")
    pdfs = sorted(y_out.glob("*.pdf"))
    if pdfs:
        print("  PDF/A：" + "，".join(str(p) for p in pdfs))
    else:
        print(f"  PDF：未生成（{(y_out / '说明.txt').read_text(encoding='utf-8').splitlines()[0]}）")
    print(f"  应报 {len(y['expected_units'])} 个单位：已报 {len(y['submitted_units'])}，未报 {y['missing_units']}；"
          f"第一名 {y['ranking'][0]}（{y['scores'][y['ranking'][0]]} 分）")
    for week in WEEKS:
        w_out = ws / "outbox" / "weekly" / week
        w = json.loads((w_out / "summary.json").read_text(encoding="utf-8"))
        print(f"\n重点项目周调度（{week}）")
        print(f"  调度通报：{next(w_out.glob('*调度通报*.docx'))}")
        print(f"  节点 {w['milestones']} 个：已完成 {len(w['done'])}，本周完成 {w['finished']}，"
              f"滞后 {w['behind']}，需协调 {list(w['blocked'])}")
        print(f"  应报 {len(w['expected_units'])} 个单位：按时 {len(w['on_time_units'])}，"
              f"逾期 {w['late_units']}，退回 {w['rejected_units']}，未报 {w['missing_units']}")
    for key in INSPECTIONS:
        s_out = ws / "outbox" / "special" / key
        sp = json.loads((s_out / "summary.json").read_text(encoding="utf-8"))
        print(f"\n专项督查（{key} {sp['name']}）")
        print(f"  专项督查通报：{next(s_out.glob('*通报*.docx'))}")
        print(f"  整改通知书 {len(sp['rectification_numbers'])} 份：{s_out}/专项督查整改通知书_*.docx")
        print(f"  发现问题 {len(sp['filed'])} 个，报送期限时销号 {len(sp['closed'])} 个、未销号 {len(sp['not_closed'])} 个，"
              f"逾期 {sp['overdue']}；按时 {sp['on_time_units']}，逾期 {sp['late_units']}，未报 {sp['missing_units']}")
        print("  问题与季度督查记入同一本整改台账（来源一栏写明本次督查）")
    print(f"\n下一期（{NEXT_PERIOD}）")
    print(f"  报送模板 {len(forms)} 份：{ws / 'forms' / 'monthly' / NEXT_PERIOD}/（如 {forms[0].name}）")
    print(f"  催报：{reminder.message}")
    for path in reminder.paths:
        print(f"    {path}")
    print(f"\n  台账：PATH=$PWD/.venv/bin:$PATH docgen ledger --root {ws} --open")
    print(f"  审核记录：PATH=$PWD/.venv/bin:$PATH docgen status --root {ws} --period {PERIOD}"
          f"（草稿在 {outbox / 'drafts'}/，每稿旁有 审核意见.txt）")
    print(f"  Airflow 日志：{root}/airflow-run*.log")
    print("\n在 Airflow 界面中查看（见 README「Airflow 界面」）：")
    print(f"  DOCGEN_ROOT={ws} AIRFLOW_HOME={airflow_home} \\")
    print("  AIRFLOW__CORE__DAGS_FOLDER=$PWD/dags AIRFLOW__CORE__LOAD_EXAMPLES=False \\")
    print("  PATH=$PWD/.venv/bin:$PATH airflow standalone")
    return 0


QUARTER_KEYS = ("filed", "closed", "awaiting_recheck", "rectifying", "open", "overdue", "units_with_open_items",
                "expected_units", "on_time_units", "late_units", "rejected_units", "missing_units")


YEAR_KEYS = ("expected_units", "submitted_units", "missing_units", "scores", "grades", "ranking", "unscored")


def summary_differences(ws: Path, cycle: str, period: str, keys: tuple[str, ...] | None = None) -> list[str]:
    """What in a period's ``summary.json`` differs from expected.yaml's section of ``cycle`` (its ``keys``,
    else every key the section gives)."""
    expected = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))[cycle][period]
    found = json.loads((ws / "outbox" / cycle / period / "summary.json").read_text(encoding="utf-8"))
    return [f"{period} {k}：应为 {expected[k]}，实为 {found[k]}" for k in keys or expected if found[k] != expected[k]]


def check_inspection(ws: Path, key: str) -> list[str]:
    """What in a 专项督查's ``summary.json`` differs from expected.yaml's ``special`` section, and whether the
    shared ledger lists its items with their source."""
    from docgen.pipeline import ledger_view  # noqa: PLC0415

    expected = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))["special"][key]
    found = json.loads((ws / "outbox" / "special" / key / "summary.json").read_text(encoding="utf-8"))
    differences = summary_differences(ws, "special", key, QUARTER_KEYS)
    sources = {row[0]: row[-1] for row in ledger_view(ws, "quarterly").rows}
    if any(sources.get(pid) != found["name"] for pid in expected["filed"]):
        differences.append(f"{key} 的问题在整改台账中的来源不是“{found['name']}”")
    return differences


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
