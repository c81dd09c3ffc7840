"""`slate config show`, `slate db backups|restore`, `slate doctor`, `slate support-bundle`.

The commands IT uses to check an install and look after its data. Registered by app/cli.py;
heavy modules are imported inside the handlers so `slate --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    config = subparsers.add_parser(
        "config", parents=[common], help="the deployment settings (slate.toml) in effect"
    )
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = config_sub.add_parser(
        "show",
        parents=[common],
        help="print each setting, its value and where it came from",
        description="Print the effective deployment settings and where each came from (a "
        "slate.toml file, an environment variable, or the default), the files looked for, and "
        "any problem found in them.",
    )
    show.add_argument("--json", action="store_true", help="print as JSON")
    show.set_defaults(func=cmd_config_show)

    db_actions = _subcommands_of(subparsers.choices["db"])
    backups = db_actions.add_parser(
        "backups", parents=[common], help="list the store's backups, newest first"
    )
    backups.add_argument("--json", action="store_true", help="print as JSON")
    backups.set_defaults(func=cmd_db_backups)
    backup = db_actions.add_parser(
        "backup", parents=[common], help="back up the store now (kept until deleted)"
    )
    backup.add_argument("--json", action="store_true", help="print as JSON")
    backup.set_defaults(func=cmd_db_backup)
    restore = db_actions.add_parser(
        "restore",
        parents=[common],
        help="replace the store with a backup (the current data is backed up first)",
        description="Replace the store with a backup: the backup's integrity is checked, the "
        "current store is backed up, and a new sync epoch starts so that no sequence number is "
        "reused. Refused while Slate is open on this store.",
    )
    restore.add_argument(
        "backup", nargs="?", metavar="BACKUP", help="a name from 'slate db backups' or a file; "
        "default: the newest backup"
    )
    restore.add_argument("--json", action="store_true", help="print as JSON")
    restore.set_defaults(func=cmd_db_restore)

    doctor = subparsers.add_parser(
        "doctor",
        parents=[common],
        help="check this install and say what to fix (exit 1 when something fails)",
        description="Check the store's integrity, free disk, the data folder's permissions, the "
        "server, versions, pending events, backups and slate.toml. Each check is ok, warn or "
        "fail with what to do; the exit status is 1 when any check fails.",
    )
    doctor.add_argument("--json", action="store_true", help="print as JSON")
    doctor.set_defaults(func=cmd_doctor)


    bundle = subparsers.add_parser(
        "support-bundle",
        parents=[common],
        help="write a zip of logs and diagnostics for a helper (no learner data)",
        description="Write a zip with the doctor's report, the settings (secrets redacted), "
        "versions, store statistics and the log files. It never holds learner names, answers, "
        "the enrollment code or the device's credentials.",
    )
    bundle.add_argument(
        "--out", metavar="FILE", help="the zip to write (default: slate-support-STAMP.zip here)"
    )
    bundle.add_argument("--json", action="store_true", help="print the result as JSON")
    bundle.set_defaults(func=cmd_support_bundle)


def _subcommands_of(parser: argparse.ArgumentParser) -> Any:
    """The sub-command action of a parser registered elsewhere (`slate db` is app/commands.py's),
    so this module can add actions to it without editing that file."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError(f"{parser.prog} has no sub-commands")


def before_command(args: argparse.Namespace) -> None:
    """Run by app/cli.py before every command: the log file, and what is wrong in slate.toml
    said on stderr (the command still runs, with defaults for the settings it could not use).
    """
    command = getattr(args, "command", None)
    if command == "server":  # the server has its own settings and logs
        return
    import logging

    from app import __version__
    from app.config import load_config
    from app.logs import setup_logging

    config = load_config()
    data_dir = _existing_data_dir(args)  # never created here: `slate doctor` reports it missing
    logging_to_file = data_dir is not None and setup_logging(data_dir) is not None
    log = logging.getLogger("slate.cli")
    # Only the command's name: arguments can hold learner names.
    action = next((v for k, v in vars(args).items() if k.endswith("_command") and v), "")
    log.info("slate %s: %s %s", __version__, command, action)
    for problem in config.problems:
        if logging_to_file:
            log.warning("slate.toml: %s", problem)
        if command != "config":  # `config show` lists the problems itself
            print(f"slate: warning: {problem}", file=sys.stderr)


def _existing_data_dir(args: argparse.Namespace) -> Path | None:
    from app.paths import DataDirError, resolve_data_dir

    try:
        return resolve_data_dir(getattr(args, "data_dir", None), create=False)
    except DataDirError:
        return None


def cmd_config_show(args: argparse.Namespace) -> int:
    from app.config import load_config, show_text

    config = load_config()
    if args.json:
        print(json.dumps(config.as_dict(), indent=2))
    else:
        print(show_text(config))
    return 0


def _data_dir(args: argparse.Namespace) -> Path:
    from app.paths import resolve_data_dir

    return resolve_data_dir(getattr(args, "data_dir", None), create=False)


def _backup_json(backup: Any) -> dict[str, Any]:
    return {
        "name": backup.name,
        "path": str(backup.path),
        "kind": backup.kind,
        "taken_at": backup.taken_at.isoformat(),
        "size_bytes": backup.size_bytes,
    }


def cmd_db_backups(args: argparse.Namespace) -> int:
    from app.backup import backups_dir, list_backups

    data_dir = _data_dir(args)
    backups = list_backups(data_dir)
    if args.json:
        print(json.dumps([_backup_json(b) for b in backups], indent=2))
        return 0
    if not backups:
        print(f"No backups yet in {backups_dir(data_dir)}.")
        return 0
    for b in backups:
        when = b.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{b.name:<48} {b.kind:<15} {when}  {b.size_bytes / 1e6:8.1f} MB")
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from app.backup import take_backup

    made = take_backup(_data_dir(args), "manual")
    print(json.dumps(_backup_json(made)) if args.json else f"Backed up to {made.path}")
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from app.backup import find_backup, restore

    data_dir = _data_dir(args)
    chosen = find_backup(data_dir, args.backup)
    result = restore(data_dir, chosen)
    if args.json:
        print(
            json.dumps(
                {
                    "restored_from": str(result.restored_from),
                    "previous_saved_as": str(result.previous_saved_as),
                    "new_source_id": result.new_source_id,
                }
            )
        )
    else:
        print(
            f"Restored {chosen.name} ({chosen.taken_at.astimezone():%Y-%m-%d %H:%M}). The data "
            f"it replaced is saved as {result.previous_saved_as}."
        )
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from app.doctor import Check, DoctorReport, print_report, run_doctor
    from app.paths import DataDirError, resolve_data_dir

    try:
        # Not created when missing: a doctor that made the folder would hide the problem.
        data_dir = resolve_data_dir(getattr(args, "data_dir", None), create=False)
    except DataDirError as exc:
        report = DoctorReport(
            [Check("data folder", "fail", str(exc), "start Slate once, or fix --data-dir, "
                   "SLATE_DATA_DIR or data_location in slate.toml")]
        )
    else:
        report = run_doctor(data_dir)
    print_report(report, args.json)
    return 0 if report.ok else 1


def cmd_support_bundle(args: argparse.Namespace) -> int:
    from app.support_bundle import write_support_bundle

    result = write_support_bundle(_data_dir(args), Path(args.out) if args.out else None)
    if args.json:
        print(json.dumps({"path": str(result.path), "members": result.members,
                          "size_bytes": result.size_bytes}))
    else:
        print(f"Wrote {result.path} ({result.size_bytes / 1e3:.0f} kB). It holds no learner "
              "data; send it to whoever helps you.")
    return 0
