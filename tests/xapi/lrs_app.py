"""A small LRS on loopback for forwarding tests: it keeps statements by id as the xAPI spec
asks (a repeat with the same content is accepted, a different one is 409), records every
request, and fails on demand."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.server_process import free_port


@dataclass
class LrsLog:
    user: str
    password: str
    statements: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, int, int]] = field(default_factory=list)  # method, status, count
    repeats: int = 0  # statements received again with the same id and content
    fail_next: list[int] = field(default_factory=list)  # statuses to answer, then normal
    store_then_fail: int = 0  # store the batch, then answer 500 (a lost reply)
    lock: threading.Lock = field(default_factory=threading.Lock)


def make_app(log: LrsLog) -> Starlette:
    def authorised(request: Request) -> bool:
        expected = base64.b64encode(f"{log.user}:{log.password}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def statements(request: Request) -> Response:
        body = await request.json()
        batch = body if isinstance(body, list) else [body]
        with log.lock:
            status = _answer(request, batch)
            log.requests.append((request.method, status, len(batch)))
        if status == 200:
            return JSONResponse([s["id"] for s in batch])
        return Response(status_code=status)

    def _answer(request: Request, batch: list[dict[str, Any]]) -> int:
        if not authorised(request):
            return 401
        if request.headers.get("x-experience-api-version") != "1.0.3":
            return 400
        if log.fail_next:
            return log.fail_next.pop(0)
        if any(s["id"] in log.statements and log.statements[s["id"]] != s for s in batch):
            return 409
        for s in batch:
            if s["id"] in log.statements:
                log.repeats += 1
            log.statements[s["id"]] = s
        if log.store_then_fail:
            log.store_then_fail -= 1
            return 500
        return 200 if request.method == "POST" else 204

    return Starlette(routes=[Route("/xapi/statements", statements, methods=["POST", "PUT"])])


@contextmanager
def running_lrs(user: str = "slate", password: str = "s3cret") -> Iterator[tuple[str, LrsLog]]:
    """The LRS served by uvicorn in a thread; yields (its xAPI base URL, its log)."""
    log = LrsLog(user, password)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(make_app(log), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test LRS did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/xapi", log
    finally:
        server.should_exit = True
        thread.join(10)
