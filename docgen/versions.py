"""Placing a run's files in a folder where earlier ones become versions, crash-safely.

What was in the folder is gathered in ``versions/.vN.partial`` and renamed to ``versions/vN`` when complete;
while the new files are placed, ``.publishing.json`` names them, so a placement killed half-way is
completed by the next one without its never-issued files becoming a "version". Only files are placed and
versioned: sub-folders (``versions/`` itself, a reminders folder) stay where they are. Nothing issued is
ever deleted. Used for every cycle's outbox and for reminders.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from .atomic import replacing

VERSIONS_DIR = "versions"
PUBLISHING = ".publishing.json"  # in the folder while files are placed: their names


def place(folder: Path, staging: Path, *, last: str, moved: Callable[[], None] = lambda: None) -> list[Path]:
    """Move every file of ``staging`` into ``folder`` (``last`` placed last: its presence seals the set),
    after moving what was there into the next ``versions/vN``; return the placed files.

    ``moved`` is called after each earlier file is moved (the crash tests' checkpoint).
    """
    folder.mkdir(parents=True, exist_ok=True)
    versions = folder / VERSIONS_DIR
    marker = folder / PUBLISHING
    if marker.is_file():  # a placement killed while placing: its files were never issued, so no version
        for name in json.loads(marker.read_text(encoding="utf-8")):
            (folder / name).unlink(missing_ok=True)
        marker.unlink()
    current = sorted(p for p in folder.iterdir() if p.is_file())
    partial = sorted(versions.glob(".v*.partial")) if versions.is_dir() else []
    if current or partial:
        versions.mkdir(exist_ok=True)
        if partial:
            earlier = partial[0]
        else:
            n = 1 + sum(1 for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
            earlier = versions / f".v{n}.partial"
            earlier.mkdir()
        for p in current:
            shutil.move(str(p), earlier / p.name)
            moved()
        earlier.rename(versions / earlier.name.removeprefix(".").removesuffix(".partial"))
    placing = sorted(staging.iterdir(), key=lambda p: (p.name == last, p.name))
    with replacing(marker) as tmp:
        tmp.write_text(json.dumps([p.name for p in placing], ensure_ascii=False), encoding="utf-8")
    placed = []
    for p in placing:
        shutil.move(str(p), folder / p.name)
        placed.append(folder / p.name)
    marker.unlink()
    staging.rmdir()
    return placed
