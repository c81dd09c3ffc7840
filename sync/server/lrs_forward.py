"""Forwarding the stored events, as xAPI statements, to an external LRS.

`slate server --forward-lrs URL` runs `LrsForwarder` in a background thread of the server
process. Exactly once by statement id, with the receiver owning nothing we must trust:

* The mark is per (LRS endpoint, source): every event of the source with seq <= the mark was
  answered 200/204 by that LRS. It is committed only after the LRS has answered.
* A source's events up to its `acked_through` are all committed (ingest_push commits the events
  and the mark in one transaction), so reading (mark, acked_through] of each source can never
  skip an event committed late, on SQLite or PostgreSQL, whatever the order of commits.
* A crash between the LRS's answer and our commit resends that batch; the LRS keeps one
  statement per id (xAPI: a statement id is unique; a repeat with the same content is not an
  error), so the LRS still holds each statement once.

Failures (no connection, 5xx, 429, a refusal) leave the marks where they were and are retried
with jittered exponential backoff. A 409 for a batch (the LRS holds another statement under
one of its ids) is resolved by sending that batch's statements one by one with PUT; a statement
the LRS still refuses with 409 is logged and counted, and passed: it is the LRS's to keep.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from sync.server.models import Event, LrsForwardMark, Source
from sync.server.xapi import XAPI_VERSION, XapiSettings, statement

log = logging.getLogger("slate.server.lrs")

DEFAULT_BATCH = 200
IDLE_WAIT_S = 5.0
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 300.0
ENV_USER = "SLATE_LRS_USER"
ENV_PASSWORD = "SLATE_LRS_PASSWORD"


class LrsError(Exception):
    """The LRS did not take a batch; nothing was marked."""


@dataclass(frozen=True)
class LrsTarget:
    endpoint: str  # the LRS's xAPI base, e.g. https://lrs.example.org/xapi
    user: str | None = None
    password: str | None = None

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements"

    @property
    def key(self) -> str:
        """What the marks are kept under: another LRS starts from the beginning."""
        return self.endpoint.rstrip("/")[:500]


@dataclass(frozen=True)
class ForwardRound:
    sent: int  # statements the LRS took in this round
    conflicts: int  # statements the LRS refused with 409 one by one (passed over)


@dataclass(frozen=True)
class _Planned:
    source_id: str
    old_mark: int
    new_mark: int


def _plan(session: Session, target: LrsTarget, limit: int) -> tuple[list[Event], list[_Planned]]:
    """Up to `limit` events not yet forwarded, oldest sources first, and the marks they move."""
    mark = func.coalesce(LrsForwardMark.forwarded_through, 0)
    behind = session.execute(
        select(Source.source_id, Source.acked_through, mark)
        .outerjoin(
            LrsForwardMark,
            and_(
                LrsForwardMark.source_id == Source.source_id,
                LrsForwardMark.endpoint == target.key,
            ),
        )
        .where(Source.acked_through > mark)
        .order_by(Source.updated_at, Source.source_id)
    ).all()
    events: list[Event] = []
    plans: list[_Planned] = []
    for source_id, acked, forwarded in behind:
        room = limit - len(events)
        if room <= 0:
            break
        rows = list(
            session.scalars(
                select(Event)
                .where(Event.source_id == source_id, Event.seq > forwarded, Event.seq <= acked)
                .order_by(Event.seq)
                .limit(room)
            )
        )
        events += rows
        # All of (forwarded, acked] was read unless the batch filled up: seqs with no row (an
        # event first stored under another source) are passed with the rest.
        new_mark = rows[-1].seq if len(rows) == room else acked
        plans.append(_Planned(source_id, forwarded, new_mark))
    return events, plans


def _commit_marks(session: Session, target: LrsTarget, plans: list[_Planned]) -> None:
    now = datetime.now(UTC)
    for plan in plans:
        row = session.get(LrsForwardMark, (target.key, plan.source_id))
        if row is None:
            session.add(
                LrsForwardMark(
                    endpoint=target.key,
                    source_id=plan.source_id,
                    forwarded_through=plan.new_mark,
                    updated_at=now,
                )
            )
        else:
            # Never backwards, should two forwarders ever run at once.
            session.execute(
                update(LrsForwardMark)
                .where(
                    LrsForwardMark.endpoint == target.key,
                    LrsForwardMark.source_id == plan.source_id,
                    LrsForwardMark.forwarded_through < plan.new_mark,
                )
                .values(forwarded_through=plan.new_mark, updated_at=now)
            )
    session.commit()


def forward_once(
    sessions: sessionmaker[Session],
    target: LrsTarget,
    settings: XapiSettings,
    http: httpx.Client,
    *,
    batch_size: int = DEFAULT_BATCH,
) -> ForwardRound:
    """Send one batch of statements not yet forwarded; raises `LrsError` (nothing marked) if
    the LRS did not take it. Returns what was sent: 0 when everything is forwarded."""
    with sessions() as session:
        events, plans = _plan(session, target, batch_size)
        statements = [statement(event, settings) for event in events]
        session.rollback()  # a read: end it before waiting on the network
    if not plans:
        return ForwardRound(0, 0)
    conflicts = 0
    if statements:
        conflicts = _post(http, target, statements)
    with sessions() as session:
        _commit_marks(session, target, plans)
    return ForwardRound(len(statements) - conflicts, conflicts)


def _post(http: httpx.Client, target: LrsTarget, statements: list[dict[str, Any]]) -> int:
    response = _send(http, "POST", target.statements_url, statements)
    if response.status_code in (200, 204):
        return 0
    if response.status_code != 409:
        raise _refused(response)
    conflicts = 0
    for one in statements:  # find the statement the LRS holds differently; keep the rest
        single = _send(http, "PUT", target.statements_url, one, params={"statementId": one["id"]})
        if single.status_code == 409:
            conflicts += 1
            log.error("the LRS holds another statement with id %s; passed over", one["id"])
        elif single.status_code not in (200, 204):
            raise _refused(single)
    return conflicts


def _send(
    http: httpx.Client, method: str, url: str, body: Any, params: dict[str, str] | None = None
) -> httpx.Response:
    try:
        return http.request(
            method,
            url,
            json=body,
            params=params,
            headers={"X-Experience-API-Version": XAPI_VERSION},
        )
    except httpx.HTTPError as exc:
        raise LrsError(f"the LRS at {url} is not reachable ({type(exc).__name__})") from exc


def _refused(response: httpx.Response) -> LrsError:
    text = " ".join(response.text.split())[:200]
    return LrsError(f"the LRS answered {response.status_code}: {text}")


class LrsForwarder:
    """Forwards in a background thread until stopped: batches while there is something to
    send, a short wait when there is not, jittered exponential backoff after a failure."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        target: LrsTarget,
        settings: XapiSettings,
        *,
        batch_size: int = DEFAULT_BATCH,
        idle_wait_s: float = IDLE_WAIT_S,
        on_round: Callable[[ForwardRound | LrsError], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.target = target
        self.settings = settings
        self.batch_size = batch_size
        self.idle_wait_s = idle_wait_s
        self.on_round = on_round
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slate-lrs-forwarder", daemon=True)
        auth = (target.user, target.password or "") if target.user else None
        self._http = httpx.Client(auth=auth, timeout=httpx.Timeout(30.0, connect=10.0))

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        self._http.close()

    def _run(self) -> None:
        backoff = FIRST_BACKOFF_S
        while not self._stop.is_set():
            try:
                result: ForwardRound | LrsError = forward_once(
                    self.sessions,
                    self.target,
                    self.settings,
                    self._http,
                    batch_size=self.batch_size,
                )
            except LrsError as exc:
                result = exc
            except Exception as exc:  # a database hiccup: the marks are intact, try again
                log.exception("LRS forwarding failed")
                result = LrsError(str(exc))
            if self.on_round is not None:
                self.on_round(result)
            if isinstance(result, LrsError):
                log.warning("%s; retrying in about %.0f s", result, backoff)
                self._stop.wait(backoff * random.uniform(0.5, 1.0))
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = FIRST_BACKOFF_S
            if result.sent == 0 and result.conflicts == 0:
                self._stop.wait(self.idle_wait_s)


def start_for_app(app: Any, endpoint: str, user: str | None, password: str | None) -> LrsForwarder:
    """Start forwarding from a running server app's database (`slate server --forward-lrs`)."""
    import os

    target = LrsTarget(
        endpoint,
        user or os.environ.get(ENV_USER) or None,
        password or os.environ.get(ENV_PASSWORD) or None,
    )
    forwarder = LrsForwarder(app.state.sessions, target, app.state.xapi_settings)
    forwarder.start()
    log.info("forwarding xAPI statements to %s", target.statements_url)
    return forwarder


def check_endpoint(endpoint: str) -> str | None:
    """What is wrong with a --forward-lrs URL, if anything."""
    try:
        url = httpx.URL(endpoint)
    except (httpx.InvalidURL, ValueError):
        return f"--forward-lrs {endpoint!r} is not a URL"
    if url.scheme not in ("http", "https") or not url.host:
        return f"--forward-lrs {endpoint!r}: give the LRS's xAPI address, http(s)://HOST/PATH"
    return None
