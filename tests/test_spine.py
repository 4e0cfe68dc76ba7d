"""The spine every cycle shares: cycles are declared in their own packages, and the shared layers name none.

A cycle declared only in a test (a Word-document kind with its own reader, in units' folders, and a
document of its own) runs through intake, receipts, state, rendering and publishing untouched: what the
annual cycle will need.
"""

from __future__ import annotations

import io
import json
import tokenize
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import pytest

import docgen
from docgen import cycles
from docgen.config import IntakeLimits
from docgen.contracts import Validation, load_contract
from docgen.cycle import Cycle, Document, Inputs, Kind, unit_statuses
from docgen.models import Problem, UnitStatus, jsonable
from docgen.pipeline import run_cycle
from docgen.samples import CST, set_drop_time

DOCGEN = Path(docgen.__file__).parent
SHARED = [
    "intake.py", "receipts.py", "state.py", "pipeline.py", "cli.py", "workspace.py", "isolation.py", "cycle.py",
    "airflow_dag.py", "schedule.py", "filenames.py", "atomic.py", "faults.py", "forms.py", "issue_forms.py",
    "approval.py", "airflow_local.py", "versions.py", "board.py", "board_page.py", "airflow_board.py", "formats/sheets.py",
    *(f"render/{p.name}" for p in (DOCGEN / "render").glob("*.py")),
]
CYCLE_WORDS = ("monthly", "quarterly", "annual", "月度", "季度", "年度", "月通报", "督查", "验收")


def test_shared_layers_name_no_cycle() -> None:
    """No name, string or docstring of a shared module names a cycle (comments may give examples)."""
    for rel in SHARED:
        source = (DOCGEN / rel).read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NAME, tokenize.STRING):
                named = [w for w in CYCLE_WORDS if w in token.string]
                assert not named, f"{rel}:{token.start[0]} names {named}: {token.string[:80]}"


def test_every_declared_kind_has_its_contract_and_title() -> None:
    declared = cycles.declared()
    assert list(declared) == ["monthly", "quarterly", "annual", "special"]
    for cycle in declared.values():
        for kind in cycle.kinds:
            if kind.reader is None:
                assert load_contract(kind.name).title == kind.title, (cycle.name, kind.name)
        assert len({(k.folder, s) for k in cycle.kinds for s in k.suffixes}) == sum(len(k.suffixes) for k in cycle.kinds)


def test_an_unknown_cycle_is_refused_in_chinese() -> None:
    with pytest.raises(docgen.DocgenError, match="没有名为“weekly”的周期"):
        cycles.get("weekly")


# ---------------------------------------------------------------- a cycle declared only here


HEADINGS = ("一、基本情况", "二、主要做法", "三、取得成效")


def check_summary(path: Path, limits: IntakeLimits) -> Validation:
    """A unit's summary: it must open as a Word document and have text; missing headings are only noted."""
    try:
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    except Exception:  # noqa: BLE001 - any unreadable package is the unit's problem, told in Chinese
        return Validation(rows=[], problems=[Problem(message="文件无法作为 Word（.docx）文档打开，请另存为 .docx 后重新报送")])
    if not text.strip():
        return Validation(rows=[], problems=[Problem(message="文档没有正文")])
    missing = [h for h in HEADINGS if h not in text]
    notes = [f"总结缺少以下常用标题：{'、'.join(missing)}（不影响接收）"] if missing else []
    return Validation(rows=[{"characters": len(text)}], problems=[], notes=notes)


@dataclass
class SummaryReport:
    period: str
    period_label: str
    deadline: Any
    units: list[UnitStatus]

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))

    def summary(self) -> dict[str, Any]:
        return {"period": self.period, "submitted": [u.code for u in self.units if u.state in ("on_time", "late")]}


class Summaries(Cycle):
    name = "annual"
    label = "测试"
    order = 99
    kinds = (Kind("unit_summary", "年度工作总结", suffixes=(".docx",), reader="tests.test_spine:check_summary"),)
    dag_id = "summaries"
    dag_title = "总结"
    document_title = "总结清单"

    def build(self, inputs: Inputs) -> SummaryReport:
        deadline = inputs.campaign.deadline(inputs.period)
        units = unit_statuses(inputs.registry, list(inputs.registry.units), inputs.submissions, deadline)
        return SummaryReport(inputs.period.key, inputs.period.label, deadline, units)

    def report_from_dict(self, data: Mapping[str, Any]) -> SummaryReport:
        return SummaryReport(data["period"], data["period_label"], data["deadline"],
                             [UnitStatus(**u) for u in data["units"]])

    def documents(self, report: SummaryReport) -> list[Document]:  # type: ignore[override]
        def write(path: Path, _sources: Any) -> None:
            path.write_text("\n".join(f"{u.code} {u.state_label}" for u in report.units), encoding="utf-8")

        return [Document("总结清单.txt", write=write)]

    def with_numbers(self, report: SummaryReport, numbers: Mapping[str, str], issued_on: date) -> SummaryReport:  # type: ignore[override]
        return report


def test_a_cycle_with_a_word_document_kind_needs_nothing_in_the_shared_layers(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = cycles.declared()
    monkeypatch.setattr(cycles, "declared", lambda: {**real, "annual": Summaries()})
    folder = workspace / "intake" / "annual" / "2026"
    good = docx.Document()
    good.add_paragraph("一、基本情况")
    good.add_paragraph("本年度开展活动12场。")
    (folder / "A01").mkdir(parents=True)
    good.save(folder / "A01" / "2026年度工作总结.docx")
    (folder / "B01").mkdir()
    (folder / "B01" / "总结.docx").write_bytes(b"not a zip")
    (folder / "C01").mkdir()
    (folder / "C01" / "总结.xlsx").write_bytes(b"")
    for p in folder.rglob("*.*"):
        set_drop_time(p, datetime(2026, 11, 20, 10, 0, tzinfo=CST))

    run = run_cycle(workspace, "annual", "2026")

    def receipt(unit: str) -> dict:
        (path,) = (workspace / "receipts" / "annual" / "2026" / unit).glob("*.回执.json")
        return json.loads(path.read_text(encoding="utf-8"))

    a01, b01, c01 = receipt("A01"), receipt("B01"), receipt("C01")
    assert a01["accepted"] is True and a01["submission_type"] == "年度工作总结"
    assert a01["notes"] == ["总结缺少以下常用标题：二、主要做法、三、取得成效（不影响接收）"]
    assert b01["accepted"] is False and "Word" in b01["errors"][0]["message"]
    assert c01["accepted"] is False  # an .xlsx where only .docx is taken: the reader refuses it
    assert run.report.summary()["submitted"] == ["A01"]
    listing = (workspace / "outbox" / "annual" / "2026" / "总结清单.txt").read_text(encoding="utf-8")
    assert listing.splitlines()[:3] == ["A01 按时报送", "B01 报送未通过", "C01 报送未通过"]
