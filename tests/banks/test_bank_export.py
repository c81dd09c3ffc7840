"""`slate bank export BANK_ID --out FILE`: a stored bank back out as GIFT, and in again."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from app.banks.gift import read_gift
from app.banks.model import BankImport, ImportedQuestion
from app.banks.store import load_bank, save_bank
from app.cli import main
from app.db.store import Store

ALL_TYPES = """\
$CATEGORY: physics/motion

// [id:speed-1] [tag:units]
::Speed unit::[markdown]What is the SI unit of **speed**?{
=m/s#Right.
=%50%km/h#A unit of speed, but not the SI one.
####Speed is distance over time.}

::Many::Which are vectors?{~%50%velocity#yes ~%50%force ~%-100%mass#no ~time}

$CATEGORY: physics/numbers

::TF::The Earth orbits the Sun.{TRUE#Look again.#Well done.}

::Blank::Light travels {~slower =faster} than sound.

::Pi::Pi to two places?{#=3.14:0.005#Yes =%50%3.1:0.05 ~#No}

::Range::Pick a number from 1 to 5.{#1..5}

::Match::Match each quantity with its unit.{=speed -> m/s =force -> N = -> kg}

::Essay::Explain inertia.{}

::Intro::[html]<p>Energy next.</p>

::Escapes::Is 1\\:2 \\{odd\\} \\# \\~ \\= ?{=a \\= b}
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _graded(questions: list[ImportedQuestion]) -> list[dict]:
    """What a question is, asks and accepts: everything but where its file put it."""
    return [{k: v for k, v in asdict(q).items() if k != "source_line"} for q in questions]


def test_import_export_import_gives_the_same_questions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "store")
    source = tmp_path / "physics.gift"
    source.write_text(ALL_TYPES, encoding="utf-8")
    code, out, err = run(capsys, "bank", "import", str(source), "--json", "--data-dir", data)
    assert code == 0, err
    imported = json.loads(out)
    assert imported["warnings"] == []

    exported_path = tmp_path / "out" / "physics-export.gift"
    exported_path.parent.mkdir()
    code, out, err = run(
        capsys,
        "bank",
        "export",
        str(imported["bank_id"]),
        "--out",
        str(exported_path),
        "--json",
        "--data-dir",
        data,
    )
    assert code == 0, err
    result = json.loads(out)
    assert result == {
        "bank_id": imported["bank_id"],
        "file": str(exported_path),
        "questions": 10,
        "kinds": imported["kinds"],
        "warnings": [],
    }
    # Nothing but the file itself is left in the folder (no temporary file).
    assert [p.name for p in exported_path.parent.iterdir()] == ["physics-export.gift"]

    code, out, err = run(capsys, "bank", "import", str(exported_path), "--json", "--data-dir", data)
    assert code == 0, err
    again = json.loads(out)
    assert again["warnings"] == []
    assert again["kinds"] == imported["kinds"]
    assert again["categories"] == imported["categories"] == 2

    store = Store.open(Path(data), lock=False)
    try:
        with store.read() as session:
            first = load_bank(session, imported["bank_id"]).questions
            second = load_bank(session, again["bank_id"]).questions
    finally:
        store.close()
    assert _graded(second) == _graded(first)
    # The same reading as the original file's, field by field.
    assert _graded(first) == _graded(read_gift(source).questions)
    by_title = {q.title: q for q in second}
    assert [(q.kind, q.title) for q in second] == [
        ("short_text", "Speed unit"),
        ("choice", "Many"),
        ("true_false", "TF"),
        ("choice", "Blank"),
        ("numeric", "Pi"),
        ("numeric", "Range"),
        ("matching", "Match"),
        ("essay", "Essay"),
        ("description", "Intro"),
        ("short_text", "Escapes"),
    ]
    assert by_title["Speed unit"].key == {
        "answers": ["m/s"],
        "case_sensitive": False,
        "partial": [{"text": "km/h", "credit": 0.5}],
    }
    assert by_title["Many"].key["weights"] == {"a": 0.5, "b": 0.5, "c": -1}
    assert by_title["Pi"].key == {
        "answers": [
            {"answer": 3.14, "tolerance": 0.005, "credit": 1},
            {"answer": 3.1, "tolerance": 0.05, "credit": 0.5},
        ]
    }
    assert by_title["Pi"].feedback["incorrect"] == "No"
    assert by_title["Escapes"].prompt == "Is 1:2 {odd} # ~ = ?"
    assert by_title["Escapes"].key["answers"] == ["a = b"]
    assert by_title["Speed unit"].question_id == "speed-1"


def test_export_of_a_corpus_bank_round_trips(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "store")
    path = corpus / "gift" / "g20_qas_moodle_export_tags_ids.gift"
    code, out, err = run(capsys, "bank", "import", str(path), "--json", "--data-dir", data)
    assert code == 0, err
    out_file = tmp_path / "g20-again.gift"
    code, out, err = run(capsys, "bank", "export", "1", "--out", str(out_file), "--data-dir", data)
    assert code == 0, err
    assert out.startswith("Exported 22 questions to ")
    assert err == ""
    assert _graded(read_gift(out_file).questions) == _graded(read_gift(path).questions)


def test_what_gift_cannot_express_is_named_not_dropped(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bank = BankImport(source_name="items.zip", format="qti")
    bank.questions = [
        ImportedQuestion(
            type="ordering",
            prompt="Put in order",
            title="Sort the planets",
            question_id="order-1",
            options=[{"id": "a", "text": "Mercury"}, {"id": "b", "text": "Venus"}],
            key={"order": ["a", "b"]},
            source_line=7,
        ),
        ImportedQuestion(
            type="short_answer",
            prompt="Capital of France?",
            title="Capital",
            question_id="cap-1",
            key={"answers": ["Paris"], "case_sensitive": True},
            points=2.0,
            source_line=12,
        ),
    ]
    bank_id = save_bank(store, bank)
    data = str(store.data_dir)
    store.close()
    out_file = tmp_path / "items.gift"
    code, out, err = run(
        capsys, "bank", "export", str(bank_id), "--out", str(out_file), "--data-dir", data
    )
    assert code == 0, err
    assert out == f"Exported 1 questions to {out_file} (1 short_text).\n"
    assert err.splitlines() == [
        "warning: items.zip: line 7: order-1 ('Sort the planets'): ordering questions have no "
        "GIFT form; not exported",
        "warning: items.zip: line 12: cap-1 ('Capital'): points 2 have no GIFT form; exported "
        "without them",
        "warning: items.zip: line 12: cap-1 ('Capital'): case-sensitive matching has no GIFT "
        "form; exported as case-insensitive",
    ]
    (again,) = read_gift(out_file).questions
    assert (again.title, again.key["answers"]) == ("Capital", ["Paris"])
    assert "Put in order" not in out_file.read_text(encoding="utf-8")

    code, out, err = run(
        capsys, "bank", "export", str(bank_id), "--out", str(out_file), "--json", "--data-dir", data
    )
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    assert [(w["file"], w["line"]) for w in warnings] == [
        ("items.zip", 7),
        ("items.zip", 12),
        ("items.zip", 12),
    ]
    assert "Sort the planets" in warnings[0]["message"]


def test_unknown_bank_is_a_clear_error_and_writes_nothing(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(store.data_dir)
    store.close()
    out_file = tmp_path / "nope.gift"
    code, out, err = run(
        capsys, "bank", "export", "42", "--out", str(out_file), "--json", "--data-dir", data
    )
    assert code != 0
    assert out == ""
    assert err == (
        "slate: error: no question bank with id 42 in this store (see 'slate bank list')\n"
    )
    assert not out_file.exists()
    assert list(tmp_path.iterdir()) == [Path(data)]


def test_unwritable_destination_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "store"
    setup = Store.open(data)
    save_bank(setup, BankImport("x.gift", "gift", [ImportedQuestion("essay", "Why?")]))
    setup.close()
    out_file = tmp_path / "missing-folder" / "x.gift"
    code, out, err = run(
        capsys, "bank", "export", "1", "--out", str(out_file), "--data-dir", str(data)
    )
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert err.startswith("slate: error: ") and "does not exist" in err
    assert not out_file.parent.exists()
