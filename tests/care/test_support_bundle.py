"""`slate support-bundle` and the rotating log files: diagnostics without learner data."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from app.backup import take_backup
from app.db.store import Store
from app.identity import DEVICE_TOKEN, set_meta
from app.logs import BACKUP_COUNT, MAX_BYTES, log_files, setup_logging, stop_logging
from app.support_bundle import write_support_bundle
from tests.care.helpers import add_learner_with_answers

REPO = Path(__file__).resolve().parents[2]
LEARNER = "Zawadi Mwangaza"
ANSWER = "the train covers ninety-seven kilometres"
ENROLLMENT_CODE = "QWERT-ZXCVB"
TOKEN = "tok_5f1d2a9c8e7b4d3a"


def everything_in(zip_path: Path) -> str:
    with zipfile.ZipFile(zip_path) as bundle:
        return "\n".join(
            bundle.read(name).decode("utf-8", errors="replace") for name in bundle.namelist()
        )


def test_the_bundle_has_diagnostics_and_no_learner_names_answers_or_secrets(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    add_learner_with_answers(store, LEARNER, [ANSWER, "12 m/s"])
    with store.write() as session:
        set_meta(session, DEVICE_TOKEN, TOKEN)
    take_backup(data_dir, "manual")
    store.close()
    # Some message mentions a learner: the bundle must not carry it out.
    setup_logging(data_dir)
    try:
        logging.getLogger("slate.test").info("profile chosen: %s", LEARNER.upper())
    finally:
        stop_logging()
    config_dir = tmp_path / "home" / "slate"
    config_dir.mkdir(parents=True)
    (config_dir / "slate.toml").write_text(
        f'server_url = "http://hub:8765"\nenrollment_code = "{ENROLLMENT_CODE}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "home"), "XDG_CONFIG_DIRS": str(tmp_path / "etc")}
    out = tmp_path / "out" / "bundle.zip"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "support-bundle", "--json", "--out", str(out),
         "--data-dir", str(data_dir)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["path"] == str(out)

    with zipfile.ZipFile(out) as bundle:
        members = set(bundle.namelist())
        assert {"doctor.json", "config.json", "versions.json", "store.json", "backups.json",
                "logs/slate.log"} <= members
        store_stats = json.loads(bundle.read("store.json"))
        config = json.loads(bundle.read("config.json"))
        log_text = bundle.read("logs/slate.log").decode()
    assert store_stats["rows"]["events"] == 2 and store_stats["rows"]["users"] == 1
    assert config["settings"]["server_url"]["value"] == "http://hub:8765"
    assert config["settings"]["enrollment_code"]["value"] == "(redacted)"
    assert "profile chosen: [learner]" in log_text
    assert "support-bundle" in log_text  # the CLI logs each command it runs

    text = everything_in(out).lower()
    for secret in (LEARNER, "zawadi", "mwangaza", ANSWER, "ninety-seven", ENROLLMENT_CODE, TOKEN):
        assert secret.lower() not in text, secret
    assert not list(out.parent.glob("*.part"))


def test_the_log_file_rotates_and_keeps_a_bounded_history(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    data_dir.mkdir()
    path = setup_logging(data_dir)
    assert path == data_dir / "logs" / "slate.log"
    assert setup_logging(data_dir) == path  # idempotent: one handler, not two
    log = logging.getLogger("slate.test")
    try:
        line = "x" * 1000
        for _ in range((BACKUP_COUNT + 3) * MAX_BYTES // 1000):
            log.info(line)
    finally:
        stop_logging()
    files = log_files(data_dir)
    assert [p.name for p in files] == ["slate.log"] + [
        f"slate.log.{n}" for n in range(1, BACKUP_COUNT + 1)
    ]
    assert all(p.stat().st_size <= MAX_BYTES + 2000 for p in files)
    single = (data_dir / "logs" / "slate.log.1").read_text().splitlines()
    assert all(line.endswith("x" * 1000) and " INFO slate.test " in line for line in single)


def test_a_bundle_for_a_folder_without_a_store_still_says_what_it_can(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = write_support_bundle(empty, tmp_path / "b.zip")
    with zipfile.ZipFile(result.path) as bundle:
        assert json.loads(bundle.read("store.json"))["store_exists"] is False
        doctor = json.loads(bundle.read("doctor.json"))
    assert any(c["name"] == "store" and c["status"] == "warn" for c in doctor["checks"])
