"""The plain-script baseline: what a secretariat's programmer would write by hand for the monthly job.

    python bench/baseline_docxtpl.py WORKSPACE OUT --period 2026-10 [--processes 2] [--engine calamine]

For every ``intake/monthly/<period>/<unit>/*.xlsx`` of a bench workspace (``tests/builders``), on a
``multiprocessing.Pool`` of 2 processes: read the sheet with ``pandas.read_excel`` (engine ``calamine``:
pandas ≥ 2.2 offers it and it is the fast choice a user finds in pandas' docs; ``--engine openpyxl`` for
pandas' default), check it against the rules ``data_contracts/monthly_progress.yaml`` describes (required
columns, 单位代码 = the folder, 任务编号 in the task list, involving the unit and once per file, 本月进展
required ≤ 500 characters, 完成进度 0–100, whole numbers ≥ 0, 经费 ≥ 0 with two decimals, text lengths,
phone pattern), with one simple Chinese message per bad cell, and render a receipt with docxtpl from
``templates/receipt.docx`` (the same context keys as ``docgen.render.receipt.receipt_context``) plus a
JSON receipt. Then, in the main process, compute the month the simple way (the rules of the README, in
plain Python) and render the notice with docxtpl from ``templates/monthly_notice.docx``, using docgen's
``notice_context`` and progress chart so the document is the same size and shape as docgen's.

What it does NOT do, and docgen does: archive, state database, claiming, settling, header search, cell
parsing (full-width digits, 85%, percent formats, CSV encodings), limits, annotated copies, issuing
numbers and versions. Output goes to OUT only; the workspace is only read. The last line printed is a
JSON object with the phase times and counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from multiprocessing import Pool
from pathlib import Path
from zoneinfo import ZoneInfo

T0 = time.perf_counter()

import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from docxtpl import DocxTemplate  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
REQUIRED = ["单位代码", "任务编号", "本月进展", "完成进度(%)"]
INTEGERS = ["本月开展活动(场次)", "参与人数(人次)"]
TEXTS = {"本月进展": 500, "存在问题": 500, "下月计划": 500, "填报人": 50}
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
SAFE_NAME = re.compile(r"[^\w.\-（）()\u4e00-\u9fff]+")

# Set in each worker by init_worker.
TASKS: dict[str, dict] = {}
UNIT_NAMES: dict[str, str] = {}
SETTINGS: dict = {}


# ---------------------------------------------------------------- helpers


def fmt_dt(moment: datetime) -> str:
    local = moment.astimezone(TZ)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


def fmt_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def as_text(value) -> str:
    if blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_number(value) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().rstrip("%").replace(",", ""))
    except ValueError:
        return None


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------- one file (in a worker)


def init_worker(tasks: dict, unit_names: dict, settings: dict) -> None:
    TASKS.update(tasks)
    UNIT_NAMES.update(unit_names)
    SETTINGS.update(settings)


def check(df: pd.DataFrame, unit: str) -> tuple[list[dict], list[dict]]:
    """Every problem (row, column, value, message) and the good rows of one sheet."""
    problems: list[dict] = []
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        return [{"row": None, "column": None, "cell": None, "value": "",
                 "message": f"缺少必填列：{'、'.join(missing)}"}], []
    position = {c: i for i, c in enumerate(df.columns)}

    def bad(excel_row: int, column: str, value, message: str) -> None:
        problems.append({"row": excel_row, "column": column,
                         "cell": f"{column_letter(position[column])}{excel_row}",
                         "value": as_text(value), "message": message})

    seen: set[str] = set()
    rows: list[dict] = []
    for index, rec in zip(df.index, df.to_dict("records"), strict=True):
        excel_row = int(index) + 3  # title on row 1, header on row 2
        for column in REQUIRED:
            if blank(rec[column]):
                bad(excel_row, column, rec[column], "必填项，不能为空")
        code = as_text(rec["单位代码"])
        if code and code != unit:
            bad(excel_row, "单位代码", code, f"单位代码应为本单位的代码 {unit}")
        task_id = as_text(rec["任务编号"])
        if task_id:
            task = TASKS.get(task_id)
            if task is None:
                bad(excel_row, "任务编号", task_id, "任务清单中没有这个任务编号")
            elif unit != task["lead"] and unit not in task["coop"]:
                bad(excel_row, "任务编号", task_id, "这项任务不由本单位牵头或配合")
            if task_id in seen:
                bad(excel_row, "任务编号", task_id, "同一任务只能填写一行")
            seen.add(task_id)
        pct = None
        if not blank(rec["完成进度(%)"]):
            pct = as_number(rec["完成进度(%)"])
            if pct is None or not 0 <= pct <= 100:
                bad(excel_row, "完成进度(%)", rec["完成进度(%)"], "完成进度应为0到100之间的数字")
        counts = {}
        for column in INTEGERS:
            value = rec.get(column)
            if blank(value):
                continue
            number = as_number(value)
            if number is None or number < 0 or not number.is_integer():
                bad(excel_row, column, value, "应为大于或等于0的整数")
            else:
                counts[column] = int(number)
        funds = None
        if not blank(rec.get("投入经费(万元)")):
            funds = as_number(rec["投入经费(万元)"])
            if funds is None or funds < 0 or round(funds, 2) != funds:
                bad(excel_row, "投入经费(万元)", rec["投入经费(万元)"], "应为大于或等于0的数字，最多两位小数")
                funds = None
        for column, limit in TEXTS.items():
            if column in rec and len(as_text(rec[column])) > limit:
                bad(excel_row, column, rec[column], f"不能超过{limit}个字")
        phone = as_text(rec.get("联系电话"))
        if phone and not PHONE.match(phone):
            bad(excel_row, "联系电话", phone, "请填写11位手机号，或“区号-号码”形式的座机号")
        rows.append({"task_id": task_id, "completion_pct": pct,
                     "activities": counts.get("本月开展活动(场次)", 0), "participants": counts.get("参与人数(人次)", 0),
                     "funds_10k_yuan": funds or 0.0, "issues": as_text(rec.get("存在问题"))})
    if not rows:
        problems.append({"row": None, "column": None, "cell": None, "value": "", "message": "文件中没有数据行"})
    return problems, rows


def handle(path_text: str) -> dict:
    """Read, check and answer one file; return what the notice needs."""
    path = Path(path_text)
    unit = path.parent.name
    data = path.read_bytes()
    received = datetime.fromtimestamp(path.stat().st_mtime, TZ)
    deadline = datetime.fromisoformat(SETTINGS["deadline"])
    try:
        df = pd.read_excel(path, header=1, engine=SETTINGS["engine"])
        df = df.dropna(how="all")
        first = df.columns[0]
        df = df[~df[first].astype(str).str.startswith("填表说明")]  # the instructions row under the header
        problems, rows = check(df, unit)
    except Exception as exc:  # a file pandas cannot read
        problems, rows = [{"row": None, "column": None, "cell": None, "value": "",
                           "message": f"无法读取该文件：{exc}"}], []
    accepted = not problems
    on_time = received <= deadline
    receipt = {
        "file": path.name, "unit": unit, "period": SETTINGS["period"], "received_at": received.isoformat(),
        "deadline": deadline.isoformat(), "on_time": on_time, "sha256": hashlib.sha256(data).hexdigest(),
        "accepted": accepted, "rows": len(rows) if accepted else 0, "errors": problems,
    }
    shown = problems[:200]
    context = {
        "unit": unit,
        "unit_name": UNIT_NAMES.get(unit, unit),
        "file": path.name,
        "submission_type": "月度进展报送表",
        "period_label": SETTINGS["period_label"],
        "received_text": fmt_dt(received),
        "deadline_text": fmt_dt(deadline),
        "on_time_text": "按时" if on_time else "逾期",
        "late": not on_time,
        "sha256": receipt["sha256"],
        "accepted": accepted,
        "result": "接收" if accepted else "退回",
        "rows": receipt["rows"],
        "problem_count": len(problems),
        "problems": [
            {"no": i, "row": "—" if p["row"] is None else str(p["row"]),
             "column": f"{p['column']}（{p['cell']}）" if p["cell"] else "整个文件",
             "value": p["value"][:60], "message": p["message"]}
            for i, p in enumerate(shown, start=1)
        ],
        "problems_more": len(problems) - len(shown),
        "resubmit_by": f"于{fmt_dt(deadline)}前" if on_time else "尽快",
        "secretariat": SETTINGS["secretariat"],
        "issue_date_text": fmt_date(received.date()),
    }
    folder = Path(SETTINGS["out"]) / "receipts" / unit
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{received:%Y%m%d-%H%M%S}_{SAFE_NAME.sub('_', path.name)}"
    tpl = DocxTemplate(SETTINGS["receipt_template"])
    tpl.render(context, autoescape=True)
    tpl.save(folder / f"{stem}.回执.docx")
    (folder / f"{stem}.回执.json").write_text(json.dumps(receipt, ensure_ascii=False, indent=2), encoding="utf-8")
    return {"unit": unit, "file": path.name, "received_at": received.isoformat(), "accepted": accepted,
            "rows": rows if accepted else []}


# ---------------------------------------------------------------- the month (main process)


def load_registry(root: Path, engine: str) -> tuple[pd.DataFrame, dict[str, dict]]:
    units = pd.read_excel(root / "registry" / "成员单位名册.xlsx", header=1, engine=engine, dtype=str)
    raw = pd.read_excel(root / "registry" / "任务清单.xlsx", header=1, engine=engine)
    tasks = {}
    for rec in raw.to_dict("records"):
        coop = [c for c in re.split(r"[、,，;；\s]+", as_text(rec["配合单位"])) if c]
        tasks[as_text(rec["任务编号"])] = {
            "id": as_text(rec["任务编号"]), "name": as_text(rec["任务名称"]), "project": as_text(rec["所属工程"]),
            "lead": as_text(rec["牵头单位"]), "coop": coop,
            "start": pd.Timestamp(rec["开始日期"]).date(), "deadline": pd.Timestamp(rec["完成时限"]).date(),
        }
    return units, tasks


def monthly_report(campaign: dict, units: pd.DataFrame, tasks: dict[str, dict], results: list[dict],
                   year: int, month: int, deadline: datetime):
    """The month by the README's rules, in plain Python, as docgen's MonthlyReport (for notice_context)."""
    from docgen.cycles.monthly.report import MonthlyReport, ProjectProgress, TaskProgress, Totals  # noqa: PLC0415
    from docgen.models import UnitStatus  # noqa: PLC0415

    start = date(year, month, 1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    considered = [t for t in tasks.values() if t["start"] <= end and t["deadline"] >= start]
    involved = {t["lead"] for t in considered} | {c for t in considered for c in t["coop"]}
    by_unit: dict[str, list[dict]] = {}
    for r in results:
        r["when"] = datetime.fromisoformat(r["received_at"])
        by_unit.setdefault(r["unit"], []).append(r)
    names = dict(zip(units["单位代码"], units["单位名称"], strict=True))
    statuses, used = [], {}
    for u in units.to_dict("records"):
        code = u["单位代码"]
        if code not in involved:
            continue
        subs = by_unit.get(code, [])
        good = sorted((s for s in subs if s["accepted"]), key=lambda s: s["when"])
        if not subs:
            state, telling = "missing", None
        elif not good:
            state, telling = "rejected", max(subs, key=lambda s: s["when"])
        else:
            state, telling = ("on_time" if good[0]["when"] <= deadline else "late"), good[0]
            used[code] = good[-1]
        statuses.append(UnitStatus(code=code, name=u["单位名称"], category=u["单位类别"], state=state,
                                   received_at=telling["when"] if telling else None,
                                   file=(used.get(code) or telling or {}).get("file")))
    tolerance = float((campaign.get("monthly") or {}).get("lag_tolerance", 10))
    progress_rows = []
    for t in considered:
        lead_row = next((r for r in used.get(t["lead"], {}).get("rows", []) if r["task_id"] == t["id"]), None)
        progress = lead_row["completion_pct"] if lead_row else None
        span = (t["deadline"] - t["start"]).days
        share = 1.0 if span <= 0 else min(1.0, max(0.0, (end - t["start"]).days / span))
        if progress is None:
            state = "unreported"
        elif t["deadline"] <= end and progress < 100:
            state = "overdue"
        elif progress < share * 100 - tolerance:
            state = "lagging"
        else:
            state = "completed" if progress >= 100 else "on_track"
        progress_rows.append(TaskProgress(
            task_id=t["id"], name=t["name"], project=t["project"], lead_unit=t["lead"],
            lead_unit_name=names.get(t["lead"], t["lead"]), start_date=t["start"], deadline=t["deadline"],
            progress=progress, expected=round(share * 100, 1), state=state,
            issues=(lead_row or {}).get("issues", "")))
    projects: dict[str, list] = {}
    for tp in progress_rows:
        projects.setdefault(tp.project, []).append(tp)
    project_rows = []
    for name, members in projects.items():
        reported = [m.progress for m in members if m.progress is not None]
        project_rows.append(ProjectProgress(name, len(members), len(reported),
                                            round(sum(reported) / len(reported), 1) if reported else None))
    rows = [r for s in used.values() for r in s["rows"]]
    funds = sum((Decimal(str(r["funds_10k_yuan"])) for r in rows), Decimal(0))
    totals = Totals(sum(r["activities"] for r in rows), sum(r["participants"] for r in rows),
                    float(funds.quantize(Decimal("0.01"))))
    requirements = (campaign.get("monthly") or {}).get("requirements") or ["各成员单位要按时报送。"]
    return MonthlyReport(
        campaign=campaign["name"], secretariat=campaign["secretariat"], period=f"{year}-{month:02d}",
        period_label=f"{year}年{month}月", deadline=deadline, units=statuses, tasks=progress_rows,
        projects=project_rows, totals=totals, requirements=list(requirements),
        recipients=campaign.get("recipients", "各成员单位"),
        numbers={"notice": f"{campaign['doc_number_prefix']}1号"}, issue_date=datetime.now(TZ).date(),
    )


def render_notice(report, template: Path, out: Path) -> Path:
    from docx.shared import Mm  # noqa: PLC0415
    from docxtpl import InlineImage  # noqa: PLC0415

    from docgen.cycles.monthly.notice import notice_context, progress_chart  # noqa: PLC0415


    out.mkdir(parents=True, exist_ok=True)
    tpl = DocxTemplate(template)
    png = progress_chart(report.projects, out / "progress.png")
    context = notice_context(report, InlineImage(tpl, str(png), width=Mm(140)))
    tpl.render(context, autoescape=True)
    path = out / f"{report.period_label}月通报.docx"
    tpl.save(path)
    png.unlink()
    (out / "summary.json").write_text(json.dumps(report.summary(), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--engine", default="calamine", choices=["calamine", "openpyxl"])
    parser.add_argument("--templates", type=Path, default=REPO / "templates")
    args = parser.parse_args(argv)
    times = {"imports": round(time.perf_counter() - T0, 3)}

    start = time.perf_counter()
    root = args.workspace
    campaign = yaml.safe_load((root / "campaign.yaml").read_text(encoding="utf-8"))
    year, month = (int(x) for x in args.period.split("-"))
    rule = campaign["deadlines"]["monthly"]
    hour, minute = (int(x) for x in str(rule.get("time", "17:00")).split(":"))
    next_month = date(year + month // 12, month % 12 + 1, 1)
    deadline = datetime(next_month.year, next_month.month, int(rule["day"]), hour, minute,
                        tzinfo=ZoneInfo(campaign.get("timezone", "Asia/Shanghai")))
    units, tasks = load_registry(root, args.engine)
    files = sorted(str(p) for p in (root / "intake" / "monthly" / args.period).glob("*/*.xlsx"))
    times["registry"] = round(time.perf_counter() - start, 3)

    start = time.perf_counter()
    settings = {
        "deadline": deadline.isoformat(), "period": args.period, "period_label": f"{year}年{month}月",
        "secretariat": campaign["secretariat"], "engine": args.engine, "out": str(args.out),
        "receipt_template": str(args.templates / "receipt.docx"),
    }
    worker_tasks = {k: {"lead": t["lead"], "coop": t["coop"]} for k, t in tasks.items()}
    unit_names = dict(zip(units["单位代码"], units["单位名称"], strict=True))
    with Pool(args.processes, initializer=init_worker, initargs=(worker_tasks, unit_names, settings)) as pool:
        results = pool.map(handle, files)
    times["files"] = round(time.perf_counter() - start, 3)

    start = time.perf_counter()
    report = monthly_report(campaign, units, tasks, results, year, month, deadline)
    notice = render_notice(report, args.templates / "monthly_notice.docx", args.out / "notice")
    times["notice"] = round(time.perf_counter() - start, 3)
    times["total"] = round(time.perf_counter() - T0, 3)
    result = {
        "files": len(files), "accepted": sum(r["accepted"] for r in results),
        "rejected": sum(not r["accepted"] for r in results), "engine": args.engine,
        "processes": args.processes, "notice": str(notice), "timings": times,
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # docgen's notice_context and chart, when run from anywhere
    main()
