"""Which face prints each official font: the substitution table the PDF step ships with.

The .docx files name the official fonts (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体, with
``w:eastAsia`` set), so Word or WPS with those fonts shows them. A server rarely has them, and without a
table LibreOffice falls back to whatever fontconfig offers first for CJK text: on Debian a Japanese
sans-serif (Noto Sans CJK JP), which gives Japanese glyph forms and no 仿宋 body at all.

So the PDF step writes a fontconfig file for its LibreOffice that maps each official font that is *not*
installed to a free Simplified-Chinese face of the same style:

- 仿宋 → FandolFang, 楷体 → FandolKai, 黑体 → FandolHei, 宋体 → FandolSong, 小标宋 → FandolSong Bold.
  The Fandol faces (Debian's ``texlive-lang-chinese``) are the free faces drawn for Chinese typesetting
  in TeX: one face per style of the official set, all covering GB 2312 (the official fonts' own
  repertoire, so any character a 仿宋_GB2312 document can hold), Simplified glyph forms only, and single
  OpenType files (no collection whose Japanese member a renderer might pick). Noto CJK SC and AR PL are
  later candidates where Fandol is missing.
- An official font that is installed wins: no rule is written for it.
- Any other font falls back, through fontconfig's generic families, to the body's face (仿宋 or its
  stand-in) rather than to a Japanese or Korean default.
- FandolSong-Bold declares a regular weight in its OS/2 table, so a weight request cannot reach it; the
  file gives it its true weight when fontconfig scans it, and 小标宋 asks for that weight.

``docgen doctor`` prints the same table (``face_plan``) for the machine it runs on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

# Where free faces live when fontconfig does not list them (Debian's texlive keeps Fandol out of it).
FACE_DIRS = (
    "/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol",
    "/usr/share/texmf/fonts/opentype/public/fandol",
    "/usr/local/texlive/texmf-dist/fonts/opentype/public/fandol",
    "/usr/share/fonts/opentype/fandol",
)
FONT_SUFFIXES = (".otf", ".ttf", ".ttc", ".otc")
EXTRA_DIRS_ENV = "DOCGEN_FONT_DIRS"  # more folders of faces, separated by os.pathsep
INSTALL_HINT = "apt-get install --no-install-recommends texlive-lang-chinese"


@dataclass(frozen=True)
class Face:
    """One free face: a fontconfig family and, for a bold face, its weight."""

    family: str
    bold: bool = False

    def __str__(self) -> str:
        return f"{self.family} Bold" if self.bold else self.family


@dataclass(frozen=True)
class OfficialFont:
    """An official font as the templates name it, its other names, and the free faces that stand for it."""

    name: str
    role: str  # what GB/T 9704 uses it for, in the words of a secretariat
    aliases: tuple[str, ...]
    substitutes: tuple[Face, ...]


OFFICIAL_FONTS: tuple[OfficialFont, ...] = (
    OfficialFont("仿宋_GB2312", "正文", ("仿宋", "FangSong_GB2312", "FangSong"),
                 (Face("FandolFang"),)),
    OfficialFont("方正小标宋简体", "标题", ("方正小标宋_GBK", "FZXiaoBiaoSong-B05S"),
                 (Face("FandolSong", bold=True), Face("Noto Serif CJK SC", bold=True))),
    OfficialFont("黑体", "一级标题", ("SimHei",), (Face("FandolHei"), Face("Noto Sans CJK SC"))),
    OfficialFont("楷体_GB2312", "二级标题", ("楷体", "KaiTi_GB2312", "KaiTi"),
                 (Face("FandolKai"), Face("AR PL UKai CN"))),
    OfficialFont("宋体", "页码", ("SimSun",), (Face("FandolSong"), Face("Noto Serif CJK SC"))),
)  # fmt: skip

# The bold Fandol face whose OS/2 weight says regular: its PostScript name, given its true weight on scan.
MISLABELLED_BOLD = ("FandolSong-Bold",)


@dataclass(frozen=True)
class FaceChoice:
    """What prints an official font on this machine: itself, a free face, or nothing chosen (fallback)."""

    official: OfficialFont
    installed: bool
    face: Face | None

    def describe(self) -> str:
        """One line of ``docgen doctor``."""
        head = f"{self.official.name}（{self.official.role}）"
        if self.installed:
            return f"{head}：已安装，使用原字体"
        if self.face is not None:
            return f"{head}：未安装，以 {self.face} 替代"
        return f"{head}：未安装，且无可用的替代字体，将由系统默认字体排印（请安装：{INSTALL_HINT}）"


def face_dirs() -> list[Path]:
    """The folders of free faces on this machine: the usual places and ``$DOCGEN_FONT_DIRS``."""
    extra = [p for p in os.environ.get(EXTRA_DIRS_ENV, "").split(os.pathsep) if p]
    seen: list[Path] = []
    for folder in (*extra, *FACE_DIRS):
        path = Path(folder)
        if path.is_dir() and path not in seen:
            seen.append(path)
    return seen


def _base_config(cache: Path, dirs: list[Path]) -> str:
    """The system's configuration, plus the face folders and the weight of a mislabelled bold face."""
    parts = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<fontconfig>",
        # Our own cache first: a face folder is then scanned under these rules, not read from a cache
        # another configuration wrote.
        f"  <cachedir>{escape(str(cache))}</cachedir>",
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        *(f"  <dir>{escape(str(d))}</dir>" for d in dirs),
        *(
            '  <match target="scan">'
            f'<test name="postscriptname"><string>{escape(name)}</string></test>'
            '<edit name="weight" mode="assign"><const>bold</const></edit></match>'
            for name in MISLABELLED_BOLD
        ),
    ]
    return "\n".join(parts)


def _link_faces(into: Path) -> Path:
    """The free faces linked into a folder of this run's own: fontconfig then scans them under our rules
    (a cache of their real folder, written under another configuration, would bypass the scan rule)."""
    into.mkdir(parents=True, exist_ok=True)
    for n, folder in enumerate(face_dirs()):
        for font in sorted(folder.iterdir()):
            if font.suffix.lower() in FONT_SUFFIXES and font.is_file():
                (into / f"{n}-{font.name}").symlink_to(font.resolve())
    return into


def _rule(name: str, face: Face) -> str:
    weight = '<edit name="weight" mode="assign" binding="strong"><const>bold</const></edit>' if face.bold else ""
    return (
        f'  <match target="pattern"><test name="family" qual="any"><string>{escape(name)}</string></test>'
        f'<edit name="family" mode="assign" binding="strong"><string>{escape(face.family)}</string></edit>'
        f"{weight}</match>"
    )


def _fallback(body: FaceChoice) -> list[str]:
    """Text in a font nobody has (a unit's 华文中宋) falls back to a generic family: make that the body's
    face, so it never lands on a Japanese or Korean default."""
    family = body.official.name if body.installed else (body.face.family if body.face else None)
    if family is None:
        return []
    return [
        f'  <alias binding="strong"><family>{generic}</family><prefer><family>{escape(family)}</family></prefer></alias>'
        for generic in ("sans-serif", "serif")
    ]


def installed_families(config: Path | None = None) -> set[str] | None:
    """Every family name fontconfig lists (under ``config``), or None when ``fc-list`` is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    env = dict(os.environ)
    if config is not None:
        env["FONTCONFIG_FILE"] = str(config)
    try:
        out = subprocess.run([fc_list, ":", "family"], env=env, capture_output=True, timeout=120,
                             stdin=subprocess.DEVNULL, check=False).stdout  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {name.strip() for line in out.decode("utf-8", "replace").splitlines() for name in line.split(",")}


def _plan(families: set[str] | None) -> list[FaceChoice]:
    choices = []
    for font in OFFICIAL_FONTS:
        if families is not None and ({font.name, *font.aliases} & families):
            choices.append(FaceChoice(font, True, None))
            continue
        face = next((f for f in font.substitutes if families is None or f.family in families), None)
        choices.append(FaceChoice(font, False, face))
    return choices


def write_fontconfig(folder: Path) -> tuple[Path, list[FaceChoice]]:
    """Write ``folder/fonts.conf`` for a LibreOffice run and say what prints each official font.

    Without ``fc-list`` nothing can be asked: every official font is then taken to be missing and mapped
    to its first free face (a rule naming a face that is not there changes nothing).
    """
    folder.mkdir(parents=True, exist_ok=True)
    base = _base_config(folder / "fontconfig-cache", [_link_faces(folder / "faces")])
    probe = folder / "fonts-probe.conf"
    probe.write_text(base + "\n</fontconfig>\n", encoding="utf-8")
    plan = _plan(installed_families(probe))
    probe.unlink()
    rules = []
    for choice in plan:
        if choice.installed or choice.face is None:
            continue
        rules.extend(_rule(name, choice.face) for name in (choice.official.name, *choice.official.aliases))
    rules.extend(_fallback(plan[0]))
    config = folder / "fonts.conf"
    config.write_text(base + "\n" + "\n".join(rules) + "\n</fontconfig>\n", encoding="utf-8")
    return config, plan


def face_plan(scratch: Path | None = None) -> list[FaceChoice]:
    """What prints each official font on this machine, as the PDF step would choose (``docgen doctor``)."""
    with tempfile.TemporaryDirectory(prefix="docgen-faces-", dir=scratch) as folder:
        return write_fontconfig(Path(folder))[1]
