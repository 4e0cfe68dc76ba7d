"""The secretariat's review returns (退回) a unit's accepted submission, with a comment.

A file the contract accepted can still be wrong in the secretariat's eyes (figures that do not add up, a
county's report the city does not take). Returning it makes the unit count as 已退回 for the period,
exactly as a file the contract refused, until it resubmits: the submission's row becomes ``rejected``
with the review's comment as its one problem (``审核退回：…``), so the rules, ``docgen status``, the status
board, 催报 and the period's documents all say so. Nothing is deleted: the file, its rows and its earlier
receipts stay; a 退回回执 (``<time>_<file>.退回回执.docx`` and ``.json``) is written beside them and
delivered like any receipt. A file the unit drops afterwards is answered as usual, and the cycle's rules
count it by when it was received (after the deadline: 逾期).

The unit's earlier accepted files of the same kind for the period, which the returned one had replaced,
are returned with it: otherwise the earlier one would count again. A kind whose accepted files change a
ledger (台账) is never returned: its changes are applied already, and are corrected by a 复查结果.

Names no cycle; used by ``docgen return`` and by the review step (``approval.decide``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pendulum

from . import cycles
from .errors import DocgenError
from .issuing import run_lock
from .models import RETURN_RECEIPT, RETURNED_BY_REVIEW, Problem, Receipt
from .periods import Period
from .receipts import write_receipts
from .registry import load_registry
from .state import SubmissionRow, aware
from .workspace import Workspace

log = logging.getLogger(__name__)

RETURNED_KEY = "returned_by"  # in the stored problem: who returned it (the mark of a return by the review)
NO_COMMENT = "审核人未写明退回意见，请与创建办联系"  # a reviewer who named units and wrote nothing
_SEPARATORS = re.compile(r"[、,，;；\s]+")


class NotReturnable(DocgenError):
    """The submission cannot be returned: none accepted, already returned, or a ledger's."""


@dataclass(frozen=True)
class Returned:
    """What ``return_submission`` returned: the unit's file that counted, and its 退回回执."""

    unit: str
    unit_name: str
    file: str
    comment: str
    by: str
    at: datetime
    receipt_paths: list[Path]
    submission: int
    also: tuple[str, ...] = ()  # the unit's earlier accepted files of the kind, returned with it

    def describe(self) -> str:
        """One line in Chinese: who, which file, why."""
        more = f"（同时退回此前的《{'》《'.join(self.also)}》）" if self.also else ""
        return f"{self.unit_name}（{self.unit}）的《{self.file}》{more}：{RETURNED_BY_REVIEW}{self.comment}"


def returned_by_review(row: SubmissionRow) -> dict | None:
    """The review's return of ``row`` (its stored problem: comment, by, at), or None."""
    if row.status != "rejected":
        return None
    return next((e for e in row.errors if isinstance(e, dict) and RETURNED_KEY in e), None)


def return_submission(
    root: str | Path, cycle: str, period: str, unit: str, *, comment: str, by: str, at: datetime | None = None
) -> Returned:
    """Return ``unit``'s latest accepted submission of (cycle, period) with ``comment`` (退回).

    Holds the period's run lock. Raises ``NotReturnable`` (in Chinese) when the unit has no accepted
    submission (none at all, refused, still being answered, or returned already), when the file is of a
    kind that changes a ledger, or when the unit is neither in the registry nor among the period's senders.
    """
    ws = Workspace(root)
    declared = cycles.get(cycle)
    per = declared.parse_period(period, ws.campaign)
    comment = " ".join((comment or "").split())
    if not comment:
        raise NotReturnable("退回须写明退回意见（需要修改的地方），本次未退回")
    by = (by or "").strip() or "创建办"
    at = at or datetime.now(UTC)
    registry = load_registry(ws.registry_dir)
    known = registry.units.get(unit)
    name = known.name if known else unit
    with run_lock(ws, cycle, period):
        mine = [r for r in ws.state.submissions(cycle, period) if r.unit == unit]
        if not mine and known is None:
            raise NotReturnable(f"单位代码“{unit}”不在成员单位名册中，本期也没有该单位的报送")
        accepted = [r for r in mine if r.status == "accepted"]
        if not accepted:
            raise NotReturnable(_nothing_to_return(ws, name, unit, per.label, mine))
        latest = max(accepted, key=lambda r: (r.received_at, r.id))
        kind = next((k for k in declared.kinds if k.name == latest.kind), None)
        if kind is not None and kind.ledger:
            raise NotReturnable(
                f"{name}（{unit}）的《{latest.file_name}》是{kind.title}，接收时已记入台账，不能退回；"
                "台账事项如需更正，请通过复查结果报送")
        also = [r for r in accepted if r.id != latest.id and r.kind == latest.kind]
        problem = Problem(message=f"{RETURNED_BY_REVIEW}{comment}")
        stored = {**problem.to_dict(), RETURNED_KEY: by, "returned_at": at.astimezone(UTC).isoformat()}
        receipt = _receipt(ws, latest, name, kind.title if kind else "", per, problem, by, at, also)
        paths = write_receipts(ws, receipt, None, label=RETURN_RECEIPT)
        relative = [ws.relative(p) for p in paths]
        try:
            changed = ws.state.return_accepted([(latest.id, [stored], relative),
                                                *((r.id, [stored], []) for r in also)])
        except BaseException:  # not recorded: a 退回回执 must not say what did not happen
            _remove(paths)
            raise
        if not changed:  # another return got there first: its receipt stands, this one is not the answer
            _remove(paths)
            raise NotReturnable(f"{name}（{unit}）的《{latest.file_name}》刚被退回，本次未重复退回")
    log.warning("审核退回 %s/%s（%s）：%s", unit, latest.file_name, by, comment)
    ws.push()  # the 退回回执, where the unit looks for its receipts
    from .delivery import announce_receipts  # noqa: PLC0415 - delivery loads the registry's contacts

    announce_receipts(ws.root)
    if unit in ws.campaign.levels.children:
        from .levels import sync_quietly  # noqa: PLC0415

        sync_quietly(ws.root)  # a county's 退回回执 reaches it at once (else at its next intake)
    return Returned(unit, name, latest.file_name, comment, by, at, paths, latest.id,
                    tuple(r.file_name for r in also))


def _remove(paths: list[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _nothing_to_return(ws: Workspace, name: str, unit: str, label: str, mine: list[SubmissionRow]) -> str:
    """Why a unit has nothing to return, in Chinese."""
    if not mine:
        return f"{name}（{unit}）{label}没有报送文件，无可退回"
    latest = max(mine, key=lambda r: (r.received_at, r.id))
    earlier = returned_by_review(latest)
    if earlier is not None:
        when = pendulum.parse(earlier["returned_at"]).in_timezone(ws.campaign.timezone).format("YYYY-MM-DD HH:mm")
        return (f"{name}（{unit}）{label}的《{latest.file_name}》已于 {when} 由{earlier[RETURNED_KEY]}"
                "审核退回，尚未重新报送，无需再次退回")
    if latest.status == "rejected":
        return f"{name}（{unit}）{label}报送的《{latest.file_name}》未通过校验、已退回，没有已接收的报送可退回"
    return f"{name}（{unit}）{label}报送的《{latest.file_name}》尚在处理，没有已接收的报送可退回；请稍后再试"


def _receipt(ws: Workspace, row: SubmissionRow, name: str, title: str, per: Period, problem: Problem, by: str,
             at: datetime, also: list[SubmissionRow]) -> Receipt:
    tz = ws.campaign.timezone
    received = aware(row.received_at)
    assert received is not None
    deadline = per.deadline
    when = pendulum.instance(at).in_timezone(tz).format("YYYY年M月D日 HH:mm")
    notes = [f"该文件曾通过校验并接收，{ws.campaign.secretariat or '创建办'}于{when}审核后退回（审核人：{by}），"
             "本期按“已退回”统计，直至重新报送。"]
    if also:
        notes.append(f"此前报送并接收的《{'》《'.join(r.file_name for r in also)}》一并退回。")
    if deadline is not None and at > deadline:
        notes.append("本期截止时间已过，重新报送的材料按逾期报送登记。")
    return Receipt(
        file=row.file_name, unit=row.unit, unit_name=name, cycle=row.cycle, period=row.period,
        period_label=per.label, received_at=received, sha256=row.sha256, accepted=False,
        errors=[problem], submission_type=title, rows=len(row.rows), deadline=deadline,
        secretariat=ws.campaign.secretariat, timezone=tz, notes=notes, channel=ws.campaign.submission_channel,
        returned_at=at, returned_by=by,
    )


@dataclass(frozen=True)
class NamedReturns:
    """What returning the units a reviewer named did: returned, names not found, and units not returned."""

    returned: list[Returned] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # names that are no unit's code or name
    refused: list[str] = field(default_factory=list)  # why a named unit was not returned, in Chinese

    def lines(self) -> list[str]:
        """What the review's note and log say about it, in Chinese."""
        out = [f"退回报送：{r.describe()}" for r in self.returned]
        out += [f"未退回：{why}" for why in self.refused]
        if self.unknown:
            out.append(f"未找到的单位：{'、'.join(self.unknown)}（不是成员单位名册中的单位代码或单位名称），未退回")
        return out


def split_names(text: str | None) -> list[str]:
    """Unit codes or names as a reviewer types them: separated by 、 , ， ; ； or spaces; each once."""
    return list(dict.fromkeys(n for n in _SEPARATORS.split(text or "") if n))


def return_named(
    root: str | Path, cycle: str, period: str, names: str | None, *, comment: str, by: str,
    at: datetime | None = None,
) -> NamedReturns:
    """Return the submissions of the units ``names`` gives (codes or names, see ``split_names``); a name
    that is no unit, or a unit that cannot be returned, is told, never raised."""
    wanted = split_names(names)
    if not wanted:
        return NamedReturns()
    units = load_registry(Workspace(root).registry_dir).units
    by_name = {u.name: code for code, u in units.items()}
    by_code = {code.upper(): code for code in units}
    result = NamedReturns()
    for name in wanted:
        code = by_code.get(name.upper()) or by_name.get(name)
        if code is None:
            result.unknown.append(name)
            continue
        try:
            result.returned.append(return_submission(root, cycle, period, code, comment=comment or NO_COMMENT,
                                                     by=by, at=at))
        except DocgenError as exc:
            result.refused.append(str(exc))
    return result
