"""Who is using Slate? Each person picks their name, then gives their PIN, pictures or password.

Learners come first in the list, then teachers, administrators and parents. A learner with no
secret set (the demo profile, learners added on the picker) starts at once, as before accounts
existed. Checking a secret costs an argon2 hash, so it runs off the GUI thread. On a new
install with no teacher or administrator yet, a "first teacher" form creates the first
administrator. The rules all live in app/accounts; this page only asks and shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.accounts.service import create_first_staff, needs_first_run
from app.accounts.signin import SignedInSession, sign_in_state, sign_in_with_store
from app.db.models import Role
from app.profiles import Profile, ProfileError, create_profile, list_profiles
from ui.context import AppContext
from ui.widgets.sign_in import SignInPanel
from ui.workers import TaskThread

ROLE_ORDER = {Role.STUDENT: 0, Role.TEACHER: 1, Role.ADMINISTRATOR: 2, Role.PARENT: 3}


class FirstRunForm(QWidget):
    """Name and password of the first administrator of this computer."""

    def __init__(self) -> None:
        super().__init__()
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Your name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName("Password again")
        self.create_button = QPushButton("Create")
        self.back_button = QPushButton("Back")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow("Your name", self.name_edit)
        form.addRow("Password", self.password)
        form.addRow("Password again", self.repeat)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "<h2>Set up Slate on this computer</h2>"
                "<p>You become its administrator: you can add teachers and learners, set their "
                "PINs and unlock them.</p>"
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)


class ProfilePage(QWidget):
    chosen = Signal(object)  # Profile, once signed in

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        # The signed-in session (who is acting); None until someone signs in.
        self.session: SignedInSession | None = None
        self._task: TaskThread | None = None
        self._pending: Profile | None = None
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_picker())
        self.sign_in = SignInPanel()
        self.sign_in.submitted.connect(self._check_secret)
        self.sign_in.cancelled.connect(self.show_picker)
        self.pages.addWidget(self.sign_in)
        self.first_run = FirstRunForm()
        self.first_run.create_button.clicked.connect(self._create_first_staff)
        self.first_run.back_button.clicked.connect(self.show_picker)
        self.pages.addWidget(self.first_run)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(lambda: self.sign_in.set_busy(False))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.refresh()

    def _build_picker(self) -> QWidget:
        picker = QWidget()
        title = QLabel("<h1>Who is learning today?</h1>")
        self.list = QListWidget()
        self.list.setAccessibleName("Learner profiles")
        self.list.itemActivated.connect(self._activate)
        self.open_button = QPushButton("Start learning")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self._open_selected)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("New learner's name")
        self.name_edit.setAccessibleName("New learner's name")
        self.name_edit.returnPressed.connect(self._add)
        self.add_button = QPushButton("Add learner")
        self.add_button.clicked.connect(self._add)
        self.first_run_button = QPushButton("Set up a teacher account…")
        self.first_run_button.clicked.connect(self.show_first_run)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        add_row = QHBoxLayout()
        add_row.addWidget(self.name_edit, 1)
        add_row.addWidget(self.add_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.first_run_button)
        bottom.addStretch(1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(picker)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addLayout(bottom)
        layout.addLayout(add_row)
        layout.addWidget(self.error)
        return picker

    def refresh(self) -> None:
        """Show the picker afresh; called when the person at the keyboard changes."""
        self.session = None
        self.list.clear()
        profiles = self.ctx.read(list_profiles)
        for profile in sorted(profiles, key=lambda p: ROLE_ORDER.get(p.role, 9)):
            label = profile.display_name
            if profile.role != Role.STUDENT:
                label += f" ({profile.role.value})"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, profile)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.open_button.setEnabled(self.list.count() > 0)
        self.first_run_button.setVisible(self.ctx.read(needs_first_run))

    def show_picker(self) -> None:
        self._pending = None
        self.pages.setCurrentIndex(0)

    def show_first_run(self) -> None:
        self.first_run.message.clear()
        self.pages.setCurrentWidget(self.first_run)

    def add_profile(self, name: str) -> Profile | None:
        try:
            with self.ctx.write() as session:
                profile = create_profile(session, name)
        except ProfileError as exc:
            self.error.setText(str(exc))
            return None
        self.error.clear()
        self.name_edit.clear()
        self.refresh()
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole).id == profile.id:
                self.list.setCurrentRow(row)
        return profile

    def _add(self) -> None:
        self.add_profile(self.name_edit.text())

    def _activate(self, item: QListWidgetItem) -> None:
        self.begin_sign_in(item.data(Qt.ItemDataRole.UserRole))

    def _open_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._activate(item)

    def begin_sign_in(self, profile: Profile) -> None:
        """Start at once when there is no secret to ask, else ask for it."""
        state = self.ctx.read(lambda s: sign_in_state(s, profile.id))
        if state.kind is None and profile.role == Role.STUDENT:
            self._check(profile, None)
            return
        if state.kind is None:
            self.error.setText(
                f"{profile.display_name} has no password yet; an administrator can set one."
            )
            return
        self._pending = profile
        self.sign_in.ask(profile.display_name, state.kind)
        self.pages.setCurrentWidget(self.sign_in)
        if state.locked:
            self.sign_in.set_busy(True)
            self.sign_in.show_message(
                "This account is locked after too many wrong tries. "
                "A teacher or an administrator can unlock it."
            )
        elif state.wait_s:
            self._wait(state.wait_s)

    def _wait(self, seconds: int) -> None:
        self.sign_in.set_busy(True)
        self.sign_in.show_message(f"Too many wrong tries. Try again in {seconds} seconds.")
        self._retry_timer.start(seconds * 1000)

    def _check_secret(self, secret: str | list[str]) -> None:
        if self._pending is not None:
            self._check(self._pending, secret)

    def _check(self, profile: Profile, secret: str | list[str] | None) -> None:
        if secret is None:
            # No secret to hash: nothing slow to do, so no thread (the picker stays instant).
            self._signed_in(profile, sign_in_with_store(self.ctx.store, profile.id, None))
            return
        self.sign_in.set_busy(True)
        store = self.ctx.store
        task = TaskThread(lambda _report: sign_in_with_store(store, profile.id, secret), self)
        task.finished_ok.connect(lambda session: self._signed_in(profile, session))
        task.failed.connect(lambda message: self._refused(profile, message))
        self._task = task
        task.start()

    def _signed_in(self, profile: Profile, session: SignedInSession) -> None:
        self.session = session
        self._pending = None
        self.pages.setCurrentIndex(0)
        self.chosen.emit(profile)

    def _refused(self, profile: Profile, message: str) -> None:
        state = self.ctx.read(lambda s: sign_in_state(s, profile.id))
        self.sign_in.show_message(message)
        self.sign_in.set_busy(state.locked)
        if not state.locked and state.wait_s:
            self._retry_timer.start(state.wait_s * 1000)
            self.sign_in.set_busy(True)

    def _create_first_staff(self) -> None:
        form = self.first_run
        if form.password.text() != form.repeat.text():
            form.message.setText("The two passwords differ.")
            return
        name, password = form.name_edit.text(), form.password.text()
        store = self.ctx.store

        def create(_report: object) -> Profile:
            with store.write() as session:
                return create_first_staff(session, name, password)

        form.create_button.setEnabled(False)
        task = TaskThread(create, self)
        task.finished_ok.connect(self._first_staff_created)
        task.failed.connect(form.message.setText)
        task.finished.connect(lambda: form.create_button.setEnabled(True))
        self._task = task
        task.start()

    def _first_staff_created(self, profile: Profile) -> None:
        self.first_run.password.clear()
        self.first_run.repeat.clear()
        self.refresh()
        self.show_picker()
