"""The figures behind the class overview: completion over time, score distributions, time on
task. Each is one aggregate query (or reuses the gradebook's); the UI only draws them.

Time on task is what Slate measures without guessing: time with a quiz open (a monotonic
clock, `attempts.elapsed_s`) and video actually played (the union of watched intervals).
Reading time is not measured, so it is not shown as if it were.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.permissions import COURSE_READ, require
from app.analytics.activity import CourseActivity, course_activity
from app.analytics.gradebook import Gradebook, build_gradebook
from app.db.models import Attempt, Item, Progress
from app.progress import covered_seconds

SCORE_BINS = 10


@dataclass(frozen=True)
class CompletionPoint:
    day: date
    # Items first completed that day, and the class's completion share at the end of it.
    completed: int
    share: float


@dataclass(frozen=True)
class ScoreDistribution:
    item_id: str
    title: str
    # counts[i]: counted scores in [i/10, (i+1)/10), the last bin including 100%.
    counts: list[int]
    passing_score: float


@dataclass(frozen=True)
class TimeOnTask:
    user_id: str
    display_name: str
    quiz_s: float
    video_s: float

    @property
    def total_s(self) -> float:
        return self.quiz_s + self.video_s


@dataclass(frozen=True)
class ClassOverview:
    gradebook: Gradebook
    completion: list[CompletionPoint]
    distributions: list[ScoreDistribution]
    time_on_task: list[TimeOnTask]


def completion_over_time(
    session: Session, course_id: str, students: list[str], activity: CourseActivity
) -> list[CompletionPoint]:
    """Per day, the items the students completed for the first time; the share is of every
    (student, current item) pair of the course."""
    items = session.scalar(
        select(func.count()).where(Item.course_id == course_id, Item.retired.is_(False))
    )
    possible = max(1, (items or 0) * max(len(students), 1))
    wanted = set(students)
    per_day = Counter(
        moment.date()
        for (user, _item), moment in activity.first_completed.items()
        if user in wanted
    )
    points, running = [], 0
    for day in sorted(per_day):
        running += per_day[day]
        points.append(CompletionPoint(day, per_day[day], running / possible))
    return points


def score_distributions(book: Gradebook) -> list[ScoreDistribution]:
    out = []
    for column in book.assessments:
        counts = [0] * SCORE_BINS
        for student in book.students:
            score = book.cell(student.user_id, column.item_id).score
            if score is not None:
                counts[min(int(score * SCORE_BINS), SCORE_BINS - 1)] += 1
        out.append(ScoreDistribution(column.item_id, column.title, counts, column.passing_score))
    return out


def time_on_task(session: Session, course_id: str, book: Gradebook) -> list[TimeOnTask]:
    quiz = dict(
        session.execute(
            select(Attempt.user_id, func.sum(Attempt.elapsed_s))
            .where(Attempt.course_id == course_id)
            .group_by(Attempt.user_id)
        ).all()
    )
    video: dict[str, float] = {}
    for user_id, watched in session.execute(
        select(Progress.user_id, Progress.watched).where(
            Progress.course_id == course_id, func.json_array_length(Progress.watched) > 0
        )
    ):
        video[user_id] = video.get(user_id, 0.0) + covered_seconds(watched or [])
    return [
        TimeOnTask(
            s.user_id, s.display_name, float(quiz.get(s.user_id) or 0.0), video.get(s.user_id, 0.0)
        )
        for s in book.students
    ]


def class_overview(
    session: Session,
    course_id: str,
    *,
    actor_id: str | None = None,
    book: Gradebook | None = None,
    activity: CourseActivity | None = None,
) -> ClassOverview:
    """The overview of the gradebook's students (`book` and `activity`, when the caller has
    them already: the page builds both once for the overview and the insights)."""
    if actor_id is not None:
        require(session, actor_id, COURSE_READ, course_id=course_id)
    book = book or build_gradebook(session, course_id, actor_id=actor_id)
    activity = activity or course_activity(session, course_id)
    students = [s.user_id for s in book.students]
    return ClassOverview(
        book,
        completion_over_time(session, course_id, students, activity),
        score_distributions(book),
        time_on_task(session, course_id, book),
    )
