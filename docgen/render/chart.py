"""Charts in documents: the CJK font they use, and a process that has matplotlib imported before it is needed.

Each cycle draws its own charts (functions of data to a PNG); Chinese labels need a CJK font, and the machine that renders (an Airflow worker, a fresh laptop) may
have none, so the chart uses the Noto Sans CJK SC file shipped inside the ``mplfonts`` package and
never a system font. matplotlib is imported inside the function: importing this module stays cheap.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DocgenError

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
Chart = Callable[[Any, Path], Path]
"""A chart: draws its data to a PNG file and returns the path."""


def cjk_font_path() -> Path:
    """The CJK font file shipped by mplfonts, found without importing mplfonts (which touches rcParams)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise DocgenError("未安装 mplfonts，无法生成含中文的图表：请安装 mplfonts")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise DocgenError(f"mplfonts 中缺少字体文件 {CJK_FONT_FILE}")
    return path


@dataclass
class BarChart:
    """What a chart function draws on: the axes, their bar positions (first row on top) and the CJK fonts."""

    ax: Any
    positions: list[int]
    font: Any  # 12 pt: labels; the figure is 6.4 in wide and placed 140 mm wide, so this prints at ~10 pt
    small: Any  # 11 pt: values and ticks


@contextmanager
def horizontal_bars(rows: int, out_png: Path, *, extra_height: float = 1.1) -> Iterator[BarChart]:
    """A horizontal bar chart of ``rows`` rows, saved to ``out_png`` when the block ends.

    The frame every chart shares: the CJK font shipped by mplfonts, light vertical grid lines, no top or
    right spine, and a byte-for-byte reproducible PNG (Agg, fixed size and dpi, no Software metadata), so
    re-rendering an unchanged report does not change the document. matplotlib is imported here, not at
    module import; the Agg canvas is attached to this figure only (the host's pyplot is untouched).
    """
    import matplotlib  # noqa: PLC0415
    from matplotlib import font_manager  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    font_path = cjk_font_path()
    if not any(entry.fname == str(font_path) for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(font_path))  # once: addfont appends on every call
    font = font_manager.FontProperties(fname=str(font_path), size=12)
    small = font_manager.FontProperties(fname=str(font_path), size=11)
    with matplotlib.rc_context({"font.family": font.get_name(), "axes.unicode_minus": False}):
        fig = Figure(figsize=(6.4, 0.45 * max(rows, 1) + extra_height), dpi=200)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        yield BarChart(ax, list(range(rows))[::-1], font, small)
        ax.set_ylim(-0.6, max(rows, 1) - 0.4)
        ax.grid(axis="x", color="#D9D9D9", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        Path(out_png).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(out_png), format="png", metadata={"Software": None})


class ChartProcess:
    """A process that imports matplotlib as soon as it starts and draws the chart when asked.

    Importing matplotlib costs about half a second; started at the beginning of a run, that import
    happens on the core the run's own scanning leaves idle instead of in front of the notice. If the
    process is gone or fails, the chart is drawn here as usual.
    """

    def __init__(self) -> None:
        import multiprocessing  # noqa: PLC0415

        from ..isolation import allow_children  # noqa: PLC0415

        allow_children()  # an Airflow task on a Celery worker is a daemonic process; this child dies with it
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_charts, args=(child, self._conn), daemon=True)
        self._process.start()
        child.close()

    def draw(self, chart: Chart, data: Any, out_png: Path) -> Path:
        """``chart(data, out_png)`` drawn by the early process (or here, if it cannot).

        ``chart`` is a module-level function (it crosses to the process by its name) and ``data`` plain
        picklable data.
        """
        try:
            self._conn.send((chart, data, str(out_png)))
            if self._conn.poll(120) and self._conn.recv() is True:
                return Path(out_png)
        except (OSError, EOFError):
            pass
        return chart(data, Path(out_png))

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
                chart, data, out_png = conn.recv()
            except (EOFError, OSError):
                break
            try:
                chart(data, Path(out_png))
                conn.send(True)
            except Exception as exc:  # noqa: BLE001 - the parent draws it itself
                conn.send(repr(exc))
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)
