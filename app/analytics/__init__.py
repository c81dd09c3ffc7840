"""What a teacher sees of a class: the gradebook, grade export, item analysis and insights.

Read-only services over the store: each takes a session and plain values and returns
dataclasses, aggregating in SQLite rather than looping over events in Python.
"""
