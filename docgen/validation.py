"""Check one file against a data contract: the whole answer (every problem) in one call."""

from __future__ import annotations

from pathlib import Path

from .config import IntakeLimits
from .contracts import Contract, Validation, ValidationContext
from .formats.tables import FileRejected, RawTable, ReadLimits, read_table
from .models import Problem


def read_limits(limits: IntakeLimits | None = None) -> ReadLimits:
    """The campaign's intake limits in the reader's units (bytes)."""
    limits = limits or IntakeLimits()
    return ReadLimits(
        max_bytes=int(limits.max_file_mb * 2**20),
        max_unpacked_bytes=int(limits.max_unpacked_mb * 2**20),
        max_rows=limits.max_rows,
        max_columns=limits.max_columns,
        max_cell_chars=limits.max_cell_chars,
    )


def read_for(contract: Contract, path: Path, limits: IntakeLimits | None = None) -> RawTable:
    """Read ``path`` as a table of ``contract``'s shape (header found by the contract's headers)."""
    bounds = read_limits(limits)
    return read_table(
        path,
        is_header=contract.header_score,
        percent_columns=contract.is_percent_column,
        max_bytes=bounds.max_bytes,
        max_unpacked_bytes=bounds.max_unpacked_bytes,
        max_rows=bounds.max_rows,
        max_columns=bounds.max_columns,
        max_cell_chars=bounds.max_cell_chars,
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
