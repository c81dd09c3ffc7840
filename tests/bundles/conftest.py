from __future__ import annotations

from typing import Any

import pytest

from app.db.store import Store
from sync.client import OutboxPusher
from tests.support.fixtures import school, server
from tests.support.server_process import ServerProcess

__all__ = ["enrolled_laptop", "school", "server"]


@pytest.fixture
def enrolled_laptop(demo_store: Store, server: ServerProcess, school: dict[str, Any]) -> Store:
    """The demo store, enrolled once with the school's server (as IT does on the network);
    from then on it syncs only by USB."""
    with OutboxPusher(demo_store, server.url) as pusher:
        pusher.enroll(school["enrollment_code"], "cart-laptop-7")
    return demo_store
