"""The class overview figures, from the graded class built through the real services."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app import attempts
from app.accounts.permissions import PermissionDenied
from app.analytics.dashboard import class_overview
from tests.analytics.conftest import ClassFixture, score_answers
from tests.analytics.course import COURSE_ID, take_quiz


def test_score_distribution_completion_and_time_on_task(graded_class: ClassFixture):
    p = graded_class.people
    # Dara spends 90 s in a quiz she leaves open: time on task counts it.
    attempt = take_quiz(graded_class.store, p["Dara"], "last", score_answers(1), submit=False)
    with graded_class.store.write() as session:
        attempts.record_time(session, attempt, 90.0)
    with graded_class.store.read() as session:
        overview = class_overview(session, COURSE_ID, actor_id=p["Tess"])

    best = next(d for d in overview.distributions if d.item_id == "best")
    assert best.counts == [0, 0, 1, 0, 0, 0, 0, 0, 0, 1]  # Ben 25%, Amina 100%
    assert best.passing_score == 0.5
    assert sum(next(d for d in overview.distributions if d.item_id == "avg").counts) == 1

    # One day of activity: the distinct (student, item) completions over 4 students x 5 items:
    # Amina best and last, Ben best and avg, Chen's essay quiz (submitted, awaiting grading).
    (today,) = overview.completion
    assert today.day <= datetime.now(UTC).date()  # (not ==: the test may straddle midnight)
    assert today.completed == 5
    assert today.share == pytest.approx(5 / 20)

    times = {t.display_name: t for t in overview.time_on_task}
    assert times["Dara"].quiz_s == pytest.approx(90.0)
    assert times["Dara"].video_s == 0.0
    assert set(times) == {"Amina", "Ben", "Chen", "Dara"}


def test_a_student_is_refused_the_overview(graded_class: ClassFixture):
    with graded_class.store.read() as session, pytest.raises(PermissionDenied):
        class_overview(session, COURSE_ID, actor_id=graded_class.people["Amina"])
