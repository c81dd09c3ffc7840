"""Probing a lesson's video or audio file at import: is it whole, playable, and what is it?

Video goes through OpenCV's FFmpeg backend: duration, size, frame rate, codec, a decoded frame
for the thumbnail, and a decoded frame one second before the end, so a truncated file is caught
at import instead of showing a black screen half-way through a lesson. OpenCV cannot open
audio-only files, so audio is read with mutagen (duration and codec from the container).

A file the player cannot show is refused here with a message a teacher can act on. AV1 is
refused on purpose: Qt's FFmpeg backend fails silently on it (a black picture, no error).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# FFmpeg's own complaints about broken files would otherwise go straight to stderr; the probe
# reports every problem itself. Set before cv2 loads; a value the user chose is kept.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")

AUDIO_EXTENSIONS = frozenset({".mp3", ".m4a", ".aac", ".oga", ".ogg", ".opus", ".wav", ".flac"})
AV1_FOURCCS = frozenset({"av01", "av1"})
THUMBNAIL_WIDTH = 320
THUMBNAIL_QUALITY = 80
# How close to the requested time a frame decoded near the end must be; a truncated MP4 whose
# index still promises the full length lets OpenCV stop silently at the last frame it has.
END_SLACK_S = 0.5


class MediaProbeError(ValueError):
    """The file cannot be played; str() is the reason, without the file name."""


@dataclass(frozen=True)
class MediaProbe:
    kind: Literal["video", "audio"]
    duration_s: float
    codec: str
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    thumbnail_jpeg: bytes | None = None


def probe_media(path: Path) -> MediaProbe:
    """Probe one file; raises MediaProbeError if Slate's player could not play it whole."""
    if path.suffix.lower() in AUDIO_EXTENSIONS:
        return _probe_audio(path)
    return _probe_video(path)


def _probe_video(path: Path) -> MediaProbe:
    import cv2

    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise MediaProbeError(
                "not a video file Slate can play: it is damaged, truncated or in an unknown format"
            )
        codec = _fourcc(capture.get(cv2.CAP_PROP_FOURCC))
        if codec in AV1_FOURCCS:
            raise MediaProbeError(
                "AV1 video cannot be played by this version of Slate; "
                "re-encode it as H.264 (MP4) or VP9 (WebM)"
            )
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        if width <= 0 or height <= 0 or not fps > 0:
            raise MediaProbeError("the file has no readable video stream")
        frames = float(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        duration = frames / fps if frames > 0 else _duration_by_reading(capture)
        if not duration > 0:
            raise MediaProbeError("the video has no frames")

        # The thumbnail: a frame a little way in (first frames are often black or a title).
        capture.set(cv2.CAP_PROP_POS_MSEC, min(duration * 0.1, 5.0) * 1000)
        ok, frame = capture.read()
        if not ok:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = capture.read()
        if not ok:
            raise MediaProbeError("no video frame could be decoded: the file is damaged")
        thumbnail = _jpeg(frame)

        _require_whole(capture, duration)
        return MediaProbe("video", round(duration, 3), codec, width, height, fps, thumbnail)
    finally:
        capture.release()


def _require_whole(capture: Any, duration: float) -> None:
    """Decode a frame one second before the end and check it is really from there."""
    import cv2

    target = max(duration - 1.0, 0.0)
    capture.set(cv2.CAP_PROP_POS_MSEC, target * 1000)
    ok, _frame = capture.read()
    reached = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000 if ok else 0.0
    if not ok or reached < target - END_SLACK_S:
        found = f"stops at about {reached:.0f} s" if reached > 0 else "its end cannot be decoded"
        raise MediaProbeError(
            f"the video is truncated or damaged: it should last {duration:.0f} s but {found}"
        )


def _duration_by_reading(capture: Any) -> float:
    """For streams whose container gives no length (e.g. recorded WebM): read to the end."""
    import cv2

    last = 0.0
    while capture.grab():
        last = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000
    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
    return last


def _fourcc(value: float) -> str:
    code = int(value)
    if code <= 0:
        return ""
    raw = code.to_bytes(4, "little").decode("latin-1")
    return raw.strip("\x00 ").lower()


def _jpeg(frame: Any) -> bytes:
    import cv2

    height, width = frame.shape[:2]
    if width > THUMBNAIL_WIDTH:
        size = (THUMBNAIL_WIDTH, max(1, round(height * THUMBNAIL_WIDTH / width)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, THUMBNAIL_QUALITY])
    if not ok:
        raise MediaProbeError("could not make a thumbnail from the video")
    return bytes(encoded.tobytes())


def _probe_audio(path: Path) -> MediaProbe:
    import mutagen

    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError) as exc:
        raise MediaProbeError(f"not an audio file Slate can play: {exc}") from None
    if audio is None or audio.info is None:
        raise MediaProbeError("not an audio file Slate can play: unknown or damaged format")
    length = float(getattr(audio.info, "length", 0.0) or 0.0)
    if not length > 0:
        raise MediaProbeError("the audio file has no playable length")
    codec = str(getattr(audio.info, "codec", "") or type(audio).__name__).lower()[:32]
    return MediaProbe("audio", round(length, 3), codec)
