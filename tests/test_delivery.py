"""Delivery through the library: receipts, 催报, review requests and issued documents reach the units and
reviewers by e-mail (a real local SMTP server) and by group robots (a local HTTP server answering as
企业微信 and 钉钉 do); the log keeps every result; reruns send nothing twice; failures are retried with
growing pauses, throttled robots get digests, and nothing stops the cycle."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest

from docgen import delivery
from docgen.models import Unit
from docgen.pipeline import intake_step, receipts_step, run_cycle
from docgen.reminders import remind
from docgen.workspace import Workspace

from .builders.registry import write_campaign, write_registry
from .conftest import LATE, SECRET, TASKS, Dropper, row
from .delivery_servers import RobotServer, SmtpServer, free_port


def _answered(root: Path, drop: Dropper, unit: str, rows: list[list[object]]) -> None:
    """``unit`` drops a file and the intake run answers it (which queues its receipt)."""
    drop(unit, rows)
    intake_step(root)
    receipts_step(root)


def _bad_rows(unit: str) -> list[list[object]]:
    return [row(unit, "T1", 150), row(unit, "T9", 30)]


def test_a_returned_file_reaches_its_unit_by_mail_and_in_its_group(reached: Path, drop: Dropper,
                                                                  smtp_server: SmtpServer,
                                                                  robot_server: RobotServer) -> None:
    _answered(reached, drop, "A01", _bad_rows("A01"))
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
    _answered(reached, drop, "A01", _bad_rows("A01"))
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
    _answered(reached, drop, "C01", [row("C01", "T3", 40)])
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
    _answered(reached, drop, "D01", [row("D01", "T4", 10)])
    delivery.deliver(reached)
    (only,) = Workspace(reached).state.deliveries("monthly", "2026-10")
    assert only.status == "skipped" and "青禾乳业有限公司没有登记电子邮箱或工作群" in (only.reason or "")
    lines = delivery.status_lines(reached, "monthly", "2026-10")
    assert lines[0] == "送达：无法送达 1 条"
    assert any("青禾乳业有限公司" in line and "没有登记电子邮箱" in line for line in lines)


def _state(root: Path) -> list:
    return Workspace(root).state.deliveries()


def test_an_unreachable_mail_server_is_retried_with_growing_pauses_then_given_up(
        reached: Path, drop: Dropper, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer) -> None:
    closed = free_port()
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_SMTP", f"smtp://127.0.0.1:{closed}?from_email=cjb@qinghe.example.cn")
    _answered(reached, drop, "B01", [row("B01", "T2", 40)])  # the step that queued the receipt is not held up by the mail server
    moment = datetime.now(UTC)
    first = delivery.deliver(reached, now=moment)
    assert first.retry == 1 and first.sent == 1  # the 钉钉 group got it; the mail waits

    def mail_row() -> Any:
        return next(r for r in _state(reached) if r.channel == "email")

    assert f"无法连接邮件服务器 127.0.0.1:{closed}（连接被拒绝）" in (mail_row().reason or "")
    pauses = []
    while mail_row().status == "retry":
        row_ = mail_row()
        pauses.append(row_.next_attempt_at - row_.last_attempt_at)
        assert delivery.deliver(reached, now=row_.next_attempt_at.replace(tzinfo=UTC) - timedelta(seconds=1)).retry == 0
        delivery.deliver(reached, now=row_.next_attempt_at.replace(tzinfo=UTC))
    assert mail_row().status == "failed" and mail_row().attempts == 5  # max_attempts
    assert pauses == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1)]
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_SMTP", smtp_server.uri())  # the secretariat fixes the server
    assert Workspace(reached).state.retry_failed() == 1
    assert delivery.deliver(reached).sent == 1
    assert len(smtp_server.mailbox.to("b01@qinghe.example.cn")) == 1


def test_a_wrong_dingtalk_secret_is_not_retried_and_says_why(reached: Path, drop: Dropper,
                                                            robot_server: RobotServer) -> None:
    robot_server.answers.append((200, {"errcode": 310000, "errmsg": "sign not match"}))
    _answered(reached, drop, "B01", [row("B01", "T2", 40)])
    result = delivery.deliver(reached)
    assert result.failed == 1
    (ding,) = [r for r in _state(reached) if r.channel == "dingtalk"]
    assert ding.status == "failed" and ding.next_attempt_at is None
    assert "钉钉群“部门群”的机器人拒绝了消息（errcode 310000：sign not match）" in (ding.reason or "")
    assert "加签密钥" in (ding.reason or "")
    lines = delivery.status_lines(reached, "monthly", "2026-10")
    assert any("发送失败" in line and "sign not match" in line for line in lines)


def test_a_robot_error_is_retried_after_a_pause_and_then_sent(reached: Path, drop: Dropper,
                                                             robot_server: RobotServer) -> None:
    robot_server.answers.append((502, {}))
    _answered(reached, drop, "B01", [row("B01", "T2", 40)])
    start = datetime.now(UTC)
    assert delivery.deliver(reached, now=start).retry == 1
    assert delivery.deliver(reached, now=start + timedelta(seconds=30)).sent == 0  # not before its pause
    assert delivery.deliver(reached, now=start + timedelta(seconds=61)).sent == 1
    assert [p.path for p in robot_server.posts] == ["/robot/send", "/robot/send"]


def test_more_messages_than_a_robot_takes_in_a_minute_are_joined_into_digests(
        reached: Path, robot_server: RobotServer, smtp_server: SmtpServer) -> None:
    """30 units in one 钉钉 group each get a receipt in the same minute: the robot takes 20 posts a minute,
    so they are joined into digests (every unit named, every contact @mentioned) and nothing is lost."""
    many = [Unit(f"U{i:02d}", f"青禾第{i}社区", "社区", "联系人", f"1380000{i:04d}", "", "部门群") for i in range(30)]
    write_registry(reached, many, TASKS)
    ws = Workspace(reached)
    notices = [delivery.Notice(f"test:{u.code}", "receipts", delivery.Recipient(u.code, u.name, mobile=u.phone,
                                                                                   robot=u.robot),
                               f"【回执】{u.name}", "正文", f"**【回执】{u.name}** 已接收", cycle="monthly",
                               period="2026-10") for u in many]
    settings = delivery.delivery_settings(ws.campaign)
    assert delivery.queue(ws, settings, notices) == 30
    result = delivery.deliver(reached)
    assert result.sent == 30 and result.posts < 20
    texts = "\n".join(p.body["markdown"]["text"] for p in robot_server.posts)
    assert all(f"青禾第{i}社区" in texts for i in range(30))
    mentioned = [m for p in robot_server.posts for m in p.body["at"]["atMobiles"]]
    assert sorted(mentioned) == sorted(u.phone for u in many)
    assert "汇总" in robot_server.posts[0].body["markdown"]["text"]


def test_a_robot_at_its_limit_holds_the_rest_for_the_next_minute(reached: Path, robot_server: RobotServer) -> None:
    ws = Workspace(reached)
    now = datetime.now(UTC)
    for _ in range(20):  # this minute's 20 posts are spent already (by another process, say)
        ws.state.record_robot_post("部门群", now - timedelta(seconds=30))
    settings = delivery.delivery_settings(ws.campaign)
    delivery.queue(ws, settings, [delivery.Notice("test:1", "receipts", delivery.Recipient("B01", "市民族宗教事务局",
                                                                                          robot="部门群"),
                                                  "【回执】", "正文", "已接收")])
    held = delivery.deliver(reached, now=now)
    assert held.deferred == 1 and held.sent == 0 and not robot_server.posts
    (waiting,) = _state(reached)
    assert waiting.status == "pending" and waiting.attempts == 0
    assert delivery.deliver(reached, now=now + timedelta(seconds=31)).sent == 1


def test_a_throttled_robot_is_tried_again_without_counting_an_attempt(reached: Path, drop: Dropper,
                                                                     robot_server: RobotServer) -> None:
    robot_server.answers.append((200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    _answered(reached, drop, "C01", [row("C01", "T3", 40)])
    now = datetime.now(UTC)
    assert delivery.deliver(reached, now=now).deferred == 1
    (wecom,) = [r for r in _state(reached) if r.channel == "wecom"]
    assert wecom.status == "pending" and wecom.attempts == 0 and "限流" in (wecom.reason or "")
    assert delivery.deliver(reached, now=now + timedelta(seconds=61)).sent == 1


def test_a_mailbox_refusing_the_size_gets_the_mail_without_attachments(reached: Path, drop: Dropper,
                                                                      smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refuse_next.append("552 5.3.4 Message size exceeds fixed limit")
    _answered(reached, drop, "A01", _bad_rows("A01"))
    delivery.deliver(reached)
    (mail,) = smtp_server.mailbox.to("a01@qinghe.example.cn")
    assert not list(mail.iter_attachments())
    assert "超过邮件大小限制，未随本邮件发送" in mail.get_body(("plain",)).get_content()
    (row_,) = [r for r in _state(reached) if r.channel == "email"]
    assert row_.status == "sent" and "已改为不带附件发送" in (row_.reason or "")


def test_a_missing_connection_is_named_with_where_to_put_it(reached: Path, drop: Dropper,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DOCGEN_WECOM")
    _answered(reached, drop, "C01", [row("C01", "T3", 40)])
    delivery.deliver(reached)
    (wecom,) = [r for r in _state(reached) if r.channel == "wecom"]
    assert wecom.status == "retry"
    assert "找不到连接 docgen_wecom" in (wecom.reason or "") and "AIRFLOW_CONN_DOCGEN_WECOM" in (wecom.reason or "")


def test_issued_documents_reach_the_units_they_are_addressed_to(reached: Path, drop: Dropper,
                                                               smtp_server: SmtpServer,
                                                               robot_server: RobotServer) -> None:
    drop("A01", [row("A01", "T1", 60)])
    drop("B01", [row("B01", "T2", 40)], when=LATE)
    run = run_cycle(reached, "monthly", "2026-10", today=datetime(2026, 11, 8).date())
    notice = run.notice
    issued = [m for m in smtp_server.mailbox.messages if m["Subject"].startswith("【公文】")]
    assert sorted(str(m["To"]) for m in issued) == [
        "市民族宗教事务局 <b01@qinghe.example.cn>", "青禾镇人民政府 <a01@qinghe.example.cn>"]
    (attached,) = [a for a in issued[0].iter_attachments()]
    assert attached.get_filename() == notice.name
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(attached.get_content())).paragraphs)
    assert run.report.doc_number in text
    rows = Workspace(reached).state.deliveries(kind="issued")
    assert sorted((r.recipient, r.channel, r.status) for r in rows) == [  # D01 owes nothing in October
        ("A01", "email", "sent"), ("A01", "wecom", "sent"), ("B01", "dingtalk", "sent"), ("B01", "email", "sent"),
        ("C01", "wecom", "sent")]
    c01 = next(p.body["markdown"]["content"] for p in robot_server.posts
               if p.body["msgtype"] == "markdown" and "【公文】青禾市第一中学" in p.body["markdown"]["content"])
    assert "本单位未登记电子邮箱，请向创建办领取文件" in c01  # no mail to point to: says where the file is
    run_cycle(reached, "monthly", "2026-10", today=datetime(2026, 11, 8).date())  # the same documents again
    assert len([m for m in smtp_server.mailbox.messages if m["Subject"].startswith("【公文】")]) == 2
    drop("C01", [row("C01", "T3", 70)], when=LATE)  # a late file: the corrected notice is a new version, sent
    run_cycle(reached, "monthly", "2026-10", today=datetime(2026, 11, 8).date())
    assert len([m for m in smtp_server.mailbox.messages if m["Subject"].startswith("【公文】")]) == 4


def test_a_reminder_reaches_each_unit_owing_and_the_secretariat(reached: Path, drop: Dropper,
                                                               smtp_server: SmtpServer) -> None:
    drop("A01", _bad_rows("A01"))
    result = remind(reached, "monthly", "2026-10", today=datetime(2026, 11, 4, 9, 0, tzinfo=UTC))
    assert result.issued
    delivery.deliver(reached)
    (a01,) = [m for m in smtp_server.mailbox.to("a01@qinghe.example.cn") if m["Subject"].startswith("【催报】")]
    body = a01.get_body(("plain",)).get_content()
    assert "已退回未重新报送：《月度进展报送表.xlsx》（2 处问题" in body
    assert [a.get_filename() for a in a01.iter_attachments()] == [result.paths[0].name]
    (b01,) = [m for m in smtp_server.mailbox.to("b01@qinghe.example.cn") if m["Subject"].startswith("【催报】")]
    assert "未报送：" in b01.get_body(("plain",)).get_content()
    (digest,) = smtp_server.mailbox.to("cjb@qinghe.example.cn")
    assert digest["Subject"] == "【催报汇总】2026年10月：3 个单位尚未报齐"  # A01 returned, B01 and C01 missing
    assert "青禾市第一中学：未报送" in digest.get_body(("plain",)).get_content()


def test_a_draft_tells_its_reviewers_with_figures_and_a_preview_link(reached: Path, drop: Dropper,
                                                                    smtp_server: SmtpServer) -> None:
    drop("A01", [row("A01", "T1", 60)])
    run = run_cycle(reached, "monthly", "2026-10", draft=True, today=datetime(2026, 11, 8).date())
    (mail,) = smtp_server.mailbox.to("wang@qinghe.example.cn")
    assert mail["Subject"].startswith("【待审核】《") and "（第 1 稿）" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert f"发文字号：{run.report.doc_number}" in body
    assert "手机预览：https://airflow.qinghe.example.cn/docgen/preview/monthly/2026-10/1" in body
    assert "状态看板：https://airflow.qinghe.example.cn/docgen/board?cycle=monthly&period=2026-10" in body
    assert "按时报送" in body or "应报" in body  # a key figure of the month


def test_a_delivery_section_written_wrongly_stops_no_cycle_and_shows(reached: Path, drop: Dropper) -> None:
    write_campaign(reached, intake={"max_file_mb": 1, "settle_seconds": 0}, approval="off",
                   delivery={"robots": {"群": {"kind": "飞书", "connection": "x"}}})
    drop("A01", [row("A01", "T1", 60)])
    run = run_cycle(reached, "monthly", "2026-10")
    assert run.notice.exists()
    (line,) = delivery.status_lines(reached, "monthly", "2026-10")
    assert line.startswith("送达设置有误，未发送任何消息：") and "kind（wecom 企业微信 或 dingtalk 钉钉）" in line


def test_the_board_shows_the_period_deliveries_and_why_one_failed(reached: Path, drop: Dropper,
                                                                  robot_server: RobotServer) -> None:
    from docgen.board import board
    from docgen.board_page import render_page

    robot_server.answers.append((200, {"errcode": 93000, "errmsg": "invalid webhook url"}))
    drop("A01", [row("A01", "T1", 60)])
    _answered(reached, drop, "D01", [row("D01", "T4", 10)])
    delivery.deliver(reached)
    shown = board(reached, "monthly", "2026-10", now=datetime(2026, 11, 6, tzinfo=UTC))
    assert shown.deliveries.counts == {"已送达": 1, "发送失败": 1, "无法送达": 1}  # A01's mail; its group; D01
    html = render_page(shown, cycle="monthly", period="2026-10", periods=["2026-10"])
    section = html[html.index('<section id="deliveries">'):]
    section = section[:section.index("</section>")]
    assert "已送达 1" in section and "发送失败 1" in section
    assert "企业微信群“成员单位群”" in section and "errcode 93000：invalid webhook url" in section
    assert "青禾镇人民政府" in section and "青禾乳业有限公司没有登记电子邮箱或工作群" in section


def test_the_commands_send_and_show_deliveries(reached: Path, drop: Dropper, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str], smtp_server: SmtpServer) -> None:
    from docgen.cli import main

    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_SMTP", f"smtp://127.0.0.1:{free_port()}?from_email=cjb@qinghe.example.cn")
    drop("B01", [row("B01", "T2", 40)])
    assert main(["status", "--root", str(reached), "--cycle", "monthly", "--period", "2026-10", "--refresh"]) == 0
    shown = capsys.readouterr().out
    assert "送达：待发送 2 条" in shown  # queued by the refresh's receipts, not sent by a status
    assert main(["deliver", "--root", str(reached)]) == 0
    out = capsys.readouterr().out
    assert "送达：已发送 1 条，待重试 1 条，发送失败 0 条" in out
    assert "市民族宗教事务局（邮件 b01@qinghe.example.cn）：无法连接邮件服务器" in out
    main(["status", "--root", str(reached), "--cycle", "monthly", "--period", "2026-10"])
    shown = capsys.readouterr().out
    assert "送达：已送达 1 条，待重试 1 条" in shown
    assert "✗ 市民族宗教事务局（邮件 b01@qinghe.example.cn）待重试" in shown
    monkeypatch.setenv("AIRFLOW_CONN_DOCGEN_SMTP", smtp_server.uri())
    assert main(["deliver", "--root", str(reached)]) == 0  # not due yet: its pause has a minute to run
    assert "已发送 0 条" in capsys.readouterr().out
