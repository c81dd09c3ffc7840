"""The files of a QTI package: a folder on disk or a .zip, read with the package rules.

Paths named inside a package are relative and must stay inside it: an absolute path or a `..`
that leaves the package names no file (the caller warns that it is missing). A zip is checked
whole before anything is read: a member whose path leaves the package, a symbolic link, too
many members, too many bytes, or a member that expands far beyond its compressed size (a zip
bomb) refuses the whole package.
"""

from __future__ import annotations

import posixpath
import stat
import zipfile
from pathlib import Path, PurePosixPath

from app.banks.model import BankImportError

MAX_FILES = 5000
MAX_TOTAL_BYTES = 512 * 1024**2
MAX_ZIP_RATIO = 100
MAX_XML_BYTES = 16 * 1024**2
MANIFEST = "imsmanifest.xml"


def join_href(base: str, href: str) -> str | None:
    """`href` (as written in the file `base`) as a package path, or None if it leaves."""
    href = href.split("#", 1)[0].split("?", 1)[0]
    if (
        not href
        or "\\" in href
        or "\x00" in href
        or "://" in href
        or href.startswith("/")
        or PurePosixPath(href).is_absolute()
        or (len(href) > 1 and href[1] == ":")
    ):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), href))
    if joined in (".", "..") or joined.startswith("../"):
        return None
    return joined


class PackageFiles:
    """Read-only access to the files of a package by package path."""

    label: str

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None if the package has no such file."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class FolderFiles(PackageFiles):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = root.name

    def read(self, path: str) -> bytes | None:
        target = self.root / path
        try:
            info = target.lstat()
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > MAX_XML_BYTES:
            raise BankImportError(
                path, f"file is {info.st_size} bytes; the limit is {MAX_XML_BYTES}"
            )
        return target.read_bytes()


class ZipFiles(PackageFiles):
    def __init__(self, source: Path) -> None:
        self.label = source.name
        try:
            self._zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise BankImportError(source.name, f"cannot open the zip: {exc}") from None
        infos = [i for i in self._zip.infolist() if not i.is_dir()]
        if len(infos) > MAX_FILES:
            raise BankImportError(source.name, f"more than {MAX_FILES} files in the package")
        self._members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            if stat.S_ISLNK(info.external_attr >> 16):
                raise BankImportError(
                    source.name, f"{name}: symbolic links are not allowed in a package"
                )
            path = join_href("", name)
            if path is None:
                raise BankImportError(source.name, f"{name}: path leaves the package")
            if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise BankImportError(
                    source.name,
                    f"{name}: expands {info.file_size // max(info.compress_size, 1)} times its "
                    f"compressed size (limit {MAX_ZIP_RATIO}): refused as a possible zip bomb",
                )
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise BankImportError(
                    source.name, f"the package is larger than {MAX_TOTAL_BYTES} bytes"
                )
            self._members[path] = info
        # Accept a zip of the package folder: the manifest inside one top-level folder.
        self.prefix = ""
        if MANIFEST not in self._members:
            tops = {p.split("/", 1)[0] for p in self._members}
            if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST}" in self._members:
                self.prefix = next(iter(tops)) + "/"

    def has_manifest(self) -> bool:
        return self.prefix + MANIFEST in self._members

    def read(self, path: str) -> bytes | None:
        info = self._members.get(self.prefix + path)
        if info is None:
            return None
        if info.file_size > MAX_XML_BYTES:
            raise BankImportError(
                path, f"file is {info.file_size} bytes; the limit is {MAX_XML_BYTES}"
            )
        with self._zip.open(info) as stream:
            data = stream.read(info.file_size + 1)
        # Never trust the declared size: a lying member is refused, not read on and on.
        if len(data) > info.file_size:
            raise BankImportError(path, "file is larger than the package says it is")
        return data

    def close(self) -> None:
        self._zip.close()
