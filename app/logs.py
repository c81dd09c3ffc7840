"""Log files in the data folder: `<data dir>/logs/slate.log`, rotated by size.

Set up once per process by the CLI (app/care_commands.before_command) and the GUI (ui/launch.py).
IT collects them with `slate support-bundle`. Nothing a learner wrote and no learner name is
ever logged on purpose; the support bundle also scrubs names from the files it copies.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG_DIRNAME = "logs"
LOG_FILENAME = "slate.log"
MAX_BYTES = 1_000_000  # a month of normal use on a laptop
BACKUP_COUNT = 5  # slate.log.1 ... slate.log.5: at most 6 MB in all
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"

_HANDLER_NAME = "slate-rotating-file"


def log_dir(data_dir: Path) -> Path:
    return data_dir / LOG_DIRNAME


def log_files(data_dir: Path) -> list[Path]:
    """The current log and its rotated predecessors, newest first."""
    folder = log_dir(data_dir)
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.name.startswith(LOG_FILENAME)),
        key=lambda p: (p.name != LOG_FILENAME, len(p.name), p.name),
    )


def setup_logging(data_dir: Path, level: int = logging.INFO) -> Path | None:
    """Send this process's `logging` records to the data folder's rotating log file.

    Idempotent: a second call for the same folder changes nothing, one for another folder
    moves the file handler there. Returns the log file, or None when it cannot be written
    (a read-only folder must not stop Slate; the problem is reported by `slate doctor`).
    """
    path = log_dir(data_dir) / LOG_FILENAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            if Path(getattr(handler, "baseFilename", "")) == path.absolute():
                return path
            root.removeHandler(handler)
            handler.close()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
        )
        if not os.access(path.parent, os.W_OK):
            return None
    except OSError:
        return None
    # httpx logs every request at INFO: a sync round every 30 s would bury everything else.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


def stop_logging() -> None:
    """Close the file handler (tests, and before a data folder is moved)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
            handler.close()
