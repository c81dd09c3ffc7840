"""Small readers of a QTextDocument shared by the lesson tests."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument


def images_in(document: QTextDocument) -> list[str]:
    names = []
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fmt = fragments.fragment().charFormat()
            if fmt.isImageFormat():
                names.append(fmt.toImageFormat().name())
            fragments += 1
        block = block.next()
    return names
