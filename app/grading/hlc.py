"""A hybrid logical clock for grade revisions: causal order that a wrong laptop clock cannot break.

A timestamp is (wall milliseconds, counter, node). `tick` is taken for every local grade;
`observe` folds in a timestamp that came from elsewhere, so a revision made after seeing
another always sorts after it, whatever the two clocks say. The last timestamp is kept in the
store's meta table, so the clock never runs back across restarts. Its text form sorts the same
as the tuple for equal-length nodes, but compare parsed values (`HLCTimestamp.parse`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.identity import ensure_source, get_meta, set_meta

META_KEY = "grading_hlc"


@dataclass(frozen=True, order=True)
class HLCTimestamp:
    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:015d}-{self.counter:06d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> HLCTimestamp:
        parts = text.split("-", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
            raise ValueError(f"not a hybrid logical clock timestamp: {text!r}")
        return cls(int(parts[0]), int(parts[1]), parts[2])


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def _last(session: Session) -> HLCTimestamp | None:
    text = get_meta(session, META_KEY)
    return HLCTimestamp.parse(text) if text else None


def tick(session: Session, *, wall: Callable[[], int] = _wall_ms) -> HLCTimestamp:
    """The timestamp for a new local revision (stored; the caller commits)."""
    node = ensure_source(session)
    last = _last(session)
    now = wall()
    if last is None or now > last.wall_ms:
        stamp = HLCTimestamp(now, 0, node)
    else:
        stamp = HLCTimestamp(last.wall_ms, last.counter + 1, node)
    set_meta(session, META_KEY, str(stamp))
    return stamp


def observe(session: Session, remote: HLCTimestamp, *, wall: Callable[[], int] = _wall_ms) -> None:
    """Fold a timestamp from another device in, so later local ticks sort after it."""
    node = ensure_source(session)
    last = _last(session) or HLCTimestamp(0, 0, node)
    now = wall()
    top = max(now, last.wall_ms, remote.wall_ms)
    if top == last.wall_ms == remote.wall_ms:
        counter = max(last.counter, remote.counter)
    elif top == last.wall_ms:
        counter = last.counter
    elif top == remote.wall_ms:
        counter = remote.counter
    else:
        counter = 0
    set_meta(session, META_KEY, str(HLCTimestamp(top, counter, node)))
