"""The gradebook: students by assessments, with each student's counted result per quiz.

The counted score follows the quiz's attempt policy exactly as `app.attempts.counted_score`
does (best, last or average of the submitted attempts that have a score), but for a whole
course at once: one grouped query over `attempts` with a window function picks the last
attempt, SQLite does the sums, and Python only chooses among best/last/average per cell.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.accounts.permissions import COURSE_READ, require
from app.accounts.tables import ClassCourse, ClassMember
from app.attempts import NOT_A_QUESTION
from app.db.models import (
    Assessment,
    Attempt,
    AttemptStatus,
    Course,
    Item,
    ItemKind,
    Module,
    Question,
    Role,
    User,
)
from app.errors import SlateError

# Same slack as app.attempts.submit: a score a rounding error short of the pass mark passes.
PASS_EPSILON = 1e-9


class GradebookError(SlateError):
    pass


class GradeStatus(enum.StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    AWAITING_GRADING = "awaiting grading"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class AssessmentColumn:
    item_id: str
    title: str
    module_title: str
    passing_score: float
    attempt_policy: str
    max_points: float
    question_count: int


@dataclass(frozen=True)
class StudentRow:
    user_id: str
    display_name: str


@dataclass(frozen=True)
class GradeCell:
    """One student's standing on one assessment."""

    status: GradeStatus = GradeStatus.NOT_STARTED
    # The counted score (0..1) under the quiz's attempt policy; None before a scored attempt.
    score: float | None = None
    passed: bool | None = None
    attempts: int = 0
    submitted: int = 0
    awaiting_grading: int = 0
    last_submitted_at: datetime | None = None


EMPTY_CELL = GradeCell()


@dataclass(frozen=True)
class Gradebook:
    course_id: str
    course_title: str
    students: list[StudentRow]
    assessments: list[AssessmentColumn]
    cells: dict[tuple[str, str], GradeCell] = field(default_factory=dict)

    def cell(self, user_id: str, item_id: str) -> GradeCell:
        return self.cells.get((user_id, item_id), EMPTY_CELL)

    def student_average(self, user_id: str) -> float | None:
        """The mean counted score over the assessments this student has a score in."""
        cells = [self.cell(user_id, a.item_id) for a in self.assessments]
        scores = [c.score for c in cells if c.score is not None]
        return sum(scores) / len(scores) if scores else None

    def assessment_average(self, item_id: str) -> float | None:
        cells = [self.cell(s.user_id, item_id) for s in self.students]
        scores = [c.score for c in cells if c.score is not None]
        return sum(scores) / len(scores) if scores else None


def course_title(session: Session, course_id: str) -> str:
    course = session.get(Course, course_id)
    if course is None:
        raise GradebookError(f"there is no course {course_id!r} in this store")
    return course.title


def assessment_columns(session: Session, course_id: str) -> list[AssessmentColumn]:
    """The course's current quizzes in course order, with their points (one grouped query)."""
    counted_points = case((Question.type.in_(NOT_A_QUESTION), 0.0), else_=Question.points)
    asked = case((Question.type.in_(NOT_A_QUESTION), None), else_=Question.pk)
    rows = session.execute(
        select(
            Item.item_id,
            Item.title,
            Module.title,
            Assessment.passing_score,
            Assessment.attempt_policy,
            func.coalesce(func.sum(counted_points), 0.0),
            func.count(asked),
        )
        .join(Module, Module.pk == Item.module_pk)
        .join(Assessment, Assessment.item_pk == Item.pk)
        .outerjoin(
            Question, and_(Question.assessment_pk == Assessment.pk, Question.retired.is_(False))
        )
        .where(Item.course_id == course_id, Item.kind == ItemKind.QUIZ, Item.retired.is_(False))
        .group_by(Item.pk)
        .order_by(Module.position, Item.position)
    ).all()
    return [
        AssessmentColumn(item_id, title, module, float(passing), policy or "best", float(pts), n)
        for item_id, title, module, passing, policy, pts, n in rows
    ]


def class_students(
    session: Session,
    course_id: str,
    learner_ids: list[str] | None = None,
    *,
    teacher_id: str | None = None,
) -> list[StudentRow]:
    """The learners of the gradebook: the given ids; else the students of the classes that
    follow this course (only those `teacher_id` teaches, when given); else, when no class on
    this laptop follows the course (no roster yet), every current student profile and anyone
    who has attempted one of its quizzes."""
    query = select(User.id, User.display_name).order_by(User.display_name, User.id)
    if learner_ids is not None:
        return [
            StudentRow(uid, n) for uid, n in session.execute(query.where(User.id.in_(learner_ids)))
        ]
    classes = select(ClassCourse.class_id).where(ClassCourse.course_id == course_id)
    if teacher_id is not None:
        taught = select(ClassMember.class_id).where(
            ClassMember.user_id == teacher_id, ClassMember.role == Role.TEACHER.value
        )
        classes = classes.where(ClassCourse.class_id.in_(taught))
    has_classes = session.scalar(
        select(ClassCourse.class_id).where(ClassCourse.course_id == course_id).limit(1)
    )
    if has_classes is not None:
        members = select(ClassMember.user_id).where(
            ClassMember.class_id.in_(classes), ClassMember.role == Role.STUDENT.value
        )
        query = query.where(User.id.in_(members), User.archived_at.is_(None))
    else:
        attempted = select(Attempt.user_id).where(Attempt.course_id == course_id)
        # Archived profiles (a learner who left, the self-test's learner) stay out even with
        # attempts: they must not reach a grade export.
        query = query.where(
            User.archived_at.is_(None), (User.role == Role.STUDENT) | User.id.in_(attempted)
        )
    return [StudentRow(uid, name) for uid, name in session.execute(query)]


def _cell_rows(session: Session, course_id: str) -> list[Any]:
    """Per (learner, quiz): attempt counts and best/average/last counted scores, from SQLite."""
    is_counted = and_(Attempt.status != AttemptStatus.IN_PROGRESS, Attempt.score.is_not(None))
    ranked = (
        select(
            Attempt.user_id,
            Attempt.item_id,
            Attempt.status,
            Attempt.score,
            Attempt.ungraded_count,
            Attempt.submitted_at,
            is_counted.label("counted"),
            func.row_number()
            .over(
                partition_by=(Attempt.user_id, Attempt.item_id),
                # Counted attempts first, the newest submission first among them.
                order_by=(case((is_counted, 0), else_=1), Attempt.submitted_at.desc()),
            )
            .label("newest"),
        )
        .where(Attempt.course_id == course_id)
        .subquery()
    )
    counted = ranked.c.counted == 1
    return list(
        session.execute(
            select(
                ranked.c.user_id,
                ranked.c.item_id,
                func.count(),
                func.sum(case((ranked.c.status == AttemptStatus.IN_PROGRESS, 1), else_=0)),
                func.sum(case((ranked.c.status != AttemptStatus.IN_PROGRESS, 1), else_=0)),
                func.max(case((counted, ranked.c.score))),
                func.avg(case((counted, ranked.c.score))),
                func.max(case((and_(counted, ranked.c.newest == 1), ranked.c.score))),
                func.sum(
                    case(
                        (ranked.c.status != AttemptStatus.IN_PROGRESS, ranked.c.ungraded_count),
                        else_=0,
                    )
                ),
                func.max(ranked.c.submitted_at),
            ).group_by(ranked.c.user_id, ranked.c.item_id)
        )
    )


def _cell(row: Any, column: AssessmentColumn) -> GradeCell:
    _, _, attempts, open_count, submitted, best, average, last, awaiting, last_at = row
    policy_score = {"last": last, "average": average}.get(column.attempt_policy, best)
    score = None if policy_score is None else float(policy_score)
    passed = None if score is None else score + PASS_EPSILON >= column.passing_score
    if awaiting:
        status = GradeStatus.AWAITING_GRADING
    elif passed is not None:
        status = GradeStatus.PASSED if passed else GradeStatus.FAILED
    elif open_count:
        status = GradeStatus.IN_PROGRESS
    else:
        status = GradeStatus.NOT_STARTED
    if isinstance(last_at, str):  # a raw SQL aggregate skips the column type's conversion
        last_at = datetime.fromisoformat(last_at)
    return GradeCell(
        status,
        score,
        passed,
        int(attempts),
        int(submitted or 0),
        int(awaiting or 0),
        None if last_at is None else last_at if last_at.tzinfo else last_at.replace(tzinfo=UTC),
    )


def build_gradebook(
    session: Session,
    course_id: str,
    *,
    actor_id: str | None = None,
    learner_ids: list[str] | None = None,
) -> Gradebook:
    """The course's gradebook. With `actor_id`, only someone allowed to read the course's
    results (its teachers, an administrator) may see it, and a teacher sees their classes."""
    if actor_id is not None:
        require(session, actor_id, COURSE_READ, course_id=course_id)
    title = course_title(session, course_id)
    columns = assessment_columns(session, course_id)
    actor = session.get(User, actor_id) if actor_id is not None else None
    teacher_id = actor_id if actor is not None and actor.role == Role.TEACHER else None
    students = class_students(session, course_id, learner_ids, teacher_id=teacher_id)
    wanted = {s.user_id for s in students}
    by_item = {c.item_id: c for c in columns}
    cells = {
        (row[0], row[1]): _cell(row, by_item[row[1]])
        for row in _cell_rows(session, course_id)
        if row[0] in wanted and row[1] in by_item
    }
    return Gradebook(course_id, title, students, columns, cells)
