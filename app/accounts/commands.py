"""`slate account ...`: the first administrator, adding accounts, resetting secrets, unlocking.

Every command but `setup` and `list` acts as a signed-in account (`--as NAME`), whose password
is asked for on the terminal, or read from $SLATE_PASSWORD in scripts; the same permission
policy as the app then applies. New passwords are read from the terminal (twice) or, with
`--password-stdin`, from the first line of standard input.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from app.commands import open_store

ROLES = ["student", "teacher", "administrator", "parent"]


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    account = subparsers.add_parser(
        "account", parents=[common], help="accounts: first administrator, secrets, unlocking"
    )
    sub = account.add_subparsers(dest="account_command", required=True, metavar="ACTION")

    setup = sub.add_parser("setup", parents=[common], help="create the first administrator")
    setup.add_argument("name")
    setup.add_argument("--role", default="administrator", choices=["administrator", "teacher"])
    setup.add_argument("--password-stdin", action="store_true")
    setup.set_defaults(func=cmd_setup)

    add = sub.add_parser("add", parents=[common], help="add an account")
    add.add_argument("name")
    add.add_argument("--role", default="student", choices=ROLES)
    _secret_options(add)
    add.add_argument("--as", dest="actor", required=True, metavar="NAME", help="who is adding")
    add.set_defaults(func=cmd_add)

    reset = sub.add_parser("reset-secret", parents=[common], help="set a new PIN/pictures/password")
    reset.add_argument("name")
    _secret_options(reset)
    reset.add_argument("--as", dest="actor", required=True, metavar="NAME")
    reset.set_defaults(func=cmd_reset)

    unlock = sub.add_parser("unlock", parents=[common], help="unlock after too many wrong tries")
    unlock.add_argument("name")
    unlock.add_argument("--as", dest="actor", required=True, metavar="NAME")
    unlock.set_defaults(func=cmd_unlock)

    lst = sub.add_parser("list", parents=[common], help="accounts, how they sign in, locks")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)


def _secret_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--pin", help="a student's PIN, 4 to 8 digits")
    group.add_argument("--pictures", help="a student's pictures in order, e.g. sun,fish,tree")
    group.add_argument("--password", action="store_true", help="ask for a password")
    group.add_argument("--password-stdin", action="store_true", help="read the password")


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        from app.accounts.secrets import SecretError

        raise SecretError("The two passwords differ.")
    return first


def _secret(args: argparse.Namespace) -> tuple[Any, Any]:
    from app.accounts.secrets import SecretKind

    if args.pin is not None:
        return SecretKind.PIN, args.pin
    if args.pictures is not None:
        return SecretKind.PICTURES, args.pictures
    if args.password or args.password_stdin:
        return SecretKind.PASSWORD, _new_password(args)
    return None, None


def signed_in_actor(store: Any, name: str) -> str:
    """The id of account `name` once its password is right (asked on the terminal, or
    $SLATE_PASSWORD): every command that acts for someone starts here."""
    from app.accounts.service import find_account
    from app.accounts.signin import sign_in_with_store

    with store.read() as session:
        user_id = find_account(session, name).id
    password = os.environ.get("SLATE_PASSWORD")
    if password is None:
        password = getpass.getpass(f"Password for {name}: ")
    return sign_in_with_store(store, user_id, password).actor_id


def cmd_setup(args: argparse.Namespace) -> int:
    from app.accounts.service import create_first_staff
    from app.db.models import Role

    password = _new_password(args)
    store = open_store(args)
    try:
        with store.write() as session:
            profile = create_first_staff(session, args.name, password, Role(args.role))
    finally:
        store.close()
    print(f"Created {profile.display_name} ({profile.role}). Sign in with that password.")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from app.accounts.service import add_account
    from app.db.models import Role

    kind, secret = _secret(args)
    store = open_store(args)
    try:
        actor = signed_in_actor(store, args.actor)
        with store.write() as session:
            profile = add_account(
                session, actor, args.name, Role(args.role), kind=kind, secret=secret
            )
    finally:
        store.close()
    print(f"Added {profile.display_name} ({profile.role}).")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from app.accounts.secrets import SecretError
    from app.accounts.service import find_account, set_secret

    kind, secret = _secret(args)
    if kind is None:
        raise SecretError("Give the new secret: --pin, --pictures, --password or --password-stdin.")
    store = open_store(args)
    try:
        actor = signed_in_actor(store, args.actor)
        with store.write() as session:
            user = find_account(session, args.name)
            set_secret(session, actor, user.id, kind, secret)
            name = user.display_name
    finally:
        store.close()
    print(f"New {kind.value} set for {name}; the account is unlocked.")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from app.accounts.service import find_account
    from app.accounts.signin import unlock

    store = open_store(args)
    try:
        actor = signed_in_actor(store, args.actor)
        with store.write() as session:
            user = find_account(session, args.name)
            unlock(session, actor, user.id)
            name = user.display_name
    finally:
        store.close()
    print(f"{name} can sign in again.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from app.accounts.signin import sign_in_state
    from app.profiles import list_profiles

    store = open_store(args, lock=False)
    try:
        with store.read() as session:
            rows = []
            for p in list_profiles(session):
                state = sign_in_state(session, p.id)
                rows.append(
                    {
                        "id": p.id,
                        "name": p.display_name,
                        "role": str(p.role),
                        "sign_in": state.kind.value if state.kind else "none",
                        "locked": state.locked,
                    }
                )
    finally:
        store.close()
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            lock = "\tLOCKED" if row["locked"] else ""
            print(f"{row['name']}\t{row['role']}\t{row['sign_in']}{lock}")
    return 0
