"""Make the README's page images: documents of the demo as printed with docgen's PDF step (free faces).

Runs the demo's month, quarters and year through the library in a scratch folder, prints the monthly
notice, a 整改通知书, the 汇编 and the 整改台账 to PDF with ``docgen.render.pdf.to_pdf`` (the same
substitution table the cycles use), and turns the chosen pages into PNGs in ``docs/`` with pdftoppm
(Debian's poppler-utils).

Run: ``python tools/page_images.py [SCRATCH]``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from docgen.pipeline import run_cycle
from docgen.render.pdf import to_pdf
from docgen.resources import build_demo_workspace

DOCS = Path(__file__).resolve().parents[1] / "docs"
RESOLUTION = 60  # dpi: an A4 page about 500 px wide, readable in the README


def page(pdf: Path, number: int, name: str) -> Path:
    """Page ``number`` of ``pdf`` as docs/<name>.png."""
    target = DOCS / name
    subprocess.run(["pdftoppm", "-r", str(RESOLUTION), "-png", "-singlefile", "-f", str(number), "-l", str(number),
                    str(pdf), str(target)], check=True)  # fmt: skip
    return target.with_suffix(".png")


def printed(path: Path, scratch: Path) -> Path:
    result = to_pdf(path, scratch / (path.stem + ".pdf"), timeout=300)
    if result.path is None:
        raise SystemExit(f"{path.name}: {result.skipped_reason}")
    return result.path


def main(scratch: str | None = None) -> None:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is missing: apt-get install poppler-utils")
    folder = Path(scratch or tempfile.mkdtemp(prefix="docgen-pages-"))
    ws = build_demo_workspace(folder / "workspace")
    for cycle, period in (("monthly", "2026-10"), ("quarterly", "2026-Q2"), ("quarterly", "2026-Q3"),
                          ("annual", "2025")):  # fmt: skip
        run_cycle(ws, cycle, period)
    outbox = ws / "outbox"
    volume = outbox / "annual" / "2025" / "2025年度工作汇编.pdf"
    made = [
        page(printed(next((outbox / "monthly" / "2026-10").glob("*月通报*.docx")), folder), 1, "notice-page1"),
        page(printed(sorted((outbox / "quarterly" / "2026-Q3").glob("整改通知书_*.docx"))[0], folder), 1,
             "rectification-page1"),
        page(volume, 2, "volume-contents"),
        page(volume, 5, "volume-page5"),
        page(printed(outbox / "quarterly" / "2026-Q3" / "整改台账.xlsx", folder), 1, "ledger-page1"),
    ]  # fmt: skip
    for path in made:
        print(path)


if __name__ == "__main__":
    main(*sys.argv[1:2])
