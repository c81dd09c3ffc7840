"""Expected a posteriori (EAP) ability estimates on a fixed quadrature grid.

The posterior over theta is evaluated at fixed grid points (61 points on [-4, 4] with a N(0, 1)
prior by default): the EAP estimate is the posterior mean and its standard error the posterior
standard deviation. Working in log space keeps long tests from underflowing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.adaptive.irt import FloatArray, ItemParameters, probability


@dataclass(frozen=True)
class QuadratureGrid:
    points: FloatArray
    log_prior: FloatArray  # normalised over the points

    @classmethod
    def normal(
        cls, n_points: int = 61, bound: float = 4.0, mean: float = 0.0, sd: float = 1.0
    ) -> QuadratureGrid:
        if n_points < 2 or bound <= 0 or sd <= 0:
            raise ValueError("a quadrature grid needs >= 2 points, bound > 0 and sd > 0")
        points = np.linspace(-bound, bound, n_points)
        log_prior = -0.5 * ((points - mean) / sd) ** 2
        log_prior -= np.log(np.exp(log_prior - log_prior.max()).sum()) + log_prior.max()
        return cls(points, log_prior)


DEFAULT_GRID = QuadratureGrid.normal()


def log_likelihood(
    responses: npt.ArrayLike, items: ItemParameters, grid: QuadratureGrid = DEFAULT_GRID
) -> FloatArray:
    """Log-likelihood at each grid point of responses (1 right, 0 wrong, NaN not asked).

    `responses` is (items,) for one examinee or (examinees, items); the result is (grid,) or
    (examinees, grid).
    """
    r = np.asarray(responses, dtype=np.float64)
    p = probability(grid.points[:, None], items.a, items.b, items.c)  # (grid, items)
    log_p = np.log(np.clip(p, 1e-300, None))
    log_q = np.log(np.clip(1.0 - p, 1e-300, None))
    asked = ~np.isnan(r)
    right = np.where(asked, r, 0.0)
    wrong = np.where(asked, 1.0 - r, 0.0)
    return right @ log_p.T + wrong @ log_q.T


def eap_from_log_likelihood(
    log_lik: npt.ArrayLike, grid: QuadratureGrid = DEFAULT_GRID
) -> tuple[FloatArray, FloatArray]:
    """(theta, se) from log-likelihoods on the grid; works row-wise on (examinees, grid)."""
    log_post = np.asarray(log_lik, dtype=np.float64) + grid.log_prior
    log_post = log_post - log_post.max(axis=-1, keepdims=True)
    weights = np.exp(log_post)
    weights /= weights.sum(axis=-1, keepdims=True)
    theta = weights @ grid.points
    variance = weights @ grid.points**2 - theta**2
    return theta, np.sqrt(np.maximum(variance, 0.0))


def eap(
    responses: npt.ArrayLike, items: ItemParameters, grid: QuadratureGrid = DEFAULT_GRID
) -> tuple[float, float]:
    """EAP theta and its posterior standard error for one examinee's responses to `items`."""
    theta, se = eap_from_log_likelihood(log_likelihood(responses, items, grid), grid)
    return float(theta), float(se)


def response_log_likelihood(
    correct: bool, a: float, b: float, c: float, grid: QuadratureGrid = DEFAULT_GRID
) -> FloatArray:
    """The log-likelihood of one response at each grid point, to add to a running total."""
    p = probability(grid.points, a, b, c)
    return np.log(np.clip(p if correct else 1.0 - p, 1e-300, None))
