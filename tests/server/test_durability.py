"""What the server acknowledged survives the process being killed."""

from __future__ import annotations

import signal
from typing import Any

from tests.server.helpers import make_events, new_source_id, push_ok
from tests.support.server_process import ServerProcess


def test_sigkill_and_restart_keep_everything(server: ServerProcess, school: dict[str, Any]) -> None:
    token = server.enroll(school["enrollment_code"], "Laptop")
    source = new_source_id()
    events = make_events(range(1, 51))
    with server.client(token) as client:
        assert push_ok(client, source, events[:30])["acked_through"] == 30
        assert push_ok(client, source, events[30:])["acked_through"] == 50
    stats_before = server.stats()

    server.kill()
    server.start()

    assert server.stats() == stats_before
    with server.client(token) as client:  # the device's token is still good
        state = client.get(f"/sources/{source}").json()
        assert (state["acked_through"], state["hwm_event_id"]) == (50, events[-1]["id"])
        again = push_ok(client, source, events)
        assert (again["acked_through"], again["inserted"], again["duplicates"]) == (50, 0, 50)
        more = push_ok(client, source, make_events(range(51, 53)))
        assert (more["acked_through"], more["inserted"]) == (52, 2)
    assert server.stats()["events_total"] == 52
    # Same school, same code after the restart.
    assert server.enroll(school["enrollment_code"], "Laptop 2")


def test_sigterm_stops_cleanly(server: ServerProcess, school: dict[str, Any]) -> None:
    with server.client(server.enroll(school["enrollment_code"], "Laptop")) as client:
        push_ok(client, new_source_id(), make_events(range(1, 4)))
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why.
    assert server.stop() in (0, -signal.SIGTERM)
    # The last connection closed cleanly: SQLite folded the write-ahead log back and removed it.
    assert (server.data_dir / "server.db").exists()
    assert not (server.data_dir / "server.db-wal").exists()
