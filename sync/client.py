"""The laptop side of sync: enroll, then push the outbox to the server in batches.

Every request can be repeated safely: the server drops duplicates by event id and answers the
mark it has durably stored, which is the only thing the laptop records.
"""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Self

import httpx

from app import __version__, outbox
from app.db.store import Store
from app.identity import DEVICE_ID, DEVICE_TOKEN, SCHOOL_NAME, SERVER_URL, get_meta, set_meta
from sync.protocol import API_PREFIX, EnrollResponse, Health, PushResponse, SourceState

DEFAULT_BATCH = 250
MAX_DEVICE_NAME = 120
USER_AGENT = f"slate/{__version__}"


class SyncError(Exception):
    """Sync did not complete. `retryable` says whether trying again later can help."""

    def __init__(
        self, message: str, *, retryable: bool = True, offline: bool = False, code: str = ""
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.offline = offline
        self.code = code


@dataclass(frozen=True)
class SyncReport:
    server: str
    pushed: int
    acked_through: int
    pending: int
    local_total: int
    clock_offset_ms: int | None
    finished_at: datetime


# progress(sent, total_pending_at_start)
PushProgress = Callable[[int, int], None]


def normalise_url(url: str) -> str:
    """`host:port` or a full http(s) URL, without a trailing slash; SyncError if it is neither."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    parsed = httpx.URL(url) if _looks_like_url(url) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise SyncError(
            f"{url!r} is not a server address: use http://HOST:PORT (for example "
            f"http://school-server:8765)",
            retryable=False,
        )
    return url


def _looks_like_url(url: str) -> bool:
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return False
    return " " not in url


class ServerConnection:
    """One store's HTTP client for the API of its server: `server_url`, else the one saved."""

    def __init__(self, store: Store, server_url: str | None, *, timeout_s: float) -> None:
        self.store = store
        with store.read() as session:
            saved = get_meta(session, SERVER_URL)
        url = server_url or saved
        if not url:
            raise SyncError("No server is set. Choose one in Settings.", retryable=False)
        self.server_url = normalise_url(url)
        self._http = httpx.Client(
            base_url=self.server_url + API_PREFIX,
            timeout=httpx.Timeout(timeout_s, connect=5.0),
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class OutboxPusher(ServerConnection):
    """Pushes one store's pending events to one server."""

    def __init__(
        self,
        store: Store,
        server_url: str | None = None,
        *,
        batch_size: int = DEFAULT_BATCH,
        timeout_s: float = 15.0,
    ) -> None:
        super().__init__(store, server_url, timeout_s=timeout_s)
        self.batch_size = batch_size

    # -- requests ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise SyncError(f"Server not reachable ({type(exc).__name__})", offline=True) from exc
        if response.status_code >= 400:
            raise _error_from(response)
        return response

    def _auth(self) -> dict[str, str]:
        with self.store.read() as session:
            token = get_meta(session, DEVICE_TOKEN)
            enrolled_at = get_meta(session, SERVER_URL)
        if not token or normalise_url(enrolled_at or "") != self.server_url:
            raise SyncError(
                "This computer is not enrolled with the server yet: enter the school's "
                "enrollment code (Sync > Settings in the app, or --enroll-code).",
                retryable=False,
            )
        return {"Authorization": f"Bearer {token}"}

    def health(self) -> int:
        """Checks the server answers; returns the clock offset (server - laptop) in ms."""
        sent = time.time()
        try:
            response = self._request("GET", "/health")
            received = time.time()
            server_time = Health.model_validate(response.json()).server_time
        except (SyncError, ValueError) as exc:
            if isinstance(exc, SyncError) and (exc.offline or exc.code):
                raise
            raise SyncError(f"{self.server_url} does not answer like a Slate server.") from None
        midpoint = (sent + received) / 2
        return round((server_time.timestamp() - midpoint) * 1000)

    def is_enrolled(self) -> bool:
        try:
            self._auth()
        except SyncError:
            return False
        return True

    def enroll(self, code: str, device_name: str | None = None) -> EnrollResponse:
        name = " ".join((device_name or socket.gethostname() or "laptop").split())
        if len(name) > MAX_DEVICE_NAME:
            raise SyncError(
                f"The device name is too long (at most {MAX_DEVICE_NAME} characters).",
                retryable=False,
            )
        response = self._request(
            "POST", "/enroll", json={"enrollment_code": code.strip(), "device_name": name}
        )
        enrolled = EnrollResponse.model_validate(response.json())
        with self.store.write() as session:
            set_meta(session, SERVER_URL, self.server_url)
            set_meta(session, DEVICE_ID, enrolled.device_id)
            set_meta(session, DEVICE_TOKEN, enrolled.token)
            set_meta(session, SCHOOL_NAME, enrolled.school_name)
        return enrolled

    def _resume_mark(self, headers: dict[str, str]) -> None:
        """Take the server's mark for our source; it is the receiver's to own.

        Behind ours: the server was restored from a backup, so we resend from its mark. Beyond
        our newest event, or naming another event at its mark: this store was restored or
        copied and its sequence numbers clash with what the server has, so a new source epoch
        is started (app.outbox.rotate_source).
        """
        with self.store.read() as session:
            counts = outbox.counts(session)
            newest = outbox.max_seq(session)
        try:
            state = SourceState.model_validate(
                self._request("GET", f"/sources/{counts.source_id}", headers=headers).json()
            )
        except SyncError as exc:
            if exc.code != "source_owned_by_other_device":
                raise
            # This source reached the server through another sender (a classroom hub forwards
            # under its own device), so here it is not ours to extend: go on under a new
            # source; the server keeps what it already has by event id.
            with self.store.write() as session:
                outbox.rotate_source(session)
            return
        with self.store.write() as session:
            mine = (
                outbox.local_event_id(session, state.acked_through) if state.acked_through else None
            )
            if state.acked_through > newest or (
                state.acked_through and state.hwm_event_id and mine != state.hwm_event_id
            ):
                outbox.rotate_source(session)
            elif state.acked_through != counts.acked_through:
                outbox.set_acked_through(session, state.acked_through)

    def push(self, progress: PushProgress | None = None) -> SyncReport:
        """One full round: health, resume from the server's mark, push until nothing is pending."""
        try:
            return self._push(progress)
        except SyncError as exc:
            if exc.code == "unauthorized":
                # The server revoked or forgot this device: forget the token, so that the next
                # enrollment code typed in is used instead of being ignored.
                with self.store.write() as session:
                    set_meta(session, DEVICE_TOKEN, None)
                    set_meta(session, SCHOOL_NAME, None)
            raise

    def _push(self, progress: PushProgress | None) -> SyncReport:
        headers = self._auth()
        offset = self.health()
        with self.store.write() as session:
            outbox.record_clock_offset(session, offset)
        self._resume_mark(headers)
        with self.store.read() as session:
            start_pending = outbox.counts(session).pending
        pushed = 0
        acked = 0
        rotated = False
        while True:
            with self.store.read() as session:
                source_id, batch = outbox.pending_batch(session, self.batch_size)
            if not batch:
                break
            body = gzip.compress(
                json.dumps({"source_id": source_id, "events": batch}).encode(), compresslevel=6
            )
            try:
                response = self._request(
                    "POST",
                    "/events",
                    content=body,
                    headers={
                        **headers,
                        "Content-Type": "application/json",
                        "Content-Encoding": "gzip",
                    },
                )
                result = PushResponse.model_validate(response.json())
            except SyncError as exc:
                if exc.code not in ("seq_conflict", "source_owned_by_other_device") or rotated:
                    raise
                # An acknowledged seq holds another event on the server: this store was
                # restored or copied (or, for a source owned by another device, a hub forwarded
                # it first). Start a new source epoch and offer everything again.
                with self.store.write() as session:
                    outbox.rotate_source(session)
                rotated = True
                continue
            with self.store.write() as session:
                outbox.record_ack(session, source_id, result.acked_through, clock_offset_ms=offset)
            if result.acked_through < batch[0]["seq"]:
                raise SyncError("The server accepted none of the batch; will retry.")
            pushed += sum(1 for e in batch if e["seq"] <= result.acked_through)
            acked = result.acked_through
            if progress:
                progress(pushed, start_pending)
        with self.store.write() as session:
            # Also stamps last_sync_at when there was nothing to send: "synced just now".
            outbox.record_ack(session, source_id, acked, clock_offset_ms=offset)
            final = outbox.counts(session)
        return SyncReport(
            self.server_url,
            pushed,
            final.acked_through,
            final.pending,
            final.local_total,
            offset,
            datetime.now(UTC),
        )


def _error_from(response: httpx.Response) -> SyncError:
    status = response.status_code
    try:
        body = response.json()
        detail = " ".join(str(body.get("detail") or body.get("error") or "").split())[:200]
        code = str(body.get("error", ""))
    except (ValueError, AttributeError):
        body, detail, code = None, "", ""
    if not code:
        # Not one of our error bodies: a proxy, a captive portal or another program's port.
        return SyncError(
            f"{response.url.scheme}://{response.url.netloc.decode()} does not answer like a "
            f"Slate server (HTTP {status}).",
            retryable=status >= 500,
        )
    if status == 401:
        return SyncError(
            "The server does not accept this computer any more (unknown or revoked): enroll it "
            "again with the school's enrollment code.",
            retryable=False,
            code="unauthorized",
        )
    if status == 403 and code == "bad_enrollment_code":
        return SyncError("The enrollment code was not accepted.", retryable=False)
    if status in (408, 429) or status >= 500:
        return SyncError(f"Server busy or failing ({status}): {detail}")
    if status == 409 and code == "seq_conflict":
        return SyncError("This store's history differs from the server's.", code=code)
    return SyncError(f"Server said {status} {code}: {detail}", retryable=False, code=code)
