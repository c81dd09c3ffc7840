"""A file whose questions were all skipped is refused, and the same bank is never stored twice.

Through the real service (`import_bank`) and the real `slate bank import`, on real stores.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.banks.gift import parse_gift
from app.banks.importer import read_bank
from app.banks.model import BankImport, NothingToImportError
from app.banks.store import import_bank, save_bank
from app.cli import main
from app.db.models import Course
from app.db.store import Store
from tests.banks.conftest import count_rows, expected_entries

GIFT = "$CATEGORY: a\n\n::One::Q1?{=yes}\n\n::Two::Q2?{T}\n\n::Three::Q3?{#4}\n"
# Questions with no blank line between them read as one question with three answer blocks.
NO_BLANK_LINES = "::Q1::What?{=a ~b}\n::Q2::Who?{=c ~d}\n::Q3::True?{T}\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def store_with_one_bank(tmp_path: Path) -> Path:
    data = tmp_path / "store"
    setup = Store.open(data)
    save_bank(setup, parse_gift(GIFT, "before.gift"))
    setup.close()
    return data


def listed(capsys: pytest.CaptureFixture[str], data: Path) -> list[Any]:
    code, out, err = run(capsys, "bank", "list", "--json", "--data-dir", str(data))
    assert code == 0, err
    return json.loads(out)


# -- nothing to import -----------------------------------------------------------------------


def test_every_question_skipped_is_refused_with_its_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = store_with_one_bank(tmp_path)
    before, banks_before = count_rows(data), listed(capsys, data)
    path = tmp_path / "no-blank-lines.gift"
    path.write_text(NO_BLANK_LINES, encoding="utf-8")
    code, out, err = run(capsys, "bank", "import", str(path), "--data-dir", str(data))
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == (
        "slate: error: bank not imported: no-blank-lines.gift: nothing to import: every "
        "question was skipped (1 warning says why)"
    )
    assert lines[1].startswith("warning: no-blank-lines.gift: line 2: question skipped: ")
    assert count_rows(data) == before
    assert listed(capsys, data) == banks_before


def test_dry_run_json_still_reports_but_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = store_with_one_bank(tmp_path)
    before = count_rows(data)
    path = tmp_path / "no-blank-lines.gift"
    path.write_text(NO_BLANK_LINES, encoding="utf-8")
    for extra in (["--dry-run"], []):
        code, out, err = run(
            capsys, "bank", "import", str(path), "--json", "--data-dir", str(data), *extra
        )
        assert code == 1
        report = json.loads(out)
        assert report["questions"] == 0 and report["kinds"] == {}
        assert [w["line"] for w in report["warnings"]] == [2]
        assert "bank_id" not in report
        assert "no-blank-lines.gift: nothing to import" in err
    assert count_rows(data) == before


@pytest.mark.parametrize(
    ("name", "missing"),
    [("qti/q06_apip_assessmentTest.xml", 5), ("qti/q08_imsmanifest_qti21.xml", 7)],
)
def test_corpus_test_and_manifest_with_every_item_missing_store_nothing(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, missing: int
) -> None:
    # They read with a warning per missing item (test_corpus.py); with no item left there is
    # nothing to store.
    data = store_with_one_bank(tmp_path)
    before = count_rows(data)
    path = corpus / name
    code, out, err = run(capsys, "bank", "import", str(path), "--data-dir", str(data))
    assert (code, out) == (1, "")
    assert f"bank not imported: {path.name}: nothing to import" in err
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == missing
    assert all("line " in w and "not in the package" in w for w in warnings)
    assert count_rows(data) == before


def test_the_service_never_stores_an_empty_bank(store: Store) -> None:
    before = count_rows(store.data_dir)
    empty = BankImport(source_name="empty.gift", format="gift")
    refusal = r"^empty\.gift: nothing to import: the file holds no questions$"
    with pytest.raises(NothingToImportError, match=refusal):
        import_bank(store, empty)
    with pytest.raises(NothingToImportError, match=refusal):
        save_bank(store, empty)
    assert count_rows(store.data_dir) == before


# -- the same bank twice ---------------------------------------------------------------------


def test_second_import_of_the_same_file_is_already_stored(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = store_with_one_bank(tmp_path)
    path = corpus / "gift" / "g20_qas_moodle_export_tags_ids.gift"
    code, out, err = run(capsys, "bank", "import", str(path), "--data-dir", str(data))
    assert code == 0, err
    assert out.splitlines()[-1] == "Bank id: 2"
    after_first = count_rows(data)

    code, out, err = run(capsys, "bank", "import", str(path), "--data-dir", str(data))
    assert code == 0, err
    first, second = out.splitlines()
    assert first.startswith(
        "Already stored: g20_qas_moodle_export_tags_ids.gift is bank 2 "
        "('g20_qas_moodle_export_tags_ids', imported "
    )
    assert first.endswith("; nothing imported.")
    assert second == "Bank id: 2"
    assert err == ""
    assert count_rows(data) == after_first

    code, out, err = run(capsys, "bank", "import", str(path), "--json", "--data-dir", str(data))
    assert code == 0, err
    report = json.loads(out)
    assert (report["already_stored"], report["bank_id"], report["questions"]) == (True, 2, 22)
    assert count_rows(data) == after_first
    assert [b["bank_id"] for b in listed(capsys, data)] == [1, 2]


def test_first_import_json_says_not_already_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "one.gift"
    path.write_text(GIFT, encoding="utf-8")
    data = str(tmp_path / "store")
    code, out, err = run(capsys, "bank", "import", str(path), "--json", "--data-dir", data)
    assert code == 0, err
    report = json.loads(out)
    assert (report["already_stored"], report["bank_id"]) == (False, 1)


def test_same_bytes_under_another_name_is_already_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "store")
    one = tmp_path / "one.gift"
    one.write_text(GIFT, encoding="utf-8")
    copy = tmp_path / "copy" / "renamed.gift"
    copy.parent.mkdir()
    shutil.copy(one, copy)
    assert run(capsys, "bank", "import", str(one), "--data-dir", data)[0] == 0
    code, out, _ = run(capsys, "bank", "import", str(copy), "--json", "--data-dir", data)
    assert code == 0
    assert (json.loads(out)["already_stored"], json.loads(out)["bank_id"]) == (True, 1)
    assert count_rows(Path(data))["question_banks"] == 1


def test_changed_content_is_a_new_bank(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "store")
    path = tmp_path / "one.gift"
    path.write_text(GIFT, encoding="utf-8")
    assert run(capsys, "bank", "import", str(path), "--data-dir", data)[0] == 0
    for changed in (
        GIFT.replace("{#4}", "{#5}"),  # one key
        GIFT.replace("::Two::", "::Deux::"),  # one title
        GIFT + "\n::Four::Q4?{F}\n",  # one more question
        GIFT.replace("$CATEGORY: a\n\n", "$CATEGORY: a\n\n\n"),  # every source line moves
    ):
        path.write_text(changed, encoding="utf-8")
        code, out, err = run(capsys, "bank", "import", str(path), "--json", "--data-dir", data)
        assert code == 0, err
        assert json.loads(out)["already_stored"] is False
    assert count_rows(Path(data))["question_banks"] == 5


def test_the_same_file_for_another_course_is_a_new_link(demo_store: Store) -> None:
    with demo_store.read() as session:
        course_id = session.query(Course.id).scalar()
    bank = parse_gift(GIFT, "one.gift")
    alone = import_bank(demo_store, bank)
    linked = import_bank(demo_store, bank, course_id=course_id)
    assert (alone.already_stored, linked.already_stored) == (False, False)
    again = import_bank(demo_store, parse_gift(GIFT, "one.gift"), course_id=course_id)
    assert (again.already_stored, again.bank_id) == (True, linked.bank_id)
    assert import_bank(demo_store, bank).bank_id == alone.bank_id
    assert count_rows(demo_store.data_dir)["question_banks"] == 2


def importable_entries() -> list[Any]:
    return [p for p in expected_entries() if "error" not in p.values[1]]


@pytest.mark.parametrize(("name", "want"), importable_entries())
def test_every_corpus_bank_is_recognised_when_read_again(
    corpus: Path, store: Store, name: str, want: dict[str, Any]
) -> None:
    # What a bank reads back as from the store (JSON columns, a REAL column) must compare
    # equal to a fresh read of the same file, for every question type in the corpus.
    first = import_bank(store, read_bank(corpus / name), name="x")
    before = count_rows(store.data_dir)
    second = import_bank(store, read_bank(corpus / name), name="x")
    assert (first.already_stored, second.already_stored) == (False, True)
    assert second.bank_id == first.bank_id
    assert count_rows(store.data_dir) == before
