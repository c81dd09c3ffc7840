"""Classes made on this laptop: a teacher creates one offline and enrolls learners.

Every change writes, in the same transaction, one `class-changed` event (verb
`Verb.CLASS_CHANGED`, object `urn:slate:class:CLASS_ID`) whose `result.class` is the whole
class as it now is (see `class_snapshot`), so the server needs no order between changes: the
snapshot from the highest (source, seq) wins. The contract is in docs/sync-protocol.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.permissions import CLASSES_CREATE, PermissionDenied, require
from app.accounts.tables import ClassCourse, ClassMember, SchoolClass
from app.db.models import Role, User
from app.errors import SlateError
from app.events import Verb, record_event
from app.profiles import clean_name

MAX_CLASS_NAME = 120


class ClassError(SlateError):
    pass


@dataclass(frozen=True)
class ClassMemberInfo:
    user_id: str
    display_name: str
    role: str


@dataclass(frozen=True)
class ClassInfo:
    class_id: str
    name: str
    course_ids: list[str]
    members: list[ClassMemberInfo]

    @property
    def learner_ids(self) -> list[str]:
        return [m.user_id for m in self.members if m.role == Role.STUDENT.value]


def class_object_id(class_id: str) -> str:
    return f"urn:slate:class:{class_id}"


def get_class(session: Session, class_id: str) -> ClassInfo:
    row = session.get(SchoolClass, class_id)
    if row is None:
        raise ClassError(f"There is no class {class_id} on this computer.")
    courses = session.scalars(
        select(ClassCourse.course_id)
        .where(ClassCourse.class_id == class_id)
        .order_by(ClassCourse.course_id)
    ).all()
    members = session.execute(
        select(ClassMember.user_id, User.display_name, ClassMember.role)
        .join(User, User.id == ClassMember.user_id)
        .where(ClassMember.class_id == class_id)
        .order_by(ClassMember.role.desc(), User.display_name)
    ).all()
    return ClassInfo(
        row.id, row.name, list(courses), [ClassMemberInfo(u, n, r) for u, n, r in members]
    )


def class_snapshot(info: ClassInfo) -> dict[str, Any]:
    """The class as it travels in a `class-changed` event."""
    return {
        "class_id": info.class_id,
        "name": info.name,
        "course_ids": info.course_ids,
        "members": [
            {"user_id": m.user_id, "display_name": m.display_name, "role": m.role}
            for m in info.members
        ],
    }


def _changed(session: Session, actor_id: str, class_id: str, change: str) -> ClassInfo:
    session.flush()
    info = get_class(session, class_id)
    record_event(
        session,
        user_id=actor_id,
        verb=Verb.CLASS_CHANGED,
        course_id=None,
        course_version=None,
        object_id=class_object_id(class_id),
        result={"class": class_snapshot(info)},
        context={"change": change},
    )
    return info


def create_class(
    session: Session, actor_id: str, name: str, course_ids: list[str] | tuple[str, ...] = ()
) -> ClassInfo:
    """A new class; a teacher who creates it teaches it. The caller commits."""
    require(session, actor_id, CLASSES_CREATE)
    clean = clean_name(name)
    if not clean:
        raise ClassError("A class needs a name.")
    if len(clean) > MAX_CLASS_NAME:
        raise ClassError(f"A class name can have at most {MAX_CLASS_NAME} characters.")
    class_id = str(uuid.uuid4())
    session.add(SchoolClass(id=class_id, name=clean, created_by=actor_id, origin="local"))
    session.flush()
    for course_id in dict.fromkeys(course_ids):
        session.add(ClassCourse(class_id=class_id, course_id=course_id))
    actor = session.get(User, actor_id)
    if actor is not None and actor.role == Role.TEACHER:
        session.add(ClassMember(class_id=class_id, user_id=actor_id, role=Role.TEACHER.value))
    return _changed(session, actor_id, class_id, "created")


def _require_class_teacher(session: Session, actor_id: str, class_id: str) -> SchoolClass:
    row = session.get(SchoolClass, class_id)
    if row is None:
        raise ClassError(f"There is no class {class_id} on this computer.")
    actor = session.get(User, actor_id)
    if actor is not None and actor.archived_at is None and actor.role == Role.ADMINISTRATOR:
        return row
    member = session.get(ClassMember, (class_id, actor_id))
    if member is None or member.role != Role.TEACHER.value:
        who = actor.display_name if actor else actor_id
        raise PermissionDenied(f"{who} may not change the class {row.name!r}: not its teacher.")
    return row


def enroll(session: Session, actor_id: str, class_id: str, user_ids: list[str]) -> ClassInfo:
    """Add learners (or co-teachers) to a class, by their role. The caller commits."""
    _require_class_teacher(session, actor_id, class_id)
    for user_id in dict.fromkeys(user_ids):
        user = session.get(User, user_id)
        if user is None or user.archived_at is not None:
            raise ClassError(f"There is no account {user_id} on this computer.")
        if user.role not in (Role.STUDENT, Role.TEACHER):
            raise ClassError(
                f"{user.display_name} is a {user.role.value}; only learners and "
                "teachers belong to a class."
            )
        if session.get(ClassMember, (class_id, user_id)) is None:
            session.add(ClassMember(class_id=class_id, user_id=user_id, role=user.role.value))
    return _changed(session, actor_id, class_id, "enrolled")


def add_course(session: Session, actor_id: str, class_id: str, course_id: str) -> ClassInfo:
    _require_class_teacher(session, actor_id, class_id)
    if session.get(ClassCourse, (class_id, course_id)) is None:
        session.add(ClassCourse(class_id=class_id, course_id=course_id))
    return _changed(session, actor_id, class_id, "course_added")


def classes_of(session: Session, actor_id: str) -> list[ClassInfo]:
    """The classes an account belongs to (every class, for an administrator)."""
    actor = session.get(User, actor_id)
    if actor is None:
        return []
    query = select(SchoolClass.id).order_by(SchoolClass.name)
    if actor.role != Role.ADMINISTRATOR:
        query = query.join(ClassMember, ClassMember.class_id == SchoolClass.id).where(
            ClassMember.user_id == actor_id
        )
    return [get_class(session, class_id) for class_id in session.scalars(query)]
