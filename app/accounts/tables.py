"""The store's tables for accounts: sign-in secrets, parent links, classes (migration 0006)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base, UTCDateTime, utcnow


class Credential(Base):
    """One user's sign-in secret (an argon2id hash) and the state of wrong tries against it.

    The wrong-try state is stored, not kept in memory, so closing and reopening Slate neither
    resets the slow-down nor unlocks a locked account.
    """

    __tablename__ = "credentials"
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # pin, pictures or password (app.accounts.secrets.SecretKind)
    kind: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(Text)
    failed_tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GuardianLink(Base):
    """A parent account may read (never change) what belongs to the learners linked here."""

    __tablename__ = "guardian_links"
    parent_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class SchoolClass(Base):
    """A class: a group of learners and their teachers, following some courses."""

    __tablename__ = "classes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "local" for a class made on this laptop, "server" for one that came down with the roster.
    origin: Mapped[str] = mapped_column(String(16), default="local", server_default="local")


class ClassCourse(Base):
    __tablename__ = "class_courses"
    class_id: Mapped[str] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class ClassMember(Base):
    """A learner or a teacher of a class (role: student or teacher)."""

    __tablename__ = "class_members"
    class_id: Mapped[str] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20))


__all__ = ["ClassCourse", "ClassMember", "Credential", "GuardianLink", "SchoolClass"]
