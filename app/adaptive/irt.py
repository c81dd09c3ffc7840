"""Item response functions and Fisher information for the 1PL, 2PL and 3PL logistic models.

P(correct | theta) = c + (1 - c) / (1 + exp(-a (theta - b)))

with discrimination a > 0, difficulty b and lower asymptote (guessing) 0 <= c < 1. The scaling
constant D is 1 (the logistic metric, as in catsim and mirt), not 1.702. 1PL is a = 1, c = 0;
2PL is c = 0. Every function broadcasts like numpy: pass `theta[:, None]` against item arrays
to get a (thetas x items) matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# Difficulty label -> b on the ability scale (theta ~ N(0, 1)), with a = 1 and c = 0. "easy" is
# an item a learner one standard deviation below average answers correctly half the time; "hard"
# one standard deviation above. Labels are compared case-insensitively; a question without a label
# counts as "medium". Calibration (app.adaptive.calibrate) replaces these guesses with estimates.
DIFFICULTY_TO_B: dict[str, float] = {
    "very easy": -2.0,
    "easy": -1.0,
    "medium": 0.0,
    "hard": 1.0,
    "very hard": 2.0,
}
DEFAULT_DIFFICULTY = "medium"


def _logistic(z: npt.ArrayLike) -> FloatArray:
    # exp(-|z|) never overflows, whatever the sign of z.
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def probability(
    theta: npt.ArrayLike, a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike = 0.0
) -> FloatArray:
    """P(correct) under the 3PL model (1PL/2PL by passing a = 1 and/or c = 0)."""
    a_, b_, c_, t_ = (np.asarray(x, dtype=np.float64) for x in (a, b, c, theta))
    result: FloatArray = c_ + (1.0 - c_) * _logistic(a_ * (t_ - b_))
    return result


def information(
    theta: npt.ArrayLike, a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike = 0.0
) -> FloatArray:
    """Fisher information of each item at theta: a^2 (Q / P) ((P - c) / (1 - c))^2.

    For c = 0 this is a^2 P Q; its maximum, a^2 / 4, is at theta = b.
    """
    a_, b_, c_, t_ = (np.asarray(x, dtype=np.float64) for x in (a, b, c, theta))
    star = _logistic(a_ * (t_ - b_))  # the 2PL part
    p = c_ + (1.0 - c_) * star
    # (P - c) / (1 - c) is the 2PL probability, so the ratio Q / P is the only division needed.
    result: FloatArray = a_**2 * ((1.0 - p) / np.maximum(p, 1e-300)) * star**2
    return result


@dataclass(frozen=True)
class ItemParameters:
    """Parameters of a set of items as three float arrays of equal length."""

    a: FloatArray
    b: FloatArray
    c: FloatArray

    def __post_init__(self) -> None:
        a, b, c = (np.atleast_1d(np.asarray(x, dtype=np.float64)) for x in (self.a, self.b, self.c))
        if not a.shape == b.shape == c.shape or a.ndim != 1:
            raise ValueError(
                f"item parameters a, b, c must be 1-D arrays of one length, got shapes "
                f"{a.shape}, {b.shape}, {c.shape}"
            )
        for name, values in (("a", a), ("b", b), ("c", c)):
            if not np.all(np.isfinite(values)):
                raise ValueError(
                    f"item parameter {name} has a non-finite value at item "
                    f"{int(np.flatnonzero(~np.isfinite(values))[0])}"
                )
        if np.any(a <= 0):
            raise ValueError(f"discrimination a must be > 0 (item {int(np.argmax(a <= 0))})")
        if np.any((c < 0) | (c >= 1)):
            raise ValueError(
                f"guessing c must be in [0, 1) (item {int(np.argmax((c < 0) | (c >= 1)))})"
            )
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "c", c)

    def __len__(self) -> int:
        return int(self.b.shape[0])

    @classmethod
    def one_pl(cls, b: npt.ArrayLike) -> ItemParameters:
        b_ = np.atleast_1d(np.asarray(b, dtype=np.float64))
        return cls(np.ones_like(b_), b_, np.zeros_like(b_))

    @classmethod
    def two_pl(cls, a: npt.ArrayLike, b: npt.ArrayLike) -> ItemParameters:
        b_ = np.atleast_1d(np.asarray(b, dtype=np.float64))
        return cls(np.asarray(a, dtype=np.float64), b_, np.zeros_like(b_))

    @classmethod
    def three_pl(cls, a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike) -> ItemParameters:
        return cls(np.asarray(a, float), np.asarray(b, float), np.asarray(c, float))

    @classmethod
    def from_difficulty(cls, labels: Sequence[str | None]) -> ItemParameters:
        """Default parameters from difficulty labels (see DIFFICULTY_TO_B): a = 1, c = 0."""
        return cls.one_pl([difficulty_to_b(label) for label in labels])

    def probability(self, theta: npt.ArrayLike) -> FloatArray:
        return probability(theta, self.a, self.b, self.c)

    def information(self, theta: npt.ArrayLike) -> FloatArray:
        return information(theta, self.a, self.b, self.c)

    def take(self, indices: npt.NDArray[np.intp] | Sequence[int]) -> ItemParameters:
        return ItemParameters(self.a[indices], self.b[indices], self.c[indices])


def difficulty_to_b(label: str | None) -> float:
    """b for a difficulty label; None or an empty label counts as "medium"."""
    key = (label or DEFAULT_DIFFICULTY).strip().lower()
    if key not in DIFFICULTY_TO_B:
        known = ", ".join(DIFFICULTY_TO_B)
        raise ValueError(f"unknown difficulty label {label!r} (known: {known})")
    return DIFFICULTY_TO_B[key]
