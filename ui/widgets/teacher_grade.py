"""How a teacher's grade and comment look in the learner's quiz review (ui/pages/quiz.py)."""

from __future__ import annotations

import html

from app.grading.feedback import TeacherGrade


def teacher_grade_html(grade: TeacherGrade) -> str:
    when = grade.graded_at.strftime("%Y-%m-%d")
    lines = [
        f"<p><b>{html.escape(grade.grader_name)} gave {grade.score:g} of "
        f"{grade.max_points:g} points</b> ({when}).</p>"
    ]
    if grade.rubric:
        rows = "".join(
            f"<li>{html.escape(criterion)}: {html.escape(level)} ({points:g})</li>"
            for criterion, level, points in grade.rubric
        )
        lines.append(f"<ul>{rows}</ul>")
    if grade.comment:
        comment = html.escape(grade.comment).replace("\n", "<br>")
        lines.append(f"<p><i>{comment}</i></p>")
    return f"<blockquote>{''.join(lines)}</blockquote>"
