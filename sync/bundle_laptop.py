"""The laptop's side of USB sync: export the outbox to a bundle, take a receipt back.

The receipt is handled with the rules of an online round (sync/client.py): the laptop only
stores the mark the server committed, never moves it backwards, and starts a new source when
the server's history of this source is not its own (a `seq_conflict`, or a mark naming another
event or beyond the newest one: the store was restored from a backup or copied).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app import outbox
from app.db.models import SyncState
from app.db.store import Store
from app.identity import DEVICE_ID, DEVICE_TOKEN, ensure_source, get_meta
from sync.bundle import (
    MAX_BUNDLE_EVENTS,
    BundleError,
    BundleReceipt,
    bundle_bytes,
    device_key_from_token,
    encode_payload,
    read_receipt,
    receipt_signature_ok,
    sign_manifest,
    write_atomically,
)

NOT_ENROLLED = (
    "this computer is not enrolled with a school server, so its bundles could not be "
    "verified: enroll it once on the school network (`slate sync --server URL --enroll-code "
    "CODE`), then it can sync by USB"
)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    bundle_id: str
    source_id: str
    from_seq: int
    hwm: int
    event_count: int
    remaining: int  # pending events left out by MAX_BUNDLE_EVENTS
    size_bytes: int


@dataclass(frozen=True)
class ReceiptResult:
    outcome: str  # "acknowledged", "already_acknowledged", "new_source"
    source_id: str  # the source now in use
    acked_through: int  # this store's mark after the receipt
    newly_acknowledged: int
    message: str


def _credentials(store: Store) -> tuple[str, bytes]:
    with store.read() as session:
        device_id = get_meta(session, DEVICE_ID)
        token = get_meta(session, DEVICE_TOKEN)
    if not device_id or not token:
        raise BundleError(NOT_ENROLLED)
    return device_id, device_key_from_token(token)


def export_bundle(store: Store, out: Path, *, limit: int = MAX_BUNDLE_EVENTS) -> ExportResult:
    """Write every event not yet acknowledged (up to `limit`) to a signed bundle at `out`.

    Nothing on the laptop changes: the events stay pending until a receipt says otherwise, so
    a bundle that is lost on the way costs nothing but another export.
    """
    device_id, key = _credentials(store)
    with store.write() as session:  # write: ensure_source may create the first source
        source_id, events = outbox.pending_batch(session, limit)
        total_pending = outbox.counts(session).pending
        state = session.get(SyncState, source_id)
        from_seq = state.acked_through if state else 0
    events = events[:limit]
    payload = encode_payload(events)

    manifest = sign_manifest(
        {
            "bundle_id": str(uuid.uuid4()),
            "created_at": datetime.now(UTC),
            "device_id": device_id,
            "source_id": source_id,
            "from_seq": from_seq,
            "hwm": from_seq + len(events),
            "hwm_event_id": events[-1]["id"] if events else None,
            "event_count": len(events),
            "payload_bytes": len(payload),
            "payload_sha256": hashlib.sha256(payload).hexdigest(),
        },
        key,
    )
    data = bundle_bytes(manifest, payload)
    write_atomically(out, data)
    return ExportResult(
        path=out,
        bundle_id=manifest.bundle_id,
        source_id=source_id,
        from_seq=from_seq,
        hwm=manifest.hwm,
        event_count=len(events),
        remaining=total_pending - len(events),
        size_bytes=len(data),
    )


def import_receipt(store: Store, path: Path) -> ReceiptResult:
    """Apply a receipt the server wrote for one of this laptop's bundles.

    Refused, naming the file: a receipt that is not valid JSON of the right shape, one made for
    another device or source, and one whose signature does not verify with this laptop's
    credential (forged or altered).
    """
    receipt = read_receipt(path)
    device_id, key = _credentials(store)
    if receipt.device_id != device_id:
        raise BundleError(
            f"{path}: this receipt is for device {receipt.device_id}, but this computer is "
            f"enrolled as {device_id}; take it to the laptop that made the bundle"
        )
    if not receipt_signature_ok(receipt, key):
        raise BundleError(
            f"{path}: the receipt's signature does not verify with this computer's credential: "
            "it was altered, forged, or signed before this computer enrolled again"
        )
    with store.write() as session:
        source_id = ensure_source(session)
        if receipt.source_id != source_id:
            raise BundleError(
                f"{path}: this receipt is for source {receipt.source_id}, but this store now "
                f"sends as {source_id} (it started a new source since that bundle was made); "
                "nothing to apply: export a new bundle"
            )
        counts = outbox.counts(session)
        newest = outbox.max_seq(session)
        mark = receipt.acked_through
        if receipt.status == "seq_conflict" or _history_differs(session, receipt, newest):
            new_source = outbox.rotate_source(session)
            return ReceiptResult(
                outcome="new_source",
                source_id=new_source,
                acked_through=0,
                newly_acknowledged=0,
                message=(
                    "the server's history of this store differs from this store's own (it was "
                    "restored from a backup or copied): its events now go under a new source, "
                    "and the server keeps the ones it already has; export a new bundle"
                ),
            )
        if mark <= counts.acked_through:
            # An older receipt, or the same one twice: a mark never moves backwards here.
            outbox.record_ack(session, source_id, counts.acked_through)
            return ReceiptResult(
                outcome="already_acknowledged",
                source_id=source_id,
                acked_through=counts.acked_through,
                newly_acknowledged=0,
                message=f"already acknowledged through {counts.acked_through}; nothing changed",
            )
        outbox.record_ack(session, source_id, mark)
        return ReceiptResult(
            outcome="acknowledged",
            source_id=source_id,
            acked_through=mark,
            newly_acknowledged=mark - counts.acked_through,
            message=f"the server acknowledged events through {mark}",
        )


def _history_differs(session: Session, receipt: BundleReceipt, newest: int) -> bool:
    """The online resume check: a mark beyond this store's newest event, or naming another
    event than this store's at that seq, means the server acknowledged another history."""
    if receipt.acked_through == 0:
        return False
    if receipt.acked_through > newest:
        return True
    mine = outbox.local_event_id(session, receipt.acked_through)
    return bool(receipt.hwm_event_id) and mine != receipt.hwm_event_id
