"""What is told to whom: the four notices docgen sends, built from what the steps already wrote.

* a receipt (回执) to the unit that dropped the file, with the receipt and the annotated copy attached;
* a 催报 to each unit still owing, and a digest of all of them to the secretariat, the 催报通知 attached;
* "a draft awaits your 审核" to the reviewers, with the key figures and a link to the draft's preview;
* the issued documents to the units they are addressed to (主送), attached.

Each reads files and rows the steps wrote (a receipt's JSON, ``reminder.json``, a draft, ``summary.json``),
so a notice says exactly what the document says. Names no cycle.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pendulum

from ..models import RETURN_RECEIPT, RETURNED_BY_REVIEW, Problem, Unit
from ..state import SubmissionRow
from ..workspace import Workspace
from .dispatch import Notice
from .settings import DeliverySettings, Recipient

log = logging.getLogger(__name__)

FIRST_PROBLEMS = 5  # a message tells the first problems; the attached receipt has them all
SUMMARY = "summary.json"  # as issuing writes it (delivery does not import issuing: it is called from there)
ADDRESSEES = "addressees"
RETURN_RECEIPT_JSON = f".{RETURN_RECEIPT}.json"  # a receipt the review's return wrote (``docgen.returning``)


def unit_recipient(unit: Unit) -> Recipient:
    return Recipient(key=unit.code, name=unit.name, email=unit.email, mobile=unit.phone, robot=unit.robot)


def _time(moment: str | datetime | None, tz: str) -> str:
    if not moment:
        return ""
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return pendulum.instance(at).in_timezone(tz).format("YYYY-MM-DD HH:mm")


def _problem(error: Mapping[str, Any]) -> str:
    return Problem.from_dict(error).describe()


def _md(text: str) -> str:
    """Unit-given text shown in a robot's Markdown: no markup of its own."""
    out = str(text).replace("\n", " ").replace("\r", " ")
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def receipt_event(row: SubmissionRow) -> str:
    """What a receipt notice answers: the submission as answered at intake, or its return by the review
    (an accepted file returned later is told again, with its 退回回执)."""
    paths = json.loads(row.receipt_paths_json or "[]")
    returned = row.status == "rejected" and any(p.endswith(RETURN_RECEIPT_JSON) for p in paths)
    return f"receipt:{row.id}:returned" if returned else f"receipt:{row.id}"


def receipt_notices(ws: Workspace, units: Mapping[str, Unit], rows: Iterable[SubmissionRow]) -> list[Notice]:
    """A notice for each answered submission of a unit's own folder (a role folder is nobody's to tell)."""
    tz = ws.campaign.timezone
    notices = []
    for row in rows:
        unit = units.get(row.unit)
        paths = json.loads(row.receipt_paths_json or "[]")
        event = receipt_event(row)
        if event.endswith(":returned"):
            found = next((p for p in reversed(paths) if p.endswith(RETURN_RECEIPT_JSON) and (ws.root / p).is_file()), None)
            if unit is not None and found is not None:
                notices.append(_returned_notice(ws, unit, row, event, found))
            continue
        found = next((p for p in paths if p.endswith(".回执.json") and (ws.root / p).is_file()), None)
        if unit is None or found is None:
            continue
        receipt = json.loads((ws.root / found).read_text(encoding="utf-8"))
        accepted = bool(receipt.get("accepted"))
        errors = receipt.get("errors") or []
        what = f"{receipt.get('period_label') or row.period}{receipt.get('submission_type') or ''}"
        verdict = "已通过校验并接收" if accepted else f"未通过校验，已退回（共 {len(errors)} 处问题）"
        subject = f"【回执】{row.file_name}：" + ("已接收" if accepted else f"已退回，{len(errors)} 处问题")
        late = receipt.get("on_time") is False
        lines = [f"{unit.name}：", "",
                 f"你单位报送的《{row.file_name}》（{what}）于 {_time(receipt.get('received_at'), tz)} 收到，{verdict}。"]
        if accepted:
            lines.append(f"共读取 {receipt.get('rows', 0)} 行数据。")
            if late:
                lines.append(f"该文件晚于截止时间（{_time(receipt.get('deadline'), tz)}）收到，按迟报统计。")
        else:
            lines += ["", "主要问题："] + [f"{i}. {_problem(e)}" for i, e in enumerate(errors[:FIRST_PROBLEMS], 1)]
            if len(errors) > FIRST_PROBLEMS:
                lines.append(f"……另有 {len(errors) - FIRST_PROBLEMS} 处，见附件中的回执。")
            lines.append(f"请按回执修改后重新报送（截止时间 {_time(receipt.get('deadline'), tz)}）。"
                         + (ws.campaign.submission_channel or ""))
        lines += [f"{note}" for note in receipt.get("notes") or []]
        lines += ["", "完整回执见附件" + ("（问题单元格已在 .标注.xlsx 中标红）。" if not accepted else "。"),
                  "", ws.campaign.secretariat]
        markdown = [f"**【回执】{_md(unit.name)}**", f"文件：{_md(row.file_name)}（{_md(what)}）",
                    "结果：**" + ("已接收" if accepted else f"已退回，{len(errors)} 处问题") + "**"]
        if not accepted:
            markdown += [f"> {_md(_problem(e))}" for e in errors[:3]]
            markdown.append("请按回执修改后重新报送。" + ("完整回执已发至本单位邮箱。" if unit.email else ""))
        attachments = tuple(p for p in paths if not p.endswith(".json"))
        notices.append(Notice(f"receipt:{row.id}", "receipts", unit_recipient(unit), subject, "\n".join(lines),
                              "\n\n".join(markdown), attachments, row.cycle, row.period))
    return notices


def _returned_notice(ws: Workspace, unit: Unit, row: SubmissionRow, event: str, found: str) -> Notice:
    """The review returned an accepted file: the unit is told why, with its 退回回执 attached."""
    tz = ws.campaign.timezone
    receipt = json.loads((ws.root / found).read_text(encoding="utf-8"))
    why = [str((e or {}).get("message") or "") for e in receipt.get("errors") or []]
    comment = next((w for w in why if w), "").removeprefix(RETURNED_BY_REVIEW)
    what = f"{receipt.get('period_label') or row.period}{receipt.get('submission_type') or ''}"
    subject = f"【回执】{row.file_name}：审核退回"
    lines = [f"{unit.name}：", "",
             f"你单位报送的《{row.file_name}》（{what}）于 {_time(receipt.get('received_at'), tz)} 收到并已接收，"
             f"经{ws.campaign.secretariat}审核，于 {_time(receipt.get('returned_at'), tz)} 退回。", "",
             f"退回意见：{comment}", "",
             f"请按退回意见修改后重新报送（截止时间 {_time(receipt.get('deadline'), tz)}）。"
             + (ws.campaign.submission_channel or "")]
    lines += [f"{note}" for note in receipt.get("notes") or []]
    lines += ["", "退回回执见附件。", "", ws.campaign.secretariat]
    markdown = [f"**【回执】{_md(unit.name)}**", f"文件：{_md(row.file_name)}（{_md(what)}）", "结果：**审核退回**",
                f"> {_md(comment)}",
                "请按退回意见修改后重新报送。" + ("退回回执已发至本单位邮箱。" if unit.email else "")]
    attachment = found[: -len(".json")] + ".docx"
    attachments = (attachment,) if (ws.root / attachment).is_file() else ()
    return Notice(event, "receipts", unit_recipient(unit), subject, "\n".join(lines), "\n\n".join(markdown),
                  attachments, row.cycle, row.period)


def reminder_notices(ws: Workspace, settings: DeliverySettings, units: Mapping[str, Unit],
                     reminder: Mapping[str, Any], files: Sequence[Path]) -> list[Notice]:
    """A 催报 to each unit still owing and a digest to the secretariat, the 催报通知 attached to both."""
    tz = ws.campaign.timezone
    cycle, period, label = reminder["cycle"], reminder["period"], reminder["period_label"]
    deadline = _time(reminder["deadline"], tz)
    event = f"reminder:{cycle}:{period}:{reminder['doc_number']}"
    attachments = tuple(str(p.relative_to(ws.root)) for p in files if p.suffix == ".docx")
    owed: dict[str, list[str]] = {}
    for m in reminder["missing"]:
        owed.setdefault(m["code"], []).append(f"未报送：{'、'.join(m['kinds']) or '本期材料'}")
    for r in reminder["returned"]:
        first = "；".join(r["problems"][:2])
        owed.setdefault(r["code"], []).append(f"已退回未重新报送：《{r['file']}》（{r['problem_count']} 处问题，如：{first}）")
    overdue = reminder["generated_at"] > reminder["deadline"]
    when = "已过截止时间" if overdue else "截止时间"
    notices = []
    for code, items in owed.items():
        unit = units.get(code)
        if unit is None:
            continue
        subject = f"【催报】{label}：请于 {deadline} 前报送" if not overdue else f"【催报】{label}：已逾期，请尽快补报"
        text = "\n".join([f"{unit.name}：", "", f"{label}材料{when} {deadline}，你单位尚有：", *[f"- {i}" for i in items],
                          "", "请尽快报送。" + (ws.campaign.submission_channel
                                               or f"报送目录：{reminder['drop_folder'].replace('<单位代码>', code)}。"),
                          f"催报通知（{reminder['doc_number']}）见附件。",
                          "", ws.campaign.secretariat])
        markdown = "\n\n".join([f"**【催报】{_md(unit.name)}**", f"{_md(label)}{when} **{deadline}**",
                                *[f"- {_md(i)}" for i in items]])
        notices.append(Notice(event, "reminders", unit_recipient(unit), subject, text, markdown, attachments,
                              cycle, period))
    if settings.secretariat is not None and owed:
        names = [units[c].name if c in units else c for c in owed]
        subject = f"【催报汇总】{label}：{len(owed)} 个单位尚未报齐"
        text = "\n".join([f"{label}（截止 {deadline}）应报 {reminder['expected_count']} 个单位，"
                          f"尚未报齐 {len(owed)} 个：", *[f"- {n}：{'；'.join(owed[c])}" for c, n in zip(owed, names, strict=True)],
                          "", f"已向以上单位发出催报（{reminder['doc_number']}），催报通知见附件。"])
        markdown = "\n\n".join([f"**【催报汇总】{_md(label)}**",
                                f"应报 {reminder['expected_count']} 个单位，尚未报齐 **{len(owed)}** 个：",
                                "、".join(_md(n) for n in names)])
        notices.append(Notice(event, "reminders", settings.secretariat, subject, text, markdown, attachments,
                              cycle, period))
    return notices


def review_notices(ws: Workspace, settings: DeliverySettings, draft: Mapping[str, Any],
                   preview_url: str, board_url: str) -> list[Notice]:
    """"A draft awaits your 审核" to each reviewer: the documents' number, key figures and where to read it."""
    figures = [(str(k), str(v)) for k, v in draft.get("figures") or []]
    subject = f"【待审核】{draft['subject'].removeprefix('审核')}"
    lines = [f"{ws.campaign.secretariat}有一份草稿等待您审核：", "", f"{draft['subject']}",
             f"发文字号：{draft.get('doc_number') or '无'}", "", "主要数字："]
    lines += [f"- {k}：{v}" for k, v in figures] or ["- （无）"]
    lines += ["", f"手机预览：{preview_url}" if preview_url else f"草稿位置：{draft['folder']}"]
    if board_url:
        lines.append(f"状态看板：{board_url}")
    lines += ["", "请在 Airflow 的“待办操作（Required Actions）”页面选择签发或退回。"]
    markdown = [f"**【待审核】{_md(draft['subject'])}**", f"发文字号：{_md(draft.get('doc_number') or '无')}"]
    markdown += [f"> {_md(k)}：**{_md(v)}**" for k, v in figures[:8]]
    if preview_url:
        markdown.append(f"[手机预览]({preview_url})")
    event = f"review:{draft['cycle']}:{draft['period']}:{draft['seq']}"
    return [Notice(event, "review", r, subject, "\n".join(lines), "\n\n".join(markdown), (),
                   draft["cycle"], draft["period"]) for r in settings.reviewers]


def issued_notices(ws: Workspace, units: Mapping[str, Unit], cycle: str, period: str, fingerprint: str,
                   outputs: Sequence[Path]) -> list[Notice]:
    """The issued documents to each unit they are addressed to (``summary.json``'s ``addressees``)."""
    by_name = {p.name: p for p in outputs}
    summary_path = by_name.get(SUMMARY)
    if summary_path is None:
        return []
    addressees: dict[str, list[str]] = json.loads(summary_path.read_text(encoding="utf-8")).get(ADDRESSEES) or {}
    for_unit: dict[str, list[str]] = {}
    for file_name, codes in addressees.items():
        if file_name in by_name:
            for code in codes:
                for_unit.setdefault(code, []).append(file_name)
    notices = []
    for code, names in for_unit.items():
        unit = units.get(code)
        if unit is None:
            continue
        files = [by_name[n] for n in names]
        pdfs = [by_name[p] for n in names if (p := Path(n).with_suffix(".pdf").name) in by_name and p not in names]
        titles = "、".join(f"《{Path(n).stem}》" for n in names)
        subject = f"【公文】{Path(names[0]).stem}" + (f" 等 {len(names)} 件" if len(names) > 1 else "")
        text = "\n".join([f"{unit.name}：", "", f"现将{titles}发给你单位，请查收，并按文件要求抓好落实。",
                          "文件见附件。", "", ws.campaign.secretariat])
        where = "文件已发至本单位邮箱" if unit.email else "本单位未登记电子邮箱，请向创建办领取文件"
        markdown = "\n\n".join([f"**【公文】{_md(unit.name)}**", f"{_md(titles)} 已印发，请查收（{where}）。"])
        attachments = tuple(str(p.relative_to(ws.root)) for p in files + pdfs)
        notices.append(Notice(f"issued:{cycle}:{period}:{fingerprint[:16]}", "issued", unit_recipient(unit), subject, text, markdown,
                              attachments, cycle, period))
    return notices
