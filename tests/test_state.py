"""The state database: migrations are the only way the schema changes, and numbering is per year."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from docgen.state import MIGRATIONS, SCHEMA_HEAD, State


def _config(conn: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def test_schema_head_is_the_newest_migration() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    """What the migrations build equals what a new database gets from the models: tables, columns,
    types, nullability, unique constraints and indexes."""
    by_migrations = sa.create_engine(f"sqlite:///{tmp_path / 'migrated.sqlite'}")
    with by_migrations.begin() as conn:
        command.upgrade(_config(conn), "head")
    by_models = State(f"sqlite:///{tmp_path / 'new.sqlite'}").engine

    def shape(engine: sa.Engine) -> dict:
        inspector = sa.inspect(engine)
        return {
            table: (
                sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)),
                sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
                sorted((tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)),
            )
            for table in inspector.get_table_names()
        }

    migrated, new = shape(by_migrations), shape(by_models)
    assert set(migrated) == set(new) >= {"submissions", "sightings", "doc_numbers", "runs", "locks", "alembic_version"}
    for table in new:
        assert migrated[table] == new[table], table


def test_a_database_from_before_migrations_is_upgraded_in_place(tmp_path: Path) -> None:
    """A workspace from the first release (tables made by create_all, no version table) keeps its data."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0001")
        conn.execute(sa.text("DROP TABLE alembic_version"))
        conn.execute(sa.text(
            "INSERT INTO doc_numbers (prefix, seq, cycle, period, issued_on) "
            "VALUES ('创建办〔2026〕', 3, 'monthly', '2026-09', '2026-10-06')"
        ))
    engine.dispose()
    state = State(url)
    assert state.doc_number("创建办〔2026〕", "monthly", "2026-09", date(2026, 11, 1)) == (3, date(2026, 10, 6))
    assert state.doc_number("创建办〔2026〕", "monthly", "2026-10", date(2026, 11, 6)) == (4, date(2026, 11, 6))
    columns = {c["name"] for c in sa.inspect(state.engine).get_columns("submissions")}
    assert {"claimed_by", "note"} <= columns
    with state.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD


def test_a_workspace_of_the_release_before_the_cycle_spine_upgrades_with_nothing_lost(tmp_path: Path) -> None:
    """A state database at 0002 (the monthly-only release): its submissions read back with their kind,
    its issued number stays the notice's, and the quarter's documents then get numbers of their own."""
    url = f"sqlite:///{tmp_path / 'release.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0002")
        for i, (unit, status, refusal) in enumerate(
            [("BM01", "accepted", None), ("BM02", "rejected", None), ("BM03", "rejected", "不接受快捷方式")], start=1
        ):
            conn.execute(sa.text(
                "INSERT INTO submissions (id, cycle, period, unit, file_name, path, size, mtime_ns, sha256, "
                "archive_path, received_at, status, refusal, errors_json, rows_json, receipt_paths_json) VALUES "
                "(:id, 'monthly', '2026-10', :unit, :name, :path, 10, 1, NULL, NULL, '2026-11-03 02:00:00', :status, "
                ":refusal, '[]', :rows, '[]')"
            ), {"id": i, "unit": unit, "name": f"{unit}进展.xlsx", "path": f"monthly/2026-10/{unit}/{unit}进展.xlsx",
                "status": status, "refusal": refusal, "rows": '[{"task_id": "T01"}]' if status == "accepted" else "[]"})
        conn.execute(sa.text(
            "INSERT INTO doc_numbers (prefix, seq, cycle, period, issued_on) "
            "VALUES ('创建办〔2026〕', 7, 'monthly', '2026-10', '2026-11-06')"
        ))
    engine.dispose()

    state = State(url)
    rows = state.submissions("monthly", "2026-10")
    assert [(r.unit, r.status, r.kind) for r in rows] == [
        ("BM01", "accepted", "monthly_progress"), ("BM02", "rejected", "monthly_progress"), ("BM03", "rejected", None),
    ]
    assert rows[0].rows == [{"task_id": "T01"}]
    assert state.doc_number("创建办〔2026〕", "monthly", "2026-10", date(2026, 12, 1)) == (7, date(2026, 11, 6))
    assert state.doc_number("创建办〔2026〕", "quarterly", "2026-Q3", date(2026, 12, 1), "notice") == (8, date(2026, 12, 1))
    assert state.doc_number("创建办〔2026〕", "quarterly", "2026-Q3", date(2026, 12, 1), "rectification:BM01") == (
        9, date(2026, 12, 1))
    assert state.doc_number("创建办〔2026〕", "quarterly", "2026-Q3", date(2026, 12, 2), "notice") == (8, date(2026, 12, 1))
    assert sa.inspect(state.engine).has_table("ledger_events")


def test_processes_creating_the_schema_at_once_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    code = f"from docgen.state import State; State({url!r}).doc_number('X', 'monthly', '2026-10', __import__('datetime').date(2026, 11, 6))"
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    assert State(url).doc_number("X", "monthly", "2026-10", date(2027, 1, 1)) == (1, date(2026, 11, 6))


def test_year_in_the_prefix_restarts_numbers_each_year(tmp_path: Path) -> None:
    state = State(f"sqlite:///{tmp_path / 's.sqlite'}")
    prefix = "创建办〔{year}〕"
    assert state.issuing_number(prefix, "monthly", "2026-11", date(2026, 12, 5)) == ("创建办〔2026〕", 1, date(2026, 12, 5))
    assert state.issuing_number(prefix, "monthly", "2026-12", date(2027, 1, 5)) == ("创建办〔2027〕", 1, date(2027, 1, 5))
    assert state.issuing_number(prefix, "monthly", "2027-01", date(2027, 2, 5)) == ("创建办〔2027〕", 2, date(2027, 2, 5))
    # a rerun keeps the number and the year it was issued in
    assert state.issuing_number(prefix, "monthly", "2026-11", date(2027, 3, 1)) == ("创建办〔2026〕", 1, date(2026, 12, 5))
    # an old prefix with a fixed year keeps counting
    assert state.issuing_number("创建办〔2026〕", "quarterly", "2026-Q4", date(2027, 1, 10)) == ("创建办〔2026〕", 2, date(2027, 1, 10))


def test_a_live_holder_makes_the_lock_wait_then_refuse_and_a_dead_one_is_taken_over(tmp_path: Path) -> None:
    import pytest

    from docgen.state import Busy, LockRow, owner_token

    state = State(f"sqlite:///{tmp_path / 's.sqlite'}")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with state.session() as s:
            s.add(LockRow(name="run:monthly:2026-10", owner=owner_token(holder.pid),
                          acquired_at=sa.func.now()))
        with pytest.raises(Busy, match=f"进程 {holder.pid}"), state.lock("run:monthly:2026-10", wait_seconds=1):
            pass
    finally:
        holder.kill()
        holder.wait()
    # its holder is gone: taken over at once
    with state.lock("run:monthly:2026-10", wait_seconds=1), state.session() as s:
        assert s.get(LockRow, "run:monthly:2026-10").owner == owner_token()
    with state.session() as s:
        assert s.get(LockRow, "run:monthly:2026-10") is None  # released
