"""What every page shares: the open store and the learner currently using the app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from sqlalchemy.orm import Session

from app.db.store import Store
from app.profiles import Profile

T = TypeVar("T")


class AppContext(QObject):
    # Emitted after a transaction that recorded learning events, so the status bar and the
    # sync worker can react without every page knowing about them.
    events_recorded = Signal()
    profile_changed = Signal(object)

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.profile: Profile | None = None

    @property
    def user_id(self) -> str:
        if self.profile is None:
            raise RuntimeError("no learner chosen")
        return self.profile.id

    @property
    def media_dir(self) -> Path:
        return self.store.media_dir

    def set_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        self.profile_changed.emit(profile)

    def read(self, fn: Callable[[Session], T]) -> T:
        with self.store.read() as session:
            return fn(session)

    def record(self, fn: Callable[[Session], T]) -> T:
        """Run a learner action in one write transaction; committed when this returns."""
        with self.store.write() as session:
            result = fn(session)
        self.events_recorded.emit()
        return result

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.store.write() as session:
            yield session
