"""The change log comes down in pages: each page with its cursor in one client transaction,
resumed from the cursor after a cut, reloaded through staging when the cursor cannot go on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db.store import Store
from app.downstream.records import DownstreamError
from sync.client import SyncError
from sync.pull import ChangePuller
from sync.server.changes import compact_change_log, new_epoch
from tests.downstream.helpers import (
    append,
    cursors,
    enroll,
    local_records,
    server_session,
    staged_count,
)
from tests.support.server_process import ServerProcess

NOTE = "note"  # a kind the laptop has no applier for: kept as a record, nothing else


def notes(start: int, stop: int) -> list[tuple[str, str, Any]]:
    return [(NOTE, f"n{i}", {"text": f"note {i}"}) for i in range(start, stop)]


@pytest.fixture
def laptop(store: Store, server: ServerProcess, school: dict[str, Any]) -> Store:
    enroll(store, server, school["enrollment_code"])
    return store


def pull(store: Store, server: ServerProcess, limit: int = 10, **kwargs: Any) -> Any:
    with ChangePuller(store, server.url, page_limit=limit) as puller:
        return puller.pull_changes(**kwargs)


def test_pages_apply_and_a_second_pull_applies_nothing(
    laptop: Store, server: ServerProcess, school: dict[str, Any]
) -> None:
    assert pull(laptop, server) == (0, 1, False)  # empty log: one page, a cursor all the same
    first_cursor, _ = cursors(laptop)
    assert first_cursor and first_cursor.startswith("c1.")
    append(server, school["school_id"], notes(0, 25))
    seen: list[tuple[int, int]] = []
    applied, pages, refetched = pull(laptop, server, progress=lambda n, t: seen.append((n, t)))
    assert (applied, pages, refetched) == (25, 3, False)
    assert seen == [(10, 25), (20, 25), (25, 25)]
    assert local_records(laptop) == {(NOTE, f"n{i}"): {"text": f"note {i}"} for i in range(25)}
    assert pull(laptop, server) == (0, 1, False)
    # A later record for the same key replaces it; a delete removes it.
    append(server, school["school_id"], [(NOTE, "n3", {"text": "changed"}), (NOTE, "n4", None)])
    assert pull(laptop, server)[0] == 2
    records = local_records(laptop)
    assert records[(NOTE, "n3")] == {"text": "changed"} and (NOTE, "n4") not in records


def test_a_page_is_applied_whole_or_not_at_all(
    laptop: Store, server: ServerProcess, school: dict[str, Any]
) -> None:
    bad_course = {"course_id": "fractions", "version": "2"}  # no sha256, size, path
    append(
        server,
        school["school_id"],
        [*notes(0, 3), ("course_version", "fractions", bad_course), *notes(3, 5)],
    )
    with pytest.raises(DownstreamError, match=r"change record \d+ \(course_version 'fractions'\)"):
        pull(laptop, server)
    assert local_records(laptop) == {}
    assert cursors(laptop) == (None, None)


def test_a_cut_resumes_from_the_stored_cursor(
    laptop: Store, server: ServerProcess, school: dict[str, Any]
) -> None:
    append(server, school["school_id"], notes(0, 30))

    def cut_after_first_page(applied: int, _total: int) -> None:
        if applied == 10:
            server.kill()  # SIGKILL: the next page request finds nobody

    with pytest.raises(SyncError) as cut:
        pull(laptop, server, progress=cut_after_first_page)
    assert cut.value.offline
    assert len(local_records(laptop)) == 10  # the first page, committed with its cursor
    server.start()
    assert pull(laptop, server) == (20, 2, False)
    assert len(local_records(laptop)) == 30


def test_must_refetch_reloads_through_staging(
    laptop: Store, server: ServerProcess, school: dict[str, Any]
) -> None:
    append(server, school["school_id"], notes(0, 12))
    pull(laptop, server)
    # The server drops a tombstone when compacting: a laptop behind it must reload.
    append(server, school["school_id"], [(NOTE, "n0", None), (NOTE, "n20", {"text": "new"})])
    with server_session(server) as session:
        compact_change_log(session, drop_tombstones_through=10**9)
        session.commit()

    def cut_during_reload(applied: int, _total: int) -> None:
        if applied == 5:
            server.kill()

    with pytest.raises(SyncError):
        pull(laptop, server, limit=5, progress=cut_during_reload)
    # Half a reload changes nothing live; it goes on from its own cursor next time.
    assert len(local_records(laptop)) == 12 and staged_count(laptop) == 5
    assert cursors(laptop)[1]
    server.start()
    applied, _pages, refetched = pull(laptop, server, limit=5)
    assert refetched is False and applied == 7  # the rest of the reload: n5..n11 and n20
    records = local_records(laptop)
    assert set(records) == {(NOTE, f"n{i}") for i in [*range(1, 12), 20]}
    assert staged_count(laptop) == 0 and cursors(laptop)[1] is None
    assert pull(laptop, server) == (0, 1, False)


def test_a_new_epoch_makes_every_laptop_reload(
    laptop: Store, server: ServerProcess, school: dict[str, Any]
) -> None:
    append(server, school["school_id"], notes(0, 4))
    pull(laptop, server)
    server.cli("changes", "new-epoch")
    applied, _pages, refetched = pull(laptop, server)
    assert refetched and applied == 4
    assert len(local_records(laptop)) == 4
    with server_session(server) as session:
        new_epoch(session)
        session.commit()
    assert pull(laptop, server)[2] is True


def test_each_school_sees_only_its_own_records(
    laptop: Store, server: ServerProcess, school: dict[str, Any], tmp_path: Any
) -> None:
    other = server.add_school("Hill School")
    append(server, other["school_id"], notes(0, 3))
    append(server, school["school_id"], notes(100, 101))
    pull(laptop, server)
    assert set(local_records(laptop)) == {(NOTE, "n100")}


def test_bad_cursors_and_limits_are_refused_with_the_field(
    server: ServerProcess, school: dict[str, Any]
) -> None:
    token = server.enroll(school["enrollment_code"], "probe")
    with server.client(token) as client:
        for params, field in (
            ({"cursor": "nonsense"}, "cursor"),
            ({"cursor": "c1.not-a-uuid.1.2"}, "cursor"),
            ({"limit": "0"}, "limit"),
            ({"limit": "5000"}, "limit"),
        ):
            response = client.get("/changes", params=params)
            assert response.status_code == 422, response.text
            assert response.json()["error"] == "invalid_payload"
            assert field in response.json()["detail"]
    assert httpx.get(f"{server.api}/changes").status_code == 401
