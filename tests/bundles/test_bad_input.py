"""Bundles and receipts that must be refused, naming the file and the problem, with nothing
written on either side."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from app import outbox
from app.db.store import Store
from app.identity import DEVICE_TOKEN, get_meta
from sync.bundle import (
    MAGIC,
    BundleError,
    bundle_bytes,
    device_key_from_token,
    encode_payload,
    sign_manifest,
)
from sync.bundle_laptop import export_bundle, import_receipt
from sync.client import OutboxPusher
from tests.bundles.helpers import (
    import_bundle,
    import_bundle_fails,
    server_event_ids,
)
from tests.support.learning import learn
from tests.support.server_process import ServerProcess


@pytest.fixture
def bundle(enrolled_laptop: Store, learner: str, tmp_path: Path) -> Path:
    learn(enrolled_laptop, learner, 4)
    return export_bundle(enrolled_laptop, tmp_path / "laptop.slate-bundle").path


def split(path: Path) -> tuple[dict[str, Any], bytes]:
    data = path.read_bytes()
    header, payload = data[len(MAGIC) :].split(b"\n", 1)
    return json.loads(header), payload


def craft(store: Store, path: Path, events: list[dict[str, Any]], **fields: Any) -> Path:
    """A bundle signed with the laptop's real key, so only what it carries is wrong."""
    with store.read() as s:
        key = device_key_from_token(get_meta(s, DEVICE_TOKEN) or "")
        source_id, _ = outbox.pending_batch(s, 1)
    payload = encode_payload(events)
    manifest = sign_manifest(
        {
            "bundle_id": "0191e3a0-0000-7000-8000-000000000001",
            "created_at": "2026-01-05T10:00:00Z",
            "device_id": fields.pop("device_id"),
            "source_id": source_id,
            "from_seq": 0,
            "hwm": len(events),
            "hwm_event_id": events[-1]["id"] if events else None,
            "event_count": len(events),
            "payload_bytes": len(payload),
            "payload_sha256": hashlib.sha256(payload).hexdigest(),
            **fields,
        },
        key,
    )
    path.write_bytes(bundle_bytes(manifest, payload))
    return path


def event(seq: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": f"0191e3a0-0000-7000-8000-{seq:012d}",
        "seq": seq,
        "user_id": "learner-1",
        "verb": "http://adlnet.gov/expapi/verbs/answered",
        "object_id": "urn:slate:activity:c:q",
        "occurred_at": "2026-01-05T09:00:00Z",
        **changes,
    }


def test_a_truncated_bundle_is_refused(bundle: Path, server: ServerProcess) -> None:
    data = bundle.read_bytes()
    bundle.write_bytes(data[:-50])
    message = import_bundle_fails(server, bundle)
    assert str(bundle) in message and "truncated" in message
    bundle.write_bytes(data[: len(MAGIC) + 40])  # cut inside the manifest
    assert "truncated inside its manifest" in import_bundle_fails(server, bundle)
    assert server_event_ids(server) == []
    assert not bundle.with_name("laptop.receipt.json").exists()


def test_a_changed_payload_fails_its_checksum(bundle: Path, server: ServerProcess) -> None:
    data = bytearray(bundle.read_bytes())
    data[-30] ^= 0xFF
    bundle.write_bytes(bytes(data))
    message = import_bundle_fails(server, bundle)
    assert str(bundle) in message and "SHA-256 does not match" in message
    assert server_event_ids(server) == []


def test_a_changed_manifest_fails_its_signature(bundle: Path, server: ServerProcess) -> None:
    manifest, payload = split(bundle)
    manifest["created_at"] = "2030-01-01T00:00:00Z"
    bundle.write_bytes(MAGIC + json.dumps(manifest).encode() + b"\n" + payload)
    message = import_bundle_fails(server, bundle)
    assert str(bundle) in message and "signature does not verify" in message


def test_a_bundle_signed_without_the_credential_is_refused(
    enrolled_laptop: Store, bundle: Path, server: ServerProcess, tmp_path: Path
) -> None:
    manifest, payload = split(bundle)
    del manifest["signature"]
    forged = sign_manifest(manifest, device_key_from_token("a guessed token"))
    bundle.write_bytes(bundle_bytes(forged, payload))
    assert "signature does not verify" in import_bundle_fails(server, bundle)
    assert server_event_ids(server) == []


def test_not_a_bundle(server: ServerProcess, tmp_path: Path) -> None:
    other = tmp_path / "holiday.jpg"
    other.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    message = import_bundle_fails(server, other)
    assert str(other) in message and "not a Slate bundle" in message


def test_a_revoked_laptops_bundle_is_refused(
    enrolled_laptop: Store, bundle: Path, server: ServerProcess
) -> None:
    device_id = split(bundle)[0]["device_id"]
    server.cli("device", "revoke", device_id)
    message = import_bundle_fails(server, bundle)
    assert "revoked" in message and str(bundle) in message
    assert server_event_ids(server) == []


def test_bad_events_are_named_by_line_and_nothing_is_stored(
    enrolled_laptop: Store, server: ServerProcess, tmp_path: Path
) -> None:
    device_id = split(export_bundle(enrolled_laptop, tmp_path / "empty.b").path)[0]["device_id"]
    gap = craft(
        enrolled_laptop,
        tmp_path / "gap.b",
        [event(1), event(3)],
        device_id=device_id,
        hwm=2,
    )
    assert "payload line 2: seq 3, expected 2" in import_bundle_fails(server, gap)
    not_uuid = craft(
        enrolled_laptop,
        tmp_path / "uuid.b",
        [event(1), event(2, id="x" * 36)],
        device_id=device_id,
    )
    message = import_bundle_fails(server, not_uuid)
    assert "payload lines 1-2" in message and "is not a UUID" in message
    missing = craft(
        enrolled_laptop, tmp_path / "field.b", [event(1, verb=None)], device_id=device_id
    )
    assert "payload line 1: verb" in import_bundle_fails(server, missing)
    assert server_event_ids(server) == []


def test_a_changed_receipt_is_refused(
    enrolled_laptop: Store, bundle: Path, server: ServerProcess
) -> None:
    receipt_path = Path(import_bundle(server, bundle)["receipt"])
    receipt = json.loads(receipt_path.read_text())
    receipt["acked_through"] += 100
    receipt_path.write_text(json.dumps(receipt))
    with pytest.raises(BundleError, match="signature does not verify") as info:
        import_receipt(enrolled_laptop, receipt_path)
    assert str(receipt_path) in str(info.value)
    with enrolled_laptop.read() as s:
        assert outbox.counts(s).acked_through == 0


def test_a_receipt_for_another_source_or_laptop_is_refused(
    enrolled_laptop: Store,
    bundle: Path,
    server: ServerProcess,
    school: dict[str, Any],
    tmp_path: Path,
) -> None:
    receipt_path = Path(import_bundle(server, bundle)["receipt"])
    other = Store.open(tmp_path / "other-laptop")
    try:
        with OutboxPusher(other, server.url) as pusher:
            pusher.enroll(school["enrollment_code"], "cart-laptop-8")
        with pytest.raises(BundleError, match="this receipt is for device"):
            import_receipt(other, receipt_path)
    finally:
        other.close()
    with enrolled_laptop.write() as s:
        outbox.rotate_source(s)
    with pytest.raises(BundleError, match="this receipt is for source"):
        import_receipt(enrolled_laptop, receipt_path)


def test_a_bundle_is_not_a_receipt(enrolled_laptop: Store, bundle: Path) -> None:
    with pytest.raises(BundleError, match="this is a bundle, not a receipt"):
        import_receipt(enrolled_laptop, bundle)


def test_export_to_a_missing_folder_writes_nothing(enrolled_laptop: Store, tmp_path: Path) -> None:
    with pytest.raises(BundleError, match=r"the folder .* does not exist"):
        export_bundle(enrolled_laptop, tmp_path / "no-such-stick" / "b.slate-bundle")
    assert not (tmp_path / "no-such-stick").exists()


def test_a_laptop_that_never_enrolled_cannot_sign(store: Store, tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="not enrolled"):
        export_bundle(store, tmp_path / "b.slate-bundle")
    assert list(tmp_path.glob("*.slate-bundle")) == []
