"""The adaptive parts of a quiz file (format 1.2): the `adaptive` settings block and a question's
IRT parameters. app.courses.manifest uses these; docs/course-format.md is the prose version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.adaptive.irt import DIFFICULTY_TO_B
from app.assess import QUESTION_TYPES as AUTO_GRADED_TYPES

IrtModel = Literal["1PL", "2PL", "3PL"]
DifficultyLabel = Literal["very easy", "easy", "medium", "hard", "very hard"]
assert set(DifficultyLabel.__args__) == set(DIFFICULTY_TO_B)  # type: ignore[attr-defined]

# Question types an adaptive test can use: the engine needs right or wrong at once, so nothing
# a teacher grades later.
ADAPTIVE_TYPES = AUTO_GRADED_TYPES


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IrtSpec(_Spec):
    """A question's item response theory parameters."""

    a: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Discrimination, > 0 (2PL and 3PL; default 1).",
    )
    b: float = Field(
        allow_inf_nan=False,
        description="Difficulty on the ability scale (0 is an average learner; -1 easy, 1 hard).",
    )
    c: float | None = Field(
        default=None,
        ge=0,
        lt=1,
        allow_inf_nan=False,
        description="Guessing, the chance a learner who does not know answers right, in [0, 1) "
        "(3PL only; default 0).",
    )


class AdaptiveSettings(_Spec):
    """The rules of an adaptive quiz: the answers so far choose each next question."""

    model: IrtModel = Field(
        default="2PL",
        description="The item response model: 1PL uses each question's b, 2PL a and b, 3PL a, b "
        "and c (default 2PL).",
    )
    se_stop: float | None = Field(
        default=0.3,
        gt=0,
        description="Stop once the standard error of the ability estimate is at most this "
        "(default 0.3); null runs every attempt to max_length.",
    )
    min_length: int = Field(
        default=1, ge=1, description="Ask at least this many questions (default 1)."
    )
    max_length: int = Field(
        default=20, ge=1, description="Ask at most this many questions (default 20)."
    )
    randomesque: int = Field(
        default=5,
        ge=1,
        description="Exposure control: pick at random among this many most informative "
        "questions (default 5; 1 always takes the most informative).",
    )
    topic_targets: dict[str, float] | None = Field(
        default=None,
        description="Content balancing: the share of questions wanted from each topic (the "
        'questions\' \'topic\'), e.g. {"forces": 2, "energy": 1}; shares are normalised.',
    )

    @model_validator(mode="after")
    def _lengths_and_targets(self) -> AdaptiveSettings:
        if self.min_length > self.max_length:
            raise ValueError(
                f"'min_length' ({self.min_length}) must not exceed 'max_length' ({self.max_length})"
            )
        if self.topic_targets is not None:
            bad = sorted(k for k, v in self.topic_targets.items() if not 0 <= v < float("inf"))
            if bad:
                raise ValueError(f"'topic_targets': shares must be >= 0 (see {', '.join(bad)})")
            if not any(v > 0 for v in self.topic_targets.values()):
                raise ValueError("'topic_targets': at least one share must be above 0")
        return self


class _AdaptiveQuestion(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def irt(self) -> IrtSpec | None: ...
    @property
    def topic(self) -> str | None: ...


def adaptive_quiz_problem(
    adaptive: AdaptiveSettings,
    questions: Sequence[_AdaptiveQuestion],
    *,
    draw_count: int | None,
    shuffle_questions: bool,
) -> str | None:
    """What makes these questions unfit for these adaptive rules, naming the key; else None."""
    if draw_count is not None:
        return "settings.draw_count: an adaptive quiz chooses its own questions; remove it"
    if shuffle_questions:
        return "settings.shuffle_questions: an adaptive quiz chooses its own order; remove it"
    if adaptive.min_length > len(questions):
        return (
            f"settings.adaptive.min_length: {adaptive.min_length} questions asked but the quiz "
            f"has only {len(questions)}"
        )
    unused = {"1PL": ("a", "c"), "2PL": ("c",), "3PL": ()}[adaptive.model]
    for n, q in enumerate(questions):
        where = f"questions[{n}] ({q.id!r})"
        if q.type not in ADAPTIVE_TYPES:
            return (
                f"{where}: an adaptive quiz needs questions graded at once, not {q.type} "
                f"(allowed: {', '.join(ADAPTIVE_TYPES)})"
            )
        for name in unused:
            if q.irt is not None and getattr(q.irt, name) is not None:
                return f"{where}.irt.{name}: the {adaptive.model} model does not use '{name}'"
        if adaptive.topic_targets is not None and not q.topic:
            return f"{where}: 'topic' is needed because settings.adaptive has 'topic_targets'"
    if adaptive.topic_targets is not None:
        topics = {q.topic for q in questions}
        unknown = sorted(set(adaptive.topic_targets) - topics)
        if unknown:
            return f"settings.adaptive.topic_targets: no question has topic(s) {', '.join(unknown)}"
    return None
