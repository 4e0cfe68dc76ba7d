"""Delivery through the library: receipts, 催报, review requests and issued documents reach the units and
reviewers by e-mail (a real local SMTP server) and by group robots (a local HTTP server answering as
企业微信 and 钉钉 do); the log keeps every result; reruns send nothing twice; failures are retried with
growing pauses, throttled robots get digests, and nothing stops the cycle."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest

from docgen import delivery
from docgen.models import Unit
from docgen.pipeline import intake_step, receipts_step
from docgen.workspace import Workspace

from .builders.registry import write_campaign, write_registry
from .conftest import TASKS, Dropper, row
from .delivery_servers import RobotServer, SmtpServer

CONTACT_UNITS = [
    Unit("A01", "青禾镇人民政府", "乡镇街道", "李明", "13800000001", "a01@qinghe.example.cn", "成员单位群"),
    Unit("B01", "市民族宗教事务局", "部门", "王芳", "0471-6600001", "b01@qinghe.example.cn", "部门群"),
    Unit("C01", "青禾市第一中学", "学校", "赵强", "13900000003", "", "成员单位群"),
    Unit("D01", "青禾乳业有限公司", "企业", "孙丽", "13700000004"),  # no e-mail, no group
]
SECRET = "SECtest0123456789"


@pytest.fixture
def reached(workspace: Path, smtp_server: SmtpServer, robot_server: RobotServer,
            monkeypatch: pytest.MonkeyPatch) -> Path:
    """The conftest workspace with contacts in the registry and every channel set up, secrets in the environment."""
    write_registry(workspace, CONTACT_UNITS, TASKS)
    write_campaign(workspace, intake={"max_file_mb": 1, "settle_seconds": 0}, approval="off", delivery={
        "email": "docgen_smtp",
        "robots": {"成员单位群": {"kind": "wecom", "connection": "docgen_wecom"},
                   "部门群": {"kind": "dingtalk", "connection": "docgen_dingtalk"}},
        "reviewers": [{"name": "王主任", "email": "wang@qinghe.example.cn", "mobile": "13800000009",
                       "robot": "部门群"}],
        "secretariat": {"email": "cjb@qinghe.example.cn"},
        "board_url": "https://airflow.qinghe.example.cn/docgen",
    })
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_SMTP", smtp_server.uri())
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_WECOM", robot_server.conn("wecom-key-1"))
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_DINGTALK", robot_server.conn("ding-token-1", SECRET))
    return workspace


def _bad_rows(unit: str) -> list[list[object]]:
    return [row(unit, "T1", 150), row(unit, "T9", 30)]


def test_a_returned_file_reaches_its_unit_by_mail_and_in_its_group(reached: Path, drop: Dropper,
                                                                  smtp_server: SmtpServer,
                                                                  robot_server: RobotServer) -> None:
    drop("A01", _bad_rows("A01"))
    intake_step(reached)
    receipts_step(reached)
    result = delivery.deliver(reached)
    assert result.sent == 2 and result.failed == 0

    (mail,) = smtp_server.mailbox.to("a01@qinghe.example.cn")
    assert "【回执】月度进展报送表.xlsx：已退回" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "青禾镇人民政府" in body and "未通过校验" in body
    assert "第 2 行" in body or "第2行" in body  # where the problem is, as Excel shows the row
    names = sorted(a.get_filename() for a in mail.iter_attachments())
    assert any(n.endswith(".回执.docx") for n in names) and any(n.endswith(".标注.xlsx") for n in names)
    receipt = next(a for a in mail.iter_attachments() if a.get_filename().endswith(".回执.docx"))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(receipt.get_content())).paragraphs)
    assert "存在以下2个问题，未予接收" in text

    post, mention = robot_server.posts  # 企业微信's Markdown cannot @ by mobile: a text post mentions A01's
    assert post.path == "/cgi-bin/webhook/send" and post.query == {"key": "wecom-key-1"}
    assert post.body["msgtype"] == "markdown" and "青禾镇人民政府" in post.body["markdown"]["content"]
    assert "已退回，2 处问题" in post.body["markdown"]["content"]
    assert mention.body["text"]["mentioned_mobile_list"] == ["13800000001"]


def test_a_rerun_sends_nothing_twice(reached: Path, drop: Dropper, smtp_server: SmtpServer,
                                     robot_server: RobotServer) -> None:
    drop("A01", _bad_rows("A01"))
    intake_step(reached)
    receipts_step(reached)
    delivery.deliver(reached)
    receipts_step(reached)
    delivery.announce_receipts(reached)
    again = delivery.deliver(reached)
    assert again.sent == 0
    assert len(smtp_server.mailbox.messages) == 1 and len(robot_server.posts) == 2
    rows = Workspace(reached).state.deliveries("monthly", "2026-10")
    assert sorted((r.channel, r.address, r.status) for r in rows) == [
        ("email", "a01@qinghe.example.cn", "sent"), ("wecom", "成员单位群", "sent")]


def test_dingtalk_posts_are_signed_and_mention_the_contact(reached: Path, drop: Dropper,
                                                          robot_server: RobotServer) -> None:
    """B01's group is a 钉钉 robot with 加签: the signature is HmacSHA256 over "timestamp\\nsecret" keyed by
    the secret, Base64; the contact is @mentioned only where the number is a mobile one (B01's is a landline)."""
    drop("B01", [row("B01", "T2", 40)])
    drop("C01", [row("C01", "T3", 40)])
    intake_step(reached)
    receipts_step(reached)
    delivery.deliver(reached)
    ding = [p for p in robot_server.posts if p.path == "/robot/send"]
    (post,) = ding
    assert post.query["access_token"] == "ding-token-1"
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{post.query['timestamp']}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert post.query["sign"] == expected
    assert abs(int(post.query["timestamp"]) / 1000 - datetime.now(UTC).timestamp()) < 60
    assert post.body["at"] == {"atMobiles": [], "isAtAll": False}
    assert "已接收" in post.body["markdown"]["text"]
    wecom = [p for p in robot_server.posts if p.path == "/cgi-bin/webhook/send"]
    assert [p.body["msgtype"] for p in wecom] == ["markdown", "text"]  # C01 has a mobile: mentioned after
    assert wecom[1].body["text"]["mentioned_mobile_list"] == ["13900000003"]


def test_a_unit_without_contacts_is_logged_as_unreachable(reached: Path, drop: Dropper) -> None:
    drop("D01", [row("D01", "T4", 10)])
    intake_step(reached)
    receipts_step(reached)
    delivery.deliver(reached)
    (only,) = Workspace(reached).state.deliveries("monthly", "2026-10")
    assert only.status == "skipped" and "青禾乳业有限公司没有登记电子邮箱或工作群" in (only.reason or "")
    lines = delivery.status_lines(reached, "monthly", "2026-10")
    assert lines[0] == "送达：无法送达 1 条"
    assert any("青禾乳业有限公司" in line and "没有登记电子邮箱" in line for line in lines)
