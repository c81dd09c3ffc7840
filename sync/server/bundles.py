"""Taking in a USB bundle on the server: `import_bundle(session, path)`.

The bundle goes through the very handler an online push goes through (`ingest_push`), in
batches of at most MAX_EVENTS_PER_PUSH, so duplicates, gaps and `seq_conflict` behave exactly
as they do online, and importing the same bundle twice stores nothing twice.

Order of checks, each before anything is written: framing and size limits, the device (known,
not revoked), the manifest's signature with that device's key, the payload's SHA-256, then
every event (pydantic, and `check_batch` per batch). Only then are the batches ingested, each
in its own transaction like an online push; a failure between two batches leaves a consistent
mark that a repeated import continues from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sync.bundle import (
    BundleError,
    BundleManifest,
    BundleReceipt,
    check_payload_checksum,
    device_key_from_token_hash,
    iter_bundle_events,
    manifest_signature_ok,
    read_manifest,
    sign_receipt,
)
from sync.protocol import MAX_EVENTS_PER_PUSH, EventIn, PushRequest
from sync.server.errors import ApiError, SeqConflict
from sync.server.models import BundleImport, Device
from sync.server.push import check_batch, ingest_push, source_state


@dataclass(frozen=True)
class BundleImportResult:
    receipt: BundleReceipt
    already_imported_at: datetime | None  # set when this bundle had been imported before
    error: str | None  # why the bundle was refused, when the receipt says so (seq_conflict)


def import_bundle(session: Session, path: Path) -> BundleImportResult:
    """Verify and ingest one bundle; returns the signed receipt to hand back to the laptop.

    Raises `BundleError` naming the file for anything wrong with the file itself. A
    `seq_conflict` is not an exception here: the receipt carries it, so the laptop learns to
    start a new source exactly as it would from an online 409.
    """
    manifest, offset = read_manifest(path)
    device = session.get(Device, manifest.device_id)
    if device is None:
        raise BundleError(
            f"{path}: the bundle comes from device {manifest.device_id}, which this server does "
            "not know (enrolled with another server?)"
        )
    if device.revoked_at is not None:
        raise BundleError(
            f"{path}: device {device.id} ({device.name}) was revoked on "
            f"{device.revoked_at:%Y-%m-%d %H:%M} UTC; its bundles are refused"
        )
    key = device_key_from_token_hash(device.token_hash)
    if not manifest_signature_ok(manifest, key):
        raise BundleError(
            f"{path}: the manifest's signature does not verify with device {device.id}'s "
            "credential: the bundle was altered, or signed before the device enrolled again"
        )
    check_payload_checksum(path, manifest, offset)
    for number, batch in enumerate(_batches(path, manifest, offset)):
        try:
            check_batch(batch)  # UUIDs, one event per seq, values both databases can store
        except ApiError as exc:
            first_line = number * MAX_EVENTS_PER_PUSH + 1
            raise BundleError(
                f"{path}: payload lines {first_line}-{first_line + len(batch.events) - 1}: "
                f"{exc.detail}"
            ) from None
    bundle_sha256 = _file_sha256(path)
    earlier = session.get(BundleImport, manifest.bundle_id)
    earlier_at = earlier.imported_at if earlier is not None else None
    session.rollback()  # end the read transaction before the pushes begin their own

    inserted = duplicates = 0
    fields: dict[str, Any] = {
        "bundle_id": manifest.bundle_id,
        "bundle_sha256": bundle_sha256,
        "device_id": device.id,
        "source_id": manifest.source_id,
    }
    try:
        for batch in _batches(path, manifest, offset):
            response = ingest_push(session, device, batch)
            inserted += response.inserted
            duplicates += response.duplicates
    except SeqConflict as exc:
        receipt = sign_receipt(
            {
                **fields,
                "status": "seq_conflict",
                "acked_through": exc.acked_through or 0,
                "hwm_event_id": None,
                "inserted": inserted,
                "duplicates": duplicates,
                "detail": exc.detail,
                "server_time": datetime.now(UTC),
            },
            key,
        )
        return BundleImportResult(receipt, earlier_at, error=exc.detail)
    except ApiError as exc:
        raise BundleError(f"{path}: refused: {exc.detail}") from None

    state = source_state(session, device, manifest.source_id)
    if earlier is None:
        session.add(
            BundleImport(
                bundle_id=manifest.bundle_id,
                bundle_sha256=bundle_sha256,
                device_id=device.id,
                source_id=manifest.source_id,
                event_count=manifest.event_count,
                inserted=inserted,
                acked_through=state.acked_through,
            )
        )
    session.commit()
    receipt = sign_receipt(
        {
            **fields,
            "status": "acknowledged",
            "acked_through": state.acked_through,
            "hwm_event_id": state.hwm_event_id,
            "inserted": inserted,
            "duplicates": duplicates,
            "detail": None,
            "server_time": datetime.now(UTC),
        },
        key,
    )
    return BundleImportResult(receipt, earlier_at, error=None)


def _batches(path: Path, manifest: BundleManifest, offset: int) -> Iterator[PushRequest]:
    """The bundle as the pushes a laptop online would have sent (an empty bundle is one empty
    push, which still answers the source's mark)."""
    batch: list[EventIn] = []
    sent = False
    for event in iter_bundle_events(path, manifest, offset):
        batch.append(event)
        if len(batch) == MAX_EVENTS_PER_PUSH:
            yield PushRequest(source_id=manifest.source_id, events=batch)
            batch, sent = [], True
    if batch or not sent:
        yield PushRequest(source_id=manifest.source_id, events=batch)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
