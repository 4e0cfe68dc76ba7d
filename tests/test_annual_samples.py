"""The demo's annual files (2025): self-assessments, work summaries and the assessors' score sheets, each
valid where it is meant to be, dropped when drop_times.yaml says (always in the past), and adding up to what
the ``annual:`` section of expected.yaml says.

Everything here reads the files itself (openpyxl, csv, python-docx) and recomputes the expected outcome by
plain arithmetic: it checks expected.yaml against the files, not against the annual cycle's code. The data
contracts are used only where they exist (``self_assessment`` and ``assessor_scores`` may come later).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import docx
import openpyxl
import pytest
import yaml
from docx.opc.exceptions import PackageNotFoundError

from docgen.contracts import ValidationContext, load_contract
from docgen.errors import ContractError
from docgen.models import Registry
from docgen.registry import load_registry
from docgen.resources import build_demo_workspace
from docgen.validation import validate_file

from .builders import CST
from .builders.annual import ASSESSOR_HEADERS, LEGACY_DOC_MAGIC, SELF_ASSESSMENT_HEADERS, SUMMARY_HEADINGS
from .builders.workspaces import DEMO_DIR

YEAR = "2025"
ROOT = f"intake/annual/{YEAR}"
ASSESSORS = "_assessors"
PAST = datetime(2026, 11, 20, tzinfo=CST)
"""Every demo file is dropped before this: intake takes a future mtime as 'received when first seen'."""
THRESHOLDS = (("优秀", 90.0), ("良好", 80.0), ("合格", 60.0))  # below: 不合格
TABLE_SUFFIXES = (".xlsx", ".csv")

# What each summary is meant to show (who writes it that way is in examples/demo/generate.py).
WITH_TABLE = {"XZ01", "BM01", "XX01", "QY01"}
WITH_PICTURE = {"XZ03", "BM01", "BM04"}
WITH_WORD_NUMBERING = {"BM03", "SQ01"}
WITH_HEADER = {"BM02": "内部资料"}
LACKING_HEADINGS = {"XX02": ["四、存在问题", "五、下步打算"]}
# The refused files and what refuses them.
OVER_POINTS = {f"{ROOT}/BM05/农业农村局2025年度自评表.xlsx": ("B1", 16.0)}
RENAMED_DOC = {f"{ROOT}/ZJ01/东关清真寺2025年民族团结进步创建工作总结.docx"}


def _manifest() -> dict[str, datetime]:
    raw = yaml.safe_load((DEMO_DIR / "drop_times.yaml").read_text(encoding="utf-8"))
    return {
        rel: w if isinstance(w, datetime) else datetime.fromisoformat(w)
        for rel, w in raw.items()
        if rel.startswith(f"{ROOT}/")
    }


def _expected() -> dict[str, Any]:
    return yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))["annual"][YEAR]


def _folder(rel: str) -> str:
    return PurePosixPath(rel).parts[3]


@dataclasses.dataclass
class Demo:
    root: Path
    registry: Registry


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = build_demo_workspace(tmp_path_factory.mktemp("annual") / "demo")
    return Demo(root, load_registry(root / "registry"))


# ---------------------------------------------------------------- reading the files independently


def _grid(path: Path) -> list[list[object]]:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            return [list(r) for r in book.active.iter_rows(values_only=True)]
        finally:
            book.close()
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [list(r) for r in csv.reader(io.StringIO(text))]
    raise AssertionError(f"{path}: neither UTF-8 nor GB18030")


def _records(path: Path, headers: list[str]) -> list[dict[str, object]]:
    """The data rows under the header row that holds ``headers`` (title, 填表说明 and blank rows skipped)."""
    grid = _grid(path)
    at = next(k for k, row in enumerate(grid[:20]) if set(headers) <= {str(c).strip() for c in row if c})
    names = [str(c).strip() if c is not None else "" for c in grid[at]]
    out = []
    for row in grid[at + 1 :]:
        cells = ["" if c is None else c for c in row]
        if all(str(c).strip() == "" for c in cells) or str(cells[0]).startswith("填表说明"):
            continue
        out.append(dict(zip(names, cells, strict=False)))
    return out


def _number(value: object) -> float:
    return float(unicodedata.normalize("NFKC", str(value)).strip())


def _files(demo: Demo, suffixes: tuple[str, ...]) -> Iterator[tuple[str, Path]]:
    for rel in _manifest():
        if rel.endswith(suffixes):
            yield rel, demo.root / rel


def _round(x: float) -> float:
    return round(x + 1e-9, 2)


# ---------------------------------------------------------------- the files and their drop times


def test_every_annual_file_has_its_drop_time(demo: Demo) -> None:
    manifest = _manifest()
    on_disk = sorted(
        p.relative_to(demo.root).as_posix() for p in (demo.root / ROOT).rglob("*") if p.is_file()
    )
    assert on_disk == sorted(manifest)
    for rel, at in manifest.items():
        assert (demo.root / rel).stat().st_mtime == at.timestamp(), rel


def test_every_annual_drop_is_in_the_past_and_at_the_year_end() -> None:
    manifest = _manifest()
    expected = _expected()
    deadline = datetime.fromisoformat(expected["deadline"])
    assert deadline == datetime(2026, 1, 15, 17, 0, tzinfo=CST)
    assert manifest and max(manifest.values()) < PAST
    assert all((w.year, w.month) in ((2025, 12), (2026, 1)) for w in manifest.values())
    for rel, at in manifest.items():
        folder = _folder(rel)
        if folder == ASSESSORS:
            assert at > deadline, rel  # the assessors score after the units have sent everything
        elif folder in expected["late_units"]:
            assert at > deadline, rel
        else:
            assert at <= deadline, rel


def test_what_each_unit_sends() -> None:
    """14 summaries (one a renamed .doc), 15 self-assessments (3 CSV), SQ02 a summary only, ZJ02 nothing,
    BM06 and QY02 a self-assessment only; two assessors' sheets."""
    by_unit: dict[str, list[str]] = {}
    for rel in _manifest():
        by_unit.setdefault(_folder(rel), []).append(rel)
    assessors = by_unit.pop(ASSESSORS)
    assert len(assessors) == 2 and {PurePosixPath(r).suffix for r in assessors} == {".xlsx", ".csv"}
    summaries = {u for u, rels in by_unit.items() if any(r.endswith(".docx") for r in rels)}
    tables = {u for u, rels in by_unit.items() if any(r.endswith(TABLE_SUFFIXES) for r in rels)}
    assert len(summaries) == 14 and len(tables) == 15
    assert sum(r.endswith(".csv") for rels in by_unit.values() for r in rels) == 3
    assert summaries - tables == {"SQ02"}
    assert tables - summaries == {"BM06", "QY02"}
    assert "ZJ02" not in by_unit


# ---------------------------------------------------------------- the tables


def test_tables_carry_their_headers(demo: Demo) -> None:
    for rel, path in _files(demo, TABLE_SUFFIXES):
        headers = ASSESSOR_HEADERS if _folder(rel) == ASSESSORS else SELF_ASSESSMENT_HEADERS
        assert _records(path, headers), rel


def test_scores_stay_within_the_points_but_one(demo: Demo) -> None:
    points = {i: x.points for i, x in demo.registry.indicators.items()}
    assert sum(points.values()) == 100
    found_over = {}
    for rel, path in _files(demo, TABLE_SUFFIXES):
        assessor = _folder(rel) == ASSESSORS
        rows = _records(path, ASSESSOR_HEADERS if assessor else SELF_ASSESSMENT_HEADERS)
        seen = set()
        for row in rows:
            indicator = str(row["指标编号"]).strip()
            score = _number(row["评分" if assessor else "自评得分"])
            key = (str(row["单位代码"]).strip(), indicator) if assessor else indicator
            assert key not in seen, (rel, key)
            seen.add(key)
            assert indicator in points, (rel, indicator)
            if assessor:
                assert key[0] in demo.registry.units, (rel, key)
            if not 0 <= score <= points[indicator]:
                found_over[rel] = (indicator, score)
        if not assessor:
            assert seen == set(points), rel  # every indicator self-assessed
    assert found_over == OVER_POINTS


def _context(demo: Demo, unit: str | None) -> ValidationContext:
    """The validation context, with the indicators when this version of docgen's context carries them."""
    names = {f.name for f in dataclasses.fields(ValidationContext)}
    extra: dict[str, Any] = {"indicators": demo.registry.indicators} if "indicators" in names else {}
    return ValidationContext(unit=unit, tasks=demo.registry.tasks, unit_codes=demo.registry.units.keys(), **extra)


@pytest.mark.parametrize("contract_name", ["self_assessment", "assessor_scores"])
def test_tables_pass_their_contract_where_it_exists(demo: Demo, contract_name: str) -> None:
    try:
        contract = load_contract(contract_name)
    except ContractError:
        pytest.skip(f"no {contract_name} contract on this branch yet: headers checked above")
    assessor = contract_name == "assessor_scores"
    checked = 0
    for rel, path in _files(demo, TABLE_SUFFIXES):
        if (_folder(rel) == ASSESSORS) != assessor:
            continue
        result = validate_file(path, contract, _context(demo, None if assessor else _folder(rel)))
        checked += 1
        if rel in OVER_POINTS:
            # refused here when the contract knows the points, else by the cycle's rules: never for another cell
            assert {p.column for p in result.problems} <= {"自评得分"}, (rel, [p.describe() for p in result.problems])
        else:
            assert result.problems == [], (rel, [p.describe() for p in result.problems])
            assert result.rows, rel
    assert checked == (2 if assessor else 16)


# ---------------------------------------------------------------- the summaries


def _document(path: Path) -> Any:
    return docx.Document(str(path))


def test_the_renamed_doc_is_not_a_docx(demo: Demo) -> None:
    for rel in RENAMED_DOC:
        data = (demo.root / rel).read_bytes()
        assert data[:8] == LEGACY_DOC_MAGIC == bytes.fromhex("D0CF11E0A1B11AE1")
        with pytest.raises(PackageNotFoundError):
            _document(demo.root / rel)


def test_summaries_open_and_carry_their_tables_and_pictures(demo: Demo) -> None:
    manifest = _manifest()
    summaries = {_folder(rel): rel for rel, _ in _files(demo, (".docx",)) if rel not in RENAMED_DOC}
    assert len(summaries) == 13
    margins = {}
    for unit, rel in summaries.items():
        doc = _document(demo.root / rel)
        text = "\n".join(p.text for p in doc.paragraphs)
        assert doc.paragraphs[0].text.endswith("工作总结") and "2025" in doc.paragraphs[0].text, rel
        assert 500 <= len(text) <= 3000, (rel, len(text))
        missing = [h for h in SUMMARY_HEADINGS if h not in text]
        assert missing == LACKING_HEADINGS.get(unit, []), (rel, missing)
        assert (len(doc.tables) > 0) == (unit in WITH_TABLE), rel
        for table in doc.tables:
            assert len(table.rows) >= 3 and table.cell(0, 0).text, rel
        pictures = doc.inline_shapes
        assert (len(pictures) > 0) == (unit in WITH_PICTURE), rel
        images = [p for p in doc.part.package.parts if p.partname.startswith("/word/media/")]
        assert all(p.blob[:8] == b"\x89PNG\r\n\x1a\n" for p in images), rel
        numbered = [p for p in doc.paragraphs if p.style.name == "List Number"]
        assert (len(numbered) >= 3) == (unit in WITH_WORD_NUMBERING), rel
        header = doc.sections[0].header.paragraphs[0].text
        assert (WITH_HEADER.get(unit, "") in header) if unit in WITH_HEADER else header == "", rel
        props = doc.core_properties
        assert props.author and props.created < props.modified, rel
        assert props.modified.tzinfo is not None and props.modified <= manifest[rel], rel  # saved, then dropped
        s = doc.sections[0]
        margins[unit] = (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)
    odd = {u for u, m in margins.items() if m != margins["XZ01"]}
    assert odd == set(WITH_HEADER)


# ---------------------------------------------------------------- expected.yaml, recomputed


def _assessor_sheets(demo: Demo) -> list[dict[tuple[str, str], float]]:
    sheets = []
    for _rel, path in _files(demo, TABLE_SUFFIXES):
        if _folder(_rel) == ASSESSORS:
            rows = _records(path, ASSESSOR_HEADERS)
            sheets.append({(str(r["单位代码"]).strip(), str(r["指标编号"]).strip()): _number(r["评分"]) for r in rows})
    return sheets


def _grade(total: float) -> str:
    return next((g for g, minimum in THRESHOLDS if total >= minimum), "不合格")


def test_expected_totals_are_the_means_of_the_two_assessors(demo: Demo) -> None:
    expected = _expected()
    codes = list(demo.registry.units)
    first, second = _assessor_sheets(demo)
    assert first.keys() == second.keys(), "both assessors score the same units on the same indicators"
    sums = {code: 0.0 for code in codes}
    for key, score in first.items():
        sums[key[0]] += (score + second[key]) / 2
    totals = {code: _round(t) for code, t in sums.items()}
    assert expected["scores"] == totals
    unscored = {c: [i for i in demo.registry.indicators if (c, i) not in first] for c in codes}
    assert expected["unscored"] == {c: ids for c, ids in unscored.items() if ids} == {"ZJ01": ["D1"]}
    grades = {c: _grade(t) for c, t in totals.items()}
    assert expected["grades"] == grades
    assert set(grades.values()) == {"优秀", "良好", "合格", "不合格"}
    assert expected["ranking"] == sorted(codes, key=lambda c: (-totals[c], codes.index(c)))
    assert len(set(totals.values())) < len(totals), "at least one tie"
    assert {totals["BM02"], totals["SQ02"]} == {90.0, 60.0}  # on the 优秀 and 合格 thresholds exactly


def test_expected_submissions_follow_the_files(demo: Demo) -> None:
    expected = _expected()
    codes = list(demo.registry.units)
    campaign = yaml.safe_load((demo.root / "campaign.yaml").read_text(encoding="utf-8"))
    due = campaign["deadlines"]["annual"]
    hour, minute = map(int, due["time"].split(":"))
    deadline = datetime(int(YEAR) + 1, due["month"], due["day"], hour, minute, tzinfo=CST)
    assert datetime.fromisoformat(expected["deadline"]) == deadline
    manifest = _manifest()
    rejected = set(expected["rejected_files"])
    assert rejected == set(OVER_POINTS) | RENAMED_DOC
    accepted = {rel: at for rel, at in manifest.items() if rel not in rejected and _folder(rel) != ASSESSORS}
    first = {c: min((at for rel, at in accepted.items() if _folder(rel) == c), default=None) for c in codes}
    assert expected["expected_units"] == codes
    assert expected["submitted_units"] == [c for c in codes if first[c] is not None]
    assert expected["late_units"] == [c for c in codes if first[c] is not None and first[c] > deadline] == ["XZ03"]
    assert expected["missing_units"] == [c for c in codes if first[c] is None] == ["ZJ02"]
    with_summary = {_folder(rel) for rel in accepted if rel.endswith(".docx")}
    assert expected["chapters"] == [demo.registry.units[c].name for c in codes if c in with_summary]


def test_expected_yaml_keeps_the_other_cycles() -> None:
    data = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))
    assert data["period"] == "2026-10" and "unit_states" in data
    assert set(data["quarterly"]) == {"2026-Q2", "2026-Q3"}
    assert set(data["annual"]) == {YEAR}
    assert set(data["annual"][YEAR]) == {
        "deadline", "expected_units", "submitted_units", "late_units", "missing_units", "scores", "grades",
        "ranking", "unscored", "rejected_files", "chapters",
    }  # fmt: skip
