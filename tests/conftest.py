"""Shared fixtures: real stores in temp folders, the demo course, the real server (plugin)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The suite never reads this machine's own deployment files (~/.config/slate/slate.toml,
# /etc/xdg/slate): a school laptop's server_url would otherwise steer the sync tests. Tests of
# the deployment file point these at their own folders.
_NO_DEPLOYMENT_FILES = tempfile.mkdtemp(prefix="slate-tests-no-config-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_NO_DEPLOYMENT_FILES, "home")
os.environ["XDG_CONFIG_DIRS"] = os.path.join(_NO_DEPLOYMENT_FILES, "etc")
# Quiet Qt's FFmpeg stream dumps in test output; warnings still show.
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")

from app.db.store import Store  # noqa: E402 (after the environment above)
from app.demo import demo_course_dir  # noqa: E402

pytest_plugins = ["tests.support.fixtures"]

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    path = demo_course_dir()
    assert (path / "course.json").exists(), f"demo course missing at {path}"
    return path


@pytest.fixture
def demo_store(store: Store, demo_dir: Path) -> Store:
    from app.courses.importer import import_course

    import_course(store, demo_dir)
    return store


@pytest.fixture
def learner(store: Store) -> str:
    from app.profiles import create_profile

    with store.write() as session:
        return create_profile(session, "Amina").id


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (it lives beside the repo, not in it)")
    return CORPUS
