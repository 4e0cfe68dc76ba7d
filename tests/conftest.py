"""Shared fixtures: a small real workspace on disk, and a way to drop files into it as a unit would."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import pytest

from docgen import cycles
from docgen.config import Campaign
from docgen.models import Task, Unit
from docgen.periods import Period
from docgen.resources import set_drop_time

from .builders import CST
from .builders.monthly import PROGRESS_HEADERS
from .builders.registry import write_campaign, write_registry
from .builders.tables import write_table
from .delivery_servers import (  # noqa: F401 - the fixtures smtp_server and robot_server
    RobotServer,
    SmtpServer,
    robot_server_fixture,
    smtp_server_fixture,
)
from .s3_server import s3_endpoint_fixture  # noqa: F401 - the fixture s3_endpoint

UNITS = [
    Unit("A01", "青禾镇人民政府", "乡镇街道", "李明", "13800000001"),
    Unit("B01", "市民族宗教事务局", "部门", "王芳", "0471-6600001"),
    Unit("C01", "青禾市第一中学", "学校", "赵强", "13900000003"),
    Unit("D01", "青禾乳业有限公司", "企业", "孙丽", "13700000004"),
]
TASKS = [
    Task("T1", "开展民族团结进步宣传月活动", "宣传教育工程", "A01", ("B01",), date(2026, 1, 1), date(2026, 12, 31),
         "12", "场"),
    Task("T2", "建成民族团结进步教育基地", "创建进机关工程", "B01", ("C01",), date(2026, 7, 1), date(2026, 10, 15),
         "1", "个"),
    Task("T3", "开设民族团结进步教育课程", "创建进学校工程", "C01", (), date(2026, 9, 1), date(2026, 12, 31), "20", "课时"),
    Task("T4", "举办民族特色产品展销会", "共同富裕工程", "D01", ("A01",), date(2026, 11, 1), date(2027, 3, 1), "2", "场"),
]
DEFAULT_CAMPAIGN = Campaign.from_dict({"name": "创建", "secretariat": "创建办", "doc_number_prefix": "创建办〔2026〕"})


def parse_period(cycle: str, key: str, campaign: Campaign | None = None) -> Period:
    """``key`` of a declared cycle, dated under ``campaign``'s settings (default: none but the required ones)."""
    return cycles.get(cycle).parse_period(key, campaign or DEFAULT_CAMPAIGN)


PG_SERVER = os.environ.get("DOCGEN_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
ON_TIME = datetime(2026, 11, 3, 10, 0, tzinfo=CST)
LATE = datetime(2026, 11, 7, 9, 0, tzinfo=CST)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A campaign folder with the registry written as real .xlsx files; files settle at once."""
    root = tmp_path / "ws"
    write_campaign(root, intake={"max_file_mb": 1, "settle_seconds": 0})
    write_registry(root, UNITS, TASKS)
    return root


Dropper = Callable[..., Path]


@pytest.fixture
def drop(workspace: Path) -> Dropper:
    """Write a 月度进展报送表 into ``intake/monthly/2026-10/<unit>/`` and date it like a unit's drop."""

    def _drop(
        unit: str,
        rows: Sequence[Sequence[object]] | None = None,
        *,
        name: str = "月度进展报送表.xlsx",
        when: datetime = ON_TIME,
        progress: dict[str, float] | None = None,
        period: str = "2026-10",
        **table: object,
    ) -> Path:
        from .builders.monthly import progress_rows

        path = workspace / "intake" / "monthly" / period / unit / name
        if rows is None:
            rows = progress_rows(unit, TASKS[:3], progress=progress)
        write_table(path, PROGRESS_HEADERS, rows, **table)  # type: ignore[arg-type]
        set_drop_time(path, when)
        return path

    return _drop


def row(unit: str, task: str, pct: object = 50, **over: object) -> list[object]:
    """One progress row with sensible values; ``over`` replaces columns by header."""
    values: dict[str, object] = {
        "单位代码": unit, "任务编号": task, "本月进展": "开展宣讲活动3场", "完成进度(%)": pct,
        "本月开展活动(场次)": 3, "参与人数(人次)": 120, "投入经费(万元)": 1.5, "存在问题": "无",
        "下月计划": "继续推进", "填报人": "张三", "联系电话": "13800138000",
    }
    values.update(over)
    return [values[h] for h in PROGRESS_HEADERS]


@contextlib.contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server (``DOCGEN_TEST_PG``), dropped afterwards; skips if none."""
    pytest.importorskip("psycopg2")
    import sqlalchemy as sa

    engine = sa.create_engine(PG_SERVER)
    try:
        conn = engine.connect()
    except sa.exc.OperationalError:
        pytest.skip(f"no PostgreSQL server at {PG_SERVER}")
    schema = f"docgen_test_{uuid.uuid4().hex[:8]}"
    with conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        conn.commit()
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.commit()
        engine.dispose()


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
