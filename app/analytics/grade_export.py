"""Grades as CSV for Moodle's and Google Classroom's grade imports.

Moodle: we followed MoodleDocs "Grade import" (docs.moodle.org, "CSV import": the import
format is the export format; the teacher maps a user column, "ID number" to useridnumber or
"Email address" to useremail, and each grade column to a grade item at the preview). So the
columns are those of Moodle's own plain-text grade export: First name, Last name, ID number,
Institution, Department, Email address, then one "Quiz: TITLE (Real)" column per quiz; a
missing grade is "-", as Moodle writes it.

Google Classroom: its grade import reads the layout of the CSV its gradebook downloads
("Download grades as CSV" in the Classroom help centre): Last Name, First Name, Email Address,
then one column per assignment titled with the assignment, a second row "Points" with each
assignment's maximum, then one row per student with the points earned; a missing grade is
an empty cell.

Slate's ID number is the learner's Slate id; Slate keeps no e-mail address, so that column is
empty until rosters bring one. Grades are points: the counted score under the quiz's attempt
policy times the quiz's points.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.accounts.permissions import GRADES_EXPORT, require
from app.analytics.files import write_atomically
from app.analytics.gradebook import Gradebook, build_gradebook, course_title
from app.errors import SlateError

FORMATS = ("moodle", "google")
# A spreadsheet runs a cell that starts like a formula: names are defused with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class GradeExportError(SlateError):
    pass


@dataclass(frozen=True)
class GradeExport:
    path: Path
    format: str
    students: int
    assessments: int


def split_name(display_name: str) -> tuple[str, str]:
    """(first, last): the last word is the family name; a one-word name has none."""
    first, _, last = display_name.rpartition(" ")
    return (first, last) if first else (last, "")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _points(score: float | None, max_points: float) -> str | None:
    return None if score is None else f"{score * max_points:.2f}".rstrip("0").rstrip(".")


def moodle_rows(book: Gradebook) -> list[list[str]]:
    header = ["First name", "Last name", "ID number", "Institution", "Department"]
    header += ["Email address", *(f"Quiz: {a.title} (Real)" for a in book.assessments)]
    rows = [header]
    for student in book.students:
        first, last = split_name(student.display_name)
        grades = [
            _points(book.cell(student.user_id, a.item_id).score, a.max_points) or "-"
            for a in book.assessments
        ]
        rows.append([_text(first), _text(last), student.user_id, "", "", "", *grades])
    return rows


def google_rows(book: Gradebook) -> list[list[str]]:
    rows = [["Last Name", "First Name", "Email Address", *(a.title for a in book.assessments)]]
    rows.append(["Points", "", "", *(f"{a.max_points:g}" for a in book.assessments)])
    for student in book.students:
        first, last = split_name(student.display_name)
        grades = [
            _points(book.cell(student.user_id, a.item_id).score, a.max_points) or ""
            for a in book.assessments
        ]
        rows.append([_text(last), _text(first), "", *grades])
    return rows


def grades_csv(book: Gradebook, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise GradeExportError(f"unknown grade format {fmt!r}: choose one of {', '.join(FORMATS)}")
    rows = moodle_rows(book) if fmt == "moodle" else google_rows(book)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def export_grades(
    session: Session, course_id: str, fmt: str, out: Path, *, actor_id: str | None = None
) -> GradeExport:
    """Write the course's grades to `out` in the given format, atomically."""
    if fmt not in FORMATS:
        raise GradeExportError(f"unknown grade format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if actor_id is not None:
        course_title(session, course_id)  # an unknown course is said as such, not as a refusal
        require(session, actor_id, GRADES_EXPORT, course_id=course_id)
    book = build_gradebook(session, course_id, actor_id=actor_id)
    write_atomically(out, grades_csv(book, fmt))
    return GradeExport(out, fmt, len(book.students), len(book.assessments))
