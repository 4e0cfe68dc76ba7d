"""A built wheel is a complete library: installed in a fresh virtual environment, away from the source
tree, its ``docgen`` command validates a file and runs the monthly cycle of the demo campaign.

The wheel is built with ``pip wheel`` from a copy of the source tree (so no stale ``build/`` of the
repository leaks into it). It is installed with ``--no-deps``; the dependencies come from this
interpreter's site-packages through a ``.pth`` file, which the fresh environment puts on ``sys.path``
after its own site-packages, so ``docgen`` itself can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PERIOD = "2026-10"
NOT_COPIED = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
              "_data", "docs")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site: Path  # the fresh environment's site-packages
    work: Path  # a folder outside the source tree to run in

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        return subprocess.run([str(a) for a in args], cwd=self.work, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def python(self, code: str) -> str:
        done = self.run(self.venv / "bin" / "python", "-c", code)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip()

    def docgen(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(self.venv / "bin" / "docgen", *args)


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    dist = base / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _ok(subprocess.run([*pip, "wheel", "--no-deps", "--quiet", "-w", str(dist), str(source)],
                       cwd=base, capture_output=True, text=True, timeout=600, check=False))
    (wheel,) = dist.glob("docgen-*.whl")

    venv = base / "venv"
    _ok(subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)],
                       capture_output=True, text=True, timeout=300, check=False))
    py = venv / "bin" / "python"
    _ok(subprocess.run([*pip, "--python", str(py), "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
                       cwd=base, capture_output=True, text=True, timeout=600, check=False))
    site = Path(_ok(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=False)).stdout.strip())
    host = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "zz_host_dependencies.pth").write_text("".join(f"{p}\n" for p in host), encoding="utf-8")
    work = base / "work"
    work.mkdir()
    return Installed(wheel, venv, site, work)


def test_wheel_carries_contracts_and_templates_byte_for_byte(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as zf:
        names = set(zf.namelist())
        for folder, pattern, packaged in (("data_contracts", "*.yaml", "data_contracts"),
                                          ("templates", "*.docx", "templates")):
            shipped = sorted((REPO / folder).glob(pattern))
            assert shipped, folder
            for path in shipped:
                assert zf.read(f"docgen/_data/{packaged}/{path.name}") == path.read_bytes(), path.name
        assert "docgen/_data/demo/registry/成员单位名册.xlsx" in names
        forms = zf.read("docgen/forms.py").decode("utf-8")
    assert not [n for n in names if n.startswith(("dags/", "tests/", "data_contracts/", "templates/"))]
    assert not [n for n in names if n.startswith("docgen/_data/") and n.endswith(".py")]
    # the test data builders and the tests' readers stay in the repository: the demo travels as files
    assert not [n for n in names if "samples" in n or "builders" in n or "forms_reading" in n]
    assert "def form_rules" not in forms


def test_installed_docgen_comes_from_the_wheel_not_the_source(installed: Installed) -> None:
    where = json.loads(installed.python(
        "import json, docgen\n"
        "from docgen import contracts, resources\n"
        "from docgen.render import engine\n"
        "print(json.dumps([docgen.__file__, str(contracts.CONTRACTS_DIR), str(engine.REPO_TEMPLATES),"
        " str(resources.demo_dir())]))"
    ))
    for path in where:
        assert Path(path).is_relative_to(installed.site / "docgen"), path
        assert not Path(path).is_relative_to(REPO), path


def test_installed_command_runs_the_monthly_cycle(installed: Installed) -> None:
    ws = installed.work / "青禾市创建"
    installed.python(f"from pathlib import Path; from docgen.resources import build_demo_workspace; "
                     f"build_demo_workspace(Path({str(ws)!r}))")
    assert not (ws / "templates").exists()  # the notice and receipts can only use the wheel's templates
    empty = ws / "intake" / "monthly" / PERIOD / "ZJ02"  # a unit's folder that holds nothing, in the wheel too
    assert empty.is_dir() and not any(empty.iterdir())

    assert "docgen validate" in _ok(installed.docgen("--help")).stdout
    intake = ws / "intake" / "monthly" / PERIOD
    (good,) = (intake / "BM01").iterdir()
    done = _ok(installed.docgen("validate", str(good), "--root", str(ws), "--contract", "monthly_progress",
                                "--unit", "BM01", "--period", PERIOD))
    assert "通过" in done.stdout
    (bad,) = (intake / "XX02").iterdir()
    done = installed.docgen("validate", str(bad), "--root", str(ws), "--contract", "monthly_progress",
                            "--unit", "XX02", "--period", PERIOD)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "应在 0 到 100 之间" in done.stdout

    _ok(installed.docgen("run", "monthly", "--root", str(ws), "--period", PERIOD))
    outbox = ws / "outbox" / "monthly" / PERIOD
    (notice,) = outbox.glob("*月通报*.docx")
    summary = json.loads((outbox / "summary.json").read_text(encoding="utf-8"))
    text = "\n".join(p.text for p in docx.Document(str(notice)).paragraphs)
    assert "创建办〔2026〕1号" in notice.name and "一、报送情况" in text and "四、下步要求" in text

    expected = yaml.safe_load((REPO / "examples" / "demo" / "expected.yaml").read_text(encoding="utf-8"))
    states = {code: state for state in ("on_time", "late", "rejected", "missing")
              for code in summary[f"{state}_units"]}
    assert states == expected["unit_states"]
    assert summary["totals"]["activities"] == expected["totals_accepted"]["activities"]

    dropped = sorted(p.name for p in intake.rglob("*") if p.is_file())
    answered = sorted(json.loads(p.read_text(encoding="utf-8"))["file"]
                      for p in (ws / "receipts").rglob("*.回执.json"))
    assert dropped and answered == dropped
    assert len(list((ws / "receipts").rglob("*.回执.docx"))) == len(dropped)

    assert "XX02" in _ok(installed.docgen("status", "--root", str(ws), "--cycle", "monthly", "--period", PERIOD)).stdout


def test_installed_command_runs_the_quarterly_cycle(installed: Installed) -> None:
    """The cycles are found in the installed package (not the source tree), with their templates."""
    ws = installed.work / "季度督查"
    installed.python(f"from pathlib import Path; from docgen.resources import build_demo_workspace; "
                     f"build_demo_workspace(Path({str(ws)!r}))")
    _ok(installed.docgen("run", "quarterly", "--root", str(ws), "--period", "2026-Q2"))
    outbox = ws / "outbox" / "quarterly" / "2026-Q2"
    summary = json.loads((outbox / "summary.json").read_text(encoding="utf-8"))
    expected = yaml.safe_load((REPO / "examples" / "demo" / "expected.yaml").read_text(encoding="utf-8"))
    want = expected["quarterly"]["2026-Q2"]
    assert (summary["open"], summary["overdue"], summary["missing_units"]) == (
        want["open"], want["overdue"], want["missing_units"])
    assert len(list(outbox.glob("整改通知书_*.docx"))) == len(summary["rectification_numbers"])
    assert (outbox / "整改台账.xlsx").is_file()
    assert "整改台账" in _ok(installed.docgen("ledger", "--root", str(ws), "--open")).stdout
