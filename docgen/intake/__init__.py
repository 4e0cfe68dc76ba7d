"""Intake: find what units dropped, archive it, and answer each file with receipts.

Two steps, so Airflow can show them apart and a crash between them loses nothing:

- ``collect`` (``scan``): walk ``intake/<cycle>/<period>/<folder>/`` of every declared cycle, copy every
  settled regular file to ``archive/`` by its SHA-256 and register it as a submission; anything that is
  not a plain file, and unknown folders, are registered as refused and never read.
- ``process`` (``answer``): claim the registered submissions, read and validate them in bounded worker
  processes, write their receipts, and record the outcomes in batches. An accepted file of a kind that
  changes the cycle's ledger is applied to it first (``ledger``), in the order the files were received:
  a file the ledger refuses is rejected and changes nothing.

Originals are only ever read. A unit's bad file gives that unit a receipt and never stops the others.
What intake remembers (sightings, submissions, claims, outcomes) it keeps through ``docgen.state.State``.
"""

from __future__ import annotations

from .answer import Outcome, Progress, process, unanswered
from .job import Job
from .scan import CollectResult, Pending, collect

__all__ = ["CollectResult", "Job", "Outcome", "Pending", "Progress", "collect", "process", "unanswered"]
