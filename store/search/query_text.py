"""Query text made ready for Whoosh's parser, with no Whoosh import.

What the user typed is checked (valid UTF-8, balanced quotes and brackets) and
rewritten (`-word` as `NOT word`) before the parser sees it. Nothing here loads
Whoosh, so the query language elsewhere can use it cheaply.
"""

from __future__ import annotations

import re

from ..errors import QueryError

_LEADING_MINUS = re.compile(r"(?<![^\s(])-(?=[^\s\-)])")
_CLOSING = {"(": ")", "[": "]", "{": "}"}


def check_utf8(text: str) -> None:
    """Text holding lone surrogates (bytes that were not UTF-8) cannot be searched."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise QueryError("the query is not valid text (it holds bytes that are not UTF-8)") from error


def minus_as_not(text: str) -> str:
    """`-survey` excludes, as in web search (Whoosh would look for `survey`);
    a hyphen inside a word (`multi-task`) or a phrase is left alone."""
    pieces = text.split('"')
    for index in range(0, len(pieces), 2):  # outside quotes
        pieces[index] = _LEADING_MINUS.sub("NOT ", pieces[index])
    return '"'.join(pieces)


def check_balanced(text: str) -> None:
    """Whoosh silently guesses at unbalanced quotes and brackets; we say so."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote: a phrase needs a closing "')
    stack: list[str] = []
    in_phrase = False
    for char in text:
        if char == '"':
            in_phrase = not in_phrase
        elif in_phrase:
            continue
        elif char in _CLOSING:
            stack.append(_CLOSING[char])
        elif char in _CLOSING.values():
            if not stack or stack.pop() != char:
                raise QueryError(f"unbalanced {char!r}: it closes nothing")
    if stack:
        raise QueryError(f"unbalanced brackets: {''.join(reversed(stack))!r} missing")


def prepared(text: str) -> str:
    """The text to give Whoosh's parser, or QueryError for text it would misread."""
    check_utf8(text)
    check_balanced(text)
    return minus_as_not(text)
