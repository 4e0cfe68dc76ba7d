"""What a cycle's rules read for a period, gathered from the registry and the state database (``Inputs``).

Shared by the run's compute step, the forms and the levels: none of them needs the others to know what a
period holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .cycle import Cycle, Inputs, Submission, latest_accepted
from .periods import Period
from .registry import load_registry, registers_of
from .state import aware
from .workspace import CHILDREN_DIR, Workspace


def submissions_for(ws: Workspace, cycle: str, period: str) -> list[Submission]:
    """The processed submissions of a period, as the cycle rules see them."""
    return [
        Submission(unit=row.unit, file=row.file_name, received_at=aware(row.received_at),  # type: ignore[arg-type]
                   accepted=row.accepted, rows=row.rows, kind=row.kind or "", id=row.id,
                   archive_path=row.archive_path or "",
                   problems=[] if row.accepted else _returned_because(row.errors, row.refusal))
        for row in ws.state.submissions(cycle, period)
        if row.status in ("accepted", "rejected")
    ]


def _returned_because(errors: list[dict[str, Any]], refusal: str | None) -> list[str]:
    """A returned file's problems in the receipt's words (what a document may cite), else its refusal."""
    found = [str(e.get("message") or "").strip() for e in errors]
    return [m for m in found if m] or ([refusal] if refusal else [])


def inputs_for(ws: Workspace, cycle: Cycle, period: Period) -> Inputs:
    """What the cycle's rules read, gathered from the registry and the state database."""
    events, event_periods, file_names = [], [], {}
    if cycle.keeps_ledger:
        stored = ws.state.events(cycle.ledger_name)  # a shared ledger: every cycle's events
        events = [e.payload for e in stored]
        event_periods = [e.period for e in stored]
        file_names = ws.state.file_names({e.source for e in stored})
    registers = registers_of(ws.registry_dir, cycle, strict=True)
    submissions = submissions_for(ws, cycle.name, period.key)
    lower = lower_details(ws, cycle.name, period.key, submissions) if ws.campaign.levels.children else {}
    return Inputs(ws.campaign, load_registry(ws.registry_dir), period, submissions,
                  events, event_periods, file_names, registers, lower)


def lower_details(ws: Workspace, cycle: str, period: str, submissions: Sequence[Submission]) -> dict[str, dict]:
    """Each child's figures as it sent them with its latest accepted report of the period (``Inputs.lower``)."""
    found: dict[str, dict] = {}
    for code in ws.campaign.levels.children:
        latest = latest_accepted([s for s in submissions if s.unit == code])
        if latest is None:
            continue
        path = ws.root / CHILDREN_DIR / code / cycle / period / Path(latest.file).with_suffix(".json").name
        try:
            found[code] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return found
