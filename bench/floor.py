"""The floor: the least work any program answering these files must do, on 2 processes.

    python bench/floor.py WORKSPACE OUT --period 2026-10 [--processes 2]

For each ``intake/monthly/<period>/<unit>/*.xlsx``: read the file, hash it (SHA-256), read every cell of
its first sheet with python-calamine, and write a receipt-sized zip to OUT: the members of
``templates/receipt.docx`` (decompressed once per process) deflated into a new zip. No checks, no
rendering, no notice: whatever docgen or the baseline spends above this is their own cost. The last line
printed is a JSON object with the times.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import zipfile
from multiprocessing import Pool
from pathlib import Path

T0 = time.perf_counter()

from python_calamine import CalamineWorkbook  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
_members: list[tuple[str, bytes]] = []
_out = Path()


def init_worker(template: str, out: str) -> None:
    global _out
    with zipfile.ZipFile(template) as z:
        _members.extend((info.filename, z.read(info)) for info in z.infolist())
    _out = Path(out)


def handle(path_text: str) -> int:
    path = Path(path_text)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    book = CalamineWorkbook.from_path(path_text)
    cells = book.get_sheet_by_index(0).to_python()
    folder = _out / path.parent.name
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"{digest[:16]}_{path.stem}.docx", "w", zipfile.ZIP_DEFLATED) as z:
        for name, member in _members:
            z.writestr(name, member)
    return len(cells)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--template", type=Path, default=REPO / "templates" / "receipt.docx")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    files = sorted(str(p) for p in (args.workspace / "intake" / "monthly" / args.period).glob("*/*.xlsx"))
    with Pool(args.processes, initializer=init_worker, initargs=(str(args.template), str(args.out))) as pool:
        rows = pool.map(handle, files)
    result = {
        "files": len(files), "rows": sum(rows), "processes": args.processes,
        "timings": {"files": round(time.perf_counter() - start, 3), "total": round(time.perf_counter() - T0, 3)},
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
