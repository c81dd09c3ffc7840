"""Slate's core: domain model, storage, grading, progress and the CLI. No Qt, no network."""

__version__ = "0.1.0"
