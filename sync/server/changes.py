"""The downstream change log: appending records, and reading them in pages behind a cursor.

Ordering and the cursor (the choice is explained in docs/sync-protocol.md, "Downstream"):

* Every record carries `txid`, the id of the transaction that wrote it, and `id`, from a
  sequence. Records are read in `(txid, id)` order.
* On PostgreSQL, sequence values are handed out at insert but become visible at commit, so a
  reader going by `id` alone could pass a gap that a slow transaction fills later, and skip it
  for ever. A reader therefore only takes records whose `txid` is below the oldest transaction
  still running (`pg_snapshot_xmin`): every transaction below that has ended, so nothing can
  later appear before the cursor. A long transaction delays the feed; it never loses a record.
* On SQLite there is one writer at a time (BEGIN IMMEDIATE), so `id` order is commit order;
  `txid` is 0 and the horizon is unbounded.

A cursor is `c1.<epoch>.<txid>.<id>`: the epoch names this database's log, so a cursor from
another server, or from before a rebuild, is answered with `must_refetch` instead of being
trusted. So is a cursor below the floor (records a client behind it needed were pruned) or
beyond the end of the log (the server was restored from an older backup).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, select, text, tuple_
from sqlalchemy.orm import Session, aliased

from sync.changes import CURSOR_PREFIX, MAX_PAGE_LIMIT, ChangeOut, ChangesPage
from sync.server.errors import InvalidPayload
from sync.server.models import ChangeLogState, ChangeRecord, Device

_STATE_ID = 1
OPS = ("put", "delete")

# Engines whose transaction ids were checked against the log since this process started.
_txid_checked: set[int] = set()


@dataclass(frozen=True, order=True)
class Position:
    txid: int
    id: int


@dataclass(frozen=True)
class Cursor:
    epoch: str
    compactions: int  # how many times the floor had been raised when it was handed out
    position: Position

    def encode(self) -> str:
        p = self.position
        return f"{CURSOR_PREFIX}.{self.epoch}.{self.compactions}.{p.txid}.{p.id}"


def decode_cursor(text_value: str | None) -> Cursor | None:
    """The cursor a client sent; None for an empty one (start of the log). InvalidPayload if it
    is not a cursor this server ever made."""
    if not text_value:
        return None
    parts = text_value.split(".")
    if len(parts) != 5 or parts[0] != CURSOR_PREFIX:
        raise InvalidPayload(f"cursor: {text_value[:80]!r} is not a change-log cursor")
    try:
        epoch = str(uuid.UUID(parts[1]))
        compactions, txid, row_id = int(parts[2]), int(parts[3]), int(parts[4])
    except ValueError:
        raise InvalidPayload(f"cursor: {text_value[:80]!r} is not a change-log cursor") from None
    if min(compactions, txid, row_id) < 0:
        raise InvalidPayload(f"cursor: {text_value[:80]!r} is not a change-log cursor")
    return Cursor(epoch, compactions, Position(txid, row_id))


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _current_txid(session: Session) -> int:
    if not _is_postgres(session):
        return 0
    return int(session.scalar(text("SELECT pg_current_xact_id()::text::bigint")) or 0)


def _horizon(session: Session) -> int | None:
    """Records with txid below this are final; None: no bound (SQLite)."""
    if not _is_postgres(session):
        return None
    return int(
        session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) or 0
    )


def log_state(session: Session) -> ChangeLogState:
    state = session.get(ChangeLogState, _STATE_ID)
    if state is None:  # the migration makes it; a hand-emptied table gets a fresh epoch
        state = ChangeLogState(
            id=_STATE_ID, epoch=str(uuid.uuid4()), floor_txid=0, floor_id=0, compactions=0
        )
        session.add(state)
        session.flush()
    return state


def append_change(
    session: Session,
    *,
    school_id: str,
    kind: str,
    key: str,
    payload: dict[str, Any] | None = None,
    op: str = "put",
    class_id: str | None = None,
    user_id: str | None = None,
) -> ChangeRecord:
    """Add one record in the caller's transaction; it becomes visible when the caller commits."""
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}, not {op!r}")
    if op == "delete" and payload is not None:
        raise ValueError("a delete record carries no payload")
    record = ChangeRecord(
        txid=_current_txid(session),
        school_id=school_id,
        class_id=class_id,
        user_id=user_id,
        kind=kind,
        key=key,
        op=op,
        payload=payload,
    )
    session.add(record)
    session.flush()
    return record


def new_epoch(session: Session) -> str:
    """Start a new epoch: every client's cursor gets `must_refetch`. The caller commits.

    For IT after restoring the server database from a backup (`slate server changes
    new-epoch`), and done by itself when the log holds transaction ids from another cluster.
    """
    state = log_state(session)
    state.epoch = str(uuid.uuid4())
    return state.epoch


def _check_txids(session: Session) -> None:
    """After a PostgreSQL database is restored into another cluster, new transaction ids can be
    lower than those stored in the log, and new records would sort before cursors already
    handed out. Seen once per process: such a log starts a new epoch."""
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    if id(engine) in _txid_checked or not _is_postgres(session):
        return
    highest = session.scalar(select(func.max(ChangeRecord.txid)))
    if highest is not None and highest >= _current_txid(session):
        new_epoch(session)
        session.commit()
    else:
        session.rollback()
    _txid_checked.add(id(engine))


def read_changes(
    session: Session, device: Device, cursor_text: str | None, limit: int
) -> ChangesPage:
    """The next page of the device's school's records after `cursor_text`."""
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise InvalidPayload(f"limit: must be between 1 and {MAX_PAGE_LIMIT}, not {limit}")
    cursor = decode_cursor(cursor_text)
    _check_txids(session)
    state = log_state(session)
    if cursor is not None and _cannot_continue(session, state, cursor):
        return ChangesPage(
            records=[], next_cursor="", has_more=False, remaining=0, must_refetch=True
        )
    after = cursor.position if cursor else Position(-1, 0)
    horizon = _horizon(session)
    conditions = [
        ChangeRecord.school_id == device.school_id,
        tuple_(ChangeRecord.txid, ChangeRecord.id) > tuple_(after.txid, after.id),
    ]
    if horizon is not None:
        conditions.append(ChangeRecord.txid < horizon)
    rows = list(
        session.scalars(
            select(ChangeRecord)
            .where(*conditions)
            .order_by(ChangeRecord.txid, ChangeRecord.id)
            .limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = Position(rows[-1].txid, rows[-1].id) if rows else after
    remaining = 0
    if has_more:
        beyond = [
            *conditions[:1],
            tuple_(ChangeRecord.txid, ChangeRecord.id) > (last.txid, last.id),
        ]
        if horizon is not None:
            beyond.append(ChangeRecord.txid < horizon)
        remaining = int(session.scalar(select(func.count()).where(*beyond)) or 0)
    # An empty log at the start still hands out a cursor, so the client knows the epoch.
    position = last if rows or cursor else Position(0, 0)
    next_cursor = Cursor(state.epoch, state.compactions, position).encode()
    return ChangesPage(
        records=[
            ChangeOut(
                position=row.id,
                kind=row.kind,
                key=row.key,
                op=row.op,  # type: ignore[arg-type]
                class_id=row.class_id,
                user_id=row.user_id,
                payload=row.payload,
            )
            for row in rows
        ],
        next_cursor=next_cursor,
        has_more=has_more,
        remaining=remaining,
    )


def _cannot_continue(session: Session, state: ChangeLogState, cursor: Cursor) -> bool:
    if cursor.epoch != state.epoch:
        return True
    # Below the floor, and handed out before it was raised: records this cursor's holder still
    # needed (tombstones) may be gone. One handed out since is a reload passing through: fine.
    floor = Position(state.floor_txid, state.floor_id)
    if cursor.compactions < state.compactions and cursor.position < floor:
        return True
    # Beyond the end of the log: the database was restored from an older backup.
    highest = session.scalar(select(func.max(ChangeRecord.id))) or 0
    return cursor.position.id > highest


def compact_change_log(session: Session, *, drop_tombstones_through: int | None = None) -> int:
    """Delete records a newer record for the same (school, kind, key) replaces; with
    `drop_tombstones_through`, also delete records that remove something, up to that id, and
    raise the floor past them (clients behind it will refetch). Returns the rows deleted.
    The caller commits.

    Dropping replaced records loses nothing: a client behind them still reads the newer one.
    """
    newer = aliased(ChangeRecord)
    superseded = select(ChangeRecord.id).where(
        select(newer.id)
        .where(
            newer.school_id == ChangeRecord.school_id,
            newer.kind == ChangeRecord.kind,
            newer.key == ChangeRecord.key,
            tuple_(newer.txid, newer.id) > tuple_(ChangeRecord.txid, ChangeRecord.id),
        )
        .exists()
    )
    ids = set(session.scalars(superseded))
    if drop_tombstones_through is not None:
        tombstones = list(
            session.execute(
                select(ChangeRecord.txid, ChangeRecord.id).where(
                    ChangeRecord.op == "delete", ChangeRecord.id <= drop_tombstones_through
                )
            )
        )
        if tombstones:
            state = log_state(session)
            highest = max(Position(t, i) for t, i in tombstones)
            floor = max(highest, Position(state.floor_txid, state.floor_id))
            state.floor_txid, state.floor_id = floor.txid, floor.id
            state.compactions += 1
            ids.update(i for _t, i in tombstones)
    # The newest id stays: it is how a cursor from a restored (older) database is recognised.
    ids.discard(session.scalar(select(func.max(ChangeRecord.id))) or 0)
    if ids:
        session.execute(delete(ChangeRecord).where(ChangeRecord.id.in_(sorted(ids))))
    return len(ids)
