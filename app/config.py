"""The deployment file `slate.toml`: how IT preconfigures a fleet of laptops.

Files are read in this order, each later one overriding the keys it sets:

1. beside the executable (the frozen app's folder, or the Python interpreter's folder),
2. the system config dir (platformdirs `site_config_dir`: /etc/xdg/slate, C:\\ProgramData\\slate),
3. the user config dir (platformdirs `user_config_dir`: ~/.config/slate),

then environment variables (`SLATE_SERVER_URL`, `SLATE_LOCKDOWN_FULLSCREEN`, ... see `ENV_NAMES`).

A broken file never stops the app: a TOML syntax error sets that whole file aside, an unknown
key or a wrong value sets that key aside, and each becomes a `ConfigProblem` naming the file,
key and line. A file's values must have the key's TOML type (`fullscreen = "yes"` is refused,
not coerced); environment variables, always text, are parsed from it ("true", "0", "45").
Every value keeps the place it came from, for `slate config show`.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONFIG_FILENAME = "slate.toml"
APP_NAME = "slate"
DEFAULT_SOURCE = "default"

_LANGUAGE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z]{2,4})?$")


class Lockdown(BaseModel):
    """What an exam may lock on this machine, where Qt can do it."""

    model_config = ConfigDict(extra="forbid")

    # The exam window covers the whole screen and has no window frame.
    fullscreen: bool = False
    # The exam window stays on top and asks before the learner leaves it (Qt cannot stop
    # Alt+Tab everywhere; what it can do is described in docs/deployment.md).
    block_app_switching: bool = False


class DeploymentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    server_url: str | None = None
    school_code: str | None = None
    enrollment_code: str | None = None
    # A language tag such as "fr" or "sw"; None follows the operating system.
    language: str | None = None
    # "user": one store per account (platformdirs user data dir); "shared": one store for the
    # machine (platformdirs site data dir); or an absolute folder path.
    data_location: str = "user"
    # Seconds between background sync rounds.
    sync_interval: float = Field(default=30.0, ge=5, le=86400)
    # How many daily backups of the store to keep.
    backups_keep: int = Field(default=7, ge=1, le=365)
    lockdown: Lockdown = Field(default_factory=Lockdown)

    @field_validator("server_url", "school_code", "enrollment_code", "language", mode="after")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("server_url", mode="after")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = value.rstrip("/")
        if "://" not in url:
            url = "http://" + url
        scheme, _, rest = url.partition("://")
        if scheme not in ("http", "https") or not rest or " " in rest:
            raise ValueError("use http://HOST:PORT, for example http://school-server:8765")
        return url

    @field_validator("language", mode="after")
    @classmethod
    def _language_tag(cls, value: str | None) -> str | None:
        if value is not None and not _LANGUAGE.match(value):
            raise ValueError("use a language tag such as 'en', 'fr', 'sw' or 'pt_BR'")
        return value

    @field_validator("data_location", mode="after")
    @classmethod
    def _location(cls, value: str) -> str:
        value = value.strip()
        if value in ("user", "shared"):
            return value
        if not Path(value).expanduser().is_absolute():
            raise ValueError("use 'user', 'shared' or an absolute folder path")
        return value


# Dotted key (as in the file) -> environment variable that overrides it.
ENV_NAMES: dict[str, str] = {
    "server_url": "SLATE_SERVER_URL",
    "school_code": "SLATE_SCHOOL_CODE",
    "enrollment_code": "SLATE_ENROLLMENT_CODE",
    "language": "SLATE_LANGUAGE",
    "data_location": "SLATE_DATA_LOCATION",
    "sync_interval": "SLATE_SYNC_INTERVAL",
    "backups_keep": "SLATE_BACKUPS_KEEP",
    "lockdown.fullscreen": "SLATE_LOCKDOWN_FULLSCREEN",
    "lockdown.block_app_switching": "SLATE_LOCKDOWN_BLOCK_APP_SWITCHING",
}
KEYS = tuple(ENV_NAMES)
SECRET_KEYS = frozenset({"enrollment_code"})


@dataclass(frozen=True)
class ConfigProblem:
    source: str  # a file path or an environment variable
    message: str
    key: str | None = None
    line: int | None = None
    file_ignored: bool = False  # a syntax error: nothing in the file could be trusted

    def __str__(self) -> str:
        where = self.source + (f", line {self.line}" if self.line else "")
        what = f"key '{self.key}': " if self.key else ""
        ignored = "this file is ignored" if self.file_ignored else "this setting is ignored"
        return f"{where}: {what}{self.message} ({ignored})"


@dataclass(frozen=True)
class EffectiveConfig:
    values: DeploymentConfig
    sources: dict[str, str]  # dotted key -> file path, env var or "default"
    files: list[tuple[Path, bool]]  # every place looked at, and whether a file was there
    problems: list[ConfigProblem] = field(default_factory=list)

    def get(self, key: str) -> Any:
        value: Any = self.values
        for part in key.split("."):
            value = getattr(value, part)
        return value

    def as_dict(self, *, redact: bool = False) -> dict[str, Any]:
        """Every setting with its value and where it came from (for `config show --json`)."""
        settings = {}
        for key in KEYS:
            value = self.get(key)
            if redact and key in SECRET_KEYS and value is not None:
                value = "(redacted)"
            settings[key] = {"value": value, "source": self.sources[key]}
        return {
            "settings": settings,
            "files": [{"path": str(p), "found": found} for p, found in self.files],
            "problems": [str(p) for p in self.problems],
        }


def default_search_dirs() -> list[Path]:
    """Where slate.toml is looked for, lowest precedence first."""
    import platformdirs

    # A frozen (PyInstaller) app's executable is the app itself; otherwise this is the folder of
    # the Python that runs Slate (a venv's bin/, or an embedded Python beside the app).
    beside_exe = Path(sys.executable).parent
    return [
        beside_exe,
        Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    ]


def load_config(
    search_dirs: list[Path] | None = None, environ: dict[str, str] | os._Environ[str] | None = None
) -> EffectiveConfig:
    """Read every deployment file and the environment. Never raises for bad content."""
    dirs = default_search_dirs() if search_dirs is None else search_dirs
    env = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    sources = dict.fromkeys(KEYS, DEFAULT_SOURCE)
    problems: list[ConfigProblem] = []
    files: list[tuple[Path, bool]] = []
    seen: set[Path] = set()
    for folder in dirs:
        path = folder / CONFIG_FILENAME
        if path in seen:
            continue
        seen.add(path)
        found = path.is_file()
        files.append((path, found))
        if found:
            for key, value in _read_file(path, problems).items():
                merged[key], sources[key] = value, str(path)
    for key, var in ENV_NAMES.items():
        raw = env.get(var)
        if raw is None or raw == "":
            continue
        # Environment variables are always text, so they are parsed from it ("true", "0", "45").
        message = _check_value(key, raw, strict=False)
        if message:
            problems.append(ConfigProblem(var, message, key))
        else:
            merged[key], sources[key] = raw, var
    values = DeploymentConfig.model_validate(_nest(merged))
    return EffectiveConfig(values, sources, files, problems)


def _read_file(path: Path, problems: list[ConfigProblem]) -> dict[str, Any]:
    """The valid settings in one file, by dotted key; problems are appended."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(ConfigProblem(str(path), f"cannot be read: {exc}", file_ignored=True))
        return {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        # Name the key on that line too, when the line has one, so IT knows what to fix.
        lines = text.splitlines()
        bad_line = lines[line - 1] if line and line <= len(lines) else ""
        name, eq, _ = bad_line.partition("=")
        problems.append(
            ConfigProblem(
                str(path),
                f"is not valid TOML: {_strip_position(str(exc))}",
                name.strip() or None if eq else None,
                line,
                file_ignored=True,
            )
        )
        return {}
    good: dict[str, Any] = {}
    for key, value in _flatten(data).items():
        line = _line_of(text, key)
        if key == "lockdown":
            problems.append(ConfigProblem(str(path), "must be a [lockdown] table", key, line))
            continue
        if key not in ENV_NAMES:
            known = ", ".join(KEYS)
            problems.append(ConfigProblem(str(path), f"unknown key (known: {known})", key, line))
            continue
        # TOML has real types: a boolean must be written true/false, a number unquoted.
        message = _check_value(key, value, strict=True)
        if message:
            problems.append(ConfigProblem(str(path), message, key, line))
        else:
            good[key] = value
    return good


def _check_value(key: str, value: Any, *, strict: bool) -> str | None:
    """Why `value` is not acceptable for `key`, or None. Each key is checked on its own, so one
    bad key never costs the others.

    `strict` (a value from a TOML file): the value must already have the key's type, so
    `fullscreen = "yes"`, `fullscreen = 1` or `sync_interval = "45"` are refused instead of
    being coerced (an integer is still fine where a float is expected). Not strict (an
    environment variable, always text): the text is parsed, "true"/"false"/"1"/"0" for a
    boolean, "45" for a number.
    """
    try:
        DeploymentConfig.model_validate(_nest({key: value}), strict=strict)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        return f"{message} (got {value!r})"
    return None


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted == "lockdown":
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            nested[head] = value
    return nested


_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\"' -]+?)\s*\]\s*(#.*)?$")


def _line_of(text: str, dotted: str) -> int | None:
    """The line where `dotted` is set: `key = ...` under its [table], or `table.key = ...`."""
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            table = header.group(1).replace('"', "").replace("'", "").replace(" ", "")
            continue
        name, eq, _ = line.partition("=")
        if not eq:
            continue
        name = name.strip().replace('"', "").replace("'", "").replace(" ", "")
        full = f"{table}.{name}" if table else name
        if full == dotted or (dotted.startswith(full + ".") and "{" in line):
            return number
    return None


def _line_from_message(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _strip_position(message: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", message)


def show_text(config: EffectiveConfig) -> str:
    """The effective settings as an aligned table, for `slate config show`."""
    width = max(len(k) for k in KEYS)
    lines = []
    for key in KEYS:
        value = config.get(key)
        shown = (
            "(not set)"
            if value is None
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
        )
        lines.append(f"{key:<{width}}  {shown:<32}  {config.sources[key]}")
    lines.append("")
    lines.append("Looked for slate.toml in (later overrides earlier):")
    for path, found in config.files:
        lines.append(f"  {'found  ' if found else 'missing'}  {path}")
    if config.problems:
        lines.append("")
        lines.append("Problems:")
        lines.extend(f"  {p}" for p in config.problems)
    return "\n".join(lines)


def data_location_dir(config: DeploymentConfig) -> Path | None:
    """The data folder the deployment file chooses, or None when it leaves the default."""
    import platformdirs

    if config.data_location == "user":
        return None
    if config.data_location == "shared":
        return Path(platformdirs.site_data_dir(APP_NAME, appauthor=False))
    return Path(config.data_location).expanduser()
