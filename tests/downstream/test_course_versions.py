"""Course versions: published on the server, announced in the change log, downloaded (resumably,
checksummed) and imported on the laptop."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import Course
from app.db.store import Store
from app.downstream.tables import CourseDownload
from sync.client import SyncError
from sync.course_download import check_free_space, part_path
from sync.pull import ChangePuller
from tests.downstream.cutting_proxy import CuttingProxy
from tests.downstream.helpers import enroll, local_records
from tests.support.server_process import ServerProcess

COURSE = "demo.speed-distance-time"


@pytest.fixture
def laptop(store: Store, server: ServerProcess, school: dict[str, Any]) -> Store:
    enroll(store, server, school["enrollment_code"])
    return store


def publish(server: ServerProcess, package: Path, code: str) -> dict[str, Any]:
    result: dict[str, Any] = server.cli_json("course", "publish", str(package), "--school", code)
    return result


def course_version(store: Store) -> str | None:
    with store.read() as session:
        course = session.get(Course, COURSE)
        return course.version if course else None


def queued(store: Store) -> list[tuple[str, str, str | None]]:
    with store.read() as session:
        return [
            (row.course_id, row.state, row.error) for row in session.scalars(select(CourseDownload))
        ]


def test_a_published_version_is_downloaded_and_imported(
    laptop: Store, server: ServerProcess, school: dict[str, Any], demo_dir: Path
) -> None:
    published = publish(server, demo_dir, school["enrollment_code"])
    assert published["status"] == "published" and published["course_id"] == COURSE
    assert publish(server, demo_dir, school["enrollment_code"])["status"] == "unchanged"
    steps: list[tuple[int, int, str]] = []
    with ChangePuller(laptop, server.url) as puller:
        report = puller.pull(download_progress=lambda d, t, w: steps.append((d, t, w)))
    assert report.applied == 1 and report.courses_imported == [f"{COURSE} 1.1.0"]
    assert course_version(laptop) == "1.1.0"
    assert queued(laptop) == [(COURSE, "imported", None)]
    assert local_records(laptop)[("course_version", COURSE)]["sha256"] == published["sha256"]
    assert any(w.startswith("Downloading") and d == published["size"] for d, _t, w in steps)
    assert any(w.startswith("Importing") for _d, _t, w in steps)
    assert not list((laptop.data_dir / "downloads").iterdir())  # nothing left behind
    with ChangePuller(laptop, server.url) as puller:
        again = puller.pull()
    assert (again.applied, again.courses_imported) == (0, [])


def test_a_cut_download_resumes_with_a_range_request(
    laptop: Store, server: ServerProcess, school: dict[str, Any], demo_dir: Path
) -> None:
    published = publish(server, demo_dir, school["enrollment_code"])
    with CuttingProxy(server.port, cut_after=300_000) as proxy:
        with ChangePuller(laptop, proxy.url) as puller, pytest.raises(SyncError, match="cut off"):
            puller.pull()
        part = part_path(laptop, published["sha256"])
        kept = part.stat().st_size
        assert 0 < kept < published["size"]
        assert course_version(laptop) is None
        with ChangePuller(laptop, proxy.url) as puller:
            report = puller.pull()
    assert report.courses_imported == [f"{COURSE} 1.1.0"]
    assert course_version(laptop) == "1.1.0"
    assert len(proxy.package_requests) == 2
    assert "range" not in proxy.package_requests[0].lower()
    assert f"range: bytes={kept}-" in proxy.package_requests[1].lower()


def test_a_package_that_fails_its_checksum_is_refused(
    laptop: Store, server: ServerProcess, school: dict[str, Any], demo_dir: Path
) -> None:
    published = publish(server, demo_dir, school["enrollment_code"])
    stored = server.data_dir / "course-packages" / f"{published['sha256']}.zip"
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte different: corruption on the way
    stored.write_bytes(bytes(data))
    with ChangePuller(laptop, server.url) as puller, pytest.raises(SyncError, match="checksum"):
        puller.pull()
    assert course_version(laptop) is None
    assert not part_path(laptop, published["sha256"]).exists()
    [(course_id, state, error)] = queued(laptop)
    assert (course_id, state) == (COURSE, "pending") and error and "checksum" in error


def test_publish_refuses_changed_older_and_broken_packages(
    server: ServerProcess, school: dict[str, Any], demo_dir: Path, tmp_path: Path
) -> None:
    code = school["enrollment_code"]
    publish(server, demo_dir, code)
    changed = tmp_path / "changed"
    shutil.copytree(demo_dir, changed)
    (changed / "README-extra.md").write_text("one more file\n")
    refused = server.cli("course", "publish", str(changed), "--school", code, check=False)
    assert refused.returncode == 1 and "already published with other content" in refused.stderr

    manifest = json.loads((changed / "course.json").read_text())
    manifest["version"] = "1.0.0"
    (changed / "course.json").write_text(json.dumps(manifest))
    refused = server.cli("course", "publish", str(changed), "--school", code, check=False)
    assert refused.returncode == 1 and "older than version 1.1.0" in refused.stderr

    del manifest["title"]
    (changed / "course.json").write_text(json.dumps(manifest))
    refused = server.cli("course", "publish", str(changed), "--school", code, check=False)
    assert refused.returncode == 1 and "course.json" in refused.stderr and "title" in refused.stderr

    refused = server.cli("course", "publish", str(demo_dir), "--school", "NOPE1-NOPE2", check=False)
    assert refused.returncode == 1 and "NOPE1-NOPE2" in refused.stderr


def test_a_device_of_another_school_cannot_download(
    server: ServerProcess, school: dict[str, Any], demo_dir: Path
) -> None:
    published = publish(server, demo_dir, school["enrollment_code"])
    other = server.add_school("Hill School")
    token = server.enroll(other["enrollment_code"], "hill laptop")
    with server.client(token) as client:
        response = client.get(f"/courses/{COURSE}/versions/1.1.0/package")
        assert response.status_code == 404 and response.json()["error"] == "not_found"
        assert client.get("/changes").json()["records"] == []
    own = server.enroll(school["enrollment_code"], "own laptop")
    with server.client(own) as client:
        response = client.get(f"/courses/{COURSE}/versions/1.1.0/package")
        assert response.status_code == 200 and len(response.content) == published["size"]


def test_free_space_is_checked_before_downloading(tmp_path: Path) -> None:
    with pytest.raises(SyncError, match="Not enough free disk space"):
        check_free_space(tmp_path, 10**18)
    check_free_space(tmp_path, 1)
