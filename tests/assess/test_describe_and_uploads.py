"""The correct answer in words for every type; learner details hide the key; uploads are stored."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.assess.describe import describe_correct_answer
from app.assess.public import learner_details
from app.courses.manifest import QuestionSpec
from app.uploads import DEFAULT_MAX_BYTES, UploadRefused, store_bytes, store_upload, stored_path

UNITS = [{"id": "ms", "text": "m/s"}, {"id": "s", "text": "s"}]


@pytest.mark.parametrize(
    ("fields", "described"),
    [
        (
            {
                "type": "numeric",
                "answer": 100,
                "tolerance": 0.02,
                "tolerance_type": "relative",
                "unit": "km/h",
            },
            "100 (± 2 %) km/h",
        ),
        (
            {
                "type": "numeric",
                "accepted": [{"answer": 24}, {"min": 0.3, "max": 0.5, "credit": 0.5}],
                "unit": "km/h",
            },
            "24 km/h; from 0.3 to 0.5 km/h (50 % of the points)",
        ),
        ({"type": "short_answer", "regex": "v=d/t"}, "an answer matching v=d/t"),
        ({"type": "short_answer", "answers": ["élève", "eleve"]}, "élève or eleve"),
        (
            {
                "type": "matching",
                "stems": [{"id": "a", "text": "Speed"}, {"id": "b", "text": "Time"}],
                "options": UNITS,
                "answer": {"a": "ms", "b": "s"},
            },
            "Speed → m/s; Time → s",
        ),
        ({"type": "ordering", "options": UNITS, "answer": ["s", "ms"]}, "s → m/s"),
        (
            {
                "type": "fill_blanks",
                "blanks": [{"id": "d", "label": "top", "answers": ["distance"]}],
            },
            "top: distance",
        ),
        ({"type": "essay"}, "Graded by your teacher."),
    ],
)
def test_describe_correct_answer(fields: dict, described: str) -> None:
    spec = QuestionSpec.model_validate({"id": "q", "prompt": "?", **fields})
    options = [o.model_dump() for o in spec.options]
    assert describe_correct_answer(spec.type, spec.grading_key(), options) == described


def test_learner_details_never_show_answers() -> None:
    matching = QuestionSpec.model_validate(
        {
            "id": "q",
            "prompt": "?",
            "type": "matching",
            "options": UNITS,
            "answer": {"a": "ms", "b": "s"},
            "stems": [{"id": "a", "text": "Speed"}, {"id": "b", "text": "Time"}],
        }
    )
    details = learner_details("matching", matching.grading_key())
    assert details == {"stems": [{"id": "a", "text": "Speed"}, {"id": "b", "text": "Time"}]}
    blanks = QuestionSpec.model_validate(
        {
            "id": "q",
            "prompt": "?",
            "type": "fill_blanks",
            "blanks": [{"id": "d", "answers": ["secret"], "regex": "x"}],
        }
    )
    details = learner_details("fill_blanks", blanks.grading_key())
    assert details == {"blanks": [{"id": "d", "label": "d"}]}
    assert "secret" not in repr(details)
    assert learner_details("numeric", {"answer": 3}) == {}


def test_store_upload_within_limits(tmp_path: Path) -> None:
    media = tmp_path / "media"
    source = tmp_path / "Graph.PNG"
    source.write_bytes(b"\x89PNG fake but fine")
    ref = store_upload(media, source, max_bytes=100, accept=[".png"])
    assert ref == {
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "name": "Graph.PNG",
        "size": source.stat().st_size,
        "mime": "image/png",
    }
    assert stored_path(media, ref).read_bytes() == source.read_bytes()
    assert store_upload(media, source) == ref  # stored once, same reference
    with pytest.raises(UploadRefused, match="at most 10 bytes"):
        store_upload(media, source, max_bytes=10)
    with pytest.raises(UploadRefused, match=r"not one of the accepted file types \(\.pdf\)"):
        store_upload(media, source, accept=[".pdf"])
    with pytest.raises(UploadRefused, match="cannot read"):
        store_upload(media, tmp_path / "missing.pdf")
    with pytest.raises(UploadRefused, match="is not a file"):
        store_upload(media, tmp_path)
    with pytest.raises(UploadRefused, match="not a stored file reference"):
        stored_path(media, {**ref, "sha256": "../../etc/passwd"})


def test_an_upload_without_a_limit_is_still_bounded(tmp_path: Path) -> None:
    source = tmp_path / "huge.bin"
    with source.open("wb") as f:
        f.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: no disk used
    with pytest.raises(UploadRefused, match=r"at most 100\.0 MB"):
        store_upload(tmp_path / "media", source)
    assert not (tmp_path / "media").exists()


def test_store_bytes(tmp_path: Path) -> None:
    ref = store_bytes(tmp_path, b"\x89PNG\r\n\x1a\nxyz", "drawing.png")
    assert ref["size"] == 11 and ref["mime"] == "image/png"
    assert stored_path(tmp_path, ref).read_bytes() == b"\x89PNG\r\n\x1a\nxyz"
