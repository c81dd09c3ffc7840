"""Choosing the next item: maximum information, randomesque exposure control, content balance.

Pure maximum information gives every examinee the same first item and uses a small part of the
bank (BENCH-NOTES: exposure 1.0, under 30% of a 500-item bank in catsim). Randomesque selection
(Kingsbury & Zara 1989) picks at random among the k most informative unused items, which costs
little precision for k around 5. Content balancing (the Kingsbury-Zara constrained CAT) first picks
the topic furthest below its target proportion, then the item within that topic.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from app.adaptive.bank import AdaptiveBank


class NoItemsLeftError(LookupError):
    """Every item that may be chosen has been used."""


def topic_target_array(bank: AdaptiveBank, targets: Mapping[str, float]) -> npt.NDArray[np.float64]:
    """Target proportions by topic code, normalised to sum to 1; topics without a target get 0."""
    unknown = sorted(set(targets) - set(bank.topic_names))
    if unknown:
        raise ValueError(
            f"content targets name topics the bank does not have: {', '.join(unknown)}"
        )
    values = np.array([float(targets.get(name, 0.0)) for name in bank.topic_names])
    if np.any(values < 0) or not np.isfinite(values).all() or values.sum() <= 0:
        raise ValueError("content targets must be finite, non-negative and not all zero")
    return values / values.sum()


def choose_topic(
    bank: AdaptiveBank, targets: npt.NDArray[np.float64], used: npt.NDArray[np.bool_]
) -> int:
    """The topic code furthest below its target proportion that still has unused items.

    Ties go to the larger target, then to the first topic name, so the choice is deterministic.
    """
    counts = np.bincount(bank.topic_codes[used], minlength=len(bank.topic_names))
    given = counts.sum()
    shares = counts / given if given else np.zeros_like(targets)
    available = np.bincount(bank.topic_codes[~used], minlength=len(bank.topic_names)) > 0
    if not available.any():
        raise NoItemsLeftError("every item in the bank has been used")
    deficit = np.where(available, targets - shares, -np.inf)
    best = deficit.max()
    tied = np.flatnonzero(deficit == best)
    return int(tied[np.argmax(targets[tied])])


def select_item(
    bank: AdaptiveBank,
    theta: float,
    used: npt.NDArray[np.bool_],
    rng: np.random.Generator,
    randomesque: int = 1,
    topic_targets: npt.NDArray[np.float64] | None = None,
) -> int:
    """Position of the next item: one of the `randomesque` most informative unused items at theta.

    `used` marks items already given (never given twice); `topic_targets` (from
    `topic_target_array`) restricts the choice to the topic furthest below its target.
    """
    if randomesque < 1:
        raise ValueError(f"randomesque k must be >= 1, got {randomesque}")
    eligible = ~used
    if topic_targets is not None:
        if bank.topics is None:
            raise ValueError("content balancing needs a bank with topics")
        eligible &= bank.topic_codes == choose_topic(bank, topic_targets, used)
    n_eligible = int(np.count_nonzero(eligible))
    if n_eligible == 0:
        raise NoItemsLeftError("every item in the bank has been used")
    info = np.where(eligible, bank.params.information(theta), -np.inf)
    k = min(randomesque, n_eligible)
    if k == 1:
        return int(np.argmax(info))
    top = np.argpartition(-info, k - 1)[:k]
    # argpartition leaves the top k in no defined order: sort them (by information, then position)
    # so the same seed picks the same item on any numpy build.
    top = top[np.lexsort((top, -info[top]))]
    return int(top[rng.integers(k)])
