"""A small school on one laptop store: an administrator, a teacher with a class, two learners of
that class, a learner of no class, a parent linked to one learner, and a second teacher."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.classes import create_class, enroll
from app.accounts.secrets import SecretKind
from app.accounts.service import add_account, create_first_staff, link_guardian
from app.db.models import Role
from app.db.store import Store

COURSE = "test.attempts"
PASSWORD = "correct horse"


@dataclass(frozen=True)
class People:
    admin: str
    teacher: str
    other_teacher: str
    amina: str
    bilal: str
    outsider: str
    parent: str
    class_id: str


def make_people(store: Store, course_id: str = COURSE) -> People:
    with store.write() as s:
        admin = create_first_staff(s, "Ms Admin", PASSWORD).id
        teacher = add_account(
            s, admin, "Mr Teacher", Role.TEACHER, kind=SecretKind.PASSWORD, secret=PASSWORD
        ).id
        other = add_account(
            s, admin, "Mrs Other", Role.TEACHER, kind=SecretKind.PASSWORD, secret=PASSWORD
        ).id
        amina = add_account(
            s, teacher, "Amina", Role.STUDENT, kind=SecretKind.PIN, secret="2468"
        ).id
        bilal = add_account(
            s,
            teacher,
            "Bilal",
            Role.STUDENT,
            kind=SecretKind.PICTURES,
            secret=["sun", "fish", "tree"],
        ).id
        outsider = add_account(s, teacher, "Chiku", Role.STUDENT).id
        parent = add_account(
            s, admin, "Amina's mother", Role.PARENT, kind=SecretKind.PASSWORD, secret=PASSWORD
        ).id
        link_guardian(s, admin, parent, amina)
        class_id = create_class(s, teacher, "Form 2A", [course_id]).class_id
        enroll(s, teacher, class_id, [amina, bilal])
    return People(admin, teacher, other, amina, bilal, outsider, parent, class_id)
