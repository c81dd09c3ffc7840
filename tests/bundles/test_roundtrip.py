"""A laptop syncs through files only: export, import on the real server database, receipt back.

The server side runs as IT runs it (`slate server import-bundle` in its own process, on the
database the running server uses); the outcomes must be those of an online push.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app import outbox
from app.db.store import Store
from sync.bundle_laptop import export_bundle, import_receipt
from sync.client import OutboxPusher
from tests.bundles.helpers import (
    copy_store,
    import_bundle,
    server_event_ids,
    slate,
)
from tests.support.learning import learn, local_ids
from tests.support.server_process import ServerProcess


def pending(store: Store) -> int:
    with store.read() as s:
        return outbox.counts(s).pending


def test_events_reach_the_server_once_through_files(
    enrolled_laptop: Store, learner: str, server: ServerProcess, tmp_path: Path
) -> None:
    learn(enrolled_laptop, learner, 12)
    exported = export_bundle(enrolled_laptop, tmp_path / "monday.slate-bundle")
    assert exported.event_count == len(local_ids(enrolled_laptop)) > 10
    assert pending(enrolled_laptop) == exported.event_count  # nothing changes before a receipt

    first = import_bundle(server, exported.path)
    assert first["status"] == "acknowledged"
    assert first["inserted"] == exported.event_count and first["duplicates"] == 0
    assert first["acked_through"] == exported.hwm
    assert sorted(server_event_ids(server)) == sorted(local_ids(enrolled_laptop))

    applied = import_receipt(enrolled_laptop, Path(first["receipt"]))
    assert applied.outcome == "acknowledged"
    assert applied.newly_acknowledged == exported.event_count
    assert pending(enrolled_laptop) == 0

    # The same bundle again: nothing stored twice, the same mark; the receipt changes nothing.
    again = import_bundle(server, exported.path)
    assert again["already_imported"] is True
    assert (again["inserted"], again["duplicates"]) == (0, exported.event_count)
    assert again["acked_through"] == first["acked_through"]
    assert import_receipt(enrolled_laptop, Path(again["receipt"])).outcome == (
        "already_acknowledged"
    )
    assert len(server_event_ids(server)) == exported.event_count


def test_the_next_bundle_starts_after_the_receipt_and_online_sync_agrees(
    enrolled_laptop: Store, learner: str, server: ServerProcess, tmp_path: Path
) -> None:
    learn(enrolled_laptop, learner, 3)
    first = export_bundle(enrolled_laptop, tmp_path / "one.slate-bundle")
    import_receipt(enrolled_laptop, Path(import_bundle(server, first.path)["receipt"]))
    learn(enrolled_laptop, learner, 4, start=3)
    second = export_bundle(enrolled_laptop, tmp_path / "two.slate-bundle")
    assert second.from_seq == first.hwm
    assert second.event_count == len(local_ids(enrolled_laptop)) - first.event_count

    # A bundle lost on the way costs nothing: the events stay pending and go up online later.
    with OutboxPusher(enrolled_laptop, server.url) as pusher:
        report = pusher.push()
    assert report.pushed == second.event_count and report.pending == 0
    # ...and the late bundle then only finds duplicates.
    late = import_bundle(server, second.path)
    assert (late["inserted"], late["duplicates"]) == (0, second.event_count)
    assert sorted(server_event_ids(server)) == sorted(local_ids(enrolled_laptop))


def test_an_empty_bundle_still_brings_back_the_servers_mark(
    enrolled_laptop: Store, learner: str, server: ServerProcess, tmp_path: Path
) -> None:
    learn(enrolled_laptop, learner, 2)
    with OutboxPusher(enrolled_laptop, server.url) as pusher:
        pusher.push()
    empty = export_bundle(enrolled_laptop, tmp_path / "empty.slate-bundle")
    assert empty.event_count == 0
    result = import_bundle(server, empty.path)
    assert result["acked_through"] == empty.from_seq > 0
    assert import_receipt(enrolled_laptop, Path(result["receipt"])).outcome == (
        "already_acknowledged"
    )


def test_a_restored_laptop_gets_seq_conflict_then_a_new_source(
    enrolled_laptop: Store, learner: str, server: ServerProcess, tmp_path: Path
) -> None:
    """The laptop is restored from a backup taken before its last bundle: its next events
    reuse seqs the server already acknowledged for other events. As online (409), the receipt
    says so, the laptop starts a new source, and every event of both histories arrives once."""
    restored = Store.open(copy_store(enrolled_laptop, tmp_path / "backup"), lock=True)
    try:
        learn(enrolled_laptop, learner, 3)
        lost = export_bundle(enrolled_laptop, tmp_path / "before-crash.slate-bundle")
        import_bundle(server, lost.path)

        learn(restored, learner, 2, start=10)  # new events at the same seqs
        clash = export_bundle(restored, tmp_path / "after-restore.slate-bundle")
        refused = import_bundle(server, clash.path, check=False)[0]
        assert refused["status"] == "seq_conflict"
        assert refused["inserted"] == 0 and refused["acked_through"] == lost.hwm
        applied = import_receipt(restored, Path(refused["receipt"]))
        assert applied.outcome == "new_source" and applied.source_id != clash.source_id

        resent = export_bundle(restored, tmp_path / "new-source.slate-bundle")
        assert resent.source_id == applied.source_id and resent.from_seq == 0
        done = import_bundle(server, resent.path)
        assert done["status"] == "acknowledged" and done["acked_through"] == resent.hwm
        assert import_receipt(restored, Path(done["receipt"])).outcome == "acknowledged"
        assert pending(restored) == 0
        everything = local_ids(enrolled_laptop) | local_ids(restored)
        stored = server_event_ids(server)
        assert sorted(stored) == sorted(everything)  # each once, none lost
    finally:
        restored.close()


def test_the_whole_trip_on_the_command_line(
    enrolled_laptop: Store, learner: str, server: ServerProcess, tmp_path: Path
) -> None:
    learn(enrolled_laptop, learner, 5)
    expected = local_ids(enrolled_laptop)
    data_dir = enrolled_laptop.data_dir
    enrolled_laptop.close()  # the commands take the store's lock themselves
    stick = tmp_path / "usb"
    stick.mkdir()
    bundle = stick / "lab-7.slate-bundle"

    exported = slate(data_dir, "bundle", "export", "--out", str(bundle), "--json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["events"] == len(expected)
    assert sorted(p.name for p in stick.iterdir()) == ["lab-7.slate-bundle"]  # no temp left

    imported = server.cli("import-bundle", str(bundle))
    assert "acknowledged through" in imported.stdout
    receipt = stick / "lab-7.receipt.json"
    assert json.loads(receipt.read_text())["status"] == "acknowledged"
    assert sorted(server_event_ids(server)) == sorted(expected)

    applied = slate(data_dir, "bundle", "import-receipt", str(receipt), "--json")
    assert applied.returncode == 0, applied.stderr
    result: dict[str, Any] = json.loads(applied.stdout)
    assert result["outcome"] == "acknowledged" and result["newly_acknowledged"] == len(expected)
    again = slate(data_dir, "bundle", "export", "--out", str(stick / "next.slate-bundle"), "--json")
    assert json.loads(again.stdout)["events"] == 0
