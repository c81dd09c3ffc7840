"""What a learner sees of a teacher's grade in the review: points, comment, rubric, who, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import User
from app.grading.tables import AnswerGrade, GradeRecord, Rubric


@dataclass(frozen=True)
class TeacherGrade:
    score: float
    max_points: float
    comment: str
    grader_name: str
    graded_at: datetime
    # (criterion title, level title, points) for each rubric choice, in the rubric's order.
    rubric: list[tuple[str, str, float]]


def teacher_grades(session: Session, attempt_id: str) -> dict[str, TeacherGrade]:
    """The grade that counts for each teacher-graded answer of an attempt, by question id."""
    rows = session.execute(
        select(GradeRecord, User.display_name)
        .join(AnswerGrade, AnswerGrade.revision_id == GradeRecord.revision_id)
        .outerjoin(User, User.id == GradeRecord.grader_id)
        .where(AnswerGrade.attempt_id == attempt_id)
    ).all()
    found: dict[str, TeacherGrade] = {}
    for record, grader_name in rows:
        found[record.question_id] = TeacherGrade(
            record.score,
            record.max_points,
            record.comment,
            grader_name or "your teacher",
            record.graded_at,
            _rubric_lines(session, record),
        )
    return found


def _rubric_lines(session: Session, record: GradeRecord) -> list[tuple[str, str, float]]:
    if not record.rubric:
        return []
    rubric = session.get(Rubric, (record.course_id, record.item_id, record.question_id))
    lines = []
    for criterion in rubric.criteria if rubric else []:
        chosen = record.rubric.get(criterion["id"])
        level = next((lv for lv in criterion["levels"] if lv["id"] == chosen), None)
        if level is not None:
            lines.append((criterion["title"], level["title"], float(level["points"])))
    return lines
