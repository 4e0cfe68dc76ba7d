"""Answering registered submissions: claim them, read and validate them in bounded workers, write receipts.

Each submission is claimed first (a claim names the process that made it: a run that died, even by
kill -9, leaves claims the next run takes over at once). Files are read and validated in bounded worker
processes (``docgen.isolation``: a file that crashes, exhausts or stalls its reader costs only itself),
their receipts written, and the outcomes recorded in batches. A file of a kind that changes the cycle's
ledger goes to the ledger (``ledger.apply_accepted``) in the parent and is answered after.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .. import cycles
from ..contracts import Contract, Validation, ValidationContext, load_contract
from ..cycle import resolve
from ..faults import checkpoint
from ..isolation import BATCH, Bounds, Failure, run_isolated
from ..models import Problem, Receipt, Registry
from ..periods import Period
from ..registry import load_registry, registers_of
from ..state import Answered, StorageError, SubmissionRow, disk_message, owner_token
from ..workspace import Workspace
from . import ledger
from .job import SYSTEM_ERROR, Job, folder_kind

log = logging.getLogger(__name__)

MAX_WORKERS = 4
CHUNK = 50  # files a worker reads and validates together (one validation pass costs ~5 ms whatever its size)
RECORD_EVERY = 50  # outcomes written to the state database per transaction
Progress = Callable[[str, int, int], None]

FAILURE_MESSAGES = {
    "crash": "文件无法读取：读取该文件时程序异常中止，文件可能已损坏或结构异常。请在 Excel 或 WPS 中打开后"
             "“另存为”新的 .xlsx 文件再报送；如仍有问题请联系创建办",
    "timeout": "文件读取超时（超过 {detail} 仍未读完），可能含有大量空白格式或异常内容。请删除多余内容，"
               "“另存为”新的 .xlsx 文件后重新报送",
    "memory": "读取该文件所需内存超出上限，文件可能含有大量内容或异常结构。请删除多余内容或拆分后重新报送",
}


@dataclass
class Outcome:
    """A submission answered: its receipt, the typed rows used when accepted, where the receipts went.

    ``storage_error`` is set when the receipts could not be written (a full disk): the submission is then
    left for the next run instead of being recorded as answered.
    """

    receipt: Receipt | None
    rows: list[dict[str, Any]]
    receipt_paths: list[str]
    storage_error: str | None = None
    for_ledger: Validation | None = None  # accepted by its contract; the ledger decides, then it is answered


def process(
    ws: Workspace,
    cycle: str | None = None,
    period: str | None = None,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[Receipt]:
    """Validate every registered, unprocessed submission and write its receipts.

    Each submission is claimed first, so two runs at once (the intake DAG and a deadline run) never
    answer the same file twice; claims of a process that no longer runs are taken over. Files are read
    in bounded worker processes (one per core, at most 4).
    """
    token = owner_token()
    claimed = ws.state.claim(token, cycle, period)
    if not claimed:
        return []
    registry = load_registry(ws.registry_dir)
    jobs = [Job.of(row) for row in claimed]
    receipts: list[Receipt] = []
    storage_errors: list[str] = []
    buffer: list[tuple[Job, Outcome]] = []

    for_ledger: list[tuple[Job, Validation]] = []

    def take(job: Job, outcome: Outcome) -> None:
        if outcome.for_ledger is not None:
            for_ledger.append((job, outcome.for_ledger))
            return
        if outcome.storage_error:
            storage_errors.append(outcome.storage_error)
        else:
            receipts.append(outcome.receipt)  # type: ignore[arg-type]
        buffer.append((job, outcome))
        if len(buffer) >= RECORD_EVERY:
            _record(ws, buffer)
            buffer.clear()
            checkpoint("receipts-batch")
        if progress:
            progress("校验与回执", len(receipts) + len(storage_errors), len(jobs))

    try:
        readable = [j for j in jobs if j.readable]
        for job in jobs:
            if not job.readable:  # refused unread: answered here
                take(job, _answer(ws, registry, job, None))
        global _context
        registers = {name: registers_of(ws.registry_dir, cycles.get(name)) for name in sorted({j.cycle for j in readable})}
        _context = (ws, registry, registers)  # inherited by the forked workers
        if readable:
            from ..receipts import prepare  # noqa: PLC0415

            prepare(ws)  # so every worker starts with the receipt template compiled
        n_workers = max(1, min(workers or os.cpu_count() or 1, MAX_WORKERS, -(-len(readable) // CHUNK) or 1))
        chunk = max(1, min(CHUNK, -(-len(readable) // n_workers)))
        bounds = Bounds(seconds_per_item=ws.campaign.intake.max_seconds_per_file,
                        memory_mb=int(ws.campaign.intake.max_memory_mb))
        for job, outcome in run_isolated(readable, _answer_chunk, _failed_in_worker, workers=n_workers,
                                         chunk_size=chunk, bounds=bounds):
            take(job, outcome)
        if for_ledger:
            ledger.apply_accepted(ws, for_ledger, lambda job, validation, events: take(
                job, _answer(ws, registry, job, validation, events=events)))
        if buffer:
            _record(ws, buffer)
            buffer.clear()
    finally:
        _context = None
        try:
            ws.state.release(token)
        except StorageError:
            log.warning("未能释放认领；下次运行会接管")
    if storage_errors:
        raise StorageError(f"{len(storage_errors)} 个文件的回执未能写入：{storage_errors[0]}")
    return receipts


def _record(ws: Workspace, outcomes: Sequence[tuple[Job, Outcome]]) -> None:
    """Write a batch of outcomes in one transaction (a storage failure leaves the file unanswered)."""
    ws.state.record_answers([
        Answered(job.id, o.receipt.accepted, [p.to_dict() for p in o.receipt.errors], o.rows, o.receipt_paths)
        for job, o in outcomes if not o.storage_error and o.receipt is not None
    ])


_context: tuple[Workspace, Registry, dict[str, dict[str, list[dict]]]] | None = None


def _answer_chunk(chunk: Sequence[Job], at: Callable[[int], None]) -> Iterator[Outcome]:
    """In a worker: read every file of the chunk, validate them together, write each one's receipts."""
    assert _context is not None
    ws, registry, registers = _context
    from ..formats.tables import FileRejected  # noqa: PLC0415
    from ..validation import read_for  # noqa: PLC0415

    tables: list[Any] = []
    for i, job in enumerate(chunk):
        at(i)
        try:
            reader = job.kind_read_as.reader
            if reader:  # not a table: the kind's own reader checks it whole
                tables.append(resolve(reader)(ws.local(str(job.archive_path)), ws.campaign.intake))
                continue
            tables.append(read_for(job.contract, ws.local(str(job.archive_path)), ws.campaign.intake))
        except FileRejected as exc:
            tables.append([Problem(message=str(exc))])
        except MemoryError:
            tables.append([Problem(message=FAILURE_MESSAGES["memory"])])
        except Exception:  # one unit's file must never stop the others
            log.exception("读取 %s 单位的文件 %s 时出错", job.unit, job.file_name)
            tables.append([Problem(message=SYSTEM_ERROR)])
    at(BATCH)
    validations = _validate_all(ws, chunk, tables, registry, registers)
    for i, job in enumerate(chunk):
        at(i)
        if validations[i].accepted and job.declared is not None and job.declared.ledger:
            yield Outcome(None, [], [], for_ledger=validations[i])  # the parent applies it in order
            continue
        if not validations[i].accepted and not isinstance(tables[i], list | Validation):
            validations[i] = _misplaced(job, tables[i]) or validations[i]
        yield _answer(ws, registry, job, validations[i])


def _validate_all(ws: Workspace, chunk: Sequence[Job], tables: list[Any], registry: Registry,
                  registers: dict[str, dict[str, list[dict]]]) -> list[Validation]:
    """Validate the readable tables of a chunk together (one pass per contract), each against its unit,
    the registry, its cycle's registers, its period and the day it was received."""
    results: list[Validation | None] = [
        t if isinstance(t, Validation) else Validation(rows=[], problems=t) if isinstance(t, list) else None
        for t in tables
    ]
    by_contract: dict[str, list[int]] = {}
    for i, t in enumerate(tables):
        if not isinstance(t, list | Validation):
            by_contract.setdefault(chunk[i].contract.name, []).append(i)
    for name, indexes in by_contract.items():
        contract = load_contract(name)
        items = [(tables[i], ValidationContext(unit=None if chunk[i].unit.startswith("_") else chunk[i].unit,
                                               tasks=registry.tasks, unit_codes=registry.units.keys(),
                                               indicators=registry.indicators,
                                               registers=registers.get(chunk[i].cycle),
                                               period=_period_of(ws, chunk[i]),
                                               received_on=_local_day(ws, chunk[i].received_at)))
                 for i in indexes]
        try:
            answers = contract.validate_many(items)
        except Exception:  # a check that raises must cost only its own file: validate one by one
            log.exception("批量校验出错，改为逐个文件校验")
            answers = [_validate_one(contract, table, context) for table, context in items]
        for i, answer in zip(indexes, answers, strict=True):
            results[i] = answer
    return [r for r in results if r is not None]


def _period_of(ws: Workspace, job: Job) -> Period | None:
    """The period a file was dropped for (None for a key its cycle no longer takes)."""
    try:
        return cycles.get(job.cycle).parse_period(job.period, ws.campaign)
    except ValueError:
        return None


def _local_day(ws: Workspace, moment: datetime) -> date:
    """The day of ``moment`` in the campaign's zone."""
    import pendulum  # noqa: PLC0415

    return pendulum.instance(moment).in_timezone(ws.campaign.timezone).date()


def _validate_one(contract: Contract, table: Any, context: ValidationContext) -> Validation:
    try:
        return contract.validate(table, context)
    except Exception:
        log.exception("校验出错")
        return Validation(rows=[], problems=[Problem(message=SYSTEM_ERROR)])


def _misplaced(job: Job, table: Any) -> Validation | None:
    """A file of another kind of the cycle, dropped in the wrong folder: one problem saying what it is and who
    sends it (in words, never a folder's path).

    Told only when the file lacks its folder's columns and has every column of the other kind.
    """
    if job.contract.missing_columns(table) == []:
        return None
    for kind in cycles.get(job.cycle).kinds:
        if kind.folder == folder_kind(job.unit) or kind.reader or load_contract(kind.name).missing_columns(table):
            continue
        here = job.kind_read_as.title
        return Validation(rows=[], problems=[Problem(message=(
            f"这是一份{kind.title}，应由{kind.role}报送；这里只接收{here}。请按{kind.title}的报送方式重新报送"))])
    return None


def _failed_in_worker(job: Job, failure: Failure) -> Outcome:
    """In the parent: the worker reading ``job`` died, ran out of memory or time."""
    assert _context is not None
    ws, registry, _registers = _context
    message = FAILURE_MESSAGES.get(failure.kind, FAILURE_MESSAGES["crash"]).format(detail=failure.detail)
    log.error("%s 单位的文件 %s 未能读取（%s %s）", job.unit, job.file_name, failure.kind, failure.detail)
    return _answer(ws, registry, job, Validation(rows=[], problems=[Problem(message=message)]), annotate=False)


def _answer(
    ws: Workspace, registry: Registry, job: Job, validation: Validation | None, *, annotate: bool = True,
    events: Sequence[dict[str, Any]] = (),
) -> Outcome:
    """Build the receipt of one submission and write it (JSON, .docx, annotated copy)."""
    from ..receipts import write_receipts  # noqa: PLC0415 - rendering is the heavier layer

    period = cycles.get(job.cycle).parse_period(job.period, ws.campaign)
    kind = job.kind_read_as
    role = job.declared.role if job.declared and job.declared.folder else None
    if validation is None:
        validation = Validation(rows=[], problems=[Problem(message=job.refusal or "文件未能存档，请重新报送")])
    unit = registry.units.get(job.unit)
    receipt = Receipt(
        file=job.file_name,
        unit=job.unit,
        unit_name=role or (unit.name if unit else "（未登记单位）"),
        cycle=job.cycle,
        period=job.period,
        period_label=period.label,
        received_at=job.received_at,
        sha256=job.sha256,
        accepted=not validation.problems,
        errors=validation.problems,
        submission_type=kind.title,
        rows=len(validation.rows),
        deadline=period.deadline,
        secretariat=ws.campaign.secretariat,
        notes=[*([job.note] if job.note else []), *validation.notes,
               *(_form_note(ws, job) if validation.problems else _owed(registry, job, validation, period, events))],
        timezone=ws.campaign.timezone,
        channel=ws.campaign.submission_channel,
    )
    source = ws.local(str(job.archive_path)) if job.readable and annotate else None
    try:
        paths = write_receipts(ws, receipt, source)
    except OSError as exc:
        log.error("为 %s 单位的文件 %s 写回执失败：%s", job.unit, job.file_name, exc)
        return Outcome(receipt, [], [], storage_error=disk_message(exc))
    log.info("%s %s/%s：%s", "接收" if receipt.accepted else "退回", job.unit, job.file_name,
             f"{len(validation.rows)} 行" if receipt.accepted else f"{len(validation.problems)} 处问题")
    rows = validation.rows if receipt.accepted else []
    return Outcome(receipt, rows, [str(p.relative_to(ws.root)) for p in paths])


def _owed(registry: Registry, job: Job, validation: Validation, period: Any, events: Sequence[dict[str, Any]]) -> list[str]:
    """For an accepted file from a unit's own folder: what the unit still owes for the period."""
    kind = job.declared
    if kind is None or kind.folder is not None or not validation.rows:
        return []
    try:
        return cycles.get(job.cycle).still_owed(kind, job.unit, validation.rows, registry, period, events)
    except Exception:  # a courtesy line must never cost the unit its receipt
        log.exception("列出 %s 尚欠的报送内容时出错", job.unit)
        return []


def _form_note(ws: Workspace, job: Job) -> list[str]:
    """For a returned file: the submitter's fill-in form for the period, when one was issued."""
    folder = ws.root / "forms" / job.cycle / job.period
    kind = job.kind_read_as
    try:
        forms = sorted(p for p in folder.glob(f"{job.unit}_*.xlsx") if kind.title in p.name)
    except OSError:
        return []
    if not forms:
        return []
    return [f"创建办已下发本期{kind.title}填报模板，用模板填写可避免大部分问题（表头、编号、数值范围已预设）"]


def unanswered(ws: Workspace, cycle: str, period: str) -> list[SubmissionRow]:
    """Registered submissions of the period that have no receipts yet."""
    return ws.state.unanswered(cycle, period)
