"""Probing videos at import: figures and thumbnail stored; broken or unplayable files refused
with the file named and the store exactly as before."""

from __future__ import annotations

import hashlib
import shutil
import wave
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from app.courses.importer import CourseImportError, import_course
from app.db.models import CourseFile, Item, Media
from app.db.store import Store
from app.media_probe import MediaProbeError, probe_media
from app.media_store import media_path
from tests.media.conftest import (
    COURSE,
    DATA,
    DEMO_FPS,
    DEMO_FRAMES,
    DEMO_HEIGHT,
    DEMO_WIDTH,
    VIDEO,
    VIDEO_ITEM,
    edit_manifest,
    snapshot,
    video_item,
)

AV1_FILE = DATA / "av1-64x48-1s.mp4"  # made with: ffmpeg -f lavfi -i testsrc=size=64x48:rate=10
# -t 1 -c:v libaom-av1 -cpu-used 8 -crf 50 -pix_fmt yuv420p av1-64x48-1s.mp4


def assert_refused(store: Store, source: Path, *fragments: str) -> str:
    before = snapshot(store)
    with pytest.raises(CourseImportError) as info:
        import_course(store, source)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(store) == before
    return message


def cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# -- the probe itself ---------------------------------------------------------------------------


def test_probe_figures_of_the_demo_video(demo_dir: Path) -> None:
    probe = probe_media(demo_dir / VIDEO)
    assert probe.kind == "video"
    assert probe.codec in ("h264", "avc1")
    assert (probe.width, probe.height) == (DEMO_WIDTH, DEMO_HEIGHT)
    assert probe.fps == pytest.approx(DEMO_FPS)
    assert probe.duration_s == pytest.approx(DEMO_FRAMES / DEMO_FPS, abs=0.01)
    assert probe.thumbnail_jpeg is not None
    image = cv2.imdecode(np.frombuffer(probe.thumbnail_jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] == 320 and image.shape[0] == 180
    assert image.std() > 5, "the thumbnail is a blank frame"


def test_truncated_video_is_refused_by_the_probe(tmp_path: Path, demo_dir: Path) -> None:
    cut = tmp_path / "cut.mp4"
    shutil.copy(demo_dir / VIDEO, cut)
    cut_in_half(cut)
    with pytest.raises(MediaProbeError, match="truncated"):
        probe_media(cut)


def test_audio_is_probed_without_opencv(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000 * 2)  # two seconds of silence
    probe = probe_media(path)
    assert probe.kind == "audio" and probe.duration_s == pytest.approx(2.0)
    assert probe.width is None and probe.thumbnail_jpeg is None


def test_garbage_audio_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "song.mp3"
    path.write_bytes(b"not an mp3 at all " * 100)
    with pytest.raises(MediaProbeError, match="not an audio file"):
        probe_media(path)


# -- at import ----------------------------------------------------------------------------------


def test_import_stores_probe_figures_and_thumbnail(store: Store, demo_dir: Path) -> None:
    messages: list[str] = []
    import_course(store, demo_dir, progress=lambda _d, _t, what: messages.append(what))
    with store.read() as s:
        item = s.scalar(select(Item).where(Item.item_id == VIDEO_ITEM))
        assert item is not None and item.media_sha256
        media = s.get(Media, item.media_sha256)
        assert media is not None
        assert (media.width, media.height) == (DEMO_WIDTH, DEMO_HEIGHT)
        assert media.fps == pytest.approx(DEMO_FPS)
        assert media.codec in ("h264", "avc1")
        assert media.duration_s == pytest.approx(DEMO_FRAMES / DEMO_FPS, abs=0.01)
        assert item.duration_s == media.duration_s  # the probed length, not the author's guess
        assert media.thumbnail_sha256
        thumb = s.get(Media, media.thumbnail_sha256)
        assert thumb is not None and thumb.mime == "image/jpeg"
        thumb_file = media_path(store.media_dir, thumb.sha256, thumb.ext)
        # Thumbnails are not package files: nothing to export under a made-up path.
        assert s.scalars(select(CourseFile).where(CourseFile.sha256 == thumb.sha256)).all() == []
    assert hashlib.sha256(thumb_file.read_bytes()).hexdigest() == media.thumbnail_sha256
    # Probing is reported, and happens before anything is copied into the store.
    checking = messages.index(f"Checking {VIDEO}")
    copying = next(i for i, m in enumerate(messages) if m.startswith("Copying"))
    assert checking < copying


def test_zip_package_is_probed_too(store: Store, package: Path, tmp_path: Path) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / "good"), "zip", package))
    import_course(store, archive)
    with store.read() as s:
        media = s.scalar(select(Media).where(Media.ext == ".mp4"))
        assert media is not None and media.width == DEMO_WIDTH and media.thumbnail_sha256

    cut_in_half(package / VIDEO)
    edit_manifest(package, lambda m: m.update(version="2.0"))
    broken = Path(shutil.make_archive(str(tmp_path / "broken"), "zip", package))
    assert_refused(store, broken, VIDEO, "truncated")


def test_truncated_video_is_refused_at_import(store: Store, package: Path) -> None:
    cut_in_half(package / VIDEO)
    message = assert_refused(store, package, VIDEO, "truncated")
    assert message.startswith(VIDEO)


def test_truncated_video_in_a_new_version_leaves_the_old_one(
    store: Store, package: Path, demo_dir: Path
) -> None:
    import_course(store, demo_dir)
    edit_manifest(package, lambda m: m.update(version=m["version"] + ".1"))
    cut_in_half(package / VIDEO)
    assert_refused(store, package, VIDEO, "truncated")
    with store.read() as s:
        assert s.get(Media, hashlib.sha256((demo_dir / VIDEO).read_bytes()).hexdigest())


@pytest.mark.parametrize(
    "content",
    [b"\0" * 4096, b"this is a lesson plan, not a video\n" * 50, bytes(range(256)) * 64],
    ids=["zeros", "text", "noise"],
)
def test_corrupt_video_is_refused(store: Store, package: Path, content: bytes) -> None:
    (package / VIDEO).write_bytes(content)
    assert_refused(store, package, VIDEO, "damaged")


def test_av1_video_is_refused_with_a_reason(store: Store, package: Path) -> None:
    shutil.copy(AV1_FILE, package / "media" / "clip.mp4")
    edit_manifest(package, lambda m: video_item(m).update(file="media/clip.mp4"))
    message = assert_refused(store, package, "media/clip.mp4", "AV1")
    assert "cannot be played by this version" in message


def test_the_av1_fixture_is_really_av1() -> None:
    # Guards the test above: it must fail for the AV1 reason, not because the file is broken.
    capture = cv2.VideoCapture(str(AV1_FILE), cv2.CAP_FFMPEG)
    try:
        fourcc = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode().lower()
    finally:
        capture.release()
    assert fourcc == "av01"


def test_reimporting_the_same_video_stores_it_once(store: Store, package: Path) -> None:
    import_course(store, package)
    edit_manifest(package, lambda m: m.update(version=m["version"] + ".1"))
    import_course(store, package)
    with store.read() as s:
        videos = s.scalars(select(Media).where(Media.ext == ".mp4")).all()
        thumbs = s.scalars(select(Media).where(Media.ext == ".jpg")).all()
        course_items = s.scalars(select(Item).where(Item.course_id == COURSE)).all()
    assert len(videos) == 1 and len(thumbs) == 1 and course_items
    assert len(list(store.media_dir.rglob("*.jpg"))) == 1


def test_audio_lesson_is_probed_at_import(store: Store, package: Path) -> None:
    with wave.open(str(package / "media" / "talk.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000 * 3)
    edit_manifest(package, lambda m: video_item(m).update(file="media/talk.wav"))
    import_course(store, package)
    with store.read() as s:
        item = s.scalar(select(Item).where(Item.item_id == VIDEO_ITEM))
        assert item is not None and item.media_sha256
        media = s.get(Media, item.media_sha256)
        assert media is not None and media.duration_s == pytest.approx(3.0)
        assert media.width is None and media.thumbnail_sha256 is None
        assert item.duration_s == pytest.approx(3.0)
