"""One registered submission as intake answers it: what a worker, the ledger and the receipt need to know.

Shared by scanning (which kind a folder's file is read as), answering and the ledger, so none of them
imports another for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import cycles
from ..contracts import Contract, load_contract
from ..cycle import Kind
from ..state import SubmissionRow, aware

SYSTEM_ERROR = "系统处理该文件时出错，已记录，请联系创建办"


def folder_kind(folder: str) -> str | None:
    """The folder as the cycle's kinds name it: a role folder by its name, any unit's as ``UNIT_FOLDER``."""
    return folder if folder.startswith("_") else None


@dataclass(frozen=True)
class Job:
    """What a worker needs to answer one submission (small, picklable)."""

    id: int
    cycle: str
    period: str
    unit: str
    kind: str | None
    file_name: str
    archive_path: str | None
    refusal: str | None
    received_at: datetime
    sha256: str | None
    note: str | None

    @property
    def readable(self) -> bool:
        """Archived, not refused, of a known kind: a worker reads it."""
        return bool(self.archive_path) and not self.refusal and self.kind is not None

    @property
    def declared(self) -> Kind | None:
        return cycles.get(self.cycle).kind(self.kind) if self.kind else None

    @property
    def kind_read_as(self) -> Kind:
        """Its kind; a file refused unread is named by its folder's kind for its type."""
        cycle = cycles.get(self.cycle)
        return self.declared or cycle.kind_for(folder_kind(self.unit), self.file_name) or cycle.kinds[0]

    @property
    def contract(self) -> Contract:
        """The data contract it is read by (a kind with its own reader has none: see ``Kind.reader``)."""
        return load_contract(self.kind_read_as.name)

    @classmethod
    def of(cls, row: SubmissionRow) -> Job:
        return cls(row.id, row.cycle, row.period, row.unit, row.kind, row.file_name, row.archive_path, row.refusal,
                   aware(row.received_at), row.sha256, row.note)  # type: ignore[arg-type]
