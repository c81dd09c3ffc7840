"""`slate server import-bundle FILE...`: take in USB bundles and write their receipts."""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sync.server.bundles import BundleImportResult


def register(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    imp = commands.add_parser(
        "import-bundle",
        parents=parents,
        help="take in USB bundles from laptops and write a receipt for each",
        description="Verifies each bundle (signature, checksum, size limits), stores its events "
        "through the same handler as an online push (importing a bundle twice is harmless), "
        "and writes a signed receipt to carry back to the laptop (`slate bundle "
        "import-receipt`). Exit status 1 if any bundle was refused.",
    )
    imp.add_argument("paths", nargs="+", type=Path, metavar="FILE", help="bundle files")
    imp.add_argument(
        "--receipt-out",
        type=Path,
        help="where to write the receipt (one bundle only); default: beside the bundle, "
        "named NAME.receipt.json",
    )
    imp.add_argument("--json", action="store_true", help="print one JSON object per bundle")
    imp.set_defaults(func=cmd_import_bundle)


def _import_one(session: Session, *, path: Path) -> BundleImportResult:
    from sync.server.bundles import import_bundle

    return import_bundle(session, path)


def receipt_path_for(bundle: Path) -> Path:
    return bundle.with_name(f"{bundle.stem}.receipt.json")


def cmd_import_bundle(args: argparse.Namespace) -> int:
    from app.errors import SlateError
    from sync.bundle import receipt_bytes, write_atomically
    from sync.server.commands import _admin

    if args.receipt_out and len(args.paths) > 1:
        print("slate server: --receipt-out needs exactly one bundle", file=sys.stderr)
        return 2
    status = 0
    for path in args.paths:
        try:
            code, result = _admin(args, partial(_import_one, path=path))
            if code:
                status = 1
                continue
            out = args.receipt_out or receipt_path_for(path)
            write_atomically(out, receipt_bytes(result.receipt))
        except SlateError as exc:
            print(f"slate server: {exc}", file=sys.stderr)
            status = 1
            continue
        receipt = result.receipt
        if result.error:
            status = 1
        if args.json:
            print(
                json.dumps(
                    {
                        "bundle": str(path),
                        "receipt": str(out),
                        "status": receipt.status,
                        "source_id": receipt.source_id,
                        "acked_through": receipt.acked_through,
                        "inserted": receipt.inserted,
                        "duplicates": receipt.duplicates,
                        "already_imported": result.already_imported_at is not None,
                        "detail": receipt.detail,
                    }
                )
            )
            continue
        if result.error:
            print(f"slate server: {path}: refused: {result.error}", file=sys.stderr)
            print(f"Wrote {out}: take it back to the laptop so that it starts a new source.")
            continue
        again = (
            f" (already imported {result.already_imported_at:%Y-%m-%d %H:%M} UTC)"
            if result.already_imported_at
            else ""
        )
        print(
            f"{path}: {receipt.inserted} new events, {receipt.duplicates} already here{again}; "
            f"acknowledged through {receipt.acked_through}. Receipt: {out}"
        )
    return status
