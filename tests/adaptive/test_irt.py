"""Item response functions and information against values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.adaptive.irt import (
    DIFFICULTY_TO_B,
    ItemParameters,
    difficulty_to_b,
    information,
    probability,
)


def test_probability_known_values() -> None:
    # At theta = b the 1PL/2PL probability is one half; the 3PL one is (1 + c) / 2.
    assert probability(0.0, 1.0, 0.0) == pytest.approx(0.5)
    assert probability(1.0, 2.0, 1.0, 0.2) == pytest.approx(0.6)
    # 2PL, a = 1.5, theta - b = 1: 1 / (1 + e^-1.5)
    assert probability(0.5, 1.5, -0.5) == pytest.approx(1 / (1 + math.exp(-1.5)))
    # 3PL: 0.25 + 0.75 / (1 + e^{-(0.8)(-2)})
    assert probability(-1.0, 0.8, 1.0, 0.25) == pytest.approx(0.25 + 0.75 / (1 + math.exp(1.6)))


def test_probability_is_stable_far_from_b() -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = probability(np.array([-1000.0, 1000.0]), 3.0, 0.0)
    assert p[0] == pytest.approx(0.0) and p[1] == pytest.approx(1.0)


def test_information_known_values() -> None:
    # 2PL peak: a^2 / 4 at theta = b.
    assert information(0.3, 2.0, 0.3) == pytest.approx(1.0)
    # 2PL off peak: a^2 P Q
    p = 1 / (1 + math.exp(-1.2 * 1.0))
    assert information(1.0, 1.2, 0.0) == pytest.approx(1.44 * p * (1 - p))
    # 3PL at theta = b, a = 1, c = 0.2: P = 0.6, I = (0.4 / 0.6) * ((0.6 - 0.2) / 0.8)^2 = 1/6
    assert information(0.0, 1.0, 0.0, 0.2) == pytest.approx(1 / 6)


def test_information_matches_the_numerical_derivative() -> None:
    # I = P'^2 / (P Q) for a dichotomous item: check the closed form against a finite difference.
    a, b, c, theta, h = 1.7, 0.4, 0.15, -0.3, 1e-5
    p = probability(theta, a, b, c)
    slope = (probability(theta + h, a, b, c) - probability(theta - h, a, b, c)) / (2 * h)
    assert information(theta, a, b, c) == pytest.approx(slope**2 / (p * (1 - p)), rel=1e-6)


def test_functions_broadcast_grid_against_items() -> None:
    items = ItemParameters.two_pl([1.0, 2.0, 0.5], [-1.0, 0.0, 1.0])
    grid = np.linspace(-2, 2, 5)
    assert items.probability(grid[:, None]).shape == (5, 3)
    assert items.information(grid[:, None]).shape == (5, 3)


def test_difficulty_labels_default_the_parameters() -> None:
    items = ItemParameters.from_difficulty(["easy", "Medium", None, "hard"])
    assert items.b.tolist() == [-1.0, 0.0, 0.0, 1.0]
    assert items.a.tolist() == [1.0] * 4 and items.c.tolist() == [0.0] * 4
    assert DIFFICULTY_TO_B["very hard"] == 2.0
    with pytest.raises(ValueError, match="unknown difficulty label 'tricky'"):
        difficulty_to_b("tricky")


@pytest.mark.parametrize(
    ("a", "b", "c", "message"),
    [
        ([0.0], [0.0], [0.0], "discrimination a must be > 0"),
        ([1.0], [np.nan], [0.0], "non-finite value"),
        ([1.0], [0.0], [1.0], r"guessing c must be in \[0, 1\)"),
        ([1.0, 1.0], [0.0], [0.0], "1-D arrays of one length"),
    ],
)
def test_bad_parameters_are_refused(
    a: list[float], b: list[float], c: list[float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ItemParameters.three_pl(a, b, c)
