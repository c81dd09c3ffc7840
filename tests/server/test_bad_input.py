"""Bad pushes get a clear 4xx ErrorBody and change nothing."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest

from sync.protocol import MAX_BODY_BYTES, MAX_EVENTS_PER_PUSH
from tests.server.helpers import assert_error, make_event, make_events, new_source_id, push
from tests.support.server_process import ServerProcess


@pytest.fixture
def client(server: ServerProcess, school: dict[str, Any]) -> Any:
    with server.client(server.enroll(school["enrollment_code"], "Laptop")) as c:
        yield c


def _post_raw(client: httpx.Client, body: bytes, **headers: str) -> httpx.Response:
    return client.post(
        "/events", content=body, headers={"Content-Type": "application/json", **headers}
    )


def test_malformed_json(client: httpx.Client) -> None:
    body = assert_error(_post_raw(client, b'{"source_id": "abc'), 422, "invalid_payload")
    assert "JSON" in body["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seq": 0}, "events[0].seq"),
        ({"id": "not-a-uuid-at-all-but-long-enough-xx"}, "events[0].id"),
        ({"verb": ""}, "events[0].verb"),
        ({"occurred_at": "yesterday"}, "events[0].occurred_at"),
        ({"unexpected": 1}, "events[0].unexpected"),
        ({"user_name": "nul\u0000byte"}, "events[0].user_name"),
        ({"result": {"score": {"raw": float("nan")}}}, "events[0].result.score.raw"),
        ({"seq": 2**63}, "events[0].seq"),
    ],
)
def test_an_invalid_event_names_its_field(
    server: ServerProcess, client: httpx.Client, change: dict[str, Any], field: str
) -> None:
    event = {**make_event(1), **change}
    response = _post_raw(
        client, json.dumps({"source_id": new_source_id(), "events": [event]}).encode()
    )
    body = assert_error(response, 422, "invalid_payload")
    assert field in body["detail"]
    assert server.stats()["events_total"] == 0


def test_two_events_at_one_seq_are_refused(client: httpx.Client) -> None:
    response = push(client, new_source_id(), [make_event(1), make_event(1)])
    body = assert_error(response, 422, "invalid_payload")
    assert "events[1].seq" in body["detail"]


def test_too_many_events(client: httpx.Client) -> None:
    events = make_events(range(1, MAX_EVENTS_PER_PUSH + 2))
    body = assert_error(push(client, new_source_id(), events), 422, "invalid_payload")
    assert "events" in body["detail"]


def test_a_body_over_the_limit(client: httpx.Client) -> None:
    filler = "x" * (MAX_BODY_BYTES + 1)
    assert_error(_post_raw(client, filler.encode()), 413, "payload_too_large")


def test_a_gzip_bomb_is_refused_while_inflating(client: httpx.Client) -> None:
    bomb = gzip.compress(b" " * (MAX_BODY_BYTES * 4))
    assert len(bomb) < MAX_BODY_BYTES // 100
    assert_error(_post_raw(client, bomb, **{"Content-Encoding": "gzip"}), 413, "payload_too_large")


def test_corrupt_gzip(client: httpx.Client) -> None:
    assert_error(
        _post_raw(client, b"certainly not gzip", **{"Content-Encoding": "gzip"}),
        400,
        "invalid_encoding",
    )
    truncated = gzip.compress(json.dumps({"source_id": new_source_id(), "events": []}).encode())
    assert_error(
        _post_raw(client, truncated[:-6], **{"Content-Encoding": "gzip"}), 400, "invalid_encoding"
    )


def test_an_unknown_encoding(client: httpx.Client) -> None:
    assert_error(
        _post_raw(client, b"{}", **{"Content-Encoding": "br"}), 415, "unsupported_encoding"
    )
