"""One examinee's adaptive test: pick an item, record the answer, re-estimate, decide when to stop.

An `AdaptiveSession` holds no clock, store or widget: an attempt asks it for the next item id,
records the answer, and saves `to_dict()` (plain JSON types) with the attempt; `from_dict` with the
same bank resumes it, and the resumed session picks exactly the items the uninterrupted one would.
That holds because the random draw for the n-th item comes from a generator seeded with
(seed, n) rather than from one long-lived generator whose state would have to be saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from app.adaptive.bank import AdaptiveBank
from app.adaptive.estimate import (
    DEFAULT_GRID,
    QuadratureGrid,
    eap_from_log_likelihood,
    response_log_likelihood,
)
from app.adaptive.select import select_item, topic_target_array
from app.errors import SlateError

STATE_FORMAT = "slate.adaptive-session"
STATE_VERSION = 1

STOP_SE = "se_reached"
STOP_MAX_ITEMS = "max_items"
STOP_BANK_EXHAUSTED = "bank_exhausted"


class SessionStateError(SlateError, ValueError):
    """A saved session does not fit the bank or is not a saved session at all."""


@dataclass(frozen=True)
class AdaptiveConfig:
    """How a test runs. `se_threshold` None means fixed length (stop at `max_items`)."""

    max_items: int = 20
    min_items: int = 1
    se_threshold: float | None = 0.3
    randomesque: int = 5
    topic_targets: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.min_items <= self.max_items:
            raise ValueError(
                f"need 1 <= min_items <= max_items, got {self.min_items} and {self.max_items}"
            )
        if self.se_threshold is not None and not self.se_threshold > 0:
            raise ValueError(f"se_threshold must be > 0, got {self.se_threshold}")
        if self.randomesque < 1:
            raise ValueError(f"randomesque must be >= 1, got {self.randomesque}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_items": self.max_items,
            "min_items": self.min_items,
            "se_threshold": self.se_threshold,
            "randomesque": self.randomesque,
            "topic_targets": dict(self.topic_targets) if self.topic_targets is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AdaptiveConfig:
        return cls(
            max_items=int(data["max_items"]),
            min_items=int(data["min_items"]),
            se_threshold=None if data["se_threshold"] is None else float(data["se_threshold"]),
            randomesque=int(data["randomesque"]),
            topic_targets=(
                None
                if data.get("topic_targets") is None
                else {str(k): float(v) for k, v in data["topic_targets"].items()}
            ),
        )


@dataclass
class AdaptiveSession:
    bank: AdaptiveBank
    config: AdaptiveConfig = field(default_factory=AdaptiveConfig)
    seed: int = 0
    grid: QuadratureGrid = DEFAULT_GRID
    items: list[str] = field(default_factory=list)  # ids in the order given
    responses: list[bool] = field(default_factory=list)
    pending: str | None = None  # chosen by next_item, not yet answered
    _used: npt.NDArray[np.bool_] = field(init=False, repr=False)
    _log_lik: npt.NDArray[np.float64] = field(init=False, repr=False)
    _targets: npt.NDArray[np.float64] | None = field(init=False, repr=False)
    theta: float = field(init=False)
    se: float = field(init=False)

    def __post_init__(self) -> None:
        if len(self.items) != len(self.responses):
            raise SessionStateError(
                f"{len(self.items)} items given but {len(self.responses)} responses recorded"
            )
        self._targets = (
            None
            if self.config.topic_targets is None
            else topic_target_array(self.bank, self.config.topic_targets)
        )
        self._used = np.zeros(len(self.bank), dtype=bool)
        self._log_lik = np.zeros_like(self.grid.points)
        given = list(zip(self.items, self.responses, strict=True))
        self.items, self.responses = [], []
        for item_id, correct in given:
            self._apply(item_id, correct)
        if self.pending is not None:
            self._check_unused(self.pending)
        self._update_estimate()

    # --- what an attempt calls -----------------------------------------------------------------

    @property
    def stop_reason(self) -> str | None:
        """Why the test is over (STOP_*), or None while it goes on."""
        n = len(self.items)
        if n >= self.config.max_items:
            return STOP_MAX_ITEMS
        threshold = self.config.se_threshold
        if n >= self.config.min_items and threshold is not None and self.se <= threshold:
            return STOP_SE
        if self._used.all():
            return STOP_BANK_EXHAUSTED
        return None

    @property
    def finished(self) -> bool:
        return self.stop_reason is not None

    def next_item(self) -> str | None:
        """The id of the item to show next (the same one until it is answered); None when over."""
        if self.pending is None and not self.finished:
            rng = np.random.default_rng([self.seed, len(self.items)])
            position = select_item(
                self.bank, self.theta, self._used, rng, self.config.randomesque, self._targets
            )
            self.pending = self.bank.ids[position]
        return self.pending

    def record(self, item_id: str, correct: bool) -> None:
        """Record the answer to the pending item and update theta and its standard error."""
        if self.pending is None:
            raise ValueError(f"no item is waiting for an answer (got one for {item_id!r})")
        if item_id != self.pending:
            raise ValueError(f"answer for {item_id!r} but the item shown is {self.pending!r}")
        self._apply(item_id, bool(correct))
        self.pending = None
        self._update_estimate()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; theta and se are there for reports and recomputed on load."""
        return {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "seed": self.seed,
            "config": self.config.to_dict(),
            "items": list(self.items),
            "responses": [bool(r) for r in self.responses],
            "pending": self.pending,
            "theta": self.theta,
            "se": self.se,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], bank: AdaptiveBank, grid: QuadratureGrid = DEFAULT_GRID
    ) -> AdaptiveSession:
        if data.get("format") != STATE_FORMAT:
            raise SessionStateError(f"not a saved adaptive session (format {data.get('format')!r})")
        if data.get("version") != STATE_VERSION:
            raise SessionStateError(
                f"saved adaptive session version {data.get('version')!r} is not supported "
                f"(this build reads version {STATE_VERSION})"
            )
        try:
            config = AdaptiveConfig.from_dict(data["config"])
            items = [str(i) for i in data["items"]]
            responses = data["responses"]
            if not all(isinstance(r, bool) for r in responses):
                raise SessionStateError("saved responses must be true or false")
            pending = data.get("pending")
            return cls(
                bank,
                config,
                int(data["seed"]),
                grid,
                items,
                list(responses),
                None if pending is None else str(pending),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, SessionStateError):
                raise
            raise SessionStateError(f"saved adaptive session is damaged: {exc}") from exc

    # --- internals -----------------------------------------------------------------------------

    def _check_unused(self, item_id: str) -> int:
        try:
            position = self.bank.position(item_id)
        except KeyError as exc:
            raise SessionStateError(str(exc.args[0])) from None
        if self._used[position]:
            raise SessionStateError(f"item {item_id!r} was given twice")
        return position

    def _apply(self, item_id: str, correct: bool) -> None:
        position = self._check_unused(item_id)
        p = self.bank.params
        self._log_lik += response_log_likelihood(
            correct, p.a[position], p.b[position], p.c[position], self.grid
        )
        self._used[position] = True
        self.items.append(item_id)
        self.responses.append(correct)

    def _update_estimate(self) -> None:
        theta, se = eap_from_log_likelihood(self._log_lik, self.grid)
        self.theta, self.se = float(theta), float(se)
