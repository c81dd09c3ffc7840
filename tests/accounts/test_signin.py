"""Signing in: PIN, pictures and password; wrong tries slow down and lock, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.accounts.permissions import PermissionDenied
from app.accounts.secrets import SecretError, SecretKind
from app.accounts.service import create_first_staff, needs_first_run, set_secret
from app.accounts.signin import (
    FREE_TRIES,
    LOCK_AFTER,
    AccountLocked,
    SignInError,
    TooSoon,
    sign_in_state,
    sign_in_with_store,
    unlock,
    wait_after,
)
from app.accounts.tables import Credential
from app.db.models import Role
from app.db.store import Store
from tests.accounts.people import PASSWORD, People, make_people

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def people(store: Store) -> People:
    return make_people(store)


def test_each_kind_of_secret_signs_its_owner_in(store: Store, people: People) -> None:
    assert sign_in_with_store(store, people.amina, "2468", now=T0).actor_id == people.amina
    bilal = sign_in_with_store(store, people.bilal, ["sun", "fish", "tree"], now=T0)
    assert bilal.role == Role.STUDENT
    teacher = sign_in_with_store(store, people.teacher, PASSWORD, now=T0)
    assert teacher.is_staff and teacher.display_name == "Mr Teacher"
    # A learner with no secret (the demo profile, learners from before accounts) just picks.
    assert sign_in_with_store(store, people.outsider, None, now=T0).actor_id == people.outsider


def test_the_order_of_pictures_matters(store: Store, people: People) -> None:
    with pytest.raises(SignInError, match="Wrong pictures"):
        sign_in_with_store(store, people.bilal, ["fish", "sun", "tree"], now=T0)


def test_no_hash_gives_the_secret_away(store: Store, people: People) -> None:
    with store.read() as s:
        hashes = [c.secret_hash for c in s.query(Credential)]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any("2468" in h or PASSWORD in h for h in hashes)


def test_wrong_tries_slow_down_then_lock_and_a_restart_forgets_neither(
    tmp_path: Path,
) -> None:
    data = tmp_path / "store"
    store = Store.open(data)
    people = make_people(store)
    now = T0
    for _ in range(FREE_TRIES):
        with pytest.raises(SignInError, match="Wrong PIN"):
            sign_in_with_store(store, people.amina, "0000", now=now)
    # The third wrong try costs a wait; close Slate and open it again: still waiting.
    store.close()
    store = Store.open(data)
    with pytest.raises(TooSoon, match=f"Try again in {wait_after(FREE_TRIES) - 1} seconds"):
        sign_in_with_store(store, people.amina, "2468", now=now + timedelta(seconds=1))
    for _ in range(FREE_TRIES, LOCK_AFTER):
        with store.read() as s:
            now += timedelta(seconds=sign_in_state(s, people.amina, now=now).wait_s)
        with pytest.raises(SignInError):
            sign_in_with_store(store, people.amina, "1111", now=now)
    store.close()
    store = Store.open(data)
    # Locked: even the right PIN, even much later, until a teacher unlocks.
    with pytest.raises(AccountLocked, match="teacher or an administrator can unlock"):
        sign_in_with_store(store, people.amina, "2468", now=now + timedelta(days=3))
    with store.write() as s, pytest.raises(PermissionDenied):
        unlock(s, people.other_teacher, people.amina)
    with store.write() as s:
        unlock(s, people.teacher, people.amina)
    assert sign_in_with_store(store, people.amina, "2468", now=now).actor_id == people.amina
    store.close()


def test_a_right_secret_resets_the_count(store: Store, people: People) -> None:
    for _ in range(FREE_TRIES - 1):
        with pytest.raises(SignInError):
            sign_in_with_store(store, people.amina, "9999", now=T0)
    sign_in_with_store(store, people.amina, "2468", now=T0)
    with store.read() as s:
        assert sign_in_state(s, people.amina, now=T0).failed_tries == 0


def test_a_clock_moved_back_does_not_lock_a_child_out(store: Store, people: People) -> None:
    for _ in range(FREE_TRIES + 1):
        with store.read() as s:
            wait = sign_in_state(s, people.amina, now=T0 + timedelta(hours=1)).wait_s
        with pytest.raises(SignInError):
            sign_in_with_store(
                store, people.amina, "0000", now=T0 + timedelta(hours=1, seconds=wait)
            )
    assert sign_in_with_store(store, people.amina, "2468", now=T0).actor_id == people.amina


@pytest.mark.parametrize(
    ("kind", "secret", "problem"),
    [
        (SecretKind.PIN, "12a4", "4 to 8 digits"),
        (SecretKind.PIN, "123", "4 to 8 digits"),
        (SecretKind.PICTURES, ["sun", "moon"], "3 to 6 pictures"),
        (SecretKind.PICTURES, ["sun", "moon", "dragon"], "Unknown picture 'dragon'"),
        (SecretKind.PASSWORD, "short", "signs in with a pin or pictures"),
    ],
)
def test_a_secret_that_breaks_the_rules_is_refused_with_the_rule(
    store: Store, people: People, kind: SecretKind, secret: str | list[str], problem: str
) -> None:
    with pytest.raises(SecretError, match=problem), store.write() as s:
        set_secret(s, people.teacher, people.amina, kind, secret)


def test_a_teacher_cannot_set_another_teachers_password(store: Store, people: People) -> None:
    with pytest.raises(PermissionDenied), store.write() as s:
        set_secret(s, people.teacher, people.other_teacher, SecretKind.PASSWORD, "new password!")
    with store.write() as s:
        set_secret(s, people.teacher, people.teacher, SecretKind.PASSWORD, "my new password")
    assert sign_in_with_store(store, people.teacher, "my new password").actor_id == people.teacher


def test_first_run_makes_one_administrator_and_then_closes(store: Store) -> None:
    with store.read() as s:
        assert needs_first_run(s)
    with store.write() as s:
        admin = create_first_staff(s, "Head Teacher", PASSWORD)
    assert admin.role == Role.ADMINISTRATOR
    with store.read() as s:
        assert not needs_first_run(s)
    with pytest.raises(PermissionDenied, match="already has"), store.write() as s:
        create_first_staff(s, "Intruder", PASSWORD)


def test_staff_without_a_password_cannot_sign_in(store: Store) -> None:
    from app.profiles import create_profile

    with store.write() as s:
        teacher = create_profile(s, "Old Teacher", Role.TEACHER).id
    with pytest.raises(SignInError, match="has no password yet"):
        sign_in_with_store(store, teacher, None)
