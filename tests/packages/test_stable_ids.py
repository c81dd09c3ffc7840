"""Re-importing a newer version matches content by stable ids, down to questions: updated
questions keep their rows and learners' answers, removed ones are retired (not deleted) and stay
visible in the review of the attempts that answered them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.attempts import review, save_answer, start_or_resume, submit
from app.courses.importer import import_course
from app.db.models import Answer, Attempt, Event, Item, Progress, Question
from app.db.store import Store
from tests.packages.helpers import COURSE, edit_json

QUIZ = "quiz-check"


def right_answer(q: Question) -> Any:
    key = q.key
    return {
        "single_choice": key.get("answer"),
        "multiple_choice": key.get("answer"),
        "true_false": key.get("answer"),
        "numeric": str(key.get("answer")),
        "short_answer": (key.get("answers") or [""])[0],
    }[q.type]


def take_quiz(store: Store, learner: str, *, wrong: frozenset[str] = frozenset()) -> str:
    """Answer every question (right, except those in `wrong`) and submit; the attempt id."""
    with store.write() as s:
        view = start_or_resume(s, learner, COURSE, QUIZ)
        questions = {
            q.question_id: q for q in s.scalars(select(Question).where(Question.retired.is_(False)))
        }
        for shown in view.questions:
            q = questions[shown.question_id]
            response = "nonsense" if q.question_id in wrong else right_answer(q)
            save_answer(s, view.attempt_id, q.question_id, response)
        submit(s, view.attempt_id)
        return view.attempt_id


def question_rows(store: Store) -> dict[str, tuple[int, bool, str]]:
    with sqlite3.connect(store.db_path) as conn:
        return {
            qid: (pk, bool(retired), prompt)
            for qid, pk, retired, prompt in conn.execute(
                "SELECT question_id, pk, retired, prompt_md FROM questions"
            )
        }


def learner_records(store: Store) -> dict[str, Any]:
    with store.read() as s:
        return {
            "attempts": [
                (a.id, a.status, a.score, a.points, a.max_points, a.question_order)
                for a in s.scalars(select(Attempt).order_by(Attempt.id))
            ],
            "answers": [
                (a.attempt_id, a.question_id, a.response, a.score)
                for a in s.scalars(select(Answer).order_by(Answer.attempt_id, Answer.question_id))
            ],
            "events": s.scalars(select(Event.id).order_by(Event.seq)).all(),
            "progress": [
                (p.item_id, p.completed, p.passed, p.best_score, p.attempts)
                for p in s.scalars(select(Progress).order_by(Progress.item_id))
            ],
        }


def new_quiz_version(package: Path, version: str) -> None:
    """Version `version`: q03 removed, q01 reworded, a new q15 added."""

    def change_quiz(quiz: dict[str, Any]) -> None:
        questions = [q for q in quiz["questions"] if q["id"] != "q03-flat-line"]
        questions[0]["prompt"] = "Which formula gives speed?"
        questions.append(
            {"id": "q15-new", "type": "true_false", "prompt": "Speed has units.", "answer": True}
        )
        quiz["questions"] = questions

    edit_json(package / "course.json", lambda m: m.update(version=version))
    edit_json(package / "quizzes" / "check.json", change_quiz)


def test_updated_questions_keep_their_rows_and_answers(
    store: Store, learner: str, package: Path
) -> None:
    import_course(store, package)
    attempt_id = take_quiz(store, learner, wrong=frozenset({"q02-runner"}))
    before_rows = question_rows(store)
    before_records = learner_records(store)

    new_quiz_version(package, "1.2.0")
    assert import_course(store, package).status == "updated"

    after = question_rows(store)
    # Matched by stable id: same row, new text.
    assert after["q01-formula"][0] == before_rows["q01-formula"][0]
    assert after["q01-formula"][2] == "Which formula gives speed?"
    # Removed: retired, not deleted.
    pk, _retired, prompt = before_rows["q03-flat-line"]
    assert after["q03-flat-line"] == (pk, True, prompt)
    assert after["q15-new"][1] is False
    # 14 in this quiz, 13 in the demo's practice quiz, 20 in its adaptive quiz.
    assert sum(1 for _pk, retired, _p in after.values() if not retired) == 14 + 13 + 20
    # The learner's records are untouched.
    assert learner_records(store) == before_records
    with store.read() as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt is not None and attempt.course_version == "1.1.0"


def test_retired_question_stays_in_the_review_of_an_old_attempt(
    store: Store, learner: str, package: Path
) -> None:
    import_course(store, package)
    attempt_id = take_quiz(store, learner, wrong=frozenset({"q02-runner"}))
    with store.read() as s:
        before = review(s, attempt_id)
    assert len(before.questions) == 14

    new_quiz_version(package, "1.2.0")
    import_course(store, package)

    with store.read() as s:
        after = review(s, attempt_id)
    by_id = {r.question_id: r for r in after.questions}
    assert [r.question_id for r in after.questions] == [r.question_id for r in before.questions]
    retired = by_id["q03-flat-line"]
    assert retired.retired and retired.correct and retired.earned == retired.points == 1.0
    assert retired.response == before.questions[2].response
    assert "flat" in retired.prompt_md.lower()
    assert not by_id["q02-runner"].correct and not by_id["q02-runner"].retired
    assert "q15-new" not in by_id  # added after the attempt: not part of it
    # The attempt's score is what it was when submitted.
    assert (after.score, after.points, after.max_points) == (
        before.score,
        before.points,
        before.max_points,
    )


def test_a_new_attempt_sees_the_new_version(store: Store, learner: str, package: Path) -> None:
    import_course(store, package)
    new_quiz_version(package, "1.2.0")
    import_course(store, package)
    with store.write() as s:
        view = start_or_resume(s, learner, COURSE, QUIZ)
    shown = [q.question_id for q in view.questions]
    assert "q03-flat-line" not in shown and shown[-1] == "q15-new" and len(shown) == 14
    assert view.questions[0].prompt_md == "Which formula gives speed?"


def test_a_question_put_back_is_the_same_question_again(
    store: Store, learner: str, package: Path, demo_dir: Path
) -> None:
    import_course(store, package)
    original = question_rows(store)["q03-flat-line"]
    new_quiz_version(package, "1.2.0")
    import_course(store, package)
    # Version 1.2.0 restores the original quiz, q03 included.
    (package / "quizzes" / "check.json").write_bytes(
        (demo_dir / "quizzes" / "check.json").read_bytes()
    )
    edit_json(package / "course.json", lambda m: m.update(version="1.3.0"))
    import_course(store, package)
    assert question_rows(store)["q03-flat-line"] == original
    assert question_rows(store)["q15-new"][1] is True


def test_a_retired_quiz_keeps_its_attempts_reviewable(
    store: Store, learner: str, package: Path
) -> None:
    import_course(store, package)
    attempt_id = take_quiz(store, learner)

    def drop_quiz(m: dict[str, Any]) -> None:
        m["version"] = "2.0.0"
        m["modules"][1]["items"] = [i for i in m["modules"][1]["items"] if i["id"] != QUIZ]

    edit_json(package / "course.json", drop_quiz)
    import_course(store, package)
    with store.read() as s:
        item = s.scalar(select(Item).where(Item.item_id == QUIZ))
        assert item is not None and item.retired
        assert item.assessment is not None and len(item.assessment.questions) == 14
        result = review(s, attempt_id)
        progress = s.get(Progress, (learner, COURSE, QUIZ))
    assert result.score == 1.0 and len(result.questions) == 14
    assert progress is not None and progress.best_score == 1.0 and progress.passed
