"""The analytics class fixture, shared with the Qt tests of the gradebook and dashboards."""

from tests.analytics.conftest import ClassFixture, graded_class

__all__ = ["ClassFixture", "graded_class"]
