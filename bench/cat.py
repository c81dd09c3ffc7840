"""Adaptive testing: Slate (app.adaptive, EAP + maximum information) against catsim in the same run.

Bank as in BENCH-NOTES: 500 2PL items, b ~ N(0, 1), a ~ U(0.5, 2.5), c = 0, seed 42; examinees
theta ~ N(0, 1) (passed to catsim explicitly: its `examinees=N` would draw from the bank's b).
Figures:
- RMSE and bias of the ability estimate after 20 items: Slate EAP + maximum information, with and
  without randomesque k = 5, and catsim MaxInfoSelector + NumericalSearchEstimator (MLE with
  Dodd's heuristic; catsim 0.21 has no EAP);
- mean test length to reach SE <= 0.3 (both capped at 60 items);
- the largest item exposure rate at 20 items (and, with k = 5, of the first item alone);
- time per item (selection + estimate update) on a 10,000-item bank.
ratio = Slate RMSE (EAP + max info, k = 1) / catsim RMSE at 20 items; target <= 1.0.

Acceptance, judged on Slate EAP + max info (k = 1) against catsim at 20 items, both on the same
simulated examinees: RMSE must not be worse (ratio <= 1.0), and bias must not be worse by its
absolute value beyond Monte-Carlo noise: |Slate bias| <= |catsim bias| + 2 SE, where SE is the
standard error of the difference of the two mean errors, sd(Slate error - catsim error) / sqrt(n)
over the n examinees (paired, so it counts the noise of both estimates and their correlation
through the shared true abilities). The standard error of each side's mean error,
sd(error) / sqrt(n), is printed too. A "verdict:" line says whether both hold; the exit code
stays 0 either way, as in the other benches. The last line is one JSON object of the figures.

    python bench/cat.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.adaptive.bank import AdaptiveBank  # noqa: E402
from app.adaptive.irt import ItemParameters  # noqa: E402
from app.adaptive.session import AdaptiveConfig, AdaptiveSession  # noqa: E402

SEED = 42
BANK_SIZE = 500
BIG_BANK_SIZE = 10_000
TEST_LENGTH = 20
SE_TARGET = 0.3
SE_CAP = 60


def make_bank(n_items: int, seed: int = SEED) -> tuple[AdaptiveBank, np.ndarray]:
    """The bank both sides use, and catsim's (items x [a, b, c, d]) matrix of it."""
    rng = np.random.default_rng(seed)
    b = rng.normal(0.0, 1.0, n_items)
    a = rng.uniform(0.5, 2.5, n_items)
    params = ItemParameters.two_pl(a, b)
    matrix = np.column_stack([a, b, np.zeros(n_items), np.ones(n_items)])
    return AdaptiveBank.build([f"i{k}" for k in range(n_items)], params), matrix


def run_slate(
    bank: AdaptiveBank, thetas: np.ndarray, config: AdaptiveConfig
) -> tuple[np.ndarray, np.ndarray, Counter[str], float, int, Counter[str]]:
    """Estimates, lengths, item use, seconds in next_item + record, items given, first items."""
    estimates = np.empty_like(thetas)
    lengths = np.empty(len(thetas), dtype=int)
    usage: Counter[str] = Counter()
    first: Counter[str] = Counter()
    spent = 0.0
    given = 0
    for n, true_theta in enumerate(thetas):
        responses = np.random.default_rng([SEED, n])
        session = AdaptiveSession(bank, config, seed=n)
        while True:
            start = time.perf_counter()
            item_id = session.next_item()
            spent += time.perf_counter() - start
            if item_id is None:
                break
            position = bank.position(item_id)
            p = bank.params.take([position]).probability(true_theta)[0]
            correct = bool(responses.uniform() < p)
            start = time.perf_counter()
            session.record(item_id, correct)
            spent += time.perf_counter() - start
            given += 1
        estimates[n] = session.theta
        lengths[n] = len(session.items)
        usage.update(session.items)
        first.update(session.items[:1])
    return estimates, lengths, usage, spent, given, first


def run_catsim(matrix: np.ndarray, thetas: np.ndarray, stopper: Any) -> Any:
    from catsim.estimation import NumericalSearchEstimator
    from catsim.initialization import FixedPointInitializer
    from catsim.item_bank import ItemBank
    from catsim.selection import MaxInfoSelector
    from catsim.simulation import Simulator

    # catsim prints a blank line whenever it validates a bank: keep them off this bench's output.
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        simulator = Simulator(ItemBank(matrix.copy()), thetas.copy(), seed=SEED)
        simulator.simulate(
            FixedPointInitializer(0.0), MaxInfoSelector(), NumericalSearchEstimator(), stopper
        )
    return simulator


def accuracy(estimates: np.ndarray, thetas: np.ndarray) -> dict[str, float]:
    """RMSE, bias (mean error) and the standard error of that mean, sd(error) / sqrt(n)."""
    error = np.asarray(estimates) - thetas
    return {
        "rmse": round(float(np.sqrt(np.mean(error**2))), 4),
        "bias": round(float(error.mean()), 4),
        "bias_se": round(_standard_error(error), 4),
    }


def _standard_error(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1) / np.sqrt(len(values)))


def judge(
    slate_est: np.ndarray, catsim_est: np.ndarray, thetas: np.ndarray
) -> dict[str, float | bool]:
    """Slate against catsim on the same examinees: RMSE not worse; |bias| not worse than catsim's
    |bias| plus 2 standard errors of the (paired) difference of the two mean errors."""
    slate_error = np.asarray(slate_est) - thetas
    catsim_error = np.asarray(catsim_est) - thetas
    slate_rmse = float(np.sqrt(np.mean(slate_error**2)))
    catsim_rmse = float(np.sqrt(np.mean(catsim_error**2)))
    diff_se = _standard_error(slate_error - catsim_error)
    tolerance = 2.0 * diff_se
    limit = abs(float(catsim_error.mean())) + tolerance
    return {
        "rmse_ok": slate_rmse <= catsim_rmse,
        "bias_ok": abs(float(slate_error.mean())) <= limit,
        "bias_diff_se": round(diff_se, 4),
        "bias_tolerance": round(tolerance, 4),
        "abs_bias_limit": round(limit, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 examinees, fewer timed tests")
    args = parser.parse_args()
    from catsim.stopping import MinErrorStopper, TestLengthStopper

    n_examinees = 200 if args.quick else 1000
    n_timed = (20, 3) if args.quick else (100, 10)  # examinees timed on the big bank: Slate, catsim
    bank, matrix = make_bank(BANK_SIZE)
    thetas = np.random.default_rng(SEED + 1).normal(0.0, 1.0, n_examinees)

    fixed = AdaptiveConfig(max_items=TEST_LENGTH, se_threshold=None, randomesque=1)
    fixed_k5 = AdaptiveConfig(max_items=TEST_LENGTH, se_threshold=None, randomesque=5)
    to_se = AdaptiveConfig(max_items=SE_CAP, se_threshold=SE_TARGET, randomesque=1)

    slate_est, _, slate_use, _, _, _ = run_slate(bank, thetas, fixed)
    k5_est, _, k5_use, _, _, k5_first = run_slate(bank, thetas, fixed_k5)
    _, slate_lengths, _, _, _, _ = run_slate(bank, thetas, to_se)
    cat20 = run_catsim(matrix, thetas, TestLengthStopper(max_items=TEST_LENGTH))
    cat_se = run_catsim(matrix, thetas, MinErrorStopper(SE_TARGET, max_items=SE_CAP))

    slate = accuracy(slate_est, thetas)
    slate_k5 = accuracy(k5_est, thetas)
    catsim_est = np.array(cat20.latest_estimations)
    catsim = accuracy(catsim_est, thetas)
    verdict = judge(slate_est, catsim_est, thetas)

    big_bank, big_matrix = make_bank(BIG_BANK_SIZE)
    timed = thetas[: n_timed[0]]
    _, _, _, spent, given, _ = run_slate(big_bank, timed, fixed)
    slate_ms = 1000 * spent / given
    cat_big = run_catsim(big_matrix, thetas[: n_timed[1]], TestLengthStopper(max_items=TEST_LENGTH))
    cat_ms = 1000 * cat_big.duration / sum(len(items) for items in cat_big.administered_items)

    figures = {
        "bench": "cat",
        "examinees": n_examinees,
        "bank_items": BANK_SIZE,
        "test_length": TEST_LENGTH,
        "slate_eap_maxinfo_rmse": slate["rmse"],
        "slate_eap_maxinfo_bias": slate["bias"],
        "slate_eap_randomesque5_rmse": slate_k5["rmse"],
        "slate_eap_randomesque5_bias": slate_k5["bias"],
        "catsim_mle_maxinfo_rmse": catsim["rmse"],
        "catsim_mle_maxinfo_bias": catsim["bias"],
        "slate_eap_maxinfo_bias_se": slate["bias_se"],
        "catsim_mle_maxinfo_bias_se": catsim["bias_se"],
        "bias_diff_se": verdict["bias_diff_se"],
        "bias_tolerance": verdict["bias_tolerance"],
        "abs_bias_limit": verdict["abs_bias_limit"],
        "slate_mean_length_se_0_3": round(float(slate_lengths.mean()), 2),
        "catsim_mean_length_se_0_3": round(
            float(np.mean([len(items) for items in cat_se.administered_items])), 2
        ),
        "length_cap": SE_CAP,
        "slate_max_exposure": round(max(slate_use.values()) / n_examinees, 3),
        "slate_randomesque5_max_exposure": round(max(k5_use.values()) / n_examinees, 3),
        "slate_randomesque5_first_item_max_exposure": round(
            max(k5_first.values()) / n_examinees, 3
        ),
        "catsim_max_exposure": round(float(np.max(cat20.item_bank.exposure_rates)), 3),
        "slate_bank_used": round(len(slate_use) / BANK_SIZE, 3),
        "slate_randomesque5_bank_used": round(len(k5_use) / BANK_SIZE, 3),
        "slate_ms_per_item_10k": round(slate_ms, 3),
        "catsim_ms_per_item_10k": round(cat_ms, 3),
        "ratio": round(slate["rmse"] / catsim["rmse"], 3),
        "rmse_ok": verdict["rmse_ok"],
        "bias_ok": verdict["bias_ok"],
        "verdict": "pass" if verdict["rmse_ok"] and verdict["bias_ok"] else "fail",
    }
    for key, value in figures.items():
        if key not in ("bench", "rmse_ok", "bias_ok", "verdict"):
            print(f"{key:44} {value}")
    rmse_word = "not worse than" if verdict["rmse_ok"] else "WORSE than"
    bias_word = "within" if verdict["bias_ok"] else "OUTSIDE"
    print(
        f"verdict: {figures['verdict'].upper()} at {TEST_LENGTH} items, {n_examinees} examinees: "
        f"Slate RMSE {slate['rmse']} {rmse_word} catsim's {catsim['rmse']} "
        f"(ratio {figures['ratio']}); Slate |bias| {abs(slate['bias'])} {bias_word} "
        f"catsim's |bias| {abs(catsim['bias'])} + 2 SE of the paired difference of mean errors "
        f"({verdict['bias_tolerance']}) = {verdict['abs_bias_limit']}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
