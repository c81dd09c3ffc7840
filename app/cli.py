"""The `slate` command.

Core subcommands live here; subcommands of the front end (`ui`) and of sync (`sync`,
`sync.server`) register themselves through the `slate.commands` entry-point group, so this
module never imports them and `app/` stays free of Qt and network code.

A registering module exposes `register(subparsers, common)`: it adds its parsers with
`subparsers.add_parser(name, parents=[common], ...)` and sets `func=handler` on them. A handler
takes the parsed `argparse.Namespace` and returns the process exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from app import __version__

ENTRY_POINT_GROUP = "slate.commands"


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts, also after the subcommand's name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help="the store's folder (laptop) or the server's folder; default: $SLATE_DATA_DIR, "
        "then the user data dir",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="slate",
        description="Slate, the offline-first classroom app. With no command, opens the app.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"slate {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    from app import care_commands
    from app import commands as core_commands
    from app.banks import commands as bank_commands

    core_commands.register(subparsers, common)
    bank_commands.register(subparsers, common)
    from app.grades_commands import register as register_grades

    register_grades(subparsers, common)  # grade export (issue 6)
    care_commands.register(subparsers, common)  # config, db backups/restore, doctor (issue 7)
    from app.accounts.commands import register as register_accounts

    register_accounts(subparsers, common)  # slate account setup/add/reset-secret/unlock
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            register = ep.load()
        except ImportError as exc:
            # One broken part (say, a missing optional dependency) must not take the others down.
            print(
                f"slate: warning: the '{ep.name}' commands are unavailable: {exc}", file=sys.stderr
            )
            continue
        register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        # `slate` alone (or with only --data-dir) opens the window.
        args = parser.parse_args(["gui", *args_list])
    if not hasattr(args, "data_dir"):
        args.data_dir = None
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    from app.care_commands import before_command
    from app.errors import SlateError

    before_command(args)  # log files, and slate.toml problems on stderr (issue 7)
    try:
        code = func(args)
    except SlateError as exc:
        print(f"slate: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `slate ... | head`: the reader left; nothing more to say, and no traceback at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:
        reason = _damaged_database(exc)
        if reason is None:
            raise
        where = args.data_dir or os.environ.get("SLATE_DATA_DIR") or "the default data folder"
        print(
            f"slate: error: the database in {where} is damaged ({reason}); restore a backup "
            f"(laptop: 'slate db restore') or ask IT",
            file=sys.stderr,
        )
        return 1
    return int(code or 0)


_DAMAGE = ("malformed", "not a database", "file is encrypted")


def _damaged_database(exc: BaseException) -> str | None:
    """SQLite's own words when `exc` (or what it wraps, as SQLAlchemy does) says a database
    file is damaged; None for any other error, which keeps its traceback."""
    import sqlite3

    seen: BaseException | None = exc
    for _ in range(10):  # a chain of causes, never followed round a cycle
        if seen is None:
            break
        inner = getattr(seen, "orig", None)
        for candidate in (seen, inner):
            if isinstance(candidate, sqlite3.DatabaseError) and any(
                words in str(candidate) for words in _DAMAGE
            ):
                return str(candidate)
        seen = seen.__cause__ or seen.__context__
    return None


if __name__ == "__main__":
    sys.exit(main())
