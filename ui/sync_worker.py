"""Background sync: notices the server, pushes pending events, retries with backoff.

The worker thread owns all network calls; the GUI only gets `status` signals and may call
`request_sync()` (the "Sync now" action, or after the learner did something).
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QThread, Signal

from app import outbox
from app.db.store import Store
from app.identity import DEVICE_TOKEN, SERVER_URL, get_meta

# The first round waits a moment: importing httpx and talking to the network while the window
# is coming up would slow the start on a two-core laptop.
FIRST_ROUND_DELAY_S = 2.0
ENV_INTERVAL = "SLATE_SYNC_INTERVAL_S"


@dataclass(frozen=True)
class SyncStatus:
    state: str  # not_configured | offline | syncing | synced | error
    pending: int
    message: str = ""
    last_sync_at: datetime | None = None
    sent: int = 0
    total: int = 0

    def describe(self) -> str:
        if self.state == "syncing":
            if self.message:  # a named step after the push: receiving changes, a course download
                return f"{self.message} {self.sent}/{self.total}…" if self.total else self.message
            return f"Syncing {self.sent}/{self.total}…" if self.total else "Syncing…"
        if self.state == "synced":
            if self.pending:
                return f"Synced, {self.pending} pending"
            return f"Synced {_ago(self.last_sync_at)}"
        if self.state == "offline":
            return f"Offline, {self.pending} pending"
        if self.state == "error":
            message = " ".join(self.message.split())
            if len(message) > 110:
                message = message[:107] + "…"
            return f"Sync problem: {message} ({self.pending} pending)"
        return f"Not syncing (no server set), {self.pending} pending"


def _ago(when: datetime | None) -> str:
    if when is None:
        return "never"
    seconds = (datetime.now(UTC) - when).total_seconds()
    if seconds < 90:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return "at " + when.astimezone().strftime("%H:%M")


def _configured_interval(from_config: float | None) -> float:
    """SLATE_SYNC_INTERVAL_S (tests, benchmarks), else `sync_interval` from slate.toml (as the
    caller read it, or read here)."""
    if os.environ.get(ENV_INTERVAL):
        return float(os.environ[ENV_INTERVAL])
    if from_config is not None:
        return from_config
    from app.config import load_config

    return load_config().values.sync_interval


class SyncWorker(QThread):
    status = Signal(object)

    def __init__(
        self,
        store: Store,
        interval_s: float | None = None,
        parent: object = None,
        *,
        configured_s: float | None = None,
    ):
        """`interval_s` fixes the interval; `configured_s` is slate.toml's when the caller has
        already read it."""
        super().__init__(parent)  # type: ignore[arg-type]
        self.store = store
        self.interval_s = interval_s or _configured_interval(configured_s)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._enroll_code: str | None = None
        self._failures = 0
        self.last_status: SyncStatus | None = None

    def request_sync(self) -> None:
        self._wake.set()

    def set_enrollment(self, code: str | None) -> None:
        self._enroll_code = code.strip() if code else None
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.wait(20000)

    def _emit(self, status: SyncStatus) -> None:
        self.last_status = status
        self.status.emit(status)

    def run(self) -> None:
        self._wake.wait(FIRST_ROUND_DELAY_S)
        self._wake.clear()
        while not self._stop.is_set():
            delay = self._round()
            self._wake.wait(delay)
            self._wake.clear()

    def _pull(self, url: str, pending: int) -> None:
        """After the push: the server's changes, then the course versions they announce."""
        from sync.pull import ChangePuller

        mb = 1024 * 1024
        with ChangePuller(self.store, url) as puller:
            puller.pull(
                progress=lambda n, total: self._emit(
                    SyncStatus("syncing", pending, "Receiving changes", sent=n, total=total)
                ),
                download_progress=lambda done, total, what: self._emit(
                    SyncStatus(
                        "syncing", pending, f"{what}, MB", sent=done // mb, total=total // mb
                    )
                ),
            )

    def _round(self) -> float:
        """One sync round; returns how long to wait before the next one."""
        from sync.client import OutboxPusher, SyncError

        with self.store.read() as session:
            url = get_meta(session, SERVER_URL)
            token = get_meta(session, DEVICE_TOKEN)
            counts = outbox.counts(session)
        if not url:
            self._emit(SyncStatus("not_configured", counts.pending))
            return self.interval_s
        if not token and not self._enroll_code:
            self._emit(
                SyncStatus(
                    "error", counts.pending, "not enrolled: enter the code in Sync > Settings"
                )
            )
            return self.interval_s
        self._emit(
            SyncStatus(
                "syncing", counts.pending, last_sync_at=counts.last_sync_at, total=counts.pending
            )
        )
        try:
            with OutboxPusher(self.store, url) as pusher:
                if self._enroll_code and not pusher.is_enrolled():
                    pusher.enroll(self._enroll_code)
                self._enroll_code = None
                report = pusher.push(
                    progress=lambda sent, total: self._emit(
                        SyncStatus("syncing", max(total - sent, 0), sent=sent, total=total)
                    )
                )
            self._pull(url, report.pending)
        except SyncError as exc:
            self._failures += 1
            with self.store.write() as session:
                outbox.record_error(session, str(exc))
                pending = outbox.counts(session).pending
            state = "offline" if exc.offline else "error"
            self._emit(SyncStatus(state, pending, str(exc), counts.last_sync_at))
            if not exc.retryable:
                return self.interval_s
            # Exponential backoff with jitter, so a classroom of laptops does not retry in step.
            backoff = min(self.interval_s, 2.0 ** min(self._failures, 6))
            return backoff * random.uniform(0.7, 1.0)
        except Exception as exc:  # never let the sync thread die; say what happened
            self._failures += 1
            self._emit(SyncStatus("error", counts.pending, f"{type(exc).__name__}: {exc}"))
            return self.interval_s
        self._failures = 0
        self._emit(SyncStatus("synced", report.pending, last_sync_at=report.finished_at))
        return self.interval_s
