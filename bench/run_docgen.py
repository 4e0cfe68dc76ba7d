"""One run of docgen's monthly cycle in this process, as ``bench/compare.py`` starts it in a fresh one.

    python bench/run_docgen.py WORKSPACE [--period 2026-10]

Calls ``docgen.pipeline.run_cycle`` (what ``docgen run monthly`` runs, without its console output) and
prints one JSON line: the time of the imports, of each step and of the whole process so far, the counts
and the notice's summary (so a harness can check that two programs found the same numbers).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's docgen, run from anywhere

from docgen.pipeline import run_cycle  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args(argv)
    imports = time.perf_counter() - T0
    run = run_cycle(args.workspace, "monthly", args.period, trigger="bench")
    result = {
        "new_files": run.intake["new"],
        "accepted": len(run.receipts["accepted"]),
        "rejected": len(run.receipts["rejected"]),
        "timings": {"imports": round(imports, 3), **run.timings, "total": round(time.perf_counter() - T0, 3)},
        "summary": run.report.summary(),
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
