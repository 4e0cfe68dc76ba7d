"""Benchmark: the compiled volume (汇编) of N unit summaries, as .docx and as PDF/A-2.

    PYTHONPATH=$PWD python bench/bench_volume.py                  # 300 units, ~3 pages each
    PYTHONPATH=$PWD python bench/bench_volume.py --units 50 --no-pdf
    PYTHONPATH=$PWD python bench/bench_volume.py --profile        # cProfile of the .docx step

Each unit's 年度工作总结 is written with python-docx: a title, the five usual headings, about 1,800
characters of text (about 3 pages of the volume's 22 × 28 grid, with the rest), a 6-row table and a
photo-like JPEG of about 100 KB (each unit's own, so none are shared), plus its own header and footer. Timed: writing the
inputs, ``compose_volume`` (.docx), ``to_pdf`` (LibreOffice with the contents updated through UNO) and,
for comparison, a plain ``soffice --headless --convert-to pdf`` of the same file (which leaves the
contents without page numbers). Also docxcompose's stock ``Composer`` on the same inputs
(``--stock``), to show what the volume's composer saves.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import shutil
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

import docx
from docx.shared import Mm
from PIL import Image

from docgen.render import REPO_TEMPLATES
from docgen.render.pdf import find_soffice, to_pdf
from docgen.render.volume import Chapter, compose_volume

COVER = {
    "campaign": "创建全国民族团结进步示范区",
    "title": "2025年度工作汇编",
    "secretariat": "创建工作领导小组办公室",
    "date_text": "2026年1月20日",
}
ISSUED = date(2026, 1, 20)
SENTENCE = (
    "{name}坚持把创建工作作为一项重要政治任务，主要负责同志亲自部署、亲自推动，"
    "将创建任务分解到科室和个人，建立月调度、季督查、年考核的工作机制，确保各项任务落地见效。"
)


def write_unit(path: Path, i: int) -> None:
    name = f"第{i + 1:03d}号成员单位"
    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = f"{name}页眉"
    doc.sections[0].footer.paragraphs[0].text = f"{name}页脚"
    doc.add_heading(f"{name}2025年度创建工作总结", level=0)
    for heading in ("一、基本情况", "二、主要做法", "三、取得成效", "四、存在问题", "五、下步打算"):
        doc.add_heading(heading, level=1)
        doc.add_paragraph(SENTENCE.format(name=name) * 2)
        if heading.startswith("三"):
            table = doc.add_table(rows=6, cols=4)
            table.style = doc.styles["Table Grid"]
            for r in range(6):
                for c in range(4):
                    table.cell(r, c).text = ("指标", "目标值", "完成值", "完成率")[c] if r == 0 else f"{i}-{r}-{c}"
            picture = io.BytesIO()  # a photo-like JPEG of about 100 KB, each unit's own
            noise = Image.effect_noise((800, 450), 40).convert("RGB")
            Image.blend(Image.new("RGB", (800, 450), ((i * 37) % 256, (i * 91) % 256, 160)), noise, 0.3).save(
                picture, format="JPEG", quality=85)  # fmt: skip
            picture.seek(0)
            doc.add_picture(picture, width=Mm(120))
            doc.add_paragraph(f"图1  {name}活动现场", style="Caption")
    doc.save(str(path))


def pdf_pages(path: Path) -> int:
    data = path.read_bytes()
    import re

    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data, re.S)]
    return max(counts) if counts else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="write the inputs and outputs here and keep them")
    parser.add_argument("--no-pdf", action="store_true", help="skip both PDF conversions")
    parser.add_argument("--stock", action="store_true", help="also compose with docxcompose's stock Composer")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the .docx step")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="docgen-bench-volume-"))
    units = base / "units"
    units.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, float, str]] = []

    start = time.perf_counter()
    chapters = []
    for i in range(args.units):
        path = units / f"U{i:04d}.docx"
        write_unit(path, i)
        chapters.append(Chapter(f"第{i + 1:03d}号成员单位", path))
    rows.append(("write inputs", time.perf_counter() - start, f"{args.units} .docx"))

    out = base / "汇编.docx"
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    result = compose_volume(COVER, chapters, out, template=REPO_TEMPLATES / "volume.docx", issued=ISSUED)
    if profiler:
        profiler.disable()
    rows.append(("compose .docx", time.perf_counter() - start,
                 f"{out.stat().st_size / 1e6:.1f} MB, {result.tables} tables, {result.pictures} pictures"))  # fmt: skip

    if args.stock:
        rows.append(_stock(chapters, base / "stock.docx"))

    if not args.no_pdf:
        pdf = to_pdf(out, base / "汇编.pdf", timeout=args.timeout)
        detail = f"{pdf_pages(pdf.path)} pages, PDF/A-2, contents updated" if pdf.path else pdf.skipped_reason
        rows.append(("PDF (UNO)", pdf.seconds, detail or ""))
        soffice = find_soffice()
        if soffice is not None:
            plain = base / "plain"
            start = time.perf_counter()
            subprocess.run(
                [str(soffice), "--headless", f"-env:UserInstallation={(base / 'lo-profile').as_uri()}",
                 "--convert-to", "pdf", "--outdir", str(plain), str(out)],
                capture_output=True, timeout=args.timeout, check=False,
            )  # fmt: skip
            made = plain / "汇编.pdf"
            rows.append(("PDF (plain convert-to)", time.perf_counter() - start,
                         f"{pdf_pages(made)} pages, contents not updated" if made.exists() else "failed"))  # fmt: skip

    print(f"volume of {args.units} units on {platform.machine()}, Python {platform.python_version()}")
    print(f"| {'step':<24} | {'seconds':>8} | what |")
    print(f"|{'-' * 26}|{'-' * 10}|------|")
    for step, seconds, what in rows:
        print(f"| {step:<24} | {seconds:>8.2f} | {what} |")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)


def _stock(chapters: list[Chapter], out: Path) -> tuple[str, float, str]:
    """The same chapters with docxcompose's own Composer and no fitting (the naive script)."""
    from docxcompose.composer import Composer

    start = time.perf_counter()
    composer = Composer(docx.Document(str(REPO_TEMPLATES / "volume.docx")))
    for chapter in chapters:
        composer.doc.add_heading(chapter.title, level=1)
        composer.append(docx.Document(str(chapter.path)))
    composer.save(str(out))
    return ("stock Composer .docx", time.perf_counter() - start, "no style mapping, no fitting")


if __name__ == "__main__":
    main()
