"""Grade export: the CSV is parsed back and checked against the gradebook."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.analytics.files import OutputFileError
from app.analytics.grade_export import GradeExportError, export_grades, split_name
from app.analytics.gradebook import GradebookError
from app.cli import main
from tests.analytics.conftest import ClassFixture
from tests.analytics.course import COURSE_ID


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_moodle_csv_has_moodles_columns_and_points(graded_class: ClassFixture, tmp_path: Path):
    out = tmp_path / "grades.csv"
    with graded_class.store.read() as session:
        result = export_grades(session, COURSE_ID, "moodle", out)
    assert (result.students, result.assessments) == (4, 4)
    header, *rows = read_csv(out)
    assert header == [
        "First name",
        "Last name",
        "ID number",
        "Institution",
        "Department",
        "Email address",
        "Quiz: Quiz best (Real)",
        "Quiz: Quiz last (Real)",
        "Quiz: Quiz avg (Real)",
        "Quiz: Quiz essay (Real)",
    ]
    by_id = {row[2]: row for row in rows}
    people = graded_class.people
    # Amina: best 4/4 on "best", last attempt 1/4 on "last", nothing on "avg".
    assert by_id[people["Amina"]][6:] == ["4", "1", "-", "-"]
    # Ben: average of 4/4 and 2/4 = 3 points.
    assert by_id[people["Ben"]][6:8] == ["1", "-"]
    assert by_id[people["Ben"]][8] == "3"
    assert by_id[people["Dara"]][:2] == ["Dara", ""]
    assert set(by_id) == {people[n] for n in ("Amina", "Ben", "Chen", "Dara")}


def test_google_csv_has_a_points_row_and_empty_missing_grades(
    graded_class: ClassFixture, tmp_path: Path
):
    out = tmp_path / "classroom.csv"
    with graded_class.store.read() as session:
        export_grades(session, COURSE_ID, "google", out)
    header, points, *rows = read_csv(out)
    assert header == [
        "Last Name",
        "First Name",
        "Email Address",
        "Quiz best",
        "Quiz last",
        "Quiz avg",
        "Quiz essay",
    ]
    # The essay quiz is worth its choice question plus the essay (1 point each by default).
    assert points == ["Points", "", "", "4", "4", "4", "2"]
    amina = next(r for r in rows if r[1] == "Amina")
    assert amina[3:] == ["4", "1", "", ""]


def _export_cli(data_dir: Path, out: Path, *who: str) -> int:
    argv = ["grades", "export", COURSE_ID, "--format", "google", "--out", str(out)]
    return main([*argv, *who, "--data-dir", str(data_dir)])


def test_the_command_line_writes_the_same_file(
    graded_class: ClassFixture, tmp_path: Path, capsys, monkeypatch
):
    from app.accounts.secrets import SecretKind
    from app.accounts.signin import store_secret
    from app.db.models import User

    with graded_class.store.write() as session:
        tess = session.get(User, graded_class.people["Tess"])
        store_secret(session, tess, SecretKind.PASSWORD, "chalk and board")
    out = tmp_path / "cli.csv"
    data_dir = graded_class.store.data_dir
    graded_class.store.close()  # the command opens the store itself

    # Grades leave the laptop only for someone signed in who may export them.
    monkeypatch.setenv("SLATE_PASSWORD", "not her password")
    assert _export_cli(data_dir, out, "--as", "Tess") == 1
    assert "password" in capsys.readouterr().err.lower()
    assert not out.exists()
    monkeypatch.setenv("SLATE_PASSWORD", "chalk and board")
    assert _export_cli(data_dir, out, "--as", "Amina") == 1  # a student may not
    capsys.readouterr()
    assert not out.exists()
    unknown = ["grades", "export", "no-such-course", "--format", "moodle", "--out", str(out)]
    assert main([*unknown, "--as", "Tess", "--data-dir", str(data_dir)]) == 1
    assert "there is no course 'no-such-course'" in capsys.readouterr().err

    assert _export_cli(data_dir, out, "--as", "Tess") == 0, capsys.readouterr().err
    assert "4 students" in capsys.readouterr().out
    assert read_csv(out)[0][0] == "Last Name"


def test_a_failed_export_leaves_the_old_file_as_it_was(graded_class: ClassFixture, tmp_path: Path):
    out = tmp_path / "grades.csv"
    out.write_text("previous export\n", encoding="utf-8")
    with graded_class.store.read() as session:
        with pytest.raises(GradebookError, match="no-such-course"):
            export_grades(session, "no-such-course", "moodle", out)
        with pytest.raises(GradeExportError, match="excel"):
            export_grades(session, COURSE_ID, "excel", out)
        with pytest.raises(OutputFileError, match="does not exist"):
            export_grades(session, COURSE_ID, "moodle", tmp_path / "missing" / "g.csv")
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_names_are_split_and_formulas_defused(graded_class: ClassFixture, tmp_path: Path):
    from tests.analytics.course import add_people

    assert split_name("Amina Yusuf Diallo") == ("Amina Yusuf", "Diallo")
    assert split_name("Ben") == ("Ben", "")
    from app.accounts.classes import enroll

    evil = add_people(graded_class.store, "=HYPERLINK(1) Evil")
    with graded_class.store.write() as session:
        enroll(session, graded_class.people["Tess"], graded_class.class_id, list(evil.values()))
    out = tmp_path / "g.csv"
    with graded_class.store.read() as session:
        export_grades(session, COURSE_ID, "moodle", out)
    firsts = [row[0] for row in read_csv(out)[1:]]
    assert "'=HYPERLINK(1)" in firsts
