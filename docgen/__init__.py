"""docgen: intake with receipts, data contracts and official documents for campaign secretariats.

The public API, importable without Airflow::

    from docgen import Workspace, declared_cycles, run_cycle, validate_file, load_contract
    print(list(declared_cycles()))                     # the cycles docgen runs, by name
    run = run_cycle("path/to/workspace", name, period)  # one of those names, a period key of its calendar

Names are loaded on first use, so ``import docgen`` stays light (Airflow parses DAG files often).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Workspace": "docgen.workspace",
    "Campaign": "docgen.config",
    "Period": "docgen.periods",
    "Calendar": "docgen.periods",
    "load_contract": "docgen.contracts",
    "ValidationContext": "docgen.contracts",
    "validate_file": "docgen.validation",
    "load_registry": "docgen.registry",
    "run_cycle": "docgen.pipeline",
    "compute": "docgen.pipeline",
    "ledger_view": "docgen.pipeline",
    "Cycle": "docgen.cycle",
    "Kind": "docgen.cycle",
    "Document": "docgen.cycle",
    "get_cycle": "docgen.cycles",
    "declared_cycles": "docgen.cycles",
    "Receipt": "docgen.models",
    "Problem": "docgen.models",
    "DocgenError": "docgen.errors",
    "WorkspaceError": "docgen.errors",
}

__all__ = [
    "Calendar",
    "Campaign",
    "Cycle",
    "DocgenError",
    "Document",
    "Kind",
    "Period",
    "Problem",
    "Receipt",
    "ValidationContext",
    "Workspace",
    "WorkspaceError",
    "compute",
    "declared_cycles",
    "get_cycle",
    "ledger_view",
    "load_contract",
    "load_registry",
    "run_cycle",
    "validate_file",
]

if TYPE_CHECKING:
    from .config import Campaign
    from .contracts import ValidationContext, load_contract
    from .cycle import Cycle, Document, Kind
    from .cycles import declared as declared_cycles
    from .cycles import get as get_cycle
    from .errors import DocgenError, WorkspaceError
    from .models import Problem, Receipt
    from .periods import Calendar, Period
    from .pipeline import compute, ledger_view, run_cycle
    from .registry import load_registry
    from .validation import validate_file
    from .workspace import Workspace


_ALIASES = {"get_cycle": "get", "declared_cycles": "declared"}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), _ALIASES.get(name, name))
    raise AttributeError(f"module 'docgen' has no attribute {name!r}")
