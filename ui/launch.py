"""Starting the desktop app: the store, the bundled demo course on first run, the window."""

from __future__ import annotations

import argparse
import sys


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.db.store import Store, StoreError
    from app.paths import resolve_data_dir

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Slate")
    app.setOrganizationName("Slate")
    try:
        store = Store.open(resolve_data_dir(args.data_dir))
    except StoreError as exc:
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
    try:
        return app.exec()
    finally:
        window.shutdown()
        store.close()


def _configure_server(ctx, server: str | None) -> None:  # type: ignore[no-untyped-def]
    if not server:
        return
    from app.identity import DEVICE_TOKEN, SERVER_URL, get_meta, set_meta
    from sync.client import normalise_url

    url = normalise_url(server)
    with ctx.write() as session:
        if get_meta(session, SERVER_URL) != url:
            set_meta(session, SERVER_URL, url)
            set_meta(session, DEVICE_TOKEN, None)


def _import_demo_if_empty(window) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from app.db.models import Course
    from app.demo import demo_course_dir

    if window.ctx.read(lambda s: s.scalar(select(func.count()).select_from(Course))):
        return
    demo = demo_course_dir()
    if (demo / "course.json").exists():
        window.import_package(demo)
