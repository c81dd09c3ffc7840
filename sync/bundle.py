"""The USB bundle: the upstream push carried in a file, and the receipt that comes back.

Shared by both ends, like `sync.protocol`: this module knows the file formats, the limits and
the signatures, and nothing about either database. The laptop side is `sync.bundle_laptop`,
the server side `sync.server.bundles`; the rules are in docs/sync-protocol.md ("USB bundles").

A bundle file is three parts:

    SLATE-BUNDLE 1\\n
    {manifest, one line of JSON}\\n
    payload: gzip of JSON Lines, one `EventIn` per line, in seq order

The manifest names the device and source, the seq range, the event count, the payload's size
and SHA-256, and carries an HMAC-SHA256 over everything else in it. A receipt is one JSON
object signed the same way.

Why an HMAC keyed by the device's credential, not an Ed25519 key pair: both ends already share
a secret (the laptop keeps its bearer token, the server its SHA-256), so signing needs no new
key distribution, works for a laptop that never comes online again, and dies with the device
when IT revokes it. Ed25519 would need the laptop's public key registered, and the server's
known to the laptop, over a channel that does not exist for an offline laptop. What a valid
signature proves: the file was made by a holder of that device's credential (the laptop, or
whoever has the server's database) and not one byte of the manifest has changed since; the
manifest's SHA-256 extends that to the payload. It proves nothing about who sat at the laptop,
and, being symmetric, it is not evidence against the laptop to a third party.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import os
import secrets
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.errors import SlateError
from sync.protocol import MAX_BODY_BYTES, EventIn

MAGIC = b"SLATE-BUNDLE 1\n"
BUNDLE_FORMAT: Literal["slate-events-bundle"] = "slate-events-bundle"
RECEIPT_FORMAT: Literal["slate-bundle-receipt"] = "slate-bundle-receipt"
SIGNATURE_ALG: Literal["HMAC-SHA256"] = "HMAC-SHA256"

# Limits a reader enforces before trusting anything in the file.
MAX_MANIFEST_BYTES = 64 * 1024
MAX_BUNDLE_EVENTS = 500_000
MAX_PAYLOAD_BYTES = 256 * 1024 * 1024  # compressed, as stored in the file
MAX_INFLATED_BYTES = 2 * 1024 * 1024 * 1024  # the payload after gunzip
MAX_EVENT_LINE_BYTES = MAX_BODY_BYTES  # one event can never be larger than a whole push
MAX_RECEIPT_BYTES = 64 * 1024

# Domain separation: a signature made for one kind of file never verifies as another.
_KEY_LABEL = b"slate bundle key v1"
_BUNDLE_LABEL = b"slate bundle manifest v1\n"
_RECEIPT_LABEL = b"slate bundle receipt v1\n"
_READ_CHUNK = 1024 * 1024


class BundleError(SlateError):
    """A bundle or receipt cannot be used; the message names the file and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Signature(_Strict):
    alg: Literal["HMAC-SHA256"] = SIGNATURE_ALG
    key: Literal["device-credential"] = "device-credential"
    value: str = Field(pattern=r"^[0-9a-f]{64}$")


class BundleManifest(_Strict):
    format: Literal["slate-events-bundle"] = BUNDLE_FORMAT
    version: Literal[1] = 1
    bundle_id: str = Field(min_length=32, max_length=36)
    created_at: datetime = Field(description="the laptop's clock; evidence only")
    device_id: str = Field(min_length=1, max_length=36)
    source_id: str = Field(min_length=8, max_length=64)
    from_seq: int = Field(ge=0, description="the laptop's acknowledged mark at export")
    hwm: int = Field(ge=0, description="the highest seq in the bundle (from_seq if empty)")
    hwm_event_id: str | None = Field(default=None, max_length=36)
    event_count: int = Field(ge=0, le=MAX_BUNDLE_EVENTS)
    payload_bytes: int = Field(ge=0, le=MAX_PAYLOAD_BYTES)
    payload_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    signature: Signature


class BundleReceipt(_Strict):
    format: Literal["slate-bundle-receipt"] = RECEIPT_FORMAT
    version: Literal[1] = 1
    bundle_id: str
    bundle_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    device_id: str
    source_id: str
    status: Literal["acknowledged", "seq_conflict"]
    acked_through: int = Field(ge=0)
    hwm_event_id: str | None = None
    inserted: int = Field(ge=0)
    duplicates: int = Field(ge=0)
    detail: str | None = None
    server_time: datetime
    signature: Signature


# -- keys and signatures -------------------------------------------------------------------


def device_key_from_token_hash(token_hash_hex: str) -> bytes:
    """The signing key of a device, from the SHA-256 of its token (what the server keeps)."""
    return hmac.new(bytes.fromhex(token_hash_hex), _KEY_LABEL, hashlib.sha256).digest()


def device_key_from_token(token: str) -> bytes:
    """The same key, computed on the laptop from the token itself."""
    return device_key_from_token_hash(hashlib.sha256(token.encode("utf-8")).hexdigest())


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _mac(key: bytes, label: bytes, fields: dict[str, Any]) -> str:
    unsigned = {k: v for k, v in fields.items() if k != "signature"}
    return hmac.new(key, label + _canonical(unsigned), hashlib.sha256).hexdigest()


_UNSIGNED = {"value": "0" * 64}


def sign_manifest(fields: dict[str, Any], key: bytes) -> BundleManifest:
    """`fields` (without a signature) as a signed manifest. The MAC covers the manifest as it
    is serialised, so the reader checks exactly what it parsed."""
    draft = BundleManifest.model_validate({**fields, "signature": _UNSIGNED})
    value = _mac(key, _BUNDLE_LABEL, draft.model_dump(mode="json"))
    return draft.model_copy(update={"signature": Signature(value=value)})


def sign_receipt(fields: dict[str, Any], key: bytes) -> BundleReceipt:
    draft = BundleReceipt.model_validate({**fields, "signature": _UNSIGNED})
    value = _mac(key, _RECEIPT_LABEL, draft.model_dump(mode="json"))
    return draft.model_copy(update={"signature": Signature(value=value)})


def manifest_signature_ok(manifest: BundleManifest, key: bytes) -> bool:
    expected = _mac(key, _BUNDLE_LABEL, manifest.model_dump(mode="json"))
    return hmac.compare_digest(expected, manifest.signature.value)


def receipt_signature_ok(receipt: BundleReceipt, key: bytes) -> bool:
    expected = _mac(key, _RECEIPT_LABEL, receipt.model_dump(mode="json"))
    return hmac.compare_digest(expected, receipt.signature.value)


# -- writing -------------------------------------------------------------------------------


def encode_payload(events: list[dict[str, Any]]) -> bytes:
    """Events (protocol dicts, in seq order) as gzip'd JSON Lines; mtime 0 so it is repeatable."""
    lines = b"".join(
        json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        for event in events
    )
    return gzip.compress(lines, compresslevel=6, mtime=0)


def bundle_bytes(manifest: BundleManifest, payload: bytes) -> bytes:
    return MAGIC + manifest.model_dump_json().encode() + b"\n" + payload


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that `path` is either absent/old or complete: a temp file in
    the same folder, fsync, rename, then fsync the folder so the rename itself is durable."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise BundleError(f"{path}: the folder {folder} does not exist")
    tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BundleError(f"{path}: cannot write the file ({exc.strerror or exc})") from None
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # e.g. Windows: folders cannot be opened; the rename is as durable as it gets
    try:
        os.fsync(dir_fd)
    except OSError:
        pass  # some file systems (FAT on a USB stick) do not fsync folders
    finally:
        os.close(dir_fd)


# -- reading -------------------------------------------------------------------------------


def read_manifest(path: Path) -> tuple[BundleManifest, int]:
    """The manifest of a bundle file and the payload's offset, after checking the framing and
    the payload's size. The signature and checksum are checked by `check_payload_checksum` and
    `manifest_signature_ok`; nothing in the manifest is trusted before that."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as file:
            magic = file.read(len(MAGIC))
            if magic != MAGIC:
                raise BundleError(
                    f"{path}: not a Slate bundle (it does not start with "
                    f"{MAGIC.strip().decode()!r})"
                )
            line = file.readline(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if not line.endswith(b"\n"):
        if len(line) > MAX_MANIFEST_BYTES:
            raise BundleError(f"{path}: the manifest is larger than {MAX_MANIFEST_BYTES} bytes")
        raise BundleError(f"{path}: the file is truncated inside its manifest")
    try:
        manifest = BundleManifest.model_validate_json(line)
    except ValidationError as exc:
        raise BundleError(f"{path}: manifest: {_describe(exc)}") from None
    offset = len(MAGIC) + len(line)
    actual = size - offset
    if actual < manifest.payload_bytes:
        raise BundleError(
            f"{path}: the file is truncated: the payload has {actual} of "
            f"{manifest.payload_bytes} bytes (copy the bundle again)"
        )
    if actual > manifest.payload_bytes:
        raise BundleError(
            f"{path}: {actual - manifest.payload_bytes} unexpected bytes after the payload "
            "(the file was changed or damaged)"
        )
    if manifest.hwm != manifest.from_seq + manifest.event_count:
        raise BundleError(
            f"{path}: manifest: hwm {manifest.hwm} is not from_seq {manifest.from_seq} + "
            f"event_count {manifest.event_count}"
        )
    return manifest, offset


def check_payload_checksum(path: Path, manifest: BundleManifest, offset: int) -> None:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        file.seek(offset)
        for chunk in iter(lambda: file.read(_READ_CHUNK), b""):
            digest.update(chunk)
    if not hmac.compare_digest(digest.hexdigest(), manifest.payload_sha256):
        raise BundleError(
            f"{path}: the payload's SHA-256 does not match the manifest (the file was changed "
            "or damaged; copy the bundle again)"
        )


def iter_bundle_events(path: Path, manifest: BundleManifest, offset: int) -> Iterator[EventIn]:
    """The payload's events, validated one line at a time, with their count and seqs checked
    against the manifest. Streams: memory stays bounded whatever the bundle's size."""
    expected_seq = manifest.from_seq + 1
    last: EventIn | None = None
    with open(path, "rb") as file:
        file.seek(offset)
        for number, line in enumerate(_inflated_lines(path, file), start=1):
            where = f"{path}: payload line {number}"
            if number > manifest.event_count:
                raise BundleError(
                    f"{where}: more events than the manifest's {manifest.event_count}"
                )
            try:
                event = EventIn.model_validate_json(line)
            except ValidationError as exc:
                raise BundleError(f"{where}: {_describe(exc)}") from None
            if event.seq != expected_seq:
                raise BundleError(f"{where}: seq {event.seq}, expected {expected_seq}")
            expected_seq += 1
            last = event
            yield event
    count = expected_seq - manifest.from_seq - 1
    if count != manifest.event_count:
        raise BundleError(
            f"{path}: the payload has {count} events, the manifest says {manifest.event_count}"
        )
    if last is not None and last.id != manifest.hwm_event_id:
        raise BundleError(
            f"{path}: the last event is {last.id}, the manifest says {manifest.hwm_event_id}"
        )


def _inflated_lines(path: Path, file: IO[bytes]) -> Iterator[bytes]:
    pending = b""
    for data in _inflate(path, file):
        pending += data
        *lines, pending = pending.split(b"\n")
        yield from lines
        if len(pending) > MAX_EVENT_LINE_BYTES:
            raise BundleError(
                f"{path}: an event in the payload is longer than {MAX_EVENT_LINE_BYTES} bytes"
            )
    if pending:
        yield pending


def _inflate(path: Path, file: IO[bytes]) -> Iterator[bytes]:
    """The gunzipped payload in pieces of at most _READ_CHUNK bytes: a few compressed bytes
    never become gigabytes in memory at once (a zip bomb stops at MAX_INFLATED_BYTES)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    inflated = 0
    try:
        while True:
            chunk = file.read(_READ_CHUNK)
            data = inflater.decompress(chunk, _READ_CHUNK)
            while True:
                inflated += len(data)
                if inflated > MAX_INFLATED_BYTES:
                    raise BundleError(
                        f"{path}: the payload inflates beyond {MAX_INFLATED_BYTES} bytes"
                    )
                if data:
                    yield data
                if not inflater.unconsumed_tail and len(data) < _READ_CHUNK:
                    break
                data = inflater.decompress(inflater.unconsumed_tail, _READ_CHUNK)
            if inflater.eof:
                if inflater.unused_data or file.read(1):
                    raise BundleError(f"{path}: unexpected data after the payload's gzip stream")
                return
            if not chunk:
                raise BundleError(f"{path}: the payload's gzip stream is truncated")
    except zlib.error as exc:
        raise BundleError(f"{path}: the payload is not valid gzip ({exc})") from None


def read_receipt(path: Path) -> BundleReceipt:
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_RECEIPT_BYTES + 1)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read the receipt ({exc.strerror or exc})") from None
    if len(raw) > MAX_RECEIPT_BYTES:
        raise BundleError(f"{path}: larger than {MAX_RECEIPT_BYTES} bytes: not a Slate receipt")
    if raw.startswith(MAGIC):
        raise BundleError(
            f"{path}: this is a bundle, not a receipt (import it on the server with "
            "`slate server import-bundle`)"
        )
    try:
        return BundleReceipt.model_validate_json(raw)
    except ValidationError as exc:
        raise BundleError(f"{path}: not a valid Slate receipt: {_describe(exc)}") from None


def receipt_bytes(receipt: BundleReceipt) -> bytes:
    return (receipt.model_dump_json(indent=2) + "\n").encode()


def _describe(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or "file"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
