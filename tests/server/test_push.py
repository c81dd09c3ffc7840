"""Pushing events: acknowledgement, idempotence, gaps, conflicts and ownership."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sync.protocol import PushResponse, SourceState
from tests.server.helpers import (
    assert_error,
    make_event,
    make_events,
    new_source_id,
    push,
    push_ok,
)
from tests.support.server_process import ServerProcess


@pytest.fixture
def token(server: ServerProcess, school: dict[str, Any]) -> str:
    return server.enroll(school["enrollment_code"], "Laptop 1")


@pytest.fixture
def client(server: ServerProcess, token: str) -> Any:
    with server.client(token) as c:
        yield c


def test_unknown_source_stands_at_zero(client: httpx.Client) -> None:
    response = client.get(f"/sources/{new_source_id()}")
    assert response.status_code == 200
    state = SourceState.model_validate(response.json())
    assert (state.acked_through, state.hwm_event_id) == (0, None)


def test_a_malformed_source_id_in_the_path(client: httpx.Client) -> None:
    body = assert_error(client.get("/sources/short"), 422, "invalid_payload")
    assert "source_id" in body["detail"]


def test_a_push_is_stored_exactly_once(server: ServerProcess, client: httpx.Client) -> None:
    source = new_source_id()
    events = make_events(range(1, 6))
    answer = PushResponse.model_validate(push_ok(client, source, events))
    assert (answer.source_id, answer.acked_through) == (source, 5)
    assert (answer.inserted, answer.duplicates) == (5, 0)
    state = SourceState.model_validate(client.get(f"/sources/{source}").json())
    assert (state.acked_through, state.hwm_event_id) == (5, events[-1]["id"])
    assert server.stats()["events_total"] == 5


def test_the_same_batch_twice_changes_nothing(server: ServerProcess, client: httpx.Client) -> None:
    source = new_source_id()
    events = make_events(range(1, 4))
    first = push_ok(client, source, events)
    stats_after_first = server.stats()
    second = push_ok(client, source, events)
    assert second["acked_through"] == first["acked_through"] == 3
    assert (second["inserted"], second["duplicates"]) == (0, 3)
    assert server.stats() == stats_after_first
    # Out of order and with a repeat inside the batch: still the same outcome.
    again = push_ok(client, source, [events[2], events[0], events[1], events[0]])
    assert (again["acked_through"], again["inserted"]) == (3, 0)
    assert server.stats() == stats_after_first


def test_a_gap_stops_the_acknowledgement(server: ServerProcess, client: httpx.Client) -> None:
    source = new_source_id()
    one, two, three, four = make_events(range(1, 5))
    first = push_ok(client, source, [one, two, four])
    assert (first["acked_through"], first["inserted"], first["duplicates"]) == (2, 2, 0)
    assert server.stats()["events_total"] == 2
    later = push_ok(client, source, [three, four])
    assert (later["acked_through"], later["inserted"], later["duplicates"]) == (4, 2, 0)
    assert server.stats()["events_total"] == 4
    state = client.get(f"/sources/{source}").json()
    assert state["hwm_event_id"] == four["id"]


def test_resending_from_the_mark_continues(client: httpx.Client) -> None:
    source = new_source_id()
    events = make_events(range(1, 11))
    push_ok(client, source, events[:4])
    # A client that lost our answer resends from its own older mark, overlapping the acked part.
    answer = push_ok(client, source, events[2:])
    assert (answer["acked_through"], answer["inserted"], answer["duplicates"]) == (10, 6, 2)


def test_a_different_event_at_an_acknowledged_seq_is_a_conflict(
    server: ServerProcess, client: httpx.Client
) -> None:
    source = new_source_id()
    events = make_events(range(1, 4))
    push_ok(client, source, events)
    rolled_back = make_event(2)  # a restored store recorded something new at seq 2
    response = push(client, source, [events[0], rolled_back, *make_events(range(4, 6))])
    body = assert_error(response, 409, "seq_conflict")
    assert body["acked_through"] == 3
    assert rolled_back["id"] in body["detail"]
    # Refused as a whole: nothing of that push was written.
    assert server.stats()["events_total"] == 3
    assert client.get(f"/sources/{source}").json()["acked_through"] == 3


def test_a_source_belongs_to_the_device_that_pushed_it_first(
    server: ServerProcess, school: dict[str, Any], client: httpx.Client
) -> None:
    source = new_source_id()
    push_ok(client, source, make_events(range(1, 3)))
    other_token = server.enroll(school["enrollment_code"], "Laptop 2")
    with server.client(other_token) as other:
        assert_error(
            push(other, source, make_events(range(3, 5))), 403, "source_owned_by_other_device"
        )
        assert_error(other.get(f"/sources/{source}"), 403, "source_owned_by_other_device")
    assert server.stats()["events_total"] == 2


def test_an_event_already_received_through_another_source_is_a_duplicate(
    server: ServerProcess, client: httpx.Client
) -> None:
    # A store restored from backup gets a new source_id and may resend events under it.
    old, new = new_source_id(), new_source_id()
    events = make_events(range(1, 4))
    push_ok(client, old, events)
    renumbered = [dict(event, seq=index) for index, event in enumerate(events[1:], start=1)]
    fresh = make_event(3)
    answer = push_ok(client, new, [*renumbered, fresh])
    assert (answer["acked_through"], answer["inserted"], answer["duplicates"]) == (3, 1, 2)
    # Resending the whole batch under the new source is still accepted, and changes nothing.
    again = push_ok(client, new, [*renumbered, fresh])
    assert (again["acked_through"], again["inserted"], again["duplicates"]) == (3, 0, 3)
    assert server.stats()["events_total"] == 4


def test_a_gzip_body_is_accepted(server: ServerProcess, client: httpx.Client) -> None:
    source = new_source_id()
    response = push(client, source, make_events(range(1, 301)), gzipped=True)
    assert response.status_code == 200, response.text
    assert response.json()["acked_through"] == 300
    assert server.stats()["events_total"] == 300


def test_an_empty_push_reports_the_mark(client: httpx.Client) -> None:
    source = new_source_id()
    push_ok(client, source, make_events(range(1, 3)))
    answer = push_ok(client, source, [])
    assert (answer["acked_through"], answer["inserted"], answer["duplicates"]) == (2, 0, 0)
