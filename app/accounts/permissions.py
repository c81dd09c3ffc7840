"""Who may do what: the one policy every app/ service asks before it reads or changes data.

Services call `require(session, actor_id, action, course_id=..., learner_id=...)` first thing;
it returns nothing or raises PermissionDenied. The widgets may hide what an actor cannot do
(ask `allowed`), but the rule holds here, so a test or a script calling a service as a student
is refused just as the GUI would be.

The policy, action by action (ACTIONS below is the same table in code):

- learner.read (progress, attempts, answers, grades of one learner): the learner, a parent
  linked to them, a teacher of one of their classes, an administrator;
- course.read (gradebook, dashboards, item analysis of a course) and grades.export: a teacher
  of a class following the course, an administrator;
- grades.write (grade, comment, override one answer): a teacher of the course who also teaches
  the learner, an administrator;
- questions.regrade, rubrics.edit: a teacher of the course, an administrator;
- classes.create, accounts.create_student: any teacher, an administrator;
- accounts.manage (reset a student's secret, unlock it): a teacher of the learner, an admin;
- accounts.admin (teachers, parents, administrators, parent links): an administrator;
- grading.open (whether grading is offered at all): any teacher, an administrator.

A teacher "teaches" a course when they are a teacher member of a class that follows it, and a
learner when they are a teacher member of a class the learner is enrolled in (with `course_id`
given: a class that also follows that course). Parents only ever read. An archived or unknown
actor may do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from app.accounts.tables import ClassCourse, ClassMember, GuardianLink
from app.db.models import Role, User
from app.errors import SlateError


class PermissionDenied(SlateError):
    """The signed-in person may not do this; the message says who, what and to whom."""


LEARNER_READ = "learner.read"
COURSE_READ = "course.read"
GRADES_EXPORT = "grades.export"
GRADES_WRITE = "grades.write"
QUESTIONS_REGRADE = "questions.regrade"
RUBRICS_EDIT = "rubrics.edit"
CLASSES_CREATE = "classes.create"
ACCOUNTS_CREATE_STUDENT = "accounts.create_student"
ACCOUNTS_MANAGE = "accounts.manage"
ACCOUNTS_ADMIN = "accounts.admin"
# Whether the grading pages and actions are offered at all (each grade is checked again).
GRADING_OPEN = "grading.open"


@dataclass(frozen=True)
class _Ask:
    session: Session
    actor: User
    course_id: str | None
    learner_id: str | None


def _is_admin(ask: _Ask) -> bool:
    return ask.actor.role == Role.ADMINISTRATOR


def _is_teacher(ask: _Ask) -> bool:
    return ask.actor.role == Role.TEACHER


def _is_self(ask: _Ask) -> bool:
    return ask.learner_id is not None and ask.learner_id == ask.actor.id


def _is_parent_of(ask: _Ask) -> bool:
    if ask.actor.role != Role.PARENT or ask.learner_id is None:
        return False
    link = ask.session.get(GuardianLink, (ask.actor.id, ask.learner_id))
    return link is not None


def _teaches_course(ask: _Ask) -> bool:
    if not _is_teacher(ask) or ask.course_id is None:
        return False
    query = select(ClassMember.class_id).where(
        ClassMember.user_id == ask.actor.id,
        ClassMember.role == Role.TEACHER.value,
        exists().where(
            ClassCourse.class_id == ClassMember.class_id, ClassCourse.course_id == ask.course_id
        ),
    )
    return ask.session.scalar(query.limit(1)) is not None


def _teaches_learner(ask: _Ask) -> bool:
    if not _is_teacher(ask) or ask.learner_id is None:
        return False
    mine = aliased(ClassMember)
    theirs = aliased(ClassMember)
    query = select(mine.class_id).where(
        mine.user_id == ask.actor.id,
        mine.role == Role.TEACHER.value,
        theirs.class_id == mine.class_id,
        theirs.user_id == ask.learner_id,
        theirs.role == Role.STUDENT.value,
    )
    if ask.course_id is not None:
        query = query.where(
            exists().where(
                ClassCourse.class_id == mine.class_id, ClassCourse.course_id == ask.course_id
            )
        )
    return ask.session.scalar(query.limit(1)) is not None


def _learner_is_student(ask: _Ask) -> bool:
    learner = ask.session.get(User, ask.learner_id) if ask.learner_id else None
    return learner is not None and learner.role == Role.STUDENT


Rule = Callable[[_Ask], bool]


def _any(*rules: Rule) -> Rule:
    return lambda ask: any(rule(ask) for rule in rules)


def _all(*rules: Rule) -> Rule:
    return lambda ask: all(rule(ask) for rule in rules)


# action -> (rule, what the action is in words, for the refusal message)
ACTIONS: dict[str, tuple[Rule, str]] = {
    LEARNER_READ: (
        _any(_is_admin, _is_self, _is_parent_of, _teaches_learner),
        "see the work of",
    ),
    COURSE_READ: (_any(_is_admin, _teaches_course), "see the class results of"),
    GRADES_EXPORT: (_any(_is_admin, _teaches_course), "export the grades of"),
    GRADES_WRITE: (
        _any(_is_admin, _all(_teaches_course, _teaches_learner)),
        "grade the work of",
    ),
    QUESTIONS_REGRADE: (_any(_is_admin, _teaches_course), "regrade the questions of"),
    RUBRICS_EDIT: (_any(_is_admin, _teaches_course), "edit the rubrics of"),
    CLASSES_CREATE: (_any(_is_admin, _is_teacher), "create classes"),
    ACCOUNTS_CREATE_STUDENT: (_any(_is_admin, _is_teacher), "add learners"),
    ACCOUNTS_MANAGE: (
        _any(_is_admin, _all(_learner_is_student, _teaches_learner)),
        "change the sign-in of",
    ),
    ACCOUNTS_ADMIN: (_is_admin, "manage accounts"),
    GRADING_OPEN: (_any(_is_admin, _is_teacher), "grade"),
}


def _ask(
    session: Session, actor_id: str, course_id: str | None, learner_id: str | None
) -> _Ask | None:
    actor = session.get(User, actor_id)
    if actor is None or actor.archived_at is not None:
        return None
    return _Ask(session, actor, course_id, learner_id)


def _rule(action: str) -> tuple[Rule, str]:
    try:
        return ACTIONS[action]
    except KeyError:
        # A misspelt action is a bug in the caller, not a refusal: fail loudly.
        raise ValueError(f"unknown permission action {action!r}") from None


def allowed(
    session: Session,
    actor_id: str,
    action: str,
    *,
    course_id: str | None = None,
    learner_id: str | None = None,
) -> bool:
    """Whether `require` would let this through (for showing or hiding a page or button)."""
    rule, _ = _rule(action)
    ask = _ask(session, actor_id, course_id, learner_id)
    return ask is not None and rule(ask)


def require(
    session: Session,
    actor_id: str,
    action: str,
    *,
    course_id: str | None = None,
    learner_id: str | None = None,
) -> None:
    """Return if `actor_id` may do `action` (to `learner_id`, in `course_id`); else raise."""
    rule, words = _rule(action)
    ask = _ask(session, actor_id, course_id, learner_id)
    if ask is not None and rule(ask):
        return
    who = ask.actor.display_name if ask else f"unknown or archived account {actor_id}"
    target = []
    if learner_id is not None:
        learner = session.get(User, learner_id)
        target.append(learner.display_name if learner else f"learner {learner_id}")
    if course_id is not None:
        target.append(f"course {course_id}")
    whom = " in ".join(target)
    hint = ""
    if ask is not None and course_id is not None and _is_teacher(ask):
        # The usual cause on a teacher's own laptop: no class of theirs follows the course yet.
        hint = (
            " A teacher may do this only for a course that one of their classes follows; an "
            "administrator can add the class."
        )
    raise PermissionDenied(f"{who} may not {words}{' ' + whom if whom else ''}.{hint}")
