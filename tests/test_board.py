"""The status board (状态看板): the library function on real workspaces, and the page served by a real
``airflow api-server`` behind Airflow's login, also in a real headless browser.

Expected values come from the tests' own inputs: the files dropped here, and for the demo
``examples/demo/expected.yaml``, worked out by hand when the demo was written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

import docgen
from docgen.approval import decide
from docgen.board import BoardRequestError, board, known_periods, outbox_file
from docgen.board_page import render_page
from docgen.pipeline import intake_step, receipts_step, run_cycle
from docgen.resources import build_demo_workspace, set_drop_time
from docgen.workspace import Workspace

from .builders import CST
from .builders.workspaces import DEMO_DIR
from .conftest import LATE, ON_TIME, Dropper, row

EXPECTED = yaml.safe_load((DEMO_DIR / "expected.yaml").read_text(encoding="utf-8"))
DEMO_PERIODS = [("monthly", "2026-10"), ("quarterly", "2026-Q2"), ("quarterly", "2026-Q3"), ("annual", "2025")]
BEFORE_OCTOBER_DEADLINE = datetime(2026, 11, 4, 12, 0, tzinfo=CST)  # the monthly deadline is 5 Nov 17:00
AFTER_OCTOBER_DEADLINE = datetime(2026, 11, 6, 9, 0, tzinfo=CST)


def _answer(ws: Path, cycle: str, period: str) -> None:
    """Take in and answer the period's files, as the intake DAG does between deadlines."""
    intake_step(ws, cycle, period)
    receipts_step(ws, cycle, period)


# ---------------------------------------------------------------- the library, on a small workspace


@pytest.fixture
def answered(workspace: Path, drop: Dropper) -> Path:
    """October: A01 on time; B01 returned (four problems in two rows); C01 nothing yet.

    The October tasks (T1–T3) involve A01, B01 and C01; D01's only task starts in November.
    """
    drop("A01")
    drop("B01", [row("B01", "T1", 120, 联系电话="123"), row("B01", "T2", -5, **{"本月开展活动(场次)": "若干"})],
         when=ON_TIME)
    _answer(workspace, "monthly", "2026-10")
    return workspace


def test_each_expected_unit_with_its_state_and_a_returned_files_first_problems(answered: Path) -> None:
    shown = board(answered, "monthly", "2026-10", now=AFTER_OCTOBER_DEADLINE)

    assert [(u.code, u.state) for u in shown.units] == [("A01", "on_time"), ("B01", "rejected"), ("C01", "missing")]
    a01, b01, c01 = shown.units
    assert a01.received_at == ON_TIME and a01.file == "月度进展报送表.xlsx" and not a01.problems
    assert b01.state_label == "已退回" and b01.problem_count == 4 and len(b01.problems) == 3
    assert b01.problems[0].startswith("第2行“完成进度(%)”列（填写的值：120）")
    assert any(p.startswith("第2行“联系电话”列（填写的值：123）") for p in b01.problems)
    assert c01.received_at is None and c01.file is None and c01.state_label == "未报送"
    assert shown.counts() == {"on_time": 1, "late": 0, "rejected": 1, "missing": 1, "not_yet_due": 0}
    assert shown.due and shown.sections == [] and shown.documents == [] and shown.drafts == []


def test_missing_is_not_yet_due_before_the_deadline_and_a_late_file_counts_as_late(answered: Path, drop: Dropper) -> None:
    early = board(answered, "monthly", "2026-10", now=BEFORE_OCTOBER_DEADLINE)
    assert not early.due
    assert {u.code: u.state for u in early.units}["C01"] == "not_yet_due"

    drop("C01", when=LATE)  # 7 Nov: after the deadline
    _answer(answered, "monthly", "2026-10")
    later = board(answered, "monthly", "2026-10", now=datetime(2026, 11, 8, 9, 0, tzinfo=CST))
    c01 = next(u for u in later.units if u.code == "C01")
    assert (c01.state, c01.state_label, c01.received_at) == ("late", "逾期报送", LATE)


def test_issued_documents_and_drafts_but_not_earlier_versions(answered: Path) -> None:
    outbox = answered / "outbox" / "monthly" / "2026-10"
    run = run_cycle(answered, "monthly", "2026-10")
    (outbox / "versions" / "v1").mkdir(parents=True)
    (outbox / "versions" / "v1" / "旧通报.docx").write_bytes(b"old")
    state = Workspace(answered).state
    for seq in (1, 2, 3, 4):
        folder = outbox / "drafts" / str(seq)
        folder.mkdir(parents=True)
        (folder / f"草稿{seq}.docx").write_bytes(b"draft")
        state.add_draft("monthly", "2026-10", lambda n: f"outbox/monthly/2026-10/drafts/{n}", f"创建办〔2026〕{seq}号")
    state.decide_draft(state.draft("monthly", "2026-10", 1).id, "returned", by="secretariat",
                       at=AFTER_OCTOBER_DEADLINE, comment="B01 的数据有误 <请核实>")
    state.decide_draft(state.draft("monthly", "2026-10", 2).id, "approved", by="secretariat",
                       at=AFTER_OCTOBER_DEADLINE, comment=None)
    state.decide_draft(state.draft("monthly", "2026-10", 3).id, "superseded", by="新稿",
                       at=AFTER_OCTOBER_DEADLINE, comment=None)

    shown = board(answered, "monthly", "2026-10")

    names = [f.name for f in shown.documents]
    assert names[0] == run.notice.name and names[-1] == "summary.json"
    assert "旧通报.docx" not in names and not any(n.startswith("草稿") for n in names)
    # an approved draft is what was issued; a superseded one can no longer be approved
    assert [(d.seq, d.status, d.status_label) for d in shown.drafts] == [(4, "pending", "待审核"), (1, "returned", "已退回")]
    assert [d.seq for d in shown.pending_drafts] == [4]
    assert shown.drafts[0].files[0].path == "drafts/4/草稿4.docx" and shown.drafts[0].doc_number == "创建办〔2026〕4号"
    assert shown.drafts[1].comment == "B01 的数据有误 <请核实>" and shown.drafts[1].decided_by == "secretariat"

    page = render_page(shown, cycle="monthly", period="2026-10", periods=known_periods(answered, "monthly"))
    assert "B01 的数据有误 &lt;请核实&gt;" in page and "<请核实>" not in page  # autoescaped
    assert 'href="file/monthly/2026-10/drafts/4/%E8%8D%89%E7%A8%BF4.docx"' in page


def test_a_period_with_no_expected_units_is_an_empty_board(workspace: Path) -> None:
    shown = board(workspace, "monthly", "2030-01")
    assert shown.units == [] and shown.counts() == dict.fromkeys(shown.counts(), 0)
    assert "本期没有应报单位" in render_page(shown, cycle="monthly", period="2030-01", periods=[])
    quarter = board(workspace, "quarterly", "2020-Q1")
    assert quarter.units == [] and [s.rows for s in quarter.sections] == [[]]


@pytest.mark.parametrize(("cycle", "period", "message"), [
    ("nightly", "2026-10", "没有名为“nightly”的周期"),
    ("weekly", "2026-10", "期次“2026-10”格式不正确"),
    ("monthly", "2026-13", "期次“2026-13”格式不正确"),
    ("monthly", "2026/10", "期次“2026/10”格式不正确"),
    ("quarterly", "2026-10", "期次“2026-10”格式不正确"),
])
def test_an_unknown_cycle_or_a_malformed_period_is_refused_in_chinese(
    workspace: Path, cycle: str, period: str, message: str
) -> None:
    with pytest.raises(BoardRequestError, match=message):
        board(workspace, cycle, period)


def test_a_download_reaches_only_files_of_the_periods_outbox(answered: Path, tmp_path: Path) -> None:
    outbox = answered / "outbox" / "monthly" / "2026-10"
    (outbox / "drafts" / "1").mkdir(parents=True)
    (outbox / "通报.docx").write_bytes(b"issued")
    (outbox / "drafts" / "1" / "草稿.docx").write_bytes(b"draft")
    (answered / "outbox" / "monthly" / "2026-09").mkdir()
    (answered / "outbox" / "monthly" / "2026-09" / "九月.docx").write_bytes(b"september")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (outbox / "link.docx").symlink_to(tmp_path / "secret.txt")
    (outbox / "folder-link").symlink_to(tmp_path, target_is_directory=True)

    assert outbox_file(answered, "monthly", "2026-10", "通报.docx").read_bytes() == b"issued"
    assert outbox_file(answered, "monthly", "2026-10", "drafts/1/草稿.docx").read_bytes() == b"draft"
    for bad in ("../../../campaign.yaml", "../2026-09/九月.docx", str(answered / "campaign.yaml"), "/etc/passwd",
                "link.docx", "folder-link/secret.txt", "drafts", "没有.docx", "", "..\\..\\campaign.yaml"):
        with pytest.raises(BoardRequestError, match="没有这个文件"):
            outbox_file(answered, "monthly", "2026-10", bad)
    assert [f.name for f in board(answered, "monthly", "2026-10").documents] == ["通报.docx"]  # no links listed


def test_the_page_templates_name_no_cycle() -> None:
    """The pages (the board, a draft's preview) are shared by every cycle: what differs comes from the
    cycle's declaration."""
    from .test_spine import CYCLE_WORDS

    templates = sorted((Path(docgen.__file__).parent / "html").glob("*.html"))
    assert [t.name for t in templates] == ["board.html", "preview.html", "preview_document.html"]
    for template in templates:
        assert not [w for w in CYCLE_WORDS if w in template.read_text(encoding="utf-8")], template.name


# ---------------------------------------------------------------- the library, on the demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace with every demo period's files answered; October's first draft returned with a
    comment and its second approved (so issued); the third quarter's draft waiting for review."""
    ws = build_demo_workspace(tmp_path_factory.mktemp("board") / "ws")
    for cycle, period in DEMO_PERIODS:
        _answer(ws, cycle, period)
    for approve in (False, True):
        made = run_cycle(ws, "monthly", "2026-10", draft=True).draft
        decide(ws, "monthly", "2026-10", made.seq, approve=approve, by="secretariat",
               comment="" if approve else "XX02 的数据请再核实")
    run_cycle(ws, "quarterly", "2026-Q3", draft=True)
    return ws


def test_the_demo_months_board_matches_what_the_demo_was_written_to_show(demo: Path) -> None:
    shown = board(demo, "monthly", "2026-10", now=AFTER_OCTOBER_DEADLINE)
    assert {u.code: u.state for u in shown.units} == EXPECTED["unit_states"]
    xx02 = next(u for u in shown.units if u.code == "XX02")
    assert any("120" in p for p in xx02.problems)  # its 完成进度 of 120 is what returned it
    assert any(f.name.endswith(".docx") and "月通报" in f.name for f in shown.documents)

    early = board(demo, "monthly", "2026-10", now=BEFORE_OCTOBER_DEADLINE)
    missing = {code for code, state in EXPECTED["unit_states"].items() if state == "missing"}
    assert {u.code for u in early.units if u.state == "not_yet_due"} == missing


@pytest.mark.parametrize("quarter", ["2026-Q2", "2026-Q3"])
def test_a_quarters_board_lists_the_items_not_closed_at_its_end(demo: Path, quarter: str) -> None:
    expected = EXPECTED["quarterly"][quarter]
    shown = board(demo, "quarterly", quarter)
    states = {**{code: "on_time" for code in expected["on_time_units"]},
              **{code: "late" for code in expected["late_units"]},
              **{code: "rejected" for code in expected["rejected_units"]},
              **{code: "missing" for code in expected["missing_units"]}}
    assert {u.code: u.state for u in shown.units} == states

    (ledger,) = shown.sections
    problem = ledger.headers.index("问题编号")
    state = ledger.headers.index("当前状态")
    overdue = ledger.headers.index("逾期")
    unit = ledger.headers.index("单位")
    listed = {r[problem]: r[state] for r in ledger.rows}
    assert listed == {**dict.fromkeys(expected["open"], "挂号"), **dict.fromkeys(expected["rectifying"], "整改中"),
                      **dict.fromkeys(expected["awaiting_recheck"], "已整改待复查")}
    assert {r[problem] for r in ledger.rows if r[overdue] == "逾期"} == set(expected["overdue"])
    names = {u.code: u.name for u in shown.units}
    assert [names[c] for c in expected["units_with_open_items"]] == list(dict.fromkeys(r[unit] for r in ledger.rows))


def test_the_years_board_shows_summaries_scores_and_grades(demo: Path) -> None:
    expected = EXPECTED["annual"]["2025"]
    shown = board(demo, "annual", "2025")
    assert [u.code for u in shown.units] == expected["expected_units"]
    assert [u.code for u in shown.units if u.state == "late"] == expected["late_units"]
    assert [u.code for u in shown.units if u.state not in ("on_time", "late")] == expected["missing_units"]

    summaries, scores = shown.sections
    assert [r[0] for r in summaries.rows] == expected["chapters"]
    names = {u.code: u.name for u in shown.units}
    assert [r[1] for r in scores.rows] == [names[c] for c in expected["ranking"]]
    by_name = {r[1]: r for r in scores.rows}
    for code, total in expected["scores"].items():
        assert float(by_name[names[code]][2]) == total
        assert by_name[names[code]][3] == expected["grades"][code]
    assert by_name[names["ZJ01"]][6] == "、".join(expected["unscored"]["ZJ01"])


def test_a_year_without_score_sheets_says_the_scores_are_still_to_come(tmp_path: Path) -> None:
    ws = build_demo_workspace(tmp_path / "ws")
    shutil.rmtree(ws / "intake" / "annual" / "2025" / "_assessors")
    _answer(ws, "annual", "2025")
    summaries, scores = board(ws, "annual", "2025").sections
    assert summaries.rows and scores.rows == [] and "尚未报送评分表" in scores.empty


# ---------------------------------------------------------------- the page in a real Airflow API server

needs_airflow = pytest.mark.skipif(find_spec("airflow") is None, reason="the [airflow] extra is not installed")


@pytest.fixture(scope="module")
def server(demo: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - an ApiServer
    """``airflow api-server`` on the demo workspace."""
    from docgen.airflow_local import api_server

    with api_server(tmp_path_factory.mktemp("airflow_home"), demo) as api:
        yield api


def _alert(body: str) -> str:
    found = re.search(r'role="alert"><p>(.*?)</p>', body, re.S)
    return found[1] if found else ""


@pytest.mark.airflow
@needs_airflow
def test_a_logged_in_user_sees_the_board_and_downloads_a_document(server, demo: Path) -> None:  # noqa: ANN001
    page = server.request("GET", "/docgen/board?cycle=monthly&period=2026-10", raw=True).decode()
    rows = dict(re.findall(r'<tr data-unit="(\w+)" data-state="(\w+)">', page))
    assert rows == EXPECTED["unit_states"]  # the deadline (5 Nov 2026) has passed: nobody is "not yet due"
    assert 'data-draft="1" data-status="returned"' in page and "XX02 的数据请再核实" in page
    assert 'data-draft="2"' not in page and "没有待审核的草稿" in page  # approved: it is what was issued

    (notice,) = (demo / "outbox" / "monthly" / "2026-10").glob("*月通报*.docx")
    link = re.search(r'href="(file/monthly/2026-10/(?!drafts)[^"]*%E6%9C%88%E9%80%9A%E6%8A%A5[^"]*)"', page)[1]
    assert server.request("GET", "/docgen/" + link, raw=True) == notice.read_bytes()

    quarter = server.request("GET", "/docgen/board?cycle=quarterly&period=2026-Q3", raw=True).decode()
    assert "DC2026Q3-001" in quarter and "各单位未销号问题" in quarter
    assert 'data-draft="1" data-status="pending"' in quarter and "本期尚未发布公文" in quarter
    (draft,) = (demo / "outbox" / "quarterly" / "2026-Q3" / "drafts" / "1").glob("*督查通报*.docx")
    link = re.search(r'href="(file/quarterly/2026-Q3/drafts/1/[^"]*%E7%9D%A3%E6%9F%A5%E9%80%9A%E6%8A%A5[^"]*)"',
                     quarter)[1]
    assert server.request("GET", "/docgen/" + link, raw=True) == draft.read_bytes()
    run = server.request("GET", "/docgen/board?dag_id=annual_acceptance&run_id=manual__none", raw=True).decode()
    assert "年度验收 · 2025年度" in run  # a run it cannot find: its DAG's cycle, the period before now (Dec 2026)


@pytest.mark.airflow
@needs_airflow
def test_without_a_valid_airflow_login_the_board_and_its_files_are_refused(server, demo: Path) -> None:  # noqa: ANN001
    from docgen.airflow_local import ApiError

    (notice,) = (demo / "outbox" / "monthly" / "2026-10").glob("*月通报*.docx")
    import jwt

    claims = jwt.decode(server.token, options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-server's-signing-key" * 4, algorithm=jwt.get_unverified_header(server.token)["alg"])
    for path in ("/docgen/board?cycle=monthly&period=2026-10", f"/docgen/file/monthly/2026-10/{quote(notice.name)}"):
        for token in (None, forged, "not-a-jwt"):
            with pytest.raises(ApiError) as refused:
                server.request("GET", path, token=token, raw=True)
            assert refused.value.status in (401, 403), (path, token)
            assert "登录" in _alert(refused.value.body) and "XX02" not in refused.value.body


@pytest.mark.airflow
@needs_airflow
@pytest.mark.parametrize(("path", "status", "message"), [
    ("/docgen/board?cycle=nightly&period=2026-10", 400, "没有名为“nightly”的周期"),
    ("/docgen/board?cycle=monthly&period=2026-13", 400, "期次“2026-13”格式不正确"),
    ("/docgen/board?cycle=quarterly&period=2026-10", 400, "格式不正确"),
    ("/docgen/board?cycle=monthly&period=%3Cscript%3E", 400, "期次“&lt;script&gt;”格式不正确"),
    ("/docgen/file/monthly/2026-10/../../../campaign.yaml", 404, "没有这个文件"),
    ("/docgen/file/monthly/2026-10/%2e%2e/%2e%2e/%2e%2e/campaign.yaml", 404, "没有这个文件"),
    ("/docgen/file/monthly/2026-10/%2Fetc%2Fpasswd", 404, "没有这个文件"),
    ("/docgen/file/monthly/2026-10/drafts/..%2F..%2F..%2F..%2F.docgen/state.sqlite", 404, "没有这个文件"),
    ("/docgen/file/monthly/2026-13/x.docx", 400, "格式不正确"),
    ("/docgen/nothing", 404, "没有这个页面"),
])
def test_a_bad_request_gets_a_4xx_in_chinese_and_no_traceback(server, path: str, status: int, message: str) -> None:  # noqa: ANN001
    from docgen.airflow_local import ApiError

    with pytest.raises(ApiError) as refused:
        server.request("GET", path, raw=True)
    assert refused.value.status == status
    assert message in _alert(refused.value.body)
    assert "Traceback" not in refused.value.body and 'File "' not in refused.value.body


@pytest.mark.airflow
@needs_airflow
def test_a_broken_workspace_is_told_in_chinese_not_as_a_traceback(server, demo: Path) -> None:  # noqa: ANN001
    from docgen.airflow_local import ApiError

    campaign = demo / "campaign.yaml"
    kept = campaign.read_bytes()
    campaign.write_text("name: [unclosed\n", encoding="utf-8")
    try:
        with pytest.raises(ApiError) as refused:
            server.request("GET", "/docgen/board?cycle=monthly&period=2026-10", raw=True)
    finally:
        campaign.write_bytes(kept)
    assert refused.value.status == 503
    assert "活动配置文件" in _alert(refused.value.body) and "无法解析" in _alert(refused.value.body)
    assert "Traceback" not in refused.value.body
    assert "XX02" in server.request("GET", "/docgen/board?cycle=monthly&period=2026-10", raw=True).decode()


@pytest.mark.airflow
@needs_airflow
def test_the_board_stays_up_while_a_run_writes_the_state_database(server, demo: Path) -> None:  # noqa: ANN001
    """A whole November run (intake of every unit's file, receipts, the notice) in another process while
    the board of that month and of October is asked for again and again: every answer is a board."""
    november = demo / "intake" / "monthly" / "2026-11"
    for source in (demo / "intake" / "monthly" / "2026-10").rglob("*.*"):
        target = november / source.relative_to(source.parents[1])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        set_drop_time(target, datetime(2026, 12, 1, 10, 0, tzinfo=CST))
    run = subprocess.Popen([sys.executable, "-m", "docgen.cli", "run", "monthly", "--root", str(demo),
                            "--period", "2026-11"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env={**os.environ, "PYTHONPATH": str(Path(docgen.__file__).parents[1])})
    answers: list[int] = []
    failures: list[str] = []

    def ask(period: str) -> None:
        while run.poll() is None:
            try:
                page = server.request("GET", f"/docgen/board?cycle=monthly&period={period}", raw=True).decode()
                answers.append(page.count("<tr data-unit="))
            except Exception as exc:  # noqa: BLE001 - every failure is collected and reported
                failures.append(f"{period}: {exc}")

    askers = [threading.Thread(target=ask, args=(p,)) for p in ("2026-11", "2026-10")]
    for t in askers:
        t.start()
    out, _ = run.communicate(timeout=600)
    for t in askers:
        t.join()
    assert run.returncode == 0, out[-3000:]
    assert not failures, failures[:3]
    assert len(answers) >= 10, f"only {len(answers)} answers while the run went on"
    after = server.request("GET", "/docgen/board?cycle=monthly&period=2026-11", raw=True).decode()
    assert "月通报" in after and "本期尚未发布公文" not in after
    assert "database is locked" not in out


# ---------------------------------------------------------------- the page in a real browser

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.mark.airflow
@needs_airflow
def test_the_board_in_a_headless_browser(server, demo: Path) -> None:  # noqa: ANN001
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("no chromium and chromedriver (apt-get install chromium chromium-driver): the browser test needs them")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (the [test] extra) is not installed")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_window_size(1280, 900)
        driver.get(server.url + "/docgen/nothing-here")  # a page of the server, so the cookie has its domain
        driver.add_cookie({"name": "_token", "value": server.token, "path": "/"})  # as the UI's login sets it
        driver.get(server.url + "/docgen/board?cycle=monthly&period=2026-10")
        table = WebDriverWait(driver, 30).until(expected_conditions.presence_of_element_located((By.ID, "unit-table")))
        cells = {tr.get_attribute("data-unit"): [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                 for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")}
        assert set(cells) == set(EXPECTED["unit_states"])
        assert cells["XX02"][0] == "青禾市民族实验小学 XX02"
        assert cells["XX02"][1] == "已退回" and "120" in cells["XX02"][4]
        assert cells["SQ02"][1] == "未报送" and cells["QY02"][1] == "逾期报送" and cells["QY02"][2] == "2026-11-06 10:20"
        _screenshot(driver, Path(__file__).resolve().parents[1] / "docs" / "board.png")

        driver.set_window_size(390, 844)  # a phone: the table becomes one card per unit
        driver.refresh()
        first = WebDriverWait(driver, 30).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#unit-table tbody tr")))
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
        assert first.find_element(By.TAG_NAME, "td").value_of_css_property("display") == "flex"
        _screenshot(driver, Path(__file__).resolve().parents[1] / "docs" / "board-phone.png", width=390, most=1500)

        driver.set_window_size(1280, 900)  # in the Airflow UI: the navigation's page shows the board in a frame
        driver.get(server.url + "/plugin/docgen-board")
        frame = WebDriverWait(driver, 60).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "iframe[title='状态看板']")))
        driver.switch_to.frame(frame)
        WebDriverWait(driver, 30).until(expected_conditions.presence_of_element_located((By.ID, "units")))
        driver.switch_to.default_content()

        driver.delete_all_cookies()  # logged out: refused
        driver.get(server.url + "/docgen/board?cycle=monthly&period=2026-10")
        assert "请先登录" in driver.page_source and "unit-table" not in driver.page_source
    finally:
        driver.quit()


def _screenshot(driver, path: Path, width: int = 1280, most: int = 6000) -> None:  # noqa: ANN001
    """The whole page (up to ``most`` pixels), not only the window: the window is made as tall first."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(height + 20, most))
    time.sleep(0.3)
    driver.save_screenshot(str(path))
