"""`slate bank import FILE [--course ID] [--dry-run] [--json]`, `slate bank list` and
`slate bank export BANK_ID --out FILE [--json]`.

Heavy modules are imported inside the handlers so that `slate --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.banks.model import BankImport

FORMAT_CHOICES = ("gift", "aiken", "qti")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    bank = subparsers.add_parser(
        "bank", parents=[common], help="import and export question banks (GIFT, Aiken, QTI)"
    )
    bank_sub = bank.add_subparsers(dest="bank_command", required=True, metavar="ACTION")
    imp = bank_sub.add_parser(
        "import",
        parents=[common],
        help="import a question bank file",
        description="Import a Moodle GIFT, Aiken or IMS QTI 2.x file (item, test, "
        "imsmanifest.xml or a .zip package) as a question bank.",
    )
    imp.add_argument("path", type=Path, metavar="FILE")
    imp.add_argument("--course", metavar="ID", help="link the bank to this course")
    imp.add_argument("--dry-run", action="store_true", help="read and report only; store nothing")
    imp.add_argument("--json", action="store_true", help="print the result as JSON")
    imp.add_argument(
        "--format", choices=FORMAT_CHOICES, help="skip detection (by extension and content)"
    )
    imp.set_defaults(func=cmd_bank_import)
    lst = bank_sub.add_parser("list", parents=[common], help="list stored question banks")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_bank_list)
    exp = bank_sub.add_parser(
        "export",
        parents=[common],
        help="write a stored question bank as a Moodle GIFT file",
        description="Write a stored question bank as a Moodle GIFT file. Questions GIFT "
        "cannot express are left out or changed, each with a warning.",
    )
    exp.add_argument(
        "bank_id", type=_bank_id, metavar="BANK_ID", help="the bank's id (see 'slate bank list')"
    )
    exp.add_argument("--out", type=Path, required=True, metavar="FILE", help="the .gift file")
    exp.add_argument("--json", action="store_true", help="print the result as JSON")
    exp.set_defaults(func=cmd_bank_export)


def _bank_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a bank id (a whole number)") from None


def cmd_bank_import(args: argparse.Namespace) -> int:
    from app.banks.importer import read_bank
    from app.banks.model import BankImportError, NothingToImportError, check_importable
    from app.banks.store import BankStoreError, StoredBank, import_bank
    from app.commands import fail, open_store
    from app.db.models import Course

    try:
        bank = read_bank(args.path, args.format)
    except BankImportError as exc:
        return fail(f"bank not imported: {exc}")
    summary = bank.summary()
    try:
        check_importable(bank)
    except NothingToImportError as exc:
        # The report still goes out (what was read, and why each question was skipped); the
        # exit status says nothing was, or would be, imported.
        if args.json:
            print(json.dumps(summary, ensure_ascii=False))
        code = fail(f"bank not imported: {exc}")
        _print_warnings(bank)
        return code
    stored: StoredBank | None = None
    if not args.dry_run or args.course:
        store = open_store(args, lock=not args.dry_run)
        try:
            if args.dry_run:
                with store.read() as session:
                    if session.get(Course, args.course) is None:
                        return fail(
                            f"bank not imported: {args.path.name}: no course with id "
                            f"{args.course!r} in this store"
                        )
            else:
                stored = import_bank(store, bank, course_id=args.course, name=args.path.stem)
        except BankStoreError as exc:
            return fail(f"bank not imported: {args.path.name}: {exc}")
        finally:
            store.close()
    if args.json:
        if stored is not None:
            summary["bank_id"] = stored.bank_id
            summary["already_stored"] = stored.already_stored
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    if stored is not None and stored.already_stored:
        when = stored.imported_at.strftime("%Y-%m-%d %H:%M")
        print(
            f"Already stored: {bank.source_name} is bank {stored.bank_id} "
            f"({stored.name!r}, imported {when} UTC); nothing imported."
        )
        print(f"Bank id: {stored.bank_id}")
        return 0
    kinds = ", ".join(f"{n} {kind}" for kind, n in summary["kinds"].items()) or "none"
    verb = "Would import" if args.dry_run else "Imported"
    print(f"{verb} {summary['questions']} questions from {bank.source_name} ({kinds}).")
    if stored is not None:
        print(f"Bank id: {stored.bank_id}")
    _print_warnings(bank)
    return 0


def _print_warnings(bank: BankImport) -> None:
    for warning in bank.warnings:
        print(f"warning: {bank.source_name}: {warning}", file=sys.stderr)


def cmd_bank_list(args: argparse.Namespace) -> int:
    from app.banks.store import list_banks
    from app.commands import open_store

    store = open_store(args, lock=False)
    try:
        with store.read() as session:
            banks = list_banks(session)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "bank_id": b.bank_id,
                        "name": b.name,
                        "source": b.source_name,
                        "format": b.format,
                        "course_id": b.course_id,
                        "questions": b.questions,
                        "warnings": b.warnings,
                        "imported_at": b.imported_at.isoformat(),
                    }
                    for b in banks
                ],
                ensure_ascii=False,
            )
        )
    else:
        for b in banks:
            course = b.course_id or "-"
            print(f"{b.bank_id}\t{b.format}\t{b.questions}\t{course}\t{b.name}")
    return 0


def cmd_bank_export(args: argparse.Namespace) -> int:
    from app.banks.gift_export import write_gift
    from app.banks.store import load_bank
    from app.commands import open_store

    # Export only reads: it may run while the app has the store open.
    store = open_store(args, lock=False)
    try:
        with store.read() as session:
            bank = load_bank(session, args.bank_id)
    finally:
        store.close()
    # A SlateError (unknown bank, unwritable file) is printed as one line by `slate` itself.
    result = write_gift(args.out, bank.questions)
    warnings = [
        {"file": bank.source_name, "line": w.line, "message": w.message} for w in result.warnings
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "bank_id": args.bank_id,
                    "file": str(result.path),
                    "questions": result.questions,
                    "kinds": result.kinds,
                    "warnings": warnings,
                },
                ensure_ascii=False,
            )
        )
        return 0
    kinds = ", ".join(f"{n} {kind}" for kind, n in result.kinds.items()) or "none"
    print(f"Exported {result.questions} questions to {result.path} ({kinds}).")
    for warning in result.warnings:
        print(f"warning: {bank.source_name}: {warning}", file=sys.stderr)
    return 0
