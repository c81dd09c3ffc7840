"""GET /xapi/statements on the real server: valid xAPI 1.0.3, paging, filters, lookups."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from app.db.store import Store
from sync.client import OutboxPusher
from tests.server.helpers import ADL, make_event, new_source_id, push_ok
from tests.support.learning import learn
from tests.support.server_process import ServerProcess
from tests.xapi.checker import assert_valid_statement
from tests.xapi.conftest import PUBLIC_URL, XAPI_HEADERS


def device(server: ServerProcess, school: dict[str, Any], name: str = "lab-1") -> httpx.Client:
    return server.client(server.enroll(school["enrollment_code"], name))


def all_pages(lrs: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    response = lrs.get("/xapi/statements", params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        statements += body["statements"]
        if not body["more"]:
            return statements
        response = lrs.get(body["more"])


def submitted(seq: int, **changes: Any) -> dict[str, Any]:
    """A quiz submission as app/attempts.py records it."""
    event = make_event(seq, verb="passed")
    event["result"] = {
        "score_scaled": 0.75,
        "score_raw": 3,
        "score_max": 4,
        "completion": True,
        "success": True,
    }
    event["context"] = {
        "attempt_id": "0191e3a0-1234-7000-8000-00000000abcd",
        "elapsed_s": 3725.5,
        "status": "submitted",
    }
    event.update(changes)
    return event


def test_events_come_out_as_valid_xapi_statements(
    xapi_server: ServerProcess, school: dict[str, Any], lrs: httpx.Client
) -> None:
    events = [
        make_event(1),
        submitted(2),
        make_event(3, verb="experienced") | {"result": None, "user_name": None},
        make_event(4) | {"result": {"response": ["b", "d"], "confidence": 4}},
        make_event(5) | {"result": {"watched": [[0, 2.5]], "position_s": 2.5, "duration_s": 78}},
        make_event(6) | {"verb": "slate-local-verb", "object_id": "quiz 1/question 3"},
        make_event(7) | {"clock_offset_ms": 10**15},  # a clock wildly off still maps
    ]
    with device(xapi_server, school) as client:
        push_ok(client, new_source_id(), events)
    response = lrs.get("/xapi/statements", params={"ascending": "true"})
    assert response.status_code == 200, response.text
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert response.headers["X-Experience-API-Consistent-Through"]
    statements = response.json()["statements"]
    assert [s["id"] for s in statements] == sorted(e["id"] for e in events)  # one push: by id
    for s in statements:
        assert_valid_statement(s)
    by_id = {s["id"]: s for s in statements}

    first = by_id[events[0]["id"]]
    assert first["actor"] == {
        "objectType": "Agent",
        "name": "Amina",
        "account": {"homePage": f"{PUBLIC_URL}/schools/{school['school_id']}", "name": "learner-1"},
    }
    assert first["verb"] == {"id": ADL + "answered", "display": {"en-US": "answered"}}
    assert first["object"] == {"objectType": "Activity", "id": events[0]["object_id"]}
    assert first["result"]["score"] == {"raw": 1, "max": 1, "scaled": 1.0}
    assert first["context"]["revision"] == "1"
    # The device clock is corrected by the offset it measured; the raw time is kept.
    assert first["timestamp"] == "2025-03-01T09:29:59.500000Z"  # 09:30:01 on a clock 1.5 s fast
    assert (
        first["context"]["extensions"]["https://slate.example.org/xapi/extensions/device-time"]
        == "2025-03-01T09:30:01.000000Z"
    )

    quiz = by_id[events[1]["id"]]
    assert quiz["result"] == {
        "score": {"scaled": 0.75, "raw": 3, "max": 4},
        "success": True,
        "completion": True,
        "duration": "PT1H2M5.5S",
    }
    assert quiz["context"]["registration"] == "0191e3a0-1234-7000-8000-00000000abcd"
    assert "name" not in by_id[events[2]["id"]]["actor"]
    assert json.loads(by_id[events[3]["id"]]["result"]["response"]) == ["b", "d"]
    odd = by_id[events[5]["id"]]
    assert odd["verb"]["id"] == f"{PUBLIC_URL}/xapi/verbs/slate-local-verb"
    assert odd["object"]["id"] == f"{PUBLIC_URL}/xapi/activities/quiz%201%2Fquestion%203"


def test_a_laptops_real_events_are_valid_statements(
    demo_store: Store,
    learner: str,
    xapi_server: ServerProcess,
    school: dict[str, Any],
    lrs: httpx.Client,
) -> None:
    learn(demo_store, learner, 3)
    with OutboxPusher(demo_store, xapi_server.url) as pusher:
        pusher.enroll(school["enrollment_code"], "lab-2")
        report = pusher.push()
    statements = all_pages(lrs)
    assert len(statements) == report.local_total
    for s in statements:
        assert_valid_statement(s)
        assert s["context"]["contextActivities"]["grouping"][0]["id"] == (
            "urn:slate:activity:demo.speed-distance-time"
        )


def test_the_version_header_is_required_and_always_returned(
    xapi_server: ServerProcess, lrs: httpx.Client
) -> None:
    auth = {"Authorization": XAPI_HEADERS["Authorization"]}
    missing = httpx.get(f"{xapi_server.url}/xapi/statements", headers=auth)
    assert missing.status_code == 400 and "X-Experience-API-Version" in missing.json()["detail"]
    assert missing.headers["X-Experience-API-Version"] == "1.0.3"
    old = httpx.get(
        f"{xapi_server.url}/xapi/statements", headers=auth | {"X-Experience-API-Version": "0.95"}
    )
    assert old.status_code == 400
    about = httpx.get(f"{xapi_server.url}/xapi/about")
    assert about.json() == {"version": ["1.0.3"]}


def test_readers_need_their_credentials(xapi_server: ServerProcess, school: dict[str, Any]) -> None:
    url = f"{xapi_server.url}/xapi/statements"
    version = {"X-Experience-API-Version": "1.0.3"}
    token = xapi_server.enroll(school["enrollment_code"], "lab-3")
    for headers in (
        version,
        version | {"Authorization": "Basic cmVwb3J0aW5nOndyb25n"},  # reporting:wrong
        version | {"Authorization": f"Bearer {token}"},  # a laptop cannot read statements
    ):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert response.json()["error"] == "unauthorized"


def test_paging_with_more_returns_every_statement_once(
    xapi_server: ServerProcess, school: dict[str, Any], lrs: httpx.Client
) -> None:
    source = new_source_id()
    with device(xapi_server, school) as client:
        for start in range(1, 26, 5):  # five pushes: stored times differ between them
            push_ok(client, source, [make_event(s) for s in range(start, start + 5)])
    first = lrs.get("/xapi/statements", params={"limit": 10}).json()
    assert len(first["statements"]) == 10 and first["more"].startswith("/xapi/statements?more=")
    newest_first = all_pages(lrs, limit=10)
    oldest_first = all_pages(lrs, limit=7, ascending="true")
    assert len(newest_first) == 25 == len({s["id"] for s in newest_first})
    assert [s["id"] for s in oldest_first] == [s["id"] for s in reversed(newest_first)]
    stored = [s["stored"] for s in oldest_first]
    assert stored == sorted(stored)
    # Statements arriving while a reader pages do not disturb the pages it is walking.
    page = lrs.get("/xapi/statements", params={"limit": 10}).json()
    with device(xapi_server, school, "lab-9") as client:
        push_ok(client, new_source_id(), [make_event(1)])
    rest = lrs.get(page["more"]).json()
    assert {s["id"] for s in rest["statements"]}.isdisjoint(s["id"] for s in page["statements"])
    forged = base64.urlsafe_b64encode(json.dumps({"since": "yesterday"}).encode()).decode()
    for cursor in ("not-a-cursor", forged):
        assert lrs.get("/xapi/statements", params={"more": cursor}).status_code == 400


def test_filters_by_agent_verb_activity_and_stored_time(
    xapi_server: ServerProcess, school: dict[str, Any], lrs: httpx.Client
) -> None:
    source = new_source_id()
    early = [make_event(1), make_event(2, verb="passed")]
    late = [
        make_event(3) | {"user_id": "learner-2", "object_id": "urn:slate:activity:c:quiz-2"},
        make_event(4, verb="passed"),
    ]
    with device(xapi_server, school) as client:
        push_ok(client, source, early)
        push_ok(client, source, late)
    home = f"{PUBLIC_URL}/schools/{school['school_id']}"

    def ids(**params: Any) -> set[str]:
        return {s["id"] for s in all_pages(lrs, limit=1, **params)}

    agent = json.dumps({"objectType": "Agent", "account": {"homePage": home, "name": "learner-2"}})
    assert ids(agent=agent) == {late[0]["id"]}
    other_school = json.dumps(
        {"account": {"homePage": f"{PUBLIC_URL}/schools/x", "name": "learner-2"}}
    )
    assert ids(agent=other_school) == set()
    assert ids(agent=json.dumps({"mbox": "mailto:amina@example.org"})) == set()
    assert ids(verb=ADL + "passed") == {early[1]["id"], late[1]["id"]}
    assert ids(activity="urn:slate:activity:c:quiz-2") == {late[0]["id"]}
    assert ids(verb=ADL + "passed", agent=agent) == set()
    split = max(s["stored"] for s in all_pages(lrs) if s["id"] in {e["id"] for e in early})
    assert ids(since=split) == {e["id"] for e in late}
    assert ids(until=split) == {e["id"] for e in early}
    assert ids(since="2000-01-01T00:00:00Z", until="2000-01-02T00:00:00Z") == set()
    for bad in (
        {"agent": "not json"},
        {"agent": json.dumps({"account": {"name": "x"}})},
        {"verb": "not an iri"},
        {"since": "yesterday"},
        {"limit": "-1"},
        {"ascending": "maybe"},
        {"registration_typo": "x"},
    ):
        response = lrs.get("/xapi/statements", params=bad)
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["detail"].startswith(next(iter(bad)).split("_")[0])


def test_a_statement_by_its_id(
    xapi_server: ServerProcess, school: dict[str, Any], lrs: httpx.Client
) -> None:
    event = submitted(1)
    with device(xapi_server, school) as client:
        push_ok(client, new_source_id(), [event])
    listed = lrs.get("/xapi/statements").json()["statements"][0]
    one = lrs.get("/xapi/statements", params={"statementId": event["id"].upper()})
    assert one.status_code == 200 and one.json() == listed
    assert_valid_statement(one.json())
    unknown = "0191e3a0-0000-7000-8000-00000000ffff"
    assert lrs.get("/xapi/statements", params={"statementId": unknown}).status_code == 404
    assert lrs.get("/xapi/statements", params={"voidedStatementId": unknown}).status_code == 404
    with_filter = lrs.get("/xapi/statements", params={"statementId": event["id"], "limit": 1})
    assert with_filter.status_code == 400
    assert lrs.get("/xapi/statements", params={"statementId": "nope"}).status_code == 400


def test_a_limit_of_zero_or_too_many_means_the_servers_maximum(
    xapi_server: ServerProcess, school: dict[str, Any], lrs: httpx.Client
) -> None:
    with device(xapi_server, school) as client:
        push_ok(client, new_source_id(), [make_event(s) for s in range(1, 4)])
    for limit in ("0", "100000"):
        body = lrs.get("/xapi/statements", params={"limit": limit}).json()
        assert len(body["statements"]) == 3 and body["more"] == ""
