"""`GET /metrics`: the server's health in the Prometheus text format (prometheus-client).

Two kinds of figures:

* Counted by this process as requests pass (an ASGI middleware): push requests and their
  latency, events inserted and duplicates, errors by their protocol `error` code. With several
  worker processes, set `PROMETHEUS_MULTIPROC_DIR` to an empty folder before the server starts:
  prometheus-client then keeps these in files there and every worker answers with the sum.
* Read from the database at each scrape, so they hold for every process and for work done by
  the command line (`slate server import-bundle`): events stored, devices seen, bundles
  imported.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import API_PREFIX
from sync.server.models import BundleImport, Device, Event

PUSH_PATH = f"{API_PREFIX}/events"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_MAX_CAPTURE = 16 * 1024  # error and push answers are small JSON; never buffer more

PUSH_REQUESTS = Counter("slate_push_requests", "Push requests answered, by HTTP status", ["status"])
PUSH_SECONDS = Histogram(
    "slate_push_duration_seconds",
    "Time to answer a push (POST /api/v1/events), from request to the end of the answer",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
EVENTS_INGESTED = Counter(
    "slate_events_ingested", "Events inserted by pushes answered by this server"
)
EVENTS_DUPLICATE = Counter(
    "slate_events_duplicate", "Events pushed again that the server already had"
)
ERRORS = Counter("slate_errors", "Error answers, by the protocol's error code", ["code"])


class DatabaseCollector(Collector):
    """Figures read from the database when Prometheus scrapes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        day_ago = datetime.now(UTC) - timedelta(days=1)
        with self.sessions() as session:
            events = session.scalar(select(func.count()).select_from(Event)) or 0
            seen = session.scalar(
                select(func.count()).select_from(Device).where(Device.last_seen_at.is_not(None))
            )
            recent = session.scalar(
                select(func.count()).select_from(Device).where(Device.last_seen_at >= day_ago)
            )
            revoked = session.scalar(
                select(func.count()).select_from(Device).where(Device.revoked_at.is_not(None))
            )
            bundles = session.scalar(select(func.count()).select_from(BundleImport)) or 0
            bundle_events = session.scalar(select(func.sum(BundleImport.inserted))) or 0
            session.rollback()
        yield CounterMetricFamily("slate_events_stored", "Events in the database", value=events)
        devices = GaugeMetricFamily(
            "slate_devices", "Enrolled devices, by what the server has seen", labels=["state"]
        )
        devices.add_metric(["seen"], seen or 0)
        devices.add_metric(["seen_24h"], recent or 0)
        devices.add_metric(["revoked"], revoked or 0)
        yield devices
        yield CounterMetricFamily(
            "slate_bundle_imports", "USB bundles imported (first import of each)", value=bundles
        )
        yield CounterMetricFamily(
            "slate_bundle_events_inserted",
            "Events that arrived first through a USB bundle",
            value=bundle_events,
        )


class MetricsMiddleware:
    """Times pushes and counts outcomes from the answers themselves, so the handlers and the
    error handlers stay as they are."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_push = scope["path"] == PUSH_PATH and scope["method"] == "POST"
        started = time.perf_counter()
        status = 500
        captured = bytearray()

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif (
                message["type"] == "http.response.body"
                and (is_push or status >= 400)
                and len(captured) < _MAX_CAPTURE
            ):
                captured.extend(message.get("body", b"")[: _MAX_CAPTURE - len(captured)])
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            if is_push:
                PUSH_SECONDS.observe(time.perf_counter() - started)
                PUSH_REQUESTS.labels(str(status)).inc()
            _count_answer(is_push, status, bytes(captured))


def _count_answer(is_push: bool, status: int, body: bytes) -> None:
    if status < 400 and not is_push:
        return
    try:
        answer: Any = json.loads(body) if body else {}
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if status >= 400:
        code = answer.get("error")
        ERRORS.labels(code if isinstance(code, str) and len(code) <= 40 else f"http_{status}").inc()
    elif is_push:
        EVENTS_INGESTED.inc(_count(answer.get("inserted")))
        EVENTS_DUPLICATE.inc(_count(answer.get("duplicates")))


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def registry_for(sessions: sessionmaker[Session]) -> CollectorRegistry:
    """What /metrics shows: this process's counters (or, in multiprocess mode, every worker's
    from the shared folder) and the database's figures."""
    registry = CollectorRegistry(auto_describe=True)
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (PUSH_REQUESTS, PUSH_SECONDS, EVENTS_INGESTED, EVENTS_DUPLICATE, ERRORS):
            registry.register(metric)
    registry.register(DatabaseCollector(sessions))
    return registry


def install(app: Any) -> None:
    """Serve /metrics on a Starlette/FastAPI `app` and count what passes through it."""
    registry = registry_for(app.state.sessions)

    async def metrics(_request: Request) -> Response:
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.router.routes.append(Route("/metrics", metrics, methods=["GET"]))
    app.add_middleware(MetricsMiddleware)
