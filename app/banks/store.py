"""Saving an imported bank into the store, and reading banks back (`load_bank`).

A bank and all its questions are written in ONE transaction: a failure (an unknown course, a
full disk) leaves the store exactly as it was. A bank with no question is never stored
(`NothingToImportError`).

`import_bank` is what `slate bank import` and the import dialog use: it stores a bank only if
the store does not already hold the same one. "The same" is computed from what is stored, so
no hash column is needed: the same format, the same course link (or none) and the same
questions, field for field and in order, including each question's source line. Reading the
same bytes always gives exactly that (ids are derived from content), so a file imported twice
is stored once; the file's name plays no part.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from app.banks.model import BankImport, ImportedQuestion, check_importable
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


@dataclass(frozen=True)
class StoredBank:
    """What `import_bank` did: stored a new bank, or found the same one already stored."""

    bank_id: int
    already_stored: bool
    name: str
    imported_at: datetime


# The stored fields of a question that make two banks the same, in insert order.
QUESTION_FIELDS = (
    "question_id",
    "type",
    "title",
    "category",
    "tags",
    "prompt",
    "prompt_format",
    "points",
    "options",
    "key",
    "feedback",
    "source_line",
)


def save_bank(
    store: Store, bank: BankImport, *, course_id: str | None = None, name: str | None = None
) -> int:
    """Store `bank` (linked to `course_id` if given) in one transaction; returns the bank id."""
    with store.write() as session:
        return add_bank(session, bank, course_id=course_id, name=name)


def import_bank(
    store: Store, bank: BankImport, *, course_id: str | None = None, name: str | None = None
) -> StoredBank:
    """Store `bank` unless the same bank is already stored; one transaction either way.

    Raises NothingToImportError for a bank with no question and BankStoreError for an unknown
    course; the store is then unchanged.
    """
    check_importable(bank)
    # The look-up and the insert share one write transaction (BEGIN IMMEDIATE): two imports
    # of the same file at once still store it once.
    with store.write() as session:
        same = find_same_bank(session, bank, course_id=course_id)
        if same is not None:
            return StoredBank(same.pk, True, same.name, same.imported_at)
        bank_id = add_bank(session, bank, course_id=course_id, name=name)
        row = session.get(QuestionBank, bank_id)
        assert row is not None
        return StoredBank(bank_id, False, row.name, row.imported_at)


def add_bank(
    session: Session, bank: BankImport, *, course_id: str | None = None, name: str | None = None
) -> int:
    """Add `bank` inside the caller's transaction; returns the new bank's id."""
    check_importable(bank)
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
    # One executemany for all questions: a 5,000-question bank is one statement.
    # Core, not the ORM's bulk path: the rows need no identity map, and it is 2x faster.
    session.connection().execute(
        insert(cast(Table, BankQuestion.__table__)),
        [
            {"bank_pk": row.pk, "position": position, **_question_row(q)}
            for position, q in enumerate(bank.questions)
        ],
    )
    return row.pk


def find_same_bank(
    session: Session, bank: BankImport, *, course_id: str | None = None
) -> QuestionBank | None:
    """The oldest stored bank that is the same as `bank` (see the module notes), if any."""
    counts = (
        select(BankQuestion.bank_pk, func.count().label("n"))
        .group_by(BankQuestion.bank_pk)
        .subquery()
    )
    candidates = session.scalars(
        select(QuestionBank)
        .join(counts, counts.c.bank_pk == QuestionBank.pk)
        .where(
            QuestionBank.format == bank.format,
            QuestionBank.course_id.is_(None)
            if course_id is None
            else QuestionBank.course_id == course_id,
            counts.c.n == len(bank.questions),
        )
        .order_by(QuestionBank.pk)
    ).all()
    if not candidates:
        return None
    wanted = _fingerprint(_question_row(q) for q in bank.questions)
    columns = [getattr(BankQuestion, f) for f in QUESTION_FIELDS]
    for candidate in candidates:
        rows = session.execute(
            select(*columns)
            .where(BankQuestion.bank_pk == candidate.pk)
            .order_by(BankQuestion.position)
        )
        if _fingerprint(row._asdict() for row in rows) == wanted:
            return candidate
    return None


def _question_row(q: ImportedQuestion) -> dict[str, Any]:
    return {f: getattr(q, f) for f in QUESTION_FIELDS}


def _fingerprint(rows: Iterable[dict[str, Any]]) -> str:
    """sha256 over questions as they read back from the store.

    JSON values are compared in canonical JSON (what the JSON columns keep: keys as strings,
    tuples as lists) and points as a float (a REAL column), so a bank in memory and the same
    bank read back give the same digest.
    """
    digest = hashlib.sha256()
    for row in rows:
        values = [float(row[f]) if f == "points" else row[f] for f in QUESTION_FIELDS]
        digest.update(
            json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        )
        digest.update(b"\n")
    return digest.hexdigest()


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
