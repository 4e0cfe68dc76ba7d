"""Campaigns in levels (city → counties): what goes down to each child, what comes up to the parent.

A county's workspace declares its parent (``levels.parent``: the city's workspace and the county's unit
code in the city's registry); the city's declares its children (``levels.children``: unit code → the
county's workspace). Each is a docgen workspace of its own (a folder on this machine, a shared folder, or a
bucket), runs its own cycles, and runs standalone when the other level cannot be reached. Each side carries
what it produces:

- **down** (the city, ``distribute``): into each county's ``parent/`` folder the city's tasks that concern
  it (``parent/registry/任务清单.xlsx``: the county's own 任务清单 assigns them to its units under the same
  任务编号, and the city's name, dates and target stand), the city's calendar (``parent/calendar.yaml``:
  the deadlines the county does not set itself), the city's forms for it with what they ask
  (``parent/forms/<cycle>/<period>/``), and the city's receipts for its reports, a 退回 among them
  (``parent/receipts/<cycle>/<period>/``);
- **up** (the county, ``send_up``): once a period is issued, its report as the county's submission to the
  city, an ordinary file of the city's kind (a progress report filled from the county's notice) dropped in
  the city's ``intake/<cycle>/<period>/<unit>/``, which the city checks against its contract and answers
  with a receipt like any unit's; beside it, in the city's ``children/<unit>/<cycle>/<period>/``, the
  county's own figures (``Upward.detail``, for the city's documents to drill down) and, where the city asks
  (``levels.documents``), its issued documents.

Both are idempotent (a file already there is not written again) and run at every intake
(``sync``: the ``intake_receipts`` DAG every 10 minutes), after the forms are issued and after each issue,
so a level that was offline is caught up by the next run once it is back. Names no cycle: what a period
sends up is asked of the cycle (``Cycle.upward``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from . import cycles
from .atomic import replacing
from .cycle import Cycle, Report
from .errors import DocgenError
from .inputs import inputs_for
from .registry import PARENT_REGISTRY
from .storage import is_url
from .workspace import CHILDREN_DIR, PARENT_CALENDAR, PARENT_DIR, Workspace

log = logging.getLogger(__name__)

TASKS_FILE = "任务清单.xlsx"
ASKED_FILE = "asked.json"  # beside a child's forms: the rows each of the parent's forms asks of it
UPWARD_MARK = "上报"  # an upward report's file name ends with 第<n>次上报.xlsx
DOCUMENT_SUFFIXES = (".docx", ".pdf", ".xlsx")


class LevelUnreachable(DocgenError):
    """The other level's workspace cannot be opened now (a share not mounted, a bucket down): what was to
    go there waits for the next run."""


@dataclass
class SyncResult:
    """What one ``sync`` carried: files written in the other level, by its unit code; levels not reached."""

    written: dict[str, int] = field(default_factory=dict)
    unreachable: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"written": self.written, "unreachable": self.unreachable}


# ---------------------------------------------------------------- opening the other level


def level_root(root: Path, given: str) -> str:
    """A level's root as campaign.yaml gives it: a bucket's URL as it is, a folder relative to this
    workspace's ``root`` (or absolute)."""
    if is_url(given):
        return given
    return str((root / Path(given).expanduser()).resolve())


def open_level(ws: Workspace, given: str, what: str) -> Workspace:
    """The workspace of another level; ``LevelUnreachable`` (naming ``what``, in Chinese) when it cannot be
    opened now."""
    root = level_root(ws.root, given)
    try:
        return Workspace(root, other_level=True)
    except (DocgenError, OSError) as exc:
        raise LevelUnreachable(f"无法连接{what}的工作区 {given}：{exc}") from exc


def _put(target: Path, data: bytes) -> bool:
    """Write ``data`` to ``target`` unless it already holds the same (a workbook: the same parts, whenever
    it was saved); whether it wrote."""
    if target.is_file() and _content(target.read_bytes(), target.suffix) == _content(data, target.suffix):
        return False
    with replacing(target) as tmp:
        tmp.write_bytes(data)
    return True


def _content(data: bytes, suffix: str) -> object:
    """What a file says: its bytes; for a workbook its parts but the save time (docProps/core.xml)."""
    if suffix != ".xlsx":
        return data
    import io  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return {i.filename: book.read(i) for i in book.infolist() if i.filename != "docProps/core.xml"}
    except zipfile.BadZipFile:
        return data


def _copy(source: Path, target: Path) -> bool:
    return _put(target, source.read_bytes())


# ---------------------------------------------------------------- down: the parent's side


def distribute(root: str | Path, now: datetime | None = None) -> SyncResult:
    """Send each child what concerns it (tasks, calendar, forms and what they ask, receipts); a child not
    reached is named in the result and the log, and caught up by the next call."""
    ws = Workspace(root)
    result = SyncResult()
    if not ws.campaign.levels.children:
        return result
    from .registry import load_registry  # noqa: PLC0415 - pandas

    registry = load_registry(ws.registry_dir)
    asked = _asked(ws, _open_periods(ws, now or datetime.now(UTC)))
    for code, given in ws.campaign.levels.children.items():
        unit = registry.units.get(code)
        what = f"下级“{unit.name if unit else code}”"
        try:
            if unit is None:
                raise LevelUnreachable(f"{ws.campaign.source} 的 levels.children 中的 {code} 不在成员单位名册中")
            child = open_level(ws, given, what)
            result.written[code] = _down_to(ws, child, code, registry, asked)
        except (LevelUnreachable, OSError) as exc:
            result.unreachable[code] = str(exc)
            log.warning("%s：本次未下发，下次同步时补发", exc)
    return result


def _open_periods(ws: Workspace, now: datetime) -> list[tuple[str, str]]:
    """The periods whose asks go down: those the forms were issued for, and each cycle's latest period
    due (a county issues it about then, also where the city issues no forms)."""
    found = set()
    forms = ws.root / "forms"
    for folder in forms.glob("*/*") if forms.is_dir() else []:
        if folder.is_dir() and folder.parent.name in cycles.declared():
            found.add((folder.parent.name, folder.name))
    for name, declared in cycles.declared().items():
        try:
            found.add((name, declared.previous_period(now, ws.campaign).key))
        except ValueError:  # no period due yet
            continue
    return sorted(found)


def _down_to(ws: Workspace, child: Workspace, code: str, registry: Any,
             asked: dict[tuple[str, str], dict[str, dict[str, list[dict[str, Any]]]]]) -> int:
    base = child.root / PARENT_DIR
    written = 0
    tasks = [t for t in registry.tasks.values() if t.involves(code)]
    written += _put(child.root / PARENT_REGISTRY / TASKS_FILE, _tasks_workbook(ws, tasks))
    calendar = {"campaign": ws.campaign.name, "secretariat": ws.campaign.secretariat,
                "unit": code, "unit_name": registry.units[code].name,  # the child as the parent's registry names it
                "timezone": ws.campaign.timezone, "deadlines": ws.campaign.deadlines}
    written += _put(child.root / PARENT_CALENDAR, yaml.safe_dump(calendar, allow_unicode=True, sort_keys=False).encode())
    for (cycle, period), by_child in asked.items():
        mine = sorted(p for p in (ws.root / "forms" / cycle / period).glob(f"{code}_*.xlsx") if p.is_file())
        if not (by_child.get(code) or mine):
            continue
        target = base / "forms" / cycle / period
        written += sum(_copy(p, target / p.name) for p in mine)
        written += _put(target / ASKED_FILE, json.dumps(by_child.get(code) or {}, ensure_ascii=False, indent=1,
                                                        default=str).encode())
    receipts = ws.root / "receipts"
    for folder in sorted(receipts.glob(f"*/*/{code}")) if receipts.is_dir() else []:
        target = base / "receipts" / folder.parent.parent.name / folder.parent.name
        written += sum(_copy(p, target / p.name) for p in sorted(folder.iterdir()) if p.is_file())
    if written:
        child.push(PARENT_DIR)
    return written


def _asked(ws: Workspace, periods: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, dict[str, list]]]:
    """What each child is asked for each period, as the forms would pre-fill it now (items filed since the
    forms went out included): (cycle, period) → child code → kind → rows. A period whose inputs cannot be
    gathered (a cycle this campaign does not run: its register is missing) asks nothing."""
    from .issue_forms import planned_forms  # noqa: PLC0415

    found: dict[tuple[str, str], dict[str, dict[str, list]]] = {}
    for cycle, period in periods:
        declared = cycles.get(cycle)
        try:
            inputs = inputs_for(ws, declared, declared.parse_period(period, ws.campaign))
        except (DocgenError, ValueError) as exc:
            log.debug("%s %s 不下发报送要求：%s", cycle, period, exc)
            continue
        asked: dict[str, dict[str, list]] = {}
        for code in ws.campaign.levels.children:
            for kind, _who, _name, content in planned_forms(declared, inputs, unit=code):
                asked.setdefault(code, {})[kind.name] = [dict(r) for r in content.rows]
        found[(cycle, period)] = asked
    return found


def _tasks_workbook(ws: Workspace, tasks: Sequence[Any]) -> bytes:
    """The parent's tasks as a 任务清单 (the registry's own headers), for the child's secretariat to read and
    its registry to take the name, dates and target from."""
    import io  # noqa: PLC0415

    from openpyxl import Workbook  # noqa: PLC0415

    from .contracts import load_contract  # noqa: PLC0415

    contract = load_contract("tasks")
    book = Workbook()
    sheet = book.active
    sheet.title = "任务清单"
    sheet.append([f.header for f in contract.fields])
    for t in tasks:
        values = {"task_id": t.task_id, "name": t.name, "project": t.project, "lead_unit": t.lead_unit,
                  "cooperating_units": "、".join(t.cooperating_units), "target_value": t.target_value,
                  "measure_unit": t.measure_unit, "start_date": t.start_date.isoformat(),
                  "deadline": t.deadline.isoformat()}
        sheet.append([values.get(f.name, "") for f in contract.fields])
    book.properties.creator = ws.campaign.secretariat
    book.properties.title = f"{ws.campaign.secretariat}下达的任务清单"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- up: the child's side


def asked_of(ws: Workspace, cycle: str, period: str) -> dict[str, list[dict[str, Any]]]:
    """What the parent's forms of the period ask of this workspace (kind → rows); {} before they came."""
    path = ws.root / PARENT_DIR / "forms" / cycle / period / ASKED_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_upward(ws: Workspace, cycle: str, report: Report, folder: Path) -> list[Path]:
    """The period's report to the parent, written into a staging folder beside its documents (so a
    reviewer sees it in the draft and it is issued with them): the .xlsx and its detail .json. Nothing
    when the workspace has no parent, the cycle sends nothing up, or what the parent asks has not come."""
    parent = ws.campaign.levels.parent
    declared = cycles.get(cycle)
    if parent is None or type(declared).upward is Cycle.upward:
        return []
    asked = asked_of(ws, cycle, report.period)
    if not asked:
        log.warning("上级尚未下发%s %s 的报送模板（%s），本期不向上级报送", declared.label, report.period,
                    ws.root / PARENT_DIR / "forms" / cycle / report.period)
        return []
    up = declared.upward(report, asked, parent.unit)
    if up is None or not up.rows:
        return []
    from .contracts import load_contract  # noqa: PLC0415
    from .filenames import safe_component  # noqa: PLC0415
    from .forms import FormSpec, write_form  # noqa: PLC0415

    contract = load_contract(up.kind)
    title = contract.title or up.kind
    n = ws.state.run_count(cycle, report.period) + 1
    name = _name_above(ws) or ws.campaign.secretariat
    stem = safe_component(f"{parent.unit}_{name}_{title}_{report.period}_第{n}次{UPWARD_MARK}")
    spec = FormSpec(contract=contract, title=f"{name} {title}（{report.period_label}）",
                    rows=up.rows, blank_rows=0, issuer=ws.campaign.secretariat,
                    description=f"由{ws.campaign.secretariat}根据本级已签发的{declared.document_title}自动生成并上报。")
    book = write_form(spec, folder / f"{stem}.xlsx")
    detail = folder / f"{stem}.json"
    detail.write_text(json.dumps({**up.detail, "kind": up.kind}, ensure_ascii=False, indent=1, default=str),
                      encoding="utf-8")
    return [book, detail]


def _name_above(ws: Workspace) -> str:
    """This workspace's unit name in its parent's registry, as the parent sent it down."""
    try:
        sent = yaml.safe_load((ws.root / PARENT_CALENDAR).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return ""
    return str(sent.get("unit_name") or "") if isinstance(sent, dict) else ""


def parent_receipts(ws: Workspace, cycle: str, period: str) -> list[dict[str, Any]]:
    """The parent's receipts for this workspace's reports of the period (as sent down), oldest first."""
    folder = ws.root / PARENT_DIR / "receipts" / cycle / period
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return found


def upward_files(outbox: Path) -> list[Path]:
    """The report to the parent among a period's issued files (the current version only)."""
    return sorted(p for p in outbox.glob(f"*{UPWARD_MARK}.xlsx") if p.is_file()) if outbox.is_dir() else []


def send_up(root: str | Path, cycle: str | None = None, period: str | None = None) -> SyncResult:
    """Drop each issued report not yet in the parent's intake there (with its detail beside it, and the
    documents where the parent asks); every issued period, or one. The parent not reached: named in the
    result and the log; the next call sends it."""
    ws = Workspace(root)
    result = SyncResult()
    parent = ws.campaign.levels.parent
    if parent is None:
        return result
    if ws.bucket is not None and not (cycle and period):
        ws.pull("outbox")  # a report issued on another machine and not sent yet
    outboxes = [ws.outbox_dir(cycle, period)] if cycle and period else sorted((ws.root / "outbox").glob("*/*"))
    pending = [(o, files) for o in outboxes if (files := upward_files(o))]
    if not pending:
        return result
    try:
        above = open_level(ws, parent.root, "上级")
    except LevelUnreachable as exc:
        result.unreachable[parent.unit] = str(exc)
        log.warning("%s：上报文件留在本级 outbox，下次同步时报送", exc)
        return result
    written = 0
    for outbox, files in pending:
        cyc, per = outbox.parent.name, outbox.name
        drop = above.intake_dir(cyc, per) / parent.unit
        beside = above.root / CHILDREN_DIR / parent.unit / cyc / per
        for book in files:
            if _copy(book, drop / book.name):
                written += 1
                log.info("已向上级报送 %s", book.name)
                above.push(above.relative(drop / book.name))
            detail = book.with_suffix(".json")
            if detail.is_file():
                written += _copy(detail, beside / detail.name)
        if above.campaign.levels.documents:
            for doc in sorted(outbox.iterdir()):
                if doc.is_file() and doc.suffix in DOCUMENT_SUFFIXES and not doc.name.endswith(f"{UPWARD_MARK}.xlsx"):
                    written += _copy(doc, beside / "公文" / doc.name)
    if written:
        above.push(CHILDREN_DIR)
    result.written[parent.unit] = written
    return result


def issue_due_forms(root: str | Path, moment: datetime | None = None) -> dict[str, list[str]]:
    """The ``forms`` DAG's step: the forms of every period starting today, and at once down to the children
    with what they ask (what every intake's sync would carry within minutes)."""
    from .issue_forms import issue_due_forms as issue  # noqa: PLC0415

    issued = issue(root, moment)
    if Workspace(root).campaign.levels.children:
        sync_quietly(root)
    return issued


def sync(root: str | Path, cycle: str | None = None, period: str | None = None) -> SyncResult:
    """Both directions, for whichever this workspace has: up (reports not yet sent; every period, or one)
    and down (what concerns each child)."""
    up, down = send_up(root, cycle, period), distribute(root)
    return SyncResult({**up.written, **down.written}, {**up.unreachable, **down.unreachable})


def sync_quietly(root: str | Path, cycle: str | None = None, period: str | None = None) -> SyncResult:
    """``sync`` for a step that must finish whatever became of the other level (an intake, an issue): a
    failure is logged in Chinese and the next sync tries again."""
    try:
        return sync(root, cycle, period)
    except Exception as exc:  # noqa: BLE001 - the step goes on; the next sync catches up
        log.error("上下级同步未完成（下次同步时补做）：%s", exc)
        return SyncResult()


def child_folder(ws: Workspace, code: str, cycle: str, period: str) -> Path:
    """Where a child's figures and documents of a period are kept in this (the parent's) workspace."""
    return ws.root / CHILDREN_DIR / code / cycle / period
