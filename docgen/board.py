"""The status board (状态看板): what the secretariat asks all period long, for one cycle and period.

Who of the expected units has reported (on time, late, returned with the receipt's first problems,
missing, or not due yet), the cycle's own tables (``Cycle.board_sections``: a ledger's open items,
scores …), the documents issued into the period's outbox and the drafts waiting for review. Everything
comes through the library (``pipeline.compute`` without numbering, which takes no lock, and the state
database), so the board applies the cycle's rules and never a copy of them; it issues and writes nothing,
and can be read while a run writes. No Airflow here: the Airflow plugin (``airflow_board``) only shows it.

A campaign with children (``levels.children`` of campaign.yaml: a city and its counties) also shows each
child's own board for the same cycle and period, read from the child's workspace, beside what this level
knows of the child's report to it (``ChildStatus``, and the section 县区工作看板). A child that cannot be
read (its folder missing, its campaign.yaml wrong, its bucket not answering) is named with the reason; the
children are read in parallel, and the board waits at most ``CHILD_TIMEOUT`` seconds for them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from . import cycles
from .approval import STATUS_LABELS as DRAFT_LABELS
from .config import Campaign
from .cycle import BoardSection, Cycle
from .delivery import DeliveryStatus, delivery_status
from .errors import DocgenError
from .models import UNIT_STATE_LABELS, Problem
from .periods import Period
from .state import DraftRow, SubmissionRow, aware
from .workspace import Workspace

BoardState = Literal["on_time", "late", "rejected", "missing", "not_yet_due"]
STATE_LABELS: dict[str, str] = {**UNIT_STATE_LABELS, "rejected": "已退回", "not_yet_due": "未到截止时间"}
STATE_ORDER: tuple[str, ...] = ("on_time", "late", "rejected", "missing", "not_yet_due")
FIRST_PROBLEMS = 3  # a returned file's problems shown on the board; its receipt has them all
SHOWN_DRAFTS = ("pending", "returned")  # an approved draft is what the outbox shows; a superseded one is moot
CHILD_TIMEOUT = 30.0  # seconds the board waits for its children's boards (a bucket may not answer at all)
CHILDREN_TITLE = "县区工作看板"
PARENT_TITLE = "向上级报送"
CHILDREN_HEADERS = ["单位", "应报单位", "按时", "逾期", "已退回", "未报送", "待审核", "发文字号", "向本级报送"]
REASON_CHARS = 200  # of why a child could not be read
NOT_EXPECTED = "本期不在应报单位中"  # a child this level's period does not expect a report from


class BoardRequestError(DocgenError):
    """The cycle or period asked for does not exist or is written wrongly (the asker's mistake)."""


@dataclass(frozen=True)
class UnitRow:
    """One expected unit on the board."""

    code: str
    name: str
    category: str
    state: BoardState
    received_at: datetime | None  # its first accepted file (on time / late), or its returned file
    file: str | None  # the file whose data counts, or the returned one
    problems: list[str] = field(default_factory=list)  # a returned file's first problems, in Chinese
    problem_count: int = 0  # all of the returned file's problems
    waiting_files: int = 0  # files received and not answered yet (a run is reading them)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class IssuedFile:
    """A file of the period's outbox; ``path`` is relative to that outbox (the download link's path)."""

    path: str
    size: int
    modified: datetime

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class DraftInfo:
    """A draft of the period's documents and the secretariat's review of it."""

    seq: int
    status: str  # pending, approved, returned
    doc_number: str | None
    created_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    files: list[IssuedFile]

    @property
    def status_label(self) -> str:
        return DRAFT_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class Board:
    """Everything the board shows for one cycle and period, as of ``now``."""

    campaign: str
    cycle: str
    cycle_label: str
    dag_id: str
    period: str
    period_label: str
    deadline: datetime
    now: datetime
    timezone: str
    units: list[UnitRow]
    sections: list[BoardSection]
    documents: list[IssuedFile]
    drafts: list[DraftInfo]  # pending ones, then returned ones (with the comment), newest first
    deliveries: DeliveryStatus = field(default_factory=DeliveryStatus)  # what was sent for the period
    doc_number: str | None = None  # the issuing number of the period's issued documents (None: not issued)
    children: list[ChildStatus] = field(default_factory=list)  # each child's own board (levels.children)

    @property
    def due(self) -> bool:
        """Whether the period's deadline has passed."""
        return self.now >= self.deadline

    def counts(self) -> dict[str, int]:
        """How many units are in each state, in ``STATE_ORDER``."""
        return {s: sum(1 for u in self.units if u.state == s) for s in STATE_ORDER}

    @property
    def pending_drafts(self) -> list[DraftInfo]:
        return [d for d in self.drafts if d.status == "pending"]


@dataclass(frozen=True)
class ChildStatus:
    """A child of this level (a county of a city) on this level's board: its own board, read from its own
    workspace, or why it could not be read; and its report to this level as this level's board has it."""

    code: str  # its 单位代码 in this level's registry
    name: str  # its name there
    root: str  # its workspace, resolved (a folder or a bucket's URL)
    reported: str  # its report to this level: a state label of this board (按时报送 …), or NOT_EXPECTED
    board: Board | None = None  # its own board for the same cycle and period; None when it could not be read
    error: str = ""  # why it could not be read (Chinese)

    @property
    def reachable(self) -> bool:
        return self.board is not None

    def cells(self) -> list[str]:
        """Its row of the 县区工作看板 section (``CHILDREN_HEADERS``)."""
        unit = f"{self.name}（{self.code}）"
        if self.board is None:
            return [unit, f"无法连接：{self.error}", "", "", "", "", "", "", self.reported]
        counts = self.board.counts()
        missing = str(counts["missing"])
        if counts["not_yet_due"]:
            missing += f"（另有 {counts['not_yet_due']} 个未到截止时间）"
        return [unit, str(len(self.board.units)), str(counts["on_time"]), str(counts["late"]),
                str(counts["rejected"]), missing, str(len(self.board.pending_drafts)),
                self.board.doc_number or "未发布", self.reported]


def declared_cycle(cycle: str) -> Cycle:
    """The declared cycle of that name; ``BoardRequestError`` (Chinese) when there is none."""
    try:
        return cycles.get(cycle)
    except DocgenError as exc:
        raise BoardRequestError(str(exc)) from exc


def cycle_and_period(cycle: str, period: str, campaign: Campaign) -> tuple[Cycle, Period]:
    """The declared cycle and the parsed period; ``BoardRequestError`` (Chinese) for either's mistake."""
    declared = declared_cycle(cycle)
    try:
        return declared, declared.parse_period(period, campaign)
    except ValueError as exc:
        raise BoardRequestError(str(exc)) from exc


def board(root: str | Path, cycle: str, period: str, now: datetime | None = None, *, children: bool = True,
          child_timeout: float = CHILD_TIMEOUT) -> Board:
    """The board of ``cycle`` and ``period`` in the workspace at ``root``, as of ``now`` (default: now).

    A period with no expected units gives a board with none; an unknown cycle or a malformed period
    raises ``BoardRequestError``. With ``children`` (and children declared in campaign.yaml), each child's
    own board too (``Board.children`` and the section 县区工作看板), waiting at most ``child_timeout``
    seconds for all of them.
    """
    ws = Workspace(root)
    declared, per = cycle_and_period(cycle, period, ws.campaign)
    now = now or datetime.now(UTC)
    shown = _board(ws, declared, per, now)
    if ws.campaign.levels.parent is not None:
        shown = replace(shown, sections=[*shown.sections, parent_section(ws, declared.name, per.key)])
    if not children or not ws.campaign.levels.children:
        return shown
    lower = _children(ws, shown, child_timeout)
    return replace(shown, children=lower, sections=[*shown.sections, children_section(lower)])


def _board(ws: Workspace, declared: Cycle, per: Period, now: datetime) -> Board:
    """The board of one workspace itself (no children)."""
    from .pipeline import compute  # noqa: PLC0415 - the pipeline imports intake (pandas) only when asked

    try:
        report = compute(ws.root, declared.name, per.key, number=False)
        rows = ws.state.submissions(declared.name, per.key)
        draft_rows = ws.state.drafts(declared.name, per.key)
        issued = ws.state.last_run(declared.name, per.key)
    finally:
        ws.state.engine.dispose()
    deadline = per.deadline
    outbox = ws.outbox_dir(declared.name, per.key)
    units = []
    for u in report.units:
        state: BoardState = u.state
        if state == "missing" and now < deadline:
            state = "not_yet_due"
        mine = [r for r in rows if r.unit == u.code]
        problems: list[str] = []
        count = 0
        returned = _returned(mine, u.file) if state == "rejected" else None
        if returned is not None:
            count = len(returned.errors)
            problems = [Problem.from_dict(e).describe() for e in returned.errors[:FIRST_PROBLEMS]]
        units.append(UnitRow(
            code=u.code, name=u.name, category=u.category, state=state, received_at=u.received_at, file=u.file,
            problems=problems, problem_count=count,
            waiting_files=sum(1 for r in mine if r.status in ("received", "processing")),
        ))
    drafts = [_draft(d, ws.root, outbox) for d in draft_rows if d.status in SHOWN_DRAFTS]
    drafts.sort(key=lambda d: (d.status != "pending", -d.seq))
    return Board(
        campaign=ws.campaign.name, cycle=declared.name, cycle_label=declared.label, dag_id=declared.dag_id,
        period=per.key, period_label=per.label, deadline=deadline, now=now, timezone=ws.campaign.timezone, units=units,
        sections=declared.board_sections(report), documents=issued_files(outbox), drafts=drafts,
        deliveries=delivery_status(ws.root, declared.name, per.key),
        doc_number=issued.doc_number if issued is not None else None,
    )


# ---------------------------------------------------------------- the children (levels.children)


def _child_board(parent: Workspace, given: str, cycle: str, period: str, now: datetime) -> Board:
    """A child's own board (without its own children) from its workspace and its own state database:
    DocgenError or OSError when it cannot be read. A child in a bucket is read through a local face of its
    own (``docgen.levels.open_level``); a child whose state is not in its workspace (a database of its own
    elsewhere) is named, not read from this level's database."""
    from .levels import LevelUnreachable, open_level  # noqa: PLC0415

    try:
        ws = open_level(parent, given, "下级")
    except LevelUnreachable as exc:  # the board's cell says 无法连接 itself: the cause is the reason
        raise DocgenError(str(exc.__cause__ or exc)) from exc
    if not ws.state_is_local():
        raise BoardRequestError("下级工作区中没有状态数据库（尚未运行过，或使用独立的数据库服务），无法读取其看板")
    declared, per = cycle_and_period(cycle, period, ws.campaign)
    return _board(ws, declared, per, now)


def _children(ws: Workspace, shown: Board, timeout: float) -> list[ChildStatus]:
    """Each child's status, its board read in a thread of its own; a child not read within ``timeout``
    seconds (all of them together) is named as not answering, and its thread is left to end by itself."""
    from .registry import load_registry  # noqa: PLC0415 - the registry reads spreadsheets (pandas)

    units = load_registry(ws.registry_dir).units
    reported = {u.code: u.state_label for u in shown.units}
    found: dict[str, Board | str | Exception] = {}
    guard = threading.Lock()

    def read(code: str, given: str) -> None:
        try:
            child: Board | str | Exception = _child_board(ws, given, shown.cycle, shown.period, shown.now)
        except (DocgenError, OSError) as exc:
            child = _reason(exc)
        except Exception as exc:  # noqa: BLE001 - a fault of docgen's own: raised again by the board, not hidden
            child = exc
        with guard:
            found[code] = child

    from .levels import level_root  # noqa: PLC0415

    declared = ws.campaign.levels.children
    roots = {code: level_root(ws.root, given) for code, given in declared.items()}
    threads = [threading.Thread(target=read, args=(code, given), name=f"docgen-board-{code}", daemon=True)
               for code, given in declared.items()]
    for t in threads:
        t.start()
    until = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, until - time.monotonic()))
    with guard:
        done = dict(found)
    statuses = []
    for code, root in roots.items():
        unit = units.get(code)
        child = done.get(code, f"{timeout:g} 秒内未响应")
        if isinstance(child, Exception):
            raise child
        statuses.append(ChildStatus(
            code=code, name=unit.name if unit else code, root=root, reported=reported.get(code, NOT_EXPECTED),
            board=child if isinstance(child, Board) else None, error=child if isinstance(child, str) else "",
        ))
    return statuses


def _reason(exc: BaseException) -> str:
    """Why a child could not be read, on one line and at most ``REASON_CHARS`` characters (a YAML error
    spans lines)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= REASON_CHARS else text[:REASON_CHARS] + "……"


def parent_section(ws: Workspace, cycle: str, period: str) -> BoardSection:
    """A county's reports to the city for the period, as the city's receipts (sent down) answered them."""
    from .levels import parent_receipts  # noqa: PLC0415

    tz = ws.campaign.timezone
    rows = []
    for r in parent_receipts(ws, cycle, period):
        at = datetime.fromisoformat(r["received_at"]) if r.get("received_at") else None
        when = at.astimezone(ZoneInfo(tz)).strftime("%m-%d %H:%M") if at else ""
        problems = [Problem.from_dict(e).describe() for e in r.get("errors") or []][:FIRST_PROBLEMS]
        rows.append([r.get("file", ""), when, "按时" if r.get("on_time") else "逾期",
                     "已接收" if r.get("accepted") else "已退回", "；".join(problems)])
    return BoardSection(
        title=PARENT_TITLE, headers=["报送文件", "上级接收时间", "是否按时", "上级回执", "退回原因"], rows=rows,
        empty="本期尚未向上级报送，或上级尚未回执（本期签发后自动报送）",
        note="本级签发后自动报送上级；上级的回执随每次接收同步到本级 parent/receipts/。",
    )


def children_section(children: list[ChildStatus]) -> BoardSection:
    """The section 县区工作看板: one row per child, its own figures or why it could not be read."""
    lost = sum(1 for c in children if not c.reachable)
    note = "各县区工作区中本期的报送和发文情况；“向本级报送”为本级收到其报送的情况。"
    if lost:
        note += f"其中 {lost} 个无法连接，其余照常显示。"
    return BoardSection(title=CHILDREN_TITLE, headers=CHILDREN_HEADERS, rows=[c.cells() for c in children],
                        empty="未设置下级工作区。", note=note)


def known_periods(root: str | Path, cycle: str) -> list[str]:
    """The periods of ``cycle`` the workspace has folders for (dropped files or issued documents), the
    latest first: what the board's form offers."""
    declared = declared_cycle(cycle)
    ws = Workspace(root)
    found = set()
    for parent in (ws.intake_root / declared.name, ws.root / "outbox" / declared.name):
        for entry in parent.iterdir() if parent.is_dir() else []:
            try:
                found.add(declared.parse_period(entry.name, ws.campaign))
            except ValueError:
                continue
    return [p.key for p in sorted(found, reverse=True)]


def issued_files(outbox: Path) -> list[IssuedFile]:
    """The files a period's outbox holds at its top (what was issued), ``summary.json`` and notes last;
    earlier versions and drafts are left out."""
    found = _files(outbox, outbox, outbox.iterdir() if outbox.is_dir() else [])
    return sorted(found, key=lambda f: (not f.name.endswith((".docx", ".pdf", ".xlsx")), f.name))


def _files(outbox: Path, folder: Path, entries: Iterable[Path]) -> list[IssuedFile]:
    """Regular files among ``entries`` (no links: a link could lead out of the outbox), skipping any
    that a run moves away while they are listed."""
    found = []
    for entry in entries:
        try:
            if entry.is_symlink() or not entry.is_file() or entry.name.startswith("."):
                continue
            stat = entry.stat()
        except OSError:
            continue
        found.append(IssuedFile(str(entry.relative_to(outbox)), stat.st_size,
                                datetime.fromtimestamp(stat.st_mtime, UTC)))
    return found


def _returned(rows: list[SubmissionRow], file: str | None) -> SubmissionRow | None:
    """The unit's returned file the rules named (the latest of that name), else its latest returned one."""
    returned = [r for r in rows if r.status == "rejected"]  # oldest first
    named = [r for r in returned if r.file_name == file]
    return (named or returned or [None])[-1]


def draft_info(root: str | Path, cycle: str, period: str, seq: int) -> DraftInfo | None:
    """Draft ``seq`` of (cycle, period) as the board shows it (whatever its status), or None."""
    ws = Workspace(root)
    declared, per = cycle_and_period(cycle, period, ws.campaign)
    try:
        row = ws.state.draft(declared.name, per.key, seq)
    finally:
        ws.state.engine.dispose()
    return None if row is None else _draft(row, ws.root, ws.outbox_dir(declared.name, per.key))


def _draft(row: DraftRow, root: Path, outbox: Path) -> DraftInfo:
    """A draft row with the files of its folder (only when the folder lies inside the period's outbox)."""
    folder = (root / row.folder).resolve()
    files: list[IssuedFile] = []
    if folder.is_relative_to(outbox.resolve()) and folder.is_dir():
        files = sorted(_files(outbox.resolve(), folder, folder.iterdir()), key=lambda f: f.name)
    return DraftInfo(
        seq=row.seq, status=row.status, doc_number=row.doc_number, created_at=aware(row.created_at),
        decided_by=row.decided_by, decided_at=aware(row.decided_at), comment=row.comment, files=files,
    )


def outbox_file(root: str | Path, cycle: str, period: str, relative: str) -> Path:
    """The file ``relative`` of the period's outbox, for a download; ``BoardRequestError`` for a path
    that is absolute, climbs out (``../``), leads out through a link, or names no file."""
    ws = Workspace(root)
    declared, per = cycle_and_period(cycle, period, ws.campaign)
    outbox = ws.root / "outbox"
    period_box = ws.outbox_dir(declared.name, per.key)
    refused = BoardRequestError(f"没有这个文件：{relative}")
    if not relative or Path(relative).is_absolute() or "\\" in relative or "\x00" in relative:
        raise refused
    target = (period_box / relative).resolve()
    try:
        inside = target.is_relative_to(period_box.resolve()) and target.is_relative_to(outbox.resolve())
    except OSError as exc:
        raise refused from exc
    if not inside or not target.is_file():
        raise refused
    return target
