"""Reading a course package (folder or .zip) safely.

Everything from outside is hostile until checked: paths must stay inside the package (no `..`,
no absolute paths, no symbolic links), sizes and file counts are limited, and a zip whose members
would expand far beyond their compressed size is refused before anything is extracted.
"""

from __future__ import annotations

import json
import posixpath
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

MANIFEST = "course.json"
MAX_FILES = 5000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_JSON_BYTES = 1024**2
MAX_LESSON_BYTES = 2 * 1024**2
MAX_ZIP_RATIO = 100
CHUNK = 1024 * 1024


class PackageError(Exception):
    """A problem with one file of a package; str() names the file first."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


def normalise_member(path: str, *, relative_to: str = "") -> str:
    """A package-relative POSIX path, or PackageError if it would leave the package."""
    shown = posixpath.join(relative_to, path) if relative_to else path
    if not path or "\\" in path or "\x00" in path:
        raise PackageError(shown, "not a valid package path")
    if (
        path.startswith("/")
        or PurePosixPath(path).is_absolute()
        or (len(path) > 1 and path[1] == ":")
    ):
        raise PackageError(shown, "absolute paths are not allowed in a package")
    joined = posixpath.normpath(posixpath.join(relative_to, path))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        raise PackageError(shown, "path leaves the package")
    return joined


@dataclass
class _Entry:
    size: int
    compressed: int


class PackageReader:
    """Read-only view of a package's files by package-relative path."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        self._entries: dict[str, _Entry] = {}
        if not source.exists():
            raise PackageError(str(source), "no such file or folder")
        if source.is_dir():
            self._scan_folder()
        elif zipfile.is_zipfile(source):
            self._scan_zip()
        elif source.suffix.lower() == ".zip":
            # Named as a zip but not readable as one: say so rather than "not a package".
            raise PackageError(
                str(source), "not a readable .zip file (damaged, truncated or not a zip at all)"
            )
        else:
            raise PackageError(str(source), "not a course package (expected a folder or a .zip)")
        if MANIFEST not in self._entries:
            raise PackageError(str(source), f"no {MANIFEST} at the top of the package")

    def _scan_folder(self) -> None:
        root = self.source
        total = 0
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                raise PackageError(rel, "symbolic links are not allowed in a package")
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                raise PackageError(rel, "not a regular file")
            total += info.st_size
            self._add(rel, _Entry(info.st_size, info.st_size), total)

    def _scan_zip(self) -> None:
        try:
            zf = zipfile.ZipFile(self.source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise PackageError(self.source.name, f"cannot open zip: {exc}") from None
        self._zip = zf
        infos = [i for i in zf.infolist() if not i.is_dir()]
        names = [i.filename for i in infos]
        # Accept a zip of the folder itself: course.json inside one top-level folder.
        if MANIFEST not in names:
            tops = {n.split("/", 1)[0] for n in names}
            if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST}" in names:
                self._prefix = next(iter(tops)) + "/"
        total = 0
        for info in infos:
            name = info.filename
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise PackageError(name, "symbolic links are not allowed in a package")
            rel = normalise_member(name)
            if self._prefix:
                if not rel.startswith(self._prefix):
                    raise PackageError(name, "file outside the package's top folder")
                rel = rel[len(self._prefix) :]
            if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise PackageError(
                    name,
                    f"expands {info.file_size // max(info.compress_size, 1)} times its compressed "
                    f"size (limit {MAX_ZIP_RATIO}): refused as a possible zip bomb",
                )
            total += info.file_size
            self._add(rel, _Entry(info.file_size, info.compress_size), total)

    def _add(self, rel: str, entry: _Entry, total: int) -> None:
        if len(self._entries) >= MAX_FILES:
            raise PackageError(str(self.source), f"more than {MAX_FILES} files in the package")
        if total > MAX_TOTAL_BYTES:
            raise PackageError(str(self.source), f"package is larger than {MAX_TOTAL_BYTES} bytes")
        self._entries[rel] = _Entry(entry.size, entry.compressed)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> PackageReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def total_bytes(self) -> int:
        return sum(e.size for e in self._entries.values())

    def has(self, path: str) -> bool:
        return path in self._entries

    def size(self, path: str) -> int:
        return self._entries[path].size

    def require(self, path: str, *, referenced_by: str, where: str) -> str:
        """Normalise a path named in `referenced_by` and check that the package has it."""
        rel = normalise_member(path, relative_to=posixpath.dirname(referenced_by))
        if rel not in self._entries:
            raise PackageError(referenced_by, f"{where}: '{path}' is not in the package")
        return rel

    def read_bytes(self, path: str, *, limit: int | None = None) -> bytes:
        size = self._entries[path].size
        if limit is not None and size > limit:
            raise PackageError(path, f"file is {size} bytes; the limit is {limit}")
        return b"".join(self.iter_chunks(path))

    def iter_chunks(self, path: str) -> Iterator[bytes]:
        expected = self._entries[path].size
        seen = 0
        if self._zip is not None:
            stream = self._zip.open(self._prefix + path)
        else:
            stream = (self.source / path).open("rb")
        with stream:
            while chunk := stream.read(CHUNK):
                seen += len(chunk)
                # Never trust the declared size: stop a lying zip entry as soon as it overruns.
                if seen > expected:
                    raise PackageError(path, "file is larger than the package says it is")
                yield chunk

    def read_text(self, path: str, *, limit: int) -> str:
        data = self.read_bytes(path, limit=limit)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise PackageError(path, f"line {line}: not valid UTF-8 text") from None

    def read_model(self, path: str, model: type[BaseModel]) -> Any:
        """Parse a JSON file into `model`, naming the file, line or JSON path of any problem."""
        text = self.read_text(path, limit=MAX_JSON_BYTES)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PackageError(path, f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise PackageError(path, format_validation_error(exc)) from None


def format_validation_error(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        msg = err["msg"].removeprefix("Value error, ")
        problems.append(f"{loc}: {msg}" if loc else msg)
    more = len(exc.errors()) - 5
    if more > 0:
        problems.append(f"and {more} more problem(s)")
    return "; ".join(problems)
