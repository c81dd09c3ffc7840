"""Subtitles: the real WebVTT and SRT files of the shared corpus, encodings, SRT conversion at
import, several languages per video."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.courses.catalog import stored_file
from app.courses.importer import CourseImportError, import_course
from app.db.models import CourseFile, Item, Media
from app.db.store import Store
from app.subtitles import SubtitleError, parse_vtt, read_subtitles
from tests.media.conftest import VIDEO_ITEM, edit_manifest, snapshot, video_item

SRT_ENCODINGS = {
    "s01_sr_cyrillic_windows1251.srt": ("cp1251", "Горштак."),
    "s02_windows1250.srt": ("cp1250", "Policija je došla,"),
    "s03_da_bom.srt": ("utf-8", "Jeg har ventet længe på dette."),
}


def corpus_files(corpus: Path) -> list[tuple[str, dict]]:
    expected = json.loads((corpus / "expected.json").read_text("utf-8"))
    return [(k, v) for k, v in expected.items() if k.startswith("subtitles/")]


def test_every_corpus_subtitle_file_has_the_expected_cues(corpus: Path) -> None:
    files = corpus_files(corpus)
    assert len(files) == 11
    for rel, want in files:
        name = Path(rel).name
        data = (corpus / rel).read_bytes()
        if "error" in want:
            with pytest.raises(SubtitleError) as info:
                read_subtitles(data, name=name)
            assert str(info.value).startswith(f"{name}: line 1: ")
            assert want["error"] in str(info.value)
            continue
        parsed = read_subtitles(data, name=name)
        assert len(parsed.cues) == want["cues"], name
        # What is stored is WebVTT that reads back to the same cues.
        assert parse_vtt(parsed.vtt_text, name=name) == parsed.cues, name


def test_srt_encodings_are_detected(corpus: Path) -> None:
    for name, (encoding, line) in SRT_ENCODINGS.items():
        parsed = read_subtitles((corpus / "subtitles" / name).read_bytes(), name=name)
        assert parsed.encoding == encoding, name
        assert parsed.converted
        assert line in [c.text for c in parsed.cues], name
        assert "\ufeff" not in parsed.vtt_text and not any("\ufffd" in c.text for c in parsed.cues)


def test_cues_match_a_browser_grade_parser(corpus: Path) -> None:
    """vtt.js's cues (expected_vttjs/) against ours: times and the cue text as written."""
    reference_dir = corpus / "subtitles" / "expected_vttjs"
    references = sorted(reference_dir.glob("*.json"))
    assert references
    for reference in references:
        prefix = reference.name.split("_", 1)[0]
        (source,) = (corpus / "subtitles").glob(f"{prefix}_*.vtt")
        ours = read_subtitles(source.read_bytes(), name=source.name).cues
        theirs = json.loads(reference.read_text("utf-8"))["cues"]
        assert len(ours) == len(theirs), source.name
        for mine, ref in zip(ours, sorted(theirs, key=lambda c: c["startTime"]), strict=True):
            assert mine.start_s == pytest.approx(ref["startTime"]), source.name
            assert mine.end_s == pytest.approx(ref["endTime"]), source.name
            assert mine.raw_text == ref["text"], source.name


def test_voice_spans_and_markup_are_kept_apart(corpus: Path) -> None:
    source = corpus / "subtitles" / "s10_cycle_collector_talk.vtt"
    cues = read_subtitles(source.read_bytes(), name=source.name).cues
    assert cues[0].voice == "Kyle Huey"
    assert cues[0].text.startswith("Not ready yet?")
    assert "<" not in "".join(c.text for c in cues)


@pytest.mark.parametrize(
    ("name", "data", "fragments"),
    [
        ("a.vtt", b"WEBVTT\n\n00:01.000 --> 00:0x.000\nhi\n", ("line 3", "cue times")),
        ("a.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\ncaf\xe9\n", ("line 4", "UTF-8")),
        ("a.vtt", b"WEBVTT\n", ("no cues",)),
        ("a.srt", b"1\n00:00:01,000 -> 00:00:02,000\nhi\n", ("line 2", "cue times")),
        ("a.srt", b"1\n00:00:01,000 --> 00:00:02,000\nhi\n\nstray text\n", ("line 5", "no cue")),
        ("a.srt", b"1\n00:00:05,000 --> 00:00:02,000\nhi\n", ("line 2", "ends before")),
        ("a.srt", b"1\n00:00:01,000 --> 00:61:02,000\nhi\n", ("line 2", "up to 59")),
        ("a.srt", b"1\n00:00:01,000 --> 00:00:02\nhi\n", ("line 2", "cue times")),
        ("a.txt", b"hello", ("must be WebVTT (.vtt) or SubRip (.srt)",)),
    ],
)
def test_broken_subtitles_name_the_file_and_line(
    name: str, data: bytes, fragments: tuple[str, ...]
) -> None:
    with pytest.raises(SubtitleError) as info:
        read_subtitles(data, name=name)
    assert str(info.value).startswith(f"{name}: ")
    for fragment in fragments:
        assert fragment in str(info.value)


def test_srt_with_bom_and_crlf(tmp_path: Path) -> None:
    data = "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nÀ bientôt\r\n\r\n".encode()
    parsed = read_subtitles(data, name="fr.srt")
    assert [(c.start_s, c.end_s, c.text) for c in parsed.cues] == [(1.0, 2.5, "À bientôt")]
    assert parsed.vtt_text.startswith("WEBVTT")


# -- at import ----------------------------------------------------------------------------------


def add_tracks(package: Path, tracks: list[dict]) -> None:
    edit_manifest(package, lambda m: video_item(m)["subtitles"].extend(tracks))


def test_srt_is_stored_as_webvtt_beside_other_languages(
    store: Store, package: Path, corpus: Path
) -> None:
    for name in SRT_ENCODINGS:
        shutil.copy(corpus / "subtitles" / name, package / "media" / name)
    add_tracks(
        package,
        [
            {"language": "sr", "label": "Српски", "file": "media/s01_sr_cyrillic_windows1251.srt"},
            {"language": "hr", "label": "Hrvatski", "file": "media/s02_windows1250.srt"},
            {"language": "da", "label": "Dansk", "file": "media/s03_da_bom.srt"},
        ],
    )
    import_course(store, package)
    with store.read() as s:
        item = s.scalar(select(Item).where(Item.item_id == VIDEO_ITEM))
        assert item is not None
        tracks = {t.language: t for t in item.subtitles}
        assert sorted(tracks) == ["da", "en", "hr", "sr"]
        counts = {}
        for language, track in tracks.items():
            media = s.get(Media, track.sha256)
            assert media is not None and media.ext == ".vtt" and media.mime == "text/vtt"
            text = stored_file(s, store.media_dir, track.sha256).read_text("utf-8")
            counts[language] = len(parse_vtt(text))
        paths = set(s.scalars(select(CourseFile.path)))
    assert counts["sr"] == 595 and counts["hr"] == 1132 and counts["da"] == 301
    # Recorded under a .vtt name, so an export writes WebVTT under a WebVTT name.
    assert "media/s01_sr_cyrillic_windows1251.vtt" in paths
    assert not any(p.endswith(".srt") for p in paths)


def test_invalid_corpus_subtitles_refuse_the_whole_import(
    store: Store, package: Path, corpus: Path
) -> None:
    bad = "s06_tab_after_bom_before_header.vtt"
    shutil.copy(corpus / "subtitles" / bad, package / "media" / bad)
    add_tracks(package, [{"language": "xx", "label": "Broken", "file": f"media/{bad}"}])
    before = snapshot(store)
    with pytest.raises(CourseImportError) as info:
        import_course(store, package)
    assert str(info.value).startswith(f"media/{bad}: line 1: not a WebVTT file: bad header")
    assert snapshot(store) == before


def test_broken_srt_refuses_the_import_naming_the_line(store: Store, package: Path) -> None:
    (package / "media" / "x.srt").write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03.000 --> 00:00:0x,000\nbad\n"
    )
    add_tracks(package, [{"language": "es", "label": "Español", "file": "media/x.srt"}])
    before = snapshot(store)
    with pytest.raises(CourseImportError, match=r"^media/x\.srt: line 6: cannot read"):
        import_course(store, package)
    assert snapshot(store) == before
