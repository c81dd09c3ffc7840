"""Forwarding statements to an external LRS: exactly once by id through failures, lost
replies, conflicts and refusals, against a real LRS-like app on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import EnrollRequest, EventIn, PushRequest
from sync.server import migrate
from sync.server.admin import add_school
from sync.server.auth import enroll_device
from sync.server.db import make_engine, make_session_factory
from sync.server.lrs_forward import ForwardRound, LrsError, LrsTarget, forward_once
from sync.server.models import Device, LrsForwardMark
from sync.server.push import ingest_push
from sync.server.xapi import XapiSettings
from tests.server.helpers import make_event, new_source_id
from tests.support.server_process import ServerProcess
from tests.xapi.checker import assert_valid_statement
from tests.xapi.lrs_app import LrsLog, running_lrs

SETTINGS = XapiSettings("https://slate.district.example", None, None)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    migrate.upgrade(engine)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def lrs() -> Iterator[tuple[str, LrsLog]]:
    with running_lrs() as running:
        yield running


@pytest.fixture
def device(sessions: sessionmaker[Session]) -> Device:
    with sessions() as session:
        code = add_school(session, "Riverside Primary").enrollment_code
        enrolled = enroll_device(session, EnrollRequest(enrollment_code=code, device_name="lab"))
        return session.get_one(Device, enrolled.device_id)


def push(sessions: sessionmaker[Session], device: Device, source: str, seqs: range) -> list[str]:
    events = [make_event(seq) for seq in seqs]
    request = PushRequest(source_id=source, events=[EventIn(**e) for e in events])
    with sessions() as session:
        ingest_push(session, device, request)
    return [e["id"] for e in events]


def forward_all(
    sessions: sessionmaker[Session], target: LrsTarget, batch: int = 100
) -> list[ForwardRound]:
    rounds = []
    with httpx.Client(auth=(target.user or "", target.password or "")) as http:
        while (done := forward_once(sessions, target, SETTINGS, http, batch_size=batch)).sent:
            rounds.append(done)
    return rounds


def marks(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        rows = session.scalars(select(LrsForwardMark))
        return {row.source_id: row.forwarded_through for row in rows}


def test_every_statement_reaches_the_lrs_once_through_failures(
    sessions: sessionmaker[Session], device: Device, lrs: tuple[str, LrsLog]
) -> None:
    url, log = lrs
    target = LrsTarget(url, log.user, log.password)
    sources = [new_source_id() for _ in range(3)]
    ids = push(sessions, device, sources[0], range(1, 251))
    ids += push(sessions, device, sources[1], range(1, 31))
    ids += push(sessions, device, sources[2], range(1, 2))

    log.fail_next = [503]  # the LRS is down for one request
    with pytest.raises(LrsError, match="503"), httpx.Client(auth=(log.user, log.password)) as h:
        forward_once(sessions, target, SETTINGS, h)
    assert marks(sessions) == {} and log.statements == {}

    rounds = forward_all(sessions, target, batch=100)
    assert [r.sent for r in rounds] == [100, 100, 81]
    assert sorted(log.statements) == sorted(ids) and log.repeats == 0
    assert marks(sessions) == {sources[0]: 250, sources[1]: 30, sources[2]: 1}
    for statement in log.statements.values():
        assert_valid_statement(statement)

    # The LRS stores a batch but its reply is lost: nothing is marked, the batch goes again,
    # and the LRS, keeping statements by id, still holds each one once.
    more = push(sessions, device, sources[1], range(31, 41))
    log.store_then_fail = 1
    with pytest.raises(LrsError, match="500"), httpx.Client(auth=(log.user, log.password)) as h:
        forward_once(sessions, target, SETTINGS, h)
    assert marks(sessions)[sources[1]] == 30
    assert [r.sent for r in forward_all(sessions, target)] == [10]
    assert log.repeats == 10
    assert sorted(log.statements) == sorted(ids + more)
    assert forward_all(sessions, target) == []  # nothing left: a second pass sends nothing


def test_events_first_stored_under_another_source_are_not_sent_again(
    sessions: sessionmaker[Session], device: Device, lrs: tuple[str, LrsLog]
) -> None:
    """A restored laptop resends old events under a new source: the server keeps them once,
    under the old source, and the LRS gets them once."""
    url, log = lrs
    target = LrsTarget(url, log.user, log.password)
    old = [make_event(seq) for seq in range(1, 6)]
    with sessions() as session:
        ingest_push(
            session, device, PushRequest(source_id="old-source", events=[EventIn(**e) for e in old])
        )
    forward_all(sessions, target)
    resent = [{**e, "seq": i} for i, e in enumerate(old, start=1)] + [make_event(6)]
    with sessions() as session:
        ingest_push(
            session,
            device,
            PushRequest(source_id="new-source", events=[EventIn(**e) for e in resent]),
        )
    assert [r.sent for r in forward_all(sessions, target)] == [1]
    assert len(log.statements) == 6 and log.repeats == 0
    assert marks(sessions) == {"old-source": 5, "new-source": 6}


def test_a_statement_the_lrs_holds_differently_is_passed_over(
    sessions: sessionmaker[Session], device: Device, lrs: tuple[str, LrsLog]
) -> None:
    url, log = lrs
    target = LrsTarget(url, log.user, log.password)
    ids = push(sessions, device, new_source_id(), range(1, 6))
    log.statements[ids[2]] = {"id": ids[2], "note": "made by another system"}
    rounds = forward_all(sessions, target)
    assert [(r.sent, r.conflicts) for r in rounds] == [(4, 1)]
    assert log.statements[ids[2]] == {"id": ids[2], "note": "made by another system"}
    assert [m for m, _, _ in log.requests] == ["POST"] + ["PUT"] * 5
    assert forward_all(sessions, target) == []


def test_a_refusing_lrs_moves_no_mark(
    sessions: sessionmaker[Session], device: Device, lrs: tuple[str, LrsLog]
) -> None:
    url, log = lrs
    push(sessions, device, new_source_id(), range(1, 4))
    wrong = LrsTarget(url, log.user, "wrong password")
    with pytest.raises(LrsError, match="401"), httpx.Client(auth=(log.user, "wrong")) as http:
        forward_once(sessions, wrong, SETTINGS, http)
    assert marks(sessions) == {} and log.statements == {}


def test_the_server_forwards_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lrs: tuple[str, LrsLog]
) -> None:
    """`slate server --forward-lrs` (here through its environment variables), end to end."""
    url, log = lrs
    monkeypatch.setenv("SLATE_FORWARD_LRS", url)
    monkeypatch.setenv("SLATE_LRS_USER", log.user)
    monkeypatch.setenv("SLATE_LRS_PASSWORD", log.password)
    log.fail_next = [502, 503]  # down when the server starts: it retries with backoff
    with ServerProcess(tmp_path / "server") as server:
        code = server.add_school("Riverside Primary")["enrollment_code"]
        with server.client(server.enroll(code, "lab")) as client:
            events = [make_event(seq) for seq in range(1, 41)]
            response = client.post("/events", json={"source_id": new_source_id(), "events": events})
            assert response.status_code == 200, response.text
        deadline = time.monotonic() + 120
        while len(log.statements) < len(events) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert sorted(log.statements) == sorted(e["id"] for e in events)
    assert log.repeats == 0
    assert [status for _, status, _ in log.requests][:2] == [502, 503]
