"""`slate self-test`: drive the REAL main window offscreen through the main job and report.

For IT after an install and for CI. Every step is timed and reported as JSON; the exit code is
non-zero if any step failed. Steps after a failed one that needs it are skipped, not faked.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

STEP_TIMEOUT_S = 30.0


@dataclass
class StepReport:
    name: str
    ok: bool
    ms: int
    detail: str


class StepFailed(Exception):
    pass


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise StepFailed(f"timed out after {timeout_s:g} s waiting for {what}")
        # A real event loop, not QTest.qWait: qWait keeps the GIL while it waits, which
        # starved the import thread (15 s instead of 0.3 s for the demo course).
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


class SelfTest:
    def __init__(self, window: Any, server: str | None, enroll_code: str | None) -> None:
        self.window = window
        self.ctx = window.ctx
        self.server = server
        self.enroll_code = enroll_code
        self.steps: list[StepReport] = []
        self.course_id = ""
        self.items: dict[str, str] = {}  # kind -> first item id of that kind

    def run_step(self, name: str, fn: Callable[[], str]) -> bool:
        started = time.perf_counter()
        try:
            detail, ok = fn(), True
        except StepFailed as exc:
            detail, ok = str(exc), False
        except Exception as exc:
            detail, ok = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}", False
        self.steps.append(
            StepReport(name, ok, round((time.perf_counter() - started) * 1000), detail)
        )
        return ok

    def skip(self, name: str, why: str) -> None:
        self.steps.append(StepReport(name, False, 0, f"skipped: {why}"))

    # -- steps -------------------------------------------------------------------------------
    def import_demo(self) -> str:
        from app.courses.catalog import list_courses
        from app.demo import demo_course_dir

        demo = demo_course_dir()
        if not (demo / "course.json").exists():
            raise StepFailed(f"demo course not found at {demo}")
        task = self.window.import_package(demo)
        outcome: dict[str, Any] = {}
        task.finished_ok.connect(lambda r: outcome.setdefault("result", r))
        task.failed.connect(lambda m: outcome.setdefault("error", m))
        wait_until(lambda: bool(outcome) and task.isFinished(), 120, "the course import")
        if "error" in outcome:
            raise StepFailed(outcome["error"])
        result = outcome["result"]
        self.course_id = result.course_id
        courses = self.ctx.read(list_courses)
        if not any(c.id == self.course_id for c in courses):
            raise StepFailed("imported course is not listed")
        return f"{result.title} {result.version}: {result.status}, {result.items} items"

    def choose_profile(self) -> str:
        from PySide6.QtCore import Qt

        page = self.window.profiles
        self.window.switch_profile()
        name = f"Slate self-test {time.strftime('%Y-%m-%d %H:%M:%S')}"
        page.name_edit.setText(name)
        page.add_button.click()
        item = page.list.currentItem()
        if item is None or item.text() != name:
            raise StepFailed(f"new profile not selected (error: {page.error.text()!r})")
        page.open_button.click()
        if self.ctx.profile is None or self.ctx.profile.display_name != name:
            raise StepFailed("profile was not chosen")
        if self.window.stack.currentWidget() is not self.window.courses:
            raise StepFailed("course list not shown after choosing a profile")
        _ = Qt
        return name

    def open_course(self) -> str:
        page = self.window.courses
        page.select_course(self.course_id)
        page.open_button.click()
        outline = self.window.outline
        if self.window.stack.currentWidget() is not outline:
            raise StepFailed("course outline not shown")
        from app.courses.catalog import course_outline

        for module in self.ctx.read(lambda s: course_outline(s, self.course_id, self.ctx.user_id)):
            for item in module.items:
                self.items.setdefault(str(item.kind), item.item_id)
        self.start_progress = outline.progress.value()
        return f"{outline.tree.topLevelItemCount()} modules, steps: {sorted(self.items)}"

    def read_lesson(self) -> str:
        item_id = self.items.get("lesson")
        if not item_id:
            raise StepFailed("the demo course has no reading lesson")
        self.window.outline.open_item(item_id)
        reader = self.window.lesson
        if self.window.stack.currentWidget() is not reader:
            raise StepFailed("lesson reader not shown")
        text = reader.browser.toPlainText()
        if len(text) < 200:
            raise StepFailed(f"lesson text too short ({len(text)} characters)")
        reader.done_button.click()
        if reader.done_button.isEnabled():
            raise StepFailed("lesson not marked done")
        return f"{len(text)} characters shown, marked done"

    def watch_video(self) -> str:
        item_id = self.items.get("video")
        if not item_id:
            raise StepFailed("the demo course has no video")
        self.window.outline.open_item(item_id)
        page = self.window.video
        page.play()
        captions: set[str] = set()

        def advanced() -> bool:
            if page.error.text():
                raise StepFailed(page.error.text())
            if page.caption.text():
                captions.add(page.caption.text())
            return page.player.position() >= 1500

        wait_until(advanced, STEP_TIMEOUT_S, "the video position to pass 1.5 s")
        page.pause()
        position = page.player.position()
        if not captions:
            raise StepFailed("no subtitle was shown while playing")
        if page.video.frames_shown == 0 or _is_blank(page.video.image):
            raise StepFailed("no video frame was drawn")
        from app.progress import item_progress

        row = self.ctx.read(
            lambda s: item_progress(s, self.ctx.user_id, self.course_id).get(item_id)
        )
        watched = sum(b - a for a, b in (row.watched if row else []))
        if watched <= 0.5:
            raise StepFailed("watched time was not recorded")
        self.window.back_to_outline()
        return (
            f"played to {position / 1000:.1f} s, {page.video.frames_shown} frames drawn, "
            f"{watched:.1f} s recorded as watched, subtitles shown"
        )

    def take_quiz(self) -> str:
        from app.courses.catalog import get_item

        item_id = self.items.get("quiz")
        if not item_id:
            raise StepFailed("the demo course has no quiz")
        keys = self.ctx.read(
            lambda s: {
                q.question_id: (q.type, q.key)
                for q in get_item(s, self.course_id, item_id).assessment.questions  # type: ignore[union-attr]
            }
        )
        self.window.outline.open_item(item_id)
        runner = self.window.quiz
        if runner.view is None:
            raise StepFailed(f"quiz did not start: {runner.error.text()}")
        count = len(runner.view.questions)
        for index in range(count):
            question = runner.view.questions[runner.index]
            qtype, key = keys[question.question_id]
            _answer_through_widget(runner.answer, qtype, key)
            if runner.saved_label.text() != "Answer saved":
                raise StepFailed(f"answer to {question.question_id} not saved")
            if index < count - 1:
                runner.next_button.click()
        runner.submit_button.click()
        if runner.confirm_button.isVisible():
            raise StepFailed(runner.confirm_label.text())
        result = runner.result
        if result is None:
            raise StepFailed("no result shown after submit")
        if abs(result.score - 1.0) > 1e-9:
            wrong = [q.question_id for q in result.questions if not q.correct]
            raise StepFailed(f"score {result.score:.0%}; graded wrong: {wrong}")
        self.window.back_to_outline()
        return f"{count} questions answered through the widgets, score {result.score:.0%}"

    def check_progress(self) -> str:
        outline = self.window.outline
        outline.refresh()
        now = outline.progress.value()
        if now <= self.start_progress:
            raise StepFailed(f"progress did not go up ({self.start_progress}% -> {now}%)")
        self.window.show_progress()
        table = self.window.progress_page.table
        if table.rowCount() < 1:
            raise StepFailed("progress page is empty")
        return f"course progress {self.start_progress}% -> {now}%"

    def sync(self) -> str:
        from app import outbox
        from app.identity import DEVICE_TOKEN, SERVER_URL, set_meta
        from sync.client import normalise_url

        with self.ctx.write() as session:
            set_meta(session, SERVER_URL, normalise_url(self.server or ""))
            set_meta(session, DEVICE_TOKEN, None)
        worker = self.window.sync_worker
        worker.set_enrollment(self.enroll_code)

        def synced() -> bool:
            status = self.window.last_sync_status
            if status and status.state == "error" and "enroll" in status.message.lower():
                raise StepFailed(status.message)
            return bool(status and status.state == "synced" and status.pending == 0)

        wait_until(synced, 60, "the sync status to say synced with nothing pending")
        counts = self.ctx.read(outbox.counts)
        status = self.window.sync_label.text()
        return f"{counts.acked_through} events acknowledged by {self.server}: {status}"

    def run(self) -> list[StepReport]:
        ok = self.run_step("import_demo_course", self.import_demo)
        ok = ok and self.run_step("choose_profile", self.choose_profile)
        ok = ok and self.run_step("open_course", self.open_course)
        if ok:
            self.run_step("read_lesson", self.read_lesson)
            self.run_step("watch_video", self.watch_video)
            self.run_step("take_quiz", self.take_quiz)
            self.run_step("check_progress", self.check_progress)
        else:
            self.skip("learning steps", "no course to learn from")
        if self.server:
            self.run_step("sync", self.sync)
        self.retire_profile()
        return self.steps

    def retire_profile(self) -> None:
        """Archive the self-test learner so that it never shows in a real store's picker; its
        events stay, like every event (they are history, and may already be on the server)."""
        from datetime import UTC, datetime

        from app.db.models import User

        if self.ctx.profile is None:
            return
        user_id = self.ctx.profile.id
        with self.ctx.write() as session:
            user = session.get(User, user_id)
            if user is not None:
                user.archived_at = datetime.now(UTC)


def _is_blank(image: Any) -> bool:
    """True if a frame is empty or a single colour (a decoder that outputs black)."""
    if image.isNull():
        return True
    small = image.scaled(16, 9)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    return len(colours) <= 1


def _answer_through_widget(widget: Any, qtype: str, key: dict[str, Any]) -> None:
    """Give the right answer the way a learner would: click buttons, type text."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    if qtype == "single_choice":
        widget.buttons[key["answer"]].click()
    elif qtype == "multiple_choice":
        for option_id, button in widget.buttons.items():
            if (option_id in key["answer"]) != button.isChecked():
                button.click()
    elif qtype == "true_false":
        (widget.true_button if key["answer"] else widget.false_button).click()
    elif qtype in ("numeric", "short_answer"):
        text = f"{key['answer']:g}" if qtype == "numeric" else key["answers"][0]
        widget.edit.clear()
        QTest.keyClicks(widget.edit, text)
        QTest.keyClick(widget.edit, Qt.Key.Key_Return)
        widget.commit()
    else:
        raise StepFailed(f"self-test cannot answer a {qtype} question")


def run_self_test(args: argparse.Namespace) -> int:
    if not getattr(args, "keep_window", False):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from app import __version__
    from app.db.store import Store, StoreError

    app = QApplication.instance() or QApplication(sys.argv[:1])
    temp = None
    if args.data_dir:
        data_dir = Path(args.data_dir)
    elif os.environ.get("SLATE_DATA_DIR"):
        data_dir = Path(os.environ["SLATE_DATA_DIR"])
    else:
        temp = tempfile.TemporaryDirectory(prefix="slate-self-test-")
        data_dir = Path(temp.name)
    started = time.perf_counter()
    report: dict[str, Any] = {"version": __version__, "data_dir": str(data_dir)}
    try:
        store = Store.open(data_dir)
    except StoreError as exc:
        report |= {"ok": False, "steps": [asdict(StepReport("open_store", False, 0, str(exc)))]}
        print(json.dumps(report, indent=None if args.json else 2))
        return 1
    from ui.context import AppContext
    from ui.main_window import MainWindow

    window = MainWindow(AppContext(store))
    window.show()
    try:
        steps = SelfTest(window, args.server, args.enroll_code).run()
    finally:
        window.shutdown()
        window.close()
        store.close()
        app.processEvents()
        if temp is not None:
            temp.cleanup()
    ok = all(s.ok for s in steps)
    report |= {
        "ok": ok,
        "total_ms": round((time.perf_counter() - started) * 1000),
        "steps": [asdict(s) for s in steps],
    }
    if args.json:
        print(json.dumps(report))
    else:
        for s in steps:
            print(f"{'PASS' if s.ok else 'FAIL'}  {s.name:<20} {s.ms:>6} ms  {s.detail}")
        print(json.dumps(report))
    return 0 if ok else 1
