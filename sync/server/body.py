"""Reading a request body: optional gzip, a hard size limit, then pydantic validation.

Bodies are read by hand rather than through FastAPI's parameter binding so that a gzip body can
be bounded while it is inflated (a few kilobytes of gzip can inflate to gigabytes) and so that
every failure answers with the protocol's ErrorBody naming the offending field.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from sync.protocol import MAX_BODY_BYTES
from sync.server.errors import InvalidEncoding, InvalidPayload, PayloadTooLarge, UnsupportedEncoding

if TYPE_CHECKING:
    from starlette.requests import Request

M = TypeVar("M", bound=BaseModel)

_TOO_LARGE = (
    f"the request body is larger than {MAX_BODY_BYTES} bytes (after gunzip); "
    "send fewer events per request"
)


async def read_model(request: Request, model: type[M]) -> M:
    raw = await read_body(request)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidPayload(describe_validation_error(exc)) from None


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity", "gzip"):
        raise UnsupportedEncoding(
            f"Content-Encoding {encoding!r} is not supported; use gzip or none"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(_TOO_LARGE)
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise PayloadTooLarge(_TOO_LARGE)
    if encoding == "gzip":
        return gunzip_bounded(bytes(received), limit)
    return bytes(received)


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InvalidEncoding(f"the gzip body is corrupt: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(_TOO_LARGE)
    if not inflater.eof:
        raise InvalidEncoding("the gzip body is truncated")
    if inflater.unused_data:
        raise InvalidEncoding("the gzip body has trailing data after its end")
    return out


def describe_validation_error(exc: ValidationError, limit: int = 5) -> str:
    """`events[3].seq: Input should be greater than or equal to 1; ...` for the first few."""
    parts = []
    for error in exc.errors()[:limit]:
        parts.append(f"{field_path(error['loc'])}: {error['msg']}")
    more = exc.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"
