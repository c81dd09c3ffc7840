"""`slate server course publish` and `slate server changes ...`: the downstream chores for IT.

Registered from sync/server/commands.py; like it, only argparse is imported at registration.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register_downstream(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    course = commands.add_parser("course", parents=parents, help="publish course versions")
    course_commands = course.add_subparsers(dest="course_command", metavar="ACTION", required=True)
    publish = course_commands.add_parser(
        "publish",
        parents=parents,
        help="publish a course package (folder or .zip) to a school's laptops",
        description="Validates the package, keeps it in the server's data folder and announces "
        "the version in the school's change log; laptops download and import it at their next "
        "sync. Publishing the same version again changes nothing.",
    )
    publish.add_argument("path", type=Path, help="the course package: a folder or a .zip")
    publish.add_argument(
        "--school", required=True, help="the school's enrollment code (or school id)"
    )
    publish.add_argument("--json", action="store_true", help="print JSON")
    publish.set_defaults(func=_course_publish)

    calibrate = commands.add_parser(
        "calibrate",
        parents=parents,
        help="estimate 2PL item parameters of a course from the answers received",
        description="Grades every answer received for the course with its published key, "
        "estimates each question's discrimination (a) and difficulty (b) by marginal maximum "
        "likelihood, and sends them to the laptops of every school the course is published to.",
    )
    calibrate.add_argument("--course", required=True, help="the course id")
    calibrate.add_argument(
        "--min-responses",
        type=int,
        default=None,
        help="leave out questions with fewer answers than this (default 30)",
    )
    calibrate.add_argument("--json", action="store_true", help="print JSON")
    calibrate.set_defaults(func=_calibrate)

    changes = commands.add_parser("changes", parents=parents, help="look after the change log")
    change_commands = changes.add_subparsers(
        dest="changes_command", metavar="ACTION", required=True
    )
    epoch = change_commands.add_parser(
        "new-epoch",
        parents=parents,
        help="make every laptop reload its downstream records (after restoring a backup)",
    )
    epoch.add_argument("--json", action="store_true", help="print JSON")
    epoch.set_defaults(func=_new_epoch)


def _course_publish(args: argparse.Namespace) -> int:
    from app.paths import resolve_data_dir
    from sync.server.commands import SERVER_APP_NAME, _admin, _print_json
    from sync.server.courses import publish_course

    data_dir = resolve_data_dir(getattr(args, "data_dir", None), app_name=SERVER_APP_NAME)
    code, published = _admin(
        args, lambda session: publish_course(session, data_dir, args.path, args.school)
    )
    if code:
        return code
    if args.json:
        _print_json(published.as_dict())
    elif published.status == "unchanged":
        print(f"Course {published.course_id} version {published.version} was already published.")
    else:
        print(
            f"Published course {published.course_id} version {published.version} "
            f"({published.size} bytes, sha256 {published.sha256[:12]}…)"
        )
    return 0


def _new_epoch(args: argparse.Namespace) -> int:
    from sync.server.changes import new_epoch
    from sync.server.commands import _admin, _print_json

    def work(session: Any) -> str:
        epoch = new_epoch(session)
        session.commit()
        return epoch

    code, epoch = _admin(args, work)
    if code:
        return code
    if args.json:
        _print_json({"epoch": epoch})
    else:
        print(f"New change-log epoch {epoch}: laptops reload their records at their next sync.")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from sync.server.calibration import DEFAULT_MIN_RESPONSES, calibrate_course
    from sync.server.commands import _admin, _print_json

    minimum = DEFAULT_MIN_RESPONSES if args.min_responses is None else args.min_responses
    if minimum < 1:
        print("slate server calibrate: --min-responses must be at least 1", file=sys.stderr)
        return 2
    code, summary = _admin(
        args, lambda session: calibrate_course(session, args.course, min_responses=minimum)
    )
    if code:
        return code
    if args.json:
        _print_json(summary.as_dict())
        return 0
    print(
        f"Calibrated {summary.questions} questions of {summary.course_id} from "
        f"{summary.responses} answers by {summary.learners} learners"
        f"{'' if summary.converged else ' (did not fully converge)'}; sent to "
        f"{summary.schools} school(s)."
    )
    return 0
