"""Gradebook and dashboards: a class of 40 over a course of 300 items with 1,000,000 events.

Time to build the gradebook (app.analytics.gradebook), the dashboard data (class overview,
insights, item analysis of every quiz) and to show the gradebook in its Qt table (model, proxy,
a QTableView painted offscreen), against the bare SQL aggregate queries measured in the same
run on the same store: attempts grouped by learner and quiz, and events grouped by learner and
verb (what any gradebook and dashboard must at least read).

The course (240 lessons, 60 quizzes of 10 questions) is imported with the real importer, and
the students, teacher and class are made with the real account services. The learning record
is bulk-inserted with sqlite3 (record_event would take hours for a million rows): attempts and
answers with their scores, the events each one makes, and filler lesson events spread over 90
days up to the total.

    python bench/gradebook.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

COURSE_ID = "bench.gradebook"
VERSION = "1.0.0"
SEED = 20260603
QUESTIONS_PER_QUIZ = 10
OPTIONS = ("a", "b", "c", "d")
VERB = "http://adlnet.gov/expapi/verbs/"
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def write_course(folder: Path, items: int) -> list[tuple[str, str]]:
    """A package of `items` items, one in five a quiz; returns (item id, kind) in order."""
    (folder / "lessons").mkdir(parents=True)
    (folder / "quizzes").mkdir()
    modules, order = [], []
    per_module = 30
    for m in range(0, items, per_module):
        entries = []
        for n in range(m, min(m + per_module, items)):
            if n % 5 == 4:
                item_id = f"quiz{n:03d}"
                questions = [
                    {
                        "id": f"q{k}",
                        "type": "single_choice",
                        "prompt": f"Question {k} of quiz {n}?",
                        "options": [{"id": o, "text": f"Option {o}"} for o in OPTIONS],
                        "answer": "b",
                    }
                    for k in range(QUESTIONS_PER_QUIZ)
                ]
                quiz = {"type": "quiz", "settings": {"passing_score": 0.6}, "questions": questions}
                (folder / "quizzes" / f"{item_id}.json").write_text(json.dumps(quiz), "utf-8")
                entries.append(
                    {
                        "id": item_id,
                        "title": f"Quiz {n}",
                        "kind": "quiz",
                        "file": f"quizzes/{item_id}.json",
                    }
                )
                order.append((item_id, "quiz"))
            else:
                item_id = f"lesson{n:03d}"
                (folder / "lessons" / f"{item_id}.md").write_text(f"# Lesson {n}\n\nText.\n")
                entries.append(
                    {
                        "id": item_id,
                        "title": f"Lesson {n}",
                        "kind": "lesson",
                        "file": f"lessons/{item_id}.md",
                    }
                )
                order.append((item_id, "lesson"))
        modules.append(
            {"id": f"m{m // per_module}", "title": f"Module {m // per_module}", "items": entries}
        )
    course = {
        "format": "slate-course/1",
        "id": COURSE_ID,
        "version": VERSION,
        "title": "Bench course",
        "modules": modules,
    }
    (folder / "course.json").write_text(json.dumps(course), "utf-8")
    return order


class Record:
    """Rows for the bulk insert, with gapless sequence numbers for one source."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.attempts: list[tuple[Any, ...]] = []
        self.answers: list[tuple[Any, ...]] = []

    def event(self, user: str, verb: str, obj: str, when: datetime, result: Any = None) -> None:
        self.events.append(
            (
                str(uuid.uuid4()),
                "bench-source",
                len(self.events) + 1,
                user,
                VERB + verb,
                obj,
                COURSE_ID,
                VERSION,
                None if result is None else json.dumps(result),
                "{}",
                when.strftime(STAMP),
            )
        )


def generate(students: list[str], order: list[tuple[str, str]], total: int) -> Record:
    rng = random.Random(SEED)
    record = Record()
    start = datetime.now(UTC) - timedelta(days=90)
    activity = f"urn:slate:activity:{COURSE_ID}:"
    for s, user in enumerate(students):
        ability = 0.35 + 0.6 * s / max(1, len(students) - 1)
        reach = rng.randint(len(order) // 3, len(order))  # how far this student got
        for n, (item_id, kind) in enumerate(order[:reach]):
            when = start + timedelta(days=80 * n / len(order), minutes=rng.randint(0, 600))
            obj = activity + item_id
            if kind == "lesson":
                record.event(user, "experienced", obj, when)
                record.event(user, "completed", obj, when, {"completion": True})
                continue
            for attempt_no in range(rng.choice((1, 1, 2))):
                attempt_id = str(uuid.uuid4())
                shares = [float(rng.random() < ability) for _ in range(QUESTIONS_PER_QUIZ)]
                score = sum(shares) / QUESTIONS_PER_QUIZ
                at = when + timedelta(hours=attempt_no)
                record.event(user, "attempted", obj, at)
                for k, share in enumerate(shares):
                    response = "b" if share else rng.choice(("a", "c", "d"))
                    record.answers.append(
                        (
                            attempt_id,
                            f"q{k}",
                            json.dumps(response),
                            at.strftime(STAMP),
                            share,
                            rng.uniform(5, 60),
                        )
                    )
                    record.event(user, "answered", f"{obj}:q{k}", at, {"response": response})
                record.event(
                    user,
                    "passed" if score >= 0.6 else "failed",
                    obj,
                    at,
                    {"score_scaled": score, "completion": True},
                )
                record.attempts.append(
                    (
                        attempt_id,
                        user,
                        COURSE_ID,
                        item_id,
                        VERSION,
                        "SUBMITTED",
                        at.strftime(STAMP),
                        at.strftime(STAMP),
                        json.dumps([f"q{k}" for k in range(QUESTIONS_PER_QUIZ)]),
                        score,
                        score * QUESTIONS_PER_QUIZ,
                        float(QUESTIONS_PER_QUIZ),
                        score >= 0.6,
                        rng.uniform(120, 900),
                    )
                )
    lessons = [item_id for item_id, kind in order if kind == "lesson"]
    while len(record.events) < total:
        user = rng.choice(students)
        when = start + timedelta(seconds=rng.randint(0, 90 * 86400))
        record.event(user, "experienced", activity + rng.choice(lessons), when)
    return record


def bulk_insert(db: Path, record: Record) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")  # a generator's shortcut, never the app's
    with conn:
        conn.executemany(
            "INSERT INTO events (id, source_id, seq, user_id, verb, object_id, course_id,"
            " course_version, result, context, occurred_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            record.events,
        )
        conn.executemany(
            "INSERT INTO attempts (id, user_id, course_id, item_id, course_version, status,"
            " started_at, submitted_at, question_order, score, points, max_points, passed,"
            " elapsed_s, current_index, ungraded_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,0)",
            record.attempts,
        )
        conn.executemany(
            "INSERT INTO answers (attempt_id, question_id, response, updated_at, score,"
            " time_spent_s, hints_used) VALUES (?,?,?,?,?,?,0)",
            record.answers,
        )
    conn.execute("ANALYZE")
    conn.close()


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bare_aggregates(db: Path) -> tuple[int, int]:
    """The baseline: the two grouped queries a gradebook and a dashboard must at least run."""
    conn = sqlite3.connect(db)
    try:
        cells = conn.execute(
            "SELECT user_id, item_id, count(*), max(score), avg(score) FROM attempts"
            " WHERE course_id = ? GROUP BY user_id, item_id",
            (COURSE_ID,),
        ).fetchall()
        activity = conn.execute(
            "SELECT user_id, verb, count(*), max(occurred_at) FROM events"
            " WHERE course_id = ? GROUP BY user_id, verb",
            (COURSE_ID,),
        ).fetchall()
        return len(cells), len(activity)
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="8 students, 50 items, 20,000 events")
    parser.add_argument("--repeat", type=int, default=5, help="timings per figure (median)")
    args = parser.parse_args()
    n_students, n_items, n_events = (8, 50, 20_000) if args.quick else (40, 300, 1_000_000)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from app.accounts.classes import create_class, enroll
    from app.analytics.activity import course_activity
    from app.analytics.dashboard import class_overview
    from app.analytics.gradebook import build_gradebook
    from app.analytics.insights import class_insights
    from app.analytics.items import analyse_items
    from app.courses.importer import import_course
    from app.db.models import Role
    from app.db.store import Store
    from app.profiles import create_profile
    from ui.gradebook.model import GradebookFilter, GradebookModel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="slate-bench-gradebook-") as tmp:
        root = Path(tmp)
        order = write_course(root / "course", n_items)
        store = Store.open(root / "store")
        import_course(store, root / "course")
        with store.write() as session:
            teacher = create_profile(session, "Teacher", Role.TEACHER).id
            students = [create_profile(session, f"Student {n:02d}").id for n in range(n_students)]
            info = create_class(session, teacher, "Bench class", [COURSE_ID])
            enroll(session, teacher, info.class_id, students)
        started = time.perf_counter()
        record = generate(students, order, n_events)
        bulk_insert(store.db_path, record)
        generate_s = time.perf_counter() - started
        try:
            baseline_s, shape = median_time(lambda: bare_aggregates(store.db_path), args.repeat)

            def gradebook() -> Any:
                with store.read() as session:
                    return build_gradebook(session, COURSE_ID, actor_id=teacher)

            def dashboard(book: Any) -> Any:
                with store.read() as session:
                    activity = course_activity(session, COURSE_ID)
                    overview = class_overview(session, COURSE_ID, book=book, activity=activity)
                    insights = class_insights(session, COURSE_ID, book=book, activity=activity)
                    items = [analyse_items(session, COURSE_ID, a.item_id) for a in book.assessments]
                    return overview, insights, items

            def item_analyses(book: Any) -> Any:
                with store.read() as session:
                    return [analyse_items(session, COURSE_ID, a.item_id) for a in book.assessments]

            gradebook_s, book = median_time(gradebook, args.repeat)
            # Part of the dashboard figure, shown apart: how much is the one pass over events.
            items_s, _ = median_time(lambda: item_analyses(book), args.repeat)
            dashboard_s, (overview, insights, items) = median_time(
                lambda: dashboard(book), args.repeat
            )
            model = GradebookModel()
            proxy = GradebookFilter()
            proxy.setSourceModel(model)
            view = QTableView()
            view.setModel(proxy)
            view.setSortingEnabled(True)
            view.resize(1200, 800)
            view.show()

            def show() -> None:
                model.set_gradebook(book)
                view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
                view.viewport().repaint()
                app.processEvents()

            model_s, _ = median_time(show, args.repeat)
            view.close()
        finally:
            store.close()

    slate_s = gradebook_s + dashboard_s + model_s
    ratio = slate_s / baseline_s
    print(
        f"{n_students} students, {n_items} items ({len(book.assessments)} quizzes), "
        f"{len(record.events):,} events, {len(record.attempts):,} attempts; "
        f"generated in {generate_s:.1f} s"
    )
    print(f"bare SQL aggregates (attempts, events):   {baseline_s * 1000:9.1f} ms {shape}")
    print(f"gradebook (build_gradebook):              {gradebook_s * 1000:9.1f} ms")
    print(
        f"dashboard data (overview, insights, items): {dashboard_s * 1000:7.1f} ms"
        f" ({len(overview.completion)} days, {len(insights)} insights, {len(items)} analyses)"
    )
    print(f"  of which item analysis of every quiz:   {items_s * 1000:9.1f} ms")
    print(f"show in the Qt table (model, sort, paint): {model_s * 1000:8.1f} ms")
    print(f"ratio to the bare aggregates (lower is faster): {ratio:.2f}")
    print(
        json.dumps(
            {
                "bench": "gradebook",
                "students": n_students,
                "items": n_items,
                "events": len(record.events),
                "gradebook_s": round(gradebook_s, 4),
                "dashboard_s": round(dashboard_s, 4),
                "item_analysis_s": round(items_s, 4),
                "model_s": round(model_s, 4),
                "slate_s": round(slate_s, 4),
                "baseline_s": round(baseline_s, 4),
                "ratio": round(ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
