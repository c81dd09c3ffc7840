"""Saving an imported bank into the store, and reading banks back (`load_bank`).

A bank and all its questions are written in ONE transaction: a failure (an unknown course, a
full disk) leaves the store exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from app.banks.model import BankImport, ImportedQuestion
from app.db.models import BankQuestion, Course, QuestionBank
from app.db.store import Store
from app.errors import SlateError


class BankStoreError(Exception):
    """The bank could not be saved; nothing was written."""


class UnknownBankError(SlateError):
    """No stored bank has this id."""


@dataclass(frozen=True)
class BankSummary:
    bank_id: int
    name: str
    source_name: str
    format: str
    course_id: str | None
    questions: int
    warnings: int
    imported_at: datetime


def save_bank(
    store: Store, bank: BankImport, *, course_id: str | None = None, name: str | None = None
) -> int:
    """Store `bank` (linked to `course_id` if given) in one transaction; returns the bank id."""
    with store.write() as session:
        return add_bank(session, bank, course_id=course_id, name=name)


def add_bank(
    session: Session, bank: BankImport, *, course_id: str | None = None, name: str | None = None
) -> int:
    """Add `bank` inside the caller's transaction; returns the new bank's id."""
    if course_id is not None and session.get(Course, course_id) is None:
        raise BankStoreError(f"no course with id {course_id!r} in this store")
    row = QuestionBank(
        name=(name or bank.source_name)[:300],
        source_name=bank.source_name[:500],
        format=bank.format,
        course_id=course_id,
        warnings=[w.as_dict() for w in bank.warnings],
    )
    session.add(row)
    session.flush()
    if bank.questions:
        # One executemany for all questions: a 5,000-question bank is one statement.
        # Core, not the ORM's bulk path: the rows need no identity map, and it is 2x faster.
        session.connection().execute(
            insert(cast(Table, BankQuestion.__table__)),
            [
                {
                    "bank_pk": row.pk,
                    "position": position,
                    "question_id": q.question_id,
                    "type": q.type,
                    "title": q.title,
                    "category": q.category,
                    "tags": q.tags,
                    "prompt": q.prompt,
                    "prompt_format": q.prompt_format,
                    "points": q.points,
                    "options": q.options,
                    "key": q.key,
                    "feedback": q.feedback,
                    "source_line": q.source_line,
                }
                for position, q in enumerate(bank.questions)
            ],
        )
    return row.pk


def list_banks(session: Session) -> list[BankSummary]:
    counts = (
        select(BankQuestion.bank_pk, func.count().label("n"))
        .group_by(BankQuestion.bank_pk)
        .subquery()
    )
    rows = session.execute(
        select(QuestionBank, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.bank_pk == QuestionBank.pk)
        .order_by(QuestionBank.pk)
    )
    return [
        BankSummary(
            bank_id=bank.pk,
            name=bank.name,
            source_name=bank.source_name,
            format=bank.format,
            course_id=bank.course_id,
            questions=int(n),
            warnings=len(bank.warnings or []),
            imported_at=bank.imported_at,
        )
        for bank, n in rows
    ]


def load_bank(session: Session, bank_id: int) -> BankImport:
    """A stored bank back in the importer-neutral model, its questions in their stored order.

    The warnings are not loaded: they were about the file it was imported from.
    """
    row = session.get(QuestionBank, bank_id)
    if row is None:
        raise UnknownBankError(
            f"no question bank with id {bank_id} in this store (see 'slate bank list')"
        )
    questions = [
        ImportedQuestion(
            type=q.type,
            prompt=q.prompt,
            key=dict(q.key or {}),
            options=list(q.options or []),
            feedback=dict(q.feedback or {}),
            title=q.title,
            question_id=q.question_id,
            category=q.category,
            tags=list(q.tags or []),
            prompt_format=q.prompt_format,
            points=q.points,
            source_line=q.source_line,
        )
        for q in row.questions
    ]
    return BankImport(
        source_name=row.source_name,
        format=row.format,
        questions=questions,
        categories=len({q.category for q in questions if q.category}),
    )
