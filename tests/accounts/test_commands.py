"""`slate account`: first administrator, adding a learner with a PIN, unlocking, listing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_setup_add_and_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ["--data-dir", str(tmp_path / "store")]
    monkeypatch.setattr("sys.stdin", io.StringIO("head password\n"))
    assert run(capsys, "account", "setup", "Head", "--password-stdin", *data)[0] == 0
    # A second first administrator is refused.
    monkeypatch.setattr("sys.stdin", io.StringIO("other password\n"))
    code, _, err = run(capsys, "account", "setup", "Other", "--password-stdin", *data)
    assert code == 1 and "already has a teacher or administrator" in err
    monkeypatch.setenv("SLATE_PASSWORD", "head password")
    assert run(capsys, "account", "add", "Amina", "--pin", "2468", "--as", "Head", *data)[0] == 0
    monkeypatch.setenv("SLATE_PASSWORD", "not the password")
    code, _, err = run(capsys, "account", "unlock", "Amina", "--as", "head", *data)
    assert code == 1 and "Wrong password" in err
    code, out, _ = run(capsys, "account", "list", "--json", *data)
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["Amina"]["sign_in"] == "pin" and rows["Head"]["role"] == "administrator"
    assert not rows["Amina"]["locked"]
