"""Words and numbers for a learner about an adaptive test: how many questions are left, and what
the ability estimate means."""

from __future__ import annotations

import math

import numpy as np

from app.adaptive.session import STOP_BANK_EXHAUSTED, STOP_MAX_ITEMS, STOP_SE, AdaptiveSession

# Ability bands on the theta scale (learners ~ N(0, 1)), highest first.
_BANDS = (
    (1.5, "well above average"),
    (0.5, "above average"),
    (-0.5, "about average"),
    (-1.5, "below average"),
    (-math.inf, "well below average"),
)

STOP_WORDS = {
    STOP_SE: "the estimate was precise enough",
    STOP_MAX_ITEMS: "the test reached its most questions",
    STOP_BANK_EXHAUSTED: "every question had been asked",
}


def questions_left(state: AdaptiveSession) -> int:
    """About how many more questions after the one on screen (0 when this is the last one).

    With a standard-error stop, it is the information still needed, 1/se_stop^2 - 1/se^2,
    divided by what an item the engine would pick adds at the current estimate (the mean
    information of the best `randomesque` unused items); bounded by the length rules.
    """
    config = state.config
    shown = len(state.items) + (1 if state.pending is not None else 0)
    if state.finished and state.pending is None:
        return 0
    most = max(0, config.max_items - shown)
    least = max(0, config.min_items - shown)
    if config.se_threshold is None:
        return most
    unused = np.ones(len(state.bank), dtype=bool)
    for item_id in [*state.items, *([state.pending] if state.pending else [])]:
        unused[state.bank.position(item_id)] = False
    if not unused.any():
        return 0
    info = state.bank.params.information(state.theta)[unused]
    top = np.sort(info)[::-1][: config.randomesque]
    per_item = float(top.mean())
    needed = 1.0 / config.se_threshold**2 - 1.0 / max(state.se, 1e-9) ** 2 - per_item
    estimate = math.ceil(needed / per_item) if needed > 0 and per_item > 0 else 0
    return int(min(most, max(least, estimate, 0), int(unused.sum())))


def describe_ability(theta: float, se: float) -> str:
    """The ability estimate in plain words, e.g. for theta 0.8: "above average ... 79 of 100"."""
    band = next(words for bound, words in _BANDS if theta >= bound)
    ahead = round(100 * _normal_cdf(theta))
    low, high = theta - 2 * se, theta + 2 * se
    return (
        f"Your answers put you {band}: ahead of about {ahead} in 100 learners "
        f"(ability {theta:+.2f}, likely between {low:+.2f} and {high:+.2f})."
    )


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
