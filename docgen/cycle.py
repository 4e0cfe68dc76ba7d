"""What a cycle declares, and the reporting rules every cycle shares.

A cycle (one kind of reporting round, run once per period) is declared once, in its own package under ``docgen/cycles/``: its
submission kinds (``Kind``: the data contract, who submits it from which folder, the file types), its rules
(``Cycle.build``: a pure function from ``Inputs`` to a report model) and the documents it issues
(``Cycle.documents``). Intake, receipts, state, numbering, rendering, publishing, the CLI and the DAGs only
ever talk to a ``Cycle``; none of them names one. ``docgen.cycles.get`` finds a declared cycle by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar, get_args, get_origin

from .config import NO_SETTINGS, Campaign
from .models import RETURNED_BY_REVIEW, UNIT_STATE_LABELS, Problem, Registry, UnitState, UnitStatus
from .periods import Calendar, Period
from .serialize import from_jsonable, jsonable

UNIT_FOLDER = None  # a Kind's folder when each unit drops it in the folder named by its own code
UNIT_ROLE = "成员单位"


@dataclass(frozen=True)
class Kind:
    """One kind of file a cycle receives.

    ``name`` is its data contract's name; ``folder`` the role folder it is dropped in
    (``_inspection``), or ``UNIT_FOLDER`` for each unit's own folder; ``role`` whom its receipts address;
    ``suffixes`` the file types it accepts (a folder with several kinds tells them apart by type).
    ``ledger``: its accepted files change the cycle's ledger (``Cycle.apply``), in the order received.
    ``reader``: for a kind that is not a table (a Word document), ``"module:function"`` of a function
    ``(path, limits) -> contracts.Validation`` that checks it instead of a data contract; it runs in the
    bounded worker like any reader, and its ``notes`` are told in the receipt without refusing the file.
    """

    name: str
    title: str
    folder: str | None = UNIT_FOLDER
    role: str = UNIT_ROLE
    suffixes: tuple[str, ...] = (".xlsx", ".csv")
    ledger: bool = False
    reader: str | None = None

    @property
    def folder_label(self) -> str:
        """The folder as a Chinese sentence names it: ``_inspection`` or 本单位代码命名的文件夹."""
        return self.folder or "<单位代码>"


@dataclass(frozen=True)
class Register:
    """A table of the secretariat's own that a cycle reads (``registry/<file>.xlsx`` or ``.csv``), checked
    by the data contract ``name`` like the registry; its rows reach the rules as ``Inputs.registers[name]``.
    ``required``: without the file the cycle cannot run (else it reads no rows)."""

    name: str
    file: str
    required: bool = True


@dataclass(frozen=True)
class Submission:
    """A processed file as the rules see it: who, which kind, when, accepted or not, its rows if accepted."""

    unit: str  # the folder it came from: a unit code, or a role folder such as _inspection
    file: str
    received_at: datetime
    accepted: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    kind: str = ""
    id: int = 0
    archive_path: str = ""  # its copy in the archive, relative to the workspace (a document the cycle compiles)
    problems: list[str] = field(default_factory=list)  # why a returned file was returned, as its receipt says


@dataclass(frozen=True)
class Inputs:
    """Everything a cycle's rules may read: no files, no database, no clock.

    ``events``: the cycle's ledger events so far (as stored, in the order they were appended), for a
    cycle that keeps a ledger; ``periods_of_events`` the period each came from (same order).
    """

    campaign: Campaign
    registry: Registry
    period: Period
    submissions: Sequence[Submission]
    events: Sequence[Mapping[str, Any]] = ()
    event_periods: Sequence[str] = ()
    file_names: Mapping[str, str] = field(default_factory=dict)  # submission id (as str) → file name
    registers: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)  # Register.name → rows
    # the levels below (docgen.levels): each child unit's report as it sent it up with its accepted
    # submission (``Upward.detail``), by 单位代码; empty for a campaign without children
    lower: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """One file a run issues.

    A .docx from ``template`` (in ``templates/``, or the workspace's own copy) and ``context`` (called
    with a ``render.document.Canvas``: the loaded template, and charts drawn as pictures bound to it); or
    any other file written by ``write(path, sources)`` (``sources``: a ``render.document.Sources``, which
    finds archived submissions and templates), which returns None when it wrote the file and otherwise, in
    Chinese, why not (an optional component missing: the run says so and goes on). Documents are made in
    the order declared, in one folder, so a later one may read an earlier one (a PDF of a report).
    ``number_key`` names its issuing number (None: it has none). ``addressees``: the units it is delivered
    to once issued (None: the report's expected units, 主送 各成员单位; ``()``: the secretariat's own file).
    """

    file_name: str
    template: str | None = None
    context: Callable[[Any], dict[str, Any]] | None = None
    write: Callable[[Path, Any], str | None] | None = None
    number_key: str | None = None
    in_place: bool = False  # render very long bodies without docxtpl's quadratic move
    addressees: tuple[str, ...] | None = None  # 主送: the unit codes it is sent to; None: every expected unit


@dataclass(frozen=True)
class Upward:
    """What an issued period sends to the level above (docgen.levels) as this campaign's submission there.

    ``kind``: the parent's submission kind (its data contract); ``rows``: by the contract's field names,
    one per row the parent's form for this campaign asked for; ``detail``: JSON-able figures beside them,
    which the parent's rules read as ``Inputs.lower`` (the children's own units, for drilling down).
    """

    kind: str
    rows: list[dict[str, Any]]
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FormContent:
    """What a blank form (报送模板) of one kind for one submitter is pre-filled with.

    ``rows``: one dict per pre-filled row, values by the contract's field names (the unit's code, a task,
    a problem …); ``locked_fields``: the fields whose pre-filled cells the submitter may not change;
    ``hints``: read-only reference columns after the contract's, as (Chinese header, one value per row).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    locked_fields: frozenset[str] = frozenset()
    hints: list[tuple[str, list[Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class BoardSection:
    """A table of the status board (状态看板) that only some cycles have: all texts, in Chinese.

    ``empty``: what the page says when there are no rows (a section with none still tells something);
    ``note``: one line shown under the title (why a table is not complete yet).
    """

    title: str
    headers: list[str]
    rows: list[list[str]]
    empty: str = "无"
    note: str = ""


@dataclass(frozen=True)
class LedgerView:
    """A ledger (or one item's history) as a table for the command line: all texts, in Chinese."""

    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(kw_only=True)
class Report:
    """The header of every cycle's report: all the shared layers read of a report.

    A cycle's report is a dataclass deriving from this one, adding its own fields (these are keyword-only,
    so its own may come in any order). It crosses from computing to rendering as JSON through
    ``to_dict``/``from_dict`` (one serializer for every report, by its type hints).
    """

    period: str  # the period's key: 2026-10
    period_label: str  # as documents name it: 2026年10月
    deadline: datetime  # when the units' files were due (aware, in the campaign's zone)
    units: list[UnitStatus]  # the units the period expects, each with its reporting status, in the cycle's order
    numbers: dict[str, str] = field(default_factory=dict)  # number key → issuing number, in ``number_keys`` order
    issue_date: date | None = None  # the day the documents are issued (once numbered, or ``Cycle.dated``)

    @property
    def doc_number(self) -> str | None:
        """The main document's issuing number (the first given); None before numbering, or when no
        document is numbered."""
        return next(iter(self.numbers.values()), None)

    def units_in(self, state: UnitState) -> list[UnitStatus]:
        return [u for u in self.units if u.state == state]

    def summary(self) -> dict[str, Any]:
        """``summary.json``: what other programs read of the issue (the cycle's own keys)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON takes it (the staging file the render task reads)."""
        return jsonable(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The report back from ``to_dict``'s JSON."""
        return from_jsonable(cls, data)


R = TypeVar("R", bound=Report)


class Cycle(Generic[R]):
    """A cycle's declaration. Subclasses (one per cycle package, ``class Its(Cycle[ItsReport])``: the hooks
    take and give that report class) set the attributes and the three hooks."""

    report_type: type[R]  # the report class, taken from the class's ``Cycle[...]`` base

    name: ClassVar[str]  # "monthly": folder names, CLI argument, state rows, campaign.yaml keys
    label: ClassVar[str]  # 月度: what a secretariat calls it
    order: ClassVar[int] = 100  # where it comes in lists (the CLI, the status board)
    kinds: ClassVar[tuple[Kind, ...]]
    dag_id: ClassVar[str]  # the Airflow DAG that runs it at its deadline
    dag_title: ClassVar[str]  # the DAG's Chinese name
    document_title: ClassVar[str]  # what its run issues, as the CLI reports it: 月通报
    ledger_item_key: ClassVar[str] = "item_id"  # for a cycle with a ledger: the field of its events naming the item
    ledger: ClassVar[str | None] = None  # the ledger its kinds write to when it is another cycle's (``ledger_name``)
    contract_rules: ClassVar[str | None] = None  # "module" registering the rules its contracts name (contracts.rule)
    registers: ClassVar[tuple[Register, ...]] = ()  # the secretariat's own tables it reads besides the registry

    # -- its calendar and settings (campaign.yaml) ------------------------------------------------

    def calendar(self, campaign: Campaign) -> Calendar:
        """Its periods under ``campaign``'s settings (``deadlines.<name>``, its own section): how they are
        written and dated, and when its DAG runs. WorkspaceError in Chinese for a setting it cannot take."""
        raise NotImplementedError

    def check_settings(self, campaign: Campaign) -> None:
        """Refuse (WorkspaceError, Chinese) a value of its own section of campaign.yaml it cannot take;
        by default only its calendar's settings are checked."""
        self.calendar(campaign)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            if get_origin(base) is Cycle:
                (cls.report_type,) = get_args(base)

    # -- the three hooks ------------------------------------------------------------------------

    def build(self, inputs: Inputs) -> R:
        """The report of one period: the cycle's rules, pure."""
        raise NotImplementedError

    def report_from_dict(self, data: Mapping[str, Any]) -> R:
        """The report back from its JSON (the staging file the render task reads)."""
        return self.report_type.from_dict(data)

    def documents(self, report: R) -> list[Document]:
        """The files one run issues for ``report`` (``summary.json`` is added by the pipeline)."""
        raise NotImplementedError

    def number_keys(self, report: R) -> list[str]:
        """The issuing numbers the report needs, in the order they are given."""
        return [d.number_key for d in self.documents(report) if d.number_key]

    def number_prefix(self, key: str, campaign: Campaign) -> str:
        """The issuing-number prefix of its document ``key`` (a sequence of its own per prefix, ``{year}``
        the year of issue): by default the campaign's ``doc_number_prefix``."""
        return campaign.doc_number_prefix

    def dated(self, report: R, issued_on: date) -> R:
        """The report as issued on ``issued_on``, before its numbers are given: a cycle whose documents
        depend on the issue day (what is still owed then) says so here; by default nothing changes."""
        return report

    def with_numbers(self, report: R, numbers: Mapping[str, str], issued_on: date) -> R:
        """The report carrying its issuing numbers (by number key, in ``number_keys`` order) and issue date
        in its header; a cycle whose report keeps more of them may add to it."""
        return replace(report, numbers=dict(numbers), issue_date=issued_on)

    def apply(
        self, events: Sequence[Mapping[str, Any]], kind: Kind, rows: Sequence[Mapping[str, Any]], *,
        source: str, at: datetime, unit: str, excel_rows: Sequence[int] | None, period: Period,
    ) -> tuple[list[dict[str, Any]], list[Problem]]:
        """For a cycle with a ledger: the events an accepted file adds, or the problems that refuse it.

        ``events``: every event of its ledger so far (``ledger_name``: other cycles' too when it is shared);
        ``period``: the period whose folder the file was dropped in (a cycle may tag what it files with it).
        """
        raise NotImplementedError

    def ledger_view(
        self, inputs: Inputs, *, unit: str | None = None, open_only: bool = False, item: str | None = None
    ) -> LedgerView:
        """For a cycle with a ledger: its items as they stand now (or one item's history) as a table."""
        raise NotImplementedError

    def still_owed(
        self, kind: Kind, unit: str, rows: Sequence[Mapping[str, Any]], registry: Registry, period: Period,
        events: Sequence[Mapping[str, Any]] = (),
    ) -> list[str]:
        """What a unit still owes for the period after this accepted file (told in its receipt, Chinese).

        ``events``: the cycle's ledger events so far, this file's included (a cycle with a ledger).
        """
        return []

    def headline(self, report: R) -> list[str]:
        """A few lines the CLI prints after a run (Chinese)."""
        return []

    def key_figures(self, report: R) -> list[tuple[str, str]]:
        """(label, value) pairs a reviewer checks before approving the period's documents (Chinese): by
        default how many expected units reported on time, late, were returned or are missing."""
        counts = {}
        for u in report.units:
            counts[u.state] = counts.get(u.state, 0) + 1
        return [("应报单位", f"{len(report.units)} 个"),
                *((UNIT_STATE_LABELS[state], f"{counts.get(state, 0)} 个")
                  for state in ("on_time", "late", "rejected", "missing"))]

    def board_sections(self, report: R) -> list[BoardSection]:
        """The status board's tables beyond who reported (a ledger's open items, scores …), from the
        report of the period as computed so far; none by default."""
        return []

    # -- levels (docgen.levels) -------------------------------------------------------------------

    def upward(self, report: R, asked: Mapping[str, Sequence[Mapping[str, Any]]], unit: str) -> Upward | None:
        """This campaign's submission to the level above for the period, from its issued ``report``:
        ``asked`` are the rows of the parent's pre-filled forms for it, by kind (its tasks, its items),
        ``unit`` its code there. None: the cycle sends nothing up."""
        return None

    # -- blank forms (docgen forms) ---------------------------------------------------------------

    def form_submitters(self, kind: Kind, inputs: Inputs) -> list[str]:
        """Who is sent a blank form of ``kind`` for ``inputs.period``: for a kind dropped in units' own
        folders the units the period expects (by default those the report lists), in registry order; for
        a role folder's kind the folder's name (``_inspection``). A cycle may say it more cheaply or narrowly."""
        if kind.folder is not None:
            return [kind.folder]
        return [u.code for u in self.build(inputs).units]

    def form(self, kind: Kind, submitter: str, inputs: Inputs) -> FormContent | None:
        """The pre-filled content of ``submitter``'s blank form of ``kind`` (a unit code, or the role
        folder's name); None: the kind has no form (a Word document, or a cycle that declares none)."""
        return None

    # -- derived --------------------------------------------------------------------------------

    @property
    def period_example(self) -> str:
        """A period key as a user writes it (help texts, forms)."""
        return self.calendar(NO_SETTINGS).example

    def parse_period(self, key: str, campaign: Campaign) -> Period:
        return self.calendar(campaign).parse(key)

    def previous_period(self, moment: datetime, campaign: Campaign) -> Period:
        """The period a run at ``moment`` reports on; ValueError in Chinese when there is none yet."""
        period = self.calendar(campaign).previous(moment)
        if period is None:
            raise ValueError(f"{moment:%Y-%m-%d %H:%M} 之前{self.label}没有到截止时间的期次，请指定期次")
        return period

    def kind(self, name: str) -> Kind:
        return next(k for k in self.kinds if k.name == name)

    @property
    def role_folders(self) -> dict[str, Kind]:
        """Role folder name → the first kind dropped there."""
        found: dict[str, Kind] = {}
        for k in self.kinds:
            if k.folder is not None:
                found.setdefault(k.folder, k)
        return found

    def kinds_in(self, folder: str | None) -> list[Kind]:
        """The kinds dropped in a folder (``UNIT_FOLDER`` for units' own folders)."""
        return [k for k in self.kinds if k.folder == folder]

    def kind_for(self, folder: str | None, file_name: str) -> Kind | None:
        """The kind a file dropped in ``folder`` is read as: by its type among the folder's kinds, else
        the folder's first kind (whose reader then says what type it wants); None when the folder takes none."""
        candidates = self.kinds_in(folder)
        suffix = Path(file_name).suffix.lower()
        exact = next((k for k in candidates if suffix in k.suffixes), None)
        # a .doc or .xls (or .docm, .xlsm) is read as the kind of its family, whose reader says what to save as
        family = next((k for k in candidates if suffix and any(s[:4] == suffix[:4] for s in k.suffixes)), None)
        return exact or family or (candidates[0] if candidates else None)

    @property
    def keeps_ledger(self) -> bool:
        return any(k.ledger for k in self.kinds)

    @property
    def ledger_name(self) -> str:
        """The ledger its events are stored in and locked by: its own name, or the cycle's whose ledger it
        shares (``ledger``), so one ledger holds the items of several cycles, each applied in received order."""
        return self.ledger or self.name


def resolve(reference: str) -> Callable[..., Any]:
    """``"module:function"`` → the function, imported only now (a kind's reader, a daily DAG's action):
    a declaration names heavy code without importing it."""
    import importlib  # noqa: PLC0415

    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


# ---------------------------------------------------------------- who reported: rules every cycle shares


def unit_state(submissions: Sequence[Submission], deadline: datetime) -> tuple[UnitState, Submission | None]:
    """on_time / late / rejected / missing, and the submission that tells when."""
    if not submissions:
        return "missing", None
    accepted = sorted((s for s in submissions if s.accepted), key=lambda s: s.received_at)
    if not accepted:
        return "rejected", max(submissions, key=lambda s: s.received_at)
    first = accepted[0]
    return ("on_time" if first.received_at <= deadline else "late"), first


def latest_accepted(submissions: Sequence[Submission]) -> Submission | None:
    """The file whose data counts: a later accepted file replaces the earlier one for the period."""
    accepted = [s for s in submissions if s.accepted]
    return max(accepted, key=lambda s: s.received_at) if accepted else None


def unit_statuses(
    registry: Registry, expected: Sequence[str], submissions: Sequence[Submission], deadline: datetime
) -> list[UnitStatus]:
    """Each expected unit's status (in the order given) from the files of its own folder."""
    by_unit: dict[str, list[Submission]] = {}
    for s in submissions:
        by_unit.setdefault(s.unit, []).append(s)
    statuses = []
    for code in expected:
        mine = by_unit.get(code, [])
        state, telling = unit_state(mine, deadline)
        used = latest_accepted(mine) or telling
        unit = registry.units[code]
        why = telling.problems[0] if state == "rejected" and telling and telling.problems else ""
        statuses.append(UnitStatus(
            code=code, name=unit.name, category=unit.category, state=state,
            received_at=telling.received_at if telling else None, file=used.file if used else None,
            returned=why.removeprefix(RETURNED_BY_REVIEW) if why.startswith(RETURNED_BY_REVIEW) else "",
        ))
    return statuses
