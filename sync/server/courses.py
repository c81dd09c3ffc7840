"""Publishing course versions to a school, and finding a published package for download.

`slate server course publish PATH --school CODE` validates the package with the laptop's own
reader (app.courses: paths, sizes, zip bombs, every manifest and quiz rule), keeps it as a zip
named by its sha256 in the server's data folder, records the version with the grading keys of
its auto-gradable questions (for rescoring), and appends a `course_version` record to the school's
change log, all in one transaction. Versions are immutable: the same version again with the
same bytes changes nothing; with other bytes, or older than one already published, it is refused.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.courses.importer import is_older, read_package
from app.courses.package import PackageError, PackageReader
from app.errors import SlateError
from sync.changes import (
    KIND_COURSE_VERSION,
    CourseVersionPayload,
    course_version_key,
    package_path,
)
from sync.server.auth import format_enrollment_code
from sync.server.changes import append_change
from sync.server.errors import NotFound
from sync.server.models import CourseVersion, Device, School
from sync.server.rescore import rescore_unscored

PACKAGES_FOLDER = "course-packages"
# Fixed member times: the same folder published twice makes the same zip, hence the same sha256.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024


class PublishError(SlateError):
    """The package was refused; nothing was published. The message names the file first."""


@dataclass(frozen=True)
class Published:
    school_id: str
    course_id: str
    version: str
    title: str
    sha256: str
    size: int
    status: str  # "published" or "unchanged"

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def packages_dir(data_dir: Path) -> Path:
    return data_dir / PACKAGES_FOLDER


def stored_package(data_dir: Path, sha256: str) -> Path:
    return packages_dir(data_dir) / f"{sha256}.zip"


def find_school(session: Session, code_or_id: str) -> School:
    """A school by enrollment code (as typed) or id."""
    school = session.get(School, code_or_id.strip())
    if school is None:
        code = format_enrollment_code(code_or_id)
        school = session.scalar(select(School).where(School.enrollment_code == code))
    if school is None:
        raise PublishError(f"--school {code_or_id!r}: no school has this enrollment code or id")
    return school


def grading_keys(source: Path) -> tuple[Any, dict[str, Any]]:
    """Validate the package; returns its manifest and {"quiz/question": {type, points, key}}."""
    try:
        with PackageReader(source) as reader:
            plan = read_package(reader)
    except PackageError as exc:
        raise PublishError(str(exc)) from None
    keys: dict[str, Any] = {}
    for item in plan.items:
        if item.quiz is None:
            continue
        for question in item.quiz.questions:
            keys[f"{item.spec.id}/{question.id}"] = {
                "type": question.type,
                "points": question.points,
                "key": question.grading_key(),
            }
    return plan.manifest, keys


def publish_course(session: Session, data_dir: Path, source: Path, school: str) -> Published:
    """Publish the package at `source` (folder or zip) to a school and commit."""
    target = find_school(session, school)
    manifest, keys = grading_keys(source)
    sha256, size = _store_zip(packages_dir(data_dir), source)
    existing = session.get(CourseVersion, (target.id, manifest.id, manifest.version))
    result = Published(
        target.id, manifest.id, manifest.version, manifest.title, sha256, size, "unchanged"
    )
    if existing is not None:
        if existing.sha256 != sha256:
            raise PublishError(
                f"{source}: version {manifest.version} of course {manifest.id} is already "
                "published with other content; a published version never changes, so give "
                "this one a new version in course.json"
            )
        return result
    for other in session.scalars(
        select(CourseVersion.version).where(
            CourseVersion.school_id == target.id, CourseVersion.course_id == manifest.id
        )
    ):
        if is_older(manifest.version, other):
            raise PublishError(
                f"{source}: version {manifest.version} of course {manifest.id} is older than "
                f"version {other}, already published; laptops never go back to an older version"
            )
    session.add(
        CourseVersion(
            school_id=target.id,
            course_id=manifest.id,
            version=manifest.version,
            title=manifest.title,
            sha256=sha256,
            size=size,
            keys=keys,
        )
    )
    payload = CourseVersionPayload(
        course_id=manifest.id,
        version=manifest.version,
        title=manifest.title,
        sha256=sha256,
        size=size,
        package_path=package_path(manifest.id, manifest.version),
    )
    append_change(
        session,
        school_id=target.id,
        kind=KIND_COURSE_VERSION,
        key=course_version_key(manifest.id),
        payload=payload.model_dump(),
    )
    # Answers that arrived before their version was published can be graded now.
    rescore_unscored(session, manifest.id)
    session.commit()
    return Published(**{**result.as_dict(), "status": "published"})


def package_for_device(
    session: Session, data_dir: Path | None, device: Device, course_id: str, version: str
) -> tuple[Path, CourseVersion]:
    """The stored package of a version published to the device's school, or NotFound."""
    row = session.get(CourseVersion, (device.school_id, course_id, version))
    if row is None or data_dir is None:
        raise NotFound(f"course {course_id} version {version} is not published to this school")
    path = stored_package(data_dir, row.sha256)
    if not path.is_file():
        raise NotFound(f"the package of course {course_id} version {version} is missing")
    return path, row


def _store_zip(folder: Path, source: Path) -> tuple[str, int]:
    """Keep the package as `<sha256>.zip` (temp file, fsync, rename); returns (sha256, size)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=".publish-", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            if source.is_dir():
                _zip_folder(source, out)
            else:
                with source.open("rb") as package:
                    while chunk := package.read(_CHUNK):
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha256 = _sha256(temp)
        size = temp.stat().st_size
        temp.chmod(0o644)  # mkstemp makes it private to this user
        temp.replace(stored_package(folder.parent, sha256))
        return sha256, size
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _zip_folder(source: Path, out: Any) -> None:
    # The reader has already refused symlinks and paths leaving the folder.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with path.open("rb") as member, archive.open(info, "w") as target:
                while chunk := member.read(_CHUNK):
                    target.write(chunk)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
