"""Writing a teacher's file so that it is either complete or not there at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from app.errors import SlateError


class OutputFileError(SlateError):
    pass


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync it, rename it over `path`, and fsync the
    folder, so a crash or a full disk never leaves a half-written file under the real name."""
    folder = path.parent
    if not folder.is_dir():
        raise OutputFileError(f"{path}: the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputFileError(f"{path}: cannot be written ({exc.strerror or exc})") from exc
    # The rename itself is durable only once the folder's entry is on disk (POSIX).
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
