"""Real local servers that stand in for the world delivery talks to: an SMTP server (aiosmtpd) that keeps
what it receives, and an HTTP server that answers as the 企业微信 and 钉钉 group robots do and keeps every
post. Tests tell either how to answer (refuse, throttle, fail) and read back what arrived."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received, parsed as a mail client would."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse_next: list[str] = field(default_factory=list)  # SMTP replies to give instead of accepting

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_next:
            return self.refuse_next.pop(0)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    controller: Controller

    def uri(self, sender: str = "cjb@qinghe.example.cn") -> str:
        return f"smtp://127.0.0.1:{self.port}?from_email={sender}&disable_tls=true"


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, data_size_limit=2 * 1024 * 1024)
    controller.start()
    try:
        yield SmtpServer(port, mailbox, controller)
    finally:
        controller.stop()


@dataclass
class Post:
    path: str
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class RobotServer:
    """Answers every post with the next of ``answers`` (status, JSON), else ``{"errcode": 0}``."""

    port: int
    posts: list[Post] = field(default_factory=list)
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def conn(self, token: str, secret: str = "") -> str:
        """An Airflow connection (JSON) for a robot of this server."""
        extra = {"secret": secret} if secret else {}
        return json.dumps({"conn_type": "http", "host": self.url, "password": token, "extra": extra})


@pytest.fixture(name="robot_server")
def robot_server_fixture() -> Iterator[RobotServer]:
    robots = RobotServer(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            parts = urlsplit(self.path)
            with robots.lock:
                robots.posts.append(Post(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, body))
                status, answer = robots.answers.pop(0) if robots.answers else (200, {"errcode": 0, "errmsg": "ok"})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", robots.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield robots
    finally:
        server.shutdown()
        server.server_close()
