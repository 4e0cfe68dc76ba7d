"""What the pipeline remembers, in a SQL database: files seen, submissions, issuing numbers, runs, locks.

SQLite in the workspace by default; any SQLAlchemy URL (e.g. PostgreSQL) through ``DOCGEN_DB_URL``.
Times are stored as naive UTC and handed out timezone-aware. The schema changes only through the Alembic
migrations in ``docgen/migrations``, applied when a workspace's state is first opened (safely when two
processes open it at once).
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from .errors import DocgenError

log = logging.getLogger(__name__)

SCHEMA_HEAD = "0006"  # the newest migration in docgen/migrations/versions (a test keeps them in step)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LEASE_ENV = "DOCGEN_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 60.0  # a holder this process cannot see is alive while it beat within this long


class Base(DeclarativeBase):
    pass


class Sighting(Base):
    """A file seen in an intake folder, with when it was first seen: the clock for ``received_at``."""

    __tablename__ = "sightings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), unique=True)  # relative to the intake folder
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)
    last_changed_at: Mapped[datetime] = mapped_column(DateTime)


class SubmissionRow(Base):
    """One dropped file and what became of it. Never deleted: a resubmission is a new row."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("path", "size", "mtime_ns", name="uq_submission_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle: Mapped[str] = mapped_column(String(16), index=True)
    period: Mapped[str] = mapped_column(String(16), index=True)
    unit: Mapped[str] = mapped_column(String(255), index=True)  # the folder's name: a unit code or a role folder
    kind: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the submission kind it is read as
    file_name: Mapped[str] = mapped_column(String(1024))  # as the unit sees it (undecodable bytes escaped)
    path: Mapped[str] = mapped_column(String(1024))  # relative to the intake folder, escaped likewise
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    archive_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="received")  # received, processing, accepted, rejected
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)  # owner token of the claiming run
    refusal: Mapped[str | None] = mapped_column(Text, nullable=True)  # why intake refused it unread
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # told in the receipt (e.g. a clock skew)
    errors_json: Mapped[str] = mapped_column(Text, default="[]")
    rows_json: Mapped[str] = mapped_column(Text, default="[]")
    receipt_paths_json: Mapped[str] = mapped_column(Text, default="[]")
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    @property
    def rows(self) -> list[dict[str, Any]]:
        return json.loads(self.rows_json)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return json.loads(self.errors_json)


class DocNumber(Base):
    """An issuing number (发文字号) given once to one document of a cycle's period, so a rerun keeps it.

    ``prefix`` is the prefix as issued (``{year}`` filled in), so sequences restart with each year;
    ``document`` names the document within the period (``notice``, ``rectification:BM03`` …).
    """

    __tablename__ = "doc_numbers"
    __table_args__ = (
        UniqueConstraint("prefix", "seq", name="uq_doc_number"),
        UniqueConstraint("cycle", "period", "document", name="uq_doc_number_document"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    cycle: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    document: Mapped[str] = mapped_column(String(128), default="notice", server_default="notice")
    issued_on: Mapped[date] = mapped_column(Date)


class LedgerEvent(Base):
    """One change of one ledger item (a cycle that keeps a ledger), caused by one submission: append-only.

    ``payload_json`` is the cycle's own event record; the columns are what the spine needs to keep it
    in order (``id``), idempotent (one event per item and submission) and scoped (cycle, period).
    """

    __tablename__ = "ledger_events"
    __table_args__ = (UniqueConstraint("cycle", "item", "source", name="uq_ledger_event"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle: Mapped[str] = mapped_column(String(16), index=True)
    period: Mapped[str] = mapped_column(String(16))  # of the folder the causing file came from
    item: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(64))  # the causing submission's id
    at: Mapped[datetime] = mapped_column(DateTime)  # when the causing file was received
    payload_json: Mapped[str] = mapped_column(Text)
    appended_at: Mapped[datetime] = mapped_column(DateTime)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json)


class RunRow(Base):
    """One run of a cycle (CLI or Airflow): when, how it ended, what it wrote."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(32), default="cli")
    started_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    doc_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outputs_json: Mapped[str] = mapped_column(Text, default="[]")
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)  # of what it issued

    @property
    def outputs(self) -> list[str]:
        return json.loads(self.outputs_json)


class DraftRow(Base):
    """A period's documents as rendered and waiting for, or given, the secretariat's review (审核).

    The files are in ``folder`` (``outbox/<cycle>/<period>/drafts/<seq>/``, relative to the workspace).
    ``status``: ``pending`` until decided; ``approved`` (issued by run ``run_id``) or ``returned`` (退回,
    nothing issued). ``decided_by`` is who answered (``超时`` when nobody did in time).
    """

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("cycle", "period", "seq", name="uq_draft"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    folder: Mapped[str] = mapped_column(String(1024))
    doc_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the run that issued it


class DeliveryRow(Base):
    """One message for one recipient by one channel (``email`` or a group robot's name), as queued and sent.

    ``key`` says what it answers, whom and how (a rerun queues nothing twice). ``status``: ``pending`` →
    ``sent``; ``retry`` (a failure worth another try, at ``next_attempt_at``) until ``failed`` (given up);
    ``skipped`` when it cannot be sent at all (no address, a channel not set up). ``reason``: the last
    failure, in Chinese. ``batch``: the robot post that carried it (several rows share one digest post).
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_deliveries_period", "cycle", "period"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[str | None] = mapped_column(String(16), nullable=True)
    period: Mapped[str | None] = mapped_column(String(16), nullable=True)
    recipient: Mapped[str] = mapped_column(String(64))
    recipient_name: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(512))
    message_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    batch: Mapped[str | None] = mapped_column(String(32), nullable=True)

    @property
    def message(self) -> dict[str, Any]:
        return json.loads(self.message_json)


class RobotPost(Base):
    """One post to a group robot: what its rate limit counts."""

    __tablename__ = "robot_posts"
    __table_args__ = (Index("ix_robot_posts", "robot", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    robot: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime)


class Heartbeat(Base):
    """When a process holding claims or locks last said it is alive (its lease, renewed while it works)."""

    __tablename__ = "heartbeats"
    owner: Mapped[str] = mapped_column(String(128), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime)


class LockRow(Base):
    """A run lock: one holder at a time per name (``run:<cycle>:<period>``, ``ledger:<cycle>``)."""

    __tablename__ = "locks"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(DateTime)


@dataclass(frozen=True)
class Answered:
    """How one submission was answered, as ``State.record_answers`` keeps it."""

    submission: int
    accepted: bool
    errors: list[dict[str, Any]]
    rows: list[dict[str, Any]]  # the typed rows used, when accepted
    receipt_paths: list[str]


class Busy(DocgenError):
    """Another live run holds the lock this run needs."""


class StorageError(DocgenError):
    """The state database or the disk refused a write (full, read-only, unreachable)."""


def utc_naive(moment: datetime) -> datetime:
    """For storage: UTC without tzinfo (SQLite keeps no time zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def aware(moment: datetime | None) -> datetime | None:
    """From storage: the stored naive UTC made timezone-aware."""
    return None if moment is None else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------- owners: which process holds a claim


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (tells a reused pid from the original)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _pid_namespace(pid: int | str = "self") -> str:
    """The PID namespace a process lives in (``4026531836``): where its pid means something."""
    try:
        return os.readlink(f"/proc/{pid}/ns/pid").partition("[")[2].rstrip("]")
    except OSError:
        return ""


def owner_token(pid: int | None = None) -> str:
    """``host:pid:start:pidns``: names a process (default: this one) in claims, locks and heartbeats."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or 0}:{_pid_namespace(pid)}"


def lease_seconds() -> float:
    """How long a holder this process cannot see may go without beating before it counts as gone
    (``DOCGEN_LEASE_SECONDS``, default 60): the longest a lost worker holds up a cycle."""
    try:
        value = float(os.environ.get(LEASE_ENV) or DEFAULT_LEASE_SECONDS)
    except ValueError:
        value = DEFAULT_LEASE_SECONDS
    return max(value, 1.0)


def visible(token: str) -> bool:
    """Whether ``token``'s pid can be checked from here: the same machine and the same PID namespace (a
    token from before namespaces were written is taken as this namespace's)."""
    host, pid, _ticks, namespace = ([*token.split(":"), ""] + [""] * 3)[:4]
    return host == socket.gethostname() and namespace in ("", _pid_namespace())


def owner_alive(token: str | None, last_beat: datetime | None = None, since: datetime | None = None) -> bool:
    """Whether the process named by ``token`` still runs: certain where its pid can be checked (this
    machine, this PID namespace); elsewhere while its lease is fresh: its last heartbeat, or else when it
    took the claim or lock (``since``), no older than ``lease_seconds()``."""
    if not token:
        return False
    if not visible(token):
        seen = [aware(m) for m in (last_beat, since) if m is not None]
        return bool(seen) and (datetime.now(UTC) - max(seen)).total_seconds() < lease_seconds()  # type: ignore[type-var]
    _host, pid_text, ticks = token.split(":")[:3]
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    current = _start_ticks(pid)
    return current is not None and current == ticks and _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# ---------------------------------------------------------------- the database

_BEATING: dict[str, tuple[int, threading.Thread]] = {}  # database URL → (pid, its heartbeat thread)
_BEATING_LOCK = threading.Lock()
_STOP_BEATING = threading.Event()  # set at exit: a process that is ending holds nothing any more


atexit.register(_STOP_BEATING.set)  # no beat (nor a warning about one) while the interpreter winds down


class State:
    """The database behind a workspace."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 60}
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        with storage_errors():
            migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with storage_errors(), self._sessions() as s, s.begin():
            yield s

    def doc_number(self, prefix: str, cycle: str, period: str, today: date, document: str = "notice") -> tuple[int, date]:
        """The sequence number and issue date of one document of (cycle, period)."""
        _issued_prefix, seq, issued_on = self.issuing_number(prefix, cycle, period, today, document)
        return seq, issued_on

    def issuing_number(
        self, prefix: str, cycle: str, period: str, today: date, document: str = "notice"
    ) -> tuple[str, int, date]:
        """(prefix as issued, sequence, issue date) of one document of (cycle, period), given once and kept.

        ``{year}`` in ``prefix`` is the year of issue, so each year's numbers start again at 1. Two
        processes numbering different periods at once both succeed: the loser of a race tries the next.
        """
        for _ in range(20):
            with self.session() as s:
                found = s.scalar(select(DocNumber).where(
                    DocNumber.cycle == cycle, DocNumber.period == period, DocNumber.document == document))
                if found is not None:
                    return found.prefix, found.seq, found.issued_on
            issued = prefix.replace("{year}", str(today.year))
            try:
                with self.session() as s:
                    last = s.scalar(select(func.max(DocNumber.seq)).where(DocNumber.prefix == issued)) or 0
                    s.add(DocNumber(prefix=issued, seq=last + 1, cycle=cycle, period=period, document=document,
                                    issued_on=today))
                return issued, last + 1, today
            except IntegrityError:
                time.sleep(0.05)
        raise StorageError("无法分配发文字号（并发冲突过多），请稍后重试")

    def issue_date(self, cycle: str, period: str) -> date | None:
        """The day (cycle, period) was first given an issuing number: its documents' issue date, kept on reruns."""
        with self.session() as s:
            return s.scalar(select(func.min(DocNumber.issued_on)).where(
                DocNumber.cycle == cycle, DocNumber.period == period))

    def submissions(self, cycle: str, period: str) -> list[SubmissionRow]:
        with self.session() as s:
            rows = s.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.cycle == cycle, SubmissionRow.period == period)
                .order_by(SubmissionRow.received_at, SubmissionRow.id)
            )
            return list(rows)

    def file_names(self, ids: set[str]) -> dict[str, str]:
        """Submission id (as text) → the file's name, for showing what caused each ledger change."""
        wanted = [int(i) for i in ids if str(i).isdigit()]
        with self.session() as s:
            rows = s.execute(select(SubmissionRow.id, SubmissionRow.file_name).where(SubmissionRow.id.in_(wanted)))
            return {str(i): name for i, name in rows}

    # -- intake: sightings, submissions, claims ---------------------------------------------------

    def registered(
        self, cycle: str, period: str, *, sightings_under: str
    ) -> tuple[list[tuple[int, str, int, int, str | None]], dict[str, Sighting]]:
        """What a scan of (cycle, period) starts from, read in one transaction: (id, path, size, mtime_ns,
        refusal) of every file version registered, and the sightings whose path begins with ``sightings_under``."""
        with self.session() as s:
            rows = s.execute(
                select(SubmissionRow.id, SubmissionRow.path, SubmissionRow.size, SubmissionRow.mtime_ns,
                       SubmissionRow.refusal)
                .where(SubmissionRow.cycle == cycle, SubmissionRow.period == period)
            ).all()
            sightings = {x.path: x for x in s.scalars(select(Sighting).where(Sighting.path.startswith(sightings_under)))}
        return [(sub_id, path, size, mtime_ns, refusal) for sub_id, path, size, mtime_ns, refusal in rows], sightings

    def register_scan(
        self, sightings: Sequence[dict[str, Any]], submissions: Sequence[dict[str, Any]]
    ) -> tuple[list[int], int]:
        """Note a scan's sightings (one with an ``id`` updates that sighting) and register its submissions.

        One transaction for the whole scan; row by row if another scan registered some of it meanwhile.
        Returns the ids of the submissions registered, in order, and how many the other scan had already.
        """
        rows = [_new_submission(values) for values in submissions]
        if not rows and not sightings:
            return [], 0
        try:
            with self.session() as s:
                fresh = [x for x in sightings if "id" not in x]
                changed = [x for x in sightings if "id" in x]
                if fresh:
                    s.execute(insert(Sighting), fresh)
                if changed:
                    s.execute(update(Sighting), changed)
                if rows:
                    return list(s.scalars(insert(SubmissionRow).returning(SubmissionRow.id, sort_by_parameter_order=True),
                                          rows)), 0
                return [], 0
        except IntegrityError:
            log.info("另一次扫描同时登记了部分文件，逐个登记")
        for values in sightings:
            try:
                with self.session() as s:
                    if s.scalar(select(Sighting.id).where(Sighting.path == values["path"])) is None:
                        s.execute(insert(Sighting), [{k: v for k, v in values.items() if k != "id"}])
            except IntegrityError:
                pass
        ids: list[int] = []
        taken = 0
        for row in rows:
            try:
                with self.session() as s:
                    ids.append(s.scalar(insert(SubmissionRow).returning(SubmissionRow.id), [row]))
            except IntegrityError:
                taken += 1  # the other scan has it
        return ids, taken

    def reopen_refused(self, readable: Sequence[tuple[int, str, str]], refusal: str) -> None:
        """Submissions refused with ``refusal`` whose file can now be read, given as (id, sha256, archive path):
        archived, no longer refused, and received again to be answered anew (one transaction)."""
        with self.session() as s:
            for sub_id, sha, archived in readable:
                s.execute(update(SubmissionRow).where(
                    SubmissionRow.id == sub_id, SubmissionRow.refusal == refusal
                ).values(refusal=None, sha256=sha, archive_path=archived, status="received", claimed_by=None))

    def claim(self, owner: str, cycle: str | None = None, period: str | None = None) -> list[SubmissionRow]:
        """Claim every unanswered submission (optionally of one cycle and period) for ``owner``; return
        what it holds now, in the order received.

        A claim of a process that no longer runs is taken over; a live one's stays its own.
        """
        now = utc_naive(datetime.now(UTC))

        def scope(query: Any) -> Any:
            if cycle:
                query = query.where(SubmissionRow.cycle == cycle)
            if period:
                query = query.where(SubmissionRow.period == period)
            return query

        self.keep_alive()
        with self.session() as s:
            holders = s.execute(scope(
                select(SubmissionRow.claimed_by, SubmissionRow.claimed_at).where(SubmissionRow.status == "processing")
            ).distinct()).all()
        beats = self.beats({h for h, _ in holders if h and h != owner and not visible(h)})
        dead = sorted({h for h, at in holders if h != owner and not owner_alive(h, beats.get(h), at)})
        if dead:
            log.warning("接管已中断的运行留下的 %d 个认领", len(dead))
        with self.session() as s:
            open_rows = (SubmissionRow.status == "received") | (
                (SubmissionRow.status == "processing") & (SubmissionRow.claimed_by.in_(dead) | SubmissionRow.claimed_by.is_(None))
            )
            s.execute(scope(update(SubmissionRow).where(open_rows)).values(
                status="processing", claimed_by=owner, claimed_at=now
            ).execution_options(synchronize_session=False))
        with self.session() as s:
            return list(s.scalars(scope(
                select(SubmissionRow).where(SubmissionRow.status == "processing", SubmissionRow.claimed_by == owner)
            ).order_by(SubmissionRow.received_at, SubmissionRow.id)))

    def release(self, owner: str) -> None:
        """Give back what ``owner`` claimed and did not answer (the next run answers it)."""
        with self.session() as s:
            s.execute(update(SubmissionRow)
                      .where(SubmissionRow.status == "processing", SubmissionRow.claimed_by == owner)
                      .values(status="received", claimed_by=None, claimed_at=None)
                      .execution_options(synchronize_session=False))

    def record_answers(self, answers: Sequence[Answered]) -> None:
        """Record a batch of answered submissions in one transaction."""
        if not answers:
            return
        now = utc_naive(datetime.now(UTC))
        values = [
            {
                "id": a.submission,
                "status": "accepted" if a.accepted else "rejected",
                "errors_json": json.dumps(a.errors, ensure_ascii=False),
                "rows_json": json.dumps(a.rows, ensure_ascii=False, default=_json_default),
                "receipt_paths_json": json.dumps(a.receipt_paths, ensure_ascii=False),
                "processed_at": now,
                "claimed_by": None,
            }
            for a in answers
        ]
        with self.session() as s:
            s.execute(update(SubmissionRow), values)

    def return_accepted(self, returns: Sequence[tuple[int, list[dict[str, Any]], list[str]]]) -> int:
        """The secretariat's review returns accepted submissions (退回), given as (id, errors, receipt paths
        to add): each becomes ``rejected`` with ``errors`` (the review's comment), answered anew now
        (``processed_at``: its new receipt is delivered like any), its rows and earlier receipts kept. One
        transaction; only rows still accepted change (a concurrent return wins once). How many changed."""
        now = utc_naive(datetime.now(UTC))
        changed = 0
        with self.session() as s:
            for sub_id, errors, paths in returns:
                kept = s.scalar(select(SubmissionRow.receipt_paths_json).where(
                    SubmissionRow.id == sub_id, SubmissionRow.status == "accepted"))
                if kept is None:
                    continue
                done = s.execute(update(SubmissionRow).where(
                    SubmissionRow.id == sub_id, SubmissionRow.status == "accepted"
                ).values(status="rejected", errors_json=json.dumps(errors, ensure_ascii=False),
                         receipt_paths_json=json.dumps([*json.loads(kept or "[]"), *paths], ensure_ascii=False),
                         processed_at=now).execution_options(synchronize_session=False))
                changed += done.rowcount
        return changed

    def unanswered(self, cycle: str, period: str) -> list[SubmissionRow]:
        """Registered submissions of (cycle, period) that have no receipts yet."""
        with self.session() as s:
            return list(s.scalars(select(SubmissionRow).where(
                SubmissionRow.cycle == cycle, SubmissionRow.period == period,
                SubmissionRow.status.in_(("received", "processing")),
            )))

    def events(self, cycle: str) -> list[LedgerEvent]:
        """The ledger events of ``cycle``, in the order they were appended."""
        with self.session() as s:
            return list(s.scalars(select(LedgerEvent).where(LedgerEvent.cycle == cycle).order_by(LedgerEvent.id)))

    def append_events(self, cycle: str, period: str, source: str, events: list[dict[str, Any]], *,
                      item_key: str, at_key: str = "at") -> None:
        """Append one submission's events in one transaction (all or none)."""
        now = utc_naive(datetime.now(UTC))
        with self.session() as s:
            for e in events:
                at = datetime.fromisoformat(e[at_key])
                s.add(LedgerEvent(cycle=cycle, period=period, item=str(e[item_key]), source=source, at=utc_naive(at),
                                  payload_json=json.dumps(e, ensure_ascii=False), appended_at=now))

    def record_run(
        self, cycle: str, period: str, trigger: str, *, doc_number: str | None = None,
        outputs: list[str] | None = None, status: str = "success", message: str | None = None,
        started_at: datetime | None = None, fingerprint: str | None = None,
    ) -> int:
        """Record a finished run of a cycle: who started it, what it issued and wrote; return its id."""
        now = utc_naive(datetime.now(UTC))
        with self.session() as s:
            row = RunRow(
                cycle=cycle, period=period, trigger=trigger,
                started_at=utc_naive(started_at) if started_at else now, finished_at=now, status=status,
                doc_number=doc_number, outputs_json=json.dumps(outputs or [], ensure_ascii=False),
                message=message, owner=owner_token(), fingerprint=fingerprint,
            )
            s.add(row)
            s.flush()
            return row.id

    # -- drafts (审核) ------------------------------------------------------------------------------

    def add_draft(self, cycle: str, period: str, folder_of: Any, doc_number: str | None) -> DraftRow:
        """A new pending draft of (cycle, period): the next ``seq``; ``folder_of(seq)`` names its folder."""
        for _ in range(20):
            try:
                with self.session() as s:
                    seq = (s.scalar(select(func.max(DraftRow.seq)).where(
                        DraftRow.cycle == cycle, DraftRow.period == period)) or 0) + 1
                    row = DraftRow(cycle=cycle, period=period, seq=seq, folder=str(folder_of(seq)),
                                   doc_number=doc_number, created_at=utc_naive(datetime.now(UTC)), status="pending")
                    s.add(row)
                return row
            except IntegrityError:
                time.sleep(0.05)
        raise StorageError("无法登记草稿（并发冲突过多），请稍后重试")

    def drafts(self, cycle: str, period: str) -> list[DraftRow]:
        """Every draft of (cycle, period), oldest first."""
        with self.session() as s:
            return list(s.scalars(select(DraftRow).where(DraftRow.cycle == cycle, DraftRow.period == period)
                                  .order_by(DraftRow.seq)))

    def draft(self, cycle: str, period: str, seq: int) -> DraftRow | None:
        with self.session() as s:
            return s.scalar(select(DraftRow).where(DraftRow.cycle == cycle, DraftRow.period == period,
                                                   DraftRow.seq == seq))

    def decide_draft(self, draft_id: int, status: str, *, by: str, at: datetime, comment: str | None,
                     run_id: int | None = None) -> bool:
        """Record the decision on a pending draft; False (nothing changed) when it was already decided."""
        with self.session() as s:
            done = s.execute(
                DraftRow.__table__.update()
                .where(DraftRow.id == draft_id, DraftRow.status == "pending")
                .values(status=status, decided_by=by, decided_at=utc_naive(at), comment=comment, run_id=run_id)
            )
            return done.rowcount == 1

    def run(self, run_id: int) -> RunRow | None:
        with self.session() as s:
            return s.get(RunRow, run_id)

    def run_count(self, cycle: str, period: str) -> int:
        """How many times (cycle, period) was issued."""
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(RunRow).where(
                RunRow.cycle == cycle, RunRow.period == period, RunRow.status == "success")) or 0

    def last_run(self, cycle: str, period: str) -> RunRow | None:
        """The latest successful run of (cycle, period)."""
        with self.session() as s:
            return s.scalar(
                select(RunRow)
                .where(RunRow.cycle == cycle, RunRow.period == period, RunRow.status == "success")
                .order_by(RunRow.finished_at.desc(), RunRow.id.desc())
                .limit(1)
            )

    # -- deliveries ---------------------------------------------------------------------------------

    def queue_deliveries(self, rows: Sequence[dict[str, Any]]) -> int:
        """Add the rows whose ``key`` is new (a rerun's are already there); return how many were added."""
        if not rows:
            return 0
        keys = [r["key"] for r in rows]
        added = 0
        with self.session() as s:
            have = set()
            for i in range(0, len(keys), 500):
                have |= set(s.scalars(select(DeliveryRow.key).where(DeliveryRow.key.in_(keys[i:i + 500]))))
        now = utc_naive(datetime.now(UTC))
        for r in rows:
            if r["key"] in have:
                continue
            try:  # one at a time: a concurrent run queueing the same key loses only that row
                with self.session() as s:
                    s.add(DeliveryRow(**{"attempts": 0, "created_at": now, **r}))
                added += 1
            except IntegrityError:
                pass
        return added

    def due_deliveries(self, now: datetime, limit: int = 1000) -> list[DeliveryRow]:
        """Rows to send now: new ones and retries whose time has come, oldest first."""
        with self.session() as s:
            return list(s.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.status.in_(("pending", "retry")),
                       (DeliveryRow.next_attempt_at.is_(None)) | (DeliveryRow.next_attempt_at <= utc_naive(now)))
                .order_by(DeliveryRow.id).limit(limit)))

    def update_deliveries(self, ids: Sequence[int], **values: Any) -> None:
        """Set ``values`` on the rows ``ids`` (``attempts=None`` adds one to each row's count)."""
        values = {k: utc_naive(v) if isinstance(v, datetime) else v for k, v in values.items()}
        if values.pop("attempts", 0) is None:
            values["attempts"] = DeliveryRow.attempts + 1
        with self.session() as s:
            s.execute(update(DeliveryRow).where(DeliveryRow.id.in_(list(ids))).values(**values))

    def deliveries(self, cycle: str | None = None, period: str | None = None,
                   kind: str | None = None) -> list[DeliveryRow]:
        """The delivery log, oldest first: of one cycle and period, or all."""
        query = select(DeliveryRow).order_by(DeliveryRow.id)
        if cycle is not None:
            query = query.where(DeliveryRow.cycle == cycle)
        if period is not None:
            query = query.where(DeliveryRow.period == period)
        if kind is not None:
            query = query.where(DeliveryRow.kind == kind)
        with self.session() as s:
            return list(s.scalars(query))

    def delivery_keys(self, kind: str, since: datetime) -> list[str]:
        """The keys of the rows of ``kind`` queued since ``since`` (what a step need not queue again)."""
        with self.session() as s:
            return list(s.scalars(select(DeliveryRow.key).where(
                DeliveryRow.kind == kind, DeliveryRow.created_at >= utc_naive(since))))

    def retry_failed(self) -> int:
        """Queue the given-up rows again (a fixed secret or address): sent at the next pass, attempts anew."""
        with self.session() as s:
            done = s.execute(update(DeliveryRow).where(DeliveryRow.status == "failed")
                             .values(status="retry", attempts=0, next_attempt_at=None))
            return done.rowcount

    def record_robot_post(self, robot: str, at: datetime) -> None:
        with self.session() as s:
            s.add(RobotPost(robot=robot, at=utc_naive(at)))

    def robot_posts_since(self, robot: str, since: datetime) -> list[datetime]:
        """When ``robot`` was posted to since ``since``, oldest first (its rate limit's window)."""
        with self.session() as s:
            return [aware(at) for at in s.scalars(  # type: ignore[misc]
                select(RobotPost.at).where(RobotPost.robot == robot, RobotPost.at >= utc_naive(since))
                .order_by(RobotPost.at))]

    def answered_since(self, since: datetime) -> list[SubmissionRow]:
        """Submissions answered (accepted or rejected) since ``since``: the receipts to deliver."""
        with self.session() as s:
            return list(s.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.status.in_(("accepted", "rejected")), SubmissionRow.processed_at >= utc_naive(since))
                .order_by(SubmissionRow.id)))

    # -- locks ------------------------------------------------------------------------------------

    @contextmanager
    def lock(self, name: str, *, wait_seconds: float = 600.0, describe: str = "") -> Iterator[None]:
        """Hold ``name`` for the block; wait for a live holder, take over from a dead one.

        Re-entrant within a process (a step called by a whole run holds its run's lock already).
        """
        me = owner_token()
        self.keep_alive()
        deadline = time.monotonic() + wait_seconds
        acquired = False
        while True:
            holder = self._try_lock(name, me)
            if holder is None:
                acquired = True
                break
            if holder.owner == me:
                break  # already ours
            beat = self.beats({holder.owner}).get(holder.owner) if not visible(holder.owner) else None
            if not owner_alive(holder.owner, beat, holder.acquired_at):
                with self.session() as s:
                    s.execute(delete(LockRow).where(LockRow.name == name, LockRow.owner == holder.owner))
                continue
            if time.monotonic() >= deadline:
                since = aware(holder.acquired_at)
                raise Busy(
                    f"另一次运行（进程 {holder.owner.split(':')[1]}，"
                    f"{since:%Y-%m-%d %H:%M:%S} UTC 开始）正在处理{describe or name}，"
                    f"已等待 {wait_seconds:.0f} 秒；请待其结束后再运行"
                )
            time.sleep(0.5)
        try:
            yield
        finally:
            if acquired:
                try:
                    with self.session() as s:
                        s.execute(delete(LockRow).where(LockRow.name == name, LockRow.owner == me))
                except DocgenError:
                    pass  # the next run takes it over: this process is gone by then

    # -- leases -------------------------------------------------------------------------------------

    def keep_alive(self) -> None:
        """Beat now, and keep beating every quarter lease while this process lives (one daemon thread per
        process and database): the lease of everything this process claims or locks, renewed while it
        works; a holder that stops beating (killed, its machine lost) is taken over after the lease."""
        with _BEATING_LOCK:
            known = _BEATING.get(self.url)
            if known is not None and known[0] == os.getpid() and known[1].is_alive():
                return
            self.beat()
            thread = threading.Thread(target=self._beat_forever, name="docgen-heartbeat", daemon=True)
            _BEATING[self.url] = (os.getpid(), thread)
            thread.start()

    def beat(self) -> None:
        """This process's heartbeat now; rows of processes gone for a day are dropped on the way. On a
        connection of its own, not an ORM session: a host's clean-up of sessions (Airflow closes them all
        at exit) never meets a beat half-done."""
        me, now = owner_token(), utc_naive(datetime.now(UTC))
        with storage_errors(), self.engine.begin() as conn:
            table = Heartbeat.__table__
            if not conn.execute(table.update().where(table.c.owner == me).values(beat_at=now)).rowcount:
                conn.execute(table.insert().values(owner=me, beat_at=now))
            conn.execute(table.delete().where(table.c.beat_at < now - timedelta(days=1)))

    def _beat_forever(self) -> None:
        while not _STOP_BEATING.wait(lease_seconds() / 4):
            try:
                self.beat()
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried; a lease outlives three
                if not _STOP_BEATING.is_set():
                    log.warning("心跳未能写入：%s", exc)

    def beats(self, owners: set[str]) -> dict[str, datetime]:
        """The last heartbeat of each of ``owners`` that ever beat."""
        if not owners:
            return {}
        with self.session() as s:
            return {o: at for o, at in s.execute(select(Heartbeat.owner, Heartbeat.beat_at)
                                                  .where(Heartbeat.owner.in_(sorted(owners))))}

    def _try_lock(self, name: str, me: str) -> LockRow | None:
        """None when the lock is now ours; else its holder."""
        try:
            with self.session() as s:
                s.add(LockRow(name=name, owner=me, acquired_at=utc_naive(datetime.now(UTC))))
            return None
        except IntegrityError:
            with self.session() as s:
                holder = s.get(LockRow, name)
            return holder or LockRow(name=name, owner="", acquired_at=utc_naive(datetime.now(UTC)))


def _new_submission(values: dict[str, Any]) -> dict[str, Any]:
    """A submission as a scan registers it: received, unclaimed, not yet answered."""
    return {
        **values, "received_at": utc_naive(values["received_at"]), "status": "received", "claimed_at": None,
        "claimed_by": None, "errors_json": "[]", "rows_json": "[]", "receipt_paths_json": "[]", "processed_at": None,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | set):
        return list(value)
    raise TypeError(type(value))


@contextmanager
def storage_errors() -> Iterator[None]:
    """A full disk or an unreachable database as a clear message, not a traceback."""
    try:
        yield
    except OperationalError as exc:
        detail = str(exc.orig) if exc.orig is not None else str(exc)
        if "full" in detail.lower():
            raise StorageError("状态数据库写入失败：磁盘空间已满。请腾出空间后重新运行，已完成的工作不会丢失") from exc
        if "locked" in detail.lower():
            raise StorageError("状态数据库被占用过久（database is locked），请稍后重新运行") from exc
        raise StorageError(f"状态数据库不可用：{detail.splitlines()[0]}") from exc
    except OSError as exc:
        raise StorageError(disk_message(exc)) from exc


def disk_message(exc: OSError) -> str:
    """A Chinese sentence for a failed write or read on the disk."""
    import errno  # noqa: PLC0415

    where = f"（{exc.filename}）" if getattr(exc, "filename", None) else ""
    if exc.errno == errno.ENOSPC:
        return f"磁盘空间已满{where}。请腾出空间后重新运行，已完成的工作不会丢失"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"没有读写权限{where}。请创建办管理员修正权限后重新运行"
    if exc.errno == errno.EROFS:
        return f"磁盘为只读{where}。请改为可写的位置后重新运行"
    return f"读写文件失败{where}：{exc.strerror or exc}"


# ---------------------------------------------------------------- migrations


def migrate(engine: Engine) -> None:
    """Bring the schema to ``SCHEMA_HEAD`` with Alembic; cheap when it is there already.

    A new, empty database gets the head schema at once; a database made before migrations existed
    (tables, no version) is stamped as the first revision first. Two processes starting at once serialize on a lock (a file lock beside a SQLite database,
    an advisory lock on PostgreSQL), and the second finds nothing to do.
    """
    if _current_revision(engine) == SCHEMA_HEAD:
        return
    with _migration_lock(engine), engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(728371)"))
        elif engine.dialect.name == "sqlite":
            # the sqlite3 module opens a transaction only before DML, so CREATE TABLE would commit at
            # once: a process killed half-way would leave half a schema that no later run can migrate
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        current = _revision_of(conn)
        if current == SCHEMA_HEAD:
            return
        if current is None and not inspect(conn).get_table_names():
            # A new database: the models are the head schema (a test keeps them identical to what the
            # migrations build), so create them and record the head, as Alembic's cookbook does.
            Base.metadata.create_all(conn)
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": SCHEMA_HEAD})
            return
        from alembic import command  # noqa: PLC0415 - only when the schema must change
        from alembic.config import Config  # noqa: PLC0415

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        if current is None and inspect(conn).has_table("submissions"):
            command.stamp(config, "0001")
        command.upgrade(config, "head")


def _current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return _revision_of(conn)
    except OperationalError:
        return None


def _revision_of(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
