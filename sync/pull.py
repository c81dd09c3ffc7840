"""The laptop side of the downstream direction: read the server's change log page by page.

`ChangePuller.pull()` asks for the page after the stored cursor and applies its records and the
next cursor in ONE store transaction (BEGIN IMMEDIATE, `store.write()`), so a crash or an error
half-way through a page leaves the store as it was and the same page is asked for again. When
the server answers `must_refetch`, the records are loaded again from the start into staging
tables and swapped in when the last page has arrived (app.downstream.records). Afterwards the
course versions the records announced are downloaded and imported (sync/course_download.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from app.db.store import Store
from app.downstream.records import (
    Record,
    apply_page,
    begin_refetch,
    finish_refetch,
    pull_state,
    stage_page,
)
from app.identity import DEVICE_TOKEN, get_meta
from sync.appliers import APPLIERS
from sync.changes import DEFAULT_PAGE_LIMIT, ChangesPage
from sync.client import ServerConnection, SyncError, _error_from
from sync.course_download import DownloadProgress, download_pending

# progress(records applied, records known so far)
PullProgress = Callable[[int, int], None]
# A reload that is itself told to reload this often means the server keeps changing epochs.
MAX_REFETCHES_PER_PULL = 2


@dataclass(frozen=True)
class PullReport:
    applied: int
    pages: int
    refetched: bool
    courses_imported: list[str]


class ChangePuller(ServerConnection):
    """Pulls one server's change log into one store, then fetches the courses it announced."""

    def __init__(
        self,
        store: Store,
        server_url: str | None = None,
        *,
        page_limit: int = DEFAULT_PAGE_LIMIT,
        timeout_s: float = 30.0,
    ) -> None:
        super().__init__(store, server_url, timeout_s=timeout_s)
        self.page_limit = page_limit

    def _headers(self) -> dict[str, str]:
        with self.store.read() as session:
            token = get_meta(session, DEVICE_TOKEN)
        if not token:
            raise SyncError("This computer is not enrolled with the server yet.", retryable=False)
        return {"Authorization": f"Bearer {token}"}

    def _page(self, cursor: str, headers: dict[str, str]) -> ChangesPage:
        try:
            response = self._http.get(
                "/changes", params={"cursor": cursor, "limit": self.page_limit}, headers=headers
            )
        except httpx.TransportError as exc:
            raise SyncError(f"Server not reachable ({type(exc).__name__})", offline=True) from exc
        if response.status_code >= 400:
            raise _error_from(response)
        try:
            return ChangesPage.model_validate(response.json())
        except ValueError:
            raise SyncError(f"{self.server_url} sent a change page Slate cannot read.") from None

    def pull_changes(self, progress: PullProgress | None = None) -> tuple[int, int, bool]:
        """Apply every page visible now; returns (records applied, pages, reloaded)."""
        headers = self._headers()
        applied = pages = refetches = 0
        while True:
            with self.store.read() as session:
                state = pull_state(session)
            refetching = state.refetch_cursor is not None
            cursor = (state.refetch_cursor if refetching else state.cursor) or ""
            page = self._page(cursor, headers)
            pages += 1
            if page.must_refetch:
                refetches += 1
                if not cursor or refetches > MAX_REFETCHES_PER_PULL:
                    raise SyncError("The server keeps asking for a reload; will try later.")
                with self.store.write() as session:
                    begin_refetch(session)
                continue
            records = [Record(**r.model_dump()) for r in page.records]
            # One transaction: the page's records, what they change, and the next cursor.
            with self.store.write() as session:
                if refetching:
                    stage_page(session, records, page.next_cursor)
                    if not page.has_more:
                        finish_refetch(session, APPLIERS)
                else:
                    apply_page(session, records, page.next_cursor, APPLIERS)
            applied += len(records)
            if progress:
                progress(applied, applied + page.remaining)
            if not page.has_more:
                return applied, pages, refetches > 0

    def pull(
        self,
        progress: PullProgress | None = None,
        download_progress: DownloadProgress | None = None,
    ) -> PullReport:
        """Pull the change log, then download and import the course versions it announced."""
        applied, pages, refetched = self.pull_changes(progress)
        imported = download_pending(self.store, self._http, self._headers(), download_progress)
        return PullReport(applied, pages, refetched, imported)
