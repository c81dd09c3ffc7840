"""Every question bank file of the shared corpus imports as expected.json says, or is refused.

The corpus holds real files other people made (see its README); they are read from there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.assess import grade_response, is_auto_graded
from app.banks.importer import detect_format, read_bank
from app.banks.model import BankImportError, ImportedQuestion
from tests.banks.conftest import expected_entries


@pytest.mark.parametrize(("name", "want"), expected_entries())
def test_corpus_file_imports_as_expected(corpus: Path, name: str, want: dict[str, Any]) -> None:
    path = corpus / name
    if "error" in want:
        with pytest.raises(BankImportError) as refused:
            read_bank(path)
        message = str(refused.value)
        assert message.startswith(path.name), message
        assert want["error"] in message
        return
    bank = read_bank(path)
    assert len(bank.questions) == want["questions"]
    assert bank.kinds() == want["kinds"]
    if "categories" in want:
        assert bank.categories == want["categories"]
    assert len(bank.warnings) >= want.get("warnings_at_least", 0)
    for warning in bank.warnings:
        assert warning.line is not None and warning.line > 0, warning
    ids = [q.question_id for q in bank.questions]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", i) for i in ids)


def _right_response(q: ImportedQuestion) -> Any:
    key = q.key
    if q.type == "single_choice":
        return key["answer"]
    if q.type == "multiple_choice":
        return key["answer"]
    if q.type == "true_false":
        return key["answer"]
    if q.type == "numeric":
        first = key["answers"][0] if "answers" in key else key
        return str(first["min"] if "min" in first else first["answer"])
    if q.type == "short_answer":
        return key["answers"][0].replace("*", "x")
    if q.type == "matching":
        return dict(key["pairs"])
    if q.type == "ordering":
        return list(key["order"])
    raise AssertionError(q.type)


@pytest.mark.parametrize(("name", "want"), expected_entries())
def test_every_imported_key_grades_its_right_answer_as_full(
    corpus: Path, name: str, want: dict[str, Any]
) -> None:
    if "error" in want:
        pytest.skip("refused file")
    for q in read_bank(corpus / name).questions:
        if not is_auto_graded(q.type):
            assert q.type in ("essay", "description")
            continue
        assert grade_response(q.type, q.key, _right_response(q)) == pytest.approx(1.0), q


def test_a_gift_named_file_that_is_not_gift_is_refused(corpus: Path) -> None:
    path = corpus / "gift" / "g19_not_gift_lisp_testfile.gift"
    assert detect_format(path) == "gift"
    with pytest.raises(BankImportError, match="no answer blocks"):
        read_bank(path)


def test_aiken_fixture_of_errors_names_each_line(corpus: Path) -> None:
    bank = read_bank(corpus / "aiken" / "a03_moodle_fixture_errors.txt")
    assert [q.prompt for q in bank.questions] == ["A good question", "A second good question"]
    assert [q.key["answer"] for q in bank.questions] == ["a", "b"]
    assert [w.line for w in bank.warnings] == [3, 5, 7, 14]
    assert "fewer" in bank.warnings[0].message or "at least 2" in bank.warnings[0].message


def test_aiken_keeps_html_as_text(corpus: Path) -> None:
    bank = read_bank(corpus / "aiken" / "a02_moodle_fixture_html_specialchars.txt")
    second = bank.questions[1]
    assert second.prompt_format == "plain"
    assert '<html class="cool"> & images' in second.prompt


@pytest.mark.parametrize(
    ("name", "missing"),
    [("qti/q06_apip_assessmentTest.xml", 5), ("qti/q08_imsmanifest_qti21.xml", 7)],
)
def test_test_and_manifest_with_missing_items_warn_per_item(
    corpus: Path, name: str, missing: int
) -> None:
    bank = read_bank(corpus / name)
    assert bank.questions == []
    assert len(bank.warnings) == missing
    for warning in bank.warnings:
        assert "not in the package" in warning.message
        assert warning.line is not None


def test_qti_template_wins_over_a_disagreeing_mapping(corpus: Path) -> None:
    bank = read_bank(corpus / "qti" / "q04_apip_textentry.xml")
    (q,) = bank.questions
    assert q.type == "short_answer"
    assert grade_response(q.type, q.key, "Lake Michigan") == 1.0
    # The mapping would give these 1 and 0.5; match_correct grades the correct response only.
    assert grade_response(q.type, q.key, "lake michigan") == 0.0
    assert grade_response(q.type, q.key, "Michigan") == 0.0
    assert any("mapping" in w.message and "not used" in w.message for w in bank.warnings)


def test_qti_map_response_text_entry_gives_partial_credit(corpus: Path) -> None:
    (q,) = read_bank(corpus / "qti" / "q09_v2p2_text_entry_map_response.xml").questions
    assert grade_response(q.type, q.key, "York") == 1.0
    assert grade_response(q.type, q.key, "york") == 0.5
    assert grade_response(q.type, q.key, "Lancaster") == 0.0
    assert "_____" in q.prompt


def test_qti_negative_mappings_keep_their_penalty(corpus: Path) -> None:
    (q,) = read_bank(corpus / "qti" / "q03_apip_multiple_map_response_negative.xml").questions
    assert q.type == "multiple_choice"
    assert grade_response(q.type, q.key, ["option1", "option2", "option4"]) == 1.0
    assert grade_response(q.type, q.key, ["option1", "option2", "option3"]) == pytest.approx(1 / 3)
    assert grade_response(q.type, q.key, ["option3", "option5"]) == 0.0
    (rtl,) = read_bank(corpus / "qti" / "q10_v2p2_choice_multiple_rtl.xml").questions
    assert grade_response(rtl.type, rtl.key, ["H", "O"]) == 1.0
    assert grade_response(rtl.type, rtl.key, ["H", "O", "Cl"]) == 0.5
    assert 'dir="rtl"' in rtl.prompt
    assert rtl.options[0]["text"] == "מימן"


def test_qti_broken_identifier_is_replaced_with_a_warning(corpus: Path) -> None:
    bank = read_bank(corpus / "qti" / "q02_apip_choice_svg_css.xml")
    (q,) = bank.questions
    assert q.question_id == "identifier-VE-IP-02"
    messages = " ".join(w.message for w in bank.warnings)
    assert "identifier=VE-IP-02" in messages
    assert "apip_VE_IP_02.svg" in messages  # media not carried over are named


def test_qti_malformed_file_names_file_and_line(corpus: Path) -> None:
    with pytest.raises(BankImportError) as refused:
        read_bank(corpus / "qti" / "q07_adaptive_two_choices.xml")
    assert str(refused.value).startswith("q07_adaptive_two_choices.xml: malformed XML near line")


# -- fields compared with another parser's output (GIFT-grammar-PEG.js) ---------------------

# Each pegjs file is named by the prefix of the corpus file it parses.
PEG_FILES = [
    "g12_multiLineFeedback1.json",
    "g13_mcHTMLComment.json",
    "g14_options1.json",
    "g15_giftFormatPhpExamples.json",
]
PEG_TYPES = {
    "MC": {"single_choice", "multiple_choice"},
    "Short": {"short_answer"},
    "TF": {"true_false"},
    "Numerical": {"numeric"},
    "Matching": {"matching"},
    "Essay": {"essay"},
    "Description": {"description"},
}


def _flat(text: str | None) -> str:
    return " ".join((text or "").split())


@pytest.mark.parametrize("peg_name", PEG_FILES)
def test_gift_fields_match_the_pegjs_parse(corpus: Path, peg_name: str) -> None:
    gift_dir = corpus / "gift"
    source = next(gift_dir.glob(peg_name.split("_", 1)[0] + "_*.gift"))
    peg = json.loads((gift_dir / "expected_pegjs" / peg_name).read_text(encoding="utf-8"))
    peg = [p for p in peg if p["type"] != "Category"]
    bank = read_bank(source)
    assert len(bank.questions) == len(peg)
    for q, p in zip(bank.questions, peg, strict=True):
        assert q.type in PEG_TYPES[p["type"]], (q.title, p["type"])
        assert q.title == (p["title"] or "")
        # pegjs writes a space after a missing word's blank ("_____ ."); Moodle, whose reading
        # Slate follows, does not.
        assert _flat(q.prompt) == _flat(p["stem"]["text"]).replace("_____ .", "_____.")
        assert _flat(q.feedback.get("general")) == _flat(
            (p.get("globalFeedback") or {}).get("text")
        )
        if p["type"] == "MC":
            assert [_flat(o["text"]) for o in q.options] == [
                _flat(c["text"]["text"]) for c in p["choices"]
            ]
            assert [_flat(o.get("feedback")) for o in q.options] == [
                _flat((c["feedback"] or {}).get("text")) for c in p["choices"]
            ]
            weights = q.key.get(
                "weights", {q.key["answer"]: 1} if q.type == "single_choice" else {}
            )
            for option, choice in zip(q.options, p["choices"], strict=True):
                credit = weights.get(option["id"], 0)
                if choice["weight"] is not None:
                    assert credit * 100 == pytest.approx(choice["weight"])
                else:
                    assert (credit == 1) == choice["isCorrect"]
        elif p["type"] == "Short":
            texts = q.key["answers"] + [e["text"] for e in q.key.get("partial", [])]
            assert sorted(texts) == sorted(_flat(c["text"]["text"]) for c in p["choices"])
        elif p["type"] == "TF":
            assert q.key["answer"] is p["isTrue"]
            # pegjs names feedbacks by the answer given: the first is for answering "true".
            wrong = (p["falseFeedback"] if p["isTrue"] else p["trueFeedback"]) or {}
            assert _flat(q.feedback.get("incorrect")) == _flat(wrong.get("text"))
        elif p["type"] == "Matching":
            stems = [o for o in q.options if o["role"] == "stem"]
            choices = {o["id"]: o["text"] for o in q.options if o["role"] == "choice"}
            assert [(s["text"], choices[q.key["pairs"][s["id"]]]) for s in stems] == [
                (_flat(m["subquestion"]["text"]), m["subanswer"]) for m in p["matchPairs"]
            ]
        elif p["type"] == "Numerical":
            if isinstance(p["choices"], dict):
                want = {"answer": p["choices"]["number"], "tolerance": p["choices"].get("range", 0)}
                assert q.key == want
            else:
                accepted = q.key["answers"]
                assert [(a["answer"], a["tolerance"]) for a in accepted] == [
                    (c["text"]["number"], c["text"]["range"]) for c in p["choices"]
                ]
