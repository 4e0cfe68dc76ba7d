"""The channels: SMTP e-mail, the 企业微信 group robot and the 钉钉 group robot.

Each sends one message and either returns or raises ``SendFailed`` with the reason in Chinese and whether
another try could help (``retry``) or the robot asked us to slow down (``throttled``). Nothing here
queues, waits or logs: ``dispatch`` decides what to send, when, and what to record.

E-mail is the standard library's ``smtplib`` (the SMTP connection's fields as Airflow's SMTP provider
names them: host, port, login, password; extra ``from_email``, ``disable_tls``, ``disable_ssl``). The
robots are two JSON posts over ``httpx``: Airflow's Dingding provider needs Airflow (the library must
not) and does not sign (加签), so it does not fit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import mimetypes
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from urllib.parse import quote_plus

import httpx

from ..connections import Conn

HTTP_TIMEOUT = 10.0
SMTP_TIMEOUT = 30.0
WECOM_HOST = "https://qyapi.weixin.qq.com"
DINGTALK_HOST = "https://oapi.dingtalk.com"
MARKDOWN_LIMIT = {"wecom": 4096, "dingtalk": 18000}  # bytes a robot's markdown message may hold
WECOM_THROTTLED = {45009}  # api freq out of limit
WECOM_FATAL = {93000, 40008, 45002, 44004}  # invalid webhook key, invalid message type, too long, empty
DINGTALK_THROTTLED = {130101}  # send too fast
DINGTALK_FATAL = {310000, 300001, 300005, 40035}  # signature/keyword/IP refused, token invalid, bad message


class SendFailed(Exception):  # noqa: N818 - a result the dispatcher records, not a programming error
    """A message was not delivered: why (Chinese), and whether trying again may help."""

    def __init__(self, reason: str, *, retry: bool, throttled: bool = False, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.throttled = throttled
        self.too_large = too_large


@dataclass(frozen=True)
class Outgoing:
    """What a channel sends: a subject, plain text (e-mail), Markdown (robots), attachments (e-mail),
    the mobile numbers to @mention (robots)."""

    subject: str
    text: str
    markdown: str
    attachments: tuple[Path, ...] = ()
    mentions: tuple[str, ...] = ()


def send_email(conn: Conn, to: str, to_name: str, message: Outgoing) -> None:
    """Send ``message`` to one address through the SMTP server of ``conn``."""
    sender = str(conn.extra.get("from_email") or conn.login)
    if not sender or "@" not in sender:
        raise SendFailed(f"邮件连接 {conn.conn_id} 没有发件地址：请在其 extra 中写明 from_email", retry=False)
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = formataddr((str(conn.extra.get("from_name") or ""), sender)) if conn.extra.get("from_name") else sender
    mail["To"] = formataddr((to_name, to))
    mail.set_content(message.text)
    for path in message.attachments:
        ctype, _ = mimetypes.guess_type(path.name)
        maintype, subtype = (ctype or "application/octet-stream").split("/", 1)
        mail.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    host, port = conn.host or "localhost", conn.port or 25
    where = f"{host}:{port}"
    try:
        if port == 465 and not _flag(conn.extra.get("disable_ssl")):
            server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with server:
            server.ehlo()
            if server.has_extn("starttls") and not _flag(conn.extra.get("disable_tls")):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if conn.login:
                server.login(conn.login, conn.password)
            server.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(f"邮件服务器 {where} 拒绝登录（{_said(exc)}）：请检查连接 {conn.conn_id} 的用户名和密码（授权码）",
                         retry=False) from None
    except smtplib.SMTPRecipientsRefused as exc:
        said = "；".join(f"{code} {_text(msg)}" for code, msg in exc.recipients.values())
        raise SendFailed(f"收件地址 {to} 被邮件服务器拒收（{said}）：请核对名册中的电子邮箱", retry=False) from None
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code == 552 or "size" in _text(exc.smtp_error).lower():
            raise SendFailed(f"邮件服务器拒收：邮件超过其大小限制（{_said(exc)}）", retry=False, too_large=True) from None
        raise SendFailed(f"邮件服务器 {where} 拒绝发送（{_said(exc)}）", retry=exc.smtp_code < 500) from None
    except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timed out, cut off
        raise SendFailed(f"无法连接邮件服务器 {where}（{_oserror(exc)}），稍后重试", retry=True) from None


def post_robot(kind: str, conn: Conn, message: Outgoing, label: str) -> int:
    """Post ``message`` to a group robot (``kind`` wecom or dingtalk); return how many posts it took
    (企业微信's Markdown cannot @mention by mobile, so the mentions follow as a text message)."""
    if not conn.password:
        raise SendFailed(f"{label}的连接 {conn.conn_id} 没有机器人密钥：请把 webhook 的 key（或 access_token）"
                         "填在连接的 password 中", retry=False)
    if kind == "wecom":
        url = f"{(conn.host or WECOM_HOST).rstrip('/')}/cgi-bin/webhook/send?key={quote_plus(conn.password)}"
        _post(url, {"msgtype": "markdown", "markdown": {"content": message.markdown}}, kind, label)
        if message.mentions:
            _post(url, {"msgtype": "text", "text": {"content": f"请以上消息涉及的联系人查收：{message.subject}",
                                                    "mentioned_mobile_list": list(message.mentions)}}, kind, label)
            return 2
        return 1
    url = f"{(conn.host or DINGTALK_HOST).rstrip('/')}/robot/send?access_token={quote_plus(conn.password)}"
    secret = str(conn.extra.get("secret") or "")
    if secret:
        timestamp = str(round(time.time() * 1000))
        url += f"&timestamp={timestamp}&sign={quote_plus(dingtalk_sign(timestamp, secret))}"
    text = message.markdown
    if message.mentions:  # 钉钉 shows an @ only where the number is in the text too
        text += "\n\n" + " ".join(f"@{m}" for m in message.mentions)
    _post(url, {"msgtype": "markdown", "markdown": {"title": message.subject, "text": text},
                "at": {"atMobiles": list(message.mentions), "isAtAll": False}}, kind, label)
    return 1


def dingtalk_sign(timestamp: str, secret: str) -> str:
    """钉钉's 加签: Base64 of HmacSHA256 over "timestamp\\nsecret", keyed by the secret."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _post(url: str, payload: dict, kind: str, label: str) -> None:
    try:
        response = httpx.post(url, json=payload, timeout=HTTP_TIMEOUT)
    except httpx.HTTPError as exc:
        raise SendFailed(f"无法连接{label}的机器人（{type(exc).__name__}），稍后重试", retry=True) from None
    if response.status_code == 429:
        raise SendFailed(f"{label}的机器人要求放慢发送（HTTP 429）", retry=True, throttled=True)
    if response.status_code != 200:
        raise SendFailed(f"{label}的机器人返回 HTTP {response.status_code}", retry=response.status_code >= 500)
    try:
        answer = response.json()
        code, said = int(answer.get("errcode", 0)), str(answer.get("errmsg", ""))
    except (ValueError, AttributeError):
        raise SendFailed(f"{label}的机器人返回了无法识别的内容", retry=True) from None
    if code == 0:
        return
    throttled, fatal = (WECOM_THROTTLED, WECOM_FATAL) if kind == "wecom" else (DINGTALK_THROTTLED, DINGTALK_FATAL)
    if code in throttled:
        raise SendFailed(f"{label}的机器人限流（errcode {code}：{said}），稍后再发", retry=True, throttled=True)
    if code in fatal:
        hint = ("请检查连接中的 webhook key" if kind == "wecom"
                else "请检查连接中的 access_token 和加签密钥（extra 的 secret），以及机器人的安全设置")
        raise SendFailed(f"{label}的机器人拒绝了消息（errcode {code}：{said}）：{hint}", retry=False)
    raise SendFailed(f"{label}的机器人返回错误（errcode {code}：{said}）", retry=True)


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _said(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()


def _oserror(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "连接超时"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "服务器断开了连接"
    return type(exc).__name__
