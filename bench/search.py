"""Search: median query time over 10,000 lessons, FTS5 (app.search) vs a plain LIKE scan.

Lessons are generated with a fixed seed (topic vocabularies with a Zipf-like spread of word
frequencies, headings, lists, formulas), written as course packages of up to 1,000 lessons and
imported with the real importer, which builds the index through app.search in each import's
transaction. Every query then runs through `app.search.search` (ranking, snippets, hits) and, as
the baseline in the same run and on the same passages, as a `LIKE '%term%'` scan: every word
must occur in the title or body, as in the FTS query. Each query is timed several times; the
figure is the median over queries of each query's median.

    python bench/search.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SEED = 20240603
LESSONS_PER_COURSE = 1000  # below the package format's 5,000-file limit


def words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = words(
    "the of and a to in is that it for as with was on be by this are from or at an which "
    "but not have has can we you they their its more when what there so if into than them "
    "these also other each how many some only two then about because most much very such "
    "same both often between after before while where why all one three first new"
)
GENERAL_WORDS = words(
    "example change result measure compare describe explain show value table graph total "
    "process model system idea question answer method evidence pattern record observe "
    "increase decrease amount rate unit size shape group order part whole cause effect "
    "reason problem solution step rule test check sample data average range estimate "
    "calculate predict notice important different similar simple common large small"
)
TOPICS = {
    "physics": "speed distance time velocity acceleration force mass energy kinetic potential "
    "gravity friction momentum pressure density wave frequency amplitude wavelength current "
    "voltage resistance circuit magnet electron charge power work heat temperature radiation "
    "lens mirror refraction reflection orbit planet newton joule watt metre second",
    "biology": "cell nucleus membrane photosynthesis chlorophyll leaf root stem enzyme protein "
    "respiration oxygen carbon glucose organism species habitat ecosystem predator prey "
    "bacteria virus gene chromosome inheritance evolution mutation tissue organ blood heart "
    "lung digestion kidney nerve brain muscle skeleton plant animal fungi seed flower pollen",
    "history": "empire kingdom revolution treaty parliament monarch republic colony trade "
    "war battle army navy peace constitution citizen slavery abolition industry factory "
    "railway harbour merchant castle village peasant taxation rebellion reform election "
    "century medieval ancient dynasty pharaoh temple manuscript archive museum rome egypt",
    "geography": "river valley mountain glacier erosion delta coast climate rainfall desert "
    "forest savanna tundra volcano earthquake plate continent ocean current monsoon "
    "population migration settlement city rural urban map scale contour latitude longitude "
    "equator tropic hemisphere weather drought flood soil agriculture irrigation tourism",
    "maths": "number fraction decimal percentage ratio proportion equation variable "
    "expression formula function gradient intercept triangle angle circle radius diameter "
    "circumference area volume perimeter polygon square prime factor multiple sequence "
    "probability mean median mode histogram coordinate vector matrix algebra geometry",
}
SYLLABLES = words("ka lo mi ra te su no vi de pa ri lu mo se ta ne ko fa ba zi")
QUERIES = [
    "energy",
    "photosynthesis",
    "glacier erosion",
    "revolution treaty parliament",
    "speed distance time",
    '"kinetic energy"',
    "photosyn",
    "circum",
    "temperature ",
    "cells",
    "median mode",
    "monsoon rainfall",
    "pharaoh temple",
    "river delta coast",
    "the",
    "example",
    "voltage resistance current",
    "probability",
    "café",
    "zzzzunknownword",
    'NEAR("energy',
    "kalomi",
]


def zipf_picker(rng: random.Random, words: list[str], exponent: float = 1.1) -> Any:
    weights = [1 / (rank + 1) ** exponent for rank in range(len(words))]
    cumulative: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)

    def pick() -> str:
        return rng.choices(words, cum_weights=cumulative)[0]

    return pick


class LessonWriter:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        rare = sorted(
            {
                "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 4)))
                for _ in range(4000)
            }
        )
        self.topic_words = {}
        for topic, words in TOPICS.items():
            vocabulary = words.split() + self.rng.sample(rare, 600)
            self.topic_words[topic] = zipf_picker(self.rng, vocabulary)
        self.function = zipf_picker(self.rng, FUNCTION_WORDS, 0.8)
        self.general = zipf_picker(self.rng, GENERAL_WORDS, 0.9)

    def sentence(self, topic: str) -> str:
        words = []
        for _ in range(self.rng.randint(8, 20)):
            roll = self.rng.random()
            if roll < 0.5:
                words.append(self.function())
            elif roll < 0.85:
                words.append(self.topic_words[topic]())
            elif roll < 0.97:
                words.append(self.general())
            else:
                words.append(
                    f"{self.rng.randint(2, 900)} {self.rng.choice(['m', 'km', 's', 'kg', '%'])}"
                )
        if self.rng.random() < 0.01:
            words.append("café")
        text = " ".join(words)
        return text[0].upper() + text[1:] + self.rng.choice([".", ".", ".", "?", "!"])

    def lesson(self, topic: str) -> tuple[str, str]:
        pick = self.topic_words[topic]
        title = f"{pick().capitalize()} and {pick()}"
        parts = [f"# {title}", ""]
        for _ in range(self.rng.randint(3, 6)):
            parts += [f"## {pick().capitalize()} {self.general()}", ""]
            for _ in range(self.rng.randint(1, 3)):
                sentences = [self.sentence(topic) for _ in range(self.rng.randint(3, 6))]
                parts += [" ".join(sentences), ""]
            if self.rng.random() < 0.3:
                parts += [f"- **{pick()}**: {self.sentence(topic)}" for _ in range(3)] + [""]
            if self.rng.random() < 0.15:
                parts += [f"$${pick()[0]} = \\frac{{{pick()[0]}}}{{{pick()[0]}}}$$", ""]
        return title, "\n".join(parts)


def write_packages(root: Path, lessons: int) -> list[Path]:
    writer = LessonWriter(SEED)
    topics = list(TOPICS)
    packages = []
    for course_index in range((lessons + LESSONS_PER_COURSE - 1) // LESSONS_PER_COURSE):
        pkg = root / f"course-{course_index:02d}"
        (pkg / "lessons").mkdir(parents=True)
        items = []
        count = min(LESSONS_PER_COURSE, lessons - course_index * LESSONS_PER_COURSE)
        for n in range(count):
            title, body = writer.lesson(topics[(course_index + n) % len(topics)])
            (pkg / "lessons" / f"l{n:04d}.md").write_text(body, encoding="utf-8")
            items.append(
                {
                    "id": f"l{n:04d}",
                    "title": title,
                    "kind": "lesson",
                    "file": f"lessons/l{n:04d}.md",
                }
            )
        manifest = {
            "format": "slate-course/1",
            "id": f"bench.course-{course_index:02d}",
            "version": "1",
            "title": f"Bench course {course_index}",
            "modules": [{"id": "m1", "title": "All lessons", "items": items}],
        }
        (pkg / "course.json").write_text(json.dumps(manifest), encoding="utf-8")
        packages.append(pkg)
    return packages


def like_scan(conn: Any, query: str) -> int:
    """The baseline: every word (or quoted phrase) as LIKE '%term%' on title or body."""
    phrases = re.findall(r'"([^"]+)"', query)
    rest = re.sub(r'"[^"]*"', " ", query)
    terms = [*phrases, *re.findall(r"\w+", rest)]
    if not terms:
        return 0
    where = " AND ".join("(title LIKE ? OR body LIKE ?)" for _ in terms)
    params = [p for t in terms for p in (f"%{t}%", f"%{t}%")]
    return len(conn.execute(f"SELECT id FROM search_docs WHERE {where}", params).fetchall())


def timed(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 lessons instead of 10,000")
    parser.add_argument("--lessons", type=int)
    parser.add_argument("--repeat", type=int, default=7, help="timings per query (median)")
    args = parser.parse_args()
    lessons = args.lessons or (1000 if args.quick else 10000)

    from app.courses.importer import import_course
    from app.db.store import Store
    from app.search import rebuild_index, search

    with tempfile.TemporaryDirectory(prefix="slate-bench-search-") as tmp:
        root = Path(tmp)
        packages = write_packages(root / "packages", lessons)
        store = Store.open(root / "store")
        try:
            started = time.perf_counter()
            for pkg in packages:
                import_course(store, pkg)
            import_s = time.perf_counter() - started
            with store.read() as session:
                conn: Any = session.connection().connection.driver_connection
                passages = conn.execute("SELECT count(*) FROM search_docs").fetchone()[0]
                words = conn.execute(
                    "SELECT sum(length(body) - length(replace(body, ' ', '')) + 1) FROM search_docs"
                ).fetchone()[0]
                fts_times, like_times, rows = [], [], []
                for query in QUERIES:
                    hits = search(session, query, limit=50)
                    matches = like_scan(conn, query)
                    fts_times.append(
                        timed(lambda q=query: search(session, q, limit=50), args.repeat)
                    )
                    like_times.append(timed(lambda q=query: like_scan(conn, q), args.repeat))
                    rows.append((query, len(hits), matches))
            # The one-time cost of building the index of a store made before search existed.
            started = time.perf_counter()
            with store.write() as session:
                rebuild_index(session, store.media_dir)
            rebuild_s = time.perf_counter() - started
        finally:
            store.close()

    fts_med = statistics.median(fts_times)
    like_med = statistics.median(like_times)
    ratio = fts_med / like_med
    print(
        f"{lessons} lessons, {passages} passages, ~{words / 1e6:.1f} M words; "
        f"imported and indexed in {import_s:.1f} s; index rebuilt alone in {rebuild_s:.1f} s"
    )
    print(f"{'query':<32} {'fts ms':>8} {'hits':>5}   {'LIKE ms':>8} {'matches':>7}")
    for (query, found, matches), f, like in zip(rows, fts_times, like_times, strict=True):
        print(f"{query!r:<32} {f * 1000:8.2f} {found:5d}   {like * 1000:8.2f} {matches:7d}")
    print(f"median query time, FTS5 search (ranked, snippets): {fts_med * 1000:8.2f} ms")
    print(f"median query time, LIKE '%term%' scan:             {like_med * 1000:8.2f} ms")
    print(f"ratio FTS5 / LIKE (lower is faster):               {ratio:8.4f}")
    print(
        json.dumps(
            {
                "bench": "search",
                "lessons": lessons,
                "passages": passages,
                "queries": len(QUERIES),
                "fts_median_ms": round(fts_med * 1000, 3),
                "fts_max_ms": round(max(fts_times) * 1000, 3),
                "like_median_ms": round(like_med * 1000, 3),
                "import_s": round(import_s, 2),
                "rebuild_s": round(rebuild_s, 2),
                "ratio": round(ratio, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
