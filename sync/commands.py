"""`slate sync`: one sync round from the command line (for IT, scripts and tests)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("sync", parents=[common], help="push pending learning events now")
    p.add_argument("--server", help="server URL (saved for next time); default: the saved one")
    p.add_argument("--enroll-code", help="enroll this computer with the school's code first")
    p.add_argument("--device-name", help="name shown to the school (default: host name)")
    p.set_defaults(func=cmd_sync)


def cmd_sync(args: argparse.Namespace) -> int:
    from app.commands import open_store
    from app.db.store import StoreError
    from sync.client import OutboxPusher, SyncError

    try:
        store = open_store(args)
    except StoreError as exc:
        print(f"slate: error: {exc}", file=sys.stderr)
        return 1
    try:
        with OutboxPusher(store, args.server) as pusher:
            if args.enroll_code and not pusher.is_enrolled():
                pusher.enroll(args.enroll_code, args.device_name)
            report = pusher.push()
    except SyncError as exc:
        from app import outbox

        with store.read() as session:
            c = outbox.counts(session)
        print(
            json.dumps(
                {
                    "ok": False,
                    "error": str(exc),
                    "offline": exc.offline,
                    "pushed": 0,
                    "pending": c.pending,
                    "local_total": c.local_total,
                }
            )
        )
        return 1
    finally:
        store.close()
    print(
        json.dumps(
            {
                "ok": True,
                "server": report.server,
                "pushed": report.pushed,
                "acked_through": report.acked_through,
                "pending": report.pending,
                "local_total": report.local_total,
                "clock_offset_ms": report.clock_offset_ms,
            }
        )
    )
    return 0
