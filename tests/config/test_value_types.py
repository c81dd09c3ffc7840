"""TOML's types count in slate.toml: a wrong type is set aside, never coerced. Environment
variables, always text, are still parsed from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.config import DeploymentConfig, load_config

REPO = Path(__file__).resolve().parents[2]


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "slate.toml"
    path.write_text(text, encoding="utf-8")
    return path


WRONG_TYPES = [
    # (file text, the key's line, dotted key, the message pydantic gives)
    ('[lockdown]\nfullscreen = "yes"\n', 2, "lockdown.fullscreen", "valid boolean"),
    ("[lockdown]\nfullscreen = 1\n", 2, "lockdown.fullscreen", "valid boolean"),
    ("[lockdown]\nfullscreen = 0\n", 2, "lockdown.fullscreen", "valid boolean"),
    ('[lockdown]\nblock_app_switching = "off"\n', 2, "lockdown.block_app_switching", "boolean"),
    ('[lockdown]\nblock_app_switching = "true"\n', 2, "lockdown.block_app_switching", "boolean"),
    ('lockdown = { fullscreen = "yes" }\n', 1, "lockdown.fullscreen", "valid boolean"),
    ('# the school\n\nsync_interval = "45"\n', 3, "sync_interval", "valid number"),
    ("sync_interval = true\n", 1, "sync_interval", "valid number"),
    ('backups_keep = "7"\n', 1, "backups_keep", "valid integer"),
    ("backups_keep = 7.0\n", 1, "backups_keep", "valid integer"),
    ("backups_keep = true\n", 1, "backups_keep", "valid integer"),
    ("school_code = 1234\n", 1, "school_code", "valid string"),
    ("server_url = true\n", 1, "server_url", "valid string"),
    ("enrollment_code = 12345\n", 1, "enrollment_code", "valid string"),
]


def _default(key: str) -> Any:
    value: Any = DeploymentConfig()
    for part in key.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize(("text", "line", "key", "message"), WRONG_TYPES)
def test_a_wrong_type_in_the_file_is_a_problem_and_the_default_stands(
    tmp_path: Path, text: str, line: int, key: str, message: str
) -> None:
    path = write(tmp_path, text)
    config = load_config([tmp_path], {})
    [problem] = config.problems
    assert (problem.source, problem.line, problem.key) == (str(path), line, key)
    shown = str(problem)
    assert shown.startswith(f"{path}, line {line}: key '{key}': ")
    assert message in shown and "this setting is ignored" in shown
    assert config.get(key) == _default(key)
    assert config.sources[key] == "default"


def test_a_wrong_type_in_a_later_file_leaves_the_earlier_files_value(tmp_path: Path) -> None:
    system = write(tmp_path / "etc", "sync_interval = 60\n[lockdown]\nfullscreen = true\n")
    user = write(tmp_path / "home", 'sync_interval = "45"\n[lockdown]\nfullscreen = "no"\n')
    config = load_config([tmp_path / "etc", tmp_path / "home"], {})
    assert {(p.source, p.line, p.key) for p in config.problems} == {
        (str(user), 1, "sync_interval"),
        (str(user), 3, "lockdown.fullscreen"),
    }
    assert config.values.sync_interval == 60
    assert config.values.lockdown.fullscreen is True
    assert config.sources["sync_interval"] == config.sources["lockdown.fullscreen"] == str(system)


def test_the_right_types_are_used(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'server_url = "http://hub:8765"\n'
        'school_code = "RIV-01"\n'
        'enrollment_code = "ABCDE-FGHJK"\n'
        "sync_interval = 45\n"  # an integer where a float is expected is fine
        "backups_keep = 10\n"
        "[lockdown]\nfullscreen = true\nblock_app_switching = false\n",
    )
    config = load_config([tmp_path], {})
    assert config.problems == []
    values = config.values
    assert values.server_url == "http://hub:8765" and values.school_code == "RIV-01"
    assert values.enrollment_code == "ABCDE-FGHJK"
    assert values.sync_interval == 45.0 and isinstance(values.sync_interval, float)
    assert values.backups_keep == 10
    assert values.lockdown.fullscreen is True and values.lockdown.block_app_switching is False
    assert all(config.sources[k] == str(path) for k in ("sync_interval", "lockdown.fullscreen"))
    write(tmp_path, "sync_interval = 12.5\n")
    assert load_config([tmp_path], {}).values.sync_interval == 12.5


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("false", False), ("1", True), ("0", False)]
)
def test_environment_booleans_are_still_parsed_from_text(
    tmp_path: Path, raw: str, expected: bool
) -> None:
    write(tmp_path, "[lockdown]\nfullscreen = false\nblock_app_switching = true\n")
    config = load_config(
        [tmp_path],
        {"SLATE_LOCKDOWN_FULLSCREEN": raw, "SLATE_LOCKDOWN_BLOCK_APP_SWITCHING": raw},
    )
    assert config.problems == []
    assert config.values.lockdown.fullscreen is expected
    assert config.values.lockdown.block_app_switching is expected
    assert config.sources["lockdown.fullscreen"] == "SLATE_LOCKDOWN_FULLSCREEN"


def test_environment_numbers_are_parsed_and_nonsense_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[lockdown]\nfullscreen = true\n")
    config = load_config(
        [tmp_path],
        {
            "SLATE_SYNC_INTERVAL": "45",
            "SLATE_BACKUPS_KEEP": "3",
            "SLATE_LOCKDOWN_FULLSCREEN": "maybe",
        },
    )
    assert config.values.sync_interval == 45 and config.values.backups_keep == 3
    assert config.sources["sync_interval"] == "SLATE_SYNC_INTERVAL"
    [problem] = config.problems
    assert (problem.source, problem.key, problem.line) == (
        "SLATE_LOCKDOWN_FULLSCREEN",
        "lockdown.fullscreen",
        None,
    )
    assert "valid boolean" in str(problem) and "'maybe'" in str(problem)
    # The refused variable leaves the file's value.
    assert config.values.lockdown.fullscreen is True
    assert config.sources["lockdown.fullscreen"] == str(path)


def _slate(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home")
    env["XDG_CONFIG_DIRS"] = str(tmp_path / "etc")
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_config_show_lists_a_quoted_boolean_as_a_problem_and_shows_the_default(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "home" / "slate", '[lockdown]\nfullscreen = "yes"\n')
    done = _slate(tmp_path, "config", "show", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["settings"]["lockdown.fullscreen"] == {"value": False, "source": "default"}
    [problem] = shown["problems"]
    assert problem.startswith(f"{path}, line 2: key 'lockdown.fullscreen': ")
    # Every other command says it on stderr and still runs.
    listed = _slate(tmp_path, "profile", "list", "--data-dir", str(tmp_path / "store"))
    assert f"slate: warning: {path}, line 2: key 'lockdown.fullscreen'" in listed.stderr
