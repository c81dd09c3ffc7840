"""The scripted learner for test_crash.py: saves answers in a loop until it is killed.

Run as `python -m tests.attempts.crash_child DATA_DIR USER_ID COURSE_ID ITEM_ID`. It imports
Slate once, prints READY, then for every `RUN SEED` line on stdin forks a worker: a fresh
process that opens the store, resumes the attempt and keeps answering until the test kills it
with SIGKILL. Forking from this already-imported process keeps a restart at a few milliseconds
instead of half a second of imports, so 200 kills fit in the test's time budget.

Worker lines (each one os.write, so it is on the pipe the moment it is printed):
    PID <pid>                                  the worker started
    RESUME <attempt_id> <index> <order json>   what start_or_resume returned
    TRY <question_id> <value json>             about to save (may commit without an ACK)
    ACK <question_id> <value json>             save committed (printed only after commit)
    TRYPOS <index> / ACKPOS <index>            the same for the current question
The zygote prints `DEAD <pid>` once it has reaped a killed worker.
"""

from __future__ import annotations

import json
import os
import random
import sys
import traceback
from pathlib import Path

from app.attempts import save_answer, set_position, start_or_resume
from app.db.store import Store


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def worker(data_dir: Path, user_id: str, course_id: str, item_id: str, seed: int) -> None:
    say(f"PID {os.getpid()}")
    rng = random.Random(seed)
    store = Store.open(data_dir)
    with store.write() as session:
        view = start_or_resume(session, user_id, course_id, item_id)
    order = [q.question_id for q in view.questions]
    say(f"RESUME {view.attempt_id} {view.current_index} {json.dumps(order)}")
    elapsed = view.elapsed_s
    count = 0
    while True:
        count += 1
        if rng.random() < 0.2:
            index = rng.randrange(len(order))
            say(f"TRYPOS {index}")
            with store.write() as session:
                set_position(session, view.attempt_id, index)
            say(f"ACKPOS {index}")
            continue
        question = rng.choice(view.questions)
        if question.options:
            value: object = rng.choice(question.options)["id"]
        else:
            # Text answers of varying length, with non-ASCII, as a learner types them.
            value = f"seed {seed} answer {count} " + "é" * rng.randrange(0, 40)
        elapsed += 0.01
        encoded = json.dumps(value)
        say(f"TRY {question.question_id} {encoded}")
        with store.write() as session:
            save_answer(session, view.attempt_id, question.question_id, value, elapsed_s=elapsed)
        say(f"ACK {question.question_id} {encoded}")


def main() -> None:
    data_dir, user_id, course_id, item_id = Path(sys.argv[1]), *sys.argv[2:5]
    say("READY")
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command != "RUN":
            break
        pid = os.fork()
        if pid == 0:
            try:
                worker(data_dir, user_id, course_id, item_id, int(arg))
            except BaseException:
                traceback.print_exc()
                say("ERROR")
            finally:
                os._exit(1)
        os.waitpid(pid, 0)
        say(f"DEAD {pid}")


if __name__ == "__main__":
    main()
