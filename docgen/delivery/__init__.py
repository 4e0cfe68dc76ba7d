"""Delivery: receipts, reminders, review requests and issued documents sent to the people concerned.

By e-mail (SMTP), through 企业微信 and 钉钉 group robots, with a log in the state database (what was sent to
whom, by which channel, when, the result). The steps that make something to tell call an ``announce_…``
function, which queues it (once: a rerun queues nothing new) and never raises; ``deliver`` sends what is
due, retrying failures with growing pauses and keeping the robots' rate limits. A failing channel never
stops or fails a cycle: it shows on the status board and in ``docgen status``.

Set up in ``campaign.yaml`` (``docgen.delivery.settings``); contacts of units in the registry (电子邮箱,
联系电话, 工作群); secrets in Airflow connections or ``AIRFLOW_CONN_<ID>`` (``docgen.connections``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pendulum

from ..errors import WorkspaceError
from ..links import board_path, preview_path
from ..models import Unit
from ..registry import load_registry
from ..workspace import Workspace
from . import messages
from .dispatch import STATUS_LABELS, DeliveryResult, Notice, channel_label, deliver, queue, when
from .settings import DeliverySettings, Recipient, delivery_settings

__all__ = [
    "DeliveryResult", "DeliverySettings", "DeliveryStatus", "Notice", "Recipient", "announce_issued",
    "announce_receipts", "announce_reminder", "deliver", "delivery_settings", "delivery_status", "queue",
    "request_review", "status_lines",
]

log = logging.getLogger(__name__)
RECEIPT_LOOKBACK = timedelta(hours=24)  # receipts answered this recently and not yet queued are queued


@contextlib.contextmanager
def _never_fails(what: str) -> Iterator[None]:
    """Delivery must not fail the step that calls it: say what was not done, and why, in the log; go on."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the cycle goes on; the log says what was not done
        log.error("%s：%s", what, exc)


def _settings(ws: Workspace, kind: str) -> DeliverySettings | None:
    settings = delivery_settings(ws.campaign)
    return settings if settings is not None and settings.sends(kind) else None


def _announce(root: str | Path, kind: str, failing: str,
              notices: Callable[[Workspace, DeliverySettings], list[Notice]]) -> int:
    """Queue what ``notices`` builds when ``kind`` is sent at all; how many rows are new. Never raises:
    ``failing`` (in Chinese) and the reason go to the log."""
    with _never_fails(failing):
        ws = Workspace(root)
        settings = _settings(ws, kind)
        if settings is None:
            return 0
        built = notices(ws, settings)
        return queue(ws, settings, built) if built else 0
    return 0


def _units(ws: Workspace) -> Mapping[str, Unit]:
    return load_registry(ws.registry_dir).units


def announce_receipts(root: str | Path, *, now: datetime | None = None) -> int:
    """Queue the receipts answered lately (``RECEIPT_LOOKBACK``) that are not queued yet; how many rows."""
    since = (now or datetime.now(UTC)) - RECEIPT_LOOKBACK

    def notices(ws: Workspace, _settings: DeliverySettings) -> list[Notice]:
        done = {k.split("|", 1)[0] for k in ws.state.delivery_keys("receipts", since)}
        rows = [r for r in ws.state.answered_since(since) if messages.receipt_event(r) not in done]
        return messages.receipt_notices(ws, _units(ws), rows) if rows else []

    return _announce(root, "receipts", "未能登记回执的送达", notices)


def announce_reminder(root: str | Path, reminder: Mapping[str, Any], files: Sequence[Path]) -> int:
    """Queue a 催报 to each unit a reminder names and its digest to the secretariat."""
    return _announce(root, "reminders", "未能登记催报的送达", lambda ws, settings: messages.reminder_notices(
        ws, settings, _units(ws), reminder, files))


def request_review(root: str | Path, draft: Mapping[str, Any], *, send: bool = True) -> int:
    """Tell the reviewers a draft awaits their 审核 (its preview made first, so the link opens at once);
    with ``send``, deliver at once."""
    cycle, period, seq = draft["cycle"], draft["period"], int(draft["seq"])

    def notices(ws: Workspace, settings: DeliverySettings) -> list[Notice]:
        preview = board = ""
        if settings.board_url:
            preview = f"{settings.board_url}/{preview_path(cycle, period, seq)}"
            board = f"{settings.board_url}/{board_path(cycle, period)}"
            with _never_fails("未能生成草稿的手机预览"):
                from ..preview import draft_preview  # noqa: PLC0415 - renders PDFs

                draft_preview(ws.root, cycle, period, seq)
        return messages.review_notices(ws, settings, draft, preview, board)

    queued = _announce(root, "review", "未能登记审核提醒", notices)
    if send:
        deliver_quietly(root)
    return queued


def announce_issued(root: str | Path, cycle: str, period: str, fingerprint: str, outputs: Sequence[Path]) -> int:
    """Queue the issued documents to the units each is addressed to; ``fingerprint`` names what was issued
    (a rerun issuing the same documents again sends nothing; a corrected version is sent)."""
    return _announce(root, "issued", "未能登记公文的送达", lambda ws, _settings: messages.issued_notices(
        ws, _units(ws), cycle, period, fingerprint, outputs))


def deliver_quietly(root: str | Path, *, now: datetime | None = None) -> DeliveryResult:
    """``deliver``, for a step that must finish whatever happens to the messages."""
    with _never_fails("送达未完成"):
        return deliver(root, now=now)
    return DeliveryResult()


@dataclass(frozen=True)
class DeliveryProblem:
    recipient: str
    channel: str
    status: str  # its label
    subject: str
    reason: str
    at: datetime | None


@dataclass(frozen=True)
class DeliveryStatus:
    """A period's deliveries as the board and ``docgen status`` show them."""

    counts: dict[str, int] = field(default_factory=dict)  # by status label
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)  # channel label → status label → n
    problems: list[DeliveryProblem] = field(default_factory=list)  # waiting for a retry, failed, unreachable
    settings_error: str = ""  # campaign.yaml's delivery section written wrongly: nothing is sent until fixed

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def delivery_status(root: str | Path, cycle: str, period: str) -> DeliveryStatus:
    """What was sent for (cycle, period), by channel and result, and every problem with its reason."""
    ws = Workspace(root)
    try:
        settings = delivery_settings(ws.campaign)
    except WorkspaceError as exc:
        return DeliveryStatus(settings_error=str(exc))
    counts: dict[str, int] = {}
    by_channel: dict[str, dict[str, int]] = {}
    problems = []
    for row in ws.state.deliveries(cycle, period):
        label = STATUS_LABELS.get(row.status, row.status)
        counts[label] = counts.get(label, 0) + 1
        channel = _channel_kind(row.channel)
        by_channel.setdefault(channel, {}).setdefault(label, 0)
        by_channel[channel][label] += 1
        if row.status in ("retry", "failed", "skipped"):
            problems.append(DeliveryProblem(row.recipient_name, channel_label(row, settings), label, row.subject,
                                            row.reason or "", when(row)))
    order = list(STATUS_LABELS.values())  # 已送达 first, whatever order the rows came in
    counts = dict(sorted(counts.items(), key=lambda kv: order.index(kv[0])))
    by_channel = {c: dict(sorted(n.items(), key=lambda kv: order.index(kv[0]))) for c, n in by_channel.items()}
    return DeliveryStatus(counts, by_channel, problems)


def _channel_kind(channel: str) -> str:
    return {"email": "邮件", "wecom": "企业微信", "dingtalk": "钉钉"}.get(channel, "无联系方式")


def status_lines(root: str | Path, cycle: str, period: str, *, shown: int = 10) -> list[str]:
    """What ``docgen status`` says about a period's deliveries."""
    status = delivery_status(root, cycle, period)
    if status.settings_error:
        return [f"送达设置有误，未发送任何消息：{status.settings_error}"]
    if not status.total:
        return []
    tz = Workspace(root).campaign.timezone
    lines = ["送达：" + "，".join(f"{k} {v} 条" for k, v in status.counts.items())]
    for channel, counts in status.by_channel.items():
        lines.append(f"  {channel}：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    for p in status.problems[:shown]:
        at = pendulum.instance(p.at).in_timezone(tz).format("MM-DD HH:mm") if p.at else ""
        lines.append(f"  ✗ {p.recipient}（{p.channel}）{p.status} {at}：{p.reason}")
    if len(status.problems) > shown:
        lines.append(f"  ……另有 {len(status.problems) - shown} 条未送达")
    return lines
