"""Starting the desktop app: the store, the bundled demo course on first run, the window."""

from __future__ import annotations

import argparse
import os
import sys
import time

# For bench/startup.py: print start-up figures as JSON once the window is up, then quit.
ENV_EXIT_WHEN_SHOWN = "SLATE_EXIT_WHEN_SHOWN"


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.db.store import Store, StoreLockedError
    from app.errors import SlateError
    from app.paths import resolve_data_dir

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Slate")
    app.setOrganizationName("Slate")
    try:
        store = Store.open(resolve_data_dir(args.data_dir))
    except StoreLockedError as exc:
        QMessageBox.information(
            None, "Slate is already open",
            "Slate is already open on this computer for this account. "
            "Switch to the window that is already open.",
        )
        print(f"slate: error: {exc}", file=sys.stderr)
        return 1
    except SlateError as exc:
        QMessageBox.critical(None, "Slate cannot start", str(exc))
        print(f"slate: error: {exc}", file=sys.stderr)
        return 1
    from ui.context import AppContext
    from ui.main_window import MainWindow

    ctx = AppContext(store)
    _configure_server(ctx, args.server)
    window = MainWindow(ctx)
    if getattr(args, "enroll_code", None):
        window.sync_worker.set_enrollment(args.enroll_code)
    window.show()
    _import_demo_if_empty(window)
    if os.environ.get(ENV_EXIT_WHEN_SHOWN):
        _exit_when_shown(app, window)
    try:
        return app.exec()
    finally:
        window.shutdown()
        store.close()


def _configure_server(ctx, server: str | None) -> None:
    if not server:
        return
    from app.identity import DEVICE_TOKEN, SERVER_URL, get_meta, set_meta
    from sync.client import normalise_url

    url = normalise_url(server)
    with ctx.write() as session:
        if get_meta(session, SERVER_URL) != url:
            set_meta(session, SERVER_URL, url)
            set_meta(session, DEVICE_TOKEN, None)


def _import_demo_if_empty(window) -> None:
    from sqlalchemy import func, select

    from app.db.models import Course
    from app.demo import demo_course_dir

    if window.ctx.read(lambda s: s.scalar(select(func.count()).select_from(Course))):
        return
    demo = demo_course_dir()
    if (demo / "course.json").exists():
        window.import_package(demo)


def _exit_when_shown(app, window) -> None:
    import json

    from PySide6.QtCore import QTimer

    def report() -> None:
        shown = time.time()
        app.processEvents()
        print(json.dumps({"shown_at": shown, "visible": window.isVisible()}), flush=True)
        QTimer.singleShot(int(float(os.environ.get("SLATE_IDLE_S", "1")) * 1000), idle)

    def idle() -> None:
        print(json.dumps({"idle_rss_kb": rss_kb()}), flush=True)
        app.quit()

    QTimer.singleShot(0, report)


def rss_kb() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
