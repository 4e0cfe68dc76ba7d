"""The annual acceptance cycle end to end through the library and the CLI: self-assessments, summaries and
two assessors' score sheets in; scores, grades, ranking, the report, the score sheet, the compiled volume
(and its PDF where LibreOffice is installed) out."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.shared import Mm

from docgen.cli import main
from docgen.pipeline import compute, run_cycle
from docgen.resources import set_drop_time

from .builders import CST
from .builders.registry import sample_indicators, write_campaign, write_registry
from .builders.tables import write_table
from .conftest import TASKS, UNITS
from .pdfs import needs_office
from .test_intake import docx_text

SELF_HEADERS = ["指标编号", "自评得分", "自评说明", "佐证材料清单"]
SCORE_HEADERS = ["单位代码", "指标编号", "评分", "扣分说明"]
IDS = ["A1", "A2", "B1", "B2", "C1", "C2", "D1", "D2"]  # 分值 10 10 15 10 20 15 10 10
ZHANG = {"A01": [10, 9, 14, 9, 18, 14, 9, 9], "B01": [8, 8, 12, 8, 16, 12, 8, None],
         "C01": [9, 8, 12, 8, 16, 12, 8, 8], "D01": [8, 8, 12, 8, 16, 12, 8, 0]}
LI = {"A01": [9, 9, 13, 9, 19, 13, 9, 8], "B01": [8, 8, 12, 8, 16, 12, 8, None],
      "C01": [9, 8, 12, 8, 16, 12, 8, 8], "D01": [8, 8, 12, 8, 16, 12, 8, 0]}
WHEN = datetime(2026, 1, 10, 10, 0, tzinfo=CST)
PNG = bytes.fromhex(  # a 1×1 red PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000"
    "000301010018dd8db00000000049454e44ae426082"
)


def summary_docx(path: Path, unit_name: str, *, headings: tuple[str, ...], header: str = "",
                 picture: bool = False, table: bool = False) -> Path:
    """A unit's annual summary as units write them: headings, text, a numbered list, maybe a table and a
    picture, and its own header and footer."""
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(215.9), Mm(279.4)  # Letter, not the volume's A4
    if header:
        section.header.paragraphs[0].text = header
        section.footer.paragraphs[0].text = f"{header}（页脚）"
    doc.add_paragraph("2025年度工作总结", style="Title")
    for h in headings:
        doc.add_paragraph(h, style="Heading 1")
        doc.add_paragraph(f"{unit_name}在{h[2:]}方面认真落实创建要求，取得积极进展。")
    doc.add_paragraph("开展宣传月活动", style="List Number")
    doc.add_paragraph("建成教育基地", style="List Number")
    if table:
        t = doc.add_table(rows=2, cols=2)
        t.cell(0, 0).text, t.cell(0, 1).text = "指标", "完成值"
        t.cell(1, 0).text, t.cell(1, 1).text = "活动场次", "24"
    if picture:
        png = path.parent / "chart.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(PNG)
        doc.add_picture(str(png), width=Mm(40))
        png.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    set_drop_time(path, WHEN)
    return path


def put(root: Path, folder: str, name: str, headers: list[str], rows: list[list[object]], **table: object) -> Path:
    path = root / "intake" / "annual" / "2025" / folder / name
    write_table(path, headers, rows, **table)  # type: ignore[arg-type]
    set_drop_time(path, WHEN)
    return path


def scores(sheet: dict[str, list[int | None]]) -> list[list[object]]:
    return [[unit, i, s, "" if s == dict(zip(IDS, (10, 10, 15, 10, 20, 15, 10, 10), strict=True))[i] else "资料不全"]
            for unit, values in sheet.items() for i, s in zip(IDS, values, strict=True) if s is not None]


@pytest.fixture
def year(tmp_path: Path) -> Path:
    """2025: A01 sends everything; B01 a summary lacking two headings; C01 only bad files; D01 nothing."""
    root = tmp_path / "ws"
    write_campaign(root, doc_number_prefix="创建办〔{year}〕", intake={"max_file_mb": 5, "settle_seconds": 0})
    write_registry(root, UNITS, TASKS, sample_indicators())
    put(root, "A01", "自评表.xlsx", SELF_HEADERS, [[i, p, "已落实", "文件"] for i, p in
                                                  zip(IDS, (10, 10, 15, 10, 20, 15, 10, 10), strict=True)],
        title="2025年度自评表")
    summary_docx(root / "intake/annual/2025/A01/2025年度工作总结.docx", "青禾镇人民政府",
                 headings=("一、基本情况", "二、主要做法", "三、取得成效", "四、存在问题", "五、下步打算"),
                 header="青禾镇内部资料", picture=True, table=True)
    summary_docx(root / "intake/annual/2025/B01/总结.docx", "市民族宗教事务局",
                 headings=("一、基本情况", "二、主要做法", "三、取得成效"))
    put(root, "C01", "自评表.csv", SELF_HEADERS, [["B1", 16, "超分", ""]], encoding="gbk")
    doc = root / "intake/annual/2025/C01/总结.docx"
    doc.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 2048)  # an old .doc renamed
    set_drop_time(doc, WHEN)
    put(root, "_assessors", "张伟.xlsx", SCORE_HEADERS, scores(ZHANG), title="验收评分表（张伟）")
    put(root, "_assessors", "李娜.csv", SCORE_HEADERS, scores(LI))
    return root


def outbox(root: Path) -> Path:
    return root / "outbox" / "annual" / "2025"


def test_scores_grades_and_ranking(year: Path) -> None:
    numbered = compute(year, "annual", "2025", today=date(2026, 1, 20))
    assert numbered.doc_number == "创建办〔2026〕1号"  # the year of issue, not of the period
    run_cycle(year, "annual", "2025")
    s = json.loads((outbox(year) / "summary.json").read_text(encoding="utf-8"))
    assert s["doc_number"] == "创建办〔2026〕1号"
    assert s["expected_units"] == ["A01", "B01", "C01", "D01"]
    assert (s["submitted_units"], s["missing_units"]) == (["A01", "B01"], ["C01", "D01"])
    assert s["scores"] == {"A01": 90.5, "C01": 81.0, "B01": 72.0, "D01": 72.0}
    assert s["grades"] == {"A01": "优秀", "C01": "良好", "B01": "合格", "D01": "合格"}
    assert s["ranking"] == ["A01", "C01", "B01", "D01"]
    assert s["unscored"] == {"B01": ["D2"]}


def test_receipts_of_the_year(year: Path) -> None:
    run_cycle(year, "annual", "2025")

    def receipts(folder: str) -> dict[str, dict]:
        found = (year / "receipts/annual/2025" / folder).glob("*.回执.json")
        return {(r := json.loads(p.read_text(encoding="utf-8")))["file"]: r for p in found}

    b01 = receipts("B01")["总结.docx"]
    assert b01["accepted"] is True and b01["submission_type"] == "年度工作总结"
    assert any("四、存在问题" in n and "五、下步打算" in n for n in b01["notes"])
    c01 = receipts("C01")
    assert c01["总结.docx"]["accepted"] is False and ".doc" in c01["总结.docx"]["errors"][0]["message"]
    (e,) = c01["自评表.csv"]["errors"]
    assert (e["row"], e["column"]) == (2, "自评得分") and "15" in e["message"]
    assessors = receipts("_assessors")
    assert set(assessors) == {"张伟.xlsx", "李娜.csv"} and all(r["accepted"] for r in assessors.values())
    assert {r["unit_name"] for r in assessors.values()} == {"验收组"}


def test_report_and_score_sheet(year: Path) -> None:
    run_cycle(year, "annual", "2025")
    (report,) = outbox(year).glob("*验收报告*.docx")
    text = docx_text(report)
    assert "创建办〔2026〕1号" in text
    for name in ("青禾镇人民政府", "市民族宗教事务局", "青禾市第一中学", "青禾乳业有限公司"):
        assert name in text
    assert "90.5" in text and "优秀" in text and "良好" in text
    book = openpyxl.load_workbook(outbox(year) / "验收评分汇总表.xlsx")
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "2025年度验收评分汇总表"  # the title above the header
    header = [str(h) for h in rows[1]]
    assert header[:3] == ["名次", "单位代码", "单位名称"] and "总分" in header and "等次" in header
    by_code = {r[1]: r for r in rows[2:]}
    total, grade = header.index("总分"), header.index("等次")
    assert (by_code["A01"][0], by_code["A01"][total], by_code["A01"][grade]) == (1, 90.5, "优秀")
    assert (by_code["B01"][0], by_code["D01"][0]) == (3, 3)  # a tie shares its rank
    assert sheet.auto_filter.ref and sheet.freeze_panes


def test_the_compiled_volume(year: Path) -> None:
    run_cycle(year, "annual", "2025")
    (volume,) = outbox(year).glob("*汇编*.docx")
    doc = docx.Document(str(volume))
    text = docx_text(volume)
    chapters = ["青禾镇人民政府2025年度工作总结", "市民族宗教事务局2025年度工作总结"]
    headings = [p for p in doc.paragraphs if p.text in chapters and p.style.name != "Title"]
    assert [p.text for p in headings] == chapters  # in registry order, each once, as chapter headings
    assert len({p.style.name for p in headings}) == 1
    assert "青禾市第一中学2025年度工作总结" not in text  # its summary was returned
    with zipfile.ZipFile(volume) as z:
        body = z.read("word/document.xml").decode("utf-8")
        parts = {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.startswith("word/")}
    assert "TOC \\o" in body  # a real contents field
    assert "青禾镇内部资料" not in "".join(parts.values())  # the unit's own header and footer are dropped
    assert body.count("<a:blip ") >= 1 and len(doc.tables) >= 1
    assert "开展宣传月活动" in text and "活动场次" in text
    for section in doc.sections:  # the unit's Letter page did not come along
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


@needs_office
def test_pdf_copies_when_libreoffice_is_installed(year: Path) -> None:
    run_cycle(year, "annual", "2025")
    pdfs = sorted(p.name for p in outbox(year).glob("*.pdf"))
    assert pdfs == ["2025年度工作汇编.pdf", "2025年度测评验收报告（创建办〔2026〕1号）.pdf"]
    assert all((outbox(year) / n).read_bytes().startswith(b"%PDF") for n in pdfs)
    assert not (outbox(year) / "说明.txt").exists()


def test_without_libreoffice_the_documents_are_made_and_the_run_says_why(
    year: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no soffice to be found
    monkeypatch.setattr("docgen.render.pdf.SOFFICE_CANDIDATES", ())
    run_cycle(year, "annual", "2025")
    assert not list(outbox(year).glob("*.pdf"))
    assert len(list(outbox(year).glob("*.docx"))) == 2
    notes = (outbox(year) / "说明.txt").read_text(encoding="utf-8").splitlines()
    assert len(notes) == 2 and all("未安装 LibreOffice" in n for n in notes)


def test_cli_runs_the_year(year: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["run", "annual", "--root", str(year), "--period", "2025"]) == 0
    out = capsys.readouterr().out
    assert "验收报告" in out and "汇编收录 2 个单位" in out
    assert main(["status", "--root", str(year), "--cycle", "annual", "--period", "2025"]) == 0
    assert "青禾乳业有限公司" in capsys.readouterr().out


def test_a_self_assessment_missing_indicators_is_told_so(year: Path) -> None:
    put(year, "B01", "自评表.xlsx", SELF_HEADERS, [["A1", 8, "", ""], ["B1", 12, "", ""]])
    run_cycle(year, "annual", "2025")
    (path,) = (year / "receipts/annual/2025/B01").glob("*自评表.xlsx.回执.json")
    receipt = json.loads(path.read_text(encoding="utf-8"))
    assert receipt["accepted"] is True
    assert receipt["notes"] == ["自评表未包含以下指标，请补充后重新报送：A2 工作规划、B2 教育培训、C1 “七进”活动、"
                                "C2 交往交流交融、D1 产业帮扶、D2 群众满意度"]
