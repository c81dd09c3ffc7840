"""The permission policy, asked directly and through the services that rely on it."""

from __future__ import annotations

import pytest

from app.accounts.permissions import (
    ACCOUNTS_ADMIN,
    ACCOUNTS_MANAGE,
    COURSE_READ,
    GRADES_EXPORT,
    GRADES_WRITE,
    LEARNER_READ,
    PermissionDenied,
    allowed,
    require,
)
from app.db.store import Store
from tests.accounts.people import COURSE, People, make_people


@pytest.fixture
def people(store: Store) -> People:
    return make_people(store)


def test_a_learner_sees_only_their_own_work(store: Store, people: People) -> None:
    with store.read() as s:
        require(s, people.amina, LEARNER_READ, learner_id=people.amina, course_id=COURSE)
        with pytest.raises(PermissionDenied, match="Amina may not see the work of Bilal"):
            require(s, people.amina, LEARNER_READ, learner_id=people.bilal)


def test_a_learner_is_refused_teacher_data(store: Store, people: People) -> None:
    with store.read() as s:
        for action in (COURSE_READ, GRADES_EXPORT):
            with pytest.raises(PermissionDenied, match=r"course test\.attempts"):
                require(s, people.amina, action, course_id=COURSE)
        with pytest.raises(PermissionDenied):
            require(s, people.amina, GRADES_WRITE, course_id=COURSE, learner_id=people.amina)


def test_a_parent_reads_only_their_own_child_and_never_writes(store: Store, people: People) -> None:
    with store.read() as s:
        require(s, people.parent, LEARNER_READ, learner_id=people.amina)
        with pytest.raises(PermissionDenied):
            require(s, people.parent, LEARNER_READ, learner_id=people.bilal)
        for action in (GRADES_WRITE, COURSE_READ, ACCOUNTS_MANAGE):
            assert not allowed(s, people.parent, action, course_id=COURSE, learner_id=people.amina)


def test_a_teacher_reaches_their_class_and_course_only(store: Store, people: People) -> None:
    with store.read() as s:
        require(s, people.teacher, COURSE_READ, course_id=COURSE)
        require(s, people.teacher, GRADES_WRITE, course_id=COURSE, learner_id=people.bilal)
        require(s, people.teacher, LEARNER_READ, learner_id=people.amina)
        # Chiku is in no class of his; the other teacher teaches no class at all.
        assert not allowed(s, people.teacher, LEARNER_READ, learner_id=people.outsider)
        assert not allowed(s, people.teacher, COURSE_READ, course_id="another.course")
        assert not allowed(s, people.other_teacher, COURSE_READ, course_id=COURSE)
        assert not allowed(s, people.teacher, ACCOUNTS_ADMIN)


def test_an_administrator_may_do_everything(store: Store, people: People) -> None:
    with store.read() as s:
        for action in (LEARNER_READ, COURSE_READ, GRADES_WRITE, ACCOUNTS_ADMIN):
            require(s, people.admin, action, course_id=COURSE, learner_id=people.bilal)


def test_unknown_or_archived_actors_may_do_nothing(store: Store, people: People) -> None:
    from datetime import UTC, datetime

    from app.db.models import User

    with store.write() as s:
        user = s.get(User, people.teacher)
        assert user is not None
        user.archived_at = datetime.now(UTC)
    with store.read() as s:
        with pytest.raises(PermissionDenied, match="archived"):
            require(s, people.teacher, COURSE_READ, course_id=COURSE)
        assert not allowed(s, "nobody", LEARNER_READ, learner_id=people.amina)


def test_a_misspelt_action_is_a_bug_not_a_refusal(store: Store, people: People) -> None:
    with store.read() as s, pytest.raises(ValueError, match="unknown permission action"):
        require(s, people.admin, "grades.wirte")
