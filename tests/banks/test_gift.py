"""GIFT: every question type, escapes, formats, encodings, broken files, and the round trip."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from app.assess import grade_response
from app.banks.gift import parse_gift, read_gift
from app.banks.gift_export import export_gift
from app.banks.model import BankImport, BankImportError

ALL_TYPES = """\
// A bank with every GIFT question type.
$CATEGORY: physics/motion

// [id:speed-1] [tag:units] [tag:easy]
::Speed unit::[markdown]What is the SI unit of **speed**?{
=m/s#Right.
=%50%km/h#A unit of speed, but not the SI one.
####Speed is distance over time.}

::Many::Which are vectors?{
~%50%velocity#yes
~%50%force
~%-100%mass#no: mass is a scalar
~time}

::TF::The Earth orbits the Sun.{TRUE#Look again.#Well done.####Kepler.}

::Blank::Light travels {~slower =faster} than sound.

::Numeric tolerance::g in m/s²?{#9.8:0.1}

::Numeric range::Pick a number from 1 to 5.{#1..5}

::Numeric several::When was Grant born?{#
=1822:0#Exactly.
=%50%1822:2#Close.
~#Not even close.
}

::Match::Match each quantity with its unit.{
=speed -> m/s
=force -> N
=mass -> kg
= -> A
}

::Essay::Explain inertia in your own words.{}

::Intro::[html]<p>The next questions are about energy.</p>

::Escapes::Which one is 1\\:2 \\{not a block\\} \\# \\~ \\= \\\\ ?{=a \\= b\\nc}
"""


def bank_of(text: str) -> BankImport:
    return parse_gift(text, "test.gift")


def by_title(bank: BankImport) -> dict:
    return {q.title: q for q in bank.questions}


def test_every_question_type() -> None:
    bank = bank_of(ALL_TYPES)
    assert bank.kinds() == {
        "choice": 2,
        "true_false": 1,
        "short_text": 2,
        "numeric": 3,
        "matching": 1,
        "essay": 1,
        "description": 1,
    }
    assert bank.categories == 1
    assert bank.warnings == []
    q = by_title(bank)

    speed = q["Speed unit"]
    assert (speed.question_id, speed.tags, speed.category) == (
        "speed-1",
        ["units", "easy"],
        "physics/motion",
    )
    assert speed.prompt == "What is the SI unit of **speed**?"
    assert speed.prompt_format == "markdown"
    assert speed.type == "short_answer"
    assert speed.key == {
        "answers": ["m/s"],
        "case_sensitive": False,
        "partial": [{"text": "km/h", "credit": 0.5}],
    }
    assert speed.feedback["general"] == "Speed is distance over time."
    assert speed.feedback["answers"][1] == {
        "answer": "km/h",
        "feedback": "A unit of speed, but not the SI one.",
    }
    assert speed.source_line == 5

    many = q["Many"]
    assert many.type == "multiple_choice"
    assert [o["text"] for o in many.options] == ["velocity", "force", "mass", "time"]
    assert many.key["weights"] == {"a": 0.5, "b": 0.5, "c": -1}
    assert many.options[2]["feedback"] == "no: mass is a scalar"
    assert grade_response(many.type, many.key, ["a", "b"]) == 1.0
    assert grade_response(many.type, many.key, ["a", "c"]) == 0.0

    tf = q["TF"]
    assert tf.key == {"answer": True}
    assert tf.feedback == {
        "general": "Kepler.",
        "incorrect": "Look again.",
        "correct": "Well done.",
    }

    blank = q["Blank"]
    assert blank.type == "single_choice"
    assert blank.prompt == "Light travels _____ than sound."
    assert blank.key == {"answer": "b"}

    assert q["Numeric tolerance"].key == {"answer": 9.8, "tolerance": 0.1}
    assert q["Numeric range"].key == {"answers": [{"min": 1, "max": 5, "credit": 1}]}
    several = q["Numeric several"]
    assert several.key["answers"][1] == {"answer": 1822, "tolerance": 2, "credit": 0.5}
    assert several.feedback["incorrect"] == "Not even close."
    assert grade_response("numeric", several.key, "1823") == 0.5

    match = q["Match"]
    assert match.key == {"pairs": {"s1": "c1", "s2": "c2", "s3": "c3"}}
    assert [o["text"] for o in match.options if o["role"] == "choice"] == ["m/s", "N", "kg", "A"]

    assert q["Essay"].type == "essay" and q["Essay"].key == {}
    intro = q["Intro"]
    assert (intro.type, intro.prompt_format) == ("description", "html")
    assert intro.prompt == "<p>The next questions are about energy.</p>"

    escapes = q["Escapes"]
    assert escapes.prompt == "Which one is 1:2 {not a block} # ~ = \\ ?"
    assert escapes.key["answers"] == ["a = b\nc"]


def test_partial_credit_single_choice() -> None:
    (q,) = bank_of("Q?{~wrong ~%50%half =full}").questions
    assert q.type == "single_choice"
    assert grade_response(q.type, q.key, "c") == 1.0
    assert grade_response(q.type, q.key, "b") == 0.5
    assert grade_response(q.type, q.key, "a") == 0.0


@pytest.mark.parametrize("answer", ["T", "TRUE", "F", "FALSE", "true"])
def test_true_false_spellings(answer: str) -> None:
    (q,) = bank_of(f"Is it?{{{answer}}}").questions
    assert q.type == "true_false"
    assert q.key["answer"] is answer.upper().startswith("T")


def test_bom_and_crlf_are_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.gift"
    path.write_bytes(("\ufeff" + ALL_TYPES).replace("\n", "\r\n").encode("utf-8"))
    bank = read_gift(path)
    assert [asdict(q) for q in bank.questions] == [asdict(q) for q in bank_of(ALL_TYPES).questions]


def test_invalid_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.gift"
    path.write_bytes("Q1?{=a}\n\nQuelle unit\xe9?{=m}\n".encode("latin-1"))
    with pytest.raises(BankImportError, match=r"latin1.gift: line 3: not valid UTF-8"):
        read_gift(path)


def test_unclosed_brace_is_refused_naming_its_line() -> None:
    text = "Q1?{=a}\n\n::Two::Q2?{=b\n\nQ3?{=c}\n"
    with pytest.raises(BankImportError) as refused:
        bank_of(text)
    assert "test.gift: line 3:" in str(refused.value)
    assert "not closed" in str(refused.value)


def test_unclosed_brace_at_the_end_is_refused() -> None:
    with pytest.raises(BankImportError, match=r"line 3: '\{' is never closed"):
        bank_of("Q1?{=a}\n\nQ2?{=b\n=c\n")


def test_stray_closing_brace_is_refused() -> None:
    with pytest.raises(BankImportError, match=r"line 2: '\}' without an opening"):
        bank_of("Q1?{=a}\nand then }\n")


def test_no_answer_blocks_is_refused() -> None:
    with pytest.raises(BankImportError, match="not a GIFT question bank: no answer blocks"):
        bank_of("Just some text.\n\nAnd more.\n")


def test_a_bad_question_is_skipped_with_its_line() -> None:
    bank = bank_of("Q1?{=a}\n\n// note\nQ2?{#abc}\n\nQ3?{=c}\n")
    assert [q.prompt for q in bank.questions] == ["Q1?", "Q3?"]
    (warning,) = bank.warnings
    assert warning.line == 4
    assert "'abc' is not a number" in warning.message


def test_duplicate_ids_are_made_unique_with_a_warning() -> None:
    bank = bank_of("// [id:q1]\nA?{=a}\n\n// [id:q1]\nB?{=b}\n")
    assert [q.question_id for q in bank.questions] == ["q1", "q1-2"]
    assert "used twice" in bank.warnings[0].message


def test_generated_ids_are_stable() -> None:
    first = [q.question_id for q in bank_of(ALL_TYPES).questions]
    again = [q.question_id for q in bank_of(ALL_TYPES).questions]
    assert first == again


def test_blank_line_inside_an_answer_block_does_not_split_the_question() -> None:
    (q,) = bank_of("Pick one.{\n=a\n\n~b\n}\n").questions
    assert [o["text"] for o in q.options] == ["a", "b"]


# -- export and round trip -------------------------------------------------------------------


def _fields(bank: BankImport) -> list[dict]:
    return [{k: v for k, v in asdict(q).items() if k != "source_line"} for q in bank.questions]


def test_round_trip_of_every_type() -> None:
    bank = bank_of(ALL_TYPES)
    text, warnings = export_gift(bank.questions)
    assert warnings == []
    again = parse_gift(text, "exported.gift")
    assert _fields(again) == _fields(bank)


@pytest.mark.parametrize(
    "name",
    [
        "g12_fr_moodle_export_pluginfile_html.gift",
        "g13_es_moodle_export_html_comment.gift",
        "g14_moodle_docs_options_escapes.gift",
        "g15_moodle_examples_php.gift",
        "g16_es_linux_tabs_dup_titles.gift",
        "g20_qas_moodle_export_tags_ids.gift",
    ],
)
def test_round_trip_of_corpus_files(corpus: Path, name: str) -> None:
    bank = read_gift(corpus / "gift" / name)
    text, warnings = export_gift(bank.questions)
    assert warnings == []
    assert _fields(parse_gift(text, name)) == _fields(bank)


def test_golden_export() -> None:
    bank = bank_of("// [id:g1]\n::T::Grant is {~buried =entombed#Yes} in Grant's tomb.\n")
    text, _ = export_gift(bank.questions)
    assert text == (
        "// [id:g1]\n::T::[plain]Grant is _____ in Grant's tomb.{\n~buried\n=entombed#Yes\n}\n"
    )


def test_export_reports_what_gift_cannot_say() -> None:
    from app.banks.model import ImportedQuestion

    order = ImportedQuestion(type="ordering", prompt="Sort", key={"order": ["a"]}, question_id="o1")
    text, warnings = export_gift([order])
    assert "Sort" not in text
    assert "ordering questions have no GIFT form" in warnings[0].message


def test_random_input_is_refused_or_read_and_round_trips() -> None:
    """Seeded garbage made of GIFT's own syntax: never a crash; what reads, exports and reads
    back the same (or the export says why not)."""
    import random

    pieces = [*"{}~=#:%->\\ \n\n\tabcTF1.5$/[]*", "::", "$CATEGORY:", "//", "[html]", "####"]
    pieces += ["%50%", "%-25%", "->", "..", "TRUE", "\\n", "1..5", "#3:0.5"]
    rng = random.Random(20240601)
    read = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))
        try:
            bank = parse_gift(text, "random.gift")
        except BankImportError as refused:
            assert str(refused).startswith("random.gift: ")
            continue
        read += 1
        assert all(w.line is not None and w.line >= 1 for w in bank.warnings)
        exported, warnings = export_gift(bank.questions)
        if warnings or all(q.type == "description" for q in bank.questions):
            continue
        assert _fields(parse_gift(exported, "again.gift")) == _fields(bank), text
    assert read > 100


# -- `~` in numerical questions (never a silent drop) -----------------------------------------

MOODLE_IGNORES = "(Moodle ignores answers after '~' in a numerical question; write '={}' instead)"


def _warnings(bank: BankImport) -> list[tuple[int | None, str]]:
    return [(w.line, w.message) for w in bank.warnings]


def test_numeric_weighted_tilde_answer_is_kept_with_a_warning() -> None:
    bank = bank_of("::Q:: Pi? {#=3.14:0.01 =%50%3:0.5 ~%25%3.5 #close}")
    (q,) = bank.questions
    assert q.type == "numeric"
    assert q.key == {
        "answers": [
            {"answer": 3.14, "tolerance": 0.01, "credit": 1},
            {"answer": 3, "tolerance": 0.5, "credit": 0.5},
            {"answer": 3.5, "tolerance": 0, "credit": 0.25},
        ]
    }
    assert q.feedback == {"answers": [{"answer": "3.5:0", "feedback": "close"}]}
    assert _warnings(bank) == [
        (1, "'~%25%3.5' is read as an answer worth 25% " + MOODLE_IGNORES.format("%25%3.5"))
    ]
    assert grade_response("numeric", q.key, "3.5") == 0.5  # the best matching answer counts
    assert grade_response("numeric", q.key, "3.7") == 0.0
    assert grade_response("numeric", q.key, "3.141") == 1.0


def test_numeric_short_form_with_a_weighted_tilde_answer() -> None:
    bank = bank_of("Q?{#5 ~%50%6#close}")
    (q,) = bank.questions
    assert q.key == {
        "answers": [
            {"answer": 5, "tolerance": 0, "credit": 1},
            {"answer": 6, "tolerance": 0, "credit": 0.5},
        ]
    }
    assert q.feedback == {"answers": [{"answer": "6:0", "feedback": "close"}]}
    assert _warnings(bank) == [
        (1, "'~%50%6' is read as an answer worth 50% " + MOODLE_IGNORES.format("%50%6"))
    ]
    assert grade_response("numeric", q.key, "6") == 0.5


def test_numeric_text_after_tilde_is_named_in_a_warning() -> None:
    bank = bank_of("Intro line.\nQ?{#=5\n~other stuff}")
    (q,) = bank.questions
    assert q.key == {"answer": 5, "tolerance": 0}
    assert q.feedback == {}
    assert _warnings(bank) == [
        (
            3,
            "text 'other stuff' after '~' is not a numerical answer and is not carried over "
            "(write ~#feedback for the feedback on a wrong answer)",
        )
    ]


@pytest.mark.parametrize(
    ("block", "key", "feedback", "warnings"),
    [
        # Moodle's own export: the `~#` branch is the feedback for any other answer.
        (
            "{#=5:1#Yes\n~#No}",
            {"answer": 5, "tolerance": 1},
            {"answers": [{"answer": "5:1", "feedback": "Yes"}], "incorrect": "No"},
            [],
        ),
        ("{#=5 ~*#No}", {"answer": 5, "tolerance": 0}, {"incorrect": "No"}, []),
        (
            "{#=5\n~%50%#Half for anything?}",
            {"answer": 5, "tolerance": 0},
            {"incorrect": "Half for anything?"},
            [
                (
                    2,
                    "the weight of '~%50%' (any other answer) is not carried over: an answer "
                    "not listed earns nothing",
                )
            ],
        ),
        (
            "{#=5\n~6#Off by one}",
            {"answer": 5, "tolerance": 0},
            {"incorrect": "Off by one"},
            [
                (
                    2,
                    "'~6' is not kept as an answer: it earns no credit, as does any answer "
                    "not listed",
                )
            ],
        ),
        (
            "{#=5\n~junk#Try again}",
            {"answer": 5, "tolerance": 0},
            {"incorrect": "Try again"},
            [
                (
                    2,
                    "text 'junk' after '~' is not a numerical answer and is not carried over "
                    "(write ~#feedback for the feedback on a wrong answer)",
                )
            ],
        ),
        (
            "{#=5\n~#Use a = b}",
            {"answer": 5, "tolerance": 0},
            {"incorrect": "Use a = b"},
            [
                (
                    2,
                    "an unescaped '=' in the feedback after '~' is read as text "
                    "(write \\= for a literal '=')",
                )
            ],
        ),
        (
            "{#=5\n~#Wrong\n=%50%6}",
            {
                "answers": [
                    {"answer": 5, "tolerance": 0, "credit": 1},
                    {"answer": 6, "tolerance": 0, "credit": 0.5},
                ]
            },
            {"incorrect": "Wrong"},
            [
                (
                    3,
                    "answer '=%50%6' after a '~' is kept "
                    "(Moodle would read it as part of the '~' feedback)",
                )
            ],
        ),
        (
            "{#=5\n~#One\n~#Two}",
            {"answer": 5, "tolerance": 0},
            {"incorrect": "One"},
            [(3, "a second feedback for a wrong answer ('Two') is not carried over")],
        ),
    ],
)
def test_numeric_tilde_branches(
    block: str, key: dict, feedback: dict, warnings: list[tuple[int, str]]
) -> None:
    bank = bank_of("Q?" + block)
    (q,) = bank.questions
    assert (q.type, q.key, q.feedback) == ("numeric", key, feedback)
    assert _warnings(bank) == warnings


def test_numeric_tilde_answers_round_trip_without_warnings() -> None:
    bank = bank_of("::Q:: Pi? {#=3.14:0.01 =%50%3:0.5 ~%25%3.5 #close\n~#No}")
    text, warnings = export_gift(bank.questions)
    assert warnings == []
    again = parse_gift(text, "exported.gift")
    assert again.warnings == []
    assert _fields(again) == _fields(bank)
