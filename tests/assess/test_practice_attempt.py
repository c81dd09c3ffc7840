"""The demo's practice quiz taken end to end on a real store: auto types graded, manual ones kept
for a teacher, uploads and drawings stored in the content store."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.attempts import save_answer, start_or_resume, submit
from app.db.store import Store
from app.uploads import store_bytes, store_upload, stored_path
from tests.assess.test_question_spec import PRACTICE_ANSWERS

COURSE = "demo.speed-distance-time"


def test_practice_quiz_attempt(demo_store: Store, learner: str, tmp_path: Path) -> None:
    scan = tmp_path / "graph.pdf"
    scan.write_bytes(b"%PDF-1.4 my graph")
    upload = store_upload(demo_store.media_dir, scan, max_bytes=5242880, accept=[".pdf"])
    drawing = store_bytes(demo_store.media_dir, b"\x89PNG\r\n\x1a\nsketch", "drawing.png")
    manual = {
        "p10-essay": "It spends 0.5 h fast and 1.5 h slow: 60 km in 2 h is 30 km/h.",
        "p11-upload": upload,
        "p12-drawing": drawing,
        "p13-code": {"language": "python", "code": "def speed(d, t):\n    return d / t\n"},
    }
    with demo_store.write() as s:
        view = start_or_resume(s, learner, COURSE, "quiz-practice")
    assert {q.question_id for q in view.questions} == set(PRACTICE_ANSWERS) | set(manual)
    with demo_store.write() as s:
        for question_id, response in {**PRACTICE_ANSWERS, **manual}.items():
            save_answer(s, view.attempt_id, question_id, response)
    with demo_store.write() as s:
        result = submit(s, view.attempt_id)
    by_id = {r.question_id: r for r in result.questions}
    for question_id in PRACTICE_ANSWERS:
        assert by_id[question_id].earned == pytest.approx(by_id[question_id].points), question_id
    assert result.awaiting_grading == len(manual)
    assert all(by_id[q].awaiting_grading and by_id[q].earned == 0 for q in manual)
    assert by_id["p11-upload"].response == upload
    assert stored_path(demo_store.media_dir, upload).read_bytes() == scan.read_bytes()
    # The numeric questions with several accepted answers describe their best one.
    assert by_id["p03-cyclist-credit"].correct_answer.startswith("24")
