"""The progress chart of the monthly notice: average progress by 工程 as horizontal bars.

Chinese labels need a CJK font, and the machine that renders (an Airflow worker, a fresh laptop) may
have none, so the chart uses the Noto Sans CJK SC file shipped inside the ``mplfonts`` package and
never a system font. matplotlib is imported inside the function: importing this module stays cheap.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import DocgenError
from ..models import ProjectProgress
from .engine import clean_text, format_percent

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
BAR_COLOR = "#2F5597"


def cjk_font_path() -> Path:
    """The CJK font file shipped by mplfonts, found without importing mplfonts (which touches rcParams)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise DocgenError("未安装 mplfonts，无法生成含中文的图表：请安装 mplfonts")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise DocgenError(f"mplfonts 中缺少字体文件 {CJK_FONT_FILE}")
    return path


def progress_chart(projects: Sequence[ProjectProgress], out_png: Path) -> Path:
    """Draw average progress (%) by 工程 to ``out_png`` and return it.

    The output is byte-for-byte reproducible (Agg, fixed size and dpi, no Software metadata), so
    re-rendering an unchanged report does not change the notice.
    """
    # The Agg canvas is attached to this figure only: the host's global backend (pyplot) is untouched.
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font_path = cjk_font_path()
    if not any(entry.fname == str(font_path) for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(font_path))  # once: addfont appends on every call
    # The figure is 6.4 in wide and placed 140 mm (5.5 in) wide: 12 pt here prints at about 10 pt,
    # legible next to 16 pt body text.
    font = font_manager.FontProperties(fname=str(font_path), size=12)
    small = font_manager.FontProperties(fname=str(font_path), size=11)

    names = [clean_text(p.project) or "（未分类）" for p in projects]
    averages = [p.average_progress for p in projects]  # None: no task of the 工程 reported
    values = [0.0 if a is None else max(0.0, min(100.0, float(a))) for a in averages]
    rows = len(projects)

    with matplotlib.rc_context(
        {"font.family": font.get_name(), "axes.unicode_minus": False}
    ):
        fig = Figure(figsize=(6.4, 0.45 * max(rows, 1) + 1.1), dpi=200)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        positions = list(range(rows))[::-1]  # first 工程 on top, as in the text
        if rows:
            ax.barh(positions, values, height=0.6, color=BAR_COLOR)
            for y, value, average in zip(positions, values, averages, strict=True):
                label = "未报进度" if average is None else format_percent(value)
                ax.text(value + 1.5, y, label, va="center", fontproperties=small)
        else:
            ax.text(50, 0, "本期无任务进度数据", ha="center", va="center", fontproperties=font)
        ax.set_yticks(positions, labels=names, fontproperties=font)
        ax.set_ylim(-0.6, max(rows, 1) - 0.4)
        ax.set_xlim(0, 110)
        ticks = [0, 20, 40, 60, 80, 100]
        ax.set_xticks(ticks, labels=[f"{t}%" for t in ticks], fontproperties=small)
        ax.set_xlabel("平均完成进度", fontproperties=font)
        ax.grid(axis="x", color="#D9D9D9", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        out_png = Path(out_png)
        out_png.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out_png, format="png", metadata={"Software": None})
    return out_png


class ChartProcess:
    """A process that imports matplotlib as soon as it starts and draws the chart when asked.

    Importing matplotlib costs about half a second; started at the beginning of a run, that import
    happens on the core the run's own scanning leaves idle instead of in front of the notice. If the
    process is gone or fails, the chart is drawn here as usual.
    """

    def __init__(self) -> None:
        import multiprocessing  # noqa: PLC0415

        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_charts, args=(child, self._conn), daemon=True)
        self._process.start()
        child.close()

    def draw(self, projects: Sequence[ProjectProgress], out_png: Path) -> Path:
        """``progress_chart`` drawn by the early process (or here, if it cannot)."""
        try:
            self._conn.send((list(projects), str(out_png)))
            if self._conn.poll(120) and self._conn.recv() is True:
                return Path(out_png)
        except (OSError, EOFError):
            pass
        return progress_chart(projects, out_png)

    def close(self) -> None:
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> ChartProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _serve_charts(conn: Any, parent_end: Any) -> None:
    import os  # noqa: PLC0415

    from ..isolation import die_with_parent  # noqa: PLC0415

    parent_end.close()
    die_with_parent()
    code = 0
    try:
        import matplotlib.backends.backend_agg  # noqa: F401, PLC0415 - the import this process exists for
        import matplotlib.figure  # noqa: F401, PLC0415

        while True:
            try:
                projects, out_png = conn.recv()
            except (EOFError, OSError):
                break
            try:
                progress_chart(projects, Path(out_png))
                conn.send(True)
            except Exception as exc:  # noqa: BLE001 - the parent draws it itself
                conn.send(repr(exc))
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)
