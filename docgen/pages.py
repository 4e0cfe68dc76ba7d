"""The one Jinja2 environment of the HTML pages in ``docgen/html`` (the status board, a draft's preview):
autoescaped, so text from people (unit names, file names, comments, a document's text) is shown as text,
never as markup; an undefined name is an error."""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

HTML_DIR = Path(__file__).resolve().parent / "html"


@functools.cache
def environment() -> Environment:
    """The one Jinja2 environment of ``docgen/html``: autoescaped, an undefined name an error."""
    env = Environment(loader=FileSystemLoader(HTML_DIR), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["size"] = _size
    return env


def _size(n: int) -> str:
    """1536 → 1.5 KB: a file's size as people read it."""
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"
