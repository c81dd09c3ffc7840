"""Where a store lives: `--data-dir`, then `SLATE_DATA_DIR`, then the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "SLATE_DATA_DIR"


def resolve_data_dir(
    explicit: str | os.PathLike[str] | None = None, *, app_name: str = "slate"
) -> Path:
    """The data folder to use, created if missing.

    `app_name` separates the laptop store ("slate") from a server's folder ("slate-server") when
    neither an explicit folder nor the environment chooses one.
    """
    if explicit:
        path = Path(explicit)
    elif os.environ.get(ENV_DATA_DIR):
        path = Path(os.environ[ENV_DATA_DIR])
    else:
        import platformdirs  # imported lazily: it is only needed when nothing else chose

        path = Path(platformdirs.user_data_dir(app_name, appauthor=False))
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path
