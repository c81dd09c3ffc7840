"""The profile picker asks for the secret, through the real widgets offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.accounts.signin import FREE_TRIES
from app.db.store import Store
from tests.accounts.people import PASSWORD, People, make_people
from ui.context import AppContext
from ui.pages.profiles import ProfilePage


@pytest.fixture
def page(qtbot, store: Store) -> ProfilePage:  # type: ignore[no-untyped-def]
    page = ProfilePage(AppContext(store))
    qtbot.addWidget(page)
    page.show()
    return page


def pick(page: ProfilePage, name: str) -> None:
    for row in range(page.list.count()):
        if page.list.item(row).text().startswith(name):
            page.list.setCurrentRow(row)
            page.open_button.click()
            return
    raise AssertionError(f"{name} is not listed")


def test_a_pin_is_asked_and_checked(qtbot, store: Store, page: ProfilePage) -> None:  # type: ignore[no-untyped-def]
    people = make_people(store)
    page.refresh()
    labels = [page.list.item(i).text() for i in range(page.list.count())]
    assert labels[:3] == ["Amina", "Bilal", "Chiku"]  # learners first, then staff
    assert "Mr Teacher (teacher)" in labels
    pick(page, "Amina")
    assert page.pages.currentWidget() is page.sign_in
    assert page.sign_in.text.isVisible() and not page.sign_in.pad.isVisible()
    page.sign_in.text.setText("1111")
    page.sign_in.sign_in_button.click()
    qtbot.waitUntil(lambda: "Wrong PIN" in page.sign_in.message.text(), timeout=20000)
    page.sign_in.text.setText("2468")
    with qtbot.waitSignal(page.chosen, timeout=20000) as signed:
        page.sign_in.sign_in_button.click()
    assert signed.args[0].id == people.amina
    assert page.session is not None and page.session.actor_id == people.amina


def test_pictures_are_tapped_in_order(qtbot, store: Store, page: ProfilePage) -> None:  # type: ignore[no-untyped-def]
    people = make_people(store)
    page.refresh()
    pick(page, "Bilal")
    pad = page.sign_in.pad
    assert pad.isVisible() and not page.sign_in.text.isVisible()
    for name in ("sun", "fish", "tree"):
        qtbot.mouseClick(pad.buttons[name], Qt.MouseButton.LeftButton)
    assert pad.chosen_label.text() == "● ● ●"  # never the pictures themselves
    with qtbot.waitSignal(page.chosen, timeout=20000) as signed:
        page.sign_in.sign_in_button.click()
    assert signed.args[0].id == people.bilal


def test_wrong_tries_disable_the_button_until_the_wait_is_over(
    qtbot, store: Store, page: ProfilePage
) -> None:  # type: ignore[no-untyped-def]
    make_people(store)
    page.refresh()
    pick(page, "Mr Teacher")
    for _ in range(FREE_TRIES):
        page.sign_in.text.setText("not " + PASSWORD)
        qtbot.waitUntil(page.sign_in.sign_in_button.isEnabled, timeout=20000)
        page.sign_in.sign_in_button.click()
        qtbot.waitUntil(lambda: "Wrong password" in page.sign_in.message.text(), timeout=20000)
    assert not page.sign_in.sign_in_button.isEnabled()
    assert "Wait 5 seconds" in page.sign_in.message.text()
    # Coming back to the account later shows the wait again (it is stored, not in the widget).
    page.sign_in.back_button.click()
    pick(page, "Mr Teacher")
    assert not page.sign_in.sign_in_button.isEnabled()
    assert "Try again in" in page.sign_in.message.text()


def test_a_learner_without_a_secret_starts_at_once(qtbot, page: ProfilePage) -> None:  # type: ignore[no-untyped-def]
    profile = page.add_profile("Zawadi")
    assert profile is not None
    with qtbot.waitSignal(page.chosen, timeout=1000) as signed:
        page.open_button.click()
    assert signed.args[0].id == profile.id


def test_first_run_creates_the_administrator(qtbot, page: ProfilePage) -> None:  # type: ignore[no-untyped-def]
    assert page.first_run_button.isVisible()
    page.first_run_button.click()
    form = page.first_run
    form.name_edit.setText("Head Teacher")
    form.password.setText(PASSWORD)
    form.repeat.setText("something else")
    form.create_button.click()
    assert "differ" in form.message.text()
    form.repeat.setText(PASSWORD)
    form.create_button.click()
    qtbot.waitUntil(lambda: page.pages.currentIndex() == 0, timeout=20000)
    assert [page.list.item(i).text() for i in range(page.list.count())] == [
        "Head Teacher (administrator)"
    ]
    assert not page.first_run_button.isVisible()


def test_people_fixture_is_reusable(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s")
    try:
        assert isinstance(make_people(store), People)
    finally:
        store.close()
