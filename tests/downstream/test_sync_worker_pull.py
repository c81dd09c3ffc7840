"""The background sync worker pulls after each push, off the GUI thread, and says what it does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.db.models import Course
from app.db.store import Store
from app.identity import SERVER_URL, set_meta
from tests.support.server_process import ServerProcess
from ui.sync_worker import SyncStatus, SyncWorker

COURSE = "demo.speed-distance-time"


def test_a_sync_round_brings_a_published_course(
    qtbot: Any, store: Store, server: ServerProcess, school: dict[str, Any], demo_dir: Path
) -> None:
    server.cli_json("course", "publish", str(demo_dir), "--school", school["enrollment_code"])
    with store.write() as session:
        set_meta(session, SERVER_URL, server.url)
    worker = SyncWorker(store, interval_s=600)
    seen: list[SyncStatus] = []
    worker.status.connect(seen.append)
    worker.set_enrollment(school["enrollment_code"])
    worker.start()
    try:
        qtbot.waitUntil(
            lambda: (
                worker.last_status is not None
                and worker.last_status.state in ("synced", "error", "offline")
            ),
            timeout=60000,
        )
    finally:
        worker.stop()
    assert worker.last_status is not None and worker.last_status.state == "synced"
    texts = [s.describe() for s in seen]
    assert "Receiving changes 1/1…" in texts
    assert any(t.startswith("Downloading Speed, Distance and Time 1.1.0, MB") for t in texts)
    with store.read() as session:
        course = session.get(Course, COURSE)
        assert course is not None and course.version == "1.1.0"
