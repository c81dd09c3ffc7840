"""Reading any supported question bank file: the format chosen by extension and content.

| file | read as |
| --- | --- |
| `.zip` | a QTI content package (must hold imsmanifest.xml) |
| `.xml`, or content starting `<?xml` | QTI item, test or manifest (by the root element) |
| `.gift` | GIFT (a `.gift` file that is not GIFT is refused by the GIFT reader) |
| `.txt` and others | Aiken when it reads as Aiken (`A)` options and `ANSWER: X`), else GIFT |
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from app.banks.aiken import looks_like_aiken, read_aiken
from app.banks.gift import read_gift
from app.banks.model import BankImport, BankImportError
from app.banks.qti import read_qti

FORMATS = ("gift", "aiken", "qti")
_SNIFF_BYTES = 64 * 1024
# An XML declaration or a QTI root element, after an optional BOM and comments; a GIFT file
# may well start with `<p>`.
_XML_START = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?xml|(<!--.*?-->\s*)*<(\w+:)?(assessmentItem|assessmentTest|manifest)\b)",
    re.DOTALL,
)


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".zip" or zipfile.is_zipfile(path):
        return "qti"
    if suffix == ".xml":
        return "qti"
    if suffix == ".gift":
        return "gift"
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if _XML_START.match(head):
        return "qti"
    text = head.decode("utf-8-sig", errors="replace")
    return "aiken" if looks_like_aiken(text) else "gift"


def read_bank(path: Path, format: str | None = None) -> BankImport:
    """Parse a question bank file without touching the store.

    Raises BankImportError (naming the file) when the file cannot be imported at all.
    """
    if not path.exists():
        raise BankImportError(str(path), "no such file")
    if not path.is_file():
        raise BankImportError(str(path), "not a file")
    try:
        chosen = format or detect_format(path)
        if chosen == "gift":
            return read_gift(path)
        if chosen == "aiken":
            return read_aiken(path)
        if chosen == "qti":
            return read_qti(path)
    except OSError as exc:
        raise BankImportError(path.name, f"cannot read the file: {exc.strerror or exc}") from None
    raise BankImportError(path.name, f"unknown format {chosen!r} (known: {', '.join(FORMATS)})")
