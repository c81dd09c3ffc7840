"""Errors the server answers with: each has an HTTP status and a stable `error` code.

Clients branch on `code`, never on `detail`, which is written for the person reading a log.
The codes are listed in docs/sync-protocol.md.
"""

from __future__ import annotations

from sync.protocol import ErrorBody


class ApiError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(self, detail: str, *, acked_through: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.acked_through = acked_through

    def body(self) -> ErrorBody:
        return ErrorBody(error=self.code, detail=self.detail, acked_through=self.acked_through)


class InvalidPayload(ApiError):
    status = 422
    code = "invalid_payload"


class InvalidEncoding(ApiError):
    status = 400
    code = "invalid_encoding"


class UnsupportedEncoding(ApiError):
    status = 415
    code = "unsupported_encoding"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class BadEnrollmentCode(ApiError):
    status = 403
    code = "bad_enrollment_code"


class SourceOwnedByOtherDevice(ApiError):
    status = 403
    code = "source_owned_by_other_device"


class SeqConflict(ApiError):
    status = 409
    code = "seq_conflict"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class ServerBusy(ApiError):
    status = 503
    code = "server_busy"
