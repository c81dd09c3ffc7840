"""`slate support-bundle`: one zip with what a helper needs to diagnose an install.

In it: the doctor's report, the deployment settings (secrets redacted), versions, store
statistics (row counts, sizes, schema revision, backups) and the log files. Never in it: the
store itself, learner names, anything a learner wrote, the enrollment code or the device token.
Log files are copied with every learner name found in the store replaced, in case some message
ever carried one.
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.db.store import DB_FILENAME
from app.errors import SlateError

REDACTED = "(redacted)"
NAME_PLACEHOLDER = "[learner]"


class SupportBundleError(SlateError):
    pass


@dataclass(frozen=True)
class BundleResult:
    path: Path
    members: list[str]
    size_bytes: int


def default_bundle_path(now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path.cwd() / f"slate-support-{stamp}.zip"


def write_support_bundle(data_dir: Path, out: Path | None = None) -> BundleResult:
    """Write the bundle to `out` (temp file, fsync, rename: never a half-written zip)."""
    from app.backup import list_backups
    from app.config import load_config
    from app.doctor import run_doctor, versions
    from app.logs import log_files

    out = (out or default_bundle_path()).expanduser().resolve()
    if out.is_dir():
        raise SupportBundleError(f"{out} is a folder: give a file name ending in .zip")
    config = load_config()
    report = run_doctor(data_dir, config=config)
    names = learner_names(data_dir)
    parts: dict[str, bytes] = {
        "README.txt": _readme(data_dir).encode(),
        "doctor.json": _json(report.as_dict()),
        "doctor.txt": report.text().encode(),
        "config.json": _json(config.as_dict(redact=True)),
        "versions.json": _json(versions()),
        "store.json": _json(store_statistics(data_dir)),
        "backups.json": _json(
            [
                {"name": b.name, "kind": b.kind, "taken_at": b.taken_at.isoformat(),
                 "size_bytes": b.size_bytes}
                for b in list_backups(data_dir)
            ]
        ),
    }
    for log in log_files(data_dir):
        parts[f"logs/{log.name}"] = log.read_bytes()
    # Names and secrets are scrubbed from every part, in case some message quoted one.
    secrets = [s for s in (config.values.enrollment_code, _meta(data_dir, "device_token")) if s]
    for name, data in parts.items():
        text = scrub(data.decode("utf-8", errors="replace"), names)
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        parts[name] = text.encode()

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        with open(tmp, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                for name, data in parts.items():
                    bundle.writestr(name, data)
            raw.flush()
            os.fsync(raw.fileno())
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SupportBundleError(f"cannot write {out}: {exc.strerror or exc}") from None
    return BundleResult(out, list(parts), out.stat().st_size)


def store_statistics(data_dir: Path) -> dict[str, Any]:
    """Counts and sizes only: how many rows each table has, never what is in them."""
    db = data_dir / DB_FILENAME
    stats: dict[str, Any] = {"data_dir": str(data_dir), "store_exists": db.exists()}
    if not db.exists():
        return stats
    stats["size_bytes"] = db.stat().st_size
    wal = Path(str(db) + "-wal")
    stats["wal_bytes"] = wal.stat().st_size if wal.exists() else 0
    media = data_dir / "media"
    files = [p for p in media.rglob("*") if p.is_file()] if media.is_dir() else []
    stats["media_files"] = len(files)
    stats["media_bytes"] = sum(p.stat().st_size for p in files)
    try:
        with _read_only(db) as conn:
            for pragma in ("page_size", "page_count", "freelist_count", "journal_mode"):
                stats[pragma] = conn.execute(f"PRAGMA {pragma}").fetchone()[0]
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
                )
            ]
            stats["rows"] = {
                t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
            }
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            stats["schema_revision"] = row[0] if row else None
    except sqlite3.Error as exc:
        stats["error"] = str(exc)
    return stats


def learner_names(data_dir: Path) -> list[str]:
    """Every profile name in the store, longest first (so "Ann Lee" goes before "Ann")."""
    db = data_dir / DB_FILENAME
    if not db.exists():
        return []
    try:
        with _read_only(db) as conn:
            names = [r[0] for r in conn.execute("SELECT display_name FROM users") if r[0]]
    except sqlite3.Error:
        return []
    return sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)


def scrub(text: str, names: list[str]) -> str:
    for name in names:
        text = re.sub(re.escape(name), NAME_PLACEHOLDER, text, flags=re.IGNORECASE)
    return text


def _meta(data_dir: Path, key: str) -> str | None:
    db = data_dir / DB_FILENAME
    if not db.exists():
        return None
    try:
        with _read_only(db) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


class _read_only:
    """A read-only connection that is closed on leaving (sqlite3's own `with` only commits)."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *_exc: object) -> None:
        self.conn.close()


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, default=str).encode()


def _readme(data_dir: Path) -> str:
    buf = io.StringIO()
    buf.write("Slate support bundle\n")
    buf.write(f"Made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from {data_dir}.\n\n")
    buf.write(
        "doctor.txt/json: the checks of `slate doctor`; config.json: deployment settings and "
        "where each came from (secrets redacted); versions.json; store.json: row counts and "
        "sizes; backups.json; logs/: the log files, learner names replaced by "
        f"{NAME_PLACEHOLDER}.\nNo learner names, answers or credentials are included.\n"
    )
    return buf.getvalue()
