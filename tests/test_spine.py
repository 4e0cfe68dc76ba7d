"""The spine every cycle shares: cycles are declared in their own packages, and the shared layers name none.

A cycle declared only in a test (a Word-document kind with its own reader, in units' folders, and a
document of its own) runs through intake, receipts, state, rendering and publishing untouched: what the
annual cycle will need.
"""

from __future__ import annotations

import io
import json
import os
import re
import tokenize
from datetime import datetime
from pathlib import Path

import docx
import pytest

import docgen
from docgen import cycles
from docgen.airflow_local import DAGS_DIR, dags_test, migrate
from docgen.cli import main
from docgen.config import Campaign
from docgen.contracts import load_contract
from docgen.resources import set_drop_time
from docgen.workspace import Workspace

from .builders import CST

DOCGEN = Path(docgen.__file__).parent
REPO = Path(__file__).resolve().parent.parent
SHARED = sorted(p for p in DOCGEN.rglob("*.py") if "cycles" not in p.relative_to(DOCGEN).parts)
CYCLE_WORDS = ("monthly", "quarterly", "annual", "weekly", "special", "月度", "季度", "年度", "月通报", "督查", "验收",
               "调度")


def test_shared_layers_name_no_cycle() -> None:
    """No name, string or docstring of any module outside docgen/cycles/ names a cycle (comments may give
    examples): every shared module is scanned, none left out."""
    assert len(SHARED) > 40 and DOCGEN / "periods.py" in SHARED and DOCGEN / "config.py" in SHARED
    for path in SHARED:
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NAME, tokenize.STRING):
                named = [w for w in CYCLE_WORDS if w in token.string]
                assert not named, f"{path.relative_to(DOCGEN)}:{token.start[0]} names {named}: {token.string[:80]}"


def test_every_declared_kind_has_its_contract_and_title() -> None:
    declared = cycles.declared()
    assert list(declared) == ["monthly", "quarterly", "annual", "weekly", "special"]
    for cycle in declared.values():
        for kind in cycle.kinds:
            if kind.reader is None:
                assert load_contract(kind.name).title == kind.title, (cycle.name, kind.name)
        assert len({(k.folder, s) for k in cycle.kinds for s in k.suffixes}) == sum(len(k.suffixes) for k in cycle.kinds)


def test_an_unknown_cycle_is_refused_in_chinese() -> None:
    with pytest.raises(docgen.DocgenError, match="没有名为“nightly”的周期"):
        cycles.get("nightly")


# ---------------------------------------------------------------- a cycle declared only in the tests (spine_cycle)


@pytest.fixture
def summaries(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The workspace with the test-only cycle declared (DOCGEN_CYCLES) and configured in campaign.yaml, and
    three units' files of 2026-H1 dropped: a good summary, a broken .docx, an .xlsx where .docx is taken."""
    monkeypatch.setenv(cycles.MODULES_ENV, "tests.spine_cycle")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    cycles.declared.cache_clear()
    campaign = workspace / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + (
        "\ndeadlines:\n  summaries: {day: 20, time: \"12:00\"}\nsummaries:\n  min_characters: 30\n"), encoding="utf-8")
    folder = workspace / "intake" / "summaries" / "2026-H1"
    good = docx.Document()
    good.add_paragraph("一、基本情况")
    good.add_paragraph("上半年开展活动12场。")
    (folder / "A01").mkdir(parents=True)
    good.save(folder / "A01" / "2026年上半年工作总结.docx")
    (folder / "B01").mkdir()
    (folder / "B01" / "总结.docx").write_bytes(b"not a zip")
    (folder / "C01").mkdir()
    (folder / "C01" / "总结.xlsx").write_bytes(b"")
    for p in folder.rglob("*.*"):
        set_drop_time(p, datetime(2026, 7, 15, 10, 0, tzinfo=CST))
    yield workspace
    cycles.declared.cache_clear()


def _receipt(workspace: Path, unit: str) -> dict:
    (path,) = (workspace / "receipts" / "summaries" / "2026-H1" / unit).glob("*.回执.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _check_run(workspace: Path) -> None:
    a01, b01, c01 = (_receipt(workspace, u) for u in ("A01", "B01", "C01"))
    assert a01["accepted"] is True and a01["submission_type"] == "半年工作总结"
    assert a01["deadline"] == "2026-07-20T12:00:00+08:00"  # deadlines.summaries of campaign.yaml, not the default
    assert a01["notes"] == ["总结缺少以下常用标题：二、主要做法、三、取得成效（不影响接收）"]
    assert b01["accepted"] is False and "Word" in b01["errors"][0]["message"]
    assert c01["accepted"] is False  # an .xlsx where only .docx is taken: the reader refuses it
    outbox = workspace / "outbox" / "summaries" / "2026-H1"
    assert json.loads((outbox / "summary.json").read_text(encoding="utf-8"))["short"] == ["A01"]  # < 30 characters
    listing = (outbox / "总结清单.txt").read_text(encoding="utf-8").splitlines()
    assert listing[:4] == ["2026年上半年（截止 2026-07-20 12:00）", "A01 按时报送（篇幅不足）", "B01 报送未通过",
                           "C01 报送未通过"]


def test_a_cycle_declared_in_a_test_runs_through_the_cli(summaries: Path) -> None:
    assert list(cycles.declared())[-1] == "summaries"
    assert main(["run", "summaries", "--root", str(summaries), "--period", "2026-H1"]) == 0
    _check_run(summaries)


def test_its_settings_are_checked_by_the_cycle_itself(summaries: Path) -> None:
    campaign = summaries / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8").replace("min_characters: 30", "min_characters: 很多"),
                        encoding="utf-8")
    with pytest.raises(docgen.WorkspaceError, match="summaries.min_characters 应为正整数"):
        Workspace(summaries)
    campaign.write_text(campaign.read_text(encoding="utf-8").replace("min_characters: 很多", "min_characters: 30")
                        .replace("{day: 20,", "{day: 40,"), encoding="utf-8")
    with pytest.raises(docgen.WorkspaceError, match="deadlines.summaries 的 day 应为 1 到 28 之间的整数"):
        Workspace(summaries)
    with pytest.raises(ValueError, match="期次“2026-H3”格式不正确，应写作 2026-H1"):
        cycles.get("summaries").parse_period("2026-H3", Campaign.from_dict(
            {"name": "x", "secretariat": "x", "doc_number_prefix": "x"}))


def test_a_deadlines_entry_of_no_declared_cycle_is_refused(workspace: Path) -> None:
    campaign = workspace / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "\ndeadlines:\n  fortnightly: {day: 3}\n",
                        encoding="utf-8")
    with pytest.raises(docgen.WorkspaceError, match="deadlines 中有未声明的周期：fortnightly"):
        Workspace(workspace)


@pytest.mark.parametrize(("section", "message"), [
    ("monthly:\n  lag_tolerance: 很多\n", "monthly.lag_tolerance 应为 0 到 100 之间的数"),
    ("annual:\n  grades: {优秀: 九十}\n", "annual.grades 中“优秀”的最低分“九十”不是数字"),
    ("deadlines:\n  annual: {month: 13, day: 15}\n", "deadlines.annual 的 month 应为 1 到 12 之间的整数"),
    ("deadlines:\n  monthly: {day: 5, weekday: 1}\n", "deadlines.monthly 应写作 .*不认识：weekday"),
])
def test_each_declared_cycle_checks_its_own_settings_when_the_workspace_opens(
        workspace: Path, section: str, message: str) -> None:
    campaign = workspace / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(re.sub(r"^(deadlines|monthly|annual):\n(  .*\n)*", "", text, flags=re.M) + "\n" + section,
                        encoding="utf-8")
    with pytest.raises(docgen.WorkspaceError, match=message):
        Workspace(workspace)


@pytest.mark.skipif(not DAGS_DIR.is_dir(), reason="DAG files ship only with the source repository")
def test_a_cycle_declared_in_a_test_runs_through_its_dag(summaries: Path, tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "half_year_summaries.py").write_text(
        '"""半年总结"""\nfrom docgen.airflow_dag import cycle_dag\n\nsummaries = cycle_dag("summaries", __doc__)\n',
        encoding="utf-8")
    campaign = summaries / "campaign.yaml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "\napproval: off\n", encoding="utf-8")
    home = tmp_path / "airflow_home"
    migrate(home)
    done = dags_test("half_year_summaries", home, summaries, {"period": "2026-H1"}, dags_folder=dags)
    assert done.returncode == 0 and "state=success" in done.stdout + done.stderr, done.stderr[-3000:]
    _check_run(summaries)
