"""Code blocks: highlighted with Pygments as inline styles, the only styling QTextBrowser keeps.

Pygments is imported on the first code block, not with the module, to keep start-up cheap.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

PYGMENTS_STYLE = "default"

# Carpentries fence tags for what a command printed: plain text, told apart by colour.
_OUTPUT_KINDS = {
    "output": ("#ffffff", "#8c959f"),
    "error": ("#fff5f5", "#d1242f"),
    "warning": ("#fffbeb", "#9a6700"),
}
_CODE_COLOURS = ("#f6f8fa", "#d0d7de")


def code_block_html(code: str, info: str) -> str:
    """A code block as a one-cell table: background and border that QTextBrowser draws."""
    language = _language(info)
    background, border = _OUTPUT_KINDS.get(language, _CODE_COLOURS)
    body = _highlight(code, language) if language not in _OUTPUT_KINDS else html.escape(code)
    label = ""
    if language in ("error", "warning"):
        label = f'<span style="color:{border}; font-weight:600;">{language.capitalize()}</span>'
    return (
        f'<table class="code {html.escape(language)}" width="100%" cellspacing="0" cellpadding="6" '
        f'style="margin-top:6px; margin-bottom:6px; border-width:1px; border-style:solid; '
        f'border-color:{border}; border-collapse:collapse;">'
        f'<tr><td style="background-color:{background}; border-width:0px;">{label}'
        f"<pre>{body.rstrip(chr(10))}</pre></td></tr></table>\n"
    )


def _language(info: str) -> str:
    words = info.strip().strip("{}").split()
    return words[0].lstrip(".").lower() if words else ""


def _highlight(code: str, language: str) -> str:
    lexer = _lexer(language) if language else None
    if lexer is None:
        return html.escape(code)
    from pygments import highlight

    return str(highlight(code, lexer, _formatter()))


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None  # unknown languages show as plain text


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(noclasses=True, nowrap=True, style=PYGMENTS_STYLE)
