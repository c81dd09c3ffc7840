"""Downloading the course versions the change log announced, and importing them.

Each package is fetched into `downloads/<sha256>.zip.part` beside the store. A cut connection
keeps what arrived: the next attempt asks for the rest with an HTTP Range request. Before a
byte is fetched, the free space is checked for the rest of the download plus the media the
import will copy. The finished file must have the announced size and sha256, or it is deleted
and refused. It is then imported with the ordinary importer (one transaction; learners keep
their progress by stable id), and the queue entry is marked imported.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from app.courses.importer import CourseImportError, import_course
from app.db.store import Store
from app.downstream.tables import CourseDownload
from sync.appliers import reapply_for_course
from sync.client import SyncError, _error_from

DOWNLOADS_FOLDER = "downloads"
# Kept free besides the package and its media, so a download never fills the disk to the brim.
FREE_SPACE_MARGIN = 200 * 1024 * 1024
_CHUNK = 256 * 1024

# progress(bytes done, bytes total, what)
DownloadProgress = Callable[[int, int, str], None]


def part_path(store: Store, sha256: str) -> Path:
    return store.data_dir / DOWNLOADS_FOLDER / f"{sha256}.zip.part"


def download_pending(
    store: Store,
    http: httpx.Client,
    headers: dict[str, str],
    progress: DownloadProgress | None = None,
) -> list[str]:
    """Fetch and import every queued course version; returns "course_id version" of each one
    imported. Raises SyncError for the first that fails (it is tried again next time)."""
    with store.read() as session:
        queued = list(
            session.scalars(
                select(CourseDownload)
                .where(CourseDownload.state != "imported")
                .order_by(CourseDownload.course_id)
            )
        )
    imported = []
    for item in queued:
        try:
            package = fetch_package(store, http, headers, item, progress)
            _import(store, item, package, progress)
        except SyncError as exc:
            _record_failure(store, item.course_id, str(exc))
            raise
        imported.append(f"{item.course_id} {item.version}")
    return imported


def fetch_package(
    store: Store,
    http: httpx.Client,
    headers: dict[str, str],
    item: CourseDownload,
    progress: DownloadProgress | None = None,
) -> Path:
    """The verified package file, resuming a partial download if there is one."""
    part = part_path(store, item.sha256)
    done = part.with_suffix("")  # downloads/<sha256>.zip
    if done.exists() and _sha256(done) == item.sha256:
        return done
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if have > item.size:
        part.unlink()
        have = 0
    check_free_space(part.parent, (item.size - have) + item.size)
    what = f"Downloading {item.title or item.course_id} {item.version}"
    if have < item.size:
        _fetch_rest(http, headers, item, part, have, what, progress)
    if part.stat().st_size != item.size or _sha256(part) != item.sha256:
        part.unlink(missing_ok=True)
        raise SyncError(
            f"The download of course {item.course_id} version {item.version} does not match its "
            "checksum (sha256); it was refused and will be fetched again.",
        )
    part.replace(done)
    return done


def _fetch_rest(
    http: httpx.Client,
    headers: dict[str, str],
    item: CourseDownload,
    part: Path,
    have: int,
    what: str,
    progress: DownloadProgress | None,
) -> None:
    request_headers = dict(headers)
    if have:
        request_headers["Range"] = f"bytes={have}-"
        request_headers["If-Range"] = f'"{item.sha256}"'
    try:
        with http.stream("GET", item.package_path, headers=request_headers) as response:
            if response.status_code >= 400:
                response.read()
                raise _error_from(response)
            if response.status_code != 206:
                have = 0  # the server sent the whole file: start again
            with part.open("r+b" if have else "wb") as out:
                out.seek(have)
                out.truncate()
                for chunk in response.iter_bytes(_CHUNK):
                    out.write(chunk)
                    have += len(chunk)
                    if have > item.size:
                        break
                    if progress:
                        progress(have, item.size, what)
                out.flush()
                os.fsync(out.fileno())
    except httpx.TransportError as exc:
        # What arrived stays in the .part file; the next sync asks for the rest.
        raise SyncError(
            f"The download of course {item.course_id} was cut off ({type(exc).__name__}); it "
            "will resume at the next sync.",
            offline=isinstance(exc, httpx.ConnectError),
        ) from exc


def check_free_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed + FREE_SPACE_MARGIN:
        mb = 1024 * 1024
        raise SyncError(
            f"Not enough free disk space to download a course: it needs "
            f"{(needed + FREE_SPACE_MARGIN) // mb} MB and {free // mb} MB are free in {folder}.",
            retryable=True,
        )


def _import(
    store: Store, item: CourseDownload, package: Path, progress: DownloadProgress | None
) -> None:
    label = f"Importing {item.title or item.course_id} {item.version}"
    try:
        import_course(
            store, package, progress=(lambda d, t, _w: progress(d, t, label)) if progress else None
        )
    except CourseImportError as exc:
        raise SyncError(f"The course from the server was refused: {exc}", retryable=False) from None
    with store.write() as session:
        row = session.get(CourseDownload, item.course_id)
        if row is not None and row.sha256 == item.sha256:
            row.state, row.error, row.updated_at = "imported", None, datetime.now(UTC)
        reapply_for_course(session, item.course_id)
    package.unlink(missing_ok=True)


def _record_failure(store: Store, course_id: str, reason: str) -> None:
    with store.write() as session:
        row = session.get(CourseDownload, course_id)
        if row is not None:
            row.error, row.updated_at = reason, datetime.now(UTC)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
