"""`slate gui` (also plain `slate`) and `slate self-test`. Qt is imported only when they run."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    gui = subparsers.add_parser("gui", parents=[common], help="open the Slate window (default)")
    gui.add_argument("--server", help="sync with this server URL (saved in the store)")
    gui.add_argument("--enroll-code", help="the school's enrollment code, for the first sync")
    gui.set_defaults(func=_run_gui)

    st = subparsers.add_parser(
        "self-test",
        parents=[common],
        help="drive the real window offscreen through the main job and report (for IT and CI)",
    )
    st.add_argument("--server", help="also sync with this server")
    st.add_argument("--enroll-code", help="enrollment code for --server")
    st.add_argument("--json", action="store_true", help="print only the JSON report")
    st.add_argument("--keep-window", action="store_true", help=argparse.SUPPRESS)
    st.set_defaults(func=_run_self_test)


def _run_gui(args: argparse.Namespace) -> int:
    from ui.launch import run_gui

    return run_gui(args)


def _run_self_test(args: argparse.Namespace) -> int:
    from ui.selftest import run_self_test

    return run_self_test(args)
