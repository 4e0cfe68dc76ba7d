"""A PDF/A-2 copy of a rendered .docx (or an .xlsx, printed with its own page setup), made by LibreOffice with its contents (目录) brought up to date.

LibreOffice is optional: without it ``to_pdf`` returns a skipped result with the reason in Chinese, and
nothing else in a run depends on the PDF. ``soffice --convert-to pdf`` would print a Word TOC field as
it was saved (LibreOffice does not update indexes when converting, tdf#44448), so the volume's 目录
would have no page numbers. Instead a small UNO script runs in a subprocess under a Python that can
``import uno`` (LibreOffice's own ``program/python``, or the system Python with Debian's python3-uno;
never the project's virtualenv, which cannot): it starts a headless soffice with a throwaway user
profile (parallel runs, and runs as root, do not share one) and a fontconfig file of its own that maps
each official font not installed to a free Simplified-Chinese face (``faces``), loads the document hidden, updates every
document index (``getDocumentIndexes()`` → ``update()``) and refreshes the fields, exports PDF/A-2b
(``writer_pdf_Export`` with ``SelectPdfVersion=2``), closes the document and terminates the office.

The whole conversion is bounded by ``timeout``: the script and the soffice it started run in a process
group of their own, which is killed when time is up. Any failure is a skipped result, never an
exception: the .docx is the document of record, the PDF a convenience.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..atomic import replacing
from .faces import write_fontconfig

NOT_INSTALLED = "未安装 LibreOffice，未生成 PDF；安装方法见 README"
NO_UNO = "找不到能导入 LibreOffice 接口（uno）的 Python（Debian 上为 python3-uno 软件包），未生成 PDF；安装方法见 README"

# Where LibreOffice lives when it is not on PATH.
SOFFICE_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)

# Run by a Python with ``uno``: argv = soffice, input .docx, output .pdf, profile URL, pipe name, seconds.
UNO_SCRIPT = r'''
import subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

soffice, source, target, profile, pipe, seconds = sys.argv[1:7]
deadline = time.monotonic() + float(seconds)


def prop(name, value):
    return PropertyValue(Name=name, Value=value)


office = subprocess.Popen(
    [soffice, "--headless", "--invisible", "--nologo", "--nodefault", "--norestore", "--nolockcheck",
     "--nofirststartwizard", "-env:UserInstallation=" + profile,
     "--accept=pipe,name=" + pipe + ";urp;StarOffice.ComponentContext"],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
while True:
    try:
        context = resolver.resolve("uno:pipe,name=" + pipe + ";urp;StarOffice.ComponentContext")
        break
    except NoConnectException:
        if office.poll() is not None:
            sys.exit("LibreOffice 启动后立即退出（退出码 %s）" % office.returncode)
        if time.monotonic() > deadline:
            sys.exit("LibreOffice 未能在时限内启动")
        time.sleep(0.1)
desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
try:
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                       (prop("Hidden", True), prop("UpdateDocMode", 0)))
    if doc is None:
        sys.exit("LibreOffice 无法打开该文件")
    try:
        if doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            export, count = "calc_pdf_Export", 0  # a workbook prints with its own page setup
        else:
            indexes = doc.getDocumentIndexes()
            # One update lays the contents out and then numbers them: enough even when the contents grow
            # by pages and push every chapter (checked: 300 chapters, 14 pages of contents, LibreOffice 7.4).
            for i in range(indexes.getCount()):
                indexes.getByIndex(i).update()
            doc.getTextFields().refresh()
            doc.refresh()
            export, count = "writer_pdf_Export", indexes.getCount()
        data = uno.Any("[]com.sun.star.beans.PropertyValue", (prop("SelectPdfVersion", 2),))
        uno.invoke(doc, "storeToURL", (uno.systemPathToFileUrl(target),
                                       (prop("FilterName", export), prop("Overwrite", True),
                                        prop("FilterData", data))))
        print("indexes=%d" % count)
    finally:
        doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass  # the bridge goes away with the office
    try:
        office.wait(timeout=30)
    except subprocess.TimeoutExpired:
        office.kill()
'''


@dataclass(frozen=True)
class PdfResult:
    """The PDF written (``path``), or why none was (``skipped_reason``); ``seconds`` the time it took."""

    path: Path | None
    skipped_reason: str | None
    seconds: float


def find_soffice() -> Path | None:
    """LibreOffice's ``soffice`` on PATH or in a usual place, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in SOFFICE_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def _clean_env() -> dict[str, str]:
    """The environment for another Python: none of this interpreter's (virtualenv) paths."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.setdefault("HOME", tempfile.gettempdir())
    return env


@functools.lru_cache(maxsize=4)
def find_uno_python(soffice: Path) -> str | None:
    """A Python that can ``import uno``: the one beside LibreOffice (its own builds ship one), else the
    system's (Debian's python3-uno), else None. Checked by running it, once per process."""
    program = Path(os.path.realpath(soffice)).parent
    candidates = [program / "python", program / "python.bin", Path("/usr/bin/python3"), Path("/usr/local/bin/python3")]
    for candidate in candidates:
        if not os.access(candidate, os.X_OK):
            continue
        try:
            done = subprocess.run([str(candidate), "-c", "import uno"], env=_clean_env(), capture_output=True,
                                  timeout=30, stdin=subprocess.DEVNULL)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return str(candidate)
    return None


def to_pdf(docx: Path, pdf: Path, *, timeout: float) -> PdfResult:
    """Write ``pdf`` (PDF/A-2b, indexes updated) from ``docx`` (or a workbook) with LibreOffice, within
    ``timeout`` seconds.

    Never raises for a missing or failing LibreOffice: the result then has no path and says why.
    """
    started = time.perf_counter()

    def skipped(reason: str) -> PdfResult:
        return PdfResult(None, reason, time.perf_counter() - started)

    soffice = find_soffice()
    if soffice is None:
        return skipped(NOT_INSTALLED)
    python = find_uno_python(soffice)
    if python is None:
        return skipped(NO_UNO)
    docx, pdf = Path(docx).resolve(), Path(pdf).resolve()
    if not docx.is_file():
        return skipped(f"找不到要转换的文件 {docx}，未生成 PDF")
    profile = Path(tempfile.mkdtemp(prefix="docgen-lo-profile-"))
    script = profile / "convert.py"
    script.write_text(UNO_SCRIPT, encoding="utf-8")
    pipe = f"docgen-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    try:
        fonts, _ = write_fontconfig(profile / "fonts")
        with replacing(pdf) as tmp:
            reason = _run(
                [python, str(script), str(soffice), str(docx), str(tmp), (profile / "user").as_uri(), pipe,
                 str(timeout)],
                timeout, {"FONTCONFIG_FILE": str(fonts)},
            )  # fmt: skip
            if reason is None and (not tmp.is_file() or tmp.stat().st_size == 0):
                reason = "LibreOffice 未写出 PDF"
            if reason is not None:
                raise _Skipped(reason)
    except _Skipped as exc:
        return skipped(str(exc))
    except OSError as exc:
        return skipped(f"PDF 写入失败：{exc}")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return PdfResult(pdf, None, time.perf_counter() - started)


class _Skipped(Exception):
    pass


def _run(command: list[str], timeout: float, env: dict[str, str]) -> str | None:
    """Run the UNO script in a process group of its own; None when it succeeded, else why not."""
    try:
        proc = subprocess.Popen(command, env=_clean_env() | env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    except OSError as exc:
        return f"无法启动 LibreOffice 转换：{exc}"
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return f"LibreOffice 转换 PDF 超过 {timeout:g} 秒，已终止，未生成 PDF"
    if proc.returncode != 0:
        _kill_group(proc)  # an office a failed script may have left behind
        lines = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
        return f"LibreOffice 转换失败：{lines[-1] if lines else f'退出码 {proc.returncode}'}"
    return None


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process group this conversion started (its Python and the soffice it ran), and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
