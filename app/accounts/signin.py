"""Signing in on a shared laptop: check a secret, slow down wrong tries, lock, unlock.

Wrong tries are counted in the store (`credentials.failed_tries`, `last_failed_at`), so quitting
and restarting Slate neither resets the slow-down nor unlocks an account:

- the first FREE_TRIES wrong tries cost nothing (a child mistypes);
- after that each wrong try makes the next one wait: 5 s, 10 s, 20 s ... at most MAX_WAIT_S;
- after LOCK_AFTER wrong tries in a row the account is locked until a teacher of the learner or
  an administrator unlocks it (`unlock`), which also resets the count. A right secret resets it.

The wait is measured with the wall clock because it must survive a restart. A clock moved back
before the last wrong try is taken as "the wait is over" rather than locking a child out for a
year; the lock after LOCK_AFTER tries does not depend on any clock, so guessing stays bounded.

A student with no secret set signs in by picking their name (the demo profile and learners
added before accounts existed); teachers, administrators and parents always need a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.accounts.permissions import ACCOUNTS_MANAGE, require
from app.accounts.secrets import SecretKind, hash_secret, needs_rehash, verify_secret
from app.accounts.tables import Credential
from app.db.models import Role, User
from app.db.store import Store
from app.errors import SlateError

FREE_TRIES = 3
FIRST_WAIT_S = 5
MAX_WAIT_S = 300
LOCK_AFTER = 8


class SignInError(SlateError):
    """Sign-in refused; the message says why and what to do (wait, ask a teacher)."""


class AccountLocked(SignInError):
    pass


class TooSoon(SignInError):
    def __init__(self, message: str, wait_s: int) -> None:
        super().__init__(message)
        self.wait_s = wait_s


@dataclass(frozen=True)
class SignedInSession:
    """Who is signed in: services take `actor_id` from here and ask the permission policy."""

    actor_id: str
    display_name: str
    role: Role
    signed_in_at: datetime

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.TEACHER, Role.ADMINISTRATOR)


@dataclass(frozen=True)
class SignInState:
    """What the picker needs to ask for: which secret, and whether to wait or give up."""

    user_id: str
    kind: SecretKind | None
    locked: bool
    wait_s: int
    failed_tries: int


def wait_after(failed_tries: int) -> int:
    """Seconds before the next try after this many wrong ones in a row."""
    if failed_tries < FREE_TRIES:
        return 0
    return int(min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (failed_tries - FREE_TRIES)))


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None or user.archived_at is not None:
        raise SignInError(f"There is no account {user_id} on this computer.")
    return user


def _remaining_wait(cred: Credential, now: datetime) -> int:
    if cred.last_failed_at is None:
        return 0
    waited = (now - cred.last_failed_at).total_seconds()
    if waited < 0:  # the clock was moved back: see the module docstring
        return 0
    return max(0, int(wait_after(cred.failed_tries) - waited + 0.999))


def sign_in_state(session: Session, user_id: str, *, now: datetime | None = None) -> SignInState:
    user = _user(session, user_id)
    cred = session.get(Credential, user.id)
    if cred is None:
        return SignInState(user.id, None, False, 0, 0)
    return SignInState(
        user.id,
        SecretKind(cred.kind),
        cred.locked_at is not None,
        _remaining_wait(cred, now or datetime.now(UTC)),
        cred.failed_tries,
    )


def sign_in(
    session: Session,
    user_id: str,
    secret: str | list[str] | tuple[str, ...] | None,
    *,
    now: datetime | None = None,
) -> SignedInSession:
    """Check the secret and return the signed-in session, or raise SignInError.

    The caller commits in every case, also when this raises: a wrong try must be stored.
    `sign_in_with_store` does that.
    """
    now = now or datetime.now(UTC)
    user = _user(session, user_id)
    cred = session.get(Credential, user.id)
    if cred is None:
        if user.role != Role.STUDENT:
            raise SignInError(
                f"{user.display_name} has no password yet; an administrator can set one "
                "(slate account reset-secret)."
            )
        return SignedInSession(user.id, user.display_name, user.role, now)
    if cred.locked_at is not None:
        raise AccountLocked(
            f"{user.display_name}'s account is locked after too many wrong tries. "
            "A teacher or an administrator can unlock it."
        )
    wait = _remaining_wait(cred, now)
    if wait:
        raise TooSoon(f"Too many wrong tries. Try again in {wait} seconds.", wait)
    kind = SecretKind(cred.kind)
    if secret is None or not verify_secret(kind, cred.secret_hash, secret):
        cred.failed_tries += 1
        cred.last_failed_at = now
        if cred.failed_tries >= LOCK_AFTER:
            cred.locked_at = now
            raise AccountLocked(
                f"Wrong {_words(kind)}. {user.display_name}'s account is now locked; "
                "a teacher or an administrator can unlock it."
            )
        left = LOCK_AFTER - cred.failed_tries
        next_wait = wait_after(cred.failed_tries)
        then = f" Wait {next_wait} seconds before the next try." if next_wait else ""
        raise SignInError(
            f"Wrong {_words(kind)}. {left} tries left before the account locks.{then}"
        )
    cred.failed_tries = 0
    cred.last_failed_at = None
    if needs_rehash(cred.secret_hash):
        cred.secret_hash = hash_secret(kind, secret)
    return SignedInSession(user.id, user.display_name, user.role, now)


def _words(kind: SecretKind) -> str:
    return {"pin": "PIN", "pictures": "pictures", "password": "password"}[kind.value]


def unlock(session: Session, actor_id: str, user_id: str) -> None:
    """Unlock an account and forget its wrong tries (a teacher of the learner or an admin)."""
    user = _user(session, user_id)
    if user.role == Role.STUDENT:
        require(session, actor_id, ACCOUNTS_MANAGE, learner_id=user_id)
    else:
        from app.accounts.permissions import ACCOUNTS_ADMIN

        require(session, actor_id, ACCOUNTS_ADMIN)
    cred = session.get(Credential, user_id)
    if cred is not None:
        cred.failed_tries = 0
        cred.last_failed_at = None
        cred.locked_at = None


def store_secret(
    session: Session, user: User, kind: SecretKind, secret: str | list[str] | tuple[str, ...]
) -> None:
    """Hash and store a secret (no permission check: callers check; see app.accounts.service)."""
    from app.accounts.secrets import SecretError, kinds_for

    if kind not in kinds_for(user.role):
        allowed = " or ".join(k.value for k in kinds_for(user.role))
        raise SecretError(f"A {user.role.value} signs in with a {allowed}, not a {kind.value}.")
    hashed = hash_secret(kind, secret)
    cred = session.get(Credential, user.id)
    if cred is None:
        session.add(Credential(user_id=user.id, kind=kind.value, secret_hash=hashed))
    else:
        cred.kind = kind.value
        cred.secret_hash = hashed
        cred.failed_tries = 0
        cred.last_failed_at = None
        cred.locked_at = None
        cred.updated_at = datetime.now(UTC)
    session.flush()


def sign_in_with_store(
    store: Store,
    user_id: str,
    secret: str | list[str] | tuple[str, ...] | None,
    *,
    now: datetime | None = None,
) -> SignedInSession:
    """`sign_in` in its own transaction that is committed also when the try is wrong."""
    refused: SignInError | None = None
    with store.write() as session:
        try:
            return sign_in(session, user_id, secret, now=now)
        except SignInError as exc:
            refused = exc
    raise refused
