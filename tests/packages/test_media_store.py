"""The content-addressed media folder: what is stored is what was hashed, and a failed copy
leaves nothing behind (also not the hashing thread)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.media_store import WRITEBACK_STEP, media_path, store_stream


def random_chunks(total: int, size: int) -> list[bytes]:
    data = os.urandom(total)
    return [data[i : i + size] for i in range(0, total, size)]


def hashing_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "sha256"]


def test_stored_file_is_named_by_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    # Larger than the writeback step, in uneven chunks, one of them mutable.
    chunks: list[bytes | bytearray] = list(random_chunks(WRITEBACK_STEP * 2 + 12345, 300_001))
    chunks[1] = bytearray(chunks[1])
    expected = b"".join(chunks)
    seen: list[int] = []
    stored = store_stream(tmp_path, chunks, "lesson/Clip.MP4", on_bytes=seen.append)  # type: ignore[arg-type]
    sha = hashlib.sha256(expected).hexdigest()
    assert stored.sha256 == sha and stored.size == len(expected) and stored.created
    assert stored.path == media_path(tmp_path, sha, ".mp4")
    assert stored.path.read_bytes() == expected
    assert sum(seen) == len(expected)
    assert list((tmp_path / "tmp").iterdir()) == []

    again = store_stream(tmp_path, [expected], "other-name.mp4")
    assert again.sha256 == sha and not again.created and again.path == stored.path
    assert hashing_threads() == []


def test_failed_copy_leaves_nothing(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield os.urandom(WRITEBACK_STEP + 1)
        raise OSError("device removed")

    with pytest.raises(OSError, match="device removed"):
        store_stream(tmp_path, broken(), "clip.mp4")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == []
    assert hashing_threads() == []


def test_empty_file(tmp_path: Path) -> None:
    stored = store_stream(tmp_path, [], "empty.pdf")
    assert stored.sha256 == hashlib.sha256(b"").hexdigest() and stored.size == 0
    assert stored.path.read_bytes() == b""
