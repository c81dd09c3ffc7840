"""Managing accounts: the first administrator, adding accounts, setting secrets, parent links.

First run: while the store has no teacher or administrator who can sign in, anyone at the
keyboard may create the first one (`create_first_staff`); after that, accounts other than
students are added by an administrator, students by a teacher or an administrator. A learner
may still add their own profile with no secret on the picker (`app.profiles.create_profile`),
as before accounts existed: such a profile sees only its own work.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.permissions import (
    ACCOUNTS_ADMIN,
    ACCOUNTS_CREATE_STUDENT,
    ACCOUNTS_MANAGE,
    PermissionDenied,
    require,
)
from app.accounts.secrets import SecretError, SecretKind
from app.accounts.signin import store_secret
from app.accounts.tables import Credential, GuardianLink
from app.db.models import Role, User
from app.errors import SlateError
from app.profiles import Profile, ProfileError, create_profile

STAFF = (Role.TEACHER, Role.ADMINISTRATOR)


class AccountError(SlateError):
    pass


def needs_first_run(session: Session) -> bool:
    """True while no teacher or administrator on this laptop can sign in."""
    query = (
        select(User.id)
        .join(Credential, Credential.user_id == User.id)
        .where(User.archived_at.is_(None), User.role.in_(STAFF))
        .limit(1)
    )
    return session.scalar(query) is None


def _new_user(session: Session, name: str, role: Role) -> User:
    try:
        profile = create_profile(session, name, role)
    except ProfileError as exc:
        raise AccountError(str(exc)) from None
    user = session.get(User, profile.id)
    assert user is not None
    return user


def create_first_staff(
    session: Session, name: str, password: str, role: Role = Role.ADMINISTRATOR
) -> Profile:
    """The first administrator (or teacher) of a new install. The caller commits."""
    if role not in STAFF:
        raise AccountError("The first account is an administrator or a teacher.")
    if not needs_first_run(session):
        raise PermissionDenied(
            "This computer already has a teacher or administrator; ask them to add accounts."
        )
    user = _new_user(session, name, role)
    store_secret(session, user, SecretKind.PASSWORD, password)
    return Profile(user.id, user.display_name, user.role)


def add_account(
    session: Session,
    actor_id: str,
    name: str,
    role: Role,
    *,
    kind: SecretKind | None = None,
    secret: str | list[str] | None = None,
) -> Profile:
    """Add an account. Teachers add students; administrators add anyone. Staff and parents
    need a password; a student may have a PIN, pictures, or (for now) nothing."""
    require(session, actor_id, ACCOUNTS_CREATE_STUDENT if role == Role.STUDENT else ACCOUNTS_ADMIN)
    if role != Role.STUDENT and (kind is None or secret is None):
        raise SecretError(f"A {role.value} account needs a password.")
    user = _new_user(session, name, role)
    if kind is not None and secret is not None:
        store_secret(session, user, kind, secret)
    return Profile(user.id, user.display_name, user.role)


def set_secret(
    session: Session,
    actor_id: str,
    user_id: str,
    kind: SecretKind,
    secret: str | list[str],
) -> None:
    """Set or reset someone's secret (also unlocks). A teacher sets their students' PINs and
    pictures; staff change their own password; an administrator sets anyone's."""
    user = session.get(User, user_id)
    if user is None or user.archived_at is not None:
        raise AccountError(f"There is no account {user_id} on this computer.")
    if user.role == Role.STUDENT:
        require(session, actor_id, ACCOUNTS_MANAGE, learner_id=user_id)
    elif actor_id != user_id:
        require(session, actor_id, ACCOUNTS_ADMIN)
    store_secret(session, user, kind, secret)


def link_guardian(session: Session, actor_id: str, parent_id: str, learner_id: str) -> None:
    """Let a parent account read one learner's work (administrators only)."""
    require(session, actor_id, ACCOUNTS_ADMIN)
    parent, learner = session.get(User, parent_id), session.get(User, learner_id)
    if parent is None or parent.role != Role.PARENT:
        raise AccountError(f"{parent_id} is not a parent account.")
    if learner is None or learner.role != Role.STUDENT:
        raise AccountError(f"{learner_id} is not a learner.")
    if session.get(GuardianLink, (parent_id, learner_id)) is None:
        session.add(GuardianLink(parent_id=parent_id, learner_id=learner_id))
        session.flush()


def find_account(session: Session, name_or_id: str) -> User:
    """An account by id or by its name (case-insensitive), for the command line."""
    user = session.get(User, name_or_id)
    if user is None:
        wanted = name_or_id.casefold()
        users = session.scalars(select(User).where(User.archived_at.is_(None))).all()
        user = next((u for u in users if u.display_name.casefold() == wanted), None)
    if user is None or user.archived_at is not None:
        raise AccountError(f"No account called {name_or_id!r} on this computer.")
    return user
