"""Answers survive SIGKILL: a scripted attempt in a child process is killed at 200 random
moments; after each kill the store is intact, every acknowledged answer is there with its
latest acknowledged value, and the attempt resumes at the same question in the same order."""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from app.courses.importer import import_course
from app.db.store import Store
from app.profiles import create_profile
from tests.attempts.quiz_course import COURSE_ID, QUIZ_ID, write_quiz_course

REPO = Path(__file__).resolve().parents[2]
KILLS = 200
LINE_TIMEOUT_S = 30.0


class Child:
    """The zygote process of crash_child.py and a thread that queues its output lines."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.attempts.crash_child", *args],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("EOF")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def next_line(self) -> str:
        line = self.lines.get(timeout=LINE_TIMEOUT_S)
        assert line not in ("EOF", "ERROR"), "the crash child failed (see its stderr)"
        return line

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=10)


def stored_answers(db: Path, attempt_id: str) -> tuple[str, dict[str, object], int]:
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute(
            "SELECT question_id, response FROM answers WHERE attempt_id = ?", (attempt_id,)
        ).fetchall()
        (index,) = conn.execute(
            "SELECT current_index FROM attempts WHERE id = ?", (attempt_id,)
        ).fetchone()
    conn.close()
    return integrity, {qid: json.loads(resp) for qid, resp in rows}, index


def test_acknowledged_answers_survive_sigkill(tmp_path: Path) -> None:
    course = write_quiz_course(
        tmp_path / "course", settings={"shuffle_questions": True, "shuffle_options": True}
    )
    data_dir = tmp_path / "store"
    store = Store.open(data_dir)
    import_course(store, course)
    with store.write() as session:
        user_id = create_profile(session, "Amina").id
    store.close()

    rng = random.Random(20261203)
    child = Child([str(data_dir), user_id, COURSE_ID, QUIZ_ID])
    assert child.next_line() == "READY"
    committed: dict[str, object] = {}  # question id -> the value known to be in the store
    attempt_id = order = None
    position = 0
    acks = 0
    kills_mid_save = 0
    try:
        for run in range(KILLS):
            child.send(f"RUN {run}")
            pid = int(child.next_line().split()[1])
            _, resumed_id, index, resumed_order = child.next_line().split(" ", 3)
            if attempt_id is None:
                attempt_id, order = resumed_id, json.loads(resumed_order)
            assert resumed_id == attempt_id, "a killed attempt must resume, not restart"
            assert json.loads(resumed_order) == order, "the question order changed on resume"
            assert int(index) == position, "the attempt must resume at the same question"

            time.sleep(rng.uniform(0.0, 0.04))
            os.kill(pid, signal.SIGKILL)

            in_flight: tuple[str, object] | None = None
            pos_in_flight: int | None = None
            while (line := child.next_line()) != f"DEAD {pid}":
                kind, _, rest = line.partition(" ")
                if kind == "TRY":
                    qid, encoded = rest.split(" ", 1)
                    in_flight = (qid, json.loads(encoded))
                elif kind == "ACK":
                    qid, encoded = rest.split(" ", 1)
                    committed[qid] = json.loads(encoded)
                    in_flight = None
                    acks += 1
                elif kind == "TRYPOS":
                    pos_in_flight = int(rest)
                elif kind == "ACKPOS":
                    position, pos_in_flight = int(rest), None

            integrity, answers, stored_index = stored_answers(data_dir / "slate.db", attempt_id)
            assert integrity == "ok"
            if pos_in_flight is not None and stored_index == pos_in_flight:
                position = pos_in_flight  # committed, killed before it could say so
            assert stored_index == position
            if in_flight is not None:
                kills_mid_save += 1
                qid, value = in_flight
                if answers.get(qid) == value:
                    committed[qid] = value
            for qid, value in committed.items():
                assert answers.get(qid) == value, f"acknowledged answer to {qid} lost or stale"
            assert set(answers) <= set(order)
    finally:
        child.close()
    # The test proves something only if kills really landed while answers were being saved.
    assert acks > KILLS
    assert kills_mid_save > KILLS // 10
    print(f"{KILLS} kills, {acks} acknowledged saves, {kills_mid_save} kills mid-save")
