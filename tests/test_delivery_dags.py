"""Delivery end to end through Airflow: the DAGs' own steps queue the messages and their 送达 task sends
them, to a real local SMTP server and a local HTTP server answering as the 企业微信 and 钉钉 robots do.
The connections reach the ``airflow dags test`` subprocess as ``AIRFLOW_CONN_<ID>`` environment variables,
as a deployment would hold them. Each ``airflow dags test`` costs half a minute: the checks of one story
share a run."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import urllib.parse
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import pytest

from docgen.airflow_local import ApiServer, start_dags_test
from docgen.approval import APPROVE
from docgen.workspace import Workspace

from .builders import CST
from .builders.registry import write_campaign, write_registry
from .conftest import TASKS, UNITS, Dropper, row
from .delivery_servers import RobotServer, SmtpServer, free_port
from .test_dags import _run, airflow_home, api  # noqa: F401 - the session's Airflow home and REST API

pytestmark = pytest.mark.airflow

PERIOD = "2026-10"  # October expects A01, B01 and C01 (D01's task starts in November)
CONTACTS = {  # A01: e-mail and a 企业微信 group; B01: e-mail and a 钉钉 group; C01: nothing at all (D01 owes nothing)
    "A01": ("a01@qinghe.example.cn", "成员单位群"),
    "B01": ("b01@qinghe.example.cn", "部门群"),
    "D01": ("d01@qinghe.example.cn", ""),
}
REACHED_UNITS = [replace(u, email=CONTACTS.get(u.code, ("", ""))[0], robot=CONTACTS.get(u.code, ("", ""))[1])
                 for u in UNITS]
REVIEWER = "wang@qinghe.example.cn"
SECRETARIAT = "cjb@qinghe.example.cn"
BOARD_URL = "https://airflow.qinghe.example.cn/docgen"
DOC_NUMBER = "创建办〔2026〕1号"
NOTICE = f"2026年10月月通报（{DOC_NUMBER}）.docx"
DROPPED = datetime(2026, 11, 1, 10, 0, tzinfo=CST)  # before the reminder's 2 November, the deadline 5 November


def _reach(ws: Path, monkeypatch: pytest.MonkeyPatch, smtp_uri: str, robots: RobotServer, **campaign: Any) -> None:
    """The workspace's units with contacts, every channel set up in campaign.yaml, the secrets in the
    environment that ``airflow dags test`` inherits."""
    write_registry(ws, REACHED_UNITS, TASKS)
    write_campaign(ws, intake={"max_file_mb": 1, "settle_seconds": 0}, delivery={
        "email": "docgen_smtp",
        "robots": {"成员单位群": {"kind": "wecom", "connection": "docgen_wecom"},
                   "部门群": {"kind": "dingtalk", "connection": "docgen_dingtalk"}},
        "reviewers": [{"name": "王主任", "email": REVIEWER, "mobile": "13800000009", "robot": "部门群"}],
        "secretariat": {"email": SECRETARIAT},
        "board_url": BOARD_URL,
    }, **campaign)
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_SMTP", smtp_uri)
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_WECOM", robots.conn("wecom-key-1"))
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_DINGTALK", robots.conn("ding-token-1", "SECdag0123456789"))


def _bad_rows() -> list[list[object]]:
    """A01's file: a progress over 100 (row 2) and a task not in the task list (row 3)."""
    return [row("A01", "T1", 150), row("A01", "T9", 30)]


def _run_id(log: str) -> str:
    (run_id,) = re.findall(r"DagRun Finished: dag_id=\w+, .*?run_id=([^,\s]+),", log)
    return run_id


def _task(server: ApiServer, dag_id: str, run_id: str, task_id: str = "deliver") -> tuple[str, Any]:
    """A task instance's state and its return value, as Airflow's REST API reports them."""
    base = f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances/{task_id}"
    state = server.request("GET", base)["state"]
    return state, server.request("GET", f"{base}/xcomEntries/return_value")["value"]


def _body(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def _attachments(mail: EmailMessage) -> dict[str, bytes]:
    return {a.get_filename(): a.get_content() for a in mail.iter_attachments()}


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])


def _subjects(mailbox: list[EmailMessage], prefix: str) -> list[str]:
    return [str(m["Subject"]) for m in mailbox if str(m["Subject"]).startswith(prefix)]


def test_a_month_reaches_its_units_and_its_reviewer_through_airflow(
    airflow_home: Path, api: ApiServer, workspace: Path, drop: Dropper, smtp_server: SmtpServer,  # noqa: F811
    robot_server: RobotServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The intake_receipts DAG answers A01's bad file: the receipt reaches A01 by mail (the problems with
    their row and column, the receipt and the annotated copy attached) and in its group. The month's DAG
    then runs intake and receipts again (nothing is sent twice), tells the reviewer while the draft waits
    (read before answering), and once the draft is approved through the REST API sends the notice to
    each unit: C01, with no contacts, is logged as unreachable with the reason."""
    _reach(workspace, monkeypatch, smtp_server.uri(), robot_server)  # approval on: the default
    drop("A01", _bad_rows())
    drop("B01")
    drop("C01")

    done = _run("intake_receipts", airflow_home, workspace)
    assert _task(api, "intake_receipts", _run_id(done.stdout + done.stderr)) == (
        "success", {"sent": 4, "retry": 0, "failed": 0, "deferred": 0, "posts": 3, "reasons": []})
    (mail,) = smtp_server.mailbox.to("a01@qinghe.example.cn")
    assert mail["Subject"] == "【回执】月度进展报送表.xlsx：已退回，2 处问题"
    body = _body(mail)
    assert body.startswith("青禾镇人民政府：")
    assert "未通过校验，已退回（共 2 处问题）" in body
    assert "1. 第2行“完成进度(%)”列（填写的值：150）：" in body
    assert "第3行“任务编号”列（填写的值：T9）：" in body
    attached = _attachments(mail)
    assert sorted(Path(n).suffixes[-2] for n in attached) == [".回执", ".标注"], sorted(attached)
    receipt = next(data for name, data in attached.items() if name.endswith(".回执.docx"))
    assert "存在以下2个问题，未予接收" in _docx_text(receipt)
    (b01,) = smtp_server.mailbox.to("b01@qinghe.example.cn")
    assert b01["Subject"] == "【回执】月度进展报送表.xlsx：已接收"
    wecom = [p for p in robot_server.posts if p.path == "/cgi-bin/webhook/send"]
    assert [p.query["key"] for p in wecom] == ["wecom-key-1", "wecom-key-1"]
    assert "青禾镇人民政府" in wecom[0].body["markdown"]["content"]
    assert "已退回，2 处问题" in wecom[0].body["markdown"]["content"]
    assert wecom[1].body["text"]["mentioned_mobile_list"] == ["13800000001"]
    (ding,) = [p for p in robot_server.posts if p.path == "/robot/send"]
    assert "市民族宗教事务局" in ding.body["markdown"]["text"] and "已接收" in ding.body["markdown"]["text"]
    receipts = Workspace(workspace).state.deliveries("monthly", PERIOD, kind="receipts")
    assert sorted((r.recipient, r.channel, r.status) for r in receipts) == [
        ("A01", "email", "sent"), ("A01", "wecom", "sent"), ("B01", "dingtalk", "sent"), ("B01", "email", "sent"),
        ("C01", "none", "skipped")]

    # the month's DAG: the review waits; the reviewer's mail is there before anyone answers
    since = datetime.now(UTC)
    log_path = workspace.parent / "monthly_notice.log"
    process = start_dags_test("monthly_notice", airflow_home, workspace, {"period": PERIOD}, log_path)
    try:
        action = api.wait_for_action("monthly_notice", process=process, since=since)
        (request,) = smtp_server.mailbox.to(REVIEWER)
        assert request["Subject"] == f"【待审核】《2026年10月月通报（{DOC_NUMBER}）》（第 1 稿）"
        text = _body(request)
        assert f"发文字号：{DOC_NUMBER}" in text
        assert f"手机预览：{BOARD_URL}/preview/monthly/{PERIOD}/1" in text
        assert "- 应报单位：3 个" in text, text
        assert "- 未报送：0 个" in text, text
        assert f"状态看板：{BOARD_URL}/board?cycle=monthly&period={PERIOD}" in text
        assert _subjects(smtp_server.mailbox.messages, "【回执】") == [
            "【回执】月度进展报送表.xlsx：已退回，2 处问题", "【回执】月度进展报送表.xlsx：已接收"]  # none again
        assert len(smtp_server.mailbox.messages) == 3
        assert len(robot_server.posts) == 4  # the receipts' three, and the reviewer's group (钉钉)
        assert "13800000009" in robot_server.posts[-1].body["at"]["atMobiles"]
        api.respond(action, APPROVE, {"comment": "同意印发"})
        process.wait(timeout=900)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = log_path.read_text(encoding="utf-8")
    assert process.returncode == 0 and "state=success" in log, log[-5000:]
    assert _task(api, "monthly_notice", _run_id(log)) == (  # the notice: A01 and B01 by mail and in their groups
        "success", {"sent": 4, "retry": 0, "failed": 0, "deferred": 0, "posts": 3, "reasons": []})

    outbox = workspace / "outbox/monthly" / PERIOD
    for address in ("a01@qinghe.example.cn", "b01@qinghe.example.cn"):
        (issued,) = [m for m in smtp_server.mailbox.to(address) if str(m["Subject"]).startswith("【公文】")]
        assert issued["Subject"] == f"【公文】{Path(NOTICE).stem}"
        assert f"现将《{Path(NOTICE).stem}》发给你单位，请查收" in _body(issued)
        attached = _attachments(issued)
        assert list(attached) == [NOTICE]
        assert attached[NOTICE] == (outbox / NOTICE).read_bytes()
        lines = _docx_text(attached[NOTICE]).splitlines()
        assert DOC_NUMBER in lines and "关于2026年10月" in lines and "工作进展情况的通报" in lines, lines[:8]
    rows = Workspace(workspace).state.deliveries("monthly", PERIOD, kind="issued")
    assert sorted((r.recipient, r.channel, r.status) for r in rows) == [
        ("A01", "email", "sent"), ("A01", "wecom", "sent"), ("B01", "dingtalk", "sent"), ("B01", "email", "sent"),
        ("C01", "none", "skipped")]
    (unreachable,) = [r for r in rows if r.status == "skipped"]
    assert unreachable.reason == "青禾市第一中学没有登记电子邮箱或工作群（名册的 电子邮箱、工作群 两列），无法送达"
    reviews = Workspace(workspace).state.deliveries("monthly", PERIOD, kind="review")
    assert sorted((r.channel, r.address, r.status) for r in reviews) == [
        ("dingtalk", "部门群", "sent"), ("email", REVIEWER, "sent")]


def test_a_failing_mail_server_never_fails_the_run(
    airflow_home: Path, api: ApiServer, workspace: Path, drop: Dropper, robot_server: RobotServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SMTP connection points at a closed port: the month is still published, the 送达 task succeeds,
    the groups still get their posts, and ``docgen status`` lists each mail waiting for a retry and why."""
    port = free_port()  # nothing listens here
    _reach(workspace, monkeypatch, f"smtp://127.0.0.1:{port}?from_email={SECRETARIAT}&disable_tls=true",
           robot_server, approval="off")
    drop("A01")
    drop("B01")

    done = _run("monthly_notice", airflow_home, workspace, {"period": PERIOD})
    assert (workspace / "outbox/monthly" / PERIOD / NOTICE).is_file()
    state, result = _task(api, "monthly_notice", _run_id(done.stdout + done.stderr))
    assert state == "success" and result["retry"] == 4 and result["failed"] == 0, result  # 2 receipts, 2 notices
    assert {p.path for p in robot_server.posts} == {"/cgi-bin/webhook/send", "/robot/send"}
    why = f"无法连接邮件服务器 127.0.0.1:{port}（连接被拒绝），稍后重试"
    rows = Workspace(workspace).state.deliveries("monthly", PERIOD, kind=None)
    mails = [r for r in rows if r.channel == "email"]
    assert len(mails) == 4 and {(r.status, r.reason) for r in mails} == {("retry", why)}

    status = subprocess.run([sys.executable, "-m", "docgen.cli", "status", "--root", str(workspace), "--cycle",
                             "monthly", "--period", PERIOD], capture_output=True, text=True, check=True).stdout
    assert "待重试 4 条" in status.split("送达：", 1)[1].splitlines()[0], status
    problems = [line.strip() for line in status.splitlines() if line.strip().startswith("✗")]
    assert len(problems) == 5, status  # the four mails, and C01 that nothing reaches
    for name, address in (("青禾镇人民政府", "a01@qinghe.example.cn"), ("市民族宗教事务局", "b01@qinghe.example.cn")):
        mine = [line for line in problems if line.startswith(f"✗ {name}（邮件 {address}）待重试")]
        assert len(mine) == 2 and all(line.endswith(f"：{why}") for line in mine), status
    assert any("青禾市第一中学" in line and "没有登记电子邮箱或工作群" in line for line in problems), status


def test_the_reminders_dag_reaches_each_owing_unit_and_the_secretariat(
    airflow_home: Path, api: ApiServer, workspace: Path, drop: Dropper, smtp_server: SmtpServer,  # noqa: F811
    robot_server: RobotServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As of 2 November 09:00 (3 days before the deadline) A01's file was returned and B01 and C01 sent
    nothing: A01 and B01 get the 催报 by mail with the 催报通知 attached, the secretariat the digest of all
    three; C01 has no contacts and is logged as unreachable."""
    _reach(workspace, monkeypatch, smtp_server.uri(), robot_server)
    drop("A01", _bad_rows(), when=DROPPED)

    done = _run("reminders", airflow_home, workspace, {"as_of": "2026-11-02T09:00:00+08:00"})
    # A01's receipt and 催报 by mail and in its group, B01's 催报 likewise, the secretariat's digest
    assert _task(api, "reminders", _run_id(done.stdout + done.stderr)) == (
        "success", {"sent": 7, "retry": 0, "failed": 0, "deferred": 0, "posts": 5, "reasons": []})
    (notice,) = (workspace / "outbox/monthly" / PERIOD / "催报/2026-11-02").glob("*催报通知*.docx")
    for address, name, owed in (("a01@qinghe.example.cn", "青禾镇人民政府", "已退回未重新报送：《月度进展报送表.xlsx》"),
                                ("b01@qinghe.example.cn", "市民族宗教事务局", "未报送：")):
        (mail,) = [m for m in smtp_server.mailbox.to(address) if str(m["Subject"]).startswith("【催报】")]
        assert mail["Subject"] == "【催报】2026年10月：请于 2026-11-05 17:00 前报送"
        body = _body(mail)
        assert body.startswith(f"{name}：") and owed in body, body
        assert _attachments(mail) == {notice.name: notice.read_bytes()}
        assert "催报" in _docx_text(notice.read_bytes())
    (digest,) = smtp_server.mailbox.to(SECRETARIAT)
    assert digest["Subject"] == "【催报汇总】2026年10月：3 个单位尚未报齐"
    body = _body(digest)
    assert "应报 3 个单位，尚未报齐 3 个" in body
    for name in ("青禾镇人民政府", "市民族宗教事务局", "青禾市第一中学"):
        assert f"- {name}：" in body, body
    assert _attachments(digest) == {notice.name: notice.read_bytes()}
    rows = Workspace(workspace).state.deliveries("monthly", PERIOD, kind="reminders")
    assert sorted((r.recipient, r.channel, r.status) for r in rows) == [
        ("A01", "email", "sent"), ("A01", "wecom", "sent"), ("B01", "dingtalk", "sent"), ("B01", "email", "sent"),
        ("C01", "none", "skipped"), ("创建办", "email", "sent")]


def test_secrets_in_airflow_connections_reach_the_channels(
    airflow_home: Path, api: ApiServer, workspace: Path, drop: Dropper, smtp_server: SmtpServer,  # noqa: F811
    robot_server: RobotServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No environment variable this time: the SMTP server and the 钉钉 robot's token and 加签 secret are
    Airflow connections in its metadata database (Admin → Connections, here `airflow connections add`),
    which the 送达 task finds through Airflow."""
    from docgen.airflow_local import airflow_env

    write_registry(workspace, REACHED_UNITS, TASKS)
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 0}, delivery={
        "email": "docgen_smtp_in_airflow",
        "robots": {"部门群": {"kind": "dingtalk", "connection": "docgen_dingtalk_in_airflow"}},
    })
    for name in ("SMTP", "WECOM", "DINGTALK"):
        monkeypatch.delenv(f"AIRFLOW_CONN_DOCGEN_{name}", raising=False)
    env = airflow_env(airflow_home, workspace)
    secret = "SECairflow0123456789"
    for conn_id, spec in (("docgen_smtp_in_airflow", ["--conn-uri", smtp_server.uri()]),
                          ("docgen_dingtalk_in_airflow", ["--conn-json", robot_server.conn("ding-in-db", secret)])):
        subprocess.run([str(Path(sys.executable).parent / "airflow"), "connections", "delete", conn_id], env=env,
                       capture_output=True, check=False)
        added = subprocess.run([str(Path(sys.executable).parent / "airflow"), "connections", "add", conn_id, *spec],
                               env=env, capture_output=True, text=True, check=False)
        assert added.returncode == 0, added.stderr[-2000:]
    drop("B01")

    done = _run("intake_receipts", airflow_home, workspace)
    state, sent = _task(api, "intake_receipts", _run_id(done.stdout + done.stderr))
    assert state == "success" and sent["sent"] == 2 and sent["reasons"] == []
    (mail,) = smtp_server.mailbox.to("b01@qinghe.example.cn")
    assert mail["Subject"] == "【回执】月度进展报送表.xlsx：已接收"
    (post,) = robot_server.posts
    assert post.query["access_token"] == "ding-in-db"
    import base64
    import hashlib
    import hmac

    signed = hmac.new(secret.encode(), f"{post.query['timestamp']}\n{secret}".encode(), hashlib.sha256).digest()
    assert post.query["sign"] == base64.b64encode(signed).decode()
