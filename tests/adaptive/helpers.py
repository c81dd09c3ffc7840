"""A simulated item bank and examinee shared by the adaptive tests."""

from __future__ import annotations

import numpy as np

from app.adaptive.bank import AdaptiveBank
from app.adaptive.irt import ItemParameters
from app.adaptive.session import AdaptiveSession


def simulated_bank(
    n_items: int = 300, seed: int = 42, topics: tuple[str, ...] = ()
) -> AdaptiveBank:
    rng = np.random.default_rng(seed)
    params = ItemParameters.two_pl(rng.uniform(0.5, 2.5, n_items), rng.normal(size=n_items))
    item_topics = [topics[i % len(topics)] for i in range(n_items)] if topics else None
    return AdaptiveBank.build([f"q{i}" for i in range(n_items)], params, item_topics)


def answer(session: AdaptiveSession, true_theta: float, rng: np.random.Generator) -> str | None:
    """Answer the next item as an examinee of ability true_theta would; None once it is over."""
    item_id = session.next_item()
    if item_id is None:
        return None
    position = session.bank.position(item_id)
    p = session.bank.params.take([position]).probability(true_theta)[0]
    session.record(item_id, bool(rng.uniform() < p))
    return item_id
