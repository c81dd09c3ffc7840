"""The course package format v1 as pydantic models (docs/course-format.md is the prose version)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.subtitles import Chapter, chapters_problem

FORMAT_V1 = "slate-course/1"

StableId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
PackagePath = Annotated[str, Field(min_length=1, max_length=500)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SubtitleRef(_Model):
    language: str = Field(min_length=1, max_length=35)
    label: str = Field(min_length=1, max_length=120)
    file: PackagePath
    # "chapters": a WebVTT track whose cues are the video's chapters, not shown as subtitles.
    kind: Literal["subtitles", "captions", "chapters"] = "subtitles"


class ChapterSpec(_Model):
    """A chapter of a video: a title the learner can click to jump to its start."""

    title: str = Field(min_length=1, max_length=300, description="The chapter title.")
    start_s: float = Field(
        ge=0,
        description="Where the chapter starts, in seconds from the start of the video; each "
        "chapter starts later than the one before and within the video.",
    )


class ItemSpec(_Model):
    id: StableId
    title: str = Field(min_length=1, max_length=300)
    kind: Literal["lesson", "video", "document", "quiz"]
    file: PackagePath
    subtitles: list[SubtitleRef] = Field(default_factory=list)
    notes: PackagePath | None = None
    duration_s: float | None = Field(default=None, gt=0)
    chapters: list[ChapterSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _only_videos_have_subtitles(self) -> ItemSpec:
        if self.kind != "video" and (self.subtitles or self.notes or self.chapters):
            raise ValueError("only video items may have 'subtitles', 'notes' or 'chapters'")
        return self

    @model_validator(mode="after")
    def _chapters_in_order(self) -> ItemSpec:
        tracks = [s for s in self.subtitles if s.kind == "chapters"]
        if len(tracks) > 1:
            raise ValueError('at most one subtitle entry may have "kind": "chapters"')
        if tracks and self.chapters:
            raise ValueError("give 'chapters' in the manifest or as a chapters track, not both")
        # Order only: whether they fit in the video is checked against the probed duration.
        chapters = [Chapter(c.title, c.start_s) for c in self.chapters]
        problem = chapters_problem(chapters, None)
        if problem:
            raise ValueError(problem)
        return self


class ModuleSpec(_Model):
    id: StableId
    title: str = Field(min_length=1, max_length=300)
    items: list[ItemSpec] = Field(min_length=1)


class CourseManifest(_Model):
    format: Literal["slate-course/1"]
    id: StableId
    version: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    description: str = ""
    language: str = Field(default="en", max_length=35)
    level: str = Field(default="", max_length=120)
    authors: list[str] = Field(default_factory=list)
    license: str = Field(default="", max_length=120)
    modules: list[ModuleSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CourseManifest:
        _require_unique("module", [m.id for m in self.modules])
        _require_unique("item", [i.id for m in self.modules for i in m.items])
        return self


class OptionSpec(_Model):
    id: StableId
    text: str = Field(min_length=1)
    feedback: str = ""


class FeedbackSpec(_Model):
    correct: str = ""
    incorrect: str = ""


class QuestionSpec(_Model):
    id: StableId
    type: Literal["single_choice", "multiple_choice", "true_false", "numeric", "short_answer"]
    prompt: str = Field(min_length=1)
    points: float = Field(default=1.0, gt=0)
    feedback: FeedbackSpec = Field(default_factory=FeedbackSpec)
    options: list[OptionSpec] = Field(default_factory=list)
    answer: Any = None
    answers: list[str] = Field(default_factory=list)
    scoring: Literal["all_or_nothing", "per_option"] = "all_or_nothing"
    tolerance: float = Field(default=0.0, ge=0)
    unit: str = ""
    case_sensitive: bool = False

    @model_validator(mode="after")
    def _answer_fits_type(self) -> QuestionSpec:
        option_ids = [o.id for o in self.options]
        _require_unique("option", option_ids)
        if self.type in ("single_choice", "multiple_choice") and len(self.options) < 2:
            raise ValueError(f"a {self.type} question needs at least 2 options")
        if self.type == "single_choice" and self.answer not in option_ids:
            raise ValueError(f"'answer' must be one of the option ids {option_ids}")
        if self.type == "multiple_choice":
            if not isinstance(self.answer, list) or not self.answer:
                raise ValueError("'answer' must be a non-empty list of option ids")
            unknown = [a for a in self.answer if a not in option_ids]
            if unknown:
                raise ValueError(f"'answer' names unknown options {unknown}")
        if self.type == "true_false" and not isinstance(self.answer, bool):
            raise ValueError("'answer' must be true or false")
        if self.type == "numeric" and (
            isinstance(self.answer, bool) or not isinstance(self.answer, int | float)
        ):
            raise ValueError("'answer' must be a number")
        if self.type == "short_answer" and not [a for a in self.answers if a.strip()]:
            raise ValueError("'answers' must list at least one accepted answer")
        if self.type not in ("single_choice", "multiple_choice") and self.options:
            raise ValueError(f"a {self.type} question has no 'options'")
        return self

    def grading_key(self) -> dict[str, Any]:
        """What app.assess needs to grade a response to this question."""
        if self.type == "short_answer":
            return {"answers": self.answers, "case_sensitive": self.case_sensitive}
        key: dict[str, Any] = {"answer": self.answer}
        if self.type == "multiple_choice":
            key |= {"scoring": self.scoring, "option_ids": [o.id for o in self.options]}
        if self.type == "numeric":
            key |= {"tolerance": self.tolerance, "unit": self.unit}
        return key


class QuizSettings(_Model):
    passing_score: float = Field(default=0.6, ge=0, le=1)
    time_limit_s: int | None = Field(default=None, gt=0)
    max_attempts: int | None = Field(default=None, gt=0)
    shuffle_questions: bool = False
    shuffle_options: bool = False


class QuizFile(_Model):
    type: Literal["quiz", "exam", "assignment", "self_assessment"] = "quiz"
    settings: QuizSettings = Field(default_factory=QuizSettings)
    questions: list[QuestionSpec] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _unique_question_ids(cls, questions: list[QuestionSpec]) -> list[QuestionSpec]:
        _require_unique("question", [q.id for q in questions])
        return questions


def _require_unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dupes:
        raise ValueError(f"duplicate {what} id(s): {', '.join(dupes)}")
