"""Render any cycle's declared ``Document``: a template filled with its context, or a file its writer makes.

The one place a template is found (the workspace's own copy first), loaded, given its pictures and saved
atomically; the cycles only say which template, which context and which file name.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import InlineImage

from ..cycle import Document
from ..storage import bucket_of
from .chart import Chart
from .engine import find_template, load_template, render_to_file
from .gbt import issuer_size


class Canvas:
    """What a context builder gets: the loaded template, and charts drawn as pictures bound to it.

    ``charts`` is a ``ChartProcess`` started early in the run (or None: drawn here). The pictures are
    read into the document while it renders, so their temporary files go when rendering is done.
    """

    def __init__(self, template: Any, charts: Any, scratch: Path) -> None:
        self.template = template
        self._charts = charts
        self._scratch = scratch

    @property
    def issuer_pt(self) -> float:
        """The size of this template's 发文机关标志 style (a secretariat may have changed it in Word)."""
        return issuer_size(self.template)

    def chart(self, chart: Chart, data: Any, width_mm: float) -> InlineImage:
        """``chart(data)`` drawn and placed ``width_mm`` wide."""
        png = self._scratch / f"chart-{len(list(self._scratch.iterdir()))}.png"
        drawn = self._charts.draw(chart, data, png) if self._charts is not None else chart(data, png)
        return InlineImage(self.template, str(drawn), width=Mm(width_mm))


@dataclass(frozen=True)
class Sources:
    """What a document's writer may read: the workspace's archived submissions and its templates."""

    root: Path
    workspace_templates: Path | None = None

    def archived(self, relative: str) -> Path:
        """A submission's archived copy (``Submission.archive_path``); nothing outside ``archive/``."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to((self.root / "archive").resolve()):
            raise ValueError(f"not an archived file: {relative!r}")
        bucket = None if path.exists() else bucket_of(self.root)
        return bucket.fetch(self.root, relative) if bucket else path  # taken in on another machine

    def template(self, name: str) -> Path:
        """The workspace's own copy of a template, else the shipped one."""
        return find_template(name, None, self.workspace_templates)


@dataclass(frozen=True)
class Rendered:
    """A document made (``path``), or why it was not (``note``, in Chinese)."""

    path: Path | None
    note: str | None = None


def render_document(
    document: Document, folder: Path, *, workspace_templates: Path | None = None, template: Path | None = None,
    charts: Any = None, root: Path | None = None,
) -> Rendered:
    """Write ``document`` into ``folder`` (atomically); ``root``: the workspace its writer may read from."""
    out = Path(folder) / document.file_name
    if document.write is not None:
        note = document.write(out, Sources(Path(root or folder), workspace_templates))
        return Rendered(None, note) if note else Rendered(out)
    assert document.template is not None and document.context is not None
    tpl = load_template(find_template(document.template, template, workspace_templates), in_place=document.in_place)
    with tempfile.TemporaryDirectory(prefix="docgen-pictures-") as scratch:
        context = document.context(Canvas(tpl, charts, Path(scratch)))
        return Rendered(render_to_file(tpl, context, out))
