"""Upstream push: Slate's whole path against the bare database insert, and many devices at once.

1. End to end: a laptop store holding N events (100,000; `--quick` 5,000) is pushed to the
   real `slate server` child process on a loopback port by the real `OutboxPusher` (gzip
   batches, idempotent insert, acknowledgement stored on the laptop). Baseline, same run: the
   same rows inserted straight into a fresh server database of the same kind, in transactions
   of the same batch size, with nothing else (no HTTP, no validation, no mark, no rescoring).
2. Devices at once: D devices (200; `--quick` 20), each enrolled, push K batches concurrently
   from one asyncio driver (httpx.AsyncClient); throughput and latency percentiles of the push
   requests, on SQLite and, when a PostgreSQL is at hand, on PostgreSQL.

PostgreSQL comes from `--postgres-url` or SLATE_TEST_POSTGRES_URL (an admin URL; a database is
made and dropped), else from packaging/test-postgres.sh when it can start one; otherwise that
half is reported as skipped.

    python bench/push.py [--quick] [--events N] [--devices D] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from app import outbox  # noqa: E402
from app.db.store import Store  # noqa: E402
from sync.client import OutboxPusher  # noqa: E402
from sync.server.db import make_engine  # noqa: E402
from sync.server.models import Device, Event, Source  # noqa: E402
from tests.chaos.laptop import learners, record_burst  # noqa: E402
from tests.support.server_process import ServerProcess  # noqa: E402

BATCH = 500
ADL = "http://adlnet.gov/expapi/verbs/"


# -- PostgreSQL, when there is one ------------------------------------------------------------


@contextlib.contextmanager
def postgres_database(admin_url: str | None) -> Iterator[str | None]:
    """A fresh database on `admin_url` (or on a throwaway cluster), dropped afterwards."""
    started_here = False
    if not admin_url:
        script = REPO / "packaging" / "test-postgres.sh"
        done = subprocess.run(
            ["bash", str(script), "start"], capture_output=True, text=True, check=False
        )
        admin_url = done.stdout.strip() or None
        started_here = bool(admin_url)
    if not admin_url:
        yield None
        return
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    name = f"slate_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.suppress(Exception), psycopg.connect(conninfo, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if started_here:
            subprocess.run(
                ["bash", str(REPO / "packaging" / "test-postgres.sh"), "stop"], check=False
            )


# -- 1. one laptop's backlog, end to end ------------------------------------------------------


def fill_laptop(data_dir: Path, n_events: int) -> Store:
    store = Store.open(data_dir)
    rng = random.Random(7)
    users = learners(store)
    made = 0
    while made < n_events:
        size = min(BATCH, n_events - made)
        record_burst(store, rng, users, size)
        made += size
    return store


def push_end_to_end(store: Store, work: Path) -> tuple[float, str, str]:
    """Seconds to push the whole backlog; returns the server's URL of its database too."""
    with ServerProcess(work / "server-e2e") as server:
        code = server.add_school("Bench School")["enrollment_code"]
        with OutboxPusher(store, server.url, batch_size=BATCH, timeout_s=120.0) as pusher:
            pusher.enroll(code, "bench laptop")
            started = time.perf_counter()
            report = pusher.push()
            elapsed = time.perf_counter() - started
        assert report.pending == 0, report
        stats = server.stats()
    return elapsed, str(stats["events_total"]), code


def baseline_insert(
    source_id: str, rows: list[dict[str, Any]], database_url: str, prepare: Path
) -> float:
    """The same rows straight into a fresh server database, BATCH rows per transaction."""
    # A real server database with its schema, a school and a device, made the ordinary way.
    with ServerProcess(prepare, database_url=database_url) as server:
        code = server.add_school("Baseline School")["enrollment_code"]
        server.enroll(code, "baseline laptop")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        device_id, school_id = connection.execute(
            select(Device.id, Device.school_id).limit(1)
        ).one()
    now = datetime.now(UTC)
    records = [
        {
            "id": e["id"],
            "source_id": source_id,
            "seq": e["seq"],
            "device_id": device_id,
            "school_id": school_id,
            "user_id": e["user_id"],
            "user_name": e.get("user_name"),
            "verb": e["verb"],
            "object_id": e["object_id"],
            "course_id": e.get("course_id"),
            "course_version": e.get("course_version"),
            "result": e.get("result"),
            "context": e.get("context") or {},
            "occurred_at": datetime.fromisoformat(e["occurred_at"]),
            "received_at": now,
            "clock_offset_ms": e.get("clock_offset_ms"),
        }
        for e in rows
    ]
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(insert(Source).values(source_id=source_id, device_id=device_id))
    for first in range(0, len(records), BATCH):
        with engine.begin() as connection:
            connection.execute(insert(Event), records[first : first + BATCH])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


# -- 2. many devices at once ------------------------------------------------------------------


def device_events(seq0: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "seq": seq0 + n,
            "user_id": f"learner-{n % 30}",
            "verb": ADL + "answered",
            "object_id": f"urn:slate:activity:bench:q-{n % 40}",
            "course_id": "bench",
            "course_version": "1",
            "result": {"response": "b"},
            "context": {},
            "occurred_at": datetime.now(UTC).isoformat(),
            "clock_offset_ms": 0,
        }
        for n in range(count)
    ]


async def _device(
    client: httpx.AsyncClient, token: str, batches: int, per_batch: int, latencies: list[float]
) -> int:
    source = f"src-{uuid.uuid4().hex[:16]}"
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    stored = 0
    for b in range(batches):
        body = gzip.compress(
            json.dumps(
                {"source_id": source, "events": device_events(b * per_batch + 1, per_batch)}
            ).encode()
        )
        for _ in range(20):  # a 503 (busy) is retried, as the real client does
            started = time.perf_counter()
            response = await client.post("/events", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code == 200:
                stored += per_batch
                break
            if response.status_code != 503:
                raise RuntimeError(f"push refused: {response.status_code} {response.text}")
            await asyncio.sleep(0.2)
        else:
            raise RuntimeError("push still busy after 20 tries")
    return stored


def many_devices(
    work: Path, database_url: str | None, devices: int, batches: int, per_batch: int
) -> dict[str, float]:
    with ServerProcess(work, database_url=database_url) as server:
        code = server.add_school("Crowd School")["enrollment_code"]
        tokens = [server.enroll(code, f"laptop {n}") for n in range(devices)]
        latencies: list[float] = []

        async def run() -> int:
            limits = httpx.Limits(max_connections=devices, max_keepalive_connections=devices)
            async with httpx.AsyncClient(base_url=server.api, timeout=120.0, limits=limits) as c:
                done = await asyncio.gather(
                    *(_device(c, t, batches, per_batch, latencies) for t in tokens)
                )
            return sum(done)

        started = time.perf_counter()
        stored = asyncio.run(run())
        elapsed = time.perf_counter() - started
        total = server.stats()["events_total"]
    if total != stored or stored != devices * batches * per_batch:
        raise RuntimeError(f"expected {devices * batches * per_batch} events, server has {total}")
    ordered = sorted(latencies)
    return {
        "events_per_s": round(stored / elapsed, 1),
        "requests": len(latencies),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small size, in seconds")
    parser.add_argument("--events", type=int, help="events in the laptop's backlog")
    parser.add_argument("--devices", type=int, help="devices pushing at once")
    parser.add_argument("--postgres-url", default=os.environ.get("SLATE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    n_events = args.events or (5_000 if args.quick else 100_000)
    devices = args.devices or (20 if args.quick else 200)
    batches, per_batch = (2, 50) if args.quick else (5, 100)

    with tempfile.TemporaryDirectory(prefix="slate-bench-push-") as tmp:
        work = Path(tmp)
        print(f"making a laptop store with {n_events:,} events ...", flush=True)
        store = fill_laptop(work / "laptop", n_events)
        try:
            with store.read() as session:  # the rows the push will carry, for the baseline
                source_id, rows = outbox.pending_batch(session, n_events)
            e2e_s, total, _code = push_end_to_end(store, work)
        finally:
            store.close()
        base_s = baseline_insert(
            source_id, rows, f"sqlite:///{work / 'baseline.db'}", work / "server-baseline"
        )
        assert int(total) == n_events, f"server has {total} events, laptop {n_events}"
        slate_rate, base_rate = n_events / e2e_s, n_events / base_s
        ratio = slate_rate / base_rate
        print(
            f"end to end: {slate_rate:,.0f} events/s ({e2e_s:.2f} s); bare insert into the "
            f"server's SQLite: {base_rate:,.0f} events/s ({base_s:.2f} s); ratio {ratio:.2f}"
        )

        print(f"{devices} devices x {batches} pushes of {per_batch} events, at once ...")
        crowd = {"sqlite": many_devices(work / "crowd-sqlite", None, devices, batches, per_batch)}
        with postgres_database(args.postgres_url) as pg_url:
            if pg_url:
                crowd["postgresql"] = many_devices(
                    work / "crowd-pg", pg_url, devices, batches, per_batch
                )
            else:
                print("  postgresql: skipped (no PostgreSQL: set SLATE_TEST_POSTGRES_URL)")
        for kind, figures in crowd.items():
            print(
                f"  {kind}: {figures['events_per_s']:,.0f} events/s, p50 {figures['p50_ms']} ms, "
                f"p99 {figures['p99_ms']} ms over {figures['requests']} requests"
            )

    print(
        json.dumps(
            {
                "bench": "push",
                "events": n_events,
                "slate_events_per_s": round(slate_rate, 1),
                "baseline_events_per_s": round(base_rate, 1),
                "ratio": round(ratio, 3),
                "devices": devices,
                "crowd": crowd,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
