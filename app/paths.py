"""Where a store lives: `--data-dir`, then `SLATE_DATA_DIR`, then `data_location` in the
deployment file (app/config.py), then the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import SlateError

if TYPE_CHECKING:  # app.config is imported only when the deployment file is needed
    from app.config import EffectiveConfig

ENV_DATA_DIR = "SLATE_DATA_DIR"


class DataDirError(SlateError):
    pass


def resolve_data_dir(
    explicit: str | os.PathLike[str] | None = None,
    *,
    app_name: str = "slate",
    create: bool = True,
    config: EffectiveConfig | None = None,
) -> Path:
    """The data folder to use: created if missing when `create`, else it must exist.

    `app_name` separates the laptop store ("slate") from a server's folder ("slate-server") when
    neither an explicit folder nor the environment chooses one. A caller that has already read
    the deployment file passes it as `config`, so start-up reads slate.toml once.
    """
    if explicit is not None and not str(explicit).strip():
        raise DataDirError("--data-dir is empty: give a folder")
    if explicit:
        path, where = Path(explicit), "--data-dir"
    elif os.environ.get(ENV_DATA_DIR):
        path, where = Path(os.environ[ENV_DATA_DIR]), ENV_DATA_DIR
    elif app_name == "slate" and (configured := _deployment_data_dir(config)) is not None:
        path, where = configured
    else:
        import platformdirs  # imported lazily: it is only needed when nothing else chose

        path, where = Path(platformdirs.user_data_dir(app_name, appauthor=False)), "default"
    path = path.expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise DataDirError(
            f"{path} ({where}) is a file, not a folder: choose a folder for the data"
        )
    if not create:
        if not path.is_dir():
            raise DataDirError(f"{path} ({where}) does not exist: is the folder name right?")
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(f"cannot create the data folder {path}: {exc.strerror or exc}") from None
    return path


def _deployment_data_dir(config: EffectiveConfig | None) -> tuple[Path, str] | None:
    """The laptop store's folder chosen by `data_location` in slate.toml (app/config.py)."""
    from app.config import data_location_dir, load_config

    config = config or load_config()
    path = data_location_dir(config.values)
    if path is None:
        return None
    return path, f"data_location in {config.sources['data_location']}"
