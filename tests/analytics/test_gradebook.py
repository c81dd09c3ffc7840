"""The gradebook service on a real store, with attempts made through the real attempt service."""

from __future__ import annotations

import pytest

from app.accounts.permissions import PermissionDenied
from app.analytics.drilldown import student_record
from app.analytics.gradebook import GradebookError, GradeStatus, build_gradebook
from app.attempts import counted_score
from app.db.models import AttemptStatus
from tests.analytics.conftest import ClassFixture
from tests.analytics.course import COURSE_ID


def test_columns_rows_and_counted_scores_follow_each_attempt_policy(graded_class: ClassFixture):
    p = graded_class.people
    with graded_class.store.read() as session:
        book = build_gradebook(session, COURSE_ID, actor_id=p["Tess"])
        assert [a.item_id for a in book.assessments] == ["best", "last", "avg", "essay"]
        assert [a.attempt_policy for a in book.assessments] == ["best", "last", "average", "best"]
        assert book.assessments[0].max_points == 4.0
        # Students only: the teacher is no row of the gradebook; Dara has done nothing yet.
        assert [s.display_name for s in book.students] == ["Amina", "Ben", "Chen", "Dara"]

        assert book.cell(p["Amina"], "best").score == pytest.approx(1.0)
        assert book.cell(p["Amina"], "best").attempts == 2
        last_at = book.cell(p["Amina"], "best").last_submitted_at
        assert last_at is not None and last_at.utcoffset() is not None
        assert book.cell(p["Amina"], "last").score == pytest.approx(0.25)
        assert book.cell(p["Amina"], "last").status is GradeStatus.FAILED
        assert book.cell(p["Ben"], "avg").score == pytest.approx(0.75)
        assert book.cell(p["Ben"], "avg").status is GradeStatus.PASSED
        assert book.cell(p["Ben"], "best").status is GradeStatus.FAILED
        assert book.cell(p["Chen"], "best").status is GradeStatus.IN_PROGRESS
        assert book.cell(p["Chen"], "best").score is None
        assert book.cell(p["Chen"], "essay").status is GradeStatus.AWAITING_GRADING
        assert book.cell(p["Dara"], "best").status is GradeStatus.NOT_STARTED

        # Every cell agrees with the attempt service's own rule, one learner at a time.
        for student in book.students:
            for column in book.assessments:
                expected = counted_score(
                    session, student.user_id, COURSE_ID, column.item_id, column.attempt_policy
                )
                got = book.cell(student.user_id, column.item_id).score
                assert got == pytest.approx(expected) if expected is not None else got is None


def test_averages_per_student_and_per_assessment(graded_class: ClassFixture):
    p = graded_class.people
    with graded_class.store.read() as session:
        book = build_gradebook(session, COURSE_ID)
    assert book.student_average(p["Amina"]) == pytest.approx((1.0 + 0.25) / 2)
    assert book.student_average(p["Dara"]) is None
    assert book.assessment_average("best") == pytest.approx((1.0 + 0.25) / 2)


def test_a_student_is_refused_the_gradebook_and_another_learners_record(
    graded_class: ClassFixture,
):
    p = graded_class.people
    with graded_class.store.read() as session:
        with pytest.raises(PermissionDenied, match="Ben may not"):
            build_gradebook(session, COURSE_ID, actor_id=p["Ben"])
        with pytest.raises(PermissionDenied):
            student_record(session, COURSE_ID, p["Amina"], actor_id=p["Ben"])
        # Their own record is theirs to see.
        assert student_record(session, COURSE_ID, p["Ben"], actor_id=p["Ben"])


def test_an_unknown_course_is_a_clear_error(graded_class: ClassFixture):
    with graded_class.store.read() as session, pytest.raises(GradebookError, match="no-such"):
        build_gradebook(session, "no-such")


def test_drill_down_shows_every_attempt_and_answer_in_words(graded_class: ClassFixture):
    p = graded_class.people
    with graded_class.store.read() as session:
        record = student_record(session, COURSE_ID, p["Amina"], actor_id=p["Tess"])
    assert [r.attempt_id for r in record] == [
        *graded_class.attempts["amina-best"],
        *graded_class.attempts["amina-last"],
    ]
    first = record[0]
    assert first.title == "Quiz best"
    assert first.score == pytest.approx(0.5)
    assert [a.response for a in first.answers] == ["Option B", "Option B", "Option A", "Option A"]
    assert [a.share for a in first.answers] == [1.0, 1.0, 0.0, 0.0]


def test_drill_down_shows_an_open_attempt_and_an_essay_awaiting_grading(
    graded_class: ClassFixture,
):
    p = graded_class.people
    with graded_class.store.read() as session:
        record = student_record(session, COURSE_ID, p["Chen"])
    open_attempt, essay_attempt = record
    assert open_attempt.status is AttemptStatus.IN_PROGRESS
    # Saved but not graded yet: grading happens at submission.
    assert open_attempt.answers[0].response == "Option B"
    assert [a.share for a in open_attempt.answers] == [None, None, None, None]
    assert essay_attempt.awaiting_grading == 1
    essay = next(a for a in essay_attempt.answers if a.type == "essay")
    assert essay.response == "Long essay text." and essay.share is None


def test_a_teacher_sees_the_students_of_their_own_classes_only(graded_class: ClassFixture):
    from tests.analytics.course import add_people, make_class

    p = graded_class.people
    others = add_people(graded_class.store, "Uma", "Vic", role="teacher")
    make_class(graded_class.store, others["Uma"], [p["Dara"]], name="8C")
    with graded_class.store.read() as session:
        book = build_gradebook(session, COURSE_ID, actor_id=others["Uma"])
        assert [s.display_name for s in book.students] == ["Dara"]
        # Vic teaches no class that follows the course.
        with pytest.raises(PermissionDenied, match=r"Vic may not.*one of their classes follows"):
            build_gradebook(session, COURSE_ID, actor_id=others["Vic"])


def test_archived_learners_stay_out_of_a_gradebook_without_classes(store, tmp_path) -> None:
    # The self-test's learner is archived after its run; with no class on this laptop the
    # gradebook lists every student and whoever attempted, but never an archived profile.
    from datetime import UTC, datetime

    from app.db.models import User
    from tests.analytics.course import add_people, choice, import_test_course, take_quiz

    import_test_course(store, tmp_path / "course", quizzes={"q": ([choice("q1")], {})})
    people = add_people(store, "Amina", "Slate self-test 2026-12-04")
    for person in people.values():
        take_quiz(store, person, "q", {"q1": "b"})
    with store.write() as session:
        archived = session.get(User, people["Slate self-test 2026-12-04"])
        assert archived is not None
        archived.archived_at = datetime.now(UTC)
    with store.read() as session:
        book = build_gradebook(session, COURSE_ID)
    assert [s.display_name for s in book.students] == ["Amina"]
