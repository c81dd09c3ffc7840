"""Taking in a batch of learning events from one source.

`ingest_push` is the whole upstream rule set and owns its transaction, so the HTTP endpoint and
a USB bundle importer get the same outcome from the same batch. What a client may rely on:

* The answer comes only after the commit: `acked_through` is durable when the client sees it.
* Events at or below the source's mark must be the ones already acknowledged there (else
  `SeqConflict`, and nothing is written); events above it are taken only as the gapless run
  mark+1, mark+2, ...; whatever follows a gap is left for a later push.
* Any batch may be sent again, any number of times: the mark and the stored events end up the
  same, and a repeat only counts as duplicates.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.protocol import EventIn, PushRequest, PushResponse, SourceState
from sync.server.downstream_ingest import on_events_stored
from sync.server.errors import InvalidPayload, SeqConflict, SourceOwnedByOtherDevice
from sync.server.models import Device, Event, Source

# Both databases store seq and clock offsets as signed 64-bit integers.
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class _Checked:
    """One event of the batch, with its id in canonical UUID form."""

    id: str
    event: EventIn

    @property
    def seq(self) -> int:
        return self.event.seq


def ingest_push(session: Session, device: Device, request: PushRequest) -> PushResponse:
    """Apply one push from `device` and commit it; raises an `ApiError` and writes nothing if
    the push is refused."""
    batch = check_batch(request)
    now = datetime.now(UTC)
    try:
        source = _locked_source(session, request.source_id, device.id, now)
        acked = source.acked_through
        duplicates = _check_acknowledged(session, source, [e for e in batch if e.seq <= acked])
        run = _gapless_run([e for e in batch if e.seq > acked], after=acked)
        inserted = _insert_events(session, device, source.source_id, run, now)
        # Same transaction: the server's own scores, and teacher grades for the change log.
        on_events_stored(session, device, run)
        duplicates += len(run) - inserted
        if run:
            source.acked_through = run[-1].seq
            source.hwm_event_id = run[-1].id
            source.updated_at = now
        session.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return PushResponse(
        source_id=source.source_id,
        acked_through=source.acked_through,
        inserted=inserted,
        duplicates=duplicates,
        server_time=now,
    )


def source_state(session: Session, device: Device, source_id: str) -> SourceState:
    """Where the server's mark for a source stands; an unknown source stands at 0."""
    source = session.get(Source, source_id)
    if source is None:
        return SourceState(source_id=source_id, acked_through=0, hwm_event_id=None)
    if source.device_id != device.id:
        raise SourceOwnedByOtherDevice(f"source {source_id} belongs to another device")
    return SourceState(
        source_id=source.source_id,
        acked_through=source.acked_through,
        hwm_event_id=source.hwm_event_id,
    )


def check_batch(request: PushRequest) -> list[_Checked]:
    """What pydantic cannot say about a batch: ids are UUIDs, no seq holds two events, and every
    value fits both databases. Returns the events sorted by seq, repeats within the batch merged.
    """
    _check_storable(request.model_dump(), "")
    by_seq: dict[int, _Checked] = {}
    seq_of_id: dict[str, int] = {}
    for index, event in enumerate(request.events):
        where = f"events[{index}]"
        try:
            event_id = str(uuid.UUID(event.id))
        except ValueError:
            raise InvalidPayload(f"{where}.id: {event.id!r} is not a UUID") from None
        if event.seq > INT64_MAX:
            raise InvalidPayload(f"{where}.seq: {event.seq} is larger than {INT64_MAX}")
        if event.clock_offset_ms is not None and abs(event.clock_offset_ms) > INT64_MAX:
            raise InvalidPayload(
                f"{where}.clock_offset_ms: {event.clock_offset_ms} is out of range"
            )
        earlier = by_seq.get(event.seq)
        if earlier is not None and earlier.id != event_id:
            raise InvalidPayload(
                f"{where}.seq: seq {event.seq} is given to two events ({earlier.id} and {event_id})"
            )
        if seq_of_id.get(event_id, event.seq) != event.seq:
            raise InvalidPayload(
                f"{where}.id: event {event_id} appears at seq {seq_of_id[event_id]} and {event.seq}"
            )
        by_seq[event.seq] = _Checked(id=event_id, event=event)
        seq_of_id[event_id] = event.seq
    return [by_seq[seq] for seq in sorted(by_seq)]


def _check_storable(value: Any, path: str) -> None:
    # PostgreSQL refuses NUL in text and NaN/Infinity in JSON; refusing them on every backend
    # keeps a payload's fate independent of the database behind the server.
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidPayload(f"{path or 'body'}: contains a NUL character")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidPayload(f"{path or 'body'}: {value} is not a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key, path)
            _check_storable(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_storable(item, f"{path}[{index}]")


def _dialect_insert(session: Session) -> Callable[..., Any]:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise RuntimeError(f"the Slate server supports SQLite and PostgreSQL, not {name}")


def _locked_source(session: Session, source_id: str, device_id: str, now: datetime) -> Source:
    """The source's row, created for `device_id` on first use and locked until commit."""
    insert = _dialect_insert(session)
    # Insert-or-nothing first, so two first pushes racing on PostgreSQL both find one row to
    # lock instead of one of them failing on the primary key.
    session.execute(
        insert(Source)
        .values(
            source_id=source_id,
            device_id=device_id,
            acked_through=0,
            hwm_event_id=None,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["source_id"])
    )
    # FOR UPDATE serializes pushes of one source on PostgreSQL; SQLite's BEGIN IMMEDIATE has
    # already serialized every writer, and SQLAlchemy leaves the clause out there.
    source = session.scalars(
        select(Source)
        .where(Source.source_id == source_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if source.device_id != device_id:
        raise SourceOwnedByOtherDevice(
            f"source {source_id} belongs to another device; a device must push only its own sources"
        )
    return source


def _check_acknowledged(session: Session, source: Source, events: Sequence[_Checked]) -> int:
    """Every already-acknowledged event in the batch must be the one stored at its seq.

    Returns how many there are (they are all duplicates). A seq can have no row in this source
    when its event had already arrived through another source (a store restored from backup
    resends under a new source_id); then the event must at least exist on the server. What this
    must catch is a new event reusing an acknowledged seq: its fresh id exists nowhere.
    """
    if not events:
        return 0
    rows = session.execute(
        select(Event.seq, Event.id).where(
            Event.source_id == source.source_id,
            Event.seq >= events[0].seq,
            Event.seq <= events[-1].seq,
        )
    ).tuples()
    stored = {seq: event_id for seq, event_id in rows}
    unplaced: list[_Checked] = []
    for event in events:
        stored_id = stored.get(event.seq)
        if stored_id == event.id:
            continue
        if stored_id is not None:
            raise _seq_conflict(source, event, stored_id)
        if not (event.seq == source.acked_through and event.id == source.hwm_event_id):
            unplaced.append(event)
    if unplaced:
        known = set(session.scalars(select(Event.id).where(Event.id.in_([e.id for e in unplaced]))))
        for event in unplaced:
            if event.id not in known:
                raise _seq_conflict(source, event, None)
    return len(events)


def _seq_conflict(source: Source, event: _Checked, stored_id: str | None) -> SeqConflict:
    there = f"event {stored_id}" if stored_id else "another event"
    return SeqConflict(
        f"seq {event.seq} of source {source.source_id} was acknowledged for {there}, but this "
        f"push has event {event.id} there; the store's history diverged from what the server "
        "acknowledged (restored or copied?), so start a new source_id and resend",
        acked_through=source.acked_through,
    )


def _gapless_run(events: Iterable[_Checked], *, after: int) -> list[_Checked]:
    run: list[_Checked] = []
    for event in events:
        if event.seq != after + len(run) + 1:
            break
        run.append(event)
    return run


def _insert_events(
    session: Session, device: Device, source_id: str, run: Sequence[_Checked], now: datetime
) -> int:
    """Insert the run, skipping ids the server already has; returns how many rows went in."""
    if not run:
        return 0
    rows = [
        {
            "id": item.id,
            "source_id": source_id,
            "seq": item.seq,
            "device_id": device.id,
            "school_id": device.school_id,
            "user_id": item.event.user_id,
            "user_name": item.event.user_name,
            "verb": item.event.verb,
            "object_id": item.event.object_id,
            "course_id": item.event.course_id,
            "course_version": item.event.course_version,
            "result": item.event.result,
            "context": item.event.context,
            "occurred_at": item.event.occurred_at,
            "received_at": now,
            "clock_offset_ms": item.event.clock_offset_ms,
        }
        for item in run
    ]
    table = Event.__table__
    insert = _dialect_insert(session)
    # RETURNING lists only the rows that went in, which is the exact count, unlike rowcount
    # across a batched executemany.
    statement = insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    return len(session.execute(statement, rows).all())
