"""`slate server` administration commands."""

from __future__ import annotations

import re
from typing import Any

from tests.server.helpers import make_event, make_events, new_source_id, push_ok
from tests.support.server_process import ServerProcess

CODE_PATTERN = re.compile(r"^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$")


def test_school_add_json(server: ServerProcess) -> None:
    school = server.add_school("Lakeside Secondary")
    assert set(school) == {"school_id", "name", "enrollment_code"}
    assert school["name"] == "Lakeside Secondary"
    assert CODE_PATTERN.match(school["enrollment_code"]), school["enrollment_code"]
    other = server.add_school("Hilltop")
    assert other["enrollment_code"] != school["enrollment_code"]
    listed = server.cli_json("school", "list")
    assert [s["school_id"] for s in listed] == [school["school_id"], other["school_id"]]
    assert listed[0]["enrollment_code"] == school["enrollment_code"]
    plain = server.cli("school", "list").stdout
    assert "Lakeside Secondary" in plain and school["enrollment_code"] in plain


def test_stats_counts_by_verb_and_device(server: ServerProcess, school: dict[str, Any]) -> None:
    assert server.stats() == {"events_total": 0, "by_verb": {}, "by_device": {}}
    first = server.enroll_device(school["enrollment_code"], "Laptop 1")
    second = server.enroll_device(school["enrollment_code"], "Laptop 2")
    with server.client(first["token"]) as client:
        push_ok(
            client,
            new_source_id(),
            [*make_events(range(1, 4)), make_event(4, verb="completed")],
        )
    with server.client(second["token"]) as client:
        push_ok(client, new_source_id(), make_events(range(1, 3), verb="experienced"))
    stats = server.stats()
    assert stats == {
        "events_total": 6,
        "by_verb": {"answered": 3, "completed": 1, "experienced": 2},
        "by_device": {first["device_id"]: 4, second["device_id"]: 2},
    }
    table = server.cli("stats").stdout
    assert "6" in table and "answered" in table and "Laptop 1" in table


def test_revoking_an_unknown_device_fails_clearly(server: ServerProcess) -> None:
    done = server.cli("device", "revoke", "no-such-device", check=False)
    assert done.returncode == 1
    assert "no-such-device" in done.stderr


def test_data_dir_from_the_environment(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "SLATE_DATA_DIR": str(tmp_path / "from-env")}
    env.pop("SLATE_SERVER_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "server", "school", "add", "Env School", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"Env School"' in done.stdout
    assert (tmp_path / "from-env" / "server.db").exists()


def test_a_mistyped_data_dir_is_said_not_made_into_an_empty_server(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    missing = tmp_path / "nosuchschool"
    for command in (["school", "list"], ["stats", "--json"], ["device", "list"]):
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "server", *command, "--data-dir", str(missing)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1, done
        assert f"{missing} (--data-dir) does not exist" in done.stderr
    assert not missing.exists()
