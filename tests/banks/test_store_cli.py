"""Storing banks (one transaction, course links) and `slate bank import|list`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.banks.gift import parse_gift
from app.banks.store import BankStoreError, list_banks, save_bank
from app.cli import main
from app.db.models import BankQuestion, QuestionBank
from app.db.store import Store
from tests.banks.conftest import count_rows

GIFT = "$CATEGORY: a\n\n::One::Q1?{=yes}\n\n::Two::Q2?{T}\n\n::Three::Q3?{#4}\n"


def test_save_bank_writes_bank_and_questions(store: Store) -> None:
    bank = parse_gift(GIFT, "three.gift")
    bank_id = save_bank(store, bank, name="Three")
    with store.read() as session:
        row = session.get(QuestionBank, bank_id)
        assert row is not None
        assert (row.name, row.source_name, row.format, row.course_id) == (
            "Three",
            "three.gift",
            "gift",
            None,
        )
        questions = row.questions
        assert [(q.position, q.type, q.title, q.category) for q in questions] == [
            (0, "short_answer", "One", "a"),
            (1, "true_false", "Two", "a"),
            (2, "numeric", "Three", "a"),
        ]
        assert questions[1].key == {"answer": True}
        assert questions[0].source_line == 3
        assert [b.questions for b in list_banks(session)] == [3]


def test_bank_linked_to_a_course(demo_store: Store) -> None:
    with demo_store.read() as session:
        from app.db.models import Course

        course_id = session.query(Course.id).scalar()
    bank_id = save_bank(demo_store, parse_gift(GIFT, "x.gift"), course_id=course_id)
    with demo_store.read() as session:
        assert session.get(QuestionBank, bank_id).course_id == course_id  # type: ignore[union-attr]


def test_unknown_course_stores_nothing(store: Store) -> None:
    before = count_rows(store.data_dir)
    with pytest.raises(BankStoreError, match="no course with id 'nope'"):
        save_bank(store, parse_gift(GIFT, "x.gift"), course_id="nope")
    assert count_rows(store.data_dir) == before


def test_failure_half_way_rolls_back_everything(store: Store) -> None:
    bank = parse_gift(GIFT, "x.gift")
    bank.questions[2].prompt = None  # type: ignore[assignment]  # NOT NULL fails mid-insert
    before = count_rows(store.data_dir)
    with pytest.raises(Exception, match="NOT NULL"):
        save_bank(store, bank)
    assert count_rows(store.data_dir) == before
    with store.read() as session:
        assert session.query(BankQuestion).count() == 0


# -- the command line ------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_import_json(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "store")
    path = corpus / "gift" / "g20_qas_moodle_export_tags_ids.gift"
    code, out, err = run(capsys, "bank", "import", str(path), "--json", "--data-dir", data)
    assert code == 0, err
    result = json.loads(out)
    assert result["questions"] == 22
    assert result["categories"] == 9
    assert result["kinds"] == {
        "choice": 5,
        "true_false": 4,
        "short_text": 4,
        "numeric": 4,
        "matching": 2,
        "essay": 2,
        "description": 1,
    }
    assert all(set(w) == {"line", "message"} for w in result["warnings"])
    assert result["bank_id"] == 1
    assert count_rows(Path(data))["bank_questions"] == 22

    code, out, _ = run(capsys, "bank", "list", "--json", "--data-dir", data)
    (listed,) = json.loads(out)
    assert (listed["bank_id"], listed["questions"], listed["format"]) == (1, 22, "gift")


def test_cli_dry_run_stores_nothing(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "store"
    Store.open(data).close()
    before = count_rows(data)
    path = corpus / "aiken" / "a03_moodle_fixture_errors.txt"
    code, out, _ = run(
        capsys, "bank", "import", str(path), "--dry-run", "--json", "--data-dir", str(data)
    )
    assert code == 0
    result = json.loads(out)
    assert (result["questions"], len(result["warnings"])) == (2, 4)
    assert "bank_id" not in result
    assert count_rows(data) == before


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("gift/g19_not_gift_lisp_testfile.gift", "not a GIFT question bank: no answer blocks"),
        ("qti/q07_adaptive_two_choices.xml", "malformed XML near line 237"),
    ],
)
def test_cli_refused_file_exits_non_zero_and_stores_nothing(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, reason: str
) -> None:
    data = tmp_path / "store"
    Store.open(data).close()
    before = count_rows(data)
    path = corpus / name
    code, out, err = run(capsys, "bank", "import", str(path), "--json", "--data-dir", str(data))
    assert code != 0
    assert out == ""
    assert path.name in err and reason in err
    assert count_rows(data) == before


def test_cli_unknown_course_is_refused(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "store"
    path = corpus / "gift" / "g15_moodle_examples_php.gift"
    for extra in ([], ["--dry-run"]):
        code, _, err = run(
            capsys, "bank", "import", str(path), "--course", "nope", "--data-dir", str(data), *extra
        )
        assert code == 1
        assert "no course with id 'nope'" in err and path.name in err
    assert count_rows(data)["question_banks"] == 0


def test_cli_course_link(
    demo_store: Store, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with demo_store.read() as session:
        from app.db.models import Course

        course_id = session.query(Course.id).scalar()
    data = str(demo_store.data_dir)
    demo_store.close()
    path = corpus / "qti" / "q03_apip_multiple_map_response_negative.xml"
    code, out, err = run(
        capsys, "bank", "import", str(path), "--course", course_id, "--json", "--data-dir", data
    )
    assert code == 0, err
    code, out, _ = run(capsys, "bank", "list", "--json", "--data-dir", data)
    assert json.loads(out)[0]["course_id"] == course_id


XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="x">
<itemBody><p>&xxe;</p></itemBody></assessmentItem>
"""


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("unclosed.gift", "Q1?{=a}\n\nQ2?{=b\n~c\n", "line 3: '{' is never closed"),
        ("xxe.xml", XXE, "line 2: XML entity declarations"),
        ("broken.xml", "<assessmentItem><itemBody></assessmentItem>", "malformed XML"),
        ("latin1.txt", "Qu\xe9?\nA) a\nB) b\nANSWER: A\n", "line 1: not valid UTF-8"),
    ],
)
def test_cli_hostile_files_store_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, reason: str
) -> None:
    data = tmp_path / "store"
    setup = Store.open(data)
    save_bank(setup, parse_gift(GIFT, "before.gift"))
    setup.close()
    before = count_rows(data)
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1" if name.startswith("latin1") else "utf-8"))
    code, out, err = run(capsys, "bank", "import", str(path), "--data-dir", str(data))
    assert (code, out) == (1, "")
    assert f"{name}: {reason}" in err
    assert count_rows(data) == before
