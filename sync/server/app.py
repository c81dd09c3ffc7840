"""The server's HTTP API (FastAPI): `create_app(database_url)`.

Handlers are thin: they read and validate the body, authenticate, and hand a session to the
functions in `auth` and `push`, which hold the rules. Database work runs in the thread pool
because the ORM is synchronous; each call gets its own session and transaction.
"""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations at runtime.

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path as FolderPath
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from sync.protocol import (
    API_PREFIX,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    Health,
    PushRequest,
    PushResponse,
    SourceState,
)
from sync.server import migrate
from sync.server.auth import authenticate, enroll_device
from sync.server.body import field_path, read_model
from sync.server.db import make_engine, make_session_factory
from sync.server.errors import ApiError
from sync.server.models import Device
from sync.server.push import ingest_push, source_state

log = logging.getLogger("slate.server")

T = TypeVar("T")

# SQLSTATEs a retry clears: serialization failure, deadlock, lock not available.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}
RETRY_AFTER_SECONDS = 5


def create_app(
    database_url: str, *, run_migrations: bool = True, data_dir: FolderPath | None = None
) -> FastAPI:
    engine = make_engine(database_url)
    if run_migrations:
        migrate.upgrade(engine)
    sessions = make_session_factory(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Slate server",
        version=__version__,
        summary="Receives learning events from Slate laptops (see docs/sync-protocol.md).",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.sessions = sessions
    _install_error_handlers(app)
    app.include_router(router, prefix=API_PREFIX)
    # xAPI statements and Prometheus metrics (issue 5; docs/sync-protocol.md).
    from sync.server import metrics, xapi

    xapi.install(app)
    metrics.install(app)
    # Downstream (change log, course packages); imported here because it uses this module.
    from sync.server.downstream_api import router as downstream_router

    app.state.data_dir = data_dir  # published course packages live here
    app.include_router(downstream_router, prefix=API_PREFIX)
    return app


async def _in_session(request: Request, work: Callable[[Session], T]) -> T:
    sessions: sessionmaker[Session] = request.app.state.sessions

    def run() -> T:
        with sessions() as session:
            return work(session)

    return await run_in_threadpool(run)


async def current_device(request: Request) -> Device:
    authorization = request.headers.get("authorization")
    return await _in_session(request, lambda session: authenticate(session, authorization))


AuthenticatedDevice = Annotated[Device, Depends(current_device)]

_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 409, 413, 422, 503)
}

router = APIRouter()


@router.get("/health", response_model=Health)
async def health() -> Health:
    return Health(status="ok", server_time=datetime.now(UTC), version=__version__)


@router.post("/enroll", response_model=EnrollResponse, responses=_ERROR_RESPONSES)
async def enroll(request: Request) -> EnrollResponse:
    body = await read_model(request, EnrollRequest)
    return await _in_session(request, lambda session: enroll_device(session, body))


@router.get("/sources/{source_id}", response_model=SourceState, responses=_ERROR_RESPONSES)
async def get_source(
    request: Request,
    source_id: Annotated[str, Path(min_length=8, max_length=64)],
    device: AuthenticatedDevice,
) -> SourceState:
    return await _in_session(request, lambda session: source_state(session, device, source_id))


@router.post("/events", response_model=PushResponse, responses=_ERROR_RESPONSES)
async def push_events(request: Request, device: AuthenticatedDevice) -> PushResponse:
    # Authenticated before the body is read: an unknown caller cannot make us inflate 8 MB.
    body = await read_model(request, PushRequest)
    return await _in_session(request, lambda session: ingest_push(session, device, body))


def _error(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _error(exc.status, exc.body(), headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        detail = f"{field_path(tuple(first['loc']))}: {first['msg']}"
        return _error(422, ErrorBody(error="invalid_payload", detail=detail))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        code = codes.get(exc.status_code, f"http_{exc.status_code}")
        return _error(
            exc.status_code,
            ErrorBody(error=code, detail=str(exc.detail)),
            dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if isinstance(exc, OperationalError) or sqlstate in _RETRYABLE_SQLSTATES:
            # Locked SQLite file, PostgreSQL down or a lost lock race: nothing was committed,
            # and the same request will succeed later.
            log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
            return _error(
                503,
                ErrorBody(
                    error="server_busy", detail="the database is busy or unavailable; retry later"
                ),
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        log.exception("database error on %s %s", request.method, request.url.path)
        return _error(500, ErrorBody(error="internal_error", detail="internal server error"))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, ErrorBody(error="internal_error", detail="internal server error"))
