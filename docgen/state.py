"""What the pipeline remembers, in a SQL database: files seen, submissions, issuing numbers and runs.

SQLite in the workspace by default; any SQLAlchemy URL (e.g. PostgreSQL) through ``DOCGEN_DB_URL``.
Times are stored as naive UTC and handed out timezone-aware.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


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
    unit: Mapped[str] = mapped_column(String(255), index=True)  # the folder's name
    file_name: Mapped[str] = mapped_column(String(1024))
    path: Mapped[str] = mapped_column(String(1024))  # relative to the intake folder
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    archive_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="received")  # received, processing, accepted, rejected
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    refusal: Mapped[str | None] = mapped_column(Text, nullable=True)  # why intake refused it unread
    errors_json: Mapped[str] = mapped_column(Text, default="[]")
    rows_json: Mapped[str] = mapped_column(Text, default="[]")
    receipt_paths_json: Mapped[str] = mapped_column(Text, default="[]")
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

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
    """An issuing number (发文字号) given to one cycle's period once, so a rerun keeps it."""

    __tablename__ = "doc_numbers"
    __table_args__ = (
        UniqueConstraint("prefix", "seq", name="uq_doc_number"),
        UniqueConstraint("cycle", "period", name="uq_doc_number_period"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    cycle: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    issued_on: Mapped[date] = mapped_column(Date)


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


def utc_naive(moment: datetime) -> datetime:
    """For storage: UTC without tzinfo (SQLite keeps no time zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def aware(moment: datetime | None) -> datetime | None:
    """From storage: the stored naive UTC made timezone-aware."""
    return None if moment is None else moment.replace(tzinfo=UTC)


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
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s, s.begin():
            yield s

    def doc_number(self, prefix: str, cycle: str, period: str, today: date) -> tuple[int, date]:
        """The sequence number and issue date of (cycle, period): the stored one, else the next free one."""
        with self.session() as s:
            found = s.scalar(select(DocNumber).where(DocNumber.cycle == cycle, DocNumber.period == period))
            if found is not None:
                return found.seq, found.issued_on
            last = s.scalar(select(func.max(DocNumber.seq)).where(DocNumber.prefix == prefix)) or 0
            s.add(DocNumber(prefix=prefix, seq=last + 1, cycle=cycle, period=period, issued_on=today))
            return last + 1, today

    def submissions(self, cycle: str, period: str) -> list[SubmissionRow]:
        with self.session() as s:
            rows = s.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.cycle == cycle, SubmissionRow.period == period)
                .order_by(SubmissionRow.received_at, SubmissionRow.id)
            )
            return list(rows)

    def record_run(
        self, cycle: str, period: str, trigger: str, *, doc_number: str | None = None,
        outputs: list[str] | None = None, status: str = "success", message: str | None = None,
    ) -> None:
        """Record a finished run of a cycle: who started it, what it issued and wrote."""
        with self.session() as s:
            s.add(RunRow(
                cycle=cycle, period=period, trigger=trigger, started_at=utc_naive(datetime.now(UTC)),
                finished_at=utc_naive(datetime.now(UTC)), status=status, doc_number=doc_number,
                outputs_json=json.dumps(outputs or [], ensure_ascii=False), message=message,
            ))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
