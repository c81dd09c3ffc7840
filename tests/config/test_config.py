"""slate.toml: layered files, environment overrides, where each value came from, bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import DeploymentConfig, load_config
from app.paths import resolve_data_dir

REPO = Path(__file__).resolve().parents[2]


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "slate.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_later_files_override_earlier_and_the_environment_overrides_files(tmp_path: Path) -> None:
    beside, system, user = tmp_path / "exe", tmp_path / "etc", tmp_path / "home"
    exe_file = write(
        beside,
        'server_url = "http://district:8765/"\nschool_code = "RIV-01"\nsync_interval = 120\n',
    )
    system_file = write(system, 'server_url = "school-hub:8765"\n[lockdown]\nfullscreen = true\n')
    user_file = write(user, 'language = "sw"\n')
    config = load_config(
        [beside, system, user], {"SLATE_SYNC_INTERVAL": "45", "SLATE_ENROLLMENT_CODE": "ABC"}
    )
    assert config.problems == []
    assert config.values.server_url == "http://school-hub:8765"
    assert config.sources["server_url"] == str(system_file)
    assert config.values.school_code == "RIV-01"
    assert config.sources["school_code"] == str(exe_file)
    assert config.values.language == "sw"
    assert config.sources["language"] == str(user_file)
    assert config.values.sync_interval == 45
    assert config.sources["sync_interval"] == "SLATE_SYNC_INTERVAL"
    assert config.values.enrollment_code == "ABC"
    assert config.values.lockdown.fullscreen is True
    assert config.sources["lockdown.fullscreen"] == str(system_file)
    assert config.values.backups_keep == DeploymentConfig().backups_keep
    assert config.sources["backups_keep"] == "default"
    assert [found for _, found in config.files] == [True, True, True]


def test_a_syntax_error_names_file_line_and_key_and_that_file_alone_is_set_aside(
    tmp_path: Path,
) -> None:
    good = write(tmp_path / "etc", 'server_url = "http://hub:8765"\n')
    bad = write(tmp_path / "home", '# IT\nschool_code = "X"\nlanguage = fr\n')
    config = load_config([tmp_path / "etc", tmp_path / "home"], {})
    assert config.values.server_url == "http://hub:8765"
    assert config.sources["server_url"] == str(good)
    assert config.values.school_code is None  # nothing from the broken file is trusted
    [problem] = config.problems
    assert (problem.source, problem.line, problem.key) == (str(bad), 3, "language")
    text = str(problem)
    assert str(bad) in text and "line 3" in text and "not valid TOML" in text
    assert "this file is ignored" in text


def test_unknown_keys_and_wrong_types_are_set_aside_one_by_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'server_url = "http://hub:8765"\n'
        'langauge = "fr"\n'
        'sync_interval = "often"\n'
        "backups_keep = 0\n"
        'data_location = "relative/folder"\n'
        "\n[lockdown]\nfullscreen = true\nblock_app_switching = 3\n",
    )
    config = load_config([tmp_path], {"SLATE_LOCKDOWN_FULLSCREEN": "perhaps"})
    found = {(p.key, p.line) for p in config.problems}
    assert found == {
        ("langauge", 2),
        ("sync_interval", 3),
        ("backups_keep", 4),
        ("data_location", 5),
        ("lockdown.block_app_switching", 9),
        ("lockdown.fullscreen", None),
    }
    assert all(p.source == str(path) for p in config.problems if p.line)
    env_problem = next(p for p in config.problems if p.line is None)
    assert env_problem.source == "SLATE_LOCKDOWN_FULLSCREEN"
    assert "unknown key" in next(str(p) for p in config.problems if p.key == "langauge")
    # What was readable is used; the rest are safe defaults.
    assert config.values.server_url == "http://hub:8765"
    assert config.values.lockdown.fullscreen is True
    defaults = DeploymentConfig()
    assert config.values.sync_interval == defaults.sync_interval
    assert config.values.backups_keep == defaults.backups_keep
    assert config.values.data_location == "user"
    assert config.values.lockdown.block_app_switching is False


def test_a_bad_server_url_is_refused_with_the_reason(tmp_path: Path) -> None:
    write(tmp_path, 'server_url = "ftp://hub"\n')
    [problem] = load_config([tmp_path], {}).problems
    assert problem.key == "server_url" and problem.line == 1
    assert "http://HOST:PORT" in str(problem)


def test_data_location_chooses_the_store_folder_below_the_command_line_and_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared-store"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc"))
    monkeypatch.delenv("SLATE_DATA_DIR", raising=False)
    write(tmp_path / "etc" / "slate", f'data_location = "{shared}"\n')
    assert resolve_data_dir() == shared.resolve()
    monkeypatch.setenv("SLATE_DATA_DIR", str(tmp_path / "env-store"))
    assert resolve_data_dir() == (tmp_path / "env-store").resolve()
    assert resolve_data_dir(tmp_path / "flag-store") == (tmp_path / "flag-store").resolve()


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home")
    env["XDG_CONFIG_DIRS"] = str(tmp_path / "etc")
    for var in list(env):
        if var.startswith("SLATE_"):
            del env[var]
    return env


def slate(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO,
        env={**cli_env(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_config_show_json_says_where_each_value_came_from(tmp_path: Path) -> None:
    system_file = write(tmp_path / "etc" / "slate", 'school_code = "RIV-01"\n')
    done = slate(tmp_path, "config", "show", "--json", SLATE_SERVER_URL="http://hub:9000")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    settings = shown["settings"]
    assert settings["school_code"] == {"value": "RIV-01", "source": str(system_file)}
    assert settings["server_url"] == {"value": "http://hub:9000", "source": "SLATE_SERVER_URL"}
    assert settings["sync_interval"]["source"] == "default"
    assert {"path": str(system_file), "found": True} in shown["files"]
    assert shown["problems"] == []

    text = slate(tmp_path, "config", "show").stdout
    school_line = next(line for line in text.splitlines() if line.startswith("school_code"))
    assert "RIV-01" in school_line and str(system_file) in school_line


def test_the_cli_warns_on_stderr_about_a_bad_file_and_still_runs(tmp_path: Path) -> None:
    bad = write(tmp_path / "home" / "slate", 'sync_interval = "often"\n')
    store = tmp_path / "store"
    done = slate(tmp_path, "profile", "add", "Amina", "--data-dir", str(store))
    assert done.returncode == 0, done.stderr
    assert f"slate: warning: {bad}, line 1: key 'sync_interval'" in done.stderr
    listed = slate(tmp_path, "config", "show", "--json")
    assert listed.returncode == 0
    assert len(json.loads(listed.stdout)["problems"]) == 1


def test_the_documented_example_file_is_valid_and_sets_every_key(tmp_path: Path) -> None:
    example = REPO / "packaging" / "slate.toml.example"
    write(tmp_path, example.read_text(encoding="utf-8"))
    config = load_config([tmp_path], {})
    assert config.problems == []
    from app.config import KEYS

    assert {key for key in KEYS if config.sources[key] == "default"} == set()
