"""Where the data docgen ships with lives: the data contracts, the templates and the demo campaign.

The repository keeps one copy of each at the top level (``data_contracts/``, ``templates/``,
``examples/demo/``), where a secretariat and a developer look for them. A built wheel has no repository,
so ``setup.py`` copies them into the package as ``docgen/_data/…``. These functions return the installed
copy when there is one, else the repository's folders, so a wheel, an editable install and a plain
source checkout all find the same files. Only ``pathlib`` is imported: this runs on ``import docgen``.
"""

from __future__ import annotations

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


def dags_dir() -> Path:
    """The Airflow DAG files: only in a source checkout, since the library wheel carries no DAGs."""
    return REPO_ROOT / "dags"
