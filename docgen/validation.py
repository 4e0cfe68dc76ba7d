"""Check one file against a data contract: the whole answer (every problem) in one call."""

from __future__ import annotations

from pathlib import Path

from .config import IntakeLimits
from .contracts import Contract, Validation, ValidationContext
from .formats.tables import FileRejected, RawTable, read_table
from .models import Problem


def read_for(contract: Contract, path: Path, limits: IntakeLimits | None = None) -> RawTable:
    """Read ``path`` as a table of ``contract``'s shape (header found by the contract's headers)."""
    limits = limits or IntakeLimits()
    return read_table(
        path,
        is_header=contract.header_score,
        percent_columns=contract.is_percent_column,
        max_bytes=int(limits.max_file_mb * 2**20),
        max_unpacked_bytes=int(limits.max_unpacked_mb * 2**20),
        max_rows=limits.max_rows,
    )


def validate_file(
    path: Path,
    contract: Contract,
    context: ValidationContext | None = None,
    limits: IntakeLimits | None = None,
    *,
    require_rows: bool = True,
) -> Validation:
    """Validate a spreadsheet; a file that cannot be read at all gives one file-level problem."""
    try:
        table = read_for(contract, path, limits)
    except FileRejected as exc:
        return Validation(rows=[], problems=[Problem(message=str(exc))])
    return contract.validate(table, context, require_rows=require_rows)
