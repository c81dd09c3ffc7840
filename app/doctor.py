"""`slate doctor`: is this install healthy, and if not, what should IT do?

Each check gives ok, warn or fail with what it found and what to do. The store is only read
(a read-only connection), so the doctor can run while the app is open. Checks that need the
network live outside app/: they register under the `slate.doctor_checks` entry-point group
(sync/doctor_checks.py checks the server) and get the same `DoctorContext`.
"""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import Any, Literal

from app import __version__
from app.config import EffectiveConfig, load_config
from app.db.store import DB_FILENAME

ENTRY_POINT_GROUP = "slate.doctor_checks"
Status = Literal["ok", "warn", "fail"]

FREE_DISK_FAIL = 200 * 1024**2  # below this a day of video progress and a backup may not fit
FREE_DISK_WARN = 1024**3
BACKUP_WARN_AGE = timedelta(days=3)
UNSYNCED_WARN_AGE = timedelta(days=7)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    advice: str = ""  # what to do about it; empty when nothing needs doing


@dataclass
class DoctorContext:
    """What the checks share: where the data is, the settings, and the store's own settings."""

    data_dir: Path
    config: EffectiveConfig
    meta: dict[str, str] = field(default_factory=dict)  # the store's `meta` table, if readable
    store_readable: bool = False

    @property
    def server_url(self) -> str | None:
        return self.meta.get("server_url") or self.config.values.server_url


CheckFn = Callable[[DoctorContext], list[Check]]


@dataclass(frozen=True)
class DoctorReport:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}

    def text(self) -> str:
        width = max(len(c.name) for c in self.checks)
        lines = []
        for c in self.checks:
            lines.append(f"{c.status.upper():<4}  {c.name:<{width}}  {c.detail}")
            if c.advice:
                lines.append(f"{'':<4}  {'':<{width}}  -> {c.advice}")
        verdict = "All checks passed." if self.ok else "Something needs fixing (see FAIL above)."
        return "\n".join([*lines, "", verdict])


def run_doctor(
    data_dir: Path, *, config: EffectiveConfig | None = None, extra: bool = True
) -> DoctorReport:
    """Run every check. `extra` also runs the checks registered by other layers (the server)."""
    context = DoctorContext(data_dir, config or load_config())
    checks: list[Check] = []
    for check in (
        check_versions,
        check_config,
        check_data_dir,
        check_free_disk,
        check_store,
        check_outbox,
        check_backups,
    ):
        checks.extend(_guarded(check, context))
    if extra:
        for fn in registered_checks():
            checks.extend(_guarded(fn, context))
    return DoctorReport(checks)


def registered_checks() -> list[CheckFn]:
    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            found.append(ep.load())
        except ImportError as exc:
            name = ep.name

            def unavailable(_ctx: DoctorContext, name: str = name, exc: Exception = exc) -> list[
                Check
            ]:
                return [Check(name, "warn", f"check unavailable: {exc}", "reinstall Slate")]

            found.append(unavailable)
    return found


def _guarded(fn: CheckFn, context: DoctorContext) -> list[Check]:
    """A check that crashes is reported as failing, not as a traceback: IT needs the rest."""
    try:
        return fn(context)
    except Exception as exc:
        name = getattr(fn, "__name__", "check").removeprefix("check_")
        return [Check(name, "fail", f"the check itself failed: {type(exc).__name__}: {exc}",
                      "send a support bundle (slate support-bundle) to the Slate team")]


def versions() -> dict[str, str]:
    """Versions of the parts, without importing Qt (app/ stays Qt-free)."""

    def dist(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "slate": __version__,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "qt (PySide6)": dist("PySide6-Essentials"),
        "sqlalchemy": dist("SQLAlchemy"),
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def check_versions(_ctx: DoctorContext) -> list[Check]:
    detail = ", ".join(f"{k} {v}" for k, v in versions().items())
    if sqlite3.sqlite_version_info < (3, 35):
        return [Check("versions", "fail", detail, "SQLite 3.35 or newer is needed: update Slate")]
    return [Check("versions", "ok", detail)]


def check_config(ctx: DoctorContext) -> list[Check]:
    found = [str(p) for p, present in ctx.config.files if present]
    if not ctx.config.problems:
        where = ", ".join(found) if found else "no slate.toml (defaults)"
        return [Check("config", "ok", f"settings from {where}")]
    return [
        Check("config", "warn", str(p), "fix it in the file (see packaging/slate.toml.example); "
              "'slate config show' prints what is in effect")
        for p in ctx.config.problems
    ]


def check_data_dir(ctx: DoctorContext) -> list[Check]:
    folder = ctx.data_dir
    if not folder.is_dir():
        return [Check("data folder", "fail", f"{folder} does not exist",
                      "start Slate once, or check data_location / --data-dir")]
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-", delete=True):
            pass
    except OSError as exc:
        return [Check("data folder", "fail", f"cannot write in {folder}: {exc.strerror or exc}",
                      "give this account write access to the folder (and to the files in it)")]
    db = folder / DB_FILENAME
    if db.exists() and not os.access(db, os.R_OK | os.W_OK):
        return [Check("data folder", "fail", f"{db} is not readable and writable by this account",
                      "fix the file's owner or permissions")]
    return [Check("data folder", "ok", f"{folder} is writable")]


def check_free_disk(ctx: DoctorContext) -> list[Check]:
    folder = ctx.data_dir if ctx.data_dir.is_dir() else ctx.data_dir.parent
    free = shutil.disk_usage(folder).free
    detail = f"{free / 1024**3:.1f} GB free on the disk of {folder}"
    if free < FREE_DISK_FAIL:
        return [Check("free disk", "fail", detail,
                      "free some space: Slate cannot save answers on a full disk")]
    if free < FREE_DISK_WARN:
        return [Check("free disk", "warn", detail, "free some space soon")]
    return [Check("free disk", "ok", detail)]


@contextmanager
def read_only(db_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def check_store(ctx: DoctorContext) -> list[Check]:
    db = ctx.data_dir / DB_FILENAME
    if not db.exists():
        return [Check("store", "warn", f"no store yet in {ctx.data_dir}",
                      "it is made at the first start of Slate")]
    from app.db.migrate import HEAD_REVISION, current_revision

    try:
        with read_only(db) as conn:
            verdict = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchmany(5))
            if verdict == "ok":
                ctx.meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                ctx.store_readable = True
        revision = current_revision(db)
    except sqlite3.Error as exc:
        verdict = str(exc)
    if verdict != "ok":
        return [Check("store", "fail", f"{db} is damaged: {verdict}",
                      "restore the newest backup: 'slate db restore' (or File > Restore from "
                      "backup); the damaged file is kept in backups/")]
    size = db.stat().st_size / 1e6
    if revision != HEAD_REVISION:
        return [Check("store", "warn", f"integrity ok, {size:.1f} MB, schema {revision} (this "
                      f"Slate uses {HEAD_REVISION})", "start Slate once to update it")]
    return [Check("store", "ok", f"integrity ok, {size:.1f} MB")]


def check_outbox(ctx: DoctorContext) -> list[Check]:
    if not ctx.store_readable or "source_id" not in ctx.meta:
        return []
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app import outbox

    uri = f"{(ctx.data_dir / DB_FILENAME).resolve().as_uri()}?mode=ro"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with Session(engine) as session:
            counts = outbox.counts(session)
    finally:
        engine.dispose()
    synced_at = counts.last_sync_at
    when = f"last sync {synced_at:%Y-%m-%d %H:%M} UTC" if synced_at else "never synced"
    detail = f"{counts.pending} events waiting to be sent, {when}"
    if counts.pending and counts.last_error:
        return [Check("pending events", "warn", f"{detail}; last problem: {counts.last_error}",
                      "see the server check")]
    if counts.pending and (
        synced_at is None or datetime.now(UTC) - synced_at > UNSYNCED_WARN_AGE
    ):
        return [Check("pending events", "warn", detail,
                      "bring the laptop where the school server is reachable, or carry a USB "
                      "bundle")]
    return [Check("pending events", "ok", detail)]


def check_backups(ctx: DoctorContext) -> list[Check]:
    from app.backup import list_backups

    if not (ctx.data_dir / DB_FILENAME).exists():
        return []
    backups = list_backups(ctx.data_dir)
    if not backups:
        return [Check("backups", "warn", "no backup yet",
                      "start Slate (it backs up daily) or run 'slate db backup'")]
    newest = backups[0]
    age = newest.age()
    detail = f"{len(backups)} backups, newest {newest.name} ({_age_text(age)} old)"
    if age > BACKUP_WARN_AGE:
        return [Check("backups", "warn", detail,
                      "start Slate (it backs up daily) or run 'slate db backup'")]
    return [Check("backups", "ok", detail)]


def _age_text(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


def print_report(report: DoctorReport, as_json: bool) -> None:
    import json

    print(json.dumps(report.as_dict(), indent=2) if as_json else report.text(), file=sys.stdout)
