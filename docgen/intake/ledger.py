"""Applying accepted files to their cycle's ledger, in the order they were received.

A file its contract accepted changes the ledger only here, in the parent process, one ledger's files at a
time under the ledger lock (a ledger several cycles share, ``Cycle.ledger_name``, takes all their files in
the order received); it is answered after the ledger has had its say, so a file the ledger refuses
is rejected whole and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from .. import cycles
from ..contracts import Validation
from ..cycle import Cycle
from ..faults import checkpoint
from ..models import Problem
from ..workspace import Workspace
from .job import SYSTEM_ERROR, Job

log = logging.getLogger(__name__)

Answer = Callable[[Job, Validation, Sequence[dict[str, Any]]], None]  # answer a file, given the ledger's events


def apply_accepted(ws: Workspace, accepted: list[tuple[Job, Validation]], answer: Answer) -> None:
    """Apply files its contract accepted to their cycle's ledger, in the order received (on a tie, in the
    order the cycle declares its kinds), then answer each: a file the ledger refuses is rejected whole.

    The ledger lock keeps two runs from interleaving their files; events carry their submission, so a
    file applied before a crash adds nothing when it is answered again.
    """
    by_ledger: dict[str, list[tuple[Job, Validation]]] = {}  # a ledger several cycles share is applied as one
    for job, validation in accepted:
        by_ledger.setdefault(cycles.get(job.cycle).ledger_name, []).append((job, validation))
    for name, items in by_ledger.items():
        owner = cycles.get(name) if name in cycles.declared() else cycles.get(items[0][0].cycle)
        orders = {c: {k.name: i for i, k in enumerate(cycles.get(c).kinds)} for c in {j.cycle for j, _ in items}}
        items.sort(key=lambda x: (x[0].received_at, orders[x[0].cycle].get(x[0].kind or "", 0), x[0].id))
        with ws.state.lock(f"ledger:{name}", wait_seconds=900.0, describe=f" {owner.label}台账 "):
            events = [e.payload for e in ws.state.events(name)]
            for job, validation in items:
                answer(job, _applied(ws, cycles.get(job.cycle), job, validation, events), events)


def _applied(ws: Workspace, cycle: Cycle, job: Job, validation: Validation, events: list[dict[str, Any]]) -> Validation:
    """The file's validation once the ledger has had its say; its events are stored (and added to ``events``)."""
    assert job.declared is not None
    try:
        new, problems = cycle.apply(events, job.declared, validation.rows, source=str(job.id), at=job.received_at,
                                    unit=job.unit, excel_rows=validation.excel_rows,
                                    period=cycle.parse_period(job.period, ws.campaign))
    except Exception:  # a fault in the rules must cost only this file
        log.exception("%s 的文件 %s 未能记入台账", job.unit, job.file_name)
        new, problems = [], [Problem(message=SYSTEM_ERROR)]
    if problems:
        return Validation(rows=[], problems=problems, excel_rows=validation.excel_rows)
    if new:
        ws.state.append_events(cycle.ledger_name, job.period, str(job.id), new, item_key=cycle.ledger_item_key)
        events.extend(new)
        checkpoint("ledger-applied")  # the events are stored; the file is not yet recorded as answered
    return validation
