"""`slate bundle`: sync by USB stick, on the laptop (the server's side is `slate server
import-bundle`, in sync/server/bundle_commands.py).

    slate bundle export --out FILE [--json]
    slate bundle import-receipt FILE [--json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    bundle = subparsers.add_parser(
        "bundle",
        parents=[common],
        help="sync by USB stick: export pending events, import the server's receipt",
        description="For a laptop that cannot reach the server: `export` writes the events the "
        "server has not acknowledged to a signed file; IT imports it on the server with `slate "
        "server import-bundle`, which writes a receipt; `import-receipt` marks those events "
        "acknowledged here.",
    )
    actions = bundle.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", parents=[common], help="write pending events to a signed bundle file"
    )
    export.add_argument("--out", required=True, type=Path, help="the bundle file to write")
    export.add_argument("--json", action="store_true", help="print the result as JSON")
    export.set_defaults(func=cmd_export)
    receipt = actions.add_parser(
        "import-receipt", parents=[common], help="apply the server's receipt for a bundle"
    )
    receipt.add_argument("path", type=Path, metavar="FILE", help="the receipt file")
    receipt.add_argument("--json", action="store_true", help="print the result as JSON")
    receipt.set_defaults(func=cmd_import_receipt)


def cmd_export(args: argparse.Namespace) -> int:
    from app.commands import open_store
    from sync.bundle_laptop import export_bundle

    store = open_store(args)  # a SlateError (here or below) is printed by app.cli
    try:
        result = export_bundle(store, args.out)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(result.path),
                    "bundle_id": result.bundle_id,
                    "source_id": result.source_id,
                    "from_seq": result.from_seq,
                    "hwm": result.hwm,
                    "events": result.event_count,
                    "remaining": result.remaining,
                    "bytes": result.size_bytes,
                }
            )
        )
        return 0
    span = f"seq {result.from_seq + 1}..{result.hwm}" if result.event_count else "none pending"
    print(f"Wrote {result.event_count} events ({span}) to {result.path}")
    if result.remaining:
        print(
            f"{result.remaining} more events did not fit; export another bundle after importing "
            "this one's receipt."
        )
    print(
        "Import it on the server (`slate server import-bundle FILE`), then bring the receipt back."
    )
    return 0


def cmd_import_receipt(args: argparse.Namespace) -> int:
    from app.commands import open_store
    from sync.bundle_laptop import import_receipt

    store = open_store(args)
    try:
        result = import_receipt(store, args.path)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {
                    "outcome": result.outcome,
                    "source_id": result.source_id,
                    "acked_through": result.acked_through,
                    "newly_acknowledged": result.newly_acknowledged,
                    "message": result.message,
                }
            )
        )
    else:
        print(f"{args.path}: {result.message}")
    return 0
