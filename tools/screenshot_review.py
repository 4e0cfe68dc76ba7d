"""Screenshot of a draft waiting for review on Airflow's Required Actions page, for the README.

Builds the demo workspace, runs the monthly DAG until its review step waits, opens the run's review task
in headless Chromium (Debian's, through Selenium) logged in as the throwaway Airflow's secretariat user,
saves ``docs/review.png`` (the top of the draft's review) and ``docs/review-answer.png`` (its end: the
comment field and the 签发 / 退回 buttons), and then approves the draft so the run ends.

    .venv/bin/python tools/screenshot_review.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from docgen.airflow_local import api_server, start_dags_test
from docgen.approval import APPROVE
from docgen.resources import build_demo_workspace

ROOT = Path(__file__).resolve().parent.parent


SCROLL_TO_END = """document.querySelectorAll('*').forEach(e => {
  if (e.scrollHeight > e.clientHeight + 10) { e.scrollTop = e.scrollHeight; } });"""


def main(out: str = str(ROOT / "docs")) -> int:
    base = Path(tempfile.mkdtemp(prefix="docgen-review-"))
    ws = build_demo_workspace(base / "workspace")
    home = base / "airflow_home"
    with api_server(home, ws) as api:
        run = start_dags_test("monthly_notice", home, ws, {"period": "2026-10"}, base / "run.log")
        action = api.wait_for_action("monthly_notice", process=run)
        ti = action["task_instance"]
        page = (f"{api.url}/dags/{ti['dag_id']}/runs/{urllib.parse.quote(ti['dag_run_id'], safe='')}"
                f"/tasks/{ti['task_id']}/required_actions")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--window-size=1280,1100", "--lang=zh-CN"):
            options.add_argument(arg)
        browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            browser.get(f"{api.url}/api/v2/version")  # a page of the server's origin, to set its cookie on
            browser.add_cookie({"name": "_token", "value": api.token, "path": "/"})
            browser.get(page)
            time.sleep(8)  # the React UI fetches the action and renders the Markdown body
            Path(out).mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(Path(out) / "review.png"))
            browser.execute_script(SCROLL_TO_END)
            time.sleep(1)
            browser.save_screenshot(str(Path(out) / "review-answer.png"))
        finally:
            browser.quit()
        api.respond(action, APPROVE, {"comment": "截图后签发"})
        run.wait(timeout=300)
    print(f"saved {out}/review.png, {out}/review-answer.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
