"""Adaptive attempts end to end in a real store: durable resume, the stopping rules, the same
responses giving the same estimate, events with the state change, time limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.adaptive.estimate import eap
from app.adaptive.irt import ItemParameters
from app.adaptive.params import effective_parameters
from app.adaptive_attempts import (
    AdaptiveView,
    adaptive_review,
    commit_answer,
    current_view,
    start_or_resume_adaptive,
    submit_adaptive,
)
from app.attempts import AttemptError, save_answer
from app.db.models import Answer, Attempt, AttemptStatus, Event, Question
from app.db.store import Store
from app.events import Verb
from tests.adaptive_quiz.adaptive_course import RIGHT, WRONG, adaptive_questions
from tests.adaptive_quiz.conftest import MakeAdaptive
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID


def answer_and_confirm(store: Store, view: AdaptiveView, response: str) -> AdaptiveView:
    assert view.current is not None
    qid, attempt_id = view.current.question_id, view.attempt.attempt_id
    with store.write() as s:
        save_answer(s, attempt_id, qid, response)
    with store.write() as s:
        return commit_answer(s, attempt_id, qid)


def pattern(qid: str) -> str:
    """A fixed way of answering: wrong on every third question id."""
    return WRONG if int(qid[1:]) % 3 == 0 else RIGHT


def run_to_end(store: Store, view: AdaptiveView) -> AdaptiveView:
    while not view.status.finished:
        assert view.current is not None
        view = answer_and_confirm(store, view, pattern(view.current.question_id))
    return view


def start(store: Store, user: str) -> AdaptiveView:
    with store.write() as s:
        return start_or_resume_adaptive(s, user, COURSE_ID, QUIZ_ID)


def test_attempt_resumes_at_the_same_question_with_the_same_estimate_after_reopening(
    make_adaptive: MakeAdaptive, learner: str
) -> None:
    store = make_adaptive(adaptive={"se_stop": None, "max_length": 8})
    view = start(store, learner)
    for _ in range(3):
        assert view.current is not None
        view = answer_and_confirm(store, view, pattern(view.current.question_id))
    assert view.current is not None
    shown, attempt_id = view.current.question_id, view.attempt.attempt_id
    with store.write() as s:  # a saved, not yet confirmed answer to the question on screen
        save_answer(s, attempt_id, shown, RIGHT)
    before = view.status
    data_dir = store.data_dir
    store.close()  # as if Slate had been killed here: only what was committed is left

    reopened = Store.open(data_dir)
    try:
        resumed = start(reopened, learner)
        assert resumed.attempt.attempt_id == attempt_id
        assert resumed.current is not None and resumed.current.question_id == shown
        assert resumed.attempt.responses[shown] == RIGHT
        assert (resumed.status.asked, resumed.status.number) == (3, 4)
        assert resumed.status.theta == before.theta and resumed.status.se == before.se
        assert [q.question_id for q in resumed.attempt.questions] == [
            q.question_id for q in view.attempt.questions
        ]
        # ...and it goes on exactly as it would have.
        with reopened.write() as s:
            after = commit_answer(s, attempt_id, shown)
        assert after.status.asked == 4
    finally:
        reopened.close()


def test_stops_when_the_standard_error_is_reached(make_adaptive: MakeAdaptive, learner: str):
    store = make_adaptive(adaptive={"se_stop": 0.5, "min_length": 3, "max_length": 15})
    view = run_to_end(store, start(store, learner))
    assert view.current is None and view.status.stop_reason == "se_reached"
    assert view.status.se <= 0.5 and 3 <= view.status.asked < 15
    with store.read() as s:
        attempt = s.get(Attempt, view.attempt.attempt_id)
        assert attempt is not None and attempt.adaptive_stop == "se_reached"
        assert len(attempt.question_order) == view.status.asked
    with store.write() as s:
        result = submit_adaptive(s, view.attempt.attempt_id)
    assert result.asked == view.status.asked and result.stop_reason == "se_reached"


def test_stops_at_the_most_questions_without_an_error_threshold(
    make_adaptive: MakeAdaptive, learner: str
) -> None:
    store = make_adaptive(adaptive={"se_stop": None, "max_length": 5})
    view = run_to_end(store, start(store, learner))
    assert (view.status.asked, view.status.stop_reason) == (5, "max_items")
    assert len({q.question_id for q in view.attempt.questions}) == 5  # never one twice


def test_min_length_holds_even_when_the_error_is_small(
    make_adaptive: MakeAdaptive, learner: str
) -> None:
    store = make_adaptive(adaptive={"se_stop": 0.99, "min_length": 4, "max_length": 10})
    view = run_to_end(store, start(store, learner))
    assert view.status.asked == 4 and view.status.stop_reason == "se_reached"


def test_the_same_responses_give_the_same_theta(make_adaptive: MakeAdaptive, learner: str):
    store = make_adaptive(adaptive={"model": "3PL"}, questions=_three_pl_questions())
    view = run_to_end(store, start(store, learner))
    with store.write() as s:
        result = submit_adaptive(s, view.attempt.attempt_id)
        attempt = s.get(Attempt, view.attempt.attempt_id)
        assert attempt is not None
        by_id = {q.question_id: q for q in s.scalars(select(Question))}
        params = [effective_parameters(by_id[qid], "3PL") for qid in attempt.question_order]
        right = [
            1.0 if s.get(Answer, (attempt.id, qid)).response == RIGHT else 0.0  # type: ignore[union-attr]
            for qid in attempt.question_order
        ]
    a, b, c = zip(*params, strict=True)
    theta, se = eap(right, ItemParameters.three_pl(a, b, c))
    assert result.theta == pytest.approx(theta, abs=1e-12)
    assert result.se == pytest.approx(se, abs=1e-12)
    assert result.correct == sum(right) and result.asked == len(right)
    assert result.result.score == pytest.approx(sum(right) / len(right))


def _three_pl_questions():
    questions = adaptive_questions()
    for n, q in enumerate(questions):
        q["irt"]["c"] = 0.2 if n % 2 else 0.0
    return questions


def test_confirming_needs_a_saved_answer_to_the_question_shown(
    make_adaptive: MakeAdaptive, learner: str
) -> None:
    store = make_adaptive()
    view = start(store, learner)
    assert view.current is not None
    attempt_id, shown = view.attempt.attempt_id, view.current.question_id
    other = next(q["id"] for q in adaptive_questions() if q["id"] != shown)
    with store.write() as s:
        with pytest.raises(AttemptError, match="Answer this question"):
            commit_answer(s, attempt_id, shown)
        with pytest.raises(AttemptError, match=f"the question shown is '{shown}'"):
            commit_answer(s, attempt_id, other)
        with pytest.raises(AttemptError, match="not part of this attempt"):
            save_answer(s, attempt_id, other, RIGHT)
    after = answer_and_confirm(store, view, WRONG)
    with store.write() as s, pytest.raises(AttemptError, match="does not go back"):
        save_answer(s, attempt_id, shown, RIGHT)
    assert after.status.asked == 1


def test_confirming_writes_its_event_in_the_same_transaction(
    make_adaptive: MakeAdaptive, learner: str
) -> None:
    store = make_adaptive()
    view = start(store, learner)
    assert view.current is not None
    attempt_id, shown = view.attempt.attempt_id, view.current.question_id
    with store.write() as s:
        save_answer(s, attempt_id, shown, RIGHT)

    def events(s) -> int:
        return s.scalar(select(func.count()).select_from(Event))

    with store.read() as s:
        before = events(s)
    # A transaction that fails after the commit leaves neither the state change nor the event.
    with pytest.raises(RuntimeError), store.write() as s:
        commit_answer(s, attempt_id, shown)
        raise RuntimeError("power cut")
    with store.read() as s:
        assert events(s) == before
        attempt = s.get(Attempt, attempt_id)
        assert attempt is not None and attempt.question_order == [shown]
        assert s.get(Answer, (attempt_id, shown)).score is None  # type: ignore[union-attr]
    with store.write() as s:
        after = commit_answer(s, attempt_id, shown)
    with store.read() as s:
        event = s.scalars(select(Event).order_by(Event.local_id.desc())).first()
        assert event is not None and events(s) == before + 1
        assert event.verb == Verb.ANSWERED.value and event.result["success"] is True
        assert event.context["theta"] == round(after.status.theta, 6)
        assert event.context["adaptive"] is True


def test_time_up_submits_the_saved_answer_on_screen(make_adaptive: MakeAdaptive, learner: str):
    store = make_adaptive(settings={"time_limit_s": 60})
    view = answer_and_confirm(store, start(store, learner), RIGHT)
    assert view.current is not None
    attempt_id, shown = view.attempt.attempt_id, view.current.question_id
    with store.write() as s:
        save_answer(s, attempt_id, shown, RIGHT, elapsed_s=59.0)
    with store.write() as s:
        result = submit_adaptive(s, attempt_id, elapsed_s=61.0)
    assert result.result.status == AttemptStatus.TIMED_OUT
    assert result.stop_reason == "time_limit" and result.asked == 2 and result.correct == 2
    with store.read() as s:
        event = s.scalars(select(Event).order_by(Event.local_id.desc())).first()
        assert event is not None and event.context["theta"] == round(result.theta, 6)


def test_a_question_left_unanswered_is_dropped_at_submit(
    make_adaptive: MakeAdaptive, learner: str
) -> None:
    store = make_adaptive()
    view = answer_and_confirm(store, start(store, learner), RIGHT)
    assert view.current is not None
    with store.write() as s:
        result = submit_adaptive(s, view.attempt.attempt_id)
    assert result.asked == 1 and result.stop_reason == "ended_early"
    assert [q.question_id for q in result.result.questions] == [
        view.attempt.questions[0].question_id
    ]


def test_review_shows_answers_correct_answers_feedback_and_ability(
    make_adaptive: MakeAdaptive, learner: str
) -> None:
    questions = adaptive_questions()
    for q in questions:
        q["feedback"] = {"correct": "Right!", "incorrect": "Look again."}
    store = make_adaptive(adaptive={"se_stop": None, "max_length": 4}, questions=questions)
    view = run_to_end(store, start(store, learner))
    with store.write() as s:
        submit_adaptive(s, view.attempt.attempt_id)
    with store.read() as s:
        review = adaptive_review(s, view.attempt.attempt_id)
    assert len(review.result.questions) == 4
    for q in review.result.questions:
        assert q.correct_answer == "Option b"
        assert q.feedback == ("Right!" if q.response == RIGHT else "Look again.")
    assert "ahead of about" in review.ability_text and f"{review.theta:+.2f}" in review.ability_text


def test_topic_targets_balance_the_questions(make_adaptive: MakeAdaptive, learner: str):
    store = make_adaptive(
        adaptive={"se_stop": None, "max_length": 6, "topic_targets": {"x": 2, "y": 1}},
        questions=adaptive_questions(topics=("x", "y")),
    )
    view = run_to_end(store, start(store, learner))
    with store.read() as s:
        topics = {q.question_id: q.topic for q in s.scalars(select(Question))}
    asked = [topics[q.question_id] for q in view.attempt.questions]
    assert asked.count("x") == 4 and asked.count("y") == 2


def test_calibrated_parameters_are_used_by_the_next_attempt(
    make_adaptive: MakeAdaptive, learner: str, tmp_path: Path
) -> None:
    from app.adaptive.params import apply_item_params

    store = make_adaptive(adaptive={"randomesque": 1})
    with store.write() as s:
        apply_item_params(
            s, COURSE_ID, {"a07": {"a": 3.0, "b": 0.0}}, calibrated_at="2026-12-01T00:00:00Z"
        )
    view = start(store, learner)
    # With k = 1 the first item is the most informative at theta 0: the calibrated one.
    assert view.current is not None and view.current.question_id == "a07"
    with store.read() as s:
        assert current_view(s, view.attempt.attempt_id).current == view.current
