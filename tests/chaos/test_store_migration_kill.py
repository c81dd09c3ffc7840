"""A laptop killed while its store is being created or migrated still opens afterwards.

Found by the chaos proof: pysqlite ran the migrations' DDL outside any transaction, so a kill
between two steps left a half-made schema and every later start failed ("table courses already
exists"). Now the upgrade is one transaction (app/db/migrations/env.py). Each trial kills the
first `Store.open` at a random moment after the database file appears, then opens it again.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app.db.migrate import HEAD_REVISION, current_revision
from app.db.store import DB_FILENAME, Store
from tests.support.server_process import REPO_ROOT

TRIALS = 4


def test_a_store_killed_mid_migration_opens_at_the_newest_schema(tmp_path: Path) -> None:
    rng = random.Random(5)
    for trial in range(TRIALS):
        data_dir = tmp_path / f"store-{trial}"
        opening = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from app.db.store import Store; "
                "Store.open(Path(sys.argv[1])).close()",
                str(data_dir),
            ],
            cwd=REPO_ROOT,
        )
        db = data_dir / DB_FILENAME
        while not db.exists() and opening.poll() is None:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.4))
        opening.kill()
        opening.wait()

        Store.open(data_dir).close()  # raised StoreError before the fix
        assert current_revision(db) == HEAD_REVISION
        with sqlite3.connect(db) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
