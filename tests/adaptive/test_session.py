"""AdaptiveSession: stopping rules, and resuming from the saved dict exactly where it left off."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.adaptive.estimate import eap
from app.adaptive.session import AdaptiveConfig, AdaptiveSession, SessionStateError
from tests.adaptive.helpers import answer, simulated_bank

BANK = simulated_bank(300, topics=("a", "b"))


def run_to_end(session: AdaptiveSession, true_theta: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    while answer(session, true_theta, rng) is not None:
        pass


def test_resume_from_the_saved_dict_continues_identically() -> None:
    config = AdaptiveConfig(
        max_items=25, se_threshold=None, randomesque=5, topic_targets={"a": 0.6, "b": 0.4}
    )
    straight = AdaptiveSession(BANK, config, seed=99)
    run_to_end(straight, 0.8, seed=1)

    interrupted = AdaptiveSession(BANK, config, seed=99)
    rng = np.random.default_rng(1)
    for _ in range(9):
        answer(interrupted, 0.8, rng)
    shown = interrupted.next_item()  # on screen when the app closed
    saved = json.loads(json.dumps(interrupted.to_dict()))
    resumed = AdaptiveSession.from_dict(saved, BANK)
    assert resumed.next_item() == shown
    assert (resumed.theta, resumed.se) == (interrupted.theta, interrupted.se)
    while answer(resumed, 0.8, rng) is not None:
        pass
    assert resumed.items == straight.items
    assert resumed.responses == straight.responses
    assert resumed.theta == straight.theta


def test_session_estimate_is_the_eap_of_its_responses() -> None:
    session = AdaptiveSession(BANK, AdaptiveConfig(max_items=12, se_threshold=None), seed=3)
    run_to_end(session, -0.5, seed=3)
    positions = [BANK.position(i) for i in session.items]
    theta, se = eap([float(r) for r in session.responses], BANK.params.take(positions))
    assert session.theta == pytest.approx(theta)
    assert session.se == pytest.approx(se)


def test_stops_at_the_standard_error_threshold() -> None:
    session = AdaptiveSession(BANK, AdaptiveConfig(max_items=60, min_items=3, se_threshold=0.35))
    run_to_end(session, 0.2, seed=5)
    assert session.stop_reason == "se_reached"
    assert session.se <= 0.35
    assert 3 <= len(session.items) < 60
    assert session.next_item() is None


def test_stops_at_max_length_before_the_threshold() -> None:
    session = AdaptiveSession(BANK, AdaptiveConfig(max_items=4, se_threshold=0.1))
    run_to_end(session, 0.0, seed=6)
    assert session.stop_reason == "max_items"
    assert len(session.items) == 4 and session.se > 0.1


def test_min_length_holds_even_when_the_threshold_is_met() -> None:
    # A loose threshold met after the first item or two: min_items keeps the test going.
    session = AdaptiveSession(BANK, AdaptiveConfig(max_items=30, min_items=8, se_threshold=0.9))
    run_to_end(session, 0.0, seed=7)
    assert len(session.items) == 8
    assert session.stop_reason == "se_reached"


def test_answers_must_be_for_the_item_shown() -> None:
    session = AdaptiveSession(BANK)
    with pytest.raises(ValueError, match="no item is waiting"):
        session.record("q1", True)
    shown = session.next_item()
    assert session.next_item() == shown  # asking again does not skip an item
    other = "q0" if shown != "q0" else "q1"
    with pytest.raises(ValueError, match=f"answer for '{other}' but the item shown is '{shown}'"):
        session.record(other, True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something"}, "not a saved adaptive session"),
        ({"version": 7}, "version 7 is not supported"),
        (
            {"items": ["q1", "nope"], "responses": [True, False]},
            "item 'nope' is not in the adaptive bank",
        ),
        ({"items": ["q1", "q1"], "responses": [True, False]}, "item 'q1' was given twice"),
        ({"items": ["q1"], "responses": []}, "1 items given but 0 responses"),
        ({"responses": ["yes"], "items": ["q1"]}, "responses must be true or false"),
        ({"config": {"max_items": 5}}, "damaged"),
    ],
)
def test_damaged_saved_state_is_refused(change: dict[str, object], message: str) -> None:
    saved = AdaptiveSession(BANK).to_dict() | change
    with pytest.raises(SessionStateError, match=message):
        AdaptiveSession.from_dict(saved, BANK)


def test_bad_configs_are_refused() -> None:
    with pytest.raises(ValueError, match="min_items <= max_items"):
        AdaptiveConfig(max_items=3, min_items=5)
    with pytest.raises(ValueError, match="se_threshold must be > 0"):
        AdaptiveConfig(se_threshold=0)
