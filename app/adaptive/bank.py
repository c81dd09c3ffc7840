"""The item bank an adaptive test draws from: item ids, IRT parameters and optional topics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from app.adaptive.irt import ItemParameters


@dataclass(frozen=True)
class AdaptiveBank:
    """Items by position; `ids` are the stable names a session stores (e.g. question ids).

    `topics` (one per item, or None) is what content balancing counts; `topic_codes` is the same as
    integer positions into `topic_names`, so selection can mask by topic without string compares.
    """

    ids: tuple[str, ...]
    params: ItemParameters
    topics: tuple[str, ...] | None = None
    topic_names: tuple[str, ...] = field(init=False)
    topic_codes: npt.NDArray[np.int64] = field(init=False)
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.params):
            raise ValueError(f"{len(self.ids)} item ids for {len(self.params)} item parameter sets")
        index = {item_id: i for i, item_id in enumerate(self.ids)}
        if len(index) != len(self.ids):
            dup = next(i for i in self.ids if self.ids.count(i) > 1)
            raise ValueError(f"item id {dup!r} appears more than once in the bank")
        if self.topics is not None and len(self.topics) != len(self.ids):
            raise ValueError(f"{len(self.topics)} topics for {len(self.ids)} items")
        names = tuple(sorted(set(self.topics))) if self.topics is not None else ()
        code_of = {name: k for k, name in enumerate(names)}
        codes = np.array([code_of[t] for t in self.topics or ()], dtype=np.int64)
        object.__setattr__(self, "topic_names", names)
        object.__setattr__(self, "topic_codes", codes)
        object.__setattr__(self, "_index", index)

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        params: ItemParameters,
        topics: Sequence[str] | None = None,
    ) -> AdaptiveBank:
        return cls(tuple(ids), params, tuple(topics) if topics is not None else None)

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, item_id: str) -> int:
        try:
            return self._index[item_id]
        except KeyError:
            raise KeyError(f"item {item_id!r} is not in the adaptive bank") from None
