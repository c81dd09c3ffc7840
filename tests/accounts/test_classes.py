"""Classes made offline: the change goes up as one event carrying the whole class."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.classes import ClassError, class_object_id, classes_of, enroll, get_class
from app.accounts.permissions import PermissionDenied
from app.db.models import Event
from app.db.store import Store
from app.events import Verb
from app.outbox import pending_batch
from tests.accounts.people import COURSE, People, make_people


@pytest.fixture
def people(store: Store) -> People:
    return make_people(store)


def test_creating_and_enrolling_write_snapshots_in_the_outbox(store: Store, people: People) -> None:
    with store.read() as s:
        events = s.scalars(
            select(Event).where(Event.verb == Verb.CLASS_CHANGED.value).order_by(Event.seq)
        ).all()
        pending = {e["id"] for e in pending_batch(s, 1000)[1]}
    assert [e.context["change"] for e in events] == ["created", "enrolled"]
    assert all(e.object_id == class_object_id(people.class_id) for e in events)
    assert all(e.user_id == people.teacher and e.id in pending for e in events)
    latest = events[-1].result
    assert latest is not None
    snapshot = latest["class"]
    assert snapshot["name"] == "Form 2A" and snapshot["course_ids"] == [COURSE]
    assert {(m["display_name"], m["role"]) for m in snapshot["members"]} == {
        ("Mr Teacher", "teacher"),
        ("Amina", "student"),
        ("Bilal", "student"),
    }


def test_only_the_classes_teacher_enrolls(store: Store, people: People) -> None:
    with pytest.raises(PermissionDenied, match="not its teacher"), store.write() as s:
        enroll(s, people.other_teacher, people.class_id, [people.outsider])
    with pytest.raises(PermissionDenied), store.write() as s:
        enroll(s, people.amina, people.class_id, [people.outsider])
    with store.write() as s:
        enroll(s, people.teacher, people.class_id, [people.outsider])
    with store.read() as s:
        assert people.outsider in get_class(s, people.class_id).learner_ids


def test_a_parent_cannot_be_enrolled(store: Store, people: People) -> None:
    with pytest.raises(ClassError, match="is a parent"), store.write() as s:
        enroll(s, people.teacher, people.class_id, [people.parent])


def test_a_learner_lists_their_own_classes(store: Store, people: People) -> None:
    with store.read() as s:
        assert [c.name for c in classes_of(s, people.amina)] == ["Form 2A"]
        assert classes_of(s, people.outsider) == []
        assert [c.name for c in classes_of(s, people.admin)] == ["Form 2A"]
