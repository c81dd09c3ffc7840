"""GET /metrics on the real server, in the Prometheus text format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.db.store import Store
from sync.bundle_laptop import export_bundle
from sync.client import OutboxPusher
from tests.bundles.helpers import import_bundle
from tests.server.helpers import make_event, new_source_id, push, push_ok
from tests.support.learning import learn
from tests.support.server_process import ServerProcess


def scrape(server: ServerProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{server.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_pushes_errors_devices_and_bundles_are_counted(
    server: ServerProcess, school: dict[str, Any], demo_store: Store, learner: str, tmp_path: Path
) -> None:
    source = new_source_id()
    with server.client(server.enroll(school["enrollment_code"], "lab-1")) as client:
        push_ok(client, source, [make_event(s) for s in range(1, 11)])
        push_ok(client, source, [make_event(s) for s in range(11, 16)])
        assert push(client, source, [make_event(1)]).status_code == 409  # seq_conflict
        assert client.post("/events", content=b"{").status_code == 422
    with server.client("not-a-token") as stranger:
        assert push(stranger, source, []).status_code == 401
    # A laptop that syncs by USB: counted from the database, though the CLI imported it.
    learn(demo_store, learner, 2)
    with OutboxPusher(demo_store, server.url) as pusher:
        pusher.enroll(school["enrollment_code"], "lab-2")
    bundle = export_bundle(demo_store, tmp_path / "lab-2.slate-bundle")
    import_bundle(server, bundle.path)

    m = scrape(server)
    assert m[("slate_events_ingested_total", ())] == 15
    assert m[("slate_push_requests_total", (("status", "200"),))] == 2
    assert m[("slate_push_requests_total", (("status", "409"),))] == 1
    assert m[("slate_push_duration_seconds_count", ())] == 5
    assert m[("slate_errors_total", (("code", "seq_conflict"),))] == 1
    assert m[("slate_errors_total", (("code", "invalid_payload"),))] == 1
    assert m[("slate_errors_total", (("code", "unauthorized"),))] == 1
    assert m[("slate_events_stored_total", ())] == 15 + bundle.event_count
    assert m[("slate_bundle_imports_total", ())] == 1
    assert m[("slate_bundle_events_inserted_total", ())] == bundle.event_count
    assert m[("slate_devices", (("state", "seen"),))] == 2
    assert m[("slate_devices", (("state", "revoked"),))] == 0


def test_several_worker_processes_report_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two server processes on one database and one PROMETHEUS_MULTIPROC_DIR: either one's
    /metrics shows the pushes both answered."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    database = f"sqlite:///{tmp_path / 'server.db'}"
    first = ServerProcess(tmp_path / "one", database_url=database)
    second = ServerProcess(tmp_path / "two", database_url=database)
    with first, second:
        code = first.add_school("Riverside Primary")["enrollment_code"]
        for server, count in ((first, 3), (second, 4)):
            with server.client(server.enroll(code, f"lab-{count}")) as client:
                push_ok(client, new_source_id(), [make_event(s) for s in range(1, count + 1)])
        for server in (first, second):
            m = scrape(server)
            assert m[("slate_events_ingested_total", ())] == 7
            assert m[("slate_push_requests_total", (("status", "200"),))] == 2
            assert m[("slate_events_stored_total", ())] == 7
