"""Bidirectional overrides and isolates: one rule for every output.

U+202A–U+202E and U+2066–U+2069 can reorder what a line seems to say (a title
that reads one way and is another). Every output neutralises them: the CLI's
table and the app replace them (tui/text.py), the BibTeX export replaces them
too, and JSON writes them as `\\u202e` escapes, so the data survives a round
trip and nothing raw reaches a terminal.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
REPLACEMENT = "\ufffd"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def neutralise_bidi(text: str) -> str:
    """`text` with each bidi override or isolate replaced by U+FFFD (shown, not obeyed)."""
    return _BIDI.sub(REPLACEMENT, text)


def escape_bidi_in_json(json_text: str) -> str:
    """JSON text (made with ensure_ascii=False) with bidi controls written as escapes.

    They can only stand inside JSON strings, where `\\u202e` means the same
    character: the document is unchanged for a parser, harmless for a terminal."""
    return _BIDI.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)
