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
    from app.config import load_config

    config = load_config()
    if config.values.language:
        from PySide6.QtCore import QLocale

        QLocale.setDefault(QLocale(config.values.language))
    try:
        store = Store.open(resolve_data_dir(args.data_dir, config=config))
    except StoreLockedError as exc:
        QMessageBox.information(
            None,
            "Slate is already open",
            "Slate is already open on this computer for this account. "
            "Switch to the window that is already open.",
        )
        print(f"slate: error: {exc}", file=sys.stderr)
        return 1
    except SlateError as exc:
        print(f"slate: error: {exc}", file=sys.stderr)
        from ui.restore_dialog import offer_restore_at_start

        if not offer_restore_at_start(args.data_dir, str(exc)):
            QMessageBox.critical(None, "Slate cannot start", str(exc))
        return 1
    from app.logs import setup_logging
    from ui.context import AppContext

    setup_logging(store.data_dir)
    window = open_main_window(
        AppContext(store), config, args.server, getattr(args, "enroll_code", None)
    )
    _show_slate_errors(window)
    _import_demo_if_empty(window)
    if os.environ.get(ENV_EXIT_WHEN_SHOWN):
        _exit_when_shown(app, window)
    try:
        return app.exec()
    finally:
        window.shutdown()
        store.close()


def open_main_window(ctx, config, server: str | None = None, enroll_code: str | None = None):
    """The window, set up from the command line and then the deployment file (slate.toml)."""
    from ui.main_window import MainWindow

    _configure_server(ctx, server or config.values.server_url)
    window = MainWindow(ctx, sync_interval_s=config.values.sync_interval)
    code = enroll_code or config.values.enrollment_code
    if code:
        # With a deployment file this is the first start's enrollment: the sync worker enrolls
        # as soon as the server answers (it skips this once enrolled), retrying with backoff.
        window.sync_worker.set_enrollment(code)
    window.show()
    _warn_about_config(window, config)
    from ui.restore_dialog import start_daily_backup

    start_daily_backup(window, ctx.store.data_dir, config.values.backups_keep)
    return window


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


def _show_slate_errors(window) -> None:
    """A SlateError that escapes a page's handler (a full disk during any write, say) is shown
    to the person instead of only printed; everything is logged."""
    import logging

    from PySide6.QtWidgets import QMessageBox

    from app.errors import SlateError

    log = logging.getLogger("slate.gui")
    previous = sys.excepthook
    box = QMessageBox(QMessageBox.Icon.Warning, "Slate", "", QMessageBox.StandardButton.Ok, window)
    box.setObjectName("slate_error")

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, SlateError):
            # One box, however often it happens: a quiz's clock retries its write every tick
            # while the disk is full.
            if box.isVisible():
                box.setText(str(exc))
            else:
                log.error("%s", exc)
                box.setText(str(exc))
                box.open()
            return
        log.critical("unexpected error", exc_info=(exc_type, exc, tb))
        previous(exc_type, exc, tb)

    sys.excepthook = hook


def _warn_about_config(window, config) -> None:
    """Problems in slate.toml: the app runs on with the readable settings, and says so."""
    if not config.problems:
        return
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Deployment settings ignored",
        "Some settings in slate.toml could not be used; Slate runs with safe defaults for "
        "them. Tell IT:\n\n" + "\n\n".join(str(p) for p in config.problems),
        QMessageBox.StandardButton.Ok,
        window,
    )
    box.setObjectName("config_warning")
    box.open()  # not exec(): the window stays usable and start-up is not held up


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
