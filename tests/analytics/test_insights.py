"""Insights on a class whose activity is laid out in time, so each rule's answer is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.analytics.insights import class_insights
from app.db.store import Store
from app.events import Verb, activity_id, record_event
from app.learning import complete_lesson
from tests.analytics.conftest import ALL_B, score_answers
from tests.analytics.course import COURSE_ID, add_people, choice, import_test_course, take_quiz

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


def event(store: Store, user_id: str, days_ago: float, verb: Verb = Verb.COMPLETED) -> None:
    with store.write() as session:
        record_event(
            session,
            user_id=user_id,
            verb=verb,
            course_id=COURSE_ID,
            course_version="1.0.0",
            object_id=activity_id(COURSE_ID, "intro"),
            occurred_at=NOW - timedelta(days=days_ago),
        )


@pytest.fixture
def timeline(store: Store, tmp_path: Path) -> tuple[Store, dict[str, str]]:
    four = [choice(f"q{n}") for n in range(1, 5)]
    import_test_course(
        store, tmp_path / "c", quizzes={"best": (four, {"passing_score": 0.5})}, lessons=("intro",)
    )
    people = add_people(store, "Faye", "Gus", "Hana", "Ivan")
    for days in (20, 18, 16, 9):  # four done the two weeks before last week, none since
        event(store, people["Faye"], days)
    for days in (17, 10, 3):  # one a week, steadily
        event(store, people["Gus"], days)
    event(store, people["Hana"], 4)
    for _ in range(10):
        event(store, people["Gus"], 2, Verb.EXPERIENCED)
        event(store, people["Hana"], 1, Verb.EXPERIENCED)
    return store, people


def test_falling_completion_and_low_engagement_name_the_right_students(timeline):
    store, people = timeline
    with store.read() as session:
        insights = {i.kind: i for i in class_insights(session, COURSE_ID, now=NOW)}
    assert insights["completion_falling"].user_ids == [people["Faye"]]
    assert "Faye" in insights["completion_falling"].text
    # Recent actions: Faye 1, Gus 12, Hana 11, Ivan 0; the median is 6, a quarter of it 1.5.
    assert sorted(insights["low_engagement"].user_ids) == sorted([people["Faye"], people["Ivan"]])
    assert "Faye and Ivan" in insights["low_engagement"].text
    assert "fail_after_lesson" not in insights


def test_a_lesson_many_fail_after_names_who_failed(timeline):
    store, _ = timeline
    people = add_people(store, "Jo", "Kim", "Lee")
    for name, answers in (("Jo", score_answers(1)), ("Kim", score_answers(0)), ("Lee", ALL_B)):
        with store.write() as session:
            complete_lesson(session, people[name], COURSE_ID, "intro")
        take_quiz(store, people[name], "best", answers)
    with store.read() as session:
        insights = [i for i in class_insights(session, COURSE_ID, now=NOW) if i.item_id]
    (fail_after,) = insights
    assert fail_after.kind == "fail_after_lesson"
    assert fail_after.item_id == "intro"
    assert sorted(fail_after.user_ids) == sorted([people["Jo"], people["Kim"]])
    assert fail_after.text.startswith("2 of 3 students who completed 'Lesson intro' then failed")
