"""A small course with two quizzes, written as a package and imported like any other, and a
helper that takes a quiz through the real attempt service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app import attempts
from app.courses.importer import import_course
from app.db.store import Store
from app.profiles import create_profile

COURSE_ID = "test.analytics"
OPTIONS = ("a", "b", "c", "d")


def choice(qid: str, answer: str = "b") -> dict[str, Any]:
    return {
        "id": qid,
        "type": "single_choice",
        "prompt": f"Question {qid}?",
        "options": [{"id": o, "text": f"Option {o.upper()}"} for o in OPTIONS],
        "answer": answer,
    }


def essay(qid: str) -> dict[str, Any]:
    return {"id": qid, "type": "essay", "prompt": f"Write about {qid}."}


def write_course(
    folder: Path,
    quizzes: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]],
    *,
    lessons: tuple[str, ...] = (),
) -> Path:
    """`quizzes`: item id -> (questions, settings). Lessons come first, then the quizzes."""
    (folder / "quizzes").mkdir(parents=True, exist_ok=True)
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    items: list[dict[str, Any]] = []
    for lesson in lessons:
        (folder / "lessons" / f"{lesson}.md").write_text(f"# {lesson}\n\nText.\n", "utf-8")
        items.append(
            {
                "id": lesson,
                "title": f"Lesson {lesson}",
                "kind": "lesson",
                "file": f"lessons/{lesson}.md",
            }
        )
    for item_id, (questions, settings) in quizzes.items():
        quiz = {"type": "quiz", "settings": settings, "questions": questions}
        (folder / "quizzes" / f"{item_id}.json").write_text(json.dumps(quiz), "utf-8")
        items.append(
            {
                "id": item_id,
                "title": f"Quiz {item_id}",
                "kind": "quiz",
                "file": f"quizzes/{item_id}.json",
            }
        )
    course = {
        "format": "slate-course/1",
        "id": COURSE_ID,
        "version": "1.0.0",
        "title": "Analytics test course",
        "modules": [{"id": "m1", "title": "Module one", "items": items}],
    }
    (folder / "course.json").write_text(json.dumps(course), "utf-8")
    return folder


def import_test_course(store: Store, folder: Path, **kwargs: Any) -> None:
    import_course(store, write_course(folder, **kwargs))


def add_people(store: Store, *names: str, role: str = "student") -> dict[str, str]:
    from app.db.models import Role

    with store.write() as session:
        return {name: create_profile(session, name, Role(role)).id for name in names}


def take_quiz(
    store: Store, user_id: str, item_id: str, responses: dict[str, Any], *, submit: bool = True
) -> str:
    """Start an attempt, save each response, submit; returns the attempt id."""
    with store.write() as session:
        view = attempts.start_or_resume(session, user_id, COURSE_ID, item_id)
    for qid, response in responses.items():
        with store.write() as session:
            attempts.save_answer(session, view.attempt_id, qid, response)
    if submit:
        with store.write() as session:
            attempts.submit(session, view.attempt_id)
    return view.attempt_id


def make_class(store: Store, teacher_id: str, student_ids: list[str], name: str = "7B") -> str:
    """A class the teacher teaches, following the test course, with these students."""
    from app.accounts.classes import create_class, enroll

    with store.write() as session:
        info = create_class(session, teacher_id, name, [COURSE_ID])
        enroll(session, teacher_id, info.class_id, student_ids)
        return info.class_id
