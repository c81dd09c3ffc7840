# The server fixtures come from tests.support.fixtures (a plugin of the top conftest); imported
# here as well so that `pytest tests/downstream` works on its own.
from tests.support.fixtures import school, server

__all__ = ["school", "server"]
