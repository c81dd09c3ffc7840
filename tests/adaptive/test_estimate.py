"""EAP estimates against a brute-force integral, and the standard error shrinking with items."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from app.adaptive.estimate import DEFAULT_GRID, eap, eap_from_log_likelihood, log_likelihood
from app.adaptive.irt import ItemParameters


def brute_force_eap(responses: list[int], items: ItemParameters) -> tuple[float, float]:
    """Posterior mean and sd by a fine Riemann sum with plain Python loops, prior N(0, 1)."""
    xs = [-8 + 16 * i / 20000 for i in range(20001)]
    weights = []
    for x in xs:
        w = math.exp(-0.5 * x * x)
        for r, a, b, c in zip(responses, items.a, items.b, items.c, strict=True):
            p = c + (1 - c) / (1 + math.exp(-a * (x - b)))
            w *= p if r else 1 - p
        weights.append(w)
    total = sum(weights)
    mean = sum(w * x for w, x in zip(weights, xs, strict=True)) / total
    var = sum(w * (x - mean) ** 2 for w, x in zip(weights, xs, strict=True)) / total
    return mean, math.sqrt(var)


def test_eap_matches_a_brute_force_integral() -> None:
    items = ItemParameters.three_pl(
        [1.2, 0.8, 2.0, 1.5, 0.6], [-1.0, 0.0, 0.5, 1.2, -0.3], [0.0, 0.2, 0.0, 0.1, 0.0]
    )
    responses = [1, 1, 0, 1, 0]
    theta, se = eap(responses, items)
    expected_theta, expected_se = brute_force_eap(responses, items)
    # 61 points on [-4, 4] is a coarse grid: agreement to a few thousandths is what it gives.
    assert theta == pytest.approx(expected_theta, abs=5e-3)
    assert se == pytest.approx(expected_se, abs=5e-3)


def test_no_responses_give_the_prior() -> None:
    theta, se = eap([], ItemParameters.one_pl([]))
    assert theta == pytest.approx(0.0, abs=1e-12)
    assert se == pytest.approx(1.0, abs=1e-3)


def test_missing_responses_are_ignored() -> None:
    items = ItemParameters.two_pl([1.0, 1.5, 2.0], [0.0, 1.0, -1.0])
    with_gap = eap([1, np.nan, 0], items)
    without = eap([1, 0], items.take([0, 2]))
    assert with_gap == pytest.approx(without)


def test_batch_rows_equal_single_estimates() -> None:
    rng = np.random.default_rng(3)
    items = ItemParameters.two_pl(rng.uniform(0.5, 2, 15), rng.normal(size=15))
    responses = (rng.uniform(size=(4, 15)) < 0.5).astype(float)
    thetas, ses = eap_from_log_likelihood(log_likelihood(responses, items))
    for row, theta, se in zip(responses, thetas, ses, strict=True):
        assert (theta, se) == pytest.approx(eap(row, items))


def test_standard_error_shrinks_as_items_are_answered() -> None:
    rng = np.random.default_rng(7)
    items = ItemParameters.two_pl(rng.uniform(1.0, 2.0, 40), rng.normal(size=40))
    true_theta = 0.4
    responses = (rng.uniform(size=40) < items.probability(true_theta)).astype(float)
    ses = [eap(responses[:n], items.take(np.arange(n)))[1] for n in (0, 5, 10, 20, 40)]
    assert all(later < earlier for earlier, later in itertools.pairwise(ses))
    assert ses[-1] < 0.35


def test_long_tests_do_not_underflow() -> None:
    items = ItemParameters.two_pl(np.full(2000, 2.0), np.zeros(2000))
    theta, se = eap(np.tile([1.0, 0.0], 1000), items)
    assert math.isfinite(theta) and math.isfinite(se)
    assert theta == pytest.approx(0.0, abs=0.02)
    assert DEFAULT_GRID.points.shape == (61,)
