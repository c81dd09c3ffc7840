"""Marginal maximum likelihood calibration of 2PL items (Bock & Aitkin 1981 EM), numpy only.

Meant for a server-side job over collected responses: the ability distribution is fixed at the
quadrature grid's N(0, 1) prior (which sets the scale), the E-step gives each examinee's posterior
over the grid, and the M-step fits each item's slope-intercept logistic regression on the expected
counts by Fisher scoring, all items at once. Missing responses (NaN) simply do not count, so
adaptive data, where each examinee sees a few items, can be used.

Priors (maximum a posteriori in the M-step) keep estimates finite for items everyone got right or
wrong: log a ~ N(0, 1) and the intercept d = -a b ~ N(0, 3^2). They are weak next to a few
hundred responses per item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.adaptive.estimate import DEFAULT_GRID, QuadratureGrid
from app.adaptive.irt import FloatArray, ItemParameters

LOG_A_PRIOR_SD = 1.0
INTERCEPT_PRIOR_SD = 3.0
MAX_STEP = 1.0  # per Fisher-scoring step, in log a and d: keeps an early bad E-step from flinging


@dataclass(frozen=True)
class CalibrationResult:
    params: ItemParameters  # c is 0: 2PL
    iterations: int
    converged: bool
    responses_per_item: npt.NDArray[np.int64]
    log_likelihood: float  # marginal, at the final parameters (without the priors)


def response_matrix(
    records: Iterable[tuple[str, str, bool]],
) -> tuple[FloatArray, list[str], list[str]]:
    """(examinees x items) 1/0/NaN matrix from (examinee id, item id, correct) records.

    Returns the matrix with the examinee ids and item ids its rows and columns stand for, in order
    of first appearance. An examinee answering an item twice keeps the first answer: calibration
    wants the response to the item as first seen, not after feedback.
    """
    rows: dict[str, int] = {}
    cols: dict[str, int] = {}
    cells: dict[tuple[int, int], float] = {}
    for examinee, item, correct in records:
        key = (rows.setdefault(examinee, len(rows)), cols.setdefault(item, len(cols)))
        cells.setdefault(key, 1.0 if correct else 0.0)
    matrix = np.full((len(rows), len(cols)), np.nan)
    if cells:
        index = np.array(list(cells.keys()))
        matrix[index[:, 0], index[:, 1]] = list(cells.values())
    return matrix, list(rows), list(cols)


def calibrate_2pl(
    responses: npt.ArrayLike,
    grid: QuadratureGrid = DEFAULT_GRID,
    max_iterations: int = 500,
    tolerance: float = 1e-4,
) -> CalibrationResult:
    """Estimate a and b of each item (column) from (examinees x items) 1/0/NaN responses.

    Converged means the largest change of any a or b in an iteration fell below `tolerance`.
    """
    r = np.asarray(responses, dtype=np.float64)
    if r.ndim != 2 or r.shape[0] == 0 or r.shape[1] == 0:
        raise ValueError(f"responses must be a non-empty (examinees x items) matrix, got {r.shape}")
    asked = ~np.isnan(r)
    if np.any((r[asked] != 0) & (r[asked] != 1)):
        bad = np.argwhere(asked & (r != 0) & (r != 1))[0]
        raise ValueError(
            f"responses must be 1, 0 or NaN; examinee {bad[0]}, item {bad[1]} has {r[tuple(bad)]}"
        )
    right = np.where(asked, r, 0.0)
    wrong = asked.astype(np.float64) - right
    theta = grid.points
    n_items = r.shape[1]
    log_a = np.zeros(n_items)
    d = np.zeros(n_items)
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported in the result
        # E-step: posterior weight of each examinee at each grid point.
        log_post = _log_likelihood(right, wrong, np.exp(log_a), d, theta) + grid.log_prior
        log_post -= log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post)
        post /= post.sum(axis=1, keepdims=True)
        expected_right = post.T @ right  # (grid, items)
        expected_n = post.T @ asked.astype(np.float64)

        # M-step: one Fisher-scoring step of each item's penalised logistic fit.
        a = np.exp(log_a)
        p = _sigmoid(a * theta[:, None] + d)
        residual = expected_right - expected_n * p
        weight = expected_n * p * (1.0 - p)
        grad_log_a = a * (residual * theta[:, None]).sum(0) - log_a / LOG_A_PRIOR_SD**2
        grad_d = residual.sum(0) - d / INTERCEPT_PRIOR_SD**2
        info_aa = a**2 * (weight * theta[:, None] ** 2).sum(0) + 1.0 / LOG_A_PRIOR_SD**2
        info_ad = a * (weight * theta[:, None]).sum(0)
        info_dd = weight.sum(0) + 1.0 / INTERCEPT_PRIOR_SD**2
        det = info_aa * info_dd - info_ad**2
        step_log_a = np.clip((info_dd * grad_log_a - info_ad * grad_d) / det, -MAX_STEP, MAX_STEP)
        step_d = np.clip((info_aa * grad_d - info_ad * grad_log_a) / det, -MAX_STEP, MAX_STEP)

        old_a, old_b = np.exp(log_a), -d / np.exp(log_a)
        log_a = log_a + step_log_a
        d = d + step_d
        new_a = np.exp(log_a)
        change = max(np.abs(new_a - old_a).max(), np.abs(-d / new_a - old_b).max())
        if change < tolerance:
            converged = True
            break

    a = np.exp(log_a)
    marginal = _log_likelihood(right, wrong, a, d, theta) + grid.log_prior
    peak = marginal.max(axis=1, keepdims=True)
    total = float((np.log(np.exp(marginal - peak).sum(axis=1)) + peak[:, 0]).sum())
    return CalibrationResult(
        params=ItemParameters.two_pl(a, -d / a),
        iterations=iteration,
        converged=converged,
        responses_per_item=asked.sum(0).astype(np.int64),
        log_likelihood=total,
    )


def _sigmoid(z: FloatArray) -> FloatArray:
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))  # tanh form: no overflow warnings
    return result


def _log_likelihood(
    right: FloatArray, wrong: FloatArray, a: FloatArray, d: FloatArray, theta: FloatArray
) -> FloatArray:
    """(examinees x grid) log-likelihood of the observed responses."""
    z = a * theta[:, None] + d  # (grid, items)
    # log sigmoid(z) = -log(1 + exp(-z)), written with logaddexp so it is stable for any z.
    log_p = -np.logaddexp(0.0, -z)
    log_q = -np.logaddexp(0.0, z)
    result: FloatArray = right @ log_p.T + wrong @ log_q.T
    return result
