"""`slate sync`: one sync round from the command line (for IT, scripts and tests)."""

from __future__ import annotations

import argparse
import json
from typing import Any

EXIT_OFFLINE = 3


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "sync",
        parents=[common],
        help="push pending learning events now",
        description="Push this computer's pending learning events to the school server once, "
        "and print a JSON report (pushed, pending, local_total). Exit status: 0 synced, "
        f"{EXIT_OFFLINE} server not reachable (try again later), 1 any other problem.",
    )
    p.add_argument(
        "--server",
        help="server URL (saved for next time); default: server_url in slate.toml, else the "
        "saved one",
    )
    p.add_argument(
        "--enroll-code",
        help="enroll this computer with the school's code first; default: enrollment_code in "
        "slate.toml (used only while this computer is not enrolled)",
    )
    p.add_argument("--device-name", help="name shown to the school (default: host name)")
    p.add_argument(
        "--discover",
        action="store_true",
        help="find a classroom hub (or server) on the LAN by mDNS and sync with it, unless "
        f"--server is given; exit {EXIT_OFFLINE} when none answers",
    )
    p.add_argument(
        "--discover-timeout", type=float, default=3.0, help="seconds to listen (default 3)"
    )
    p.set_defaults(func=cmd_sync)


def _discover(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Browse the LAN; the servers found as dicts, the chosen one (hubs first) in args.server."""
    from sync.discovery import discover_servers

    found = [
        {"name": s.name, "url": s.url, "hub": s.hub}
        for s in discover_servers(max(0.5, args.discover_timeout))
    ]
    if found:
        args.server = found[0]["url"]
    return found


def _from_deployment_file(args: argparse.Namespace) -> str | None:
    """What the command line left out, from slate.toml, as the app does at start
    (ui/launch.py open_main_window); returns the enrollment code to enroll with while this
    computer is not enrolled.

    The server: --server (or --discover), else server_url in slate.toml, else the one saved in
    the store (sync.client). The deployment file is IT's word, so its server_url wins over the
    saved one, as in the app; a token from another server is not used for it (sync.client).
    The code: --enroll-code, else enrollment_code in slate.toml. Only an explicit --enroll-code
    also enrolls anew when the server no longer accepts this computer (the file's code is for
    the first start, as in the app, so a laptop the school revoked stays revoked).
    """
    from app.config import load_config

    values = load_config().values  # its problems were already said on stderr (app.cli)
    if not args.server:
        args.server = values.server_url
    return args.enroll_code or values.enrollment_code


def cmd_sync(args: argparse.Namespace) -> int:
    from app import outbox
    from app.commands import open_store
    from sync.client import OutboxPusher, SyncError

    discovered = _discover(args) if args.discover and not args.server else None
    if discovered == []:
        print(
            json.dumps(
                {
                    "ok": False,
                    "error": "No Slate server answered on this network (mDNS); give its "
                    "address with --server http://HOST:PORT",
                    "offline": True,
                    "discovered": [],
                }
            )
        )
        return EXIT_OFFLINE
    enroll_code = _from_deployment_file(args)
    store = open_store(args)  # a SlateError here is printed by app.cli
    try:
        with OutboxPusher(store, args.server) as pusher:
            if enroll_code and not pusher.is_enrolled():
                pusher.enroll(enroll_code, args.device_name)
            try:
                report = pusher.push()
            except SyncError as exc:
                if exc.code != "unauthorized" or not args.enroll_code:
                    raise
                pusher.enroll(args.enroll_code, args.device_name)  # revoked: enroll anew
                report = pusher.push()
    except SyncError as exc:
        with store.read() as session:
            c = outbox.counts(session)
        result = {
            "ok": False,
            "error": str(exc),
            "offline": exc.offline,
            "pushed": 0,
            "pending": c.pending,
            "local_total": c.local_total,
        }
        print(json.dumps(result))
        return EXIT_OFFLINE if exc.offline else 1
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
                **({"discovered": discovered} if discovered is not None else {}),
            }
        )
    )
    return 0
