from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from app.accounts.secrets import set_hash_parameters


@pytest.fixture(autouse=True)
def cheap_hashes() -> Iterator[None]:
    """Real argon2id, at its cheapest cost: the rules under test do not depend on the cost."""
    previous = set_hash_parameters(PasswordHasher.from_parameters(CHEAPEST))
    yield
    set_hash_parameters(previous)
