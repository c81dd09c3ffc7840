"""The content-addressed media folder beside the database: `media/ab/<sha256>.<ext>`.

The same file imported twice is stored once. Files are written to a temporary name, fsynced
and renamed, so a crash never leaves a half-written file under a real name.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import queue
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# How often (in bytes written) store_stream asks the OS to start writing a file out. Only Linux
# has a call that starts writeback without waiting for it (see _start_writeback).
WRITEBACK_STEP = 8 * 1024 * 1024
_FADVISE: int | None = getattr(os, "POSIX_FADV_DONTNEED", None) if sys.platform == "linux" else None


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    size: int
    mime: str
    ext: str
    path: Path
    created: bool


def media_path(media_dir: Path, sha256: str, ext: str) -> Path:
    return media_dir / sha256[:2] / f"{sha256}{ext}"


def guess_ext_and_mime(name: str) -> tuple[str, str]:
    ext = Path(name).suffix.lower()[:16]
    mime = {".vtt": "text/vtt", ".md": "text/markdown"}.get(ext) or (
        mimetypes.guess_type(name)[0] or "application/octet-stream"
    )
    return ext, mime


def store_stream(
    media_dir: Path,
    chunks: Iterable[bytes],
    name: str,
    on_bytes: Callable[[int], None] | None = None,
) -> StoredMedia:
    """Copy `chunks` into the store under their sha256; the file is durable when this returns.

    For a large file, sha256 and writing cost about the same, so they overlap: hashing runs on a
    second thread, and the OS is asked to write the file out as it grows, so the disk works
    while the CPU hashes and the final fsync has little left to do (bench/package_import.py).
    """
    ext, mime = guess_ext_and_mime(name)
    tmp_dir = media_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="import-")
    try:
        with os.fdopen(fd, "wb", buffering=0) as out, _BackgroundSha256() as digest:
            flushed = 0
            for chunk in chunks:
                # bytes are immutable, so the hashing thread sees exactly what is written.
                data = chunk if isinstance(chunk, bytes) else bytes(chunk)
                digest.update(data)
                _write_all(out, data)
                size += len(data)
                if size - flushed >= WRITEBACK_STEP:
                    _start_writeback(out.fileno(), flushed, size - flushed)
                    flushed = size
                if on_bytes:
                    on_bytes(len(data))
            sha = digest.hexdigest()
            os.fsync(out.fileno())
        final = media_path(media_dir, sha, ext)
        if final.exists() and final.stat().st_size == size:
            return StoredMedia(sha, size, mime, ext, final, created=False)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)
        return StoredMedia(sha, size, mime, ext, final, created=True)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the OS to start writing this range to disk now, without waiting for it.

    Otherwise everything is written at the final fsync, after the hashing is done; started
    early, the disk works while the CPU hashes. On Linux, POSIX_FADV_DONTNEED starts writeback
    of dirty pages (and drops pages already written, so a large import does not push the
    user's other files out of the cache). Elsewhere this is a no-op: the fsync still decides.
    """
    if _FADVISE is not None:
        os.posix_fadvise(fd, offset, length, _FADVISE)


def _write_all(out: BinaryIO, data: bytes) -> None:
    # An unbuffered write may be short; loop until every byte is written.
    view = memoryview(data)
    while view:
        written = out.write(view)
        if written is None:  # pragma: no cover - only for non-blocking files
            raise OSError("write would block")
        view = view[written:]


class _BackgroundSha256:
    """sha256 computed on a worker thread, fed in order through a short queue.

    hashlib releases the GIL while it hashes a large buffer, and file writes release it too, so
    the two really run at once. The queue is bounded: memory stays at a few chunks. The first
    chunk is hashed at once, and the thread starts only if a second one comes, so the many
    small files of a package (images, subtitles) cost no thread.
    """

    def __init__(self, depth: int = 4) -> None:
        self._digest = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._chunks = 0

    def _run(self) -> None:
        try:
            while (chunk := self._queue.get()) is not None:
                self._digest.update(chunk)
        except BaseException as exc:  # pragma: no cover - hashlib does not fail on bytes
            self._error = exc
            while self._queue.get() is not None:
                pass

    def update(self, data: bytes) -> None:
        if not data:
            return
        self._chunks += 1
        if self._chunks == 1:
            self._digest.update(data)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
            self._thread.start()
        self._queue.put(data)

    def hexdigest(self) -> str:
        self._finish()
        if self._error is not None:  # pragma: no cover
            raise self._error
        return self._digest.hexdigest()

    def _finish(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> _BackgroundSha256:
        return self

    def __exit__(self, *_exc: object) -> None:
        # Also on errors: never leave the worker waiting on the queue.
        self._finish()
