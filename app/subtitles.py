"""Subtitles and chapters: WebVTT and SRT files (webvtt-py) as cues for the player and transcript.

WebVTT is Slate's stored form. SRT files are read in whatever encoding they were saved in (old
SRT files are often windows-1251, windows-1250, ...: charset-normalizer tells which) and
converted to WebVTT at import. WebVTT is UTF-8 by definition, so it is not guessed. A byte
order mark is honoured and removed in both. Nothing is dropped silently: a cue that cannot be
read is an error naming the file and line.
"""

from __future__ import annotations

import html
import io
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

SUBTITLE_FORMATS = {".vtt": "vtt", ".srt": "srt"}

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# The WebVTT signature: "WEBVTT" alone, or followed by a space or tab and free text.
_VTT_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
# What webvtt-py's readers accept as cue times; a "-->" line they would skip is reported.
_VTT_STAMP = r"(?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3}"
_VTT_TIMINGS = re.compile(rf"\s*{_VTT_STAMP}\s*-->\s*{_VTT_STAMP}")
_SRT_STAMP = r"\d+:\d{1,2}:\d{1,2}[,.]\d+"
_SRT_TIMINGS = re.compile(rf"\s*{_SRT_STAMP}\s*-->\s*{_SRT_STAMP}")


class SubtitleError(ValueError):
    """A subtitle file was refused; str() names the file (and line) and the problem."""


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str  # what a learner reads: cue tags removed, entities decoded
    raw_text: str = ""  # the cue payload as written, tags and voice spans included
    voice: str = ""  # the speaker named by a <v> span, if any


@dataclass(frozen=True)
class SubtitleFile:
    cues: list[Cue]
    vtt_text: str  # WebVTT to store: the file itself, or an SRT file converted
    encoding: str  # the encoding the file was read in
    converted: bool  # True when vtt_text is a conversion (from SRT)


@dataclass(frozen=True)
class Chapter:
    title: str
    start_s: float

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "start_s": self.start_s}


def subtitle_format(name: str) -> str | None:
    """ "vtt" or "srt" from a file name, or None for anything else."""
    dot = name.rfind(".")
    return SUBTITLE_FORMATS.get(name[dot:].lower()) if dot >= 0 else None


def read_subtitles(data: bytes, *, name: str) -> SubtitleFile:
    """Decode and parse a .vtt or .srt file; raises SubtitleError naming `name`."""
    fmt = subtitle_format(name)
    if fmt is None:
        raise SubtitleError(f"{name}: subtitles must be WebVTT (.vtt) or SubRip (.srt) files")
    text, encoding = decode_subtitle_text(data, name=name, detect=fmt == "srt")
    if fmt == "vtt":
        return SubtitleFile(parse_vtt(text, name=name), text, encoding, converted=False)
    vtt = _parse_srt(text, name=name)
    return SubtitleFile(_cues(vtt.captions), vtt.content, encoding, converted=True)


def decode_subtitle_text(data: bytes, *, name: str, detect: bool) -> tuple[str, str]:
    """The text and its encoding. Without a BOM, UTF-8 is tried first: valid UTF-8 with
    non-ASCII letters is almost never a legacy encoding, while detectors can guess wrong."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), codec
            except UnicodeDecodeError as exc:
                line = _line_at(data, exc.start + len(bom))
                raise SubtitleError(f"{name}: line {line}: not valid {codec} text") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if not detect:
            raise SubtitleError(
                f"{name}: line {_line_at(data, exc.start)}: not valid UTF-8 text "
                "(WebVTT files must be saved as UTF-8)"
            ) from None
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise SubtitleError(f"{name}: cannot tell the text encoding; save the file as UTF-8")
    return str(best), best.encoding


def _line_at(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def parse_vtt(text: str, *, name: str = "subtitles") -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    text = _normalise(text)
    first_line = text.split("\n", 1)[0]
    if not _VTT_HEADER.fullmatch(first_line):
        raise SubtitleError(
            f"{name}: line 1: not a WebVTT file: bad header (the first line must be 'WEBVTT')"
        )
    # webvtt-py skips cue blocks it cannot read (its strict mode also refuses cue settings
    # that browsers merely ignore), so the cue-times lines are checked here first.
    timing_lines = _timing_lines(text, _VTT_TIMINGS, name)
    try:
        vtt = webvtt.from_buffer(io.StringIO(text), format="vtt")
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise SubtitleError(f"{name}: not a valid WebVTT file ({exc})") from None
    return _checked_cues(vtt.captions, timing_lines, name)


def _parse_srt(text: str, *, name: str) -> Any:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    text = _normalise(text).lstrip("\n")
    timing_lines = _timing_lines(text, _SRT_TIMINGS, name)
    _check_srt_blocks(text, name)
    try:
        vtt = webvtt.from_buffer(io.StringIO(text), format="srt")
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise SubtitleError(f"{name}: not a valid SubRip (.srt) file ({exc})") from None
    _checked_cues(vtt.captions, timing_lines, name)
    return vtt


def _normalise(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _timing_lines(text: str, pattern: re.Pattern[str], name: str) -> list[int]:
    """Line numbers of the cue-times lines of cues with text; bad cue times are refused."""
    found = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if "-->" in line:
            if not pattern.match(line):
                raise SubtitleError(
                    f"{name}: line {number}: cannot read the cue times {line.strip()[:80]!r}"
                )
            # A cue with no text is legal and has nothing to show: the readers skip it.
            if number < len(lines) and lines[number].strip():
                found.append(number)
    return found


_SRT_TIMES = re.compile(
    r"\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d+)\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d+)"
)


def _check_srt_blocks(text: str, name: str) -> None:
    """Every block between blank lines must be a cue: an optional number, then its times.

    webvtt-py splits SubRip only at cue-times lines, so a block it cannot read (a mistyped
    arrow, a stray paragraph) would silently become part of the cue before it."""
    lines = text.split("\n")
    start = 0
    while start < len(lines):
        if not lines[start].strip():
            start += 1
            continue
        end = start
        while end < len(lines) and lines[end].strip():
            end += 1
        head = [line for line in lines[start : min(end, start + 2)]]
        timing = next((i for i, line in enumerate(head) if "-->" in line), None)
        arrow = next((i for i, line in enumerate(head) if "->" in line), None)
        if timing is None and arrow is not None:
            raise SubtitleError(
                f"{name}: line {start + arrow + 1}: cannot read the cue times "
                f"{head[arrow].strip()[:80]!r} (they look like '00:00:01,000 --> 00:00:02,000')"
            )
        if timing is None or (timing == 1 and not head[0].strip().isdigit()):
            raise SubtitleError(
                f"{name}: line {start + 1}: this block has no cue times "
                f"({lines[start].strip()[:60]!r}); each cue is a number, a line "
                "'00:00:01,000 --> 00:00:02,000' and its text, with a blank line between cues"
            )
        number = start + timing + 1
        times = _SRT_TIMES.match(lines[start + timing])
        if times is not None:
            h1, m1, s1, f1, h2, m2, s2, f2 = times.groups()
            if max(int(m1), int(s1), int(m2), int(s2)) > 59:
                raise SubtitleError(f"{name}: line {number}: minutes and seconds go up to 59")
            begin = int(h1) * 3600 + int(m1) * 60 + int(s1) + float("0." + f1)
            finish = int(h2) * 3600 + int(m2) * 60 + int(s2) + float("0." + f2)
            if finish < begin:
                raise SubtitleError(f"{name}: line {number}: the cue ends before it starts")
        start = end


def _checked_cues(captions: list[Any], timing_lines: list[int], name: str) -> list[Cue]:
    cues = _cues(captions)
    if not cues:
        raise SubtitleError(f"{name}: the file has no cues")
    if len(captions) < len(timing_lines):
        missing = len(timing_lines) - len(captions)
        raise SubtitleError(
            f"{name}: {missing} of {len(timing_lines)} cues could not be read "
            "(check the blank lines between cues and the cue times)"
        )
    return cues


def _cues(captions: list[Any]) -> list[Cue]:
    # start_in_seconds truncates to whole seconds, so the text stamps are parsed instead.
    cues = [
        Cue(
            _secs(c.start),
            _secs(c.end),
            "\n".join(html.unescape(line).strip() for line in c.text.split("\n")).strip(),
            c.raw_text,
            c.voice or "",
        )
        for c in captions
    ]
    return sorted(cues, key=lambda c: c.start_s)


def _secs(stamp: str) -> float:
    parts = stamp.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def chapters_from_cues(cues: list[Cue]) -> list[Chapter]:
    """A WebVTT chapters track: each cue's start and first line of text is a chapter."""
    return [Chapter(c.text.split("\n", 1)[0].strip(), c.start_s) for c in cues]


def chapters_problem(chapters: list[Chapter], duration_s: float | None) -> str | None:
    """Why this chapter list is not usable, or None. Starts must increase and lie inside."""
    previous: float | None = None
    for index, chapter in enumerate(chapters):
        where = f"chapters[{index}]"
        if not chapter.title:
            return f"{where}: the chapter has no title"
        if chapter.start_s < 0:
            return f"{where}.start_s: must not be negative"
        if previous is not None and chapter.start_s <= previous:
            return (
                f"{where}.start_s: {chapter.start_s:g} s must be later than the previous "
                f"chapter's {previous:g} s"
            )
        if duration_s is not None and chapter.start_s >= duration_s:
            return (
                f"{where}.start_s: {chapter.start_s:g} s is not within the video "
                f"({duration_s:g} s long)"
            )
        previous = chapter.start_s
    return None


class CueTrack:
    """Finds the cue showing at a given time in O(log n)."""

    def __init__(self, cues: list[Cue]) -> None:
        self.cues = cues
        self._starts = [c.start_s for c in cues]

    def at(self, seconds: float) -> Cue | None:
        index = self.index_at(seconds)
        return None if index is None else self.cues[index]

    def index_at(self, seconds: float) -> int | None:
        """The index of the latest-starting cue showing at `seconds`, or None."""
        i = bisect_right(self._starts, seconds) - 1
        while i >= 0:
            cue = self.cues[i]
            if cue.start_s <= seconds < cue.end_s:
                return i
            if i == 0 or self.cues[i - 1].end_s <= seconds:
                # Overlapping cues are rare; look back only while an earlier one could still show.
                break
            i -= 1
        return None

    def index_before(self, seconds: float) -> int | None:
        """The last cue that started at or before `seconds` (shown or not), for the transcript."""
        i = bisect_right(self._starts, seconds) - 1
        return i if i >= 0 else None
