"""Core `slate` subcommands: courses, profiles and the store. No Qt, no network."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.paths import resolve_data_dir


def fail(message: str, code: int = 1) -> int:
    print(f"slate: error: {message}", file=sys.stderr)
    return code


def open_store(args: argparse.Namespace, *, lock: bool = True):
    """The store chosen by --data-dir / SLATE_DATA_DIR; raises a SlateError with a clear message.

    Without `lock` (read-only commands) the store must already exist: a mistyped folder is
    reported instead of silently becoming a new, empty store.
    """
    from app.db.store import DB_FILENAME, Store, StoreError

    data_dir = resolve_data_dir(getattr(args, "data_dir", None), create=lock)
    if not lock and not (data_dir / DB_FILENAME).exists():
        raise StoreError(f"there is no Slate store in {data_dir}")
    return Store.open(data_dir, lock=lock)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    course = subparsers.add_parser("course", parents=[common], help="import and list courses")
    course_sub = course.add_subparsers(dest="course_command", required=True, metavar="ACTION")
    imp = course_sub.add_parser("import", parents=[common], help="import a course package")
    imp.add_argument("path", type=Path, help="a course folder or .zip (see docs/course-format.md)")
    imp.add_argument("--json", action="store_true", help="print the result as JSON")
    imp.set_defaults(func=cmd_course_import)
    exp = course_sub.add_parser(
        "export", parents=[common], help="write a stored course as a package (folder or .zip)"
    )
    exp.add_argument("course_id", metavar="ID", help="the course's id (see 'slate course list')")
    exp.add_argument(
        "path", metavar="PATH", type=Path, help="a new folder, or a file ending in .zip"
    )
    exp.add_argument("--json", action="store_true", help="print the result as JSON")
    exp.set_defaults(func=cmd_course_export)
    lst = course_sub.add_parser("list", parents=[common], help="list stored courses")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_course_list)

    profile = subparsers.add_parser("profile", parents=[common], help="learner profiles")
    profile_sub = profile.add_subparsers(dest="profile_command", required=True, metavar="ACTION")
    # Learner profiles only, as the picker's "Add learner": staff and parents need a password
    # and someone allowed to create them (`slate account add ... --as NAME`).
    add = profile_sub.add_parser("add", parents=[common], help="add a learner profile")
    add.add_argument("name")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_profile_add)
    plist = profile_sub.add_parser("list", parents=[common], help="list profiles")
    plist.add_argument("--json", action="store_true")
    plist.set_defaults(func=cmd_profile_list)

    db = subparsers.add_parser("db", parents=[common], help="check the store")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    check = db_sub.add_parser("check", parents=[common], help="PRAGMA integrity_check")
    check.set_defaults(func=cmd_db_check)

    search = subparsers.add_parser(
        "search", parents=[common], help="search lessons, video transcripts and quiz questions"
    )
    search.add_argument("query", nargs="?", help="words to find; the last one may be a prefix")
    search.add_argument("--course", metavar="ID", help="only this course")
    search.add_argument(
        "--limit", type=_hit_limit, default=20, help="at most this many hits (1 to 1000; 20)"
    )
    search.add_argument("--json", action="store_true", help="print the hits as JSON")
    search.add_argument("--rebuild", action="store_true", help="rebuild the whole search index")
    search.set_defaults(func=cmd_search)


def _hit_limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and 1000")
    return value


def progress_bar(desc: str) -> tuple[Any, Callable[[int, int, str], None]]:
    """A byte progress bar on stderr (hidden when stderr is not a terminal) and the callback
    that app/ tasks report to."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="B", unit_scale=True, desc=desc, file=sys.stderr, disable=None)

    def progress(done: int, total: int, what: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(what[-40:], refresh=False)
        bar.refresh()

    return bar, progress


def cmd_course_import(args: argparse.Namespace) -> int:
    from app.courses.importer import CourseImportError, import_course

    store = open_store(args)
    bar, progress = progress_bar("Importing")

    try:
        result = import_course(store, args.path, progress=progress)
    except CourseImportError as exc:
        bar.close()
        return fail(f"course not imported: {exc}")
    finally:
        store.close()
    bar.close()
    data = {
        "course_id": result.course_id,
        "version": result.version,
        "title": result.title,
        "status": result.status,
        "items": result.items,
        "questions": result.questions,
        "media_files": result.media_files,
        "media_bytes": result.media_bytes,
    }
    if args.json:
        print(json.dumps(data))
    else:
        verb = {
            "imported": "Imported",
            "updated": "Updated",
            "unchanged": "Already stored (same version; to update a course, raise its "
            "'version' in course.json):",
        }
        print(
            f"{verb[result.status]} {result.title} ({result.course_id} {result.version}): "
            f"{result.items} items, {result.questions} questions"
        )
    return 0


def cmd_course_export(args: argparse.Namespace) -> int:
    from app.courses.exporter import CourseExportError, export_course

    # Export only reads: it may run while the app has the store open.
    store = open_store(args, lock=False)
    bar, progress = progress_bar("Exporting")

    try:
        result = export_course(store, args.course_id, args.path, progress=progress)
    except CourseExportError as exc:
        return fail(f"course not exported: {exc}")
    finally:
        bar.close()
        store.close()
    if args.json:
        print(
            json.dumps(
                {
                    "course_id": result.course_id,
                    "version": result.version,
                    "path": str(result.path),
                    "files": result.files,
                    "bytes": result.bytes,
                }
            )
        )
    else:
        print(
            f"Exported {result.course_id} {result.version} to {result.path}: {result.files} files"
        )
    return 0


def cmd_course_list(args: argparse.Namespace) -> int:
    from app.courses.catalog import list_courses

    store = open_store(args, lock=False)
    try:
        with store.read() as session:
            courses = list_courses(session)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "version": c.version,
                        "title": c.title,
                        "language": c.language,
                        "items": c.items_total,
                    }
                    for c in courses
                ]
            )
        )
    else:
        for c in courses:
            print(f"{c.id}\t{c.version}\t{c.title}")
    return 0


def cmd_profile_add(args: argparse.Namespace) -> int:
    from app.db.models import Role
    from app.profiles import ProfileError, create_profile

    store = open_store(args)
    try:
        with store.write() as session:
            profile = create_profile(session, args.name, Role.STUDENT)
    except ProfileError as exc:
        return fail(str(exc))
    finally:
        store.close()
    if args.json:
        print(json.dumps({"id": profile.id, "name": profile.display_name, "role": profile.role}))
    else:
        print(f"Added {profile.display_name} ({profile.role}).")
    return 0


def cmd_profile_list(args: argparse.Namespace) -> int:
    from app.profiles import list_profiles

    store = open_store(args, lock=False)
    try:
        with store.read() as session:
            profiles = list_profiles(session)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                [{"id": p.id, "name": p.display_name, "role": str(p.role)} for p in profiles]
            )
        )
    else:
        for p in profiles:
            print(f"{p.display_name}\t{p.role}")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    import sqlite3

    from app.db.store import DB_FILENAME

    path = resolve_data_dir(getattr(args, "data_dir", None), create=False) / DB_FILENAME
    if not path.exists():
        return fail(f"{path}: no store here")
    if path.stat().st_size == 0:
        return fail(f"{path} is empty (0 bytes): it holds no store; see 'slate db backups'")
    restore = "restore the newest backup with 'slate db restore'"
    try:
        with sqlite3.connect(path) as conn:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:  # not a database at all, or damaged past checking
        return fail(f"{path} is damaged ({exc}): {restore}")
    print("\n".join(rows))
    if rows != ["ok"]:
        return fail(f"{path} is damaged: {restore}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    import dataclasses
    import html
    import re

    from app.db.models import Course
    from app.search import ensure_index, rebuild_index, search

    if not args.rebuild and args.query is None:
        return fail("give words to search for, or --rebuild")
    # A search only reads (the index is built once if missing), so it may run beside the app.
    store = open_store(args, lock=args.rebuild)
    passages: int | None = None
    try:
        with store.write() as session:
            if args.rebuild:
                passages = rebuild_index(session, store.media_dir)
            else:
                ensure_index(session, store.media_dir)
            if args.course and session.get(Course, args.course) is None:
                return fail(f"no course {args.course!r} in this store (see 'slate course list')")
            hits = search(session, args.query or "", course_id=args.course, limit=args.limit)
    finally:
        store.close()
    if args.json:
        out: dict[str, Any] = {"query": args.query, "hits": [dataclasses.asdict(h) for h in hits]}
        if passages is not None:
            out["passages"] = passages
        print(json.dumps(out))
        return 0
    if passages is not None:
        print(f"Rebuilt the search index: {passages} passages.")
    bold = ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("", "")
    for hit in hits:
        at = f" at {int(hit.time_s) // 60}:{int(hit.time_s) % 60:02d}" if hit.time_s else ""
        anchor = f"#{hit.anchor}" if hit.anchor else ""
        snippet = re.sub(r"</?b>", lambda m: bold[m.group() == "</b>"], hit.snippet)
        print(f"{hit.kind}\t{hit.course_id}/{hit.item_id}{anchor}{at}\t{hit.title}")
        print("    " + " ".join(html.unescape(snippet).split()))
    if args.query is not None and not hits:
        print("No matches.", file=sys.stderr)
    return 0
