"""Files a learner hands in (file upload answers, drawings), kept in the content store.

A response refers to its file as `{"sha256", "name", "size", "mime"}`: the bytes live once in
the content-addressed media folder (app.media_store), durable before the reference is returned,
so an answer saved with the reference never points at a half-written file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.assess.manual import is_media_reference, upload_problem
from app.media_store import guess_ext_and_mime, media_path, store_stream

CHUNK = 1024 * 1024
# Without a limit from the question, an upload is still bounded: the copy runs while the learner
# waits, and a laptop's disk is shared by the whole class.
DEFAULT_MAX_BYTES = 100 * 1024 * 1024


class UploadRefused(ValueError):
    """The file cannot be handed in: too large, of a type the question refuses, or unreadable."""


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def store_upload(
    media_dir: Path,
    source: Path,
    *,
    max_bytes: int | None = None,
    accept: list[str] | tuple[str, ...] = (),
) -> dict[str, Any]:
    """Copy `source` into the store within the question's limits; return its reference."""
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise UploadRefused(f"cannot read {source}: {exc.strerror or exc}") from None
    if not source.is_file():
        raise UploadRefused(f"{source} is not a file")
    problem = upload_problem(source.name, size, max_bytes=max_bytes, accept=accept)
    if problem:
        raise UploadRefused(problem)
    try:
        stored = store_stream(media_dir, _chunks(source), source.name)
    except OSError as exc:
        raise UploadRefused(f"cannot store {source.name}: {exc.strerror or exc}") from None
    if stored.size > max_bytes:
        # The file grew while it was copied; the stored copy is harmless (content-addressed).
        raise UploadRefused(
            upload_problem(source.name, stored.size, max_bytes=max_bytes, accept=())
        )
    return {"sha256": stored.sha256, "name": source.name, "size": stored.size, "mime": stored.mime}


def store_bytes(media_dir: Path, data: bytes, name: str) -> dict[str, Any]:
    """Store bytes made by the app itself (a drawing's PNG); return their reference."""
    stored = store_stream(media_dir, [data], name)
    return {"sha256": stored.sha256, "name": name, "size": stored.size, "mime": stored.mime}


def stored_path(media_dir: Path, reference: dict[str, Any]) -> Path:
    """Where the file a reference names is kept; UploadRefused if the reference is malformed."""
    if not is_media_reference(reference):
        raise UploadRefused(f"not a stored file reference: {reference!r}")
    ext, _mime = guess_ext_and_mime(reference["name"])
    return media_path(media_dir, reference["sha256"], ext)
