"""`slate doctor`: every check says ok/warn/fail and what to do; exit 1 when any fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.backup import take_backup
from app.db.store import Store
from tests.care.helpers import add_learner_with_answers
from tests.support.server_process import ServerProcess

REPO = Path(__file__).resolve().parents[2]


def slate(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home")
    env["XDG_CONFIG_DIRS"] = str(tmp_path / "etc")
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def doctor(tmp_path: Path, data_dir: Path) -> tuple[int, dict[str, Any]]:
    done = slate(tmp_path, "doctor", "--json", "--data-dir", str(data_dir))
    return done.returncode, json.loads(done.stdout)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"]}


@pytest.mark.slow
def test_a_healthy_enrolled_laptop_passes_every_check(
    tmp_path: Path, server: ServerProcess, school: dict[str, Any]
) -> None:
    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    add_learner_with_answers(store, "Amina", ["4 km"])
    take_backup(data_dir, "manual")
    store.close()
    synced = slate(tmp_path, "sync", "--server", server.url, "--enroll-code",
                   school["enrollment_code"], "--data-dir", str(data_dir))
    assert synced.returncode == 0, synced.stderr

    code, report = doctor(tmp_path, data_dir)
    checks = by_name(report)
    assert code == 0 and report["ok"] is True
    assert {c["status"] for c in report["checks"]} == {"ok"}, report
    assert {"versions", "config", "data folder", "free disk", "store", "pending events",
            "backups", "server", "enrollment"} <= set(checks)
    assert "sqlite " in checks["versions"]["detail"] and "qt (PySide6) " in checks["versions"][
        "detail"]
    assert checks["pending events"]["detail"].startswith("0 events waiting")
    assert school["name"] in checks["enrollment"]["detail"]

    # The server goes away: a warning (laptops are often offline), not a failure.
    server.stop()
    code, report = doctor(tmp_path, data_dir)
    assert code == 0
    assert by_name(report)["server"]["status"] == "warn"
    assert "not reachable" in by_name(report)["server"]["detail"]


def test_a_damaged_store_fails_and_says_to_restore_a_backup(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    add_learner_with_answers(store, "Amina", ["4 km", "12 m/s"])
    store.close()
    db = data_dir / "slate.db"
    raw = bytearray(db.read_bytes())
    page = int.from_bytes(raw[16:18], "big")
    for start in range(page, len(raw), page):
        raw[start : start + 64] = os.urandom(64)
    db.write_bytes(bytes(raw))

    done = slate(tmp_path, "doctor", "--data-dir", str(data_dir))
    assert done.returncode == 1
    store_line = next(line for line in done.stdout.splitlines() if "  store  " in line)
    assert store_line.startswith("FAIL") and "is damaged" in store_line
    assert "slate db restore" in done.stdout
    assert "Something needs fixing" in done.stdout


def test_a_missing_data_folder_and_a_bad_config_are_reported(tmp_path: Path) -> None:
    code, report = doctor(tmp_path, tmp_path / "nowhere")
    assert code == 1
    [check] = report["checks"]
    assert check["status"] == "fail" and "does not exist" in check["detail"]

    data_dir = tmp_path / "store"
    Store.open(data_dir).close()
    config = tmp_path / "home" / "slate" / "slate.toml"
    config.parent.mkdir(parents=True)
    config.write_text("backups_keep = 0\n")
    code, report = doctor(tmp_path, data_dir)
    checks = by_name(report)
    assert code == 0  # warnings only
    assert checks["config"]["status"] == "warn"
    assert f"{config}, line 1: key 'backups_keep'" in checks["config"]["detail"]
    assert checks["backups"]["status"] == "warn" and checks["backups"]["advice"]
    assert checks["server"]["status"] == "warn"
