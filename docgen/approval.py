"""The secretariat's review (审核) before anything is issued: drafts, approval and return.

A run that needs approval stops at a draft: the rendered documents are moved into
``outbox/<cycle>/<period>/drafts/<n>/`` and registered as pending in the state database. The reviewer
then approves it (签发: the draft's files are published into the outbox exactly as an unreviewed run
would publish them, and the run records who approved, when, and the comment) or returns it (退回: nothing
is issued; the comment is written beside the draft as ``审核意见.txt``). A draft is decided once: a second
answer, an answer to a draft a newer one replaced, or to one that does not exist changes nothing and says
why (``NotPending``). The next run of a returned period makes a new draft; issuing numbers are kept.

Used alike by the Airflow DAGs (the review step is a Human-in-the-loop task), ``docgen run --draft`` and
``docgen publish``. Names no cycle: what a reviewer checks is asked of the cycle (``key_figures``).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pendulum

from . import cycles
from .cycle import Report
from .errors import DocgenError
from .faults import checkpoint
from .issuing import fingerprint, issue, issued_since, run_lock
from .state import DraftRow, aware
from .workspace import Workspace

if TYPE_CHECKING:
    from .returning import NamedReturns

log = logging.getLogger(__name__)

DRAFTS = "drafts"
REVIEW_NOTE = "审核意见.txt"
APPROVE = "签发"
RETURN = "退回"
TIMED_OUT_BY = "超时未审核"  # who "decided" a draft nobody answered in time
STATUS_LABELS = {"pending": "待审核", "approved": "已签发", "returned": "已退回", "superseded": "已被新稿取代"}


class NotPending(DocgenError):
    """The draft was already decided, replaced, or never made: the answer changes nothing."""


@dataclass(frozen=True)
class Draft:
    """A draft as the steps pass it on: small, JSON-able (``asdict``)."""

    cycle: str
    period: str
    seq: int
    folder: str  # absolute
    doc_number: str | None
    subject: str  # the review's headline
    body: str  # Markdown: documents, issuing numbers, key figures, every unit's status, where the files are
    figures: tuple[tuple[str, str], ...] = ()  # the cycle's key figures: what a review request tells at once

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """What became of a draft: approved (with the published files) or returned."""

    approved: bool
    by: str
    at: datetime
    comment: str
    outputs: list[Path]
    note: Path  # 审核意见.txt beside the draft
    returns: NamedReturns | None = None  # with 退回: the units' submissions the reviewer named, returned too


def drafts_dir(ws: Workspace, cycle: str, period: str) -> Path:
    return ws.outbox_dir(cycle, period) / DRAFTS


def make_draft(root: str | Path, cycle: str, report: Report, staging: str | Path) -> Draft:
    """Move a rendered staging folder into the period's next ``drafts/<n>/`` and register it pending.

    An earlier draft of the period still pending is superseded: only the newest can be approved.
    """
    ws = Workspace(root)
    period = report.period
    base = drafts_dir(ws, cycle, period)
    base.mkdir(parents=True, exist_ok=True)
    for row in ws.state.drafts(cycle, period):
        if row.status == "pending":
            ws.state.decide_draft(row.id, "superseded", by="新稿", at=datetime.now(UTC), comment=None)
    doc_number = report.doc_number
    row = ws.state.add_draft(cycle, period, lambda seq: (base / str(seq)).relative_to(ws.root), doc_number)
    checkpoint("draft")
    folder = ws.root / row.folder
    staging = ws.local_folder(staging)  # rendered on another machine, perhaps
    os.replace(staging, folder)  # staging is in the workspace too: one rename, never half a draft
    ws.forget(ws.relative(staging))  # its copy in a bucket is spent
    subject, body = review_text(ws, cycle, report, row, folder)
    figures = tuple((str(k), str(v)) for k, v in cycles.get(cycle).key_figures(report))
    ws.push()
    return Draft(cycle, period, row.seq, str(folder), doc_number, subject, body, figures)


def review_text(ws: Workspace, cycle: str, report: Report, row: DraftRow, folder: Path) -> tuple[str, str]:
    """The subject and Markdown body a reviewer reads before deciding (the Required Actions page)."""
    declared = cycles.get(cycle)
    present = {p.name for p in folder.iterdir()}
    documents = declared.documents(report)
    main = Path(documents[0].file_name).stem if documents else f"{report.period_label}{declared.dag_title}"
    subject = f"审核《{main}》（第 {row.seq} 稿）"
    lines = [f"**{_md(ws.campaign.name)}** · {_md(ws.campaign.secretariat)}", "",
             f"发文字号：{_md(row.doc_number or '无')}", "", "#### 待签发的公文", ""]
    for d in documents:
        made = "" if d.file_name in present else "（未生成，原因见草稿中的 说明.txt）"
        lines.append(f"- {_md(d.file_name)}{made}")
    lines += ["", "#### 主要数字", "", "| 项目 | 数值 |", "| --- | --- |"]
    lines += [f"| {_md(label)} | {_md(value)} |" for label, value in declared.key_figures(report)]
    tz = report.deadline.tzinfo
    lines += ["", f"#### 各单位报送情况（截止 {report.deadline:%Y-%m-%d %H:%M}）", "",
              "| 单位代码 | 单位名称 | 状态 | 接收时间 | 文件 |", "| --- | --- | --- | --- | --- |"]
    for u in report.units:
        when = u.received_at.astimezone(tz).strftime("%m-%d %H:%M") if u.received_at else ""
        lines.append(f"| {_md(u.code)} | {_md(u.name)} | {_md(u.state_text)} | {when} | {_md(u.file or '')} |")
    if not report.units:
        lines.append("| | 本期没有应报单位 | | | |")
    lines += ["", "#### 草稿位置", "", f"`{folder}`", "",
              f"签发后按此稿发布到 `{folder.parent.parent}`；退回则不发布，退回意见写在草稿旁的 {REVIEW_NOTE}，"
              "下次运行本期时重新生成草稿。", "",
              "退回时如在“退回的报送”中填写单位代码或单位名称，这些单位本期已接收的报送也一并退回（按同一退回意见，"
              "写退回回执），在其重新报送前按“已退回”统计。"]
    return subject, "\n".join(lines)


def _md(text: str) -> str:
    """A value safe inside a Markdown table cell: no column breaks, no markup, no raw HTML."""
    out = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    for ch in "<>*_`[]#":
        out = out.replace(ch, "\\" + ch)
    return out


def latest_pending(root: str | Path, cycle: str, period: str) -> DraftRow | None:
    """The period's newest draft still waiting for review, if any (one whose folder a killed run never
    made is not: the next run makes a new one)."""
    ws = Workspace(root)
    pending = [r for r in ws.state.drafts(cycle, period) if r.status == "pending" and (ws.root / r.folder).is_dir()]
    return pending[-1] if pending else None


def decide(
    root: str | Path, cycle: str, period: str, seq: int, *, approve: bool, by: str | None, comment: str = "",
    at: datetime | None = None, trigger: str = "airflow", return_units: str = "",
) -> Decision:
    """Approve (issue) or return draft ``seq`` of (cycle, period); ``by`` None: nobody answered in time.

    ``return_units``: with a return, the units (codes or names, ``returning.split_names``)
    whose accepted submissions are returned too, with the same comment (``returning.return_named``); the
    note beside the draft says which were returned and which names were not found.

    Holds the period's run lock, so a decision never overlaps a run of the period. Raises ``NotPending``
    when the draft is not waiting for a decision.
    """
    ws = Workspace(root)
    cycles.get(cycle).parse_period(period, ws.campaign)
    at = at or datetime.now(UTC)
    who = by or TIMED_OUT_BY
    comment = (comment or "").strip()
    with run_lock(ws, cycle, period):
        row = ws.state.draft(cycle, period, seq)
        if row is None:
            raise NotPending(f"{cycle} {period} 没有第 {seq} 稿，本次答复不作改动")
        if row.status != "pending":
            raise NotPending(_already(row))
        folder = ws.root / row.folder
        ws.pull(row.folder)  # made on another machine: the bucket has it
        if not folder.is_dir():
            raise NotPending(f"{cycle} {period} 第 {seq} 稿的文件夹 {folder} 不存在，无法签发；请重新运行本期")
        outputs: list[Path] = []
        run_id = None
        if approve:
            outputs, run_id = _issued_before(ws, row, folder) or issue(
                ws, cycle, period, _copy_to_staging(ws, row, folder), trigger=trigger, doc_number=row.doc_number,
                started_at=at)
        checkpoint("decide")
        note = folder / REVIEW_NOTE
        note.write_text(_note_text(approve, who, at, comment, ws.campaign.timezone), encoding="utf-8")
        status = "approved" if approve else "returned"
        if not ws.state.decide_draft(row.id, status, by=who, at=at, comment=comment or None, run_id=run_id):
            raise NotPending(_already(ws.state.draft(cycle, period, seq)))
        returns = None
        if not approve and return_units.strip():  # typed by someone: a timeout's form holds none
            from .returning import return_named  # noqa: PLC0415 - the registry's reader: not when a DAG is parsed

            try:
                returns = return_named(ws.root, cycle, period, return_units, comment=comment,
                                       by=by or ws.campaign.secretariat, at=at)
                told = returns.lines()
            except DocgenError as exc:  # the draft is returned all the same; the note says what was not done
                told = [f"未能退回报送（{return_units.strip()}）：{exc}"]
            for line in told:
                log.warning("%s %s 第 %d 稿退回：%s", cycle, period, seq, line)
            with note.open("a", encoding="utf-8") as f:
                f.write("".join(f"{line}\n" for line in told))
    return Decision(approve, who, at, comment, outputs, note, returns)


def _issued_before(ws: Workspace, row: DraftRow, folder: Path) -> tuple[list[Path], int] | None:
    """The outputs and run of an earlier publish of exactly this draft whose decision a crash kept from
    being recorded: taken instead of issuing a duplicate version."""
    last = issued_since(ws, row.cycle, row.period, fingerprint(folder), aware(row.created_at))
    return None if last is None else ([ws.root / p for p in last.outputs], last.id)


def _copy_to_staging(ws: Workspace, row: DraftRow, folder: Path) -> Path:
    """A copy of the draft's files to publish: the draft stays as the record of what was approved."""
    staging = ws.staging_dir(row.cycle, row.period, uuid.uuid4().hex)
    staging.mkdir(parents=True)
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.name != REVIEW_NOTE:
            shutil.copy2(p, staging / p.name)
    return staging


def _note_text(approve: bool, by: str, at: datetime, comment: str, tz: str) -> str:
    when = pendulum.instance(at).in_timezone(tz).format("YYYY-MM-DD HH:mm")
    if approve:
        return f"审核结果：签发\n审核人：{by}\n时间：{when}\n审核意见：{comment or '无'}\n"
    if by == TIMED_OUT_BY:
        return f"审核结果：退回（超过审核时限无人答复，按退回处理，未发布）\n时间：{when}\n"
    return f"审核结果：退回（未发布）\n审核人：{by}\n时间：{when}\n退回意见：{comment or '未填写'}\n"


def _already(row: DraftRow | None) -> str:
    if row is None:
        return "草稿不存在，本次答复不作改动"
    when = aware(row.decided_at)
    said = f"于 {when:%Y-%m-%d %H:%M} UTC " if when else ""
    by = f"由 {row.decided_by} " if row.decided_by and row.status != "superseded" else ""
    return (f"{row.cycle} {row.period} 第 {row.seq} 稿已{said}{by}{STATUS_LABELS.get(row.status, row.status)}，"
            "本次答复不作改动")


def answer(root: str | Path, draft: dict[str, Any], response: dict[str, Any], *, trigger: str = "airflow") -> Decision:
    """Apply a Human-in-the-loop response (chosen option, form, who, when) to the draft it reviewed."""
    chosen = (response.get("chosen_options") or [RETURN])[0]
    params = response.get("params_input") or {}
    user = response.get("responded_by_user") or {}
    at = response.get("responded_at")
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return decide(root, draft["cycle"], draft["period"], int(draft["seq"]), approve=chosen == APPROVE,
                  by=(user.get("name") or user.get("id")) if user else None, comment=str(params.get("comment") or ""),
                  at=at, trigger=trigger, return_units=str(params.get("return_units") or ""))


def status_lines(root: str | Path, cycle: str, period: str) -> list[str]:
    """What ``docgen status`` says about the period's drafts and who approved what was issued."""
    ws = Workspace(root)
    tz = ws.campaign.timezone
    lines = []
    for row in ws.state.drafts(cycle, period):
        label = STATUS_LABELS.get(row.status, row.status)
        line = f"第 {row.seq} 稿（{row.folder}）：{label}"
        if row.decided_at and row.status in ("approved", "returned"):
            when = pendulum.instance(aware(row.decided_at)).in_timezone(tz).format("YYYY-MM-DD HH:mm")
            line += f"，{row.decided_by}，{when}"
            if row.comment:
                line += f"，意见：{row.comment}"
            if row.run_id:
                run = ws.state.run(row.run_id)
                if run is not None:
                    line += f"；发布 {len(run.outputs)} 个文件（运行 #{run.id}，{run.doc_number or '无字号'}）"
        lines.append(line)
    return lines

