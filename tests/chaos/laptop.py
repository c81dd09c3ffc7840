"""A laptop for the chaos proof, run as a child process that the test SIGKILLs at random.

    python -m tests.chaos.laptop --data-dir D --server URL --code CODE --target N --seed S

It records learner actions (bursts of events, each burst one committed transaction, as the app
does) and pushes with the real `OutboxPusher`, alternating until the store holds `--target`
events; then it pushes until nothing is pending and exits 0. Restarted after a kill it simply
goes on from what its store holds: everything it needs is in the store.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from uuid6 import uuid7

from app import outbox
from app.db.models import Event, Progress, SyncState, User
from app.db.store import Store
from app.events import Verb, activity_id
from app.identity import ensure_source
from app.profiles import create_profile
from app.progress import apply_event
from sync.client import OutboxPusher, SyncError

COURSE = "chaos-course"
COURSE_VERSION = "1"
ITEMS = [f"item-{i}" for i in range(12)]
LEARNERS = 3
BATCH = 100
TIMEOUT_S = 2.0


def learners(store: Store) -> list[str]:
    with store.write() as session:
        ids = list(session.scalars(select(User.id).order_by(User.created_at, User.id)))
        for n in range(len(ids), LEARNERS):
            ids.append(create_profile(session, f"Learner {n + 1}").id)
    return ids


LEARNER_VERBS = [
    Verb.EXPERIENCED,
    Verb.PROGRESSED,
    Verb.COMPLETED,
    Verb.ATTEMPTED,
    Verb.ANSWERED,
    Verb.PASSED,
    Verb.FAILED,
]


def record_burst(store: Store, rng: random.Random, users: list[str], size: int) -> None:
    """`size` events of every kind the progress rules fold, in one transaction.

    The rows are what `app.events.record_event` writes (same source, next gapless seqs, UUIDv7
    ids, the last clock offset) and are folded into progress by the same `apply_event`, but
    inserted in one flush: record_event's per-event queries would make the laptops, not the
    sync under test, the slow part of the proof.
    """
    with store.write() as session:
        source_id = ensure_source(session)
        seq = outbox.max_seq(session)
        state = session.get(SyncState, source_id)
        events = []
        for n in range(1, size + 1):
            verb = rng.choice(LEARNER_VERBS)
            result: dict[str, object] | None = None
            if verb is Verb.PROGRESSED:
                start = rng.uniform(0, 100)
                result = {
                    "watched": [[round(start, 1), round(start + rng.uniform(1, 30), 1)]],
                    "position_s": round(start, 1),
                    "duration_s": 120.0,
                }
            elif verb in (Verb.PASSED, Verb.FAILED):
                result = {"score_scaled": round(rng.random(), 3), "success": verb is Verb.PASSED}
            elif verb is Verb.ANSWERED:
                result = {"response": rng.choice("abcd")}
            events.append(
                Event(
                    id=str(uuid7()),
                    source_id=source_id,
                    seq=seq + n,
                    user_id=rng.choice(users),
                    verb=verb.value,
                    object_id=activity_id(COURSE, rng.choice(ITEMS)),
                    course_id=COURSE,
                    course_version=COURSE_VERSION,
                    result=result,
                    context={"burst": n},
                    occurred_at=datetime.now(UTC),
                    clock_offset_ms=state.clock_offset_ms if state else None,
                )
            )
        session.add_all(events)
        session.flush()
        # Held in a list: the identity map keeps only weak references, and apply_event's
        # session.get() finds a row there without a query (and the autoflush before it).
        loaded = list(session.scalars(select(Progress).where(Progress.user_id.in_(users))))
        for event in events:
            apply_event(session, event)
        del loaded


def local_total(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(Event)) or 0)


def push_once(pusher: OutboxPusher, code: str) -> int | None:
    """One sync round; the number still pending, or None when the round failed (chaos)."""
    try:
        if not pusher.is_enrolled():
            pusher.enroll(code, "chaos laptop")
        return pusher.push().pending
    except SyncError as exc:
        if not exc.retryable and exc.code != "unauthorized":
            raise
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--code", required=True)
    parser.add_argument("--target", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args(argv)

    store = Store.open(args.data_dir)
    rng = random.Random(f"{args.seed}-{time.monotonic_ns()}")  # a new stream after each restart
    users = learners(store)
    with OutboxPusher(store, args.server, batch_size=BATCH, timeout_s=TIMEOUT_S) as pusher:
        while (total := local_total(store)) < args.target:
            for _ in range(rng.randint(1, 4)):
                size = min(rng.randint(1, 60), args.target - total)
                record_burst(store, rng, users, size)
                total += size
                if total >= args.target:
                    break
            push_once(pusher, args.code)
        while push_once(pusher, args.code) != 0:
            time.sleep(0.05)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
