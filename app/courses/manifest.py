"""The course package format v1 as pydantic models (docs/course-format.md is the prose version)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from app.assess import QUESTION_TYPES
from app.assess.manual import MANUAL_TYPES
from app.assess.text import compile_answer_pattern
from app.courses.adaptive_spec import (
    AdaptiveSettings,
    DifficultyLabel,
    IrtSpec,
    adaptive_quiz_problem,
)
from app.subtitles import Chapter, chapters_problem

FORMAT_V1 = "slate-course/1"

StableId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
_ID_RULE = "1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit."
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


# The graders in app.assess are the one list of what is graded at once.
AUTO_GRADED_TYPES = QUESTION_TYPES
MANUALLY_GRADED_TYPES = MANUAL_TYPES
QuestionType = Literal[
    "single_choice",
    "multiple_choice",
    "true_false",
    "numeric",
    "short_answer",
    "matching",
    "ordering",
    "fill_blanks",
    "essay",
    "file_upload",
    "drawing",
    "code",
]
# Which `scoring` values each type accepts; the first is what the default means for it.
SCORING_BY_TYPE: dict[str, tuple[str, ...]] = {
    "multiple_choice": ("all_or_nothing", "per_option", "right_minus_wrong"),
    "matching": ("all_or_nothing", "per_item"),
    "ordering": ("all_or_nothing", "per_item"),
}
# Options (choices, or the items to order) belong to these types only.
_OPTION_TYPES = ("single_choice", "multiple_choice", "matching", "ordering")
_EXTENSION = r"^\.[A-Za-z0-9]{1,16}$"


class StemSpec(_Model):
    """A left-hand item of a matching question, paired with one of the options."""

    id: StableId = Field(description="The item's id, unique within its question. " + _ID_RULE)
    text: str = Field(min_length=1, description="The item text (Markdown).")


class AcceptedNumber(_Model):
    """One accepted numeric answer: a value with a tolerance, or a range, and its credit."""

    answer: float | None = Field(default=None, description="The value (or give min and max).")
    tolerance: float = Field(default=0.0, ge=0, description="The tolerance around the value.")
    min: float | None = Field(default=None, description="The lowest value of a range.")
    max: float | None = Field(default=None, description="The highest value of a range.")
    credit: float = Field(
        default=1.0, gt=0, le=1, description="The share of the points it earns (default 1)."
    )

    @model_validator(mode="after")
    def _value_or_range(self) -> AcceptedNumber:
        is_range = self.min is not None or self.max is not None
        if is_range == (self.answer is not None):
            raise ValueError("an accepted number needs either 'answer' or both 'min' and 'max'")
        if is_range and (self.min is None or self.max is None or self.min > self.max):
            raise ValueError("a range needs 'min' and 'max' with min <= max")
        return self


class BlankSpec(_Model):
    """One blank of a fill-in-the-blanks question, graded like a short answer."""

    id: StableId = Field(
        description="The blank's id, unique within its question; the prompt may show where it "
        "goes as [[id]]. " + _ID_RULE
    )
    label: str = Field(
        default="", max_length=200, description="A label for the answer box (default: the id)."
    )
    answers: list[str] = Field(default_factory=list, description="The accepted answers.")
    case_sensitive: bool = Field(default=False, description="Compare case too (default false).")
    accent_insensitive: bool = Field(
        default=False, description="Ignore accents: 'eleve' matches 'élève' (default false)."
    )
    regex: str | None = Field(
        default=None, description="A regular expression the whole answer may match instead."
    )

    @model_validator(mode="after")
    def _something_accepted(self) -> BlankSpec:
        if not [a for a in self.answers if a.strip()] and not self.regex:
            raise ValueError(f"blank {self.id!r}: 'answers' or 'regex' must accept something")
        _check_regex(self.regex, self.case_sensitive, f"blank {self.id!r}: 'regex'")
        return self

    def grading_key(self) -> dict[str, Any]:
        key: dict[str, Any] = {
            "id": self.id,
            "label": self.label or self.id,
            "answers": self.answers,
            "case_sensitive": self.case_sensitive,
            "accent_insensitive": self.accent_insensitive,
        }
        if self.regex:
            key["regex"] = self.regex
        return key


class QuestionSpec(_Model):
    id: StableId
    type: QuestionType = Field(description="The question type: " + ", ".join(QuestionType.__args__))  # type: ignore[attr-defined]
    prompt: str = Field(min_length=1)
    points: float = Field(default=1.0, gt=0)
    feedback: FeedbackSpec = Field(default_factory=FeedbackSpec)
    options: list[OptionSpec] = Field(default_factory=list)
    answer: Any = None
    answers: list[str] = Field(default_factory=list)
    scoring: Literal["all_or_nothing", "per_option", "right_minus_wrong", "per_item"] = (
        "all_or_nothing"
    )
    tolerance: float = Field(default=0.0, ge=0)
    unit: str = ""
    case_sensitive: bool = False
    # The keys below are new in course format 1.1; they default to "not used".
    tolerance_type: Literal["absolute", "relative"] = Field(
        default="absolute",
        description="numeric only: absolute (default) or relative, where the tolerance is a "
        "share of the answer (0.05 is 5 %).",
    )
    accepted: list[AcceptedNumber] = Field(
        default_factory=list,
        description="numeric only, instead of 'answer': several accepted values or ranges, each "
        "with its credit; the best match counts.",
    )
    accent_insensitive: bool = Field(
        default=False,
        description="short_answer only: ignore accents, so 'eleve' matches 'élève' "
        "(default false).",
    )
    regex: str | None = Field(
        default=None,
        description="short_answer only: a regular expression (at most 300 characters) the whole "
        "answer may match instead of one of 'answers'.",
    )
    stems: list[StemSpec] = Field(
        default_factory=list,
        description="matching only: the left-hand items; 'answer' maps each stem id to an "
        "option id.",
    )
    blanks: list[BlankSpec] = Field(
        default_factory=list, description="fill_blanks only: the blanks, each with its answers."
    )
    word_limit: int | None = Field(
        default=None, gt=0, description="essay only: the most words an answer may have."
    )
    max_bytes: int | None = Field(
        default=None, gt=0, description="file_upload only: the largest file accepted, in bytes."
    )
    accept: list[Annotated[str, Field(pattern=_EXTENSION)]] = Field(
        default_factory=list,
        description='file_upload only: the accepted file extensions, e.g. [".pdf", ".png"]; '
        "empty accepts any.",
    )
    language: str = Field(
        default="",
        max_length=40,
        description="code only: the programming language, for highlighting (a Pygments name "
        'such as "python").',
    )
    # Format 1.2: what an adaptive quiz needs to know about a question.
    irt: IrtSpec | None = Field(
        default=None,
        description="Item response theory parameters {a, b, c} for adaptive quizzes; 'b' wins "
        "over 'difficulty'. Calibration from the server may replace them.",
    )
    difficulty: DifficultyLabel | None = Field(
        default=None,
        description="A difficulty label; without 'irt' it sets b (very easy -2, easy -1, medium "
        "0, hard 1, very hard 2). A question with neither counts as medium.",
    )
    topic: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="The topic the question belongs to, for content balancing in an adaptive "
        "quiz ('topic_targets').",
    )

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
        if self.type == "numeric":
            self._check_numeric()
        if self.type == "short_answer":
            if not [a for a in self.answers if a.strip()] and not self.regex:
                raise ValueError("'answers' must list at least one accepted answer")
            _check_regex(self.regex, self.case_sensitive, "'regex'")
        if self.type == "matching":
            self._check_matching(option_ids)
        if self.type == "ordering":
            self._check_ordering(option_ids)
        if self.type == "fill_blanks":
            if not self.blanks:
                raise ValueError("'blanks' must list at least one blank")
            _require_unique("blank", [b.id for b in self.blanks])
        if self.type == "code" and self.language:
            _check_language(self.language)
        if self.type not in _OPTION_TYPES and self.options:
            raise ValueError(f"a {self.type} question has no 'options'")
        self._check_keys_belong_to_type()
        return self

    def _check_numeric(self) -> None:
        if self.accepted:
            if self.answer is not None:
                raise ValueError("give 'answer' or 'accepted', not both")
            if not any(a.credit == 1.0 for a in self.accepted):
                raise ValueError("'accepted' needs at least one answer with credit 1")
        elif isinstance(self.answer, bool) or not isinstance(self.answer, int | float):
            raise ValueError("'answer' must be a number")

    def _check_matching(self, option_ids: list[str]) -> None:
        stem_ids = [s.id for s in self.stems]
        _require_unique("stem", stem_ids)
        if len(self.stems) < 2 or len(self.options) < 2:
            raise ValueError("a matching question needs at least 2 'stems' and 2 'options'")
        if not isinstance(self.answer, dict) or sorted(self.answer) != sorted(stem_ids):
            raise ValueError(f"'answer' must map every stem id {stem_ids} to an option id")
        unknown = sorted({str(v) for v in self.answer.values()} - set(option_ids))
        if unknown:
            raise ValueError(f"'answer' names unknown options {unknown}")

    def _check_ordering(self, option_ids: list[str]) -> None:
        if len(self.options) < 2:
            raise ValueError("an ordering question needs at least 2 'options' to order")
        if not isinstance(self.answer, list) or sorted(map(str, self.answer)) != sorted(option_ids):
            raise ValueError("'answer' must list every option id once, in the right order")

    def _check_keys_belong_to_type(self) -> None:
        """A key set on the wrong type is an author's mistake: say so rather than ignore it."""
        used: dict[str, tuple[bool, tuple[str, ...]]] = {
            "stems": (bool(self.stems), ("matching",)),
            "blanks": (bool(self.blanks), ("fill_blanks",)),
            "accepted": (bool(self.accepted), ("numeric",)),
            "tolerance_type": (self.tolerance_type != "absolute", ("numeric",)),
            "regex": (self.regex is not None, ("short_answer",)),
            "accent_insensitive": (self.accent_insensitive, ("short_answer",)),
            "word_limit": (self.word_limit is not None, ("essay",)),
            "max_bytes": (self.max_bytes is not None, ("file_upload",)),
            "accept": (bool(self.accept), ("file_upload",)),
            "language": (bool(self.language), ("code",)),
        }
        for name, (is_set, types) in used.items():
            if is_set and self.type not in types:
                raise ValueError(f"'{name}' is only for {' and '.join(types)} questions")
        allowed = SCORING_BY_TYPE.get(self.type, ("all_or_nothing",))
        if self.scoring not in allowed:
            raise ValueError(
                f"'scoring' of a {self.type} question must be one of {', '.join(allowed)}"
            )

    def grading_key(self) -> dict[str, Any]:
        """What app.assess needs to grade a response to this question.

        The five types of format 1.0 keep exactly the keys they always had; the newer keys are
        added only when an author uses them. Manually graded types keep what the widget and the
        teacher need (limits, language) instead.
        """
        if self.type == "short_answer":
            key: dict[str, Any] = {"answers": self.answers, "case_sensitive": self.case_sensitive}
            if self.accent_insensitive:
                key["accent_insensitive"] = True
            if self.regex:
                key["regex"] = self.regex
            return key
        if self.type == "matching":
            key = {"pairs": self.answer, "stems": [s.model_dump() for s in self.stems]}
            return key | ({"scoring": "all_or_nothing"} if self.scoring != "per_item" else {})
        if self.type == "ordering":
            return {
                "order": self.answer,
                "scoring": "per_position" if self.scoring == "per_item" else "all_or_nothing",
            }
        if self.type == "fill_blanks":
            return {"blanks": [b.grading_key() for b in self.blanks]}
        if self.type == "essay":
            return {"word_limit": self.word_limit}
        if self.type == "file_upload":
            return {"max_bytes": self.max_bytes, "accept": self.accept}
        if self.type == "drawing":
            return {}
        if self.type == "code":
            return {"language": self.language}
        if self.type == "numeric" and self.accepted:
            best = next(a for a in self.accepted if a.credit == 1.0)
            key = {
                "answers": [a.model_dump(exclude_none=True) for a in self.accepted],
                "unit": self.unit,
                # The grader reads `answers`; `answer` and `tolerance` describe the first
                # full-credit one for readers that know only format 1.0 keys (the review page).
                **_summary(best),
            }
            if self.tolerance_type == "relative":
                key["tolerance_type"] = "relative"
            return key
        key = {"answer": self.answer}
        if self.type == "multiple_choice":
            key |= {"scoring": self.scoring, "option_ids": [o.id for o in self.options]}
        if self.type == "numeric":
            key |= {"tolerance": self.tolerance, "unit": self.unit}
            if self.tolerance_type == "relative":
                key["tolerance_type"] = "relative"
        return key


def _summary(accepted: AcceptedNumber) -> dict[str, float]:
    if accepted.answer is not None:
        return {"answer": accepted.answer, "tolerance": accepted.tolerance}
    assert accepted.min is not None and accepted.max is not None
    return {
        "answer": (accepted.min + accepted.max) / 2,
        "tolerance": (accepted.max - accepted.min) / 2,
    }


def spec_fields_from_key(question_type: str, key: dict[str, Any]) -> dict[str, Any]:
    """The quiz-file keys that give back `key` (the inverse of `QuestionSpec.grading_key`).

    For the types added in format 1.1 and the newer keys of the older ones; the exporter writes
    the format 1.0 keys itself.
    """
    fields: dict[str, Any] = {}
    if question_type == "short_answer":
        fields |= {k: key[k] for k in ("accent_insensitive", "regex") if key.get(k)}
    elif question_type == "numeric":
        if "answers" in key:
            # Its `answer` and `tolerance` only summarise the list (see grading_key).
            fields["accepted"] = key["answers"]
        if key.get("tolerance_type") == "relative":
            fields["tolerance_type"] = "relative"
    elif question_type == "matching":
        fields = {"stems": key["stems"], "answer": key["pairs"]}
        fields["scoring"] = key.get("scoring", "per_item")
    elif question_type == "ordering":
        fields = {"answer": key["order"]}
        fields["scoring"] = "per_item" if key.get("scoring") == "per_position" else "all_or_nothing"
    elif question_type == "fill_blanks":
        fields["blanks"] = [_blank_fields(b) for b in key["blanks"]]
    elif question_type in MANUALLY_GRADED_TYPES:
        fields = {k: v for k, v in key.items() if v not in (None, "", [])}
    return fields


def _blank_fields(blank: dict[str, Any]) -> dict[str, Any]:
    fields = {"id": blank["id"], "answers": blank["answers"]}
    if blank.get("label") and blank["label"] != blank["id"]:
        fields["label"] = blank["label"]
    for flag in ("case_sensitive", "accent_insensitive"):
        if blank.get(flag):
            fields[flag] = True
    if blank.get("regex"):
        fields["regex"] = blank["regex"]
    return fields


def _check_regex(pattern: str | None, case_sensitive: bool, field: str) -> None:
    if pattern is None:
        return
    try:
        compile_answer_pattern(pattern, case_sensitive=case_sensitive)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None


def _check_language(language: str) -> None:
    try:
        get_lexer_by_name(language)
    except ClassNotFound:
        raise ValueError(
            f"'language': {language!r} is not a language Slate can highlight "
            "(use a Pygments name such as python, javascript, c, sql)"
        ) from None


class QuizSettings(_Model):
    passing_score: float = Field(default=0.6, ge=0, le=1)
    time_limit_s: int | None = Field(
        default=None,
        gt=0,
        description="Seconds of working time. Only time the quiz is open in Slate counts; time "
        "with Slate closed does not, and changing the computer's clock changes nothing.",
    )
    max_attempts: int | None = Field(default=None, gt=0)
    attempt_policy: Literal["best", "last", "average"] = Field(
        default="best",
        description="Which submitted attempt is the learner's result: the best, the last, or "
        "the average of all.",
    )
    shuffle_questions: bool = False
    shuffle_options: bool = False
    draw_count: int | None = Field(
        default=None,
        gt=0,
        description="Question pool: each attempt shows this many of the questions, drawn at "
        "random when it starts (all of them when unset or larger than the pool).",
    )
    hint_penalty: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of a question's points lost for each hint the learner takes.",
    )
    ask_confidence: bool = Field(
        default=False, description="Ask the learner how sure they are of each answer (1 to 5)."
    )
    feedback_timing: Literal["immediate", "after_submit", "after_due"] = Field(
        default="after_submit",
        description="When correct answers and feedback are shown: right after each answer, "
        "after the attempt is submitted, or only once the due date has passed.",
    )
    available_from: AwareDatetime | None = Field(
        default=None, description="No attempt can start before this time (ISO 8601 with zone)."
    )
    available_until: AwareDatetime | None = Field(
        default=None, description="No attempt can start from this time on (ISO 8601 with zone)."
    )
    due_at: AwareDatetime | None = Field(
        default=None, description="The due date shown to the learner (ISO 8601 with zone)."
    )
    adaptive: AdaptiveSettings | None = Field(
        default=None,
        description="Makes the quiz adaptive: each next question is chosen from the learner's "
        "answers so far (item response theory), and the attempt stops at a standard error or a "
        "length. Every question must be graded at once (no essays or uploads).",
    )

    @model_validator(mode="after")
    def _dates_make_sense(self) -> QuizSettings:
        start, end = self.available_from, self.available_until
        if start is not None and end is not None and end <= start:
            raise ValueError("'available_until' must be later than 'available_from'")
        if self.feedback_timing == "after_due" and self.due_at is None:
            raise ValueError("'feedback_timing': 'after_due' needs a 'due_at' date")
        return self


class QuizFile(_Model):
    type: Literal["quiz", "exam", "assignment", "project", "peer_review", "self_assessment"] = (
        "quiz"
    )
    settings: QuizSettings = Field(default_factory=QuizSettings)
    questions: list[QuestionSpec] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _unique_question_ids(cls, questions: list[QuestionSpec]) -> list[QuestionSpec]:
        _require_unique("question", [q.id for q in questions])
        return questions

    @model_validator(mode="after")
    def _fits_adaptive_rules(self) -> QuizFile:
        adaptive = self.settings.adaptive
        if adaptive is not None:
            problem = adaptive_quiz_problem(
                adaptive,
                self.questions,
                draw_count=self.settings.draw_count,
                shuffle_questions=self.settings.shuffle_questions,
            )
            if problem:
                raise ValueError(problem)
        return self


def _require_unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dupes:
        raise ValueError(f"duplicate {what} id(s): {', '.join(dupes)}")
