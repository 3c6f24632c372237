"""Untrusted text on its way to a terminal.

Text from papers may hold escape sequences or other control characters; the
store strips them on import, and everything shown passes through here again,
because a library may hold text from older versions or other tools.
"""

from __future__ import annotations

import unicodedata

# Bidirectional overrides and isolates can reorder what a line seems to say.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


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
