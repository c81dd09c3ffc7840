"""HTTP endpoints of the downstream direction: change-log pages and course package downloads.

    GET /api/v1/changes?cursor=...&limit=...                     -> ChangesPage
    GET /api/v1/courses/{course_id}/versions/{version}/package    -> the zip (HTTP Range works)

Both need a device token; a device sees only its own school's records and packages.
"""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations at runtime.

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from sync.changes import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, ChangesPage
from sync.server.app import AuthenticatedDevice, _in_session
from sync.server.changes import read_changes
from sync.server.courses import package_for_device

router = APIRouter()


@router.get("/changes", response_model=ChangesPage)
async def get_changes(
    request: Request,
    device: AuthenticatedDevice,
    cursor: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT)] = DEFAULT_PAGE_LIMIT,
) -> ChangesPage:
    return await _in_session(request, lambda session: read_changes(session, device, cursor, limit))


@router.get("/courses/{course_id}/versions/{version}/package")
async def get_course_package(
    request: Request, course_id: str, version: str, device: AuthenticatedDevice
) -> FileResponse:
    data_dir = getattr(request.app.state, "data_dir", None)
    path, row = await _in_session(
        request, lambda session: package_for_device(session, data_dir, device, course_id, version)
    )
    # FileResponse answers Range requests with 206, so a cut download resumes where it stopped.
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{course_id}-{version}.zip",
        headers={"ETag": f'"{row.sha256}"', "X-Content-SHA256": row.sha256},
    )
