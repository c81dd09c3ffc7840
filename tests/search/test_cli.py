"""`slate search` on a real store."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.cli import main
from app.db.store import Store
from app.search import DOCS


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_prints_ranked_hits_as_json(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = str(demo_store.data_dir)
    demo_store.close()  # the CLI opens the store itself
    code, out, _ = run(capsys, "search", "rearranged distance", "--json", "--data-dir", data_dir)
    assert code == 0
    result = json.loads(out)
    assert result["query"] == "rearranged distance"
    kinds = [h["kind"] for h in result["hits"]]
    assert "transcript" in kinds and "lesson" in kinds
    transcript = result["hits"][kinds.index("transcript")]
    assert transcript["item_id"] == "intro-video" and transcript["time_s"] > 0
    assert "<b>" in transcript["snippet"]

    code, out, _ = run(capsys, "search", "cheetah", "--data-dir", data_dir)
    assert code == 0
    first = out.splitlines()[0].split("\t")
    assert first[0] == "lesson"
    assert first[1] == "demo.speed-distance-time/lesson-what-is-speed#speed-in-everyday-life"
    assert "cheetah" in out.splitlines()[1] and "<b>" not in out


def test_search_with_a_course_filter_and_hostile_text(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = str(demo_store.data_dir)
    demo_store.close()
    code, out, err = run(capsys, "search", 'NEAR("x', "--json", "--data-dir", data_dir)
    assert code == 0 and json.loads(out)["hits"] == []
    code, _, err = run(capsys, "search", "speed", "--course", "nope", "--data-dir", data_dir)
    assert code == 1 and "no course 'nope'" in err
    code, _, err = run(capsys, "search", "--data-dir", data_dir)
    assert code == 1 and "--rebuild" in err


def test_rebuild_recreates_a_lost_index(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = str(demo_store.data_dir)
    with sqlite3.connect(demo_store.db_path) as conn:
        passages = conn.execute(f"SELECT count(*) FROM {DOCS}").fetchone()[0]
        conn.execute(f"DELETE FROM {DOCS}")  # the triggers empty the FTS table too
    demo_store.close()
    code, out, _ = run(capsys, "search", "cheetah", "--json", "--data-dir", data_dir)
    assert json.loads(out)["hits"] == []
    code, out, _ = run(capsys, "search", "--rebuild", "--json", "--data-dir", data_dir)
    assert code == 0 and json.loads(out)["passages"] == passages
    code, out, _ = run(capsys, "search", "cheetah", "--json", "--data-dir", data_dir)
    assert json.loads(out)["hits"][0]["anchor"] == "speed-in-everyday-life"
