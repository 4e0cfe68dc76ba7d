"""The faces a PDF is printed in: the official fonts where installed, else free Simplified-Chinese faces of
the same style (never a Japanese, Korean or Traditional variant), all embedded; ``docgen doctor`` says which.

The expected faces are the substitution table's choices for a machine with Debian's texlive-lang-chinese
(the Fandol faces) and none of the official fonts, which is what .ci/run installs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docgen.cli import main
from docgen.render.faces import EXTRA_DIRS_ENV, OFFICIAL_FONTS, face_dirs, face_plan, installed_families

from .pdfs import OTHER_SCRIPTS, convert, faces, needs_office, runs
from .test_render import make_report

FANDOL = [d for d in face_dirs() if (d / "FandolFang-Regular.otf").is_file()]
OFFICIAL_HERE = sorted(
    {f.name for f in OFFICIAL_FONTS} & (installed_families() or set())
)  # a machine with the official fonts prints with them: the Fandol expectations do not hold there

needs_fandol = pytest.mark.skipif(
    not FANDOL or bool(OFFICIAL_HERE),
    reason="需要 texlive-lang-chinese 的 Fandol 字体且本机未装公文字体"
    + (f"（本机已装：{'、'.join(OFFICIAL_HERE)}）" if OFFICIAL_HERE else "（未找到 Fandol）"),
)


@needs_fandol
def test_each_official_font_is_mapped_to_a_free_face_of_its_style() -> None:
    assert {c.official.name: (c.installed, str(c.face)) for c in face_plan()} == {
        "仿宋_GB2312": (False, "FandolFang"),
        "方正小标宋简体": (False, "FandolSong Bold"),
        "黑体": (False, "FandolHei"),
        "楷体_GB2312": (False, "FandolKai"),
        "宋体": (False, "FandolSong"),
    }


@pytest.fixture(scope="module")
def notice_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from docgen.cycles.monthly.notice import render_monthly_notice

    folder = tmp_path_factory.mktemp("faces")
    return convert(render_monthly_notice(make_report(), folder / "通报.docx"))


def _face_of(pdf: Path, text: str) -> str:
    found = {r.face for r in runs(pdf) if text in r.text}
    assert len(found) == 1, (text, found)
    return found.pop()


@needs_office
@needs_fandol
def test_title_body_and_headings_print_in_their_faces(notice_pdf: Path) -> None:
    assert _face_of(notice_pdf, "工作进展情况的通报") == "FandolSong-Bold"  # 2号小标宋 title
    assert _face_of(notice_pdf, "各成员单位：") == "FandolFang-Regular"  # 3号仿宋 body
    assert _face_of(notice_pdf, "一、报送情况") == "FandolHei-Regular"  # 黑体 heading


@needs_office
def test_every_face_is_embedded_and_none_is_a_japanese_korean_or_traditional_variant(notice_pdf: Path) -> None:
    used = faces(notice_pdf)
    assert used, "no face found in the PDF"
    assert [f for f, embedded in used.items() if not embedded] == []
    assert [f for f in used if OTHER_SCRIPTS.search(f)] == []
    cjk_runs = [r for r in runs(notice_pdf) if re.search(r"[\u4e00-\u9fff]", r.text)]
    body = [r for r in cjk_runs if r.size == 16.0]
    assert body and not [r.face for r in body if "Sans" in r.face], "the 3号 body is set in a sans face"


def _renamed_face(source: Path, target: Path, family: str, postscript: str) -> Path:
    """A copy of a free face that calls itself ``family``: an official font 'installed' on this machine."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(source))
    names = font["name"]
    names.names = [r for r in names.names if r.nameID not in (1, 4, 6, 16, 17)]
    for name_id, value in ((1, family), (4, family), (16, family), (6, postscript)):
        names.setName(value, name_id, 3, 1, 0x409)  # Windows, Unicode: the records fontconfig reads
    font.save(str(target))
    return target


@needs_office
@pytest.mark.skipif(not FANDOL, reason="需要 texlive-lang-chinese 的 Fandol 字体作为样本")
def test_an_installed_official_font_wins_over_its_substitute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    _renamed_face(FANDOL[0] / "FandolKai-Regular.otf", fonts / "official.otf", "仿宋_GB2312", "DocgenTestFangSong")
    monkeypatch.setenv(EXTRA_DIRS_ENV, str(fonts))
    plan = {c.official.name: c for c in face_plan()}
    assert plan["仿宋_GB2312"].installed and plan["仿宋_GB2312"].face is None
    assert not plan["黑体"].installed

    from docgen.cycles.monthly.notice import render_monthly_notice

    pdf = convert(render_monthly_notice(make_report(), tmp_path / "通报.docx"))
    # The PDF names a face by its outlines' own name: the 'official' font's are FandolKai's.
    assert _face_of(pdf, "各成员单位：") == "FandolKai-Regular"
    assert _face_of(pdf, "一、报送情况") == "FandolHei-Regular"


@needs_fandol
def test_doctor_names_the_face_of_each_official_font(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert "仿宋_GB2312（正文）：未安装，以 FandolFang 替代" in out
    assert "方正小标宋简体（标题）：未安装，以 FandolSong Bold 替代" in out
    assert "楷体_GB2312（二级标题）：未安装，以 FandolKai 替代" in out
    assert code == (0 if "PDF：LibreOffice" in out else 1)


def test_doctor_says_when_no_face_can_stand_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import docgen.render.faces as faces_module

    # A machine with no Fandol folder and fonts that name none of the faces (an empty fontconfig).
    monkeypatch.setattr(faces_module, "FACE_DIRS", ())
    monkeypatch.setattr(faces_module, "installed_families", lambda config=None: set())
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert "仿宋_GB2312（正文）：未安装，且无可用的替代字体" in out
    assert "texlive-lang-chinese" in out
    assert code == 1
