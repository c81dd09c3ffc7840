"""First start with a deployment file: the laptop enrolls itself with the real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.config import load_config
from app.db.store import Store
from app.identity import DEVICE_TOKEN, SCHOOL_NAME, SERVER_URL, get_meta
from tests.support.server_process import ServerProcess
from ui.context import AppContext
from ui.launch import open_main_window


def _meta(store: Store, key: str) -> str | None:
    with store.read() as session:
        return get_meta(session, key)


@pytest.mark.slow
def test_first_start_enrolls_by_itself_once_the_server_answers(
    qtbot, monkeypatch, tmp_path: Path, store: Store, server: ServerProcess, school: dict[str, Any]
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SLATE_SYNC_INTERVAL_S", "1")
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "slate.toml").write_text(
        f'server_url = "{server.url}"\nenrollment_code = "{school["enrollment_code"]}"\n'
    )
    server.stop()  # the server is not reachable at the very first start
    window = open_main_window(AppContext(store), load_config([folder], {}))
    qtbot.addWidget(window)
    assert _meta(store, SERVER_URL) == server.url
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Offline"), timeout=15000)
    assert _meta(store, DEVICE_TOKEN) is None

    server.start()
    qtbot.waitUntil(lambda: _meta(store, DEVICE_TOKEN) is not None, timeout=30000)
    assert _meta(store, SCHOOL_NAME) == school["name"]
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Synced"), timeout=30000)
    window.shutdown()


def test_a_bad_file_shows_a_warning_and_the_window_still_opens(
    qtbot, monkeypatch, tmp_path: Path, store: Store
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    from app.config import DeploymentConfig

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc"))
    monkeypatch.delenv("SLATE_SYNC_INTERVAL_S", raising=False)
    path = tmp_path / "home" / "slate" / "slate.toml"
    path.parent.mkdir(parents=True)
    path.write_text('server_url = "http://127.0.0.1:9"\nsync_interval = -1\n')
    window = open_main_window(AppContext(store), load_config())
    qtbot.addWidget(window)
    box = window.findChild(QMessageBox, "config_warning")
    assert window.isVisible() and box is not None and box.isVisible()
    assert f"{path}, line 2: key 'sync_interval'" in box.text()
    # The readable setting is used, the bad one falls back to its default.
    assert _meta(store, SERVER_URL) == "http://127.0.0.1:9"
    assert window.sync_worker.interval_s == DeploymentConfig().sync_interval
    window.shutdown()
