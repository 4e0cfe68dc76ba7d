"""Where the data docgen ships with lives: the data contracts, the templates and the demo campaign.

The repository keeps one copy of each at the top level (``data_contracts/``, ``templates/``,
``examples/demo/``), where a secretariat and a developer look for them. A built wheel has no repository,
so ``setup.py`` copies them into the package as ``docgen/_data/…``. These functions return the installed
copy when there is one, else the repository's folders, so a wheel, an editable install and a plain
source checkout all find the same files; ``build_demo_workspace`` makes a workspace of the demo from
either. Only the standard library is imported at the top: this runs on ``import docgen``.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE_DIR / "_data"
"""Package data of an installed wheel (absent in a source checkout; written by setup.py's build_py)."""
REPO_ROOT = PACKAGE_DIR.parent
"""The source checkout's root, when docgen is imported from one (in a wheel: site-packages)."""

# name under docgen/_data -> folder in the repository
SHIPPED = {
    "data_contracts": Path("data_contracts"),
    "templates": Path("templates"),
    "demo": Path("examples") / "demo",
}


def _shipped(name: str) -> Path:
    installed = PACKAGE_DATA / name
    if installed.is_dir():
        return installed
    return REPO_ROOT / SHIPPED[name]


def contracts_dir() -> Path:
    """The ODCS data contracts (``units.yaml``, ``tasks.yaml`` and each submission kind's)."""
    return _shipped("data_contracts")


def templates_dir() -> Path:
    """The shipped .docx templates; a workspace's own ``templates/`` overrides them file by file."""
    return _shipped("templates")


def demo_dir() -> Path:
    """The demo campaign (registry, intake files, ``drop_times.yaml``, ``expected.yaml``)."""
    return _shipped("demo")


_DEMO_NOT_COPIED = ("drop_times.yaml", "*.py", "expected.yaml", ".gitkeep", "__pycache__")  # the generators and checks stay
"""What of the demo folder is not part of a workspace: its manifest, its generator, what a run should find,
and git's markers of empty folders (the folder is copied, empty: a unit's folder that holds nothing)."""


def build_demo_workspace(dest: Path) -> Path:
    """Copy the demo to ``dest`` and apply its ``drop_times.yaml`` as the files' modification times.

    Files checked out from git or unpacked from a wheel carry no meaningful mtime, so the demo's
    on-time/late split lives in the manifest (file → the moment it was dropped).
    """
    import yaml  # noqa: PLC0415 - only the demo needs it here; import docgen stays light

    source, dest = demo_dir(), Path(dest)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*_DEMO_NOT_COPIED), dirs_exist_ok=True)
    manifest = yaml.safe_load((source / "drop_times.yaml").read_text(encoding="utf-8")) or {}
    for rel, when in manifest.items():
        set_drop_time(dest / rel, when if isinstance(when, datetime) else datetime.fromisoformat(str(when)))
    return dest


def set_drop_time(path: Path, when: datetime) -> None:
    """Set a file's atime and mtime to ``when`` (timezone-aware): what intake reads as the drop time."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("drop time must be timezone-aware, e.g. 2026-11-05T16:00:00+08:00")
    ts = when.timestamp()
    os.utime(path, (ts, ts))


def dags_dir() -> Path:
    """The Airflow DAG files: only in a source checkout, since the library wheel carries no DAGs."""
    return REPO_ROOT / "dags"
