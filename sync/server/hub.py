"""The classroom hub: a teacher laptop that is a server for its students and a client upstream.

`slate server --hub --upstream URL --enroll-code CODE` runs the ordinary server (students push
to it exactly as to the district, and its `ingest_push` gives the same guarantees), plus a
`HubForwarder` thread that pushes every stored event on to the district whenever it answers.

Exactly once end to end, with no new rule: the forwarder sends each student source's events
under the SAME `source_id`, `seq` and event `id` that the laptop gave them, so the district
applies its usual per-source mark and duplicate-by-id checks to them, and the hub is just
another sender that can be repeated any number of times. The district owns the mark: before a
source's first forward after start the forwarder asks `GET /sources/{id}` and sends from there,
so a district restored from backup is refilled; `hub_forward_marks` remembers the last answer,
so a round only asks about sources with something new. Upstream the sources belong to the hub's
own device (enrolled with CODE, school scoped). The laptop's clock offset was measured against
the hub, so the hub adds its own offset to the district before forwarding.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from sync.protocol import API_PREFIX, EnrollResponse, Health, PushResponse, SourceState
from sync.server.auth import format_enrollment_code
from sync.server.models import Event, HubForwardMark, HubUpstream, School, Source

log = logging.getLogger("slate.hub")

HUB_ROW = 1
DEFAULT_INTERVAL_S = 10.0
MAX_BACKOFF_S = 300.0
BACKOFF_INTERVALS = 10
FORWARD_BATCH = 250


class ForwardError(Exception):
    """A forward round stopped early; `offline` when the district did not answer at all."""

    def __init__(self, message: str, *, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


@dataclass(frozen=True)
class ForwardReport:
    sources: int  # sources with something sent or checked this round
    forwarded: int  # events the district newly acknowledged this round
    pending: int  # events the hub holds that the district has not acknowledged
    clock_offset_ms: int


def setup_hub(session: Session, upstream_url: str, enrollment_code: str) -> str:
    """Make the hub's local school (students enroll at the hub with the same code as at the
    district) and remember the upstream; returns the local school's id. Commits."""
    code = format_enrollment_code(enrollment_code)
    school = session.scalar(select(School).where(School.enrollment_code == code))
    if school is None:
        school = School(id=str(uuid.uuid4()), name="Classroom hub", enrollment_code=code)
        session.add(school)
    row = session.get(HubUpstream, HUB_ROW)
    if row is None:
        session.add(HubUpstream(id=HUB_ROW, url=upstream_url))
    elif row.url != upstream_url:
        # Another district: its credentials and marks mean nothing there.
        row.url, row.device_id, row.token, row.school_name = upstream_url, None, None, None
        row.enrolled_at = None
        for mark in session.scalars(select(HubForwardMark)):
            session.delete(mark)
    session.commit()
    return school.id


class HubForwarder:
    """Pushes the hub's stored events to the district, source by source."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        upstream_url: str,
        enrollment_code: str,
        *,
        batch_size: int = FORWARD_BATCH,
        timeout_s: float = 15.0,
    ) -> None:
        self.sessions = sessions
        self.upstream_url = upstream_url.rstrip("/")
        self.enrollment_code = enrollment_code
        self.batch_size = batch_size
        self._checked_all = False
        self._http = httpx.Client(
            base_url=self.upstream_url + API_PREFIX,
            timeout=httpx.Timeout(timeout_s, connect=5.0),
            headers={"User-Agent": f"slate-hub/{__version__}"},
        )

    def close(self) -> None:
        self._http.close()

    # -- one round ---------------------------------------------------------------------------

    def forward_round(self) -> ForwardReport:
        """Enroll if needed, then bring every source up to date upstream."""
        try:
            return self._round()
        except ForwardError as exc:
            self._note(error=str(exc))
            raise

    def _round(self) -> ForwardReport:
        headers = self._credentials()
        offset = self._clock_offset()
        with self.sessions() as session:
            behind = self._sources_to_check(session)
        forwarded = 0
        for source_id, hub_acked in behind:
            forwarded += self._forward_source(source_id, hub_acked, headers, offset)
        self._checked_all = True
        self._note(error=None)
        with self.sessions() as session:
            pending = self._pending(session)
        return ForwardReport(len(behind), forwarded, pending, offset)

    def _sources_to_check(self, session: Session) -> list[tuple[str, int]]:
        marks = {m.source_id: m.forwarded_through for m in session.scalars(select(HubForwardMark))}
        rows = session.execute(
            select(Source.source_id, Source.acked_through).where(Source.acked_through > 0)
        ).tuples()
        return [
            (source_id, acked)
            for source_id, acked in rows
            # After a start the district's word is taken for every source (it may have been
            # restored from a backup); afterwards only sources with news are asked about.
            if not self._checked_all or marks.get(source_id, 0) < acked
        ]

    def _pending(self, session: Session) -> int:
        marks = {m.source_id: m.forwarded_through for m in session.scalars(select(HubForwardMark))}
        rows = session.execute(select(Source.source_id, Source.acked_through)).tuples()
        return sum(max(0, acked - marks.get(source_id, 0)) for source_id, acked in rows)

    def _forward_source(
        self, source_id: str, hub_acked: int, headers: dict[str, str], offset: int
    ) -> int:
        state = SourceState.model_validate(
            self._call("GET", f"/sources/{source_id}", headers=headers).json()
        )
        upstream = state.acked_through
        self._store_mark(source_id, upstream)
        sent = 0
        while upstream < hub_acked:
            with self.sessions() as session:
                batch = session.scalars(
                    select(Event)
                    .where(
                        Event.source_id == source_id,
                        Event.seq > upstream,
                        Event.seq <= hub_acked,
                    )
                    .order_by(Event.seq)
                    .limit(self.batch_size)
                ).all()
                body = {"source_id": source_id, "events": [_as_sent(e, offset) for e in batch]}
            response = self._call(
                "POST",
                "/events",
                content=gzip.compress(json.dumps(body).encode(), compresslevel=6),
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                },
            )
            acked = PushResponse.model_validate(response.json()).acked_through
            if acked <= upstream:
                raise ForwardError(
                    f"the district took none of source {source_id}'s events after seq {upstream}"
                )
            sent += acked - upstream
            upstream = acked
            self._store_mark(source_id, upstream)
        return sent

    # -- upstream plumbing -------------------------------------------------------------------

    def _credentials(self) -> dict[str, str]:
        with self.sessions() as session:
            row = session.get(HubUpstream, HUB_ROW)
            token = row.token if row else None
        if token is None:
            name = f"Classroom hub {socket.gethostname() or ''}".strip()[:120]
            response = self._call(
                "POST",
                "/enroll",
                json={"enrollment_code": self.enrollment_code, "device_name": name},
            )
            enrolled = EnrollResponse.model_validate(response.json())
            with self.sessions() as session:
                row = session.get(HubUpstream, HUB_ROW)
                if row is None:
                    row = HubUpstream(id=HUB_ROW, url=self.upstream_url)
                    session.add(row)
                row.device_id, row.token = enrolled.device_id, enrolled.token
                row.school_name, row.enrolled_at = enrolled.school_name, datetime.now(UTC)
                session.commit()
            token = enrolled.token
            log.info("hub enrolled upstream as device %s", enrolled.device_id)
        return {"Authorization": f"Bearer {token}"}

    def _clock_offset(self) -> int:
        sent = time.time()
        health = Health.model_validate(self._call("GET", "/health").json())
        midpoint = (sent + time.time()) / 2
        return round((health.server_time.timestamp() - midpoint) * 1000)

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ForwardError(
                f"the district server {self.upstream_url} is not reachable ({type(exc).__name__})",
                offline=True,
            ) from exc
        if response.status_code == 401:
            # Revoked or forgotten upstream: enroll again next round.
            with self.sessions() as session:
                row = session.get(HubUpstream, HUB_ROW)
                if row is not None:
                    row.token = None
                    session.commit()
            raise ForwardError("the district refused the hub's token; enrolling again")
        if response.status_code >= 400:
            try:
                body = response.json()
                reason = f"{body.get('error')}: {body.get('detail')}"
            except ValueError:
                reason = response.text[:200]
            raise ForwardError(f"the district answered {response.status_code} ({reason})")
        return response

    def _store_mark(self, source_id: str, forwarded_through: int) -> None:
        with self.sessions() as session:
            mark = session.get(HubForwardMark, source_id)
            if mark is None:
                session.add(HubForwardMark(source_id=source_id, forwarded_through=0))
                mark = session.get(HubForwardMark, source_id)
            assert mark is not None
            mark.forwarded_through = forwarded_through
            mark.updated_at = datetime.now(UTC)
            session.commit()

    def _note(self, *, error: str | None) -> None:
        with self.sessions() as session:
            row = session.get(HubUpstream, HUB_ROW)
            if row is not None:
                row.last_error = error[:500] if error else None
                if error is None:
                    row.last_forward_at = datetime.now(UTC)
                session.commit()

    # -- the background loop -----------------------------------------------------------------

    def run(
        self,
        stop: threading.Event,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        on_round: Callable[[ForwardReport | ForwardError], None] | None = None,
    ) -> None:
        """Forward every `interval_s` until `stop` is set; back off (jittered, doubling up to
        BACKOFF_INTERVALS intervals, at most MAX_BACKOFF_S) while the district does not answer."""
        longest = max(interval_s, min(MAX_BACKOFF_S, interval_s * BACKOFF_INTERVALS))
        delay = interval_s
        while not stop.is_set():
            outcome: ForwardReport | ForwardError
            try:
                outcome = self.forward_round()
                delay = interval_s
            except ForwardError as exc:
                outcome = exc
                log.warning("hub forward: %s", exc)
                delay = min(longest, delay * 2)
            except Exception:  # a bug or a database problem: keep the hub serving students
                log.exception("hub forward failed")
                outcome = ForwardError("internal error while forwarding")
                delay = min(longest, delay * 2)
            if on_round is not None:
                on_round(outcome)
            stop.wait(delay * random.uniform(0.8, 1.2))


def start_forwarder(forwarder: HubForwarder, *, interval_s: float) -> Callable[[], None]:
    """Run `forwarder` on a daemon thread; returns the function that stops it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=forwarder.run,
        args=(stop,),
        kwargs={"interval_s": interval_s},
        daemon=True,
        name="slate-hub-forwarder",
    )
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(timeout=30)
        forwarder.close()

    return halt


def _as_sent(event: Event, hub_offset_ms: int) -> dict[str, Any]:
    # The laptop's offset is to the hub's clock; plus the hub's own offset it is to the
    # district's, which is what an event's clock_offset_ms means there.
    offset = event.clock_offset_ms
    return {
        "id": event.id,
        "seq": event.seq,
        "user_id": event.user_id,
        "user_name": event.user_name,
        "verb": event.verb,
        "object_id": event.object_id,
        "course_id": event.course_id,
        "course_version": event.course_version,
        "result": event.result,
        "context": event.context,
        "occurred_at": event.occurred_at.isoformat(),
        "clock_offset_ms": None if offset is None else offset + hub_offset_ms,
    }


def check_upstream_url(text: str) -> str:
    """`host:port` or an http(s) URL, without a trailing slash; ValueError saying what is wrong."""
    url = text.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host or " " in url:
        raise ValueError(
            f"--upstream {text!r} is not a server address: use http://HOST:PORT of the district "
            "server (for example http://district.example.org:8765)"
        )
    return url


class HubRuntime:
    """What `--hub` adds to a running server: the forwarder thread and, once the port is known,
    the `_slate._tcp` advertisement on the LAN."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        upstream_url: str,
        enrollment_code: str,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        advertise_as: str | None = None,
    ) -> None:
        with sessions() as session:
            setup_hub(session, upstream_url, enrollment_code)
        self.advertise_as = advertise_as
        self._advertisement: Any = None
        self._stop_forwarder = start_forwarder(
            HubForwarder(sessions, upstream_url, enrollment_code), interval_s=interval_s
        )

    def listening(self, host: str, port: int) -> None:
        """Advertise the hub on the LAN (unless told not to); a network without multicast only
        costs the students the discovery: they can still type the address."""
        if self.advertise_as is None:
            return
        from sync.discovery import Advertisement, lan_addresses

        if host in ("0.0.0.0", "", "::"):
            addresses, interfaces = lan_addresses(), None
        elif host in ("127.0.0.1", "localhost"):
            addresses, interfaces = ["127.0.0.1"], ["127.0.0.1"]
        else:
            addresses, interfaces = [host], [host]
        try:
            self._advertisement = Advertisement(
                self.advertise_as, port, addresses, interfaces=interfaces
            )
        except Exception as exc:  # zeroconf raises OSError and its own errors alike
            log.warning(
                "could not advertise the hub on the LAN (%s); students can type "
                "its address instead",
                exc,
            )
            return
        log.info("advertising %r on %s port %d", self.advertise_as, addresses, port)

    def stop(self) -> None:
        if self._advertisement is not None:
            self._advertisement.close()
            self._advertisement = None
        self._stop_forwarder()


def default_hub_name() -> str:
    return f"Classroom hub on {(socket.gethostname() or 'teacher laptop').split('.')[0]}"
