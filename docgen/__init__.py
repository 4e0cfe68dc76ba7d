"""docgen: intake with receipts, data contracts and official documents for campaign secretariats.

The public API, importable without Airflow::

    from docgen import Workspace, run_monthly, validate_file, load_contract

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
    "parse_period": "docgen.periods",
    "load_contract": "docgen.contracts",
    "ValidationContext": "docgen.contracts",
    "validate_file": "docgen.validation",
    "load_registry": "docgen.registry",
    "build_monthly_report": "docgen.monthly",
    "run_monthly": "docgen.pipeline",
    "compute_monthly": "docgen.pipeline",
    "MonthlyReport": "docgen.models",
    "Receipt": "docgen.models",
    "Problem": "docgen.models",
    "DocgenError": "docgen.errors",
    "WorkspaceError": "docgen.errors",
}

__all__ = [
    "Campaign",
    "DocgenError",
    "MonthlyReport",
    "Period",
    "Problem",
    "Receipt",
    "ValidationContext",
    "Workspace",
    "WorkspaceError",
    "build_monthly_report",
    "compute_monthly",
    "load_contract",
    "load_registry",
    "parse_period",
    "run_monthly",
    "validate_file",
]

if TYPE_CHECKING:
    from .config import Campaign
    from .contracts import ValidationContext, load_contract
    from .errors import DocgenError, WorkspaceError
    from .models import MonthlyReport, Problem, Receipt
    from .monthly import build_monthly_report
    from .periods import Period, parse_period
    from .pipeline import compute_monthly, run_monthly
    from .registry import load_registry
    from .validation import validate_file
    from .workspace import Workspace


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'docgen' has no attribute {name!r}")
