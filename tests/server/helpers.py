"""Building push payloads for server tests."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

ADL = "http://adlnet.gov/expapi/verbs/"


def new_source_id() -> str:
    return f"src-{uuid.uuid4().hex[:16]}"


def make_event(seq: int, *, verb: str = "answered", event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or str(uuid.uuid4()),
        "seq": seq,
        "user_id": "learner-1",
        "user_name": "Amina",
        "verb": ADL + verb,
        "object_id": "https://slate.example/activities/quiz-1/q-3",
        "course_id": "fractions",
        "course_version": "1",
        "result": {"response": "3/4", "success": True, "score": {"raw": 1, "max": 1}},
        "context": {"attempt": "a-1"},
        "occurred_at": datetime(2025, 3, 1, 9, 30, seq % 60, tzinfo=UTC).isoformat(),
        "clock_offset_ms": -1500,
    }


def make_events(seqs: range | list[int], **kwargs: Any) -> list[dict[str, Any]]:
    return [make_event(seq, **kwargs) for seq in seqs]


def push(
    client: httpx.Client, source_id: str, events: list[dict[str, Any]], *, gzipped: bool = False
) -> httpx.Response:
    body = json.dumps({"source_id": source_id, "events": events}).encode()
    headers = {"Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return client.post("/events", content=body, headers=headers)


def push_ok(client: httpx.Client, source_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    response = push(client, source_id, events)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    return body
