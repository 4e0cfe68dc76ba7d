"""Reviewing on a phone (手机预览): a draft's preview made once beside it, its content, that approving never
issues it, and the preview page served by a real ``airflow api-server`` behind Airflow's login.

Expected values come from the demo's inputs: the first issuing number of the campaign's prefix and the
notice's title as the demo's October draft carries them (``tests/test_approval.py`` reads the same).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest

import docgen
from docgen import approval
from docgen.board import board
from docgen.board_page import render_page
from docgen.faults import CRASH_ENV
from docgen.links import preview_path
from docgen.pipeline import run_cycle
from docgen.preview import PREVIEW_DIR, TEMP_PREFIX, NoDraft, draft_preview
from docgen.render import pdf as pdf_module
from docgen.resources import build_demo_workspace

from .pdfs import needs_office, page_lines

NOTICE = "2026年10月月通报（创建办〔2026〕1号）"
NUMBER = "创建办〔2026〕1号"
TITLE_LINES = ["关于2026年10月", "青禾市创建全国民族团结进步示范市", "工作进展情况的通报"]


def _october_draft(root: Path) -> Path:
    """A demo workspace whose October notice waits for review as draft 1; its folder."""
    build_demo_workspace(root)
    made = run_cycle(root, "monthly", "2026-10", draft=True).draft
    assert made is not None and made.seq == 1
    return Path(made.folder)


def _without_office(monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice as on a server without it: ``to_pdf`` finds no ``soffice`` and says so."""
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: None)


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in [folder, *folder.iterdir()]}


class _Text(HTMLParser):
    """The text a browser shows of a page, and its viewport meta."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.viewport: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title"):
            self._skip += 1
        if tag == "meta" and dict(attrs).get("name") == "viewport":
            self.viewport = dict(attrs).get("content")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _shown(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    return parser


# ---------------------------------------------------------------- the library


@needs_office
def test_a_draft_is_previewed_once_as_a_pdf_with_the_notices_title_and_number(tmp_path: Path) -> None:
    folder = _october_draft(tmp_path / "ws")
    before = sorted(p.name for p in folder.iterdir())

    made = draft_preview(tmp_path / "ws", "monthly", "2026-10", 1)

    assert made.folder == folder / PREVIEW_DIR
    (doc,) = made.documents
    assert (doc.source, doc.file, doc.kind) == (folder / f"{NOTICE}.docx", made.folder / f"{NOTICE}.pdf", "pdf")
    first_page = page_lines(doc.file)[0]
    assert NUMBER in first_page and all(line in first_page for line in TITLE_LINES)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*before, PREVIEW_DIR])  # nothing else, no temp left

    stamps = _mtimes(made.folder)
    again = draft_preview(tmp_path / "ws", "monthly", "2026-10", 1)
    assert again == made and _mtimes(made.folder) == stamps  # reused: nothing rewritten


def test_without_libreoffice_the_preview_is_an_escaped_html_page_for_a_phone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit name with markup in it reaches the notice's list of units that did not report: the page
    shows it as text."""
    root = tmp_path / "ws"
    build_demo_workspace(root)
    units = root / "registry" / "成员单位名册.xlsx"
    book = openpyxl.load_workbook(units)
    (cell,) = [c for row in book.active.iter_rows() for c in row if c.value == "青禾市广福寺"]
    cell.value = "广福寺<b>x</b>"
    book.save(units)
    folder = Path(run_cycle(root, "monthly", "2026-10", draft=True).draft.folder)
    _without_office(monkeypatch)

    made = draft_preview(root, "monthly", "2026-10", 1)

    (doc,) = made.documents
    assert (doc.file, doc.kind) == (folder / PREVIEW_DIR / f"{NOTICE}.html", "html")
    page = doc.file.read_text(encoding="utf-8")
    shown = _shown(page)
    assert shown.viewport == "width=device-width, initial-scale=1"
    assert NUMBER in shown.parts and "\n".join(TITLE_LINES) in shown.parts
    assert "广福寺&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "序号" in shown.parts and "未报送" in shown.parts  # the tables' cells
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', page)  # the chart
    assert (doc.file.stat().st_mode & 0o777) == (doc.source.stat().st_mode & 0o777)  # readable as the .docx is

    stamps = _mtimes(made.folder)
    assert draft_preview(root, "monthly", "2026-10", 1) == made and _mtimes(made.folder) == stamps


@needs_office
def test_the_pdfs_a_draft_already_holds_are_its_preview_as_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The year's draft holds PDF/A copies of its report and volume: nothing is converted again (without
    LibreOffice a new conversion would be an HTML page) and its score sheet is no document to read."""
    root = tmp_path / "ws"
    build_demo_workspace(root)
    folder = Path(run_cycle(root, "annual", "2025", draft=True).draft.folder)
    _without_office(monkeypatch)

    made = draft_preview(root, "annual", "2025", 1)

    assert [(d.source.suffix, d.file.parent, d.kind) for d in made.documents] == [(".docx", folder, "pdf")] * 2
    assert "创建办〔2026〕" in made.documents[0].source.name  # the numbered report first, then the volume
    assert [d.file for d in made.documents] == [d.source.with_suffix(".pdf") for d in made.documents]
    assert list(made.folder.iterdir()) == []


def test_an_unknown_draft_or_one_whose_folder_is_gone_is_refused_in_chinese(tmp_path: Path) -> None:
    folder = _october_draft(tmp_path / "ws")
    with pytest.raises(NoDraft, match="没有第 2 稿"):
        draft_preview(tmp_path / "ws", "monthly", "2026-10", 2)
    folder.rename(folder.with_name("moved"))
    with pytest.raises(NoDraft, match="第 1 稿的文件夹不存在"):
        draft_preview(tmp_path / "ws", "monthly", "2026-10", 1)


def test_two_callers_at_once_and_a_killed_one_never_leave_half_a_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    folder = _october_draft(root)
    docgen_root = str(Path(docgen.__file__).parents[1])
    killed = subprocess.run(
        [sys.executable, "-c", "import sys; from docgen.preview import draft_preview; "
                               "draft_preview(sys.argv[1], 'monthly', '2026-10', 1)", str(root)],
        env={**os.environ, CRASH_ENV: "preview", "PYTHONPATH": docgen_root}, capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (folder / PREVIEW_DIR).exists()  # what it made is in a hidden folder, never taken as a preview
    (left,) = folder.glob(f"{TEMP_PREFIX}*")

    _without_office(monkeypatch)
    answers: list[object] = []
    callers = [threading.Thread(target=lambda: answers.append(draft_preview(root, "monthly", "2026-10", 1)))
               for _ in range(4)]
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    assert len(answers) == 4 and all(a == answers[0] for a in answers)
    assert sorted(p.name for p in (folder / PREVIEW_DIR).iterdir()) == [f"{NOTICE}.html"]
    assert list(folder.glob(f"{TEMP_PREFIX}*")) == [left]  # only the killed caller's, swept once a day old


def test_a_preview_missing_a_document_gets_only_that_one_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quarter's draft has four documents; one preview deleted is made again, the others untouched."""
    root = tmp_path / "ws"
    build_demo_workspace(root)
    run_cycle(root, "quarterly", "2026-Q3", draft=True)
    _without_office(monkeypatch)
    made = draft_preview(root, "quarterly", "2026-Q3", 1)
    assert len(made.documents) == 4 and made.documents[0].source.name.startswith("2026年第三季度督查通报（")
    gone = made.documents[2].file
    gone.unlink()
    stamps = {k: v for k, v in _mtimes(made.folder).items() if k != made.folder.name}

    again = draft_preview(root, "quarterly", "2026-Q3", 1)

    assert again == made and gone.is_file()
    assert {k: v for k, v in _mtimes(made.folder).items() if k not in (made.folder.name, gone.name)} == stamps
    assert not list(made.folder.parent.glob(f"{TEMP_PREFIX}*"))


def test_approving_a_previewed_draft_issues_no_preview_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    folder = _october_draft(root)
    _without_office(monkeypatch)
    assert draft_preview(root, "monthly", "2026-10", 1).documents

    issued = approval.decide(root, "monthly", "2026-10", 1, approve=True, by="李主任", comment="同意")

    outbox = root / "outbox" / "monthly" / "2026-10"
    assert sorted(p.name for p in issued.outputs) == [f"{NOTICE}.docx", "summary.json"]
    everything = [p.relative_to(outbox).as_posix() for p in outbox.rglob("*")]
    assert [p for p in everything if PREVIEW_DIR in p or p.endswith(".html")] == [
        f"drafts/1/{PREVIEW_DIR}", f"drafts/1/{PREVIEW_DIR}/{NOTICE}.html"]  # only in the draft, as the record
    assert (folder / PREVIEW_DIR / f"{NOTICE}.html").is_file()


def test_the_board_links_each_draft_waiting_for_review_to_its_preview(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    _october_draft(root)
    run_cycle(root, "monthly", "2026-10", draft=True)  # draft 2 supersedes draft 1
    approval.decide(root, "monthly", "2026-10", 2, approve=False, by="李主任", comment="请核实")
    run_cycle(root, "monthly", "2026-10", draft=True)

    page = render_page(board(root, "monthly", "2026-10"), cycle="monthly", period="2026-10", periods=[])

    assert re.findall(r'<a class="preview" href="([^"]+)">手机预览</a>', page) == ["preview/monthly/2026-10/3"]
    assert preview_path("monthly", "2026/10 x", 3) == "preview/monthly/2026%2F10%20x/3"


# ---------------------------------------------------------------- the page in a real Airflow API server

needs_airflow = pytest.mark.skipif(find_spec("airflow") is None, reason="the [airflow] extra is not installed")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - (ApiServer, workspace)
    """``airflow api-server`` on a demo workspace whose October notice and third quarter wait for review."""
    from docgen.airflow_local import api_server

    root = tmp_path_factory.mktemp("preview") / "ws"
    _october_draft(root)
    run_cycle(root, "quarterly", "2026-Q3", draft=True)
    with api_server(tmp_path_factory.mktemp("airflow_home"), root) as api:
        yield api, root


def _get(api, path: str, token: str | None = "login") -> tuple[int, dict[str, str], bytes]:  # noqa: ANN001
    """(status, headers, body) of ``GET path``, with the login's token (None: anonymous)."""
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {api.token if token == 'login' else token}"
    request = urllib.request.Request(api.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:  # noqa: S310 - our own local server
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def _alert(body: bytes) -> str:
    found = re.search(r'role="alert"><p>(.*?)</p>', body.decode("utf-8"), re.S)
    return found[1] if found else ""


@pytest.mark.airflow
@needs_airflow
def test_the_preview_page_and_its_documents_for_a_logged_in_user(served) -> None:  # noqa: ANN001
    api, root = served
    folder = root / "outbox" / "monthly" / "2026-10" / "drafts" / "1"
    status, _, body = _get(api, "/docgen/" + preview_path("monthly", "2026-10", 1))
    assert status == 200
    page = body.decode("utf-8")
    shown = _shown(page)
    assert shown.viewport == "width=device-width, initial-scale=1"
    assert f"{NOTICE}（第 1 稿）" in shown.parts and "待审核" in shown.parts
    (kind, view) = re.findall(r'<li data-kind="(\w+)">.*?<a class="button open" href="([^"]+)"', page, re.S)[0]
    (download,) = re.findall(r'<a class="button download" href="([^"]+)" download>', page)
    assert view == f"../../../preview/monthly/2026-10/1/{quote(f'{NOTICE}.{kind}', safe='')}"
    assert download == f"../../../file/monthly/2026-10/drafts/1/{quote(f'{NOTICE}.docx')}"
    made = folder / PREVIEW_DIR / f"{NOTICE}.{kind}"
    stamps = _mtimes(made.parent)

    status, headers, content = _get(api, "/docgen/" + view.removeprefix("../../../"))
    assert status == 200 and content == made.read_bytes()
    assert headers["content-disposition"].startswith("inline")
    if kind == "pdf":
        assert headers["content-type"] == "application/pdf" and content.startswith(b"%PDF")
    else:
        assert headers["content-type"].startswith("text/html") and "default-src 'none'" in headers["content-security-policy"]
    status, _, original = _get(api, "/docgen/" + download.removeprefix("../../../"))
    assert status == 200 and original == (folder / f"{NOTICE}.docx").read_bytes()

    assert _get(api, "/docgen/" + preview_path("monthly", "2026-10", 1))[0] == 200
    assert _mtimes(made.parent) == stamps  # the second visit reuses the preview

    status, _, board_page = _get(api, "/docgen/board?cycle=monthly&period=2026-10")
    assert status == 200 and 'href="preview/monthly/2026-10/1">手机预览</a>' in board_page.decode("utf-8")


@pytest.mark.airflow
@needs_airflow
@needs_office
def test_the_served_preview_is_a_pdf_with_the_notices_title_and_number(served, tmp_path: Path) -> None:  # noqa: ANN001
    api, _root = served
    status, headers, content = _get(api, "/docgen/" + preview_path("monthly", "2026-10", 1) + "/"
                                     + quote(f"{NOTICE}.pdf", safe=""))
    assert status == 200 and headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("inline")
    (tmp_path / "served.pdf").write_bytes(content)
    first_page = page_lines(tmp_path / "served.pdf")[0]
    assert NUMBER in first_page and all(line in first_page for line in TITLE_LINES)


@pytest.mark.airflow
@needs_airflow
def test_without_a_valid_login_the_preview_is_refused_and_not_made(served) -> None:  # noqa: ANN001
    api, root = served
    import jwt

    claims = jwt.decode(api.token, options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-server's-signing-key" * 4, algorithm=jwt.get_unverified_header(api.token)["alg"])
    page = "/docgen/" + preview_path("quarterly", "2026-Q3", 1)
    for path in (page, page + "/" + quote("整改台账.pdf")):
        for token in (None, forged, "not-a-jwt"):
            status, _, body = _get(api, path, token=token)
            assert status in (401, 403), (path, token)
            assert "登录" in _alert(body) and "督查通报" not in body.decode("utf-8")
    assert not (root / "outbox" / "quarterly" / "2026-Q3" / "drafts" / "1" / PREVIEW_DIR).exists()


@pytest.mark.airflow
@needs_airflow
@pytest.mark.parametrize(("path", "status", "message"), [
    ("/docgen/preview/monthly/2026-10/9", 404, "没有第 9 稿"),
    ("/docgen/preview/monthly/2026-11/1", 404, "没有第 1 稿"),
    ("/docgen/preview/monthly/2026-10/1/summary.json", 404, "没有这个文件"),
    ("/docgen/preview/monthly/2026-10/1/%2E%2E", 404, "没有这个文件"),
    ("/docgen/preview/monthly/2026-10/1/..%2F..%2F..%2F..%2F..%2F..%2Fcampaign.yaml", 404, "没有这个页面"),
    ("/docgen/preview/monthly/2026-13/1", 400, "格式不正确"),
    ("/docgen/preview/nightly/2026-10/1", 400, "没有名为“nightly”的周期"),
    ("/docgen/preview/monthly/2026-10/first", 400, "请求参数不正确"),
])
def test_an_unknown_draft_or_file_gets_a_chinese_error_page(served, path: str, status: int, message: str) -> None:  # noqa: ANN001
    api, _root = served
    got, headers, body = _get(api, path)
    assert got == status and headers["content-type"].startswith("text/html")
    assert message in _alert(body) and "Traceback" not in body.decode("utf-8")
