"""Item selection: maximum information, exposure control, content balancing, no repeats."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from app.adaptive.select import NoItemsLeftError, select_item, topic_target_array
from app.adaptive.session import AdaptiveConfig, AdaptiveSession
from tests.adaptive.helpers import answer, simulated_bank


def test_max_information_picks_the_most_informative_unused_item() -> None:
    bank = simulated_bank(50)
    info = bank.params.information(0.7)
    used = np.zeros(50, dtype=bool)
    rng = np.random.default_rng(0)
    best = int(np.argmax(info))
    assert select_item(bank, 0.7, used, rng) == best
    used[best] = True
    assert select_item(bank, 0.7, used, rng) == int(np.argsort(-info)[1])


def test_randomesque_chooses_among_the_k_best() -> None:
    bank = simulated_bank(100)
    top5 = set(np.argsort(-bank.params.information(0.0))[:5].tolist())
    used = np.zeros(100, dtype=bool)
    rng = np.random.default_rng(1)
    picks = {select_item(bank, 0.0, used, rng, randomesque=5) for _ in range(200)}
    assert picks == top5


def test_exposure_control_spreads_the_first_items() -> None:
    bank = simulated_bank(300)

    def first_items(k: int) -> Counter[str]:
        config = AdaptiveConfig(max_items=5, randomesque=k, se_threshold=None)
        return Counter(AdaptiveSession(bank, config, seed=s).next_item() or "" for s in range(200))

    assert len(first_items(1)) == 1  # pure max information: everyone gets the same first item
    spread = first_items(5)
    assert len(spread) == 5
    assert max(spread.values()) / 200 < 0.35  # no item near everyone


def test_no_item_is_given_twice_and_the_bank_can_run_out() -> None:
    bank = simulated_bank(12)
    session = AdaptiveSession(bank, AdaptiveConfig(max_items=50, se_threshold=None, randomesque=3))
    rng = np.random.default_rng(2)
    while answer(session, 0.5, rng) is not None:
        pass
    assert sorted(session.items) == sorted(bank.ids)
    assert session.stop_reason == "bank_exhausted"
    with pytest.raises(NoItemsLeftError):
        select_item(bank, 0.0, np.ones(12, dtype=bool), rng)


def test_content_balancing_meets_the_targets() -> None:
    bank = simulated_bank(300, topics=("algebra", "geometry", "number"))
    targets = {"algebra": 0.5, "geometry": 0.3, "number": 0.2}
    config = AdaptiveConfig(max_items=20, se_threshold=None, randomesque=3, topic_targets=targets)
    rng = np.random.default_rng(4)
    for examinee in range(20):
        session = AdaptiveSession(bank, config, seed=examinee)
        theta = rng.normal()
        while answer(session, theta, rng) is not None:
            pass
        counts = Counter(bank.topics[bank.position(i)] for i in session.items)  # type: ignore[index]
        assert counts == {"algebra": 10, "geometry": 6, "number": 4}


def test_content_balancing_falls_back_when_a_topic_runs_out() -> None:
    # Only two geometry items: after them the test keeps going on the other topics.
    ids = [f"q{i}" for i in range(12)]
    topics = ["geometry"] * 2 + ["algebra"] * 10
    bank = simulated_bank(12)
    bank = type(bank).build(ids, bank.params, topics)
    config = AdaptiveConfig(
        max_items=10, se_threshold=None, topic_targets={"geometry": 0.5, "algebra": 0.5}
    )
    session = AdaptiveSession(bank, config)
    rng = np.random.default_rng(5)
    while answer(session, 0.0, rng) is not None:
        pass
    assert len(session.items) == 10
    assert Counter(bank.topics[bank.position(i)] for i in session.items)["geometry"] == 2  # type: ignore[index]


def test_targets_naming_unknown_topics_are_refused() -> None:
    bank = simulated_bank(10, topics=("algebra",))
    with pytest.raises(ValueError, match="topics the bank does not have: calculus"):
        topic_target_array(bank, {"calculus": 1.0})
