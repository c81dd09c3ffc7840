"""Aiken details beyond the corpus: multi-line stems, `A.` options, bad answer letters."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.banks.aiken import parse_aiken
from app.banks.importer import detect_format, read_bank
from app.banks.model import BankImportError


def test_dot_options_and_multi_line_stem() -> None:
    bank = parse_aiken("Which is a\nnoble gas?\nA. Neon\nB. Iron\nANSWER: A\n", "x.txt")
    (q,) = bank.questions
    assert q.prompt == "Which is a\nnoble gas?"
    assert [o["text"] for o in q.options] == ["Neon", "Iron"]
    assert q.key == {"answer": "a"}
    assert q.source_line == 1


def test_answer_letter_without_option_is_a_warning() -> None:
    bank = parse_aiken("Q?\nA) x\nB) y\nANSWER: D\n\nQ2?\nA) x\nB) y\nANSWER: B\n", "x.txt")
    assert [q.prompt for q in bank.questions] == ["Q2?"]
    (warning,) = bank.warnings
    assert warning.line == 4 and "names no option" in warning.message


def test_text_with_nothing_aiken_is_refused() -> None:
    with pytest.raises(BankImportError, match="not an Aiken file"):
        parse_aiken("", "empty.txt")


def test_txt_detection(tmp_path: Path) -> None:
    aiken = tmp_path / "a.txt"
    aiken.write_text("Q?\nA) x\nB) y\nANSWER: A\n", encoding="utf-8")
    gift = tmp_path / "g.txt"
    gift.write_text("Q?{=yes}\n", encoding="utf-8")
    assert detect_format(aiken) == "aiken"
    assert detect_format(gift) == "gift"
    assert read_bank(gift).format == "gift"


def test_gift_starting_with_html_is_not_taken_for_xml(tmp_path: Path) -> None:
    path = tmp_path / "html.txt"
    path.write_text("<p>Which?</p>{=yes}\n", encoding="utf-8")
    assert detect_format(path) == "gift"
    xml = tmp_path / "item.dat"
    xml.write_text('<?xml version="1.0"?>\n<assessmentItem/>', encoding="utf-8")
    assert detect_format(xml) == "qti"
