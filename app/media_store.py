"""The content-addressed media folder beside the database: `media/ab/<sha256>.<ext>`.

The same file imported twice is stored once. Files are written to a temporary name, fsynced
and renamed, so a crash never leaves a half-written file under a real name.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


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
    ext, mime = guess_ext_and_mime(name)
    tmp_dir = media_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="import-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
                if on_bytes:
                    on_bytes(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        final = media_path(media_dir, sha, ext)
        if final.exists() and final.stat().st_size == size:
            return StoredMedia(sha, size, mime, ext, final, created=False)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)
        return StoredMedia(sha, size, mime, ext, final, created=True)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
