"""`slate server`: run the central server, and the IT chores around it.

    slate server [--host H] [--port P] [--data-dir DIR] [--database-url URL] [--log-level L]
    slate server school add NAME [--json]
    slate server school list [--json]
    slate server device list [--json]
    slate server device revoke DEVICE_ID [--json]
    slate server stats [--json]

Only argparse is imported at registration time: every `slate` command registers this module,
and the FastAPI/uvicorn/SQLAlchemy imports belong to the commands that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")

ENV_DATABASE_URL = "SLATE_SERVER_DATABASE_URL"
SERVER_APP_NAME = "slate-server"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database-url",
        # SUPPRESS: a value given before a subcommand must survive the subcommand's defaults.
        default=argparse.SUPPRESS,
        help=f"SQLAlchemy URL of the server database (sqlite:///... or postgresql://...); "
        f"default: ${ENV_DATABASE_URL}, then server.db in the data folder",
    )
    parents = [common, database]

    server = subparsers.add_parser(
        "server",
        parents=parents,
        help="run the central Slate server, or manage its schools and devices",
        description="With no subcommand, runs the server until interrupted.",
    )
    server.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 for the "
        "school network)",
    )
    server.add_argument(
        "--port", type=_port, default=None, help="port (default 8765; 0 picks a free one)"
    )
    server.add_argument("--log-level", default="info", choices=LOG_LEVELS)
    # Forwarding to an external LRS (issue 5; sync/server/lrs_forward.py).
    server.add_argument(
        "--forward-lrs",
        metavar="URL",
        default=os.environ.get("SLATE_FORWARD_LRS") or None,
        help="forward every event as an xAPI statement to this LRS (its xAPI base URL; "
        "default: $SLATE_FORWARD_LRS)",
    )
    server.add_argument("--lrs-user", help="the LRS's Basic user (default: $SLATE_LRS_USER)")
    server.add_argument(
        "--lrs-password", help="the LRS's Basic password (better: $SLATE_LRS_PASSWORD)"
    )
    server.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (more than 1 needs --database-url "
        "postgresql://...; see docs/deployment.md, District server)",
    )
    hub = server.add_argument_group(
        "classroom hub", "run on a teacher laptop: students sync here, everything goes upstream"
    )
    hub.add_argument("--hub", action="store_true", help="run as a classroom hub")
    hub.add_argument("--upstream", help="the district server the hub forwards to (URL)")
    hub.add_argument("--enroll-code", help="the school's enrollment code (hub and students)")
    hub.add_argument(
        "--forward-interval", type=float, default=10.0, help="seconds between forward rounds"
    )
    hub.add_argument("--hub-name", help="name shown to students (default: Classroom hub on HOST)")
    hub.add_argument(
        "--no-advertise", action="store_true", help="do not announce the hub on the LAN (mDNS)"
    )
    server.set_defaults(func=_serve)
    commands = server.add_subparsers(dest="server_command", metavar="SUBCOMMAND")

    school = commands.add_parser("school", parents=parents, help="add or list schools")
    school_commands = school.add_subparsers(dest="school_command", metavar="ACTION", required=True)
    add = school_commands.add_parser(
        "add", parents=parents, help="add a school and print its enrollment code"
    )
    add.add_argument("name", help="the school's name as teachers know it")
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(func=_school_add)
    listing = school_commands.add_parser("list", parents=parents, help="list schools")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=_school_list)

    device = commands.add_parser("device", parents=parents, help="list or revoke devices")
    device_commands = device.add_subparsers(dest="device_command", metavar="ACTION", required=True)
    devices = device_commands.add_parser("list", parents=parents, help="list enrolled devices")
    devices.add_argument("--json", action="store_true", help="print JSON")
    devices.set_defaults(func=_device_list)
    revoke = device_commands.add_parser(
        "revoke", parents=parents, help="refuse a lost or retired device from now on"
    )
    revoke.add_argument("device_id")
    revoke.add_argument("--json", action="store_true", help="print JSON")
    revoke.set_defaults(func=_device_revoke)

    from sync.server.downstream_commands import register_downstream

    register_downstream(commands, parents)

    stats = commands.add_parser("stats", parents=parents, help="count the events received")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(func=_stats)

    from sync.server import bundle_commands  # USB bundles (issue 5); argparse only

    bundle_commands.register(commands, parents)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def database_url(args: argparse.Namespace, *, create: bool = True) -> str:
    """--database-url, then $SLATE_SERVER_DATABASE_URL, then SQLite in the data folder (which
    must exist already unless `create`)."""
    explicit = getattr(args, "database_url", None) or os.environ.get(ENV_DATABASE_URL)
    if explicit:
        return str(explicit)
    from app.paths import resolve_data_dir
    from sync.server.db import default_database_url

    data_dir = resolve_data_dir(
        getattr(args, "data_dir", None), app_name=SERVER_APP_NAME, create=create
    )
    return default_database_url(data_dir)


def _engine_or_explain(url: str):
    """The engine for `url`, or a SlateError that says what is wrong with the URL."""
    from sqlalchemy.exc import ArgumentError

    from app.errors import SlateError
    from sync.server.db import make_engine

    try:
        return make_engine(url)
    except (ArgumentError, ValueError) as exc:
        raise SlateError(f"--database-url {url!r} is not a database URL ({exc})") from None
    except ModuleNotFoundError:
        raise SlateError(
            f"--database-url {url!r}: Slate's server runs on SQLite (sqlite:///FILE) or "
            "PostgreSQL (postgresql://USER@HOST/DB)"
        ) from None


def _fail(message: str) -> int:
    print(f"slate server: {message}", file=sys.stderr)
    return 1


def _with_database(
    args: argparse.Namespace, work: Callable[[Session], T], *, create: bool = False
) -> T:
    from sync.server import migrate
    from sync.server.db import make_session_factory

    engine = _engine_or_explain(database_url(args, create=create))
    try:
        migrate.upgrade(engine)
        with make_session_factory(engine)() as session:
            return work(session)
    finally:
        engine.dispose()


def _admin(
    args: argparse.Namespace, work: Callable[[Session], Any], *, create: bool = False
) -> tuple[int, Any]:
    """Run `work`, turning the failures IT can act on into one line on stderr. Only `create`
    (adding the first school) makes a missing data folder: for anything else a mistyped
    --data-dir is said, not quietly made into a new, empty server."""
    from sqlalchemy.exc import OperationalError

    from sync.server.db import display_url
    from sync.server.errors import ApiError

    try:
        return 0, _with_database(args, work, create=create)
    except OperationalError as exc:
        return _fail(
            f"cannot use the database {display_url(database_url(args, create=create))}: {exc.orig}"
        ), None
    except (ApiError, ValueError) as exc:
        return _fail(str(exc)), None


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _school_add(args: argparse.Namespace) -> int:
    from sync.server.admin import add_school

    code, school = _admin(args, lambda session: add_school(session, args.name), create=True)
    if code:
        return code
    if args.json:
        _print_json(
            {
                "school_id": school.school_id,
                "name": school.name,
                "enrollment_code": school.enrollment_code,
            }
        )
    else:
        print(f"Added school {school.name!r} ({school.school_id})")
        print(f"Enrollment code: {school.enrollment_code}")
        print("Enter this code once on each laptop (or in the deployment config) to enroll it.")
    return 0


def _school_list(args: argparse.Namespace) -> int:
    from sync.server.admin import list_schools

    code, schools = _admin(args, list_schools)
    if code:
        return code
    if args.json:
        _print_json([s.as_dict() for s in schools])
        return 0
    if not schools:
        print("No schools yet: add one with `slate server school add NAME`.")
        return 0
    _print_table(
        ["school id", "name", "enrollment code", "devices"],
        [[s.school_id, s.name, s.enrollment_code, str(s.devices)] for s in schools],
    )
    return 0


def _device_list(args: argparse.Namespace) -> int:
    from sync.server.admin import list_devices

    code, devices = _admin(args, list_devices)
    if code:
        return code
    if args.json:
        _print_json([d.as_dict() for d in devices])
        return 0
    if not devices:
        print("No devices have enrolled yet.")
        return 0
    _print_table(
        ["device id", "name", "last seen", "revoked"],
        [[d.device_id, d.name, d.last_seen_at or "never", d.revoked_at or ""] for d in devices],
    )
    return 0


def _device_revoke(args: argparse.Namespace) -> int:
    from sync.server.admin import revoke_device

    code, device = _admin(args, lambda session: revoke_device(session, args.device_id))
    if code:
        return code
    if args.json:
        _print_json(device.as_dict())
    else:
        print(f"Revoked device {device.device_id} ({device.name}) at {device.revoked_at}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from sync.server.admin import list_devices, stats

    code, result = _admin(args, lambda session: (stats(session), list_devices(session)))
    if code:
        return code
    counts, devices = result
    if args.json:
        _print_json(counts)
        return 0
    names = {d.device_id: d.name for d in devices}
    print(f"Events received: {counts['events_total']}")
    if counts["by_verb"]:
        print()
        _print_table(["verb", "events"], [[v, str(n)] for v, n in counts["by_verb"].items()])
    if counts["by_device"]:
        print()
        _print_table(
            ["device id", "name", "events"],
            [[d, names.get(d, "?"), str(n)] for d, n in counts["by_device"].items()],
        )
    return 0


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    columns = zip(headers, *rows, strict=False)
    widths = [max(len(str(cell)) for cell in column) for column in columns]
    for row in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from sqlalchemy.exc import OperationalError

    from app import __version__
    from sync.protocol import DEFAULT_PORT
    from sync.server.app import create_app
    from sync.server.db import display_url

    url = database_url(args)
    _engine_or_explain(url).dispose()  # a clear message for a bad URL before anything starts
    from app.paths import resolve_data_dir

    data_dir = resolve_data_dir(getattr(args, "data_dir", None), app_name=SERVER_APP_NAME)
    if getattr(args, "hub", False) or args.upstream or args.enroll_code:
        problem = _hub_problem(args)
        if problem:
            return _fail(problem)
    if args.forward_lrs:
        from sync.server.lrs_forward import check_endpoint

        problem = check_endpoint(args.forward_lrs)
        if problem or args.workers != 1:
            return _fail(problem or "--forward-lrs runs in a single server process (--workers 1)")
    if args.workers != 1:
        return _serve_workers(args, url, data_dir)
    try:
        application = create_app(url, data_dir=data_dir)
    except OperationalError as exc:
        return _fail(f"cannot use the database {display_url(url)}: {exc.orig}")
    hub = _start_hub(args, application) if args.hub else None
    forwarder = None
    if args.forward_lrs:
        from sync.server.lrs_forward import start_for_app

        forwarder = start_for_app(application, args.forward_lrs, args.lrs_user, args.lrs_password)

    class AnnouncingServer(uvicorn.Server):
        # The line is printed once the socket is bound, so whoever waits for it (IT, a test, a
        # service manager) can connect right away; with --port 0 it names the port chosen.
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if not self.started:
                return
            port = self.servers[0].sockets[0].getsockname()[1] if self.servers else self.config.port
            host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
            print(
                f"Slate server {__version__} listening on http://{host}:{port} "
                f"(database: {display_url(url)})",
                flush=True,
            )
            if hub is not None:
                hub.listening(self.config.host, port)

    config = uvicorn.Config(
        application,
        host=args.host,
        port=DEFAULT_PORT if args.port is None else args.port,
        log_level=args.log_level,
    )
    server = AnnouncingServer(config)
    try:
        server.run()
    finally:
        if hub is not None:
            hub.stop()
        if forwarder is not None:
            forwarder.stop()
    return 0 if server.started else 1


def _hub_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the --hub options, if anything (the URL is normalised in place)."""
    from sync.server.hub import check_upstream_url

    if not args.hub:
        return "--upstream and --enroll-code go with --hub (run as a classroom hub)"
    if not args.upstream or not args.enroll_code:
        return "--hub needs --upstream URL (the district server) and --enroll-code CODE"
    if args.workers != 1:
        return "--hub runs one process on a teacher laptop; leave out --workers"
    if not args.forward_interval > 0:
        return f"--forward-interval {args.forward_interval}: give a number of seconds above 0"
    try:
        args.upstream = check_upstream_url(args.upstream)
    except ValueError as exc:
        return str(exc)
    return None


def _start_hub(args: argparse.Namespace, application: Any) -> Any:
    from sync.server.hub import HubRuntime, default_hub_name

    return HubRuntime(
        application.state.sessions,
        args.upstream,
        args.enroll_code,
        interval_s=args.forward_interval,
        advertise_as=None if args.no_advertise else (args.hub_name or default_hub_name()),
    )


def _serve_workers(args: argparse.Namespace, url: str, data_dir: Any) -> int:
    """`--workers N`: N processes over one PostgreSQL database (sync/server/workers.py)."""
    from sqlalchemy.exc import OperationalError

    from app import __version__
    from sync.protocol import DEFAULT_PORT
    from sync.server.db import display_url
    from sync.server.workers import WorkersError, serve_workers

    def announce(host: str, port: int) -> None:
        host = f"[{host}]" if ":" in host else host
        print(
            f"Slate server {__version__} listening on http://{host}:{port} "
            f"(database: {display_url(url)}, {args.workers} workers)",
            flush=True,
        )

    try:
        return serve_workers(
            url,
            host=args.host,
            port=DEFAULT_PORT if args.port is None else args.port,
            workers=args.workers,
            log_level=args.log_level,
            data_dir=data_dir,
            announce=announce,
        )
    except WorkersError as exc:
        return _fail(str(exc))
    except OperationalError as exc:
        return _fail(f"cannot use the database {display_url(url)}: {exc.orig}")
