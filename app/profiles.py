"""Local accounts. Sign-in secrets and permissions arrive with the accounts work (issue 6)."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Role, User

MAX_NAME = 120


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Profile:
    id: str
    display_name: str
    role: Role


def create_profile(session: Session, display_name: str, role: Role = Role.STUDENT) -> Profile:
    name = clean_name(display_name)
    if not name:
        raise ProfileError("A name is needed.")
    if len(name) > MAX_NAME:
        raise ProfileError(f"A name can have at most {MAX_NAME} characters.")
    # Case-insensitive: "amina" and "Amina" on one shared laptop would be picked by mistake.
    taken = session.scalars(select(User.display_name).where(User.archived_at.is_(None)))
    clash = next((other for other in taken if other.casefold() == name.casefold()), None)
    if clash is not None:
        raise ProfileError(f"There is already a profile called {clash!r} on this computer.")
    user = User(id=str(uuid.uuid4()), display_name=name, role=role)
    session.add(user)
    session.flush()
    return Profile(user.id, user.display_name, user.role)


def clean_name(text: str) -> str:
    """One canonical form of a typed name: NFC (so "é" typed two ways is one name), control
    characters removed (they would garble lists and terminals), spaces folded."""
    composed = unicodedata.normalize("NFC", text)
    visible = "".join(ch for ch in composed if unicodedata.category(ch)[0] != "C" or ch == " ")
    return " ".join(visible.split())


def list_profiles(session: Session, role: Role | None = None) -> list[Profile]:
    query = select(User).where(User.archived_at.is_(None)).order_by(User.display_name)
    if role is not None:
        query = query.where(User.role == role)
    return [Profile(u.id, u.display_name, u.role) for u in session.scalars(query)]


def get_profile(session: Session, user_id: str) -> Profile:
    user = session.get(User, user_id)
    if user is None:
        raise ProfileError(f"No profile {user_id}.")
    return Profile(user.id, user.display_name, user.role)
