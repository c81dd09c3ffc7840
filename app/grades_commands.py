"""`slate grades`: the class's grades out of the store, for another school system."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.commands import open_store


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    grades = subparsers.add_parser("grades", parents=[common], help="export a course's grades")
    grades_sub = grades.add_subparsers(dest="grades_command", required=True, metavar="ACTION")
    export = grades_sub.add_parser(
        "export",
        parents=[common],
        help="write a course's grades as CSV for Moodle's or Google Classroom's grade import",
    )
    export.add_argument("course_id", metavar="COURSE_ID", help="see 'slate course list'")
    export.add_argument("--format", required=True, choices=["moodle", "google"], dest="fmt")
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help="the CSV file")
    export.add_argument(
        "--as",
        dest="actor",
        required=True,
        metavar="NAME",
        help="the teacher or administrator exporting (password asked, or $SLATE_PASSWORD)",
    )
    export.add_argument("--json", action="store_true", help="print the result as JSON")
    export.set_defaults(func=cmd_grades_export)


def cmd_grades_export(args: argparse.Namespace) -> int:
    from app.accounts.commands import signed_in_actor
    from app.analytics.grade_export import export_grades

    # The store is opened for writing: a wrong password is counted, as in the app.
    store = open_store(args)
    try:
        actor = signed_in_actor(store, args.actor)
        with store.read() as session:
            result = export_grades(session, args.course_id, args.fmt, args.out, actor_id=actor)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(result.path),
                    "format": result.format,
                    "students": result.students,
                    "assessments": result.assessments,
                }
            )
        )
    else:
        print(
            f"Wrote {result.students} students × {result.assessments} quizzes "
            f"({result.format}) to {result.path}"
        )
    return 0
