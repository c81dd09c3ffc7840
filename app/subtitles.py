"""Subtitle cues from WebVTT (webvtt-py), for the player's caption line and the transcript."""

from __future__ import annotations

import io
from bisect import bisect_right
from dataclasses import dataclass


class SubtitleError(ValueError):
    pass


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def parse_vtt(text: str, *, name: str = "subtitles") -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        vtt = webvtt.from_buffer(io.StringIO(text.lstrip("\ufeff")), format="vtt")
    except MalformedFileError as exc:
        raise SubtitleError(f"{name}: not a valid WebVTT file ({exc})") from None
    # start_in_seconds truncates to whole seconds, so the text stamps are parsed instead.
    cues = [Cue(_secs(c.start), _secs(c.end), c.text) for c in vtt.captions]
    return sorted(cues, key=lambda c: c.start_s)


def _secs(stamp: str) -> float:
    parts = stamp.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) >= 2 else 0
    hours = int(parts[-3]) if len(parts) >= 3 else 0
    return hours * 3600 + minutes * 60 + seconds


class CueTrack:
    """Finds the cue showing at a given time in O(log n)."""

    def __init__(self, cues: list[Cue]) -> None:
        self.cues = cues
        self._starts = [c.start_s for c in cues]

    def at(self, seconds: float) -> Cue | None:
        i = bisect_right(self._starts, seconds) - 1
        while i >= 0:
            cue = self.cues[i]
            if cue.start_s <= seconds < cue.end_s:
                return cue
            if i == 0 or self.cues[i - 1].end_s <= seconds:
                # Overlapping cues are rare; look back only while an earlier one could still show.
                break
            i -= 1
        return None
