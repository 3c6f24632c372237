"""Untrusted text on its way to a terminal.

Text from papers may hold escape sequences or other control characters; the
store strips them on import, and everything shown passes through here again,
because a library may hold text from older versions or other tools.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# Bidirectional overrides and isolates can reorder what a line seems to say. The
# same set as store/bidi.py (JSON and BibTeX outputs), which widgets may not import:
# tests/test_limits_wired.py checks that the two agree.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI_CONTROLS = BIDI_CONTROLS


def safe_text(value: str | None, keep_newlines: bool = False) -> str:
    """`value` with control characters replaced, fit to print or render."""
    if not value:
        return ""
    out = []
    for char in value:
        if char == "\n" and keep_newlines:
            out.append(char)
        elif char in "\t\n\r":
            out.append(" ")
        elif char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            out.append("\ufffd" if unicodedata.category(char) != "Cc" else "")
        else:
            out.append(char)
    return "".join(out)


def first_author_label(paper: Any) -> str:
    """`Ada Lovelace +2`, or `Ada Lovelace et al.` when the source cut the list short
    (the one rule of the app's list and the command line's table)."""
    if not paper.authors:
        return ""
    first = safe_text(paper.authors[0])
    if paper.authors_truncated:
        return f"{first} et al."
    if len(paper.authors) > 1:
        return f"{first} +{len(paper.authors) - 1}"
    return first
