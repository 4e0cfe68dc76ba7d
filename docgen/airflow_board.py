"""The status board (状态看板) in the Airflow UI: an Airflow plugin serving ``docgen.board`` as a page.

``airflow api-server`` mounts the plugin's FastAPI app under ``/docgen``; the UI shows the page in its
navigation (``/plugin/docgen-board``) and as a tab of every DAG run (``…/plugin/docgen-board-run``),
where it opens on the run's cycle and period. Only a user logged into Airflow sees it: every route
depends on Airflow's own ``get_user`` (the UI's ``_token`` cookie or a bearer token; 401/403 otherwise)
and asks Airflow's auth manager whether the user may read the cycle's DAG. Document links serve only
files inside the period's outbox (``board.outbox_file``); a draft's preview page (手机预览, ``preview``) opens
each document's preview in the browser, and nothing else. Bad requests get a 4xx page in Chinese, never
a traceback. The board reads the state database without locks, so it stays up while a run writes.

Registered through the ``airflow.plugins`` entry point of the installed package; a throwaway Airflow of
a source checkout (``airflow_local``) loads it from its plugins folder instead.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations (Airflow's
# ``GetUserDep``, imported inside ``create_app``) as objects, which a string annotation would hide.
import contextlib
import functools
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow.plugins_manager import AirflowPlugin

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .cycle import Cycle
    from .periods import Period
    from .preview import Preview

log = logging.getLogger(__name__)
URL_PREFIX = "/docgen"
NAME = "状态看板"
# An HTML preview is docgen's own autoescaped page; it may still run nothing and load nothing but its
# inline style and pictures.
PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


class _Refused(Exception):
    """A request the page answers with a status and a Chinese message (and the form to try again)."""

    def __init__(self, status: int, message: str, cycle: str = "", period: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.cycle, self.period = status, message, cycle, period


def _workspace() -> str:
    """The workspace the DAGs run on: ``DOCGEN_ROOT``, else the Airflow Variable of that name."""
    from airflow.models import Variable  # noqa: PLC0415

    from .schedule import workspace_root  # noqa: PLC0415

    return workspace_root(lambda key, default=None: Variable.get(key, default_var=default))


def _run_target(dag_id: str, run_id: str | None, root: str) -> tuple[str, str] | None:
    """(cycle, period) a DAG run reported on, as its tasks worked it out (its ``period`` param, else the
    period before it ran); None for a DAG that runs no cycle. Without the run, the period before now."""
    from . import cycles  # noqa: PLC0415
    from .pipeline import period_of  # noqa: PLC0415
    from .workspace import Workspace  # noqa: PLC0415

    declared = next((c for c in cycles.declared().values() if c.dag_id == dag_id), None)
    if declared is None:
        return None
    conf: dict[str, Any] = {}
    run_after = None
    if run_id:
        try:
            from airflow.models.dagrun import DagRun  # noqa: PLC0415
            from airflow.utils.session import create_session  # noqa: PLC0415
            from sqlalchemy import select  # noqa: PLC0415

            with create_session() as session:
                run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
                if run is not None:
                    conf, run_after = dict(run.conf or {}), run.run_after
        except Exception:  # noqa: BLE001 - the run's period is a convenience: fall back to the latest period
            log.warning("找不到 DAG 运行 %s/%s，看板显示上一期", dag_id, run_id, exc_info=True)
    given = conf.get("period") if isinstance(conf.get("period"), str) else None
    try:
        period = period_of(declared.name, given, run_after, Workspace(root).campaign)
    except ValueError:
        period = period_of(declared.name, None, run_after, Workspace(root).campaign)
    return declared.name, period.key


def _authorize(user: Any, dag_id: str) -> None:
    """Whether Airflow's auth manager lets ``user`` read the DAG that runs the cycle."""
    from airflow.api_fastapi.app import get_auth_manager  # noqa: PLC0415
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails  # noqa: PLC0415

    if not get_auth_manager().is_authorized_dag(method="GET", details=DagDetails(id=dag_id), user=user):
        raise _Refused(403, "您没有查看该周期（DAG）的权限，请联系 Airflow 管理员")


@functools.cache
def create_app() -> "FastAPI":
    """The board's FastAPI app (made once, on the first request the API server passes to the plugin)."""
    from airflow.api_fastapi.core_api.security import GetUserDep  # noqa: PLC0415
    from fastapi import FastAPI, Request  # noqa: PLC0415
    from fastapi.exceptions import HTTPException, RequestValidationError  # noqa: PLC0415
    from fastapi.responses import FileResponse, HTMLResponse  # noqa: PLC0415
    from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: PLC0415

    from . import cycles  # noqa: PLC0415
    from .board import (  # noqa: PLC0415
        BoardRequestError,
        board,
        cycle_and_period,
        declared_cycle,
        draft_info,
        known_periods,
        outbox_file,
    )
    from .board_page import render_page, render_preview  # noqa: PLC0415
    from .errors import DocgenError  # noqa: PLC0415
    from .pipeline import period_of  # noqa: PLC0415
    from .preview import NoDraft, draft_preview  # noqa: PLC0415
    from .workspace import Workspace  # noqa: PLC0415

    app = FastAPI(title="docgen 状态看板", docs_url=None, redoc_url=None, openapi_url=None)

    def page(status: int, message: str, cycle: str = "", period: str = "") -> HTMLResponse:
        first = next(iter(cycles.declared()))
        return HTMLResponse(render_page(None, cycle=cycle or first, period=period, periods=[], message=message),
                            status_code=status)

    @app.exception_handler(_Refused)
    def refused(_request: Request, exc: _Refused) -> HTMLResponse:
        return page(exc.status, exc.message, exc.cycle, exc.period)

    @app.exception_handler(StarletteHTTPException)
    def http_error(_request: Request, exc: HTTPException) -> HTMLResponse:
        if exc.status_code == 401:
            message = "请先登录 Airflow 再查看状态看板（登录已失效或未登录）"
        elif exc.status_code == 403:
            message = "登录凭据无效或没有权限，请重新登录 Airflow"
        elif exc.status_code == 404:
            message = "没有这个页面"
        else:
            message = "请求无法处理"
        return page(exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    def invalid(_request: Request, _exc: RequestValidationError) -> HTMLResponse:
        return page(400, "请求参数不正确，请在下方选择周期并填写期次")

    @app.exception_handler(Exception)
    def unexpected(_request: Request, _exc: Exception) -> HTMLResponse:
        log.exception("状态看板出错")
        return page(500, "状态看板暂时无法显示（内部错误，详情已记入 API 服务器日志），请稍后刷新")

    def workspace() -> str:
        try:
            return _workspace()
        except DocgenError as exc:
            raise _Refused(503, str(exc)) from exc

    @contextlib.contextmanager
    def told(cycle: str = "", period: str = "", missing: int = 400) -> Iterator[None]:
        """docgen's Chinese errors as the page's: the asker's mistake (``missing`` for a file that is
        not there) or the workspace's state (503), never a traceback."""
        try:
            yield
        except NoDraft as exc:
            raise _Refused(404, str(exc), cycle, period) from exc
        except BoardRequestError as exc:
            raise _Refused(missing, str(exc), cycle, period) from exc
        except DocgenError as exc:  # the workspace or its database
            raise _Refused(503, f"状态看板暂时无法显示：{exc}", cycle, period) from exc

    @app.get("/board", response_class=HTMLResponse)
    def show_board(user: GetUserDep, cycle: str = "", period: str = "", dag_id: str = "",
                   run_id: str = "") -> HTMLResponse:
        """The board of ``cycle`` and ``period`` (defaults: the first cycle, the period before now), or
        of the cycle and period a DAG run (``dag_id``, ``run_id``) reported on."""
        root = workspace()
        cycle, period = cycle.strip(), period.strip()
        with told(cycle, period):
            if dag_id and not cycle:
                target = _run_target(dag_id, run_id, root)
                if target is None:
                    raise _Refused(200, "这个 DAG 不属于任何报送周期，请在上方选择周期和期次")
                cycle, period = target
            declared = declared_cycle(cycle or next(iter(cycles.declared())))
        _authorize(user, declared.dag_id)
        with told(declared.name, period):
            period = period or period_of(declared.name, None, datetime.now(UTC), Workspace(root).campaign).key
            periods = known_periods(root, declared.name)
            shown = board(root, declared.name, period)
        return HTMLResponse(render_page(shown, cycle=declared.name, period=period, periods=periods,
                                        dag_link=f"../dags/{declared.dag_id}"))

    @app.get("/file/{cycle}/{period}/{path:path}")
    def download(user: GetUserDep, cycle: str, period: str, path: str) -> FileResponse:
        """A file of the period's outbox (an issued document or a draft's); nothing outside it."""
        root = workspace()
        with told(cycle, period):
            declared, _ = cycle_and_period(cycle, period, Workspace(root).campaign)
        _authorize(user, declared.dag_id)
        with told(cycle, period, missing=404):
            target = outbox_file(root, cycle, period, path)
        return FileResponse(target, filename=target.name)

    def previewed(user: Any, cycle: str, period: str, seq: int) -> tuple[str, "Cycle", "Period", "Preview"]:
        """(workspace, declared cycle, period, the draft's preview) for a user who may read the cycle; the
        preview is made on the first visit (LibreOffice may take a while) and reused after."""
        root = workspace()
        with told(cycle, period):
            declared, per = cycle_and_period(cycle, period, Workspace(root).campaign)
        _authorize(user, declared.dag_id)
        with told(declared.name, per.key, missing=404):
            return root, declared, per, draft_preview(root, declared.name, per.key, seq)

    @app.get("/preview/{cycle}/{period}/{seq}", response_class=HTMLResponse)
    def preview_page(user: GetUserDep, cycle: str, period: str, seq: int) -> HTMLResponse:
        """A draft's preview page (手机预览): what the reviewer signs, readable on a phone."""
        root, declared, per, made = previewed(user, cycle, period, seq)
        ws = Workspace(root)
        with told(declared.name, per.key, missing=404):
            info = draft_info(root, declared.name, per.key, seq)
        if info is None:  # the draft went away between the two reads: as if it never was
            raise _Refused(404, f"{declared.label} {per.label}没有第 {seq} 稿", declared.name, per.key)
        return HTMLResponse(render_preview(
            made, info, cycle=declared.name, period=per.key, label=f"{declared.label} · {per.label}",
            outbox=ws.outbox_dir(declared.name, per.key), timezone=ws.campaign.timezone))

    @app.get("/preview/{cycle}/{period}/{seq}/{name}")
    def preview_file(user: GetUserDep, cycle: str, period: str, seq: int, name: str) -> FileResponse:
        """One document's preview, opened in the browser (inline), never a file outside the preview."""
        _root, declared, per, made = previewed(user, cycle, period, seq)
        found = made.document(name)
        if found is None:
            raise _Refused(404, f"没有这个文件：{name}", declared.name, per.key)
        if found.kind == "pdf":
            return FileResponse(found.file, media_type="application/pdf", filename=found.name,
                                content_disposition_type="inline")
        return FileResponse(found.file, media_type="text/html; charset=utf-8", filename=found.name,
                            content_disposition_type="inline", headers={"Content-Security-Policy": PREVIEW_CSP})

    return app


class _Board:
    """The board as the API server mounts it: an ASGI app whose FastAPI app (``create_app``) is made on its
    first request, in a worker thread. Every Airflow process loads plugins and only the API server serves
    the board; its other requests are not held up while the board's modules import."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            import anyio.to_thread  # noqa: PLC0415 - the API server's own

            self.app = await anyio.to_thread.run_sync(create_app)
        await self.app(scope, receive, send)


class BoardPlugin(AirflowPlugin):
    """The status board: a page in the navigation and a tab of every DAG run."""

    name = "docgen_board"
    external_views = [  # noqa: RUF012 - Airflow reads these class attributes
        {"name": NAME, "href": "docgen/board", "url_route": "docgen-board", "destination": "nav",
         "nav_top_level": True},
        {"name": NAME, "href": "docgen/board?dag_id={DAG_ID}&run_id={RUN_ID}", "url_route": "docgen-board-run",
         "destination": "dag_run"},
    ]
    fastapi_apps = [{"app": _Board(), "url_prefix": URL_PREFIX, "name": "docgen 状态看板"}]  # noqa: RUF012
