# The top-level conftest loads these as a plugin; importing them here as well keeps
# `pytest tests/server` working on its own. Same objects, so nothing is defined twice.
from tests.support.fixtures import school, server

__all__ = ["school", "server"]
