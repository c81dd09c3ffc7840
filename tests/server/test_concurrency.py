"""Many laptops, and one laptop retrying, pushing at the same time."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.server.helpers import make_events, new_source_id, push
from tests.support.server_process import ServerProcess


def _push_until_acked(server: ServerProcess, token: str, source: str, events: list[Any]) -> int:
    """Push overlapping batches from random starting points until everything is acknowledged,
    as a client that keeps losing answers would."""
    rng = random.Random(source)
    acked = 0
    with server.client(token) as client:
        while acked < len(events):
            start = rng.randrange(0, acked + 1)
            response = push(client, source, events[start : start + 25])
            assert response.status_code in (200, 503), response.text
            if response.status_code == 200:
                acked = max(acked, response.json()["acked_through"])
    return acked


def test_concurrent_pushes_store_each_event_once(
    server: ServerProcess, school: dict[str, Any]
) -> None:
    tokens = [server.enroll(school["enrollment_code"], f"Laptop {i}") for i in range(4)]
    sources = {new_source_id(): tokens[i % len(tokens)] for i in range(6)}
    batches = {source: make_events(range(1, 101)) for source in sources}
    jobs = [(source, token) for source, token in sources.items() for _ in range(2)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(
            pool.map(lambda job: _push_until_acked(server, job[1], job[0], batches[job[0]]), jobs)
        )
    assert results == [100] * len(jobs)
    stats = server.stats()
    assert stats["events_total"] == 600
    with server.client(tokens[0]) as client:
        for source, events in batches.items():
            if sources[source] == tokens[0]:
                state = client.get(f"/sources/{source}").json()
                assert (state["acked_through"], state["hwm_event_id"]) == (100, events[-1]["id"])
