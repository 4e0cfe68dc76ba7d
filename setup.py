"""Build hook: put the top-level data folders into the wheel as package data (``docgen/_data/…``).

The repository keeps one copy of the contracts, templates and demo at the top level; a wheel has no
repository, so ``build_py`` copies them into the build tree. ``docgen.resources`` finds them there
once installed, and falls back to the top-level folders in a source checkout or an editable install
(where nothing is copied). All other metadata lives in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent

# docgen/_data/<name> <- <folder in the repository>, and what of it to leave out
PACKAGE_DATA = {
    "data_contracts": "data_contracts",
    "templates": "templates",
    "demo": "examples/demo",
}
# (a .gitkeep stays: a wheel holds no empty folder, and the demo has a unit's folder that holds nothing)
LEFT_OUT = ("*.py", "*.pyc", "__pycache__", "~$*")


class BuildPyWithData(build_py):
    """``build_py`` that also copies the shipped data folders into ``docgen/_data``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's folders directly
        target = Path(self.build_lib) / "docgen" / "_data"
        shutil.rmtree(target, ignore_errors=True)  # no stale file from an earlier build
        for name, source in PACKAGE_DATA.items():
            folder = ROOT / source
            if not any(folder.glob("*")):
                # e.g. an sdist made without MANIFEST.in: a wheel without contracts fails at the first command
                raise SystemExit(f"setup.py: {folder} is missing or empty; refusing to build an incomplete wheel")
            shutil.copytree(folder, target / name, ignore=shutil.ignore_patterns(*LEFT_OUT))


setup(cmdclass={"build_py": BuildPyWithData})
