"""What ``campaign.yaml`` says about delivery: which channels, which group robots, who reviews.

Secrets are never here: a channel names an Airflow connection (``connection: docgen_smtp``), found in
Airflow's connections or in the environment as ``AIRFLOW_CONN_DOCGEN_SMTP`` (``docgen.connections``).
No ``delivery`` section: nothing is sent and nothing is logged.

::

    delivery:
      email: docgen_smtp                # the SMTP connection; no key: no e-mail
      robots:                           # group robots, by the group's name (the registry's 工作群 column)
        创建办工作群: {kind: wecom, connection: docgen_wecom}
        成员单位群: {kind: dingtalk, connection: docgen_dingtalk}
      reviewers:                        # told when a draft awaits 审核
        - {name: 王主任, email: wang@example.cn, mobile: '13800000001', robot: 创建办工作群}
      secretariat: {name: 创建办, email: cjb@example.cn, robot: 创建办工作群}  # the 催报 digest
      board_url: https://airflow.example.cn/docgen   # links to the board and a draft's preview
      send: [receipts, reminders, review, issued]    # default: all four
      max_attachment_mb: 10             # larger attachments are named with their place instead
      max_attempts: 5                   # a failing message is tried this often, with growing pauses
      per_minute: 20                    # a robot's rate limit; more messages are joined into digests
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..config import Campaign
from ..errors import WorkspaceError

SECTION = "delivery"
KINDS = ("receipts", "reminders", "review", "issued")
ROBOT_KINDS = {"wecom": "企业微信", "dingtalk": "钉钉"}
EMAIL = "email"  # the channel name of e-mail in the log; a robot's channel is its kind
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class Robot:
    """A group robot: the group's name, its kind (wecom, dingtalk) and the connection holding its key."""

    name: str
    kind: str
    connection: str

    @property
    def label(self) -> str:
        return f"{ROBOT_KINDS[self.kind]}群“{self.name}”"


@dataclass(frozen=True)
class Recipient:
    """Someone a message goes to: a unit (its code), a reviewer or the secretariat, and how to reach them."""

    key: str  # a unit's code, or 审核人:<name>, or 创建办
    name: str
    email: str = ""
    mobile: str = ""  # @mentioned in the group when it is a mobile number
    robot: str = ""  # the group robot's name


@dataclass(frozen=True)
class DeliverySettings:
    email: str | None = None  # connection id
    robots: dict[str, Robot] = field(default_factory=dict)
    reviewers: tuple[Recipient, ...] = ()
    secretariat: Recipient | None = None
    board_url: str = ""
    send: frozenset[str] = frozenset(KINDS)
    max_attachment_mb: float = 10.0
    max_attempts: int = 5
    per_minute: int = 20

    def sends(self, kind: str) -> bool:
        return kind in self.send


def delivery_settings(campaign: Campaign) -> DeliverySettings | None:
    """The ``delivery`` section, checked; None when there is none (delivery off). WorkspaceError in Chinese
    for anything written wrongly, naming the key."""
    raw = campaign.section(SECTION)
    if not raw:
        return None
    where = f"{campaign.source} 的 delivery"
    email = raw.get("email")
    if email is not None and not (isinstance(email, str) and email.strip()):
        raise WorkspaceError(f"{where}.email 应为邮件服务器的连接名（Airflow 连接或环境变量 AIRFLOW_CONN_<连接名>），如 docgen_smtp")
    robots: dict[str, Robot] = {}
    for name, spec in (raw.get("robots") or {}).items():
        if not isinstance(spec, dict) or spec.get("kind") not in ROBOT_KINDS or not spec.get("connection"):
            raise WorkspaceError(f"{where}.robots 的“{name}”应写明 kind（wecom 企业微信 或 dingtalk 钉钉）和 "
                                 "connection（存放机器人密钥的连接名），如 {kind: wecom, connection: docgen_wecom}")
        robots[str(name)] = Robot(str(name), spec["kind"], str(spec["connection"]))
    reviewers = tuple(_person(p, f"{where}.reviewers", robots, reviewer=True) for p in raw.get("reviewers") or [])
    secretariat = (_person(raw["secretariat"], f"{where}.secretariat", robots, default_name=campaign.secretariat)
                   if raw.get("secretariat") else None)
    send = raw.get("send", list(KINDS))
    if not isinstance(send, list) or not set(send) <= set(KINDS):
        raise WorkspaceError(f"{where}.send 应为 {', '.join(KINDS)} 中若干项的列表")
    try:
        max_mb, attempts, per_minute = (float(raw.get("max_attachment_mb", 10)), int(raw.get("max_attempts", 5)),
                                        int(raw.get("per_minute", 20)))
    except (TypeError, ValueError):
        max_mb = attempts = per_minute = -1
    if max_mb <= 0 or attempts < 1 or per_minute < 1:
        raise WorkspaceError(f"{where} 的 max_attachment_mb、max_attempts、per_minute 应为正数，如 10、5、20")
    board_url = str(raw.get("board_url") or "").strip().rstrip("/")
    if board_url and not re.match(r"^https?://", board_url):
        raise WorkspaceError(f"{where}.board_url 应为状态看板的网址，如 https://airflow.example.cn/docgen")
    return DeliverySettings(email=email.strip() if email else None, robots=robots, reviewers=reviewers,
                            secretariat=secretariat, board_url=board_url, send=frozenset(send),
                            max_attachment_mb=max_mb, max_attempts=attempts, per_minute=per_minute)


def _person(raw: Any, where: str, robots: dict[str, Robot], *, reviewer: bool = False,
            default_name: str = "") -> Recipient:
    if not isinstance(raw, dict):
        raise WorkspaceError(f"{where} 应写明 name、email、mobile、robot，如 {{name: 王主任, email: wang@example.cn}}")
    name = str(raw.get("name") or default_name).strip()
    email, mobile, robot = (str(raw.get(k) or "").strip() for k in ("email", "mobile", "robot"))
    if not name:
        raise WorkspaceError(f"{where} 缺少 name（姓名）")
    if email and not _EMAIL.match(email):
        raise WorkspaceError(f"{where} 中 {name} 的 email “{email}”不是电子邮箱地址")
    if mobile and not _MOBILE.match(mobile):
        raise WorkspaceError(f"{where} 中 {name} 的 mobile “{mobile}”不是 11 位手机号（请加引号写作字符串）")
    if robot and robot not in robots:
        raise WorkspaceError(f"{where} 中 {name} 的 robot “{robot}”不在 delivery.robots 中")
    return Recipient(key=f"审核人:{name}" if reviewer else "创建办", name=name, email=email, mobile=mobile, robot=robot)


def is_mobile(number: str) -> bool:
    return bool(_MOBILE.match(number or ""))
