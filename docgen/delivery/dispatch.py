"""The delivery log and the sender: queue notices once, send what is due, record every result.

``queue`` turns a notice for a recipient into one log row per way of reaching them (their e-mail, their
group's robot), keyed so that a rerun or a retry queues nothing twice; a recipient with no way at all gets
a ``skipped`` row that says so. ``deliver`` sends the rows that are due, one sender at a time (the state
database's ``delivery`` lock): e-mails one by one; a robot's rows within its rate limit, joined into
digests when more are due than the limit allows this minute; failures worth another try wait longer each
time (``BACKOFF``), and after ``max_attempts`` the row is ``failed``. Nothing here raises for a channel
that fails: a cycle is never held up by its messages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..connections import MissingSecret, connection
from ..state import DeliveryRow, aware
from ..workspace import Workspace
from .channels import MARKDOWN_LIMIT, Outgoing, SendFailed, post_robot, send_email
from .settings import EMAIL, DeliverySettings, Recipient, Robot, delivery_settings, is_mobile

log = logging.getLogger(__name__)

BACKOFF = (60, 300, 900, 3600, 14400)  # seconds before the 1st, 2nd, … retry
WINDOW = timedelta(minutes=1)  # a robot's rate limit counts posts in this window
LOCK_WAIT_SECONDS = 120.0
STATUS_LABELS = {"sent": "已送达", "pending": "待发送", "retry": "待重试", "failed": "发送失败", "skipped": "无法送达"}
NONE = "none"  # the channel of a skipped row whose recipient has no way to be reached


@dataclass(frozen=True)
class Notice:
    """One thing to tell one recipient. ``event`` names what it answers (``receipt:<submission>``,
    ``issued:<run>`` …): with the recipient and the channel it keys the log. ``attachments`` are relative
    to the workspace."""

    event: str
    kind: str  # receipts, reminders, review, issued (campaign.yaml's delivery.send)
    recipient: Recipient
    subject: str
    text: str
    markdown: str
    attachments: tuple[str, ...] = ()
    cycle: str | None = None
    period: str | None = None


@dataclass
class DeliveryResult:
    """What one ``deliver`` pass did, by rows of the log."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    deferred: int = 0  # left for the next minute by a robot's rate limit
    posts: int = 0  # posts made to robots
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def queue(ws: Workspace, settings: DeliverySettings, notices: Iterable[Notice]) -> int:
    """Log each notice once per way of reaching its recipient; return how many rows are new."""
    rows: list[dict[str, Any]] = []
    for n in notices:
        if not settings.sends(n.kind):
            continue
        routes, why_not = _routes(settings, n.recipient)
        message = {"text": n.text, "markdown": n.markdown, "attachments": list(n.attachments),
                   "mentions": [n.recipient.mobile] if is_mobile(n.recipient.mobile) else []}
        base = {"kind": n.kind, "cycle": n.cycle, "period": n.period, "recipient": n.recipient.key[:64],
                "recipient_name": _one_line(n.recipient.name)[:255], "subject": _one_line(n.subject)[:512],
                "message_json": json.dumps(message, ensure_ascii=False)}
        for channel, address in routes:
            rows.append({**base, "key": _key(n.event, n.recipient.key, channel, address), "channel": channel,
                         "address": address, "status": "pending"})
        if not routes:
            rows.append({**base, "key": _key(n.event, n.recipient.key, NONE, ""), "channel": NONE, "address": "",
                         "status": "skipped", "reason": why_not})
    return ws.state.queue_deliveries(rows)


def _routes(settings: DeliverySettings, who: Recipient) -> tuple[list[tuple[str, str]], str]:
    """The (channel, address) pairs that reach ``who``; when none, why not (Chinese)."""
    routes: list[tuple[str, str]] = []
    if who.email and settings.email:
        routes.append((EMAIL, who.email))
    robot = settings.robots.get(who.robot) if who.robot else None
    if robot is not None:
        routes.append((robot.kind, robot.name))
    if routes:
        return routes, ""
    if who.robot and robot is None:
        return routes, f"{who.name}所在的工作群“{who.robot}”未在 campaign.yaml 的 delivery.robots 中配置，无法送达"
    if who.email:
        return routes, f"{who.name}只登记了电子邮箱，但 campaign.yaml 的 delivery 未配置邮件（email），无法送达"
    return routes, f"{who.name}没有登记电子邮箱或工作群（名册的 电子邮箱、工作群 两列），无法送达"


def _one_line(text: str) -> str:
    """A header's text: a file name with a line break in it must not break the mail's headers."""
    return " ".join(str(text).split())


def _key(event: str, recipient: str, channel: str, address: str) -> str:
    key = f"{event}|{recipient}|{channel}|{address}"
    return key if len(key) <= 255 else key[:190] + "#" + hashlib.sha256(key.encode()).hexdigest()


def deliver(root: str | Path, *, now: datetime | None = None) -> DeliveryResult:
    """Send every row that is due; record each result. Never raises for a failing channel."""
    ws = Workspace(root)
    settings = delivery_settings(ws.campaign)
    result = DeliveryResult()
    if settings is None:
        return result
    now = now or datetime.now(UTC)
    with ws.state.lock("delivery", wait_seconds=LOCK_WAIT_SECONDS, describe="的送达"):
        due = ws.state.due_deliveries(now)
        for row in [r for r in due if r.channel == EMAIL]:
            _send_email_row(ws, settings, row, now, result)
        by_robot: dict[str, list[DeliveryRow]] = {}
        for row in due:
            if row.channel != EMAIL:
                by_robot.setdefault(row.address, []).append(row)
        for name, rows in by_robot.items():
            robot = settings.robots.get(name)
            if robot is None:
                _record_failure(ws, settings, rows, SendFailed(f"工作群“{name}”已不在 campaign.yaml 的 delivery.robots 中",
                                                               retry=False), now, result)
                continue
            _send_robot_rows(ws, settings, robot, rows, now, result)
    if result.sent or result.retry or result.failed:
        log.info("送达：已发送 %d 条，待重试 %d 条，失败 %d 条，限流顺延 %d 条", result.sent, result.retry,
                 result.failed, result.deferred)
    for reason in result.reasons:
        log.warning("送达失败：%s", reason)
    return result


def _send_email_row(ws: Workspace, settings: DeliverySettings, row: DeliveryRow, now: datetime,
                    result: DeliveryResult) -> None:
    message = row.message
    attached, left_out = _attachments(ws, message["attachments"], settings.max_attachment_mb)
    text = message["text"] + _left_out_text(left_out)
    try:
        conn = connection(settings.email or "")
        try:
            send_email(conn, row.address, row.recipient_name, Outgoing(row.subject, text, "", tuple(attached)))
            note = None
        except SendFailed as failed:
            if not (failed.too_large and attached):
                raise
            send_email(conn, row.address, row.recipient_name,
                       Outgoing(row.subject, message["text"] + _left_out_text(left_out + attached), ""))
            note = f"{failed.reason}；已改为不带附件发送，正文写明了附件的位置"
    except MissingSecret as exc:
        _record_failure(ws, settings, [row], SendFailed(str(exc), retry=True), now, result)
        return
    except SendFailed as failed:
        _record_failure(ws, settings, [row], failed, now, result)
        return
    except Exception as exc:  # noqa: BLE001 - an attachment that cannot be read, say: this row only
        _record_failure(ws, settings, [row], SendFailed(f"发送时出错（{type(exc).__name__}：{exc}）", retry=True),
                        now, result)
        return
    ws.state.update_deliveries([row.id], status="sent", sent_at=now, last_attempt_at=now, attempts=None,
                               reason=note, next_attempt_at=None)
    result.sent += 1


def _send_robot_rows(ws: Workspace, settings: DeliverySettings, robot: Robot, rows: list[DeliveryRow],
                     now: datetime, result: DeliveryResult) -> None:
    """Send ``rows`` through one robot within its rate limit: each on its own when they fit in this
    minute's budget, else joined into digests; what does not fit waits for the window to move on."""
    posts = ws.state.robot_posts_since(robot.name, now - WINDOW)
    budget = settings.per_minute - len(posts)
    limit = MARKDOWN_LIMIT[robot.kind]
    per_post = 2 if robot.kind == "wecom" else 1  # 企业微信 may need a second post for its @mentions
    batches = [[r] for r in rows] if len(rows) * per_post <= budget else _digest_batches(rows, limit)
    try:
        conn = connection(robot.connection)
    except MissingSecret as exc:
        _record_failure(ws, settings, rows, SendFailed(str(exc), retry=True), now, result)
        return
    for i, batch in enumerate(batches):
        if budget < per_post:
            _defer(ws, [r for b in batches[i:] for r in b], _window_end(ws, robot, now), result)
            return
        outgoing = _robot_message(batch, limit)
        tag = uuid.uuid4().hex
        try:
            made = post_robot(robot.kind, conn, outgoing, robot.label)
        except Exception as exc:  # noqa: BLE001 - SendFailed, or anything else: this batch only
            failed = exc if isinstance(exc, SendFailed) else SendFailed(f"发送时出错（{type(exc).__name__}）", retry=True)
            ws.state.record_robot_post(robot.name, now)
            budget -= 1
            if failed.throttled:
                _defer(ws, [r for b in batches[i:] for r in b], now + WINDOW, result, reason=failed.reason)
                return
            _record_failure(ws, settings, batch, failed, now, result, batch=tag)
            continue
        for _ in range(made):
            ws.state.record_robot_post(robot.name, now)
        budget -= made
        result.posts += made
        ws.state.update_deliveries([r.id for r in batch], status="sent", sent_at=now, last_attempt_at=now,
                                   attempts=None, batch=tag, reason=None, next_attempt_at=None)
        result.sent += len(batch)


def _digest_batches(rows: Sequence[DeliveryRow], limit: int) -> list[list[DeliveryRow]]:
    """Rows joined into as few digests as fit a robot's message size, in order."""
    batches: list[list[DeliveryRow]] = []
    size = 0
    for row in rows:
        piece = len(row.message["markdown"].encode("utf-8")) + 64
        if batches and size + piece <= limit:
            batches[-1].append(row)
            size += piece
        else:
            batches.append([row])
            size = piece + 128
    return batches


def _robot_message(rows: Sequence[DeliveryRow], limit: int) -> Outgoing:
    """One robot post: a row's own message, or a digest of several (numbered, each with its subject)."""
    mentions = tuple(dict.fromkeys(m for r in rows for m in r.message["mentions"]))
    if len(rows) == 1:
        markdown = rows[0].message["markdown"]
        subject = rows[0].subject
    else:
        subject = f"{rows[0].subject} 等 {len(rows)} 条消息"
        parts = [f"**汇总：{len(rows)} 条消息**"]
        parts += [f"**{i}.** {r.message['markdown']}" for i, r in enumerate(rows, 1)]
        markdown = "\n\n".join(parts)
    return Outgoing(subject, "", _clip(markdown, limit), mentions=mentions)


def _clip(markdown: str, limit: int) -> str:
    data = markdown.encode("utf-8")
    if len(data) <= limit:
        return markdown
    tail = "\n\n……（内容过长，全文见邮件或状态看板）"
    return data[: limit - len(tail.encode("utf-8")) - 4].decode("utf-8", "ignore") + tail


def _window_end(ws: Workspace, robot: Robot, now: datetime) -> datetime:
    posts = ws.state.robot_posts_since(robot.name, now - WINDOW)
    return (posts[0] + WINDOW) if posts else now + WINDOW


def _defer(ws: Workspace, rows: Sequence[DeliveryRow], until: datetime, result: DeliveryResult,
           reason: str | None = None) -> None:
    """Leave rows for later without counting an attempt: the robot's limit, not the message, held them."""
    ws.state.update_deliveries([r.id for r in rows], next_attempt_at=until,
                               **({"reason": reason} if reason else {}))
    result.deferred += len(rows)


def _record_failure(ws: Workspace, settings: DeliverySettings, rows: Sequence[DeliveryRow], failed: SendFailed,
                    now: datetime, result: DeliveryResult, batch: str | None = None) -> None:
    """A try that failed: another later (a longer pause each time) where it may help, else given up."""
    for row in rows:
        attempts = row.attempts + 1
        again = failed.retry and attempts < settings.max_attempts
        pause = timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])
        ws.state.update_deliveries([row.id], status="retry" if again else "failed", attempts=None,
                                   last_attempt_at=now, next_attempt_at=now + pause if again else None,
                                   reason=failed.reason, batch=batch)
        if again:
            result.retry += 1
        else:
            result.failed += 1
    result.reasons.append(f"{rows[0].recipient_name}（{_channel_label(settings, rows[0])}）：{failed.reason}")


def _attachments(ws: Workspace, relative: Sequence[str], max_mb: float) -> tuple[list[Path], list[Path]]:
    """The attachments that exist, split into those that fit ``max_mb`` together and those that do not."""
    fit: list[Path] = []
    left: list[Path] = []
    total = 0
    for rel in relative:
        path = ws.local(rel)  # in a bucket, written on another machine perhaps
        if not path.is_file():
            continue
        size = path.stat().st_size
        if total + size <= max_mb * 1024 * 1024:
            fit.append(path)
            total += size
        else:
            left.append(path)
    return fit, left


def _left_out_text(paths: Sequence[Path]) -> str:
    if not paths:
        return ""
    names = "、".join(p.name for p in paths)
    return f"\n\n附件 {names} 超过邮件大小限制，未随本邮件发送，请到状态看板下载或向创建办索取。"


def _channel_label(settings: DeliverySettings, row: DeliveryRow) -> str:
    if row.channel == EMAIL:
        return f"邮件 {row.address}"
    if row.channel == NONE:
        return "无联系方式"
    robot = settings.robots.get(row.address)
    return robot.label if robot else f"工作群“{row.address}”"


def channel_label(row: DeliveryRow, settings: DeliverySettings | None) -> str:
    """How a row was (to be) sent, as the board and ``docgen status`` say it."""
    return _channel_label(settings or DeliverySettings(), row)


def when(row: DeliveryRow) -> datetime | None:
    return aware(row.sent_at or row.last_attempt_at or row.created_at)
